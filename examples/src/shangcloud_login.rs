//! The ShangCloud login app: `/login` redirects to ShangCloud, `/oauth/callback` exchanges the
//! code and opens a session (an `HttpOnly` cookie naming a server-side session), `/me` shows
//! the user. States live in Redis when `REDIS_URL` is set, in memory otherwise.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use polyauth::env::Env;
use polyauth::shangcloud::{
    MemorySessionStore, SessionPersistence, ShangCloudClient, ShangCloudConfig,
};
use polyauth::{Error, Result};
use serde::Deserialize;
use serde_json::json;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "shangcloud_sid";

/// What the routes share.
#[derive(Clone, Debug)]
pub struct LoginApp {
    /// The ShangCloud client (with its state store).
    pub client: ShangCloudClient,
    /// Where sessions are kept.
    pub sessions: Arc<dyn SessionPersistence>,
}

/// The client from `SHANGCLOUD_*` variables (see `ShangCloudConfig::from_env`), keeping its
/// states in Redis when `REDIS_URL` is set and in memory otherwise.
///
/// Errors: `ConfigInvalid` for missing or invalid variables, `Unavailable` when Redis cannot
/// be reached.
pub async fn client_from_env(env: &Env) -> Result<ShangCloudClient> {
    let config = ShangCloudConfig::from_env(env)?;
    match env.get("REDIS_URL") {
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

async fn login(State(app): State<LoginApp>) -> Response {
    match app.client.authorization_url().await {
        Ok(start) => Redirect::to(start.url.as_str()).into_response(),
        Err(e) => error_response(&e),
    }
}

#[derive(Debug, Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn callback(State(app): State<LoginApp>, Query(q): Query<CallbackQuery>) -> Response {
    if let Some(err) = q.error {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": format!("authorization refused: {err}")})),
        )
            .into_response();
    }
    let session = match app
        .client
        .exchange_code(
            q.code.as_deref().unwrap_or_default(),
            q.state.as_deref().unwrap_or_default(),
        )
        .await
    {
        Ok(s) => s,
        Err(e) => return error_response(&e),
    };
    let sid = session_id();
    if let Err(e) = session.save(app.sessions.as_ref(), &sid).await {
        return error_response(&e);
    }
    let cookie = format!("{SESSION_COOKIE}={sid}; HttpOnly; SameSite=Lax; Path=/");
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(session.return_to().unwrap_or("/me")),
    )
        .into_response()
}

async fn me(State(app): State<LoginApp>, headers: HeaderMap) -> Response {
    let sid = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            kv.trim()
                .strip_prefix(&format!("{SESSION_COOKIE}="))
                .map(str::to_owned)
        });
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
