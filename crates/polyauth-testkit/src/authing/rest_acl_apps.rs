//! The application side of the acl module's REST routes (management token): programmatic
//! access accounts (`/api/v2/applications/{id}/programmatic-access-accounts`,
//! `/api/v2/applications/programmatic-access-accounts`), access policies
//! (`/api/v2/applications/{id}/authorization/*`), the default strategy
//! (`POST /api/v2/applications/{id}`) and the logged-in users
//! (`/api/v2/applications/{id}/active-users`). Registered by `rest_acl::routes`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::acl::{AccountRec, AppPolicyRec, STAMP, TARGET_TYPES};
use super::graphql::paged;
use super::rest::managed;
use super::rest_acl::page_query;
use super::rest_apps::apps;
use super::store::{Db, Fail, Shared, now, random_hex, str_field, str_list, user_json};

fn app_exists(s: &Shared, db: &mut Db, id: &str) -> Result<(), Fail> {
    if apps(s, db).iter().any(|a| str_field(a, "id") == Some(id)) {
        Ok(())
    } else {
        Err((404, "应用不存在".into()))
    }
}

fn account_json(a: &AccountRec) -> Value {
    json!({
        "id": a.id, "appId": a.app_id, "secret": a.secret, "tokenLifetime": a.token_lifetime,
        "remark": a.remark, "enabled": a.enabled, "createdAt": STAMP, "updatedAt": STAMP,
    })
}

fn account_not_found() -> Fail {
    (404, "编程访问账号不存在".into())
}

/// `GET /api/v2/applications/{id}/programmatic-access-accounts?limit&page`.
pub(super) async fn list_accounts(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(app): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    managed(&s, &headers, |db| {
        app_exists(&s, db, &app)?;
        let (page, limit) = page_query(&q)?;
        let list = db
            .acl
            .accounts
            .iter()
            .filter(|a| a.app_id == app)
            .map(account_json)
            .collect();
        Ok(paged(list, page, limit))
    })
}

/// `POST /api/v2/applications/{id}/programmatic-access-accounts` `{tokenLifetime, remark}`:
/// a new enabled account with a random secret; 400 for a lifetime below 1.
pub(super) async fn create_account(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(app): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    managed(&s, &headers, |db| {
        app_exists(&s, db, &app)?;
        let lifetime = body
            .get("tokenLifetime")
            .and_then(Value::as_i64)
            .unwrap_or(600);
        if lifetime < 1 {
            return Err((400, "tokenLifetime 须大于 0".into()));
        }
        db.next_id += 1;
        let rec = AccountRec {
            id: format!("pa{:06}{}", db.next_id, random_hex(4)),
            app_id: app.clone(),
            secret: random_hex(16),
            token_lifetime: lifetime,
            remark: str_field(&body, "remark").map(str::to_owned),
            enabled: true,
        };
        db.acl.accounts.push(rec.clone());
        Ok(account_json(&rec))
    })
}

/// `PATCH /api/v2/applications/programmatic-access-accounts` `{id, enabled?, secret?}`: 404
/// for an unknown id, 400 for an empty secret.
pub(super) async fn patch_account(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    managed(&s, &headers, |db| {
        let id = str_field(&body, "id").unwrap_or("");
        let a = db
            .acl
            .accounts
            .iter_mut()
            .find(|a| a.id == id)
            .ok_or_else(account_not_found)?;
        if let Some(enabled) = body.get("enabled").and_then(Value::as_bool) {
            a.enabled = enabled;
        }
        if let Some(secret) = str_field(&body, "secret") {
            if secret.is_empty() {
                return Err((400, "secret 不能为空".into()));
            }
            a.secret = secret.to_owned();
        }
        Ok(account_json(a))
    })
}

/// `DELETE /api/v2/applications/programmatic-access-accounts?id`: 404 for an unknown id.
pub(super) async fn delete_account(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    managed(&s, &headers, |db| {
        let id = q.get("id").map_or("", String::as_str);
        let before = db.acl.accounts.len();
        db.acl.accounts.retain(|a| a.id != id);
        if db.acl.accounts.len() == before {
            return Err(account_not_found());
        }
        Ok(json!(true))
    })
}

fn policy_json(p: &AppPolicyRec) -> Value {
    json!({
        "appId": p.app_id, "targetType": p.target_type, "targetIdentifier": p.target,
        "effect": p.effect, "enabled": p.enabled, "namespace": p.namespace,
        "inheritByChildren": p.inherit_by_children, "createdAt": STAMP,
    })
}

/// `GET /api/v2/applications/{id}/authorization/records?page&limit`.
pub(super) async fn policy_records(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(app): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    managed(&s, &headers, |db| {
        app_exists(&s, db, &app)?;
        let (page, limit) = page_query(&q)?;
        let list = db
            .acl
            .app_policies
            .iter()
            .filter(|p| p.app_id == app)
            .map(policy_json)
            .collect();
        Ok(paged(list, page, limit))
    })
}

/// `POST /api/v2/applications/{id}/authorization/{allow|deny|enable-effect|disable-effect|
/// revoke}` `{targetType, targetIdentifiers, namespace, inheritByChildren}`: allow and deny
/// set each target's policy (in effect); the others change existing ones (404 when a target
/// has none). 400 for an unknown target type or no targets.
pub(super) async fn change_policies(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((app, action)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    managed(&s, &headers, |db| {
        app_exists(&s, db, &app)?;
        let target_type = str_field(&body, "targetType").unwrap_or("");
        if !TARGET_TYPES.contains(&target_type) {
            return Err((400, "不支持的主体类型".into()));
        }
        let targets = str_list(body.get("targetIdentifiers"));
        if targets.is_empty() {
            return Err((400, "targetIdentifiers 不能为空".into()));
        }
        let policies = &mut db.acl.app_policies;
        let of = |p: &AppPolicyRec, t: &str| {
            p.app_id == app && p.target_type == target_type && p.target == t
        };
        let effect = match action.as_str() {
            "allow" => "ALLOW",
            "deny" => "DENY",
            "enable-effect" | "disable-effect" | "revoke" => {
                if let Some(t) = targets.iter().find(|t| !policies.iter().any(|p| of(p, t))) {
                    return Err((404, format!("{t} 没有访问策略")));
                }
                for p in policies
                    .iter_mut()
                    .filter(|p| targets.iter().any(|t| of(p, t)))
                {
                    p.enabled = action == "enable-effect";
                }
                if action == "revoke" {
                    policies.retain(|p| !targets.iter().any(|t| of(p, t)));
                }
                return Ok(json!(true));
            }
            _ => return Err((404, "not found".into())),
        };
        policies.retain(|p| !targets.iter().any(|t| of(p, t)));
        for t in targets {
            policies.push(AppPolicyRec {
                app_id: app.clone(),
                target_type: target_type.to_owned(),
                target: t,
                effect: effect.to_owned(),
                enabled: true,
                namespace: str_field(&body, "namespace").map(str::to_owned),
                inherit_by_children: body
                    .get("inheritByChildren")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            });
        }
        Ok(json!(true))
    })
}

/// `POST /api/v2/applications/{id}` `{permissionStrategy: {defaultStrategy}}`: the
/// application with its new strategy; 400 for a strategy other than `ALLOW_ALL`/`DENY_ALL`.
pub(super) async fn default_strategy(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(app): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    managed(&s, &headers, |db| {
        app_exists(&s, db, &app)?;
        let strategy = body
            .pointer("/permissionStrategy/defaultStrategy")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !["ALLOW_ALL", "DENY_ALL"].contains(&strategy) {
            return Err((400, "defaultStrategy 须为 ALLOW_ALL 或 DENY_ALL".into()));
        }
        let found = apps(&s, db)
            .iter_mut()
            .find(|a| str_field(a, "id") == Some(app.as_str()));
        let Some(found) = found else {
            return Err((404, "应用不存在".into()));
        };
        found["permissionStrategy"] = json!({"defaultStrategy": strategy});
        Ok(found.clone())
    })
}

/// `GET /api/v2/applications/{id}/active-users?page&limit`: the users with a live session
/// (sessions are the emulator's own application's, so other applications have none).
pub(super) async fn active_users(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(app): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    managed(&s, &headers, |db| {
        app_exists(&s, db, &app)?;
        let (page, limit) = page_query(&q)?;
        let t = now();
        let mut ids: Vec<&String> = db
            .sessions
            .values()
            .filter(|(_, exp)| *exp > t && app == s.options.app_id)
            .map(|(id, _)| id)
            .collect();
        ids.sort();
        ids.dedup();
        let pool = &s.options.user_pool_id;
        let list = db
            .users
            .iter()
            .filter(|u| !u.archived && ids.contains(&&u.id))
            .map(|u| user_json(u, None, pool))
            .collect();
        Ok(paged(list, page, limit))
    })
}
