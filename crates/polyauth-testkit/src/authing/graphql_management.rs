//! GraphQL resolvers of the management side (each needs the management token, checked by the
//! dispatcher): users, their groups and roles, custom data of many users or roles.

use serde_json::{Value, json};

use super::graphql::{Call, Resolver, message_ok, paged};
use super::rbac::{group_idx, group_not_found, namespace, role_idx, role_not_found, user_indexes};
use super::store::{
    Db, Fail, Shared, Udv, UserRec, apply_fields, apply_params, fail, find_idx, fresh_user,
    new_user, set_udv, str_field, str_list, udv_list, user_json,
};

/// The resolvers of this area, by root field.
pub(super) const RESOLVERS: &[(&str, Resolver)] = &[
    ("createUser", create_user),
    ("deleteUser", delete_users),
    ("deleteUsers", delete_users),
    ("userBatch", user_batch),
    ("users", users),
    ("archivedUsers", users),
    ("findUser", find_user),
    ("searchUser", search_user),
    ("addUserToGroup", membership),
    ("removeUserFromGroup", membership),
    ("assignRole", membership),
    ("revokeRole", membership),
    ("sendFirstLoginVerifyEmail", send_first_login_verify_email),
    ("udfValueBatch", udf_value_batch),
    ("setUdfValueBatch", set_udf_value_batch),
];

impl Call<'_, '_> {
    fn page(&self) -> (Option<i64>, Option<i64>) {
        let int = |k: &str| self.args.get(k).and_then(Value::as_i64);
        (int("page"), int("limit"))
    }

    fn list(&self, name: &str) -> Vec<String> {
        str_list(self.args.get(name))
    }
}

fn users_json<'a>(s: &Shared, users: impl Iterator<Item = &'a UserRec>) -> Vec<Value> {
    users
        .map(|u| user_json(u, None, &s.options.user_pool_id))
        .collect()
}

fn create_user(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let mut info = call
        .args
        .get("userInfo")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let given = |k: &str| info.get(k).and_then(Value::as_str).map(str::to_owned);
    let (username, email, phone) = (given("username"), given("email"), given("phone"));
    let clash = find_idx(db, |u| {
        [
            (&username, &u.username),
            (&email, &u.email),
            (&phone, &u.phone),
        ]
        .iter()
        .any(|(ours, theirs)| ours.is_some() && theirs == ours)
    });
    if clash.is_some() {
        return Err(fail(2026, "用户已存在"));
    }
    let id = new_user(db);
    let mut u = fresh_user(&id);
    if let Some(Value::String(c)) = info.remove("password") {
        u.password = Some(s.decrypt(&c)?);
    }
    apply_fields(&mut u, &info);
    apply_params(&mut u, call.str("params"));
    db.users.push(u.clone());
    Ok(user_json(&u, None, &s.options.user_pool_id))
}

fn delete_users(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let ids = if call.root == "deleteUser" {
        let id = call.str("id").unwrap_or("").to_owned();
        if find_idx(db, |u| u.id == id).is_none() {
            return Err(fail(2004, "用户不存在"));
        }
        vec![id]
    } else {
        call.list("ids")
    };
    db.users.retain(|u| !ids.contains(&u.id));
    db.orgs.members.retain(|m| !ids.contains(&m.user_id));
    Ok(message_ok("删除成功"))
}

fn user_batch(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let ids = call.list("ids");
    let kind = call.str("type").unwrap_or("id");
    let matched = db.users.iter().filter(|u| !u.archived).filter(|u| {
        let f = match kind {
            "username" => u.username.clone(),
            "email" => u.email.clone(),
            "phone" => u.phone.clone(),
            "externalId" => u.external_id.clone(),
            _ => Some(u.id.clone()),
        };
        f.is_some_and(|f| ids.contains(&f))
    });
    Ok(Value::Array(users_json(s, matched)))
}

/// `users` and `archivedUsers`.
fn users(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let archived = call.root == "archivedUsers";
    let list = users_json(s, db.users.iter().filter(|u| u.archived == archived));
    let (page, limit) = call.page();
    Ok(paged(list, page, limit))
}

fn find_user(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let idx = find_idx(db, |u| call.lookup_matches(u));
    Ok(idx.map_or(Value::Null, |i| {
        user_json(&db.users[i], None, &s.options.user_pool_id)
    }))
}

fn search_user(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let text = call.str("query").unwrap_or("").to_owned();
    let codes = |name: &str| -> Vec<String> {
        let list = call.args.get(name).and_then(Value::as_array);
        list.into_iter()
            .flatten()
            .filter_map(|g| str_field(g, "code").map(str::to_owned))
            .collect()
    };
    let groups = codes("groupOpts");
    // `{departmentId, includeChildrenDepartments}`: a member of the node (or of a
    // descendant), as the orgs module keeps them.
    let departments: Vec<(String, bool)> = call
        .args
        .get("departmentOpts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| {
            let deep = d.get("includeChildrenDepartments").and_then(Value::as_bool);
            Some((str_field(d, "departmentId")?.to_owned(), deep == Some(true)))
        })
        .collect();
    // `{code}` matches the role in any namespace, `{namespace, code}` in that one.
    let roles: Vec<(Option<String>, String)> = call
        .args
        .get("roleOpts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let code = str_field(r, "code")?.to_owned();
            Some((str_field(r, "namespace").map(str::to_owned), code))
        })
        .collect();
    let matched = db
        .users
        .iter()
        .filter(|u| !u.archived)
        .filter(|u| {
            text.is_empty()
                || [&u.username, &u.email, &u.phone, &u.nickname]
                    .iter()
                    .any(|f| f.as_deref().is_some_and(|f| f.contains(&text)))
        })
        .filter(|u| groups.iter().all(|g| u.groups.contains(g)))
        .filter(|u| {
            departments
                .iter()
                .all(|(d, deep)| super::orgs::member_ids(db, d, *deep).contains(&u.id))
        })
        .filter(|u| {
            roles.iter().all(|(ns, code)| {
                u.roles
                    .iter()
                    .any(|(n, c)| c == code && ns.as_ref().is_none_or(|ns| ns == n))
            })
        });
    let list = users_json(s, matched);
    let (page, limit) = call.page();
    Ok(paged(list, page, limit))
}

/// `addUserToGroup`, `removeUserFromGroup`, `assignRole`, `revokeRole`: the group or every
/// role (`roleCodes`, or `roleCode`), every user and every node (`nodeCodes`, node ids) must
/// exist, otherwise nothing changes.
fn membership(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let ids = call.list("userIds");
    let ns = namespace(call.str("namespace"));
    let group = call.root.ends_with("Group");
    let codes = if group {
        vec![call.str("code").unwrap_or("").to_owned()]
    } else {
        let mut codes = call.list("roleCodes");
        codes.extend(call.str("roleCode").map(str::to_owned));
        codes
    };
    for c in &codes {
        if group && group_idx(db, c).is_none() {
            return Err(group_not_found());
        }
        if !group && role_idx(db, &ns, c).is_none() {
            return Err(role_not_found());
        }
    }
    let users = user_indexes(db, &ids)?;
    if !group {
        // `nodeCodes` are node ids (as the SDK sends them): the orgs module's node roles.
        let nodes = call.list("nodeCodes");
        let assign = call.root == "assignRole";
        super::orgs::change_node_roles(db, assign, &ns, &codes, &nodes)?;
    }
    for i in users {
        let u = &mut db.users[i];
        for c in &codes {
            match call.root {
                "addUserToGroup" if !u.groups.contains(c) => u.groups.push(c.clone()),
                "removeUserFromGroup" => u.groups.retain(|g| g != c),
                "assignRole" if !u.roles.iter().any(|(n, r)| n == &ns && r == c) => {
                    u.roles.push((ns.clone(), c.clone()));
                }
                "revokeRole" => u.roles.retain(|(n, r)| !(n == &ns && r == c)),
                _ => {}
            }
        }
    }
    Ok(message_ok("操作成功"))
}

/// Whether a custom-data call is about roles (`targetType: ROLE`) rather than users.
fn targets_roles(call: &Call<'_, '_>) -> bool {
    call.str("targetType") == Some("ROLE")
}

fn send_first_login_verify_email(
    _: &Shared,
    db: &mut Db,
    call: &Call<'_, '_>,
) -> Result<Value, Fail> {
    find_idx(db, |u| Some(u.id.as_str()) == call.str("userId"))
        .ok_or_else(|| fail(2004, "用户不存在"))?;
    Ok(message_ok("发送成功"))
}

fn udf_value_batch(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    if !call.args.contains_key("targetIds") {
        return Err(fail(
            400,
            "Variable \"$targetIds\" of required type \"[String!]!\" was not provided.",
        ));
    }
    let ids = call.list("targetIds");
    let entry = |id: &str, udv: &Udv| json!({"targetId": id, "data": udv_list(udv)});
    let list = if targets_roles(call) {
        db.roles
            .iter()
            .filter(|r| ids.contains(&r.id))
            .map(|r| entry(&r.id, &r.udv))
            .collect()
    } else {
        db.users
            .iter()
            .filter(|u| ids.contains(&u.id))
            .map(|u| entry(&u.id, &u.udv))
            .collect()
    };
    Ok(Value::Array(list))
}

/// `setUdfValueBatch`: values of users or roles by id (unknown ids are skipped).
fn set_udf_value_batch(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let items = call.args.get("input").and_then(Value::as_array);
    let roles = targets_roles(call);
    for item in items.into_iter().flatten() {
        let (Some(t), Some(k), Some(v)) = (
            str_field(item, "targetId"),
            str_field(item, "key"),
            str_field(item, "value"),
        ) else {
            continue;
        };
        let udv = if roles {
            db.roles.iter_mut().find(|r| r.id == t).map(|r| &mut r.udv)
        } else {
            db.users.iter_mut().find(|u| u.id == t).map(|u| &mut u.udv)
        };
        if let Some(udv) = udv {
            set_udv(udv, k, v);
        }
    }
    Ok(message_ok("设置成功"))
}
