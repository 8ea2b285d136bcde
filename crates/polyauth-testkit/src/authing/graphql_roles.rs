//! GraphQL resolvers of the roles module: `roles`, `createRole`, `role` (with the `users` and
//! `authorizedResources` it selects), `updateRole`, `deleteRole`, `deleteRoles`. Changing or
//! deleting a role changes its members' roles (kept on the users) and its children's parent.

use serde_json::{Value, json};

use super::graphql::{Call, Resolver, args_of, fields, message_ok, paged};
use super::rbac::{
    RoleRec, add_role, members_json, namespace, retarget_assignments, role_exists, role_idx,
    role_json, role_not_found,
};
use super::store::{Db, Fail, Shared, fail, str_arg};

/// The resolvers of this area, by root field.
pub(super) const RESOLVERS: &[(&str, Resolver)] = &[
    ("roles", roles),
    ("createRole", create_role),
    ("role", role),
    ("updateRole", update_role),
    ("deleteRole", delete_roles),
    ("deleteRoles", delete_roles),
];

fn page_of(call: &Call<'_, '_>, list: Vec<Value>) -> Value {
    let int = |k: &str| call.args.get(k).and_then(Value::as_i64);
    paged(list, int("page"), int("limit"))
}

/// `roles`: every role, or a namespace's.
fn roles(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let ns = call.str("namespace");
    let pool = &s.options.user_pool_id;
    let list = db
        .roles
        .iter()
        .filter(|r| ns.is_none_or(|n| n == r.namespace))
        .map(|r| role_json(db, r, pool))
        .collect();
    Ok(page_of(call, list))
}

fn create_role(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let ns = namespace(call.str("namespace"));
    let code = call.str("code").unwrap_or("").to_owned();
    if code.is_empty() {
        return Err(fail(400, "角色 code 不能为空"));
    }
    if role_idx(db, &ns, &code).is_some() {
        return Err(role_exists());
    }
    let parent = call.str("parent").map(str::to_owned);
    if let Some(p) = &parent
        && role_idx(db, &ns, p).is_none()
    {
        return Err(role_not_found());
    }
    let i = add_role(db, &ns, &code);
    db.roles[i].description = call.str("description").map(str::to_owned);
    db.roles[i].parent = parent;
    Ok(role_json(db, &db.roles[i], &s.options.user_pool_id))
}

/// `role(code, namespace)`: null for an unknown role; the members and authorized resources
/// its selection asks for, with their own arguments.
fn role(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let ns = namespace(call.str("namespace"));
    let Some(i) = role_idx(db, &ns, call.str("code").unwrap_or("")) else {
        return Ok(Value::Null);
    };
    let pool = &s.options.user_pool_id;
    let r = &db.roles[i];
    let mut v = role_json(db, r, pool);
    let Value::Object(m) = &mut v else {
        return Ok(v);
    };
    for f in fields(&call.field.selection_set) {
        let a = args_of(f, call.vars);
        let int = |k: &str| a.get(k).and_then(Value::as_i64);
        let page = match f.name.as_str() {
            "users" => {
                let members = db.users.iter().filter(|u| {
                    u.roles
                        .iter()
                        .any(|(n, c)| n == &r.namespace && c == &r.code)
                });
                paged(members_json(members, pool), int("page"), int("limit"))
            }
            "authorizedResources" => {
                let kind = str_arg(&a, "resourceType");
                let list: Vec<Value> = r
                    .resources
                    .iter()
                    .filter(|(_, t, _)| kind.is_none_or(|k| k == t))
                    .map(|(c, t, acts)| json!({"code": c, "type": t, "actions": acts}))
                    .collect();
                json!({"totalCount": list.len(), "list": list})
            }
            _ => continue,
        };
        m.insert(f.name.clone(), page);
    }
    Ok(v)
}

/// Renames a role's code everywhere it is used (members, children).
fn rename(db: &mut Db, ns: &str, from: &str, to: &str) {
    for u in &mut db.users {
        for (n, c) in &mut u.roles {
            if n == ns && c == from {
                *c = to.to_owned();
            }
        }
    }
    for r in db.roles.iter_mut().filter(|r| r.namespace == ns) {
        if r.parent.as_deref() == Some(from) {
            r.parent = Some(to.to_owned());
        }
    }
}

fn update_role(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let ns = namespace(call.str("namespace"));
    let code = call.str("code").unwrap_or("").to_owned();
    let i = role_idx(db, &ns, &code).ok_or_else(role_not_found)?;
    if let Some(new) = call.str("newCode").filter(|n| *n != code) {
        if new.is_empty() {
            return Err(fail(400, "角色 code 不能为空"));
        }
        if role_idx(db, &ns, new).is_some() {
            return Err(role_exists());
        }
        db.roles[i].code = new.to_owned();
        rename(db, &ns, &code, new);
        retarget_assignments(db, "ROLE", &code, Some(new));
    }
    if let Some(d) = call.str("description") {
        db.roles[i].description = Some(d.to_owned());
    }
    Ok(role_json(db, &db.roles[i], &s.options.user_pool_id))
}

/// `deleteRole(code)` and `deleteRoles(codeList)`: every code must name a role of the
/// namespace (otherwise nothing is deleted); members lose the roles, children their parent.
fn delete_roles(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let ns = namespace(call.str("namespace"));
    let codes: Vec<String> = if call.root == "deleteRole" {
        vec![call.str("code").unwrap_or("").to_owned()]
    } else {
        super::store::str_list(call.args.get("codeList"))
    };
    if codes.iter().any(|c| role_idx(db, &ns, c).is_none()) {
        return Err(role_not_found());
    }
    let gone = |r: &RoleRec| r.namespace == ns && codes.contains(&r.code);
    db.roles.retain(|r| !gone(r));
    for r in db.roles.iter_mut().filter(|r| r.namespace == ns) {
        if r.parent.as_ref().is_some_and(|p| codes.contains(p)) {
            r.parent = None;
        }
    }
    for u in &mut db.users {
        u.roles.retain(|(n, c)| !(n == &ns && codes.contains(c)));
    }
    for c in &codes {
        retarget_assignments(db, "ROLE", c, None);
    }
    Ok(message_ok("删除成功"))
}
