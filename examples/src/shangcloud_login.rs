//! The ShangCloud login app: `/login` redirects to ShangCloud, `/oauth/callback` exchanges the
//! code and opens a session (an `HttpOnly` cookie naming a server-side session), `/me` shows
//! the user. States live in Redis when `POLYAUTH_REDIS_URL` is set (the shared-state variable
//! of every provider; `REDIS_URL` is an alias), in memory otherwise.
//!
//! Login CSRF (RFC 6749 §10.12): `/login` binds the OAuth state to the browser that asked for
//! it with a short-lived `HttpOnly; SameSite=Lax; Path=/oauth` cookie holding the client's
//! random binding (`Secure` too when the redirect URI is https); the callback refuses to
//! exchange a code unless that cookie is present and matches the state (compared in constant
//! time by `exchange_code_bound`), so an attacker's `?code=..&state=..` opened in a victim's
//! browser cannot log the victim in as the attacker. One login at a time per browser: a second
//! `/login` replaces the cookie of the first.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use polyauth::env::Env;
use polyauth::shangcloud::{
    MemorySessionStore, SessionPersistence, ShangCloudClient, ShangCloudConfig,
};
use polyauth::{AuthorizationRequest, Error, Result};
use serde::Deserialize;
use serde_json::json;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "shangcloud_sid";
/// Name of the cookie binding a login's state to the browser that started it (set on
/// `/login`, read and cleared on `/oauth/callback`). A `__Host-` prefix would need `Secure`,
/// which a plain-http loopback deployment cannot set, so the name is plain.
pub const LOGIN_COOKIE: &str = "shangcloud_login";
/// The path the login cookie is scoped to (the callback lives under it).
pub const LOGIN_COOKIE_PATH: &str = "/oauth";

/// What the routes share.
#[derive(Clone, Debug)]
pub struct LoginApp {
    /// The ShangCloud client (with its state store).
    pub client: ShangCloudClient,
    /// Where sessions are kept.
    pub sessions: Arc<dyn SessionPersistence>,
}

/// `POLYAUTH_REDIS_URL`, or the example's former `REDIS_URL`.
pub fn redis_url(env: &Env) -> Option<String> {
    env.get("POLYAUTH_REDIS_URL")
        .or_else(|| env.get("REDIS_URL"))
}

/// The client from `SHANGCLOUD_*` variables (see `ShangCloudConfig::from_env`), keeping its
/// states in Redis when `POLYAUTH_REDIS_URL` (or its alias `REDIS_URL`) is set and in memory
/// otherwise.
///
/// Errors: `ConfigInvalid` for missing or invalid variables, `Unavailable` when Redis cannot
/// be reached.
pub async fn client_from_env(env: &Env) -> Result<ShangCloudClient> {
    let config = ShangCloudConfig::from_env(env)?;
    match redis_url(env) {
        Some(url) => {
            let store = polyauth::redis::RedisStateStore::connect_with(
                &url,
                polyauth::redis::RedisOptions::default().with_key_prefix("shangcloud-login:state:"),
            )
            .await?;
            ShangCloudClient::with_state_store(config, Arc::new(store))
        }
        None => ShangCloudClient::new(config),
    }
}

/// The app's routes over a client, with sessions in memory.
pub fn router(client: ShangCloudClient) -> Router {
    router_with(LoginApp {
        client,
        sessions: Arc::new(MemorySessionStore::default()),
    })
}

/// The app's routes.
pub fn router_with(app: LoginApp) -> Router {
    Router::new()
        .route("/login", get(login))
        .route("/oauth/callback", get(callback))
        .route("/me", get(me))
        .with_state(app)
}

fn error_response(e: &Error) -> Response {
    let status =
        StatusCode::from_u16(e.kind().server_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(json!({"error": e.to_string()}))).into_response()
}

/// `; Secure` when the app is served over https (judged by its redirect URI), else nothing.
fn secure_attribute(app: &LoginApp) -> &'static str {
    if app.client.redirect_uri().scheme() == "https" {
        "; Secure"
    } else {
        ""
    }
}

/// `Set-Cookie` for the login binding, living as long as the state.
fn login_cookie(app: &LoginApp, binding: &str) -> String {
    format!(
        "{LOGIN_COOKIE}={binding}; HttpOnly; SameSite=Lax; Path={LOGIN_COOKIE_PATH}; Max-Age={}{}",
        app.client.config().state_ttl.as_secs(),
        secure_attribute(app)
    )
}

/// `Set-Cookie` removing the login binding.
fn clear_login_cookie(app: &LoginApp) -> String {
    format!(
        "{LOGIN_COOKIE}=; HttpOnly; SameSite=Lax; Path={LOGIN_COOKIE_PATH}; Max-Age=0{}",
        secure_attribute(app)
    )
}

/// The value of cookie `name` in the request, if any.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
}

async fn login(State(app): State<LoginApp>) -> Response {
    match app
        .client
        .authorization_url_bound(AuthorizationRequest::default())
        .await
    {
        Ok(start) => (
            [(
                header::SET_COOKIE,
                login_cookie(&app, start.binding.expose_secret()),
            )],
            Redirect::to(start.url.as_str()),
        )
            .into_response(),
        Err(e) => error_response(&e),
    }
}

#[derive(Debug, Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback(
    State(app): State<LoginApp>,
    Query(q): Query<CallbackQuery>,
    headers: HeaderMap,
) -> Response {
    // Whatever happens, the login binding is used up: clear it.
    let clear = AppendHeaders([(header::SET_COOKIE, clear_login_cookie(&app))]);
    if let Some(err) = q.error {
        return (
            StatusCode::BAD_REQUEST,
            clear,
            Json(json!({"error": format!("authorization refused: {err}")})),
        )
            .into_response();
    }
    // The state must belong to this browser: without the login cookie /login set here, the
    // callback is someone else's (login CSRF), and no code is exchanged.
    let Some(binding) = cookie(&headers, LOGIN_COOKIE).filter(|b| !b.is_empty()) else {
        return (
            StatusCode::BAD_REQUEST,
            clear,
            Json(json!({
                "error": "this login was not started in this browser (no login cookie, or it \
                          expired): start again at /login"
            })),
        )
            .into_response();
    };
    // Takes the state, then compares the cookie's binding with the one issued for the state in
    // constant time, before any token request: a mismatch is InvalidState (400).
    let session = match app
        .client
        .exchange_code_bound(
            q.code.as_deref().unwrap_or_default(),
            q.state.as_deref().unwrap_or_default(),
            &binding,
        )
        .await
    {
        Ok(s) => s,
        Err(e) => return (clear, error_response(&e)).into_response(),
    };
    let sid = session_id();
    if let Err(e) = session.save(app.sessions.as_ref(), &sid).await {
        return (clear, error_response(&e)).into_response();
    }
    let session_cookie = format!(
        "{SESSION_COOKIE}={sid}; HttpOnly; SameSite=Lax; Path=/{}",
        secure_attribute(&app)
    );
    (
        AppendHeaders([
            (header::SET_COOKIE, clear_login_cookie(&app)),
            (header::SET_COOKIE, session_cookie),
        ]),
        Redirect::to(session.return_to().unwrap_or("/me")),
    )
        .into_response()
}

async fn me(State(app): State<LoginApp>, headers: HeaderMap) -> Response {
    let sid = cookie(&headers, SESSION_COOKIE);
    let unauthorized = || {
        (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "not logged in: visit /login"})),
        )
            .into_response()
    };
    let Some(sid) = sid else {
        return unauthorized();
    };
    let session = match app.client.load_session(app.sessions.as_ref(), &sid).await {
        Ok(Some(s)) => s,
        Ok(None) => return unauthorized(),
        Err(e) => return error_response(&e),
    };
    match session.basic_info().await {
        Ok(info) => Json(json!({
            "uid": info.user_id,
            "nickname": info.nickname,
            "mail": info.mail,
            "avatar": info.avatar,
        }))
        .into_response(),
        Err(e) => error_response(&e),
    }
}

/// A random session id (32 bytes of the thread-local CSPRNG, hex).
fn session_id() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
