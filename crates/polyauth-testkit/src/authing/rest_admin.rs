//! The REST routes of the pool-administration modules (management token): the pool's
//! environment variables (`/api/v2/env`) and its settings (`/api/v2/userpools/detail`, the
//! same settings `updateUserpool` changes).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::graphql_admin::userpool_json;
use super::rest::{envelope_error, envelope_ok, with_management};
use super::store::{Shared, str_field};

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

/// `GET /api/v2/userpools/detail`: the pool's settings.
pub(super) async fn pool_detail(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let pool_id = s.options.user_pool_id.clone();
    with_management(&s, &headers, |db| envelope_ok(userpool_json(&pool_id, db)))
}
