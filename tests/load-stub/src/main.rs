//! `aigc-stub`: the upstream of the load benchmark (`scripts/bench-load.sh`), a stand-in for the
//! AIGC auth center that answers as fast as the HTTP stack allows, so that the benchmark measures
//! the middleware in front of it, not an emulator's bookkeeping.
//!
//! Routes (the base URL to configure is `http://127.0.0.1:PORT/api`):
//! - `POST /api/sdk/user/info` and `POST /api/sdk/token/verify` with `{"token": "tok-<n>"}`: the
//!   auth center's success envelope (`{"code": 0, "message": "success", "data": …}`) for user `n`
//!   (`user-<n>`, role `member`, permission `user:read`); any other token gets code 401. Each call
//!   is counted, answered after `STUB_DELAY_MS` milliseconds (default 0).
//! - `GET /ping`: a trivial handler (`{"ok":true}`), the ceiling of what one axum server serves on
//!   the machine.
//! - `GET /calls`: `{"user_info": N, "token_verify": M}`, the calls counted so far.
//!
//! Listens on `127.0.0.1:$PORT` (default: a free port) and prints `listening on http://ADDR`.

#![forbid(unsafe_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

#[derive(Default)]
struct Counters {
    user_info: AtomicU64,
    token_verify: AtomicU64,
}

struct Stub {
    counters: Counters,
    delay: Option<Duration>,
}

#[derive(Deserialize)]
struct TokenBody {
    token: String,
}

/// The user number of a `tok-<n>` token.
fn user_number(token: &str) -> Option<u64> {
    token.strip_prefix("tok-")?.parse().ok()
}

fn json_body(body: String) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], body)
}

fn unauthorized() -> String {
    r#"{"code":401,"message":"Token 无效或已过期","data":null}"#.to_owned()
}

async fn user_info(
    State(stub): State<Arc<Stub>>,
    Json(body): Json<TokenBody>,
) -> impl IntoResponse {
    stub.counters.user_info.fetch_add(1, Ordering::Relaxed);
    stub.wait().await;
    json_body(match user_number(&body.token) {
        Some(n) => format!(
            concat!(
                r#"{{"code":0,"message":"success","data":{{"id":{n},"username":"user-{n}","#,
                r#""nickname":"User {n}","email":"user-{n}@example.com","phone":null,"avatar":null,"#,
                r#""roles":["member"],"permissions":["user:read"],"groups":[],"department":null,"#,
                r#""company":null,"isAdmin":false,"is_admin":false,"status":"active"}}}}"#
            ),
            n = n
        ),
        None => unauthorized(),
    })
}

async fn token_verify(
    State(stub): State<Arc<Stub>>,
    Json(body): Json<TokenBody>,
) -> impl IntoResponse {
    stub.counters.token_verify.fetch_add(1, Ordering::Relaxed);
    stub.wait().await;
    json_body(match user_number(&body.token) {
        Some(n) => format!(
            r#"{{"code":0,"message":"success","data":{{"valid":true,"userId":{n},"username":"user-{n}","expiresAt":4102444800}}}}"#
        ),
        None => r#"{"code":0,"message":"success","data":{"valid":false}}"#.to_owned(),
    })
}

impl Stub {
    async fn wait(&self) {
        if let Some(delay) = self.delay {
            tokio::time::sleep(delay).await;
        }
    }
}

async fn calls(State(stub): State<Arc<Stub>>) -> impl IntoResponse {
    Json(json!({
        "user_info": stub.counters.user_info.load(Ordering::Relaxed),
        "token_verify": stub.counters.token_verify.load(Ordering::Relaxed),
    }))
}

async fn ping() -> impl IntoResponse {
    json_body(r#"{"ok":true}"#.to_owned())
}

fn env_number(name: &str) -> Result<u64, String> {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("{name} must be a whole number, got `{v}`")),
        Err(_) => Ok(0),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let delay_ms = env_number("STUB_DELAY_MS")?;
    let port = u16::try_from(env_number("PORT")?).map_err(|_| "PORT must be a port number")?;
    let stub = Arc::new(Stub {
        counters: Counters::default(),
        delay: (delay_ms > 0).then(|| Duration::from_millis(delay_ms)),
    });
    let app = Router::new()
        .route("/api/sdk/user/info", post(user_info))
        .route("/api/sdk/token/verify", post(token_verify))
        .route("/ping", get(ping))
        .route("/calls", get(calls))
        .with_state(stub);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
