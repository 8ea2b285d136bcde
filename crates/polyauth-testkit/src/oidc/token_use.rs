//! What clients do with issued tokens: userinfo (`/me`), introspection (RFC 7662),
//! revocation (RFC 7009), and RP-initiated logout with an ID token hint (`/session/end`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value, json};

use super::clients::authenticate_client;
use super::interaction::SESSION_COOKIE;
use super::store::{
    Data, Shared, TokenKind, cookie, html, html_error, json_no_store, oauth_error, parse_params,
    request_params, scope_claims, set_cookie, with_cookies,
};

/// A `401` or `403` with `WWW-Authenticate: Bearer` and the error in the body.
fn bearer_error(status: StatusCode, issuer: &str, error: &str, description: &str) -> Response {
    let mut r = oauth_error(status, error, description);
    let value = format!(
        "Bearer realm=\"{issuer}\", error=\"{error}\", error_description=\"{description}\""
    );
    if let Ok(v) = HeaderValue::from_str(&value) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

/// `GET` or `POST /me`.
pub(super) async fn userinfo(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let issuer = s.issuer();
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned());
    let data = s.lock();
    let record = token
        .and_then(|t| data.tokens.get(&t))
        .filter(|r| r.kind == TokenKind::Access && r.is_active());
    let invalid = |d: &str| bearer_error(StatusCode::UNAUTHORIZED, &issuer, "invalid_token", d);
    let Some(record) = record else {
        return invalid("invalid token provided");
    };
    let Some(sub) = &record.sub else {
        return invalid("the access token has no End-User (client credentials)");
    };
    if !record.scope.split(' ').any(|s| s == "openid") {
        return bearer_error(
            StatusCode::FORBIDDEN,
            &issuer,
            "insufficient_scope",
            "access token missing 'openid' scope",
        );
    }
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(sub));
    claims.extend(scope_claims(sub, &record.scope));
    json_no_store(StatusCode::OK, Value::Object(claims))
}

/// Parses a form body and authenticates its client; `Ok` carries the form, the client id and
/// whether the client is public.
#[allow(clippy::result_large_err)]
fn authenticated_form(
    data: &mut Data,
    issuer: &str,
    endpoint: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(HashMap<String, String>, String, bool), Response> {
    let form = parse_params(body)
        .map_err(|d| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &d))?;
    let client = authenticate_client(data, issuer, endpoint, headers, &form)?;
    if !form.contains_key("token") {
        return Err(oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "missing required parameter 'token'",
        ));
    }
    Ok((form, client.client_id, client.auth_method == "none"))
}

/// `POST /token/introspection`.
pub(super) async fn introspection(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let issuer = s.issuer();
    let mut data = s.lock();
    let (form, caller, public) =
        match authenticated_form(&mut data, &issuer, "/token/introspection", &headers, &body) {
            Ok(v) => v,
            Err(r) => return r,
        };
    let token = form.get("token").map(String::as_str).unwrap_or_default();
    let record = data
        .tokens
        .get(token)
        .filter(|r| r.is_active() && !(public && r.client_id != caller));
    let Some(r) = record else {
        return json_no_store(StatusCode::OK, json!({"active": false}));
    };
    let mut answer = json!({
        "active": true,
        "client_id": r.client_id,
        "exp": r.exp,
        "iat": r.iat,
        "iss": issuer,
    });
    if let Some(sub) = &r.sub {
        answer["sub"] = json!(sub);
    }
    if !r.scope.is_empty() {
        answer["scope"] = json!(r.scope);
    }
    if let Some(aud) = &r.resource {
        answer["aud"] = json!(aud);
    }
    if r.kind == TokenKind::Access {
        answer["token_type"] = json!("Bearer");
    }
    json_no_store(StatusCode::OK, answer)
}

/// `POST /token/revocation`: always `200` for a known or unknown token of the caller;
/// revoking an access or refresh token revokes every token of its grant.
pub(super) async fn revocation(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let issuer = s.issuer();
    let mut data = s.lock();
    let (form, caller, public) =
        match authenticated_form(&mut data, &issuer, "/token/revocation", &headers, &body) {
            Ok(v) => v,
            Err(r) => return r,
        };
    let token = form.get("token").map(String::as_str).unwrap_or_default();
    if let Some(record) = data.tokens.get(token).cloned() {
        if record.client_id != caller {
            if !public {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "client is not authorized to revoke the presented token",
                );
            }
        } else {
            data.tokens.remove(token);
            if let Some(grant) = &record.grant_id {
                data.revoke_grant(grant);
            }
        }
    }
    (StatusCode::OK, "").into_response()
}

/// The audience (client id) of an ID token this provider signed with its current key;
/// expired hints are accepted.
fn hint_audience(data: &Data, issuer: &str, hint: &str) -> Option<String> {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    validation.set_issuer(&[issuer]);
    let claims = jsonwebtoken::decode::<Value>(hint, &data.key.decoding, &validation)
        .ok()?
        .claims;
    match claims.get("aud")? {
        Value::String(aud) => Some(aud.clone()),
        Value::Array(auds) => auds.first()?.as_str().map(str::to_owned),
        _ => None,
    }
}

/// `GET` or `POST /session/end`: ends the browser session and, with a registered
/// `post_logout_redirect_uri`, sends the browser there with `state`. (`oidc-provider` asks
/// the End-User to confirm on a page first; the emulator does not.)
pub(super) async fn end_session(
    State(s): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let issuer = s.issuer();
    let parsed = request_params(&method, query, &body);
    let bad = |d: &str| html_error(StatusCode::BAD_REQUEST, "invalid_request", d);
    let params = match parsed {
        Ok(p) => p,
        Err(d) => return bad(&d),
    };
    let mut data = s.lock();
    let mut client_id = params.get("client_id").cloned();
    if let Some(hint) = params.get("id_token_hint") {
        let Some(aud) = hint_audience(&data, &issuer, hint) else {
            return bad("could not validate id_token_hint");
        };
        if client_id.as_ref().is_some_and(|c| *c != aud) {
            return bad("client_id parameter does not match the id_token_hint audience");
        }
        client_id = Some(aud);
    }
    let client = match &client_id {
        Some(id) => match data.clients.get(id) {
            Some(c) => Some(c.clone()),
            None => {
                return html_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_client",
                    "client is invalid",
                );
            }
        },
        None => None,
    };
    let post_logout = params.get("post_logout_redirect_uri");
    if let Some(uri) = post_logout {
        let Some(client) = &client else {
            return bad(
                "post_logout_redirect_uri can only be used in combination with id_token_hint or client_id",
            );
        };
        if !client.post_logout_redirect_uris.contains(uri) {
            return bad("post_logout_redirect_uri not registered");
        }
    }
    if let Some(sid) = cookie(&headers, SESSION_COOKIE) {
        data.sessions.remove(&sid);
    }
    let clear = [set_cookie(SESSION_COOKIE, "", "/")];
    let Some(uri) = post_logout else {
        return with_cookies(
            html(
                StatusCode::OK,
                "Signed out",
                "<p>Your sign-in session has ended.</p>",
            ),
            &clear,
        );
    };
    let Ok(mut url) = url::Url::parse(uri) else {
        return bad("post_logout_redirect_uri is not a URL");
    };
    if let Some(state) = params.get("state") {
        url.query_pairs_mut().append_pair("state", state);
    }
    with_cookies(Redirect::to(url.as_str()).into_response(), &clear)
}
