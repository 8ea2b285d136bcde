//! The webhook receiver as an axum router (feature `axum`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use super::{
    Rejection, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookHandler, WebhookReceiverConfig,
    verify_webhook_signature, verify_webhook_timestamped,
};

/// Most remembered signatures in the stricter mode's replay guard.
const MAX_SEEN: usize = 100_000;

struct ReceiverState {
    config: WebhookReceiverConfig,
    handler: Arc<dyn WebhookHandler>,
    /// Stricter mode: accepted signatures and their timestamps (Unix seconds).
    seen: Mutex<HashMap<String, u64>>,
}

/// A router serving `POST {prefix}/auth` (the reference's FastAPI receiver; `prefix` such as
/// `/webhook`, or `""`): the raw body's signature is checked, then the JSON payload
/// `{"event", "data"}` is passed to `handler`.
///
/// Answers:
/// - 200 with the handler's JSON as it is;
/// - 401 `{"detail": "Invalid signature"}` for a missing or wrong signature and whenever no
///   secret is configured (fail closed); in the stricter mode also 401 `{"detail": "Invalid
///   or expired timestamp"}` and 401 `{"detail": "Replayed webhook"}`;
/// - 400 `{"detail": "Invalid JSON payload"}` for a body that is not a JSON object with a
///   text `event`;
/// - 500 `{"detail": "Webhook handler failed"}` when the handler returns an error (the
///   error is logged; the reference sends its text back).
pub fn webhook_router(
    prefix: &str,
    config: WebhookReceiverConfig,
    handler: Arc<dyn WebhookHandler>,
) -> Router {
    let path = format!("{}/auth", prefix.trim_end_matches('/'));
    let state = Arc::new(ReceiverState {
        config,
        handler,
        seen: Mutex::new(HashMap::new()),
    });
    Router::new().route(&path, post(receive)).with_state(state)
}

fn detail(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "detail": message }))).into_response()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn check(state: &ReceiverState, headers: &HeaderMap, body: &[u8]) -> Result<(), Rejection> {
    let Some(secret) = state.config.secret.as_ref().filter(|s| !s.is_empty()) else {
        return Err(Rejection::NoSecret);
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let signature = header(SIGNATURE_HEADER).unwrap_or_default();
    let Some(window) = state.config.replay_window else {
        return if verify_webhook_signature(secret, body, signature) {
            Ok(())
        } else {
            Err(Rejection::BadSignature)
        };
    };
    let ts = verify_webhook_timestamped(
        secret,
        body,
        signature,
        header(TIMESTAMP_HEADER),
        SystemTime::now(),
        window,
    )?;
    remember(state, signature, ts, window)
}

/// Accepts a stricter-mode signature once within the window.
fn remember(
    state: &ReceiverState,
    signature: &str,
    ts: u64,
    window: Duration,
) -> Result<(), Rejection> {
    let mut seen = state.seen.lock().unwrap_or_else(|p| p.into_inner());
    let key = signature.trim().to_ascii_lowercase();
    if seen.contains_key(&key) {
        return Err(Rejection::Replayed);
    }
    if seen.len() >= MAX_SEEN {
        let oldest_allowed = now_secs().saturating_sub(window.as_secs());
        seen.retain(|_, t| *t >= oldest_allowed);
        if seen.len() >= MAX_SEEN {
            // Still full of fresh deliveries: refuse rather than forget (fail closed).
            return Err(Rejection::Replayed);
        }
    }
    seen.insert(key, ts);
    Ok(())
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = check(&state, &headers, &body) {
        tracing::warn!(reason = ?r, "AIGC webhook refused");
        return detail(StatusCode::UNAUTHORIZED, r.message());
    }
    let payload: Value = match serde_json::from_slice(&body) {
        Ok(Value::Object(o)) => Value::Object(o),
        _ => return detail(StatusCode::BAD_REQUEST, "Invalid JSON payload"),
    };
    let Some(event) = payload.get("event").and_then(Value::as_str) else {
        return detail(StatusCode::BAD_REQUEST, "Invalid JSON payload");
    };
    let empty = json!({});
    let data = payload
        .get("data")
        .filter(|d| !d.is_null())
        .unwrap_or(&empty);
    match state.handler.handle(event, data).await {
        Ok(result) => (StatusCode::OK, Json(result)).into_response(),
        Err(e) => {
            tracing::error!(event, error = %e.message(), "AIGC webhook handler failed");
            detail(StatusCode::INTERNAL_SERVER_ERROR, "Webhook handler failed")
        }
    }
}
