//! GraphQL resolvers of the groups module: `groups`, `createGroup`, `group` (with the `users`
//! and `authorizedResources` it selects), `updateGroup`, `deleteGroups`. Renaming or deleting
//! a group changes its members' groups (kept on the users).

use serde_json::{Value, json};

use super::graphql::{Call, Resolver, args_of, fields, message_ok, paged};
use super::rbac::{
    GroupRec, group_exists, group_idx, group_json, group_not_found, members_json,
    retarget_assignments,
};
use super::store::{Db, Fail, Shared, fail, str_arg, str_list};

/// The resolvers of this area, by root field.
pub(super) const RESOLVERS: &[(&str, Resolver)] = &[
    ("groups", groups),
    ("createGroup", create_group),
    ("group", group),
    ("updateGroup", update_group),
    ("deleteGroups", delete_groups),
];

/// `groups`: every group, or the groups of `userId`.
fn groups(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let member_of = call.str("userId").map(|id| {
        db.users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.groups.clone())
            .unwrap_or_default()
    });
    let list = db
        .groups
        .iter()
        .filter(|g| member_of.as_ref().is_none_or(|m| m.contains(&g.code)))
        .map(group_json)
        .collect();
    let int = |k: &str| call.args.get(k).and_then(Value::as_i64);
    Ok(paged(list, int("page"), int("limit")))
}

fn create_group(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let code = call.str("code").unwrap_or("").to_owned();
    if code.is_empty() {
        return Err(fail(400, "分组 code 不能为空"));
    }
    if group_idx(db, &code).is_some() {
        return Err(group_exists());
    }
    let g = GroupRec {
        code,
        name: call.str("name").unwrap_or("").to_owned(),
        description: call.str("description").map(str::to_owned),
        ..Default::default()
    };
    let v = group_json(&g);
    db.groups.push(g);
    Ok(v)
}

/// `group(code)`: null for an unknown group; the members and authorized resources its
/// selection asks for, with their own arguments.
fn group(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let Some(i) = group_idx(db, call.str("code").unwrap_or("")) else {
        return Ok(Value::Null);
    };
    let g = &db.groups[i];
    let mut v = group_json(g);
    let Value::Object(m) = &mut v else {
        return Ok(v);
    };
    for f in fields(&call.field.selection_set) {
        let a = args_of(f, call.vars);
        let int = |k: &str| a.get(k).and_then(Value::as_i64);
        let page = match f.name.as_str() {
            "users" => {
                let members = db.users.iter().filter(|u| u.groups.contains(&g.code));
                let list = members_json(members, &s.options.user_pool_id);
                paged(list, int("page"), int("limit"))
            }
            "authorizedResources" => {
                let (ns, kind) = (str_arg(&a, "namespace"), str_arg(&a, "resourceType"));
                let list: Vec<Value> = g
                    .resources
                    .iter()
                    .filter(|(n, _, t, _)| ns.is_none_or(|x| x == n) && kind.is_none_or(|k| k == t))
                    .map(|(_, c, t, acts)| json!({"code": c, "type": t, "actions": acts}))
                    .collect();
                json!({"totalCount": list.len(), "list": list})
            }
            _ => continue,
        };
        m.insert(f.name.clone(), page);
    }
    Ok(v)
}

fn update_group(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let code = call.str("code").unwrap_or("").to_owned();
    let i = group_idx(db, &code).ok_or_else(group_not_found)?;
    if let Some(new) = call.str("newCode").filter(|n| *n != code) {
        if new.is_empty() {
            return Err(fail(400, "分组 code 不能为空"));
        }
        if group_idx(db, new).is_some() {
            return Err(group_exists());
        }
        db.groups[i].code = new.to_owned();
        retarget_assignments(db, "GROUP", &code, Some(new));
        for u in &mut db.users {
            for g in u.groups.iter_mut().filter(|g| **g == code) {
                *g = new.to_owned();
            }
        }
    }
    if let Some(name) = call.str("name") {
        db.groups[i].name = name.to_owned();
    }
    if let Some(d) = call.str("description") {
        db.groups[i].description = Some(d.to_owned());
    }
    Ok(group_json(&db.groups[i]))
}

/// `deleteGroups(codeList)`: every code must name a group (otherwise nothing is deleted);
/// the members leave the groups.
fn delete_groups(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let codes = str_list(call.args.get("codeList"));
    if codes.iter().any(|c| group_idx(db, c).is_none()) {
        return Err(group_not_found());
    }
    db.groups.retain(|g| !codes.contains(&g.code));
    for u in &mut db.users {
        u.groups.retain(|g| !codes.contains(g));
    }
    for c in &codes {
        retarget_assignments(db, "GROUP", c, None);
    }
    Ok(message_ok("删除成功"))
}
