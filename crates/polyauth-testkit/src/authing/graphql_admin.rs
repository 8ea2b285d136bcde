//! Resolvers of the pool-administration modules: custom-data field definitions (`udf`,
//! `setUdf`, `removeUdf`). Removing a definition removes that key's values from the users or
//! roles, as the values are kept on them.

use serde_json::{Value, json};

use super::graphql::{Call, Resolver, message_ok};
use super::store::{Db, Fail, Shared, fail};

pub(super) const RESOLVERS: &[(&str, Resolver)] = &[
    ("udf", list_udf),
    ("setUdf", set_udf),
    ("removeUdf", remove_udf),
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
