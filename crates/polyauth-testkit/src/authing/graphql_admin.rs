//! Resolvers of the pool-administration modules: custom-data field definitions (`udf`,
//! `setUdf`, `removeUdf`; removing a definition removes that key's values from the users or
//! roles, as the values are kept on them), the pool's settings (`updateUserpool`, read back by
//! `GET /api/v2/userpools/detail`) and the registration whitelist (`whitelist`,
//! `addWhitelist`, `removeWhitelist`).

use serde_json::{Map, Value, json};

use super::graphql::{Call, Resolver, message_ok};
use super::store::{Db, Fail, Shared, fail, now, str_list};

pub(super) const RESOLVERS: &[(&str, Resolver)] = &[
    ("udf", list_udf),
    ("setUdf", set_udf),
    ("removeUdf", remove_udf),
    ("updateUserpool", update_userpool),
    ("whitelist", list_whitelist),
    ("addWhitelist", change_whitelist),
    ("removeWhitelist", change_whitelist),
];

/// A custom-data field definition (`targetType` and `key` unique together).
#[derive(Clone, Debug)]
pub(super) struct UdfRec {
    pub(super) target_type: String,
    pub(super) key: String,
    pub(super) data_type: String,
    pub(super) label: String,
    pub(super) options: Option<String>,
}

fn udf_json(u: &UdfRec) -> Value {
    json!({
        "targetType": u.target_type, "dataType": u.data_type, "key": u.key,
        "label": u.label, "options": u.options,
    })
}

/// `udf`: the definitions of `targetType`, in the order they were made.
fn list_udf(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let kind = call.str("targetType").unwrap_or("");
    let list = db
        .udfs
        .iter()
        .filter(|u| u.target_type == kind)
        .map(udf_json)
        .collect();
    Ok(Value::Array(list))
}

/// `setUdf`: defines or redefines (`targetType`, `key`); an empty key or label is refused.
fn set_udf(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let rec = UdfRec {
        target_type: call.str("targetType").unwrap_or("").to_owned(),
        key: call.str("key").unwrap_or("").to_owned(),
        data_type: call.str("dataType").unwrap_or("").to_owned(),
        label: call.str("label").unwrap_or("").to_owned(),
        options: call.str("options").map(str::to_owned),
    };
    if rec.key.is_empty() || rec.label.is_empty() {
        return Err(fail(400, "字段 key 和 label 不能为空"));
    }
    let answer = udf_json(&rec);
    match db
        .udfs
        .iter_mut()
        .find(|u| u.target_type == rec.target_type && u.key == rec.key)
    {
        Some(old) => *old = rec,
        None => db.udfs.push(rec),
    }
    Ok(answer)
}

/// `removeUdf`: an unknown key is 404; the key's values go with the definition.
fn remove_udf(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let (kind, key) = (
        call.str("targetType").unwrap_or(""),
        call.str("key").unwrap_or(""),
    );
    let before = db.udfs.len();
    db.udfs.retain(|u| !(u.target_type == kind && u.key == key));
    if db.udfs.len() == before {
        return Err(fail(404, "自定义字段不存在"));
    }
    match kind {
        "USER" => db.users.iter_mut().for_each(|u| {
            u.udv.remove(key);
        }),
        "ROLE" => db.roles.iter_mut().for_each(|r| {
            r.udv.remove(key);
        }),
        _ => {}
    }
    Ok(message_ok("删除成功"))
}

/// The pool's settings: defaults, then what `updateUserpool` changed (objects such as
/// `whitelist` merged key by key).
pub(super) fn userpool_json(pool_id: &str, db: &Db) -> Value {
    let check = json!({"timeInterval": 300, "limit": 50, "enabled": false});
    let mut pool = json!({
        "id": pool_id, "name": "Emulated pool", "domain": "emulated", "description": null,
        "logo": null, "createdAt": "2025-01-01T00:00:00+00:00",
        "updatedAt": "2025-01-01T00:00:00+00:00", "emailVerifiedDefault": false,
        "sendWelcomeEmail": false, "registerDisabled": false, "appSsoEnabled": false,
        "showWxQRCodeWhenRegisterDisabled": false, "allowedOrigins": "",
        "tokenExpiresAfter": 1_296_000, "isDeleted": false,
        "frequentRegisterCheck": check, "loginFailCheck": check,
        "loginPasswordFailCheck": check, "loginFailStrategy": "captcha",
        "whitelist": {"phoneEnabled": false, "emailEnabled": false, "usernameEnabled": false},
        "packageType": 1, "useCustomUserStore": false, "loginRequireEmailVerified": false,
        "verifyCodeLength": 6,
    });
    if let Value::Object(map) = &mut pool {
        merge(map, &db.userpool);
    }
    pool
}

/// `into` with `from`'s keys set; objects on both sides merged key by key.
fn merge(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Value::Object(old)), Value::Object(new)) => merge(old, new),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

/// `updateUserpool`: an empty `input` is 400; the answer is the settings after the change.
fn update_userpool(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let input = call.input();
    if input.is_empty() {
        return Err(fail(400, "没有要更新的配置"));
    }
    let mut changes = std::mem::take(&mut db.userpool);
    merge(&mut changes, &input);
    changes.insert("updatedAt".into(), json!(now().to_string()));
    db.userpool = changes;
    Ok(userpool_json(&s.options.user_pool_id, db))
}

fn entry_json(kind: &str, db: &Db) -> Value {
    Value::Array(
        db.whitelist
            .iter()
            .filter(|(k, _, _)| k == kind)
            .map(|(_, v, at)| json!({"value": v, "createdAt": at, "updatedAt": at}))
            .collect(),
    )
}

/// `whitelist`: the entries of `type`, in the order added.
fn list_whitelist(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    Ok(entry_json(call.str("type").unwrap_or(""), db))
}

/// `addWhitelist`, `removeWhitelist`: an empty list is 400, adding a value already listed
/// 400, removing one not listed 404 (nothing changes then); the answer is the entries of the
/// type after the change.
fn change_whitelist(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let kind = call.str("type").unwrap_or("").to_owned();
    let values = str_list(call.args.get("list"));
    if values.is_empty() {
        return Err(fail(400, "list 不能为空"));
    }
    let listed = |db: &Db, v: &str| db.whitelist.iter().any(|(k, x, _)| *k == kind && x == v);
    if call.root == "addWhitelist" {
        if values.iter().any(|v| listed(db, v)) {
            return Err(fail(400, "白名单已存在"));
        }
        let at = now().to_string();
        for v in values {
            if !listed(db, &v) {
                db.whitelist.push((kind.clone(), v, at.clone()));
            }
        }
    } else {
        if values.iter().any(|v| !listed(db, v)) {
            return Err(fail(404, "白名单不存在"));
        }
        db.whitelist
            .retain(|(k, x, _)| !(*k == kind && values.contains(x)));
    }
    Ok(entry_json(&kind, db))
}
