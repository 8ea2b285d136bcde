//! The webhook receiver as an axum router (feature `axum`).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use polyauth_core::{MemoryStateStore, StateStore};
use serde_json::{Value, json};

use super::{
    Rejection, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookHandler, WebhookReceiverConfig,
    verify_webhook_signature, verify_webhook_timestamped,
};

/// Most remembered signatures in the stricter mode's in-process replay guard.
const MAX_SEEN: u64 = 100_000;

/// The replay guard's keys in a (possibly shared) state store: `aigc-webhook:<signature>`.
const SEEN_KEY_PREFIX: &str = "aigc-webhook:";

struct ReceiverState {
    config: WebhookReceiverConfig,
    handler: Arc<dyn WebhookHandler>,
    /// Stricter mode: signatures accepted within the replay window (a one-time store:
    /// insert-if-absent with a TTL). The in-process default is bounded; evicting an old entry
    /// early cannot be abused: only holders of the secret can produce signatures to flood it
    /// with.
    seen: Arc<dyn StateStore>,
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
    let seen = config
        .replay_store
        .clone()
        .unwrap_or_else(|| Arc::new(MemoryStateStore::new(MAX_SEEN)));
    let state = Arc::new(ReceiverState {
        config,
        handler,
        seen,
    });
    Router::new().route(&path, post(receive)).with_state(state)
}

fn detail(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "detail": message }))).into_response()
}

async fn check(state: &ReceiverState, headers: &HeaderMap, body: &[u8]) -> Result<(), Rejection> {
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
    verify_webhook_timestamped(
        secret,
        body,
        signature,
        header(TIMESTAMP_HEADER),
        SystemTime::now(),
        window,
    )?;
    remember(state, signature, window).await
}

/// Accepts a stricter-mode signature once: remembered for twice the window (the timestamp
/// may sit up to one window on either side of now), refused when seen again. Any store
/// failure refuses the delivery (fail closed).
async fn remember(
    state: &ReceiverState,
    signature: &str,
    window: Duration,
) -> Result<(), Rejection> {
    let key = format!("{SEEN_KEY_PREFIX}{signature}");
    let ttl = window.saturating_mul(2).max(Duration::from_secs(1));
    state
        .seen
        .put(&key, "", ttl)
        .await
        .map_err(|_| Rejection::Replayed)
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = check(&state, &headers, &body).await {
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
