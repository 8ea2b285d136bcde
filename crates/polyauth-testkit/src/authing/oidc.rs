//! The OIDC endpoints under `/oidc`: authorization (the user named by `login_hint`), the token
//! endpoint (authorization code with PKCE, refresh token, client credentials),
//! introspection, revocation, user info, the JWKS, and `/api/v2/oidc/validate_token`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::store::{AuthCode, Db, Principal, Shared, find_idx, now, principal, random_hex};

fn oauth_error(code: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": code, "error_description": description})),
    )
        .into_response()
}

pub(super) async fn oidc_auth(
    State(s): State<Arc<Shared>>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    if qs.get("client_id") != Some(&s.options.app_id) {
        return oauth_error("invalid_client", "unknown client_id");
    }
    let (Some(redirect), Some(state)) = (qs.get("redirect_uri"), qs.get("state")) else {
        return oauth_error("invalid_request", "redirect_uri and state are required");
    };
    let user = qs.get("login_hint").cloned().unwrap_or_default();
    let mut db = s.db();
    let Some(i) = find_idx(&db, |u| u.username.as_deref() == Some(user.as_str())) else {
        return oauth_error("access_denied", "no such user (pass login_hint)");
    };
    if qs.contains_key("code_challenge")
        && qs.get("code_challenge_method").map(String::as_str) != Some("S256")
    {
        return oauth_error("invalid_request", "only S256 is supported");
    }
    let code = random_hex(16);
    let user_id = db.users[i].id.clone();
    db.auth_codes.insert(
        code.clone(),
        AuthCode {
            user_id,
            redirect_uri: redirect.clone(),
            challenge: qs.get("code_challenge").cloned(),
            scope: qs.get("scope").cloned().unwrap_or_default(),
            nonce: qs.get("nonce").cloned(),
        },
    );
    let Ok(mut url) = url::Url::parse(redirect) else {
        return oauth_error("invalid_request", "redirect_uri is not a URL");
    };
    url.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", state);
    Redirect::to(url.as_str()).into_response()
}

#[allow(clippy::result_large_err)]
fn client_ok(
    s: &Shared,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<bool, Response> {
    let (id, secret) = match crate::server::basic_credentials(headers) {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (
            form.get("client_id").cloned(),
            form.get("client_secret").cloned(),
        ),
    };
    if id.as_deref() != Some(s.options.app_id.as_str()) {
        return Err(oauth_error("invalid_client", "unknown client"));
    }
    match secret {
        Some(sec) if sec == s.options.app_secret => Ok(true),
        Some(_) => Err(oauth_error("invalid_client", "bad client secret")),
        None => Ok(false),
    }
}

fn issue_oidc(s: &Shared, db: &mut Db, user_id: &str, scope: &str, nonce: Option<String>) -> Value {
    let ttl = s.options.user_token_ttl_seconds;
    let access = s.issue_session(db, user_id, ttl);
    let mut extra = Map::new();
    // The nonce the client sent to /oidc/auth travels into the id_token of that code.
    if let Some(n) = nonce {
        extra.insert("nonce".into(), json!(n));
    }
    extra.extend(db.id_token_overrides.clone());
    let id_token = s.sign(user_id, ttl, extra);
    let mut v = json!({"access_token": access, "id_token": id_token, "expires_in": ttl, "token_type": "Bearer", "scope": scope});
    if scope.split(' ').any(|x| x == "offline_access") {
        let rt = random_hex(20);
        db.refresh_tokens
            .insert(rt.clone(), (user_id.to_owned(), scope.to_owned()));
        v["refresh_token"] = json!(rt);
    }
    v
}

pub(super) async fn oidc_token(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    if grant == "client_credentials" {
        if form.get("client_id") != Some(&s.options.app_id)
            || form.get("client_secret") != Some(&s.options.app_secret)
        {
            return oauth_error("invalid_client", "bad programmatic access key");
        }
        if form.get("scope").is_none_or(|x| x.is_empty()) {
            return oauth_error("invalid_scope", "scope required");
        }
        let token = s.sign(&s.options.app_id, 3600, Map::new());
        return Json(json!({"access_token": token, "expires_in": 3600, "token_type": "Bearer", "scope": form.get("scope")})).into_response();
    }
    let authenticated = match client_ok(&s, &headers, &form) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let mut db = s.db();
    match grant.as_str() {
        "authorization_code" => {
            let Some(code) = form.get("code").and_then(|c| db.auth_codes.remove(c)) else {
                return oauth_error("invalid_grant", "unknown or used code");
            };
            if form.get("redirect_uri") != Some(&code.redirect_uri) {
                return oauth_error("invalid_grant", "redirect_uri mismatch");
            }
            match (&code.challenge, form.get("code_verifier")) {
                (Some(ch), Some(v)) => {
                    let digest = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .encode(Sha256::digest(v.as_bytes()));
                    if &digest != ch {
                        return oauth_error("invalid_grant", "PKCE verification failed");
                    }
                }
                (Some(_), None) => return oauth_error("invalid_grant", "code_verifier required"),
                (None, _) if !authenticated => {
                    return oauth_error("invalid_client", "client authentication required");
                }
                _ => {}
            }
            let v = issue_oidc(&s, &mut db, &code.user_id, &code.scope, code.nonce);
            Json(v).into_response()
        }
        "refresh_token" => {
            let Some((user, scope)) = form
                .get("refresh_token")
                .and_then(|r| db.refresh_tokens.remove(r))
            else {
                return oauth_error("invalid_grant", "unknown refresh token");
            };
            let v = issue_oidc(&s, &mut db, &user, &scope, None);
            Json(v).into_response()
        }
        _ => oauth_error("unsupported_grant_type", "unsupported grant_type"),
    }
}

pub(super) async fn oidc_introspect(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = client_ok(&s, &headers, &form) {
        return r;
    }
    let db = s.db();
    let token = form.get("token").cloned().unwrap_or_default();
    match db.sessions.get(&token) {
        Some((id, exp)) if *exp > now() => {
            Json(json!({"active": true, "sub": id, "exp": exp, "client_id": s.options.app_id}))
                .into_response()
        }
        _ => Json(json!({"active": false})).into_response(),
    }
}

pub(super) async fn oidc_revoke(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = client_ok(&s, &headers, &form) {
        return r;
    }
    let mut db = s.db();
    let token = form.get("token").cloned().unwrap_or_default();
    db.sessions.remove(&token);
    db.refresh_tokens.remove(&token);
    Json(json!({})).into_response()
}

pub(super) async fn oidc_me(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let db = s.db();
    match principal(&db, &headers) {
        Principal::User(id) => match find_idx(&db, |u| u.id == id) {
            Some(i) => {
                let u = &db.users[i];
                Json(json!({"sub": u.id, "preferred_username": u.username, "email": u.email, "phone_number": u.phone, "name": u.nickname})).into_response()
            }
            None => (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "invalid_token", "error_description": "user gone"})),
            )
                .into_response(),
        },
        _ => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_token", "error_description": "token is not valid"})),
        )
            .into_response(),
    }
}

pub(super) async fn oidc_jwks(State(s): State<Arc<Shared>>) -> Response {
    Json(json!({"keys": [s.signing.public_jwk()]})).into_response()
}

pub(super) async fn oidc_validate(
    State(s): State<Arc<Shared>>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let token = qs
        .get("id_token")
        .or_else(|| qs.get("access_token"))
        .cloned()
        .unwrap_or_default();
    let db = s.db();
    match db.sessions.get(&token) {
        Some((id, exp)) if *exp > now() => {
            Json(json!({"sub": id, "exp": exp, "aud": s.options.app_id})).into_response()
        }
        _ => Json(json!({"code": 400, "message": "token 无效"})).into_response(),
    }
}
