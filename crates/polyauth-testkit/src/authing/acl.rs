//! Access control of the emulated pool (the `acl` module): permission groups (namespaces),
//! resources with their type and actions, programmatic access accounts and application
//! access policies ([`AclState`], in [`Db::acl`]), and the grants of resources, which live
//! where the other modules keep them: on the user ([`UserRec::resources`]), the role
//! ([`RoleRec::resources`](super::rbac::RoleRec)) and the group
//! ([`GroupRec::resources`](super::rbac::GroupRec)); grants to organization nodes are kept
//! here. So a role authorized through `authorizeResource` is what
//! `roles().list_authorized_resources` lists, and `isActionAllowed` follows the user's own
//! grants, their roles' (in the namespace), their groups', and those of the organization
//! nodes they are a member of (the node's own grants and its roles').
//!
//! Error codes, where Authing documents none: 404 for an unknown namespace, resource,
//! account, application or policy (2004 for a user, as elsewhere), 400 for a code already
//! taken or a malformed request.

use serde_json::{Value, json};

use super::rbac::{group_idx, group_not_found, role_idx, role_not_found, user_not_found};
use super::store::{Db, Fail, Shared, UserRec, fail};

/// The time stamp of records the emulator creates.
pub(super) const STAMP: &str = "2024-01-01T00:00:00.000Z";
/// The resource types Authing knows.
pub(super) const RESOURCE_TYPES: &[&str] = &["DATA", "API", "MENU", "UI", "BUTTON"];
/// The target types of grants and policies.
pub(super) const TARGET_TYPES: &[&str] = &["USER", "ROLE", "GROUP", "ORG"];

/// A permission group.
#[derive(Clone, Debug)]
pub(super) struct NamespaceRec {
    pub(super) id: i64,
    pub(super) code: String,
    pub(super) name: String,
    pub(super) description: Option<String>,
}

/// A resource of a namespace (`namespace`, `code` unique together).
#[derive(Clone, Debug)]
pub(super) struct ResourceRec {
    pub(super) id: String,
    pub(super) namespace: String,
    pub(super) code: String,
    pub(super) kind: String,
    /// `[{name, description}]` as sent.
    pub(super) actions: Value,
    pub(super) description: Option<String>,
    pub(super) api_identifier: Option<String>,
}

/// A programmatic access account of an application.
#[derive(Clone, Debug)]
pub(super) struct AccountRec {
    pub(super) id: String,
    pub(super) app_id: String,
    pub(super) secret: String,
    pub(super) token_lifetime: i64,
    pub(super) remark: Option<String>,
    pub(super) enabled: bool,
}

/// An application access policy of one target.
#[derive(Clone, Debug)]
pub(super) struct AppPolicyRec {
    pub(super) app_id: String,
    pub(super) target_type: String,
    pub(super) target: String,
    /// `ALLOW` or `DENY`.
    pub(super) effect: String,
    pub(super) enabled: bool,
    pub(super) namespace: Option<String>,
    pub(super) inherit_by_children: bool,
}

/// The acl module's own records.
#[derive(Debug, Default)]
pub(super) struct AclState {
    pub(super) namespaces: Vec<NamespaceRec>,
    pub(super) resources: Vec<ResourceRec>,
    /// Grants to organization nodes: (node id, namespace, code, type, actions).
    pub(super) org_grants: Vec<(String, String, String, String, Vec<String>)>,
    pub(super) accounts: Vec<AccountRec>,
    pub(super) app_policies: Vec<AppPolicyRec>,
}

pub(super) fn namespace_not_found() -> Fail {
    fail(404, "权限分组不存在")
}

pub(super) fn resource_not_found() -> Fail {
    fail(404, "资源不存在")
}

pub(super) fn namespace_json(n: &NamespaceRec, pool: &str) -> Value {
    json!({
        "id": n.id, "code": n.code, "name": n.name, "description": n.description,
        "userPoolId": pool, "status": 1, "createdAt": STAMP, "updatedAt": STAMP,
    })
}

pub(super) fn resource_json(r: &ResourceRec, pool: &str) -> Value {
    json!({
        "id": r.id, "code": r.code, "type": r.kind, "actions": r.actions,
        "description": r.description, "apiIdentifier": r.api_identifier,
        "namespace": r.namespace, "userPoolId": pool, "createdAt": STAMP, "updatedAt": STAMP,
    })
}

/// Whether a namespace exists: created through the acl module, the pool's `default`, or an
/// application's own (its id).
pub(super) fn namespace_exists(s: &Shared, db: &mut Db, code: &str) -> bool {
    code == super::rbac::DEFAULT_NAMESPACE
        || db.acl.namespaces.iter().any(|n| n.code == code)
        || super::rest_apps::apps(s, db)
            .iter()
            .any(|a| a.get("id").and_then(Value::as_str) == Some(code))
}

pub(super) fn resource_idx(db: &Db, ns: &str, code: &str) -> Option<usize> {
    db.acl
        .resources
        .iter()
        .position(|r| r.namespace == ns && r.code == code)
}

/// The resource a grant's code names: `books` for `books`, `books:1` or `books:*`.
fn kind_of(code: &str) -> &str {
    code.split(':').next().unwrap_or(code)
}

/// The type of the resource a grant names, when the namespace defines it.
pub(super) fn defined_type(db: &Db, ns: &str, code: &str) -> Option<String> {
    resource_idx(db, ns, kind_of(code)).map(|i| db.acl.resources[i].kind.clone())
}

/// A grant `(code, type, actions)` of a target in a namespace.
pub(super) type Grant = (String, String, Vec<String>);

/// The grants of a target in `ns`. Errors: 2004 for an unknown user, 404 for an unknown role
/// or group, 400 for an unknown target type.
pub(super) fn grants_of(
    db: &Db,
    ns: &str,
    target_type: &str,
    target: &str,
) -> Result<Vec<Grant>, Fail> {
    let keep = |n: &str, c: &str, t: &str, a: &[String]| {
        (n == ns).then(|| (c.to_owned(), t.to_owned(), a.to_vec()))
    };
    Ok(match target_type {
        "USER" => user(db, target)?
            .resources
            .iter()
            .filter_map(|(n, c, t, a)| keep(n, c, t, a))
            .collect(),
        "ROLE" => {
            let i = role_idx(db, ns, target).ok_or_else(role_not_found)?;
            db.roles[i].resources.clone()
        }
        "GROUP" => {
            let i = group_idx(db, target).ok_or_else(group_not_found)?;
            db.groups[i]
                .resources
                .iter()
                .filter_map(|(n, c, t, a)| keep(n, c, t, a))
                .collect()
        }
        "ORG" => db
            .acl
            .org_grants
            .iter()
            .filter(|(node, ..)| node == target)
            .filter_map(|(_, n, c, t, a)| keep(n, c, t, a))
            .collect(),
        _ => return Err(fail(400, "不支持的主体类型")),
    })
}

fn user<'a>(db: &'a Db, id: &str) -> Result<&'a UserRec, Fail> {
    db.users
        .iter()
        .find(|u| !u.archived && u.id == id)
        .ok_or_else(user_not_found)
}

/// Changes the actions a target holds on `code` in `ns`: `change` gets the current actions
/// (empty when there is no grant) and answers the new ones; a grant left without actions is
/// removed. Errors: as [`grants_of`].
pub(super) fn change_grant(
    db: &mut Db,
    ns: &str,
    target_type: &str,
    target: &str,
    code: &str,
    kind: &str,
    change: impl FnOnce(Vec<String>) -> Vec<String>,
) -> Result<(), Fail> {
    let current = grants_of(db, ns, target_type, target)?
        .into_iter()
        .find(|(c, _, _)| c == code);
    let kind = current
        .as_ref()
        .map_or(kind, |(_, t, _)| t.as_str())
        .to_owned();
    let actions = change(current.map(|(_, _, a)| a).unwrap_or_default());
    let keep = !actions.is_empty();
    let (ns, code) = (ns.to_owned(), code.to_owned());
    match target_type {
        "USER" => {
            let u = db
                .users
                .iter_mut()
                .find(|u| !u.archived && u.id == target)
                .ok_or_else(user_not_found)?;
            u.resources.retain(|(n, c, _, _)| !(n == &ns && c == &code));
            if keep {
                u.resources.push((ns, code, kind, actions));
            }
        }
        "ROLE" => {
            let i = role_idx(db, &ns, target).ok_or_else(role_not_found)?;
            let r = &mut db.roles[i].resources;
            r.retain(|(c, _, _)| c != &code);
            if keep {
                r.push((code, kind, actions));
            }
        }
        "GROUP" => {
            let i = group_idx(db, target).ok_or_else(group_not_found)?;
            let r = &mut db.groups[i].resources;
            r.retain(|(n, c, _, _)| !(n == &ns && c == &code));
            if keep {
                r.push((ns, code, kind, actions));
            }
        }
        _ => {
            let r = &mut db.acl.org_grants;
            r.retain(|(node, n, c, _, _)| !(node == target && n == &ns && c == &code));
            if keep {
                r.push((target.to_owned(), ns, code, kind, actions));
            }
        }
    }
    Ok(())
}

/// Removes every grant of a resource kind of a namespace (its resource was deleted), or of
/// every resource of the namespace when `kind` is `None` (the namespace was deleted).
pub(super) fn drop_grants(db: &mut Db, ns: &str, kind: Option<&str>) {
    let gone = |n: &str, c: &str| n == ns && kind.is_none_or(|k| kind_of(c) == k);
    for u in &mut db.users {
        u.resources.retain(|(n, c, _, _)| !gone(n, c));
    }
    for r in &mut db.roles {
        let role_ns = r.namespace.clone();
        r.resources.retain(|(c, _, _)| !gone(&role_ns, c));
    }
    for g in &mut db.groups {
        g.resources.retain(|(n, c, _, _)| !gone(n, c));
    }
    db.acl.org_grants.retain(|(_, n, c, _, _)| !gone(n, c));
}

/// Whether a grant's code covers `resource`: the same code, `kind:*` for an instance of
/// `kind`, or `*`.
fn covers_resource(granted: &str, resource: &str) -> bool {
    granted == resource
        || granted == "*"
        || granted
            .strip_suffix(":*")
            .is_some_and(|k| kind_of(resource) == k)
}

/// Whether a granted action covers `action`: the same, `*`, or `prefix:*` for
/// `prefix:verb`.
fn covers_action(granted: &str, action: &str) -> bool {
    granted == action
        || granted == "*"
        || granted
            .strip_suffix('*')
            .is_some_and(|p| p.ends_with(':') && action.starts_with(p))
}

/// `isActionAllowed`: the user's own grants in `ns`, those of the roles they hold in `ns`
/// and those of their groups. Errors: 2004 for an unknown user.
pub(super) fn is_allowed(
    db: &Db,
    user_id: &str,
    ns: &str,
    resource: &str,
    action: &str,
) -> Result<bool, Fail> {
    let u = user(db, user_id)?;
    let mut grants = grants_of(db, ns, "USER", user_id)?;
    for (role_ns, code) in &u.roles {
        if role_ns == ns
            && let Ok(g) = grants_of(db, ns, "ROLE", code)
        {
            grants.extend(g);
        }
    }
    for code in &u.groups {
        if let Ok(g) = grants_of(db, ns, "GROUP", code) {
            grants.extend(g);
        }
    }
    // The departments the user is a member of: their own grants and their roles' (the
    // members of a node hold its roles).
    for m in db.orgs.members.iter().filter(|m| m.user_id == user_id) {
        grants.extend(grants_of(db, ns, "ORG", &m.node_id)?);
        let Some(n) = super::orgs::node_idx(db, &m.node_id) else {
            continue;
        };
        for (role_ns, code) in &db.orgs.nodes[n].roles {
            if role_ns == ns
                && let Ok(g) = grants_of(db, ns, "ROLE", code)
            {
                grants.extend(g);
            }
        }
    }
    Ok(grants.iter().any(|(c, _, actions)| {
        covers_resource(c, resource) && actions.iter().any(|a| covers_action(a, action))
    }))
}

/// Every target holding `resource` (of type `kind`) in `ns`: `(targetType, id, actions)`.
pub(super) fn targets_of(db: &Db, ns: &str, resource: &str, kind: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut push = |t: &str, id: &str, c: &str, k: &str, a: &[String]| {
        if c == resource && k == kind {
            out.push(json!({"targetType": t, "targetIdentifier": id, "actions": a}));
        }
    };
    for u in db.users.iter().filter(|u| !u.archived) {
        for (n, c, k, a) in &u.resources {
            if n == ns {
                push("USER", &u.id, c, k, a);
            }
        }
    }
    for r in db.roles.iter().filter(|r| r.namespace == ns) {
        for (c, k, a) in &r.resources {
            push("ROLE", &r.code, c, k, a);
        }
    }
    for g in &db.groups {
        for (n, c, k, a) in &g.resources {
            if n == ns {
                push("GROUP", &g.code, c, k, a);
            }
        }
    }
    for (node, n, c, k, a) in &db.acl.org_grants {
        if n == ns {
            push("ORG", node, c, k, a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_cover_instances_and_verbs() {
        assert!(covers_resource("books:*", "books:1"));
        assert!(covers_resource("books", "books"));
        assert!(!covers_resource("books:1", "books:2"));
        assert!(covers_action("books:*", "books:read"));
        assert!(covers_action("*", "books:read"));
        assert!(!covers_action("books:read", "books:edit"));
        assert!(!covers_action("book*", "books:read"));
    }
}
