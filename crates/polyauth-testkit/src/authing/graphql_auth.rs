//! GraphQL resolvers of the authentication side: the management token, register and log
//! in, codes and password resets, token checks, the session user's profile, bindings, custom
//! data and relations. Each checks for itself who may call it (most take a user's token, the
//! management token acting on a user works too).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::graphql::{Call, Resolver, args_of, fields, message_ok};
use super::store::{
    Db, Fail, Principal, Shared, UserRec, acting_user, apply_fields, apply_params, fail, find_idx,
    fresh_user, new_user, now, random_hex, require_management, set_udv, str_arg, str_field,
    udv_list, user_json,
};
use super::{CAPTCHA_ANSWER, rbac};

/// The resolvers of this area, by root field.
pub(super) const RESOLVERS: &[(&str, Resolver)] = &[
    ("accessToken", access_token),
    ("registerByEmail", register),
    ("registerByUsername", register),
    ("registerByPhoneCode", register),
    ("loginByEmail", password_login),
    ("loginByUsername", password_login),
    ("loginByPhonePassword", password_login),
    ("loginBySubAccount", password_login),
    ("loginByPhoneCode", phone_code_login),
    ("sendEmail", send_email),
    ("checkLoginStatus", check_login_status),
    ("checkPasswordStrength", check_password_strength),
    ("isUserExists", is_user_exists),
    ("resetPassword", reset_password),
    ("resetPasswordByFirstLoginToken", reset_password_with_token),
    ("resetPasswordByForceResetToken", reset_password_with_token),
    ("user", user_relations),
    ("udv", custom_data),
    ("setUdvBatch", custom_data),
    ("setUdv", custom_data),
    ("removeUdv", custom_data),
    ("updateUser", update_user),
    ("updatePassword", update_own_account),
    ("bindPhone", update_own_account),
    ("unbindPhone", update_own_account),
    ("updatePhone", update_own_account),
    ("bindEmail", update_own_account),
    ("unbindEmail", update_own_account),
    ("updateEmail", update_own_account),
    ("refreshToken", refresh_token),
];

fn no_such_user() -> Fail {
    fail(2004, "用户不存在")
}

/// `Err(2001)` unless `given` is the code last sent to `to`.
fn check_code(codes: &HashMap<String, String>, to: &str, given: Option<&str>) -> Result<(), Fail> {
    if codes.get(to).map(String::as_str) == given {
        Ok(())
    } else {
        Err(fail(2001, "验证码错误"))
    }
}

fn access_token(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    if call.str("userPoolId") != Some(s.options.user_pool_id.as_str())
        || call.str("secret") != Some(s.options.pool_secret.as_str())
    {
        return Err(fail(2021, "用户池密钥错误"));
    }
    let token = format!("mgmt-{}", random_hex(16));
    let exp = now() + s.options.management_token_ttl_seconds;
    db.mgmt_tokens.insert(token.clone(), exp);
    let exp = db.management_exp_override.unwrap_or(exp);
    Ok(json!({"accessToken": token, "exp": exp, "iat": now()}))
}

fn register(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let input = call.input();
    let key = match call.root {
        "registerByEmail" => "email",
        "registerByUsername" => "username",
        _ => "phone",
    };
    let value = str_arg(&input, key)
        .ok_or_else(|| fail(400, "missing identifier"))?
        .to_owned();
    if call.root == "registerByPhoneCode" {
        check_code(&db.sms_codes, &value, str_arg(&input, "code"))?;
    }
    let field = |u: &UserRec| match key {
        "email" => u.email.clone(),
        "username" => u.username.clone(),
        _ => u.phone.clone(),
    };
    if find_idx(db, |u| field(u).as_deref() == Some(value.as_str())).is_some() {
        return Err(fail(2026, "用户已存在"));
    }
    let password = match str_arg(&input, "password") {
        Some(c) => Some(s.decrypt(c)?),
        None => None,
    };
    let id = new_user(db);
    let mut u = fresh_user(&id);
    match key {
        "email" => u.email = Some(value),
        "username" => u.username = Some(value),
        _ => u.phone = Some(value),
    }
    u.password = password;
    if let Some(Value::Object(profile)) = input.get("profile") {
        let text = |k: &str| profile.get(k).and_then(Value::as_str).map(str::to_owned);
        u.nickname = text("nickname");
        u.company = text("company");
    }
    apply_params(&mut u, str_arg(&input, "params"));
    let flag = |k: &str| input.get(k).and_then(Value::as_bool).unwrap_or(false);
    let login = flag("forceLogin") || flag("generateToken");
    db.users.push(u.clone());
    let ttl = s.options.user_token_ttl_seconds;
    let token = login.then(|| s.issue_session(db, &id, ttl));
    Ok(user_json(&u, token.as_deref(), &s.options.user_pool_id))
}

/// The user at `idx` with a fresh session token.
fn log_in(s: &Shared, db: &mut Db, idx: usize) -> Value {
    let id = db.users[idx].id.clone();
    let token = s.issue_session(db, &id, s.options.user_token_ttl_seconds);
    user_json(&db.users[idx], Some(&token), &s.options.user_pool_id)
}

fn password_login(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let src = if call.root == "loginBySubAccount" {
        call.args.clone()
    } else {
        call.input()
    };
    let ident = match call.root {
        "loginByEmail" => str_arg(&src, "email"),
        "loginByUsername" => str_arg(&src, "username"),
        "loginByPhonePassword" => str_arg(&src, "phone"),
        _ => str_arg(&src, "account"),
    }
    .unwrap_or("")
    .to_owned();
    if db.captcha_required && str_arg(&src, "captchaCode") != Some(CAPTCHA_ANSWER) {
        return Err(fail(2000, "请输入图形验证码"));
    }
    let password = s.decrypt(str_arg(&src, "password").unwrap_or(""))?;
    let idx = find_idx(db, |u| {
        [&u.email, &u.username, &u.phone]
            .iter()
            .any(|f| f.as_deref() == Some(ident.as_str()))
    });
    let idx = match idx {
        Some(i) => i,
        None if src.get("autoRegister").and_then(Value::as_bool) == Some(true) => {
            let id = new_user(db);
            let mut u = fresh_user(&id);
            u.username = Some(ident.clone());
            u.password = Some(password.clone());
            db.users.push(u);
            db.users.len() - 1
        }
        None => return Err(no_such_user()),
    };
    if db.users[idx].password.as_deref() != Some(password.as_str()) {
        return Err(fail(2333, "账号或密码错误"));
    }
    db.users[idx].logins += 1;
    Ok(log_in(s, db, idx))
}

fn phone_code_login(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let input = call.input();
    let phone = str_arg(&input, "phone").unwrap_or("").to_owned();
    check_code(&db.sms_codes, &phone, str_arg(&input, "code"))?;
    let idx =
        find_idx(db, |u| u.phone.as_deref() == Some(phone.as_str())).ok_or_else(no_such_user)?;
    Ok(log_in(s, db, idx))
}

fn send_email(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let email = call.str("email").unwrap_or("").to_owned();
    db.email_codes
        .insert(email, format!("{:06}", rand::random::<u32>() % 1_000_000));
    Ok(message_ok("发送成功"))
}

fn check_login_status(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let token = call.str("token").unwrap_or("");
    if db.issued.contains(token) {
        db.issued_checks += 1;
    }
    let ttl = s.options.user_token_ttl_seconds;
    Ok(match db.sessions.get(token) {
        Some((id, exp)) if *exp > now() => {
            json!({"code": 200, "message": "已登录", "status": true, "exp": exp, "iat": exp - ttl, "data": {"id": id, "userPoolId": s.options.user_pool_id, "arn": null}})
        }
        Some(_) => {
            json!({"code": 2206, "message": "登录信息已过期", "status": false, "exp": null, "iat": null, "data": null})
        }
        None => {
            json!({"code": 2020, "message": "尚未登录", "status": false, "exp": null, "iat": null, "data": null})
        }
    })
}

fn check_password_strength(_: &Shared, _: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let ok = call.str("password").is_some_and(|p| p.len() >= 6);
    Ok(json!({"valid": ok, "message": if ok { "密码强度符合要求" } else { "密码太弱" }}))
}

fn is_user_exists(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    Ok(json!(find_idx(db, |u| call.lookup_matches(u)).is_some()))
}

fn reset_password(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let code = call.str("code");
    let idx = if let Some(phone) = call.str("phone") {
        check_code(&db.sms_codes, phone, code)?;
        find_idx(db, |u| u.phone.as_deref() == Some(phone))
    } else {
        let email = call.str("email").unwrap_or("");
        check_code(&db.email_codes, email, code)?;
        find_idx(db, |u| u.email.as_deref() == Some(email))
    }
    .ok_or_else(no_such_user)?;
    db.users[idx].password = Some(s.decrypt(call.str("newPassword").unwrap_or(""))?);
    Ok(message_ok("重置密码成功"))
}

/// `resetPasswordByFirstLoginToken` and `resetPasswordByForceResetToken` (which also checks
/// the old password).
fn reset_password_with_token(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let token = call.str("token").unwrap_or("");
    let id = match db.sessions.get(token) {
        Some((id, exp)) if *exp > now() => id.clone(),
        _ => return Err(fail(2206, "token 已失效")),
    };
    let idx = find_idx(db, |u| u.id == id).ok_or_else(no_such_user)?;
    let new = if call.root == "resetPasswordByFirstLoginToken" {
        s.decrypt(call.str("password").unwrap_or(""))?
    } else {
        let old = s.decrypt(call.str("oldPassword").unwrap_or(""))?;
        if db.users[idx].password.as_deref() != Some(old.as_str()) {
            return Err(fail(2333, "账号或密码错误"));
        }
        s.decrypt(call.str("newPassword").unwrap_or(""))?
    };
    db.users[idx].password = Some(new);
    Ok(message_ok("重置密码成功"))
}

/// `user(id:)` with the relations it selects (`roles`, `groups`, `authorizedResources`,
/// `departments`); null for an unknown user.
fn user_relations(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let id = acting_user(call.principal, call.str("id"))?.unwrap_or_default();
    let Some(i) = find_idx(db, |u| u.id == id) else {
        return Ok(Value::Null);
    };
    let u = &db.users[i];
    let mut v = user_json(u, None, &s.options.user_pool_id);
    let Value::Object(m) = &mut v else {
        return Ok(v);
    };
    for f in fields(&call.field.selection_set) {
        let a = args_of(f, call.vars);
        let ns = str_arg(&a, "namespace");
        let list: Vec<Value> = match f.name.as_str() {
            "roles" => u
                .roles
                .iter()
                .filter(|(n, _)| ns.is_none_or(|x| x == n))
                .map(|(n, c)| rbac::membership_role_json(db, n, c, &s.options.user_pool_id))
                .collect(),
            "groups" => u
                .groups
                .iter()
                .map(|g| match rbac::group_idx(db, g) {
                    Some(i) => rbac::group_json(&db.groups[i]),
                    None => json!({"code": g, "name": g}),
                })
                .collect(),
            "authorizedResources" => {
                let rt = str_arg(&a, "resourceType");
                u.resources
                    .iter()
                    .filter(|(n, _, t, _)| ns.is_none_or(|x| x == n) && rt.is_none_or(|x| x == t))
                    .map(|(_, c, t, acts)| json!({"code": c, "type": t, "actions": acts}))
                    .collect()
            }
            "departments" => super::orgs::user_departments(db, &u.id, str_arg(&a, "orgId")),
            _ => continue,
        };
        m.insert(
            f.name.clone(),
            json!({"totalCount": list.len(), "list": list}),
        );
    }
    Ok(v)
}

/// `udv`, `setUdvBatch`, `setUdv`, `removeUdv`: answer the target's custom data after the
/// change. A user's own token reaches its own data; a role's (`targetType: ROLE`, by role
/// id) needs the management token.
fn custom_data(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let target = call.str("targetId").unwrap_or("").to_owned();
    let udv = if call.str("targetType") == Some("ROLE") {
        require_management(call.principal)?;
        rbac::role_udv_mut(db, &target)?
    } else {
        acting_user(call.principal, Some(&target))?;
        let idx = find_idx(db, |u| u.id == target).ok_or_else(no_such_user)?;
        &mut db.users[idx].udv
    };
    match call.root {
        "setUdvBatch" => {
            let list = call.args.get("udvList").and_then(Value::as_array);
            for item in list.into_iter().flatten() {
                if let (Some(k), Some(v)) = (str_field(item, "key"), str_field(item, "value")) {
                    set_udv(udv, k, v);
                }
            }
        }
        "setUdv" => set_udv(
            udv,
            call.str("key").unwrap_or(""),
            call.str("value").unwrap_or(""),
        ),
        "removeUdv" => {
            udv.remove(call.str("key").unwrap_or(""));
        }
        _ => {}
    }
    Ok(udv_list(udv))
}

/// `updateUser`: a user updates themself (a password as sent), the management token anyone
/// (an encrypted password).
fn update_user(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let id = acting_user(call.principal, call.str("id"))?.unwrap_or_default();
    let idx = find_idx(db, |u| u.id == id).ok_or_else(no_such_user)?;
    let mut upd: Map<String, Value> = call.input();
    if let Some(Value::String(c)) = upd.remove("password") {
        let plain = if matches!(call.principal, Principal::Management) {
            s.decrypt(&c)?
        } else {
            c
        };
        db.users[idx].password = Some(plain);
    }
    apply_fields(&mut db.users[idx], &upd);
    Ok(user_json(&db.users[idx], None, &s.options.user_pool_id))
}

/// The logged-in user's password, phone and e-mail.
fn update_own_account(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let Some(id) = acting_user(call.principal, None)? else {
        return Err(fail(2020, "尚未登录"));
    };
    let idx = find_idx(db, |u| u.id == id).ok_or_else(no_such_user)?;
    match call.root {
        "updatePassword" => {
            if let Some(old) = call.str("oldPassword") {
                let old = s.decrypt(old)?;
                if db.users[idx].password.as_deref() != Some(old.as_str()) {
                    return Err(fail(2333, "旧密码错误"));
                }
            }
            db.users[idx].password = Some(s.decrypt(call.str("newPassword").unwrap_or(""))?);
        }
        "bindPhone" | "updatePhone" => {
            let phone = call.str("phone").unwrap_or("").to_owned();
            check_code(&db.sms_codes, &phone, call.str("phoneCode"))?;
            db.users[idx].phone = Some(phone);
        }
        "bindEmail" | "updateEmail" => {
            let email = call.str("email").unwrap_or("").to_owned();
            check_code(&db.email_codes, &email, call.str("emailCode"))?;
            db.users[idx].email = Some(email);
        }
        "unbindPhone" => db.users[idx].phone = None,
        _ => db.users[idx].email = None,
    }
    Ok(user_json(&db.users[idx], None, &s.options.user_pool_id))
}

fn refresh_token(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let id =
        acting_user(call.principal, call.str("id"))?.ok_or_else(|| fail(400, "id required"))?;
    find_idx(db, |u| u.id == id).ok_or_else(no_such_user)?;
    let ttl = s.options.user_token_ttl_seconds;
    let token = s.issue_session(db, &id, ttl);
    Ok(json!({"token": token, "iat": now(), "exp": now() + ttl}))
}
