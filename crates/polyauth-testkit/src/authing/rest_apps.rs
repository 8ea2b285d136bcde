//! The REST routes of the `applications` module (management token): the pool's applications,
//! starting with the emulator's own (`EmulatorOptions::app_id`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use super::graphql::paged;
use super::rest::{envelope_error, envelope_ok, with_management};
use super::store::{Db, Shared, now, str_field};

/// The applications, the emulator's own first (added the first time they are read).
pub(super) fn apps<'a>(s: &Shared, db: &'a mut Db) -> &'a mut Vec<Value> {
    if !db.apps_seeded {
        db.apps_seeded = true;
        let own = json!({
            "id": s.options.app_id, "name": "Emulated app", "identifier": "emulated",
            "secret": s.options.app_secret, "redirectUris": [], "logo": null,
            "createdAt": "2025-01-01T00:00:00+00:00",
        });
        db.applications.insert(0, own);
    }
    &mut db.applications
}

fn app_not_found() -> Response {
    envelope_error(404, "应用不存在")
}

/// `GET /api/v2/applications?page&limit`: a page (10 by default); page or limit 0 is 400.
pub(super) async fn list(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let number = |k: &str| q.get(k).map(|v| v.parse::<i64>().unwrap_or(0));
    let (page, limit) = (number("page"), number("limit"));
    if page == Some(0) || limit == Some(0) {
        return envelope_error(400, "page 和 limit 须大于 0");
    }
    with_management(&s, &headers, |db| {
        envelope_ok(paged(apps(&s, db).clone(), page, limit))
    })
}

/// `POST /api/v2/applications` `{name, identifier, redirectUris, logo}`: an empty name or
/// identifier, or an identifier taken, is 400.
pub(super) async fn create(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    with_management(&s, &headers, |db| {
        let (name, identifier) = (
            str_field(&body, "name").unwrap_or(""),
            str_field(&body, "identifier").unwrap_or(""),
        );
        if name.is_empty() || identifier.is_empty() {
            return envelope_error(400, "应用名称和标识符不能为空");
        }
        if apps(&s, db)
            .iter()
            .any(|a| str_field(a, "identifier") == Some(identifier))
        {
            return envelope_error(400, "应用标识符已被占用");
        }
        db.next_id += 1;
        let app = json!({
            "id": format!("app-{}", db.next_id), "name": name, "identifier": identifier,
            "secret": format!("secret-{}-{}", db.next_id, now()),
            "redirectUris": body.get("redirectUris").cloned().unwrap_or(json!([])),
            "logo": body.get("logo").cloned().unwrap_or(Value::Null),
            "createdAt": now().to_string(),
        });
        db.applications.push(app.clone());
        envelope_ok(app)
    })
}

/// `GET /api/v2/applications/{id}`: 404 for an unknown one.
pub(super) async fn find(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_management(&s, &headers, |db| {
        match apps(&s, db)
            .iter()
            .find(|a| str_field(a, "id") == Some(id.as_str()))
        {
            Some(app) => envelope_ok(app.clone()),
            None => app_not_found(),
        }
    })
}

/// `DELETE /api/v2/applications/{id}`: 404 for an unknown one.
pub(super) async fn delete(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_management(&s, &headers, |db| {
        let list = apps(&s, db);
        let before = list.len();
        list.retain(|a| str_field(a, "id") != Some(id.as_str()));
        if list.len() == before {
            return app_not_found();
        }
        envelope_ok(Value::Null)
    })
}

/// `PATCH /api/v2/application/{id}/refresh-secret`: a new secret; 404 for an unknown one.
pub(super) async fn refresh_secret(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_management(&s, &headers, |db| {
        db.next_id += 1;
        let secret = format!("secret-{}-{}", db.next_id, now());
        match apps(&s, db)
            .iter_mut()
            .find(|a| str_field(a, "id") == Some(id.as_str()))
        {
            Some(app) => {
                app["secret"] = json!(secret);
                envelope_ok(app.clone())
            }
            None => app_not_found(),
        }
    })
}

/// Whether application `id` exists.
fn app_exists(s: &Shared, db: &mut Db, id: &str) -> bool {
    apps(s, db).iter().any(|a| str_field(a, "id") == Some(id))
}

/// The application's agreements, in their order.
fn agreements_of(db: &Db, app: &str) -> Vec<Value> {
    db.agreements
        .iter()
        .filter(|a| str_field(a, "appId") == Some(app))
        .cloned()
        .collect()
}

/// `(title, required, lang)` of an agreement body; `None` for an empty title.
fn agreement_fields(body: &Value) -> Option<(String, bool, String)> {
    let title = str_field(body, "title").unwrap_or("");
    if title.is_empty() {
        return None;
    }
    let required = body
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let lang = str_field(body, "lang").unwrap_or("zh-CN");
    Some((title.to_owned(), required, lang.to_owned()))
}

/// `GET`/`POST /api/v2/applications/{id}/agreements`: list (`{list, totalCount}`) or add
/// (`{title, required, lang}`, an empty title 400); 404 for an unknown application.
pub(super) async fn agreements(
    State(s): State<Arc<Shared>>,
    method: axum::http::Method,
    headers: HeaderMap,
    Path(app): Path<String>,
    body: Option<Json<Value>>,
) -> Response {
    with_management(&s, &headers, |db| {
        if !app_exists(&s, db, &app) {
            return app_not_found();
        }
        if method == axum::http::Method::GET {
            let list = agreements_of(db, &app);
            return envelope_ok(json!({"totalCount": list.len(), "list": list}));
        }
        let body = body.map(|Json(b)| b).unwrap_or(Value::Null);
        let Some((title, required, lang)) = agreement_fields(&body) else {
            return envelope_error(400, "协议标题不能为空");
        };
        db.next_id += 1;
        let agreement = json!({
            "id": db.next_id, "appId": app, "title": title, "required": required, "lang": lang,
        });
        db.agreements.push(agreement.clone());
        envelope_ok(agreement)
    })
}

/// `PUT`/`DELETE /api/v2/applications/{id}/agreements/{agreement}`: 404 for an unknown
/// application or agreement; an empty title 400.
pub(super) async fn agreement(
    State(s): State<Arc<Shared>>,
    method: axum::http::Method,
    headers: HeaderMap,
    Path((app, id)): Path<(String, String)>,
    body: Option<Json<Value>>,
) -> Response {
    with_management(&s, &headers, |db| {
        if !app_exists(&s, db, &app) {
            return app_not_found();
        }
        let same = |a: &Value| {
            str_field(a, "appId") == Some(app.as_str())
                && a.get("id").map(Value::to_string) == Some(id.clone())
        };
        let Some(idx) = db.agreements.iter().position(same) else {
            return envelope_error(404, "协议不存在");
        };
        if method == axum::http::Method::DELETE {
            db.agreements.remove(idx);
            return envelope_ok(Value::Null);
        }
        let body = body.map(|Json(b)| b).unwrap_or(Value::Null);
        let Some((title, required, lang)) = agreement_fields(&body) else {
            return envelope_error(400, "协议标题不能为空");
        };
        let a = &mut db.agreements[idx];
        a["title"] = json!(title);
        a["required"] = json!(required);
        a["lang"] = json!(lang);
        envelope_ok(a.clone())
    })
}

/// `POST /api/v2/applications/{id}/agreements/sort` `{ids}`: the ids must be exactly the
/// application's agreements (400 otherwise); 404 for an unknown application.
pub(super) async fn sort_agreements(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(app): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    with_management(&s, &headers, |db| {
        if !app_exists(&s, db, &app) {
            return app_not_found();
        }
        let ids: Vec<i64> = body
            .get("ids")
            .and_then(Value::as_array)
            .map(|l| l.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        let mine: Vec<i64> = agreements_of(db, &app)
            .iter()
            .filter_map(|a| a.get("id").and_then(Value::as_i64))
            .collect();
        let (mut sorted_ids, mut sorted_mine) = (ids.clone(), mine);
        sorted_ids.sort_unstable();
        sorted_mine.sort_unstable();
        if ids.is_empty() || sorted_ids != sorted_mine {
            return envelope_error(400, "协议 id 与应用的协议不一致");
        }
        let (mut ordered, others): (Vec<Value>, Vec<Value>) = db
            .agreements
            .drain(..)
            .partition(|a| str_field(a, "appId") == Some(app.as_str()));
        ordered.sort_by_key(|a| {
            let id = a.get("id").and_then(Value::as_i64);
            ids.iter().position(|x| Some(*x) == id)
        });
        db.agreements = others;
        db.agreements.extend(ordered);
        envelope_ok(Value::Null)
    })
}
