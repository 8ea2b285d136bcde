//! polyauth-axum integration (feature `axum`): the reference middleware's answers.

use std::sync::Arc;

use axum::Json;
use axum::response::IntoResponse;
use polyauth_axum::{AuthLayer, AuthRejection, ErrorResponder, RejectionReason};
use polyauth_core::IdentityProvider;
use serde_json::json;

use crate::PROVIDER;
use crate::stats::StatsCollector;

/// Message of a request without a token (the reference's "未提供认证信息").
pub const MISSING_TOKEN_MESSAGE: &str = "未提供认证信息";

/// An [`ErrorResponder`] answering like the reference middleware: JSON
/// `{"code": <status>, "message": <message>, "data": null}` with the HTTP status of the
/// rejection (401 for a missing or invalid token, 403 for an app-key mismatch or a failed
/// guard, 503 when the auth center is unreachable, 500 otherwise).
///
/// The message is the auth center's own message for its refusals (an invalid token, a
/// foreign app key), "未提供认证信息" for a missing token, and the layer's generic text
/// otherwise; it never holds the token. Unlike the reference (always 401), the status follows
/// the cause.
pub fn error_responder() -> ErrorResponder {
    Arc::new(|rejection: &AuthRejection| {
        let status = rejection.status();
        let message = match (rejection.reason(), rejection.error()) {
            (RejectionReason::MissingToken, _) => MISSING_TOKEN_MESSAGE.to_owned(),
            (RejectionReason::InvalidToken | RejectionReason::Forbidden, Some(e))
                if e.provider() == Some(PROVIDER) =>
            {
                e.message().to_owned()
            }
            _ => rejection.message().to_owned(),
        };
        let body = json!({ "code": status.as_u16(), "message": message, "data": null });
        (status, Json(body)).into_response()
    })
}

/// An [`AuthLayer`] set up like the reference `AuthMiddleware`: the given exact paths and
/// prefixes excluded, [`error_responder`] answers and, when given, every request recorded in
/// `stats`.
///
/// No proxy header is trusted: the client IP (in the request context, the `X-Real-IP` header
/// of outbound calls and the statistics) is the peer address, so a client cannot spoof it
/// with `X-Forwarded-For` or `X-Real-IP` (the reference trusts both blindly). Behind your own
/// reverse proxy, which overwrites these headers, name them on the returned layer:
///
/// ```no_run
/// # fn build(provider: std::sync::Arc<dyn polyauth_core::IdentityProvider>) {
/// let layer = polyauth_aigc::web::auth_layer(provider, &["/health"], &[], None)
///     .trusted_proxy_headers(["x-real-ip", "x-forwarded-for"]);
/// # }
/// ```
///
/// The peer address needs the app served with
/// `into_make_service_with_connect_info::<SocketAddr>()`.
pub fn auth_layer(
    provider: Arc<dyn IdentityProvider>,
    exclude_paths: &[&str],
    exclude_prefixes: &[&str],
    stats: Option<StatsCollector>,
) -> AuthLayer {
    let mut layer = AuthLayer::new(provider).error_responder(error_responder());
    for p in exclude_paths {
        layer = layer.exclude_path(*p);
    }
    for p in exclude_prefixes {
        layer = layer.exclude_prefix(*p);
    }
    if let Some(stats) = stats.filter(StatsCollector::is_enabled) {
        layer = layer.observer(Arc::new(stats));
    }
    layer
}
