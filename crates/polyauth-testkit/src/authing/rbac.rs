//! Roles and groups of the emulated pool: their records, JSON shapes and lookups, and the
//! errors the roles and groups operations answer. Membership lives on the user
//! ([`UserRec::roles`] as `(namespace, code)`, [`UserRec::groups`] as codes), so a role given
//! through either module is seen by both.

use serde_json::{Value, json};

use super::store::{Db, Fail, Udv, UserRec, fail, user_json};

/// The namespace of a role when a call names none.
pub(super) const DEFAULT_NAMESPACE: &str = "default";
/// The time stamps of records the emulator creates.
const STAMP: &str = "2024-01-01T00:00:00.000Z";

/// A role (`namespace`, `code` unique together).
#[derive(Clone, Debug, Default)]
pub(super) struct RoleRec {
    pub(super) id: String,
    pub(super) namespace: String,
    pub(super) code: String,
    pub(super) description: Option<String>,
    /// The parent role's code (same namespace).
    pub(super) parent: Option<String>,
    pub(super) udv: Udv,
    /// Authorized resources: (code, type, actions).
    pub(super) resources: Vec<(String, String, Vec<String>)>,
}

/// A group (`code` unique).
#[derive(Clone, Debug, Default)]
pub(super) struct GroupRec {
    pub(super) code: String,
    pub(super) name: String,
    pub(super) description: Option<String>,
    /// Authorized resources: (namespace, code, type, actions).
    pub(super) resources: Vec<(String, String, String, Vec<String>)>,
}

/// A policy (`code` unique); its statements as sent.
#[derive(Clone, Debug, Default)]
pub(super) struct PolicyRec {
    pub(super) code: String,
    pub(super) description: Option<String>,
    pub(super) statements: Value,
}

/// A policy assigned to a target (`USER` id, `ROLE`/`GROUP` code, `ORG` node id).
#[derive(Clone, Debug)]
pub(super) struct AssignmentRec {
    pub(super) policy: String,
    pub(super) target_type: String,
    pub(super) target: String,
    pub(super) enabled: bool,
}

/// Renames (`Some`) or removes (`None`) the assignments of a role or group code.
pub(super) fn retarget_assignments(db: &mut Db, target_type: &str, from: &str, to: Option<&str>) {
    match to {
        Some(to) => {
            for a in &mut db.assignments {
                if a.target_type == target_type && a.target == from {
                    a.target = to.to_owned();
                }
            }
        }
        None => db
            .assignments
            .retain(|a| !(a.target_type == target_type && a.target == from)),
    }
}

pub(super) fn role_not_found() -> Fail {
    fail(404, "角色不存在")
}

pub(super) fn role_exists() -> Fail {
    fail(400, "角色 code 已存在")
}

pub(super) fn group_not_found() -> Fail {
    fail(404, "分组不存在")
}

pub(super) fn group_exists() -> Fail {
    fail(400, "分组 code 已存在")
}

pub(super) fn user_not_found() -> Fail {
    fail(2004, "用户不存在")
}

/// The namespace an argument names (`default` when null or absent).
pub(super) fn namespace(arg: Option<&str>) -> String {
    arg.unwrap_or(DEFAULT_NAMESPACE).to_owned()
}

pub(super) fn role_idx(db: &Db, ns: &str, code: &str) -> Option<usize> {
    db.roles
        .iter()
        .position(|r| r.namespace == ns && r.code == code)
}

pub(super) fn group_idx(db: &Db, code: &str) -> Option<usize> {
    db.groups.iter().position(|g| g.code == code)
}

/// Registers a role (used by seeding and `createRole`); answers its index.
pub(super) fn add_role(db: &mut Db, ns: &str, code: &str) -> usize {
    if let Some(i) = role_idx(db, ns, code) {
        return i;
    }
    db.next_id += 1;
    let id = format!("role{:06}{}", db.next_id, super::store::random_hex(4));
    db.roles.push(RoleRec {
        id,
        namespace: ns.to_owned(),
        code: code.to_owned(),
        ..Default::default()
    });
    db.roles.len() - 1
}

/// Registers a group with its code as name unless it exists; answers its index.
pub(super) fn add_group(db: &mut Db, code: &str) -> usize {
    if let Some(i) = group_idx(db, code) {
        return i;
    }
    db.groups.push(GroupRec {
        code: code.to_owned(),
        name: code.to_owned(),
        ..Default::default()
    });
    db.groups.len() - 1
}

fn role_fields(r: &RoleRec, pool: &str) -> Value {
    json!({
        "id": r.id, "namespace": r.namespace, "code": r.code,
        "arn": format!("arn:cn:authing:{pool}:role:{}", r.id), "description": r.description,
        "createdAt": STAMP, "updatedAt": STAMP,
    })
}

/// A role as the `Role` type answers it, its parent included.
pub(super) fn role_json(db: &Db, r: &RoleRec, pool: &str) -> Value {
    let mut v = role_fields(r, pool);
    let parent = r
        .parent
        .as_deref()
        .and_then(|p| role_idx(db, &r.namespace, p))
        .map_or(Value::Null, |i| role_fields(&db.roles[i], pool));
    if let Value::Object(m) = &mut v {
        m.insert("parent".into(), parent);
    }
    v
}

/// The `Role` JSON of a membership, or a bare one for a role the registry does not hold.
pub(super) fn membership_role_json(db: &Db, ns: &str, code: &str, pool: &str) -> Value {
    match role_idx(db, ns, code) {
        Some(i) => role_json(db, &db.roles[i], pool),
        None => role_json(
            db,
            &RoleRec {
                id: format!("role-{code}"),
                namespace: ns.to_owned(),
                code: code.to_owned(),
                ..Default::default()
            },
            pool,
        ),
    }
}

pub(super) fn group_json(g: &GroupRec) -> Value {
    json!({
        "code": g.code, "name": g.name, "description": g.description,
        "createdAt": STAMP, "updatedAt": STAMP,
    })
}

/// The JSON of `users`, as the user list of a role or group answers it.
pub(super) fn members_json<'a>(users: impl Iterator<Item = &'a UserRec>, pool: &str) -> Vec<Value> {
    users
        .filter(|u| !u.archived)
        .map(|u| user_json(u, None, pool))
        .collect()
}

/// The indexes of `ids` among the pool's users. Errors: 2004 for an unknown id.
pub(super) fn user_indexes(db: &Db, ids: &[String]) -> Result<Vec<usize>, Fail> {
    ids.iter()
        .map(|id| {
            db.users
                .iter()
                .position(|u| !u.archived && &u.id == id)
                .ok_or_else(user_not_found)
        })
        .collect()
}

/// A role's custom data by role id.
pub(super) fn role_udv_mut<'a>(db: &'a mut Db, id: &str) -> Result<&'a mut Udv, Fail> {
    db.roles
        .iter_mut()
        .find(|r| r.id == id)
        .map(|r| &mut r.udv)
        .ok_or_else(role_not_found)
}
