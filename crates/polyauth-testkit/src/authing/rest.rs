//! The REST routes: the `{code, message, data}` envelope under `/api/v2` for the session
//! user (a user token) and for the management token, the directory logins, CAS and the WeChat
//! mobile callback.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::store::{
    Db, Fail, Principal, Shared, bearer, find_idx, now, principal, str_field, str_list, user_json,
};

pub(super) fn envelope_ok(data: Value) -> Response {
    Json(json!({"code": 200, "message": "ok", "data": data})).into_response()
}

pub(super) fn envelope_error(code: i64, message: &str) -> Response {
    Json(json!({"code": code, "message": message, "data": null})).into_response()
}

fn with_user(
    s: &Shared,
    headers: &HeaderMap,
    f: impl FnOnce(&mut Db, usize) -> Response,
) -> Response {
    let mut db = s.db();
    match principal(&db, headers) {
        Principal::User(id) => match find_idx(&db, |u| u.id == id) {
            Some(i) => f(&mut db, i),
            None => envelope_error(2004, "用户不存在"),
        },
        Principal::Expired => envelope_error(2206, "登录信息已过期"),
        _ => envelope_error(2020, "尚未登录"),
    }
}

pub(super) fn with_management(
    s: &Shared,
    headers: &HeaderMap,
    f: impl FnOnce(&mut Db) -> Response,
) -> Response {
    let mut db = s.db();
    match principal(&db, headers) {
        Principal::Management => f(&mut db),
        Principal::Expired => envelope_error(2206, "登录信息已过期"),
        _ => envelope_error(2020, "尚未登录"),
    }
}

/// [`with_management`] for a handler that answers a store result: `Ok` becomes the success
/// envelope around the value, `Err((code, message))` the error envelope.
pub(super) fn managed(
    s: &Shared,
    headers: &HeaderMap,
    f: impl FnOnce(&mut Db) -> Result<Value, Fail>,
) -> Response {
    with_management(s, headers, |db| match f(db) {
        Ok(v) => envelope_ok(v),
        Err((code, message)) => envelope_error(code, &message),
    })
}

pub(super) async fn rest_me(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let token = bearer(&headers);
    let pool = s.options.user_pool_id.clone();
    with_user(&s, &headers, |db, i| {
        envelope_ok(user_json(&db.users[i], token.as_deref(), &pool))
    })
}

pub(super) async fn rest_logout(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let token = bearer(&headers).unwrap_or_default();
    with_user(&s, &headers, |db, _| {
        db.sessions.remove(&token);
        envelope_ok(Value::Null)
    })
}

pub(super) async fn rest_sms(State(s): State<Arc<Shared>>, Json(body): Json<Value>) -> Response {
    let Some(phone) = str_field(&body, "phone") else {
        return envelope_error(400, "phone required");
    };
    let code = format!("{:06}", rand::random::<u32>() % 1_000_000);
    s.db().sms_codes.insert(phone.to_owned(), code);
    envelope_ok(Value::Null)
}

pub(super) async fn rest_directory_login(
    State(s): State<Arc<Shared>>,
    Json(body): Json<Value>,
) -> Response {
    let (Some(name), Some(pw)) = (str_field(&body, "username"), str_field(&body, "password"))
    else {
        return envelope_error(400, "username and password required");
    };
    let mut db = s.db();
    let Some(i) = find_idx(&db, |u| u.username.as_deref() == Some(name)) else {
        return envelope_error(2004, "用户不存在");
    };
    if db.users[i].password.as_deref() != Some(pw) {
        return envelope_error(2333, "账号或密码错误");
    }
    let id = db.users[i].id.clone();
    let token = s.issue_session(&mut db, &id, s.options.user_token_ttl_seconds);
    envelope_ok(user_json(
        &db.users[i],
        Some(&token),
        &s.options.user_pool_id,
    ))
}

pub(super) async fn rest_link(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    with_user(&s, &headers, |db, _| {
        let primary = str_field(&body, "primaryUserToken").unwrap_or("");
        if !db.sessions.contains_key(primary) {
            return envelope_error(2020, "primary token invalid");
        }
        if let Some(sec) = str_field(&body, "secondaryUserToken")
            && !db.sessions.contains_key(sec)
        {
            return envelope_error(2020, "secondary token invalid");
        }
        envelope_ok(Value::Null)
    })
}

pub(super) async fn rest_security_level(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    with_user(&s, &headers, |db, i| {
        let u = &db.users[i];
        envelope_ok(
            json!({"score": 70, "email": u.email.is_some(), "phone": u.phone.is_some(), "password": u.password.is_some(), "passwordSecurityLevel": 1, "mfa": false}),
        )
    })
}

pub(super) async fn rest_applications(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Response {
    let app = s.options.app_id.clone();
    with_user(&s, &headers, |_, _| {
        envelope_ok(json!({"totalCount": 1, "list": [{"id": app, "name": "Emulated app"}]}))
    })
}

pub(super) async fn rest_my_orgs(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    with_user(&s, &headers, |db, i| {
        envelope_ok(super::orgs::user_org_paths(db, &db.users[i].id))
    })
}

pub(super) async fn rest_kick(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    with_management(&s, &headers, |db| {
        let ids = str_list(body.get("userIds"));
        db.sessions.retain(|_, (id, _)| !ids.contains(id));
        envelope_ok(Value::Null)
    })
}

pub(super) async fn rest_login_status(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    with_management(&s, &headers, |db| {
        let id = qs.get("userId").cloned().unwrap_or_default();
        if find_idx(db, |u| u.id == id).is_none() {
            return envelope_error(2004, "用户不存在");
        }
        let live = db
            .sessions
            .values()
            .any(|(u, exp)| u == &id && *exp > now());
        envelope_ok(json!({"isLogin": live}))
    })
}

pub(super) async fn rest_user_detail(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let pool = s.options.user_pool_id.clone();
    with_management(&s, &headers, |db| match find_idx(db, |u| u.id == id) {
        Some(i) => {
            let mut v = user_json(&db.users[i], None, &pool);
            if qs.get("with_custom_data").map(String::as_str) != Some("1")
                && let Value::Object(m) = &mut v
            {
                m.remove("customData");
            }
            envelope_ok(v)
        }
        None => envelope_ok(Value::Null),
    })
}

pub(super) async fn rest_has_role(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    with_management(&s, &headers, |db| {
        let code = qs.get("code").cloned().unwrap_or_default();
        let ns = qs.get("namespace").cloned();
        match find_idx(db, |u| u.id == id) {
            Some(i) => envelope_ok(json!(
                db.users[i]
                    .roles
                    .iter()
                    .any(|(n, c)| c == &code && ns.as_ref().is_none_or(|x| x == n))
            )),
            None => envelope_error(2004, "用户不存在"),
        }
    })
}

pub(super) async fn rest_user_orgs(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_management(&s, &headers, |db| match find_idx(db, |u| u.id == id) {
        Some(i) => envelope_ok(super::orgs::user_org_paths(db, &db.users[i].id)),
        None => envelope_error(2004, "用户不存在"),
    })
}

pub(super) async fn rest_user_actions(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    with_management(&s, &headers, |_| {
        let op = qs.get("operation_name").cloned().unwrap_or_default();
        envelope_ok(
            json!({"totalCount": 1, "list": [{"operationName": if op.is_empty() { "login".to_owned() } else { op }, "clientIp": "127.0.0.1"}]}),
        )
    })
}

/// `POST /api/v2/acl/check-resource-permission-batch {userId, namespace, resources}`: one
/// `{"resource", "allow"}` per requested `"<code>:<verb>"`, allowed when the user holds, in the
/// namespace, the resource `<code>` with the action `<verb>`, `<kind>:<verb>` or `*`.
pub(super) async fn rest_check_permission_batch(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    with_management(&s, &headers, |db| {
        let (id, ns) = (str_field(&body, "userId"), str_field(&body, "namespace"));
        let Some(i) = find_idx(db, |u| Some(u.id.as_str()) == id) else {
            return envelope_error(2004, "用户不存在");
        };
        let held = &db.users[i].resources;
        let verdicts: Vec<Value> = str_list(body.get("resources"))
            .into_iter()
            .map(|resource| {
                let allow = resource.rsplit_once(':').is_some_and(|(code, verb)| {
                    held.iter().any(|(n, c, _, actions)| {
                        Some(n.as_str()) == ns
                            && c == code
                            && actions.iter().any(|a| {
                                a == "*"
                                    || a == verb
                                    || a.strip_suffix(verb).is_some_and(|k| k.ends_with(':'))
                            })
                    })
                });
                json!({"resource": resource, "allow": allow})
            })
            .collect();
        envelope_ok(Value::Array(verdicts))
    })
}

/// `POST /api/v2/acl/get-authorized-resources-of-resource-kind {userId, namespace, resource}`:
/// the user's resources in the namespace whose code is `resource` or starts with `resource:`,
/// as `{totalCount, list: [{code, type, actions}]}`.
pub(super) async fn rest_resources_of_kind(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    with_management(&s, &headers, |db| {
        let (id, ns) = (str_field(&body, "userId"), str_field(&body, "namespace"));
        let kind = str_field(&body, "resource").unwrap_or_default();
        let Some(i) = find_idx(db, |u| Some(u.id.as_str()) == id) else {
            return envelope_error(2004, "用户不存在");
        };
        let list: Vec<Value> = db.users[i]
            .resources
            .iter()
            .filter(|(n, code, _, _)| {
                Some(n.as_str()) == ns
                    && (code == kind || code.strip_prefix(kind).is_some_and(|r| r.starts_with(':')))
            })
            .map(|(_, code, t, actions)| json!({"code": code, "type": t, "actions": actions}))
            .collect();
        envelope_ok(json!({"totalCount": list.len(), "list": list}))
    })
}

pub(super) async fn rest_mgmt_logout(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    with_management(&s, &headers, |db| {
        let id = qs.get("userId").cloned().unwrap_or_default();
        db.sessions.retain(|_, (u, _)| u != &id);
        envelope_ok(Value::Null)
    })
}

pub(super) async fn rest_cas_validate(Query(qs): Query<HashMap<String, String>>) -> Response {
    let ok = qs.get("ticket").is_some_and(|t| t.starts_with("ST-"));
    if ok {
        Json(json!({"serviceResponse": {"authenticationSuccess": {"user": "emulated", "service": qs.get("service")}}})).into_response()
    } else {
        Json(json!({"serviceResponse": {"authenticationFailure": {"code": "INVALID_TICKET", "description": "ticket not recognized"}}})).into_response()
    }
}

pub(super) async fn rest_cas_session() -> Response {
    Json(json!({"session": null})).into_response()
}

pub(super) async fn rest_wechat(
    Path((conn, pool)): Path<(String, String)>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    Json(json!({"code": 200, "message": "ok", "data": {"connection": conn, "userPoolId": pool, "code": qs.get("code")}})).into_response()
}
