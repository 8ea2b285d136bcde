//! The REST routes of the orgs module (management token): import of an organization from a
//! JSON tree (`POST /api/v2/orgs/import`), export as trees (`GET /api/v2/orgs/export`,
//! `?org_id=` for one), and the start of a directory sync (`POST
//! /connections/enterprise/{provider}/start-sync`, `POST /api/v2/ad/sync`), which answers at
//! once as Authing does (the sync itself runs on Authing's side; nothing changes here).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;

use super::orgs::{export_tree, import_tree};
use super::rest::{envelope_error, envelope_ok, with_management};
use super::store::{Shared, str_field};

/// The body as JSON (`{}` for an empty or malformed one, which the checks then refuse).
fn json_body(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

/// `{"filetype": "json", "file": <JSON text or object>}`; answers the new organization's id.
pub(super) async fn import(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let body = json_body(&body);
    with_management(&s, &headers, |db| {
        if str_field(&body, "filetype") != Some("json") {
            return envelope_error(400, "filetype 只支持 json");
        }
        let tree = match body.get("file") {
            Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                Ok(tree) => tree,
                Err(_) => return envelope_error(400, "file 不是合法的 JSON"),
            },
            Some(tree @ Value::Object(_)) => tree.clone(),
            _ => return envelope_error(400, "file 不能为空"),
        };
        match import_tree(db, &tree) {
            Ok(org) => envelope_ok(serde_json::json!({"id": org})),
            Err((code, message)) => envelope_error(code, &message),
        }
    })
}

/// Every organization's tree, or the one of `org_id` (a list of one).
pub(super) async fn export(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    with_management(&s, &headers, |db| {
        let ids: Vec<String> = match qs.get("org_id") {
            Some(id) => vec![id.clone()],
            None => db.orgs.orgs.iter().map(|(id, _)| id.clone()).collect(),
        };
        let trees: Result<Vec<Value>, _> = ids.iter().map(|id| export_tree(db, id)).collect();
        match trees {
            Ok(trees) => envelope_ok(Value::Array(trees)),
            Err((code, message)) => envelope_error(code, &message),
        }
    })
}

/// `POST /connections/enterprise/{provider}/start-sync`: DingTalk or WeCom.
pub(super) async fn start_sync(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(provider): Path<String>,
) -> Response {
    with_management(&s, &headers, |_| {
        if matches!(provider.as_str(), "dingtalk" | "wechatwork") {
            envelope_ok(Value::Null)
        } else {
            envelope_error(400, "不支持的身份源类型")
        }
    })
}

/// `POST /api/v2/ad/sync` with `{"connectionId"}` (required).
pub(super) async fn ad_sync(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let body = json_body(&body);
    with_management(&s, &headers, |_| match str_field(&body, "connectionId") {
        Some(id) if !id.trim().is_empty() => envelope_ok(Value::Null),
        _ => envelope_error(400, "connectionId 不能为空"),
    })
}
