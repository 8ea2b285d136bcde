//! The REST routes of the pool-administration modules (management token): the pool's
//! environment variables (`/api/v2/env`), its settings (`/api/v2/userpools/detail`, the
//! same settings `updateUserpool` changes), the audit log (`/api/v2/analysis/audit`) and
//! users' principal authentication.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::graphql::paged;
use super::graphql_admin::userpool_json;
use super::rest::{envelope_error, envelope_ok, with_management};
use super::store::{Shared, find_idx, now, str_field};

fn env_json(db: &super::store::Db) -> Value {
    Value::Array(
        db.env
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v}))
            .collect(),
    )
}

/// `GET /api/v2/env`: every variable, in the order added.
pub(super) async fn list_env(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    with_management(&s, &headers, |db| envelope_ok(env_json(db)))
}

/// `POST /api/v2/env` `{key, value}`: an empty or taken key is 400.
pub(super) async fn add_env(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    with_management(&s, &headers, |db| {
        let key = str_field(&body, "key").unwrap_or("").to_owned();
        if key.is_empty() {
            return envelope_error(400, "key 不能为空");
        }
        if db.env.iter().any(|(k, _)| *k == key) {
            return envelope_error(400, "环境变量已存在");
        }
        let value = body.get("value").cloned().unwrap_or(Value::Null);
        db.env.push((key.clone(), value.clone()));
        envelope_ok(json!({"key": key, "value": value}))
    })
}

/// `DELETE /api/v2/env/{key}`: an unknown key is 404.
pub(super) async fn remove_env(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Response {
    with_management(&s, &headers, |db| {
        let before = db.env.len();
        db.env.retain(|(k, _)| *k != key);
        if db.env.len() == before {
            return envelope_error(404, "环境变量不存在");
        }
        envelope_ok(Value::Null)
    })
}

/// `POST /api/v2/password/check` `{password}`: valid when it has at least 6 characters (the
/// same policy as `checkPasswordStrength`); a missing password is 400.
pub(super) async fn password_check(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    with_management(&s, &headers, |_| {
        let Some(password) = str_field(&body, "password") else {
            return envelope_error(400, "password 不能为空");
        };
        let valid = password.chars().count() >= 6;
        let message = if valid {
            "密码强度符合要求"
        } else {
            "密码太弱"
        };
        envelope_ok(json!({"valid": valid, "message": message}))
    })
}

/// `GET /api/v2/userpools/detail`: the pool's settings.
pub(super) async fn pool_detail(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let pool_id = s.options.user_pool_id.clone();
    with_management(&s, &headers, |db| envelope_ok(userpool_json(&pool_id, db)))
}

/// An audit-log entry as the emulator keeps and answers it.
pub(super) fn audit_entry(operation: &str, user_id: &str, client_ip: &str, app_id: &str) -> Value {
    json!({
        "operationName": operation, "operatorArn": format!("{OPERATOR_ARN_PREFIX}{user_id}"),
        "clientIp": client_ip, "appId": app_id, "createdAt": now().to_string(),
    })
}

const OPERATOR_ARN_PREFIX: &str = "arn:cn:authing:user:";

/// `GET /api/v2/analysis/audit`: entries matching every filter given (`clientip`, and any of
/// the repeated `operation_name`, `operator_arn`, `app_id`), paged by `page`/`limit`
/// (10 by default); a page or limit of 0 is 400.
pub(super) async fn audit_logs(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let all = |k: &str| -> Vec<&str> {
        pairs
            .iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let number = |k: &str| all(k).first().map(|v| v.parse::<i64>().unwrap_or(0));
    let (page, limit) = (number("page"), number("limit"));
    if page == Some(0) || limit == Some(0) {
        return envelope_error(400, "page 和 limit 须大于 0");
    }
    let matches = |e: &Value, key: &str, field: &str| {
        let wanted = all(key);
        wanted.is_empty() || wanted.contains(&str_field(e, field).unwrap_or(""))
    };
    with_management(&s, &headers, |db| {
        let list: Vec<Value> = db
            .audit
            .iter()
            .filter(|e| matches(e, "clientip", "clientIp"))
            .filter(|e| matches(e, "operation_name", "operationName"))
            .filter(|e| matches(e, "operator_arn", "operatorArn"))
            .filter(|e| matches(e, "app_id", "appId"))
            .cloned()
            .collect();
        envelope_ok(paged(list, page, limit))
    })
}

/// `GET /api/v2/users/{id}/management/principal_authentication`: the user's, or null; an
/// unknown user is 2004.
pub(super) async fn principal_detail(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_management(&s, &headers, |db| {
        if find_idx(db, |u| u.id == id).is_none() {
            return envelope_error(2004, "用户不存在");
        }
        envelope_ok(db.principals.get(&id).cloned().unwrap_or(Value::Null))
    })
}

/// `POST /api/v2/users/{id}/management/principal_authentication?type&name&idCard&ext`: a type
/// other than `P`/`E` or an empty name or id is 400, a user already authenticated 400, an
/// unknown user 2004. Adds a `principalAuthentication` audit-log entry for the user.
pub(super) async fn principal_authenticate(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let app_id = s.options.app_id.clone();
    with_management(&s, &headers, |db| {
        if find_idx(db, |u| u.id == id).is_none() {
            return envelope_error(2004, "用户不存在");
        }
        let field = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
        if !matches!(field("type"), "P" | "E")
            || field("name").is_empty()
            || field("idCard").is_empty()
        {
            return envelope_error(400, "主体认证信息不完整");
        }
        if db.principals.contains_key(&id) {
            return envelope_error(400, "用户已完成主体认证");
        }
        let record = json!({
            "type": field("type"), "name": field("name"), "idCard": field("idCard"),
            "ext": field("ext"), "createdAt": now().to_string(),
        });
        db.principals.insert(id.clone(), record);
        db.audit.push(audit_entry(
            "principalAuthentication",
            &id,
            "127.0.0.1",
            &app_id,
        ));
        envelope_ok(json!(true))
    })
}
