//! `reqwest-floor`: the floor of the load benchmark's cold scenario (`scripts/bench-load.sh`).
//!
//! The least a reqwest-based middleware can do for a request with a new token: read the bearer
//! token, `POST {"token": …}` to the AIGC stub's `/sdk/user/info` with the app headers through
//! one shared `reqwest::Client` (the features and allocator the quickstart uses), parse the
//! envelope and answer its `data`. No cache, no single-flight, no request context, no checks
//! beyond `code == 0`. Its cold requests/s, measured in the same run as the stub's ceiling, is
//! how close to that ceiling any middleware built on reqwest can come on the machine.
//!
//! Routes: `GET /me` (`Authorization: Bearer <token>`; 401 without one or when the upstream
//! refuses it, 502 when the upstream fails) and `GET /health`. Environment: `PORT` (default: a
//! free port), `AIGC_AUTH_BASE_URL` (required, e.g. `http://127.0.0.1:PORT/api`),
//! `AIGC_AUTH_APP_ID`, `AIGC_AUTH_APP_SECRET`. Prints `listening on http://ADDR`.

#![forbid(unsafe_code)]

use std::sync::Arc;

use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

/// The same allocator as the quickstart, so the floor is not slower for a reason of its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Floor {
    client: reqwest::Client,
    user_info: reqwest::Url,
    app_id: String,
    app_secret: String,
}

async fn me(State(floor): State<Arc<Floor>>, headers: HeaderMap) -> Response {
    let Some(token) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let sent = floor
        .client
        .post(floor.user_info.clone())
        .header("x-app-id", &floor.app_id)
        .header("x-app-secret", &floor.app_secret)
        .json(&json!({ "token": token }))
        .send()
        .await;
    let Ok(mut envelope) = (match sent {
        Ok(answer) => answer.json::<Value>().await,
        Err(e) => Err(e),
    }) else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    match envelope.get("code").and_then(Value::as_i64) {
        Some(0) => Json(envelope["data"].take()).into_response(),
        _ => StatusCode::UNAUTHORIZED.into_response(),
    }
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is not set"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = env("AIGC_AUTH_BASE_URL")?;
    let floor = Arc::new(Floor {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?,
        user_info: reqwest::Url::parse(&format!("{}/sdk/user/info", base.trim_end_matches('/')))?,
        app_id: env("AIGC_AUTH_APP_ID").unwrap_or_default(),
        app_secret: env("AIGC_AUTH_APP_SECRET").unwrap_or_default(),
    });
    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p
            .parse()
            .map_err(|_| format!("PORT must be a port number, got `{p}`"))?,
        Err(_) => 0,
    };
    let app = Router::new()
        .route("/me", get(me))
        .route("/health", get(|| async { "ok" }))
        .with_state(floor);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
