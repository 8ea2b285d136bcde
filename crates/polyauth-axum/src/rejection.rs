//! [`AuthRejection`]: why a request was turned away, and how the answer looks.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::header::WWW_AUTHENTICATE;
use http::{Extensions, HeaderValue, StatusCode};
use polyauth_core::Error;

/// Shapes the response for a rejection, replacing the default JSON body.
///
/// Set it with [`AuthLayer::error_responder`](crate::AuthLayer::error_responder) (the layer's
/// responder then also shapes the rejections of [`CurrentUser`](crate::CurrentUser) and of the
/// guards behind it) or per guard with [`RequireLayer::error_responder`](crate::RequireLayer::error_responder).
/// Whatever it returns, a 401 response always gets a `WWW-Authenticate` header if it has none.
/// [`AuthRejection::default_response`] gives the default answer, for responders that only
/// change some cases.
pub type ErrorResponder = Arc<dyn Fn(&AuthRejection) -> Response + Send + Sync>;

/// The short, stable reason of a rejection; its snake_case text is the `error` field of the
/// default body, and it decides the HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectionReason {
    /// No token was presented: 401, `missing_token`.
    MissingToken,
    /// An `Authorization` header (or a configured token header) that is not valid text or not
    /// a `Bearer` credential, or that appears more than once: 401, `malformed_authorization`.
    MalformedAuthorization,
    /// The provider rejected the token (`InvalidToken` or `Unauthenticated`): 401,
    /// `invalid_token`.
    InvalidToken,
    /// The user is known but not allowed (`PermissionDenied`, or a failed role or permission
    /// guard): 403, `forbidden`.
    Forbidden,
    /// The provider could not answer (`Unavailable`, `RateLimited`, `Protocol`): 503,
    /// `provider_unavailable`. Never reported as a bad token.
    ProviderUnavailable,
    /// A handler's polyauth call was given invalid input (`InvalidInput`, `InvalidState`):
    /// 400, `bad_request`. Only from [`AuthError`].
    BadRequest,
    /// A handler's polyauth call found nothing (`NotFound`): 404, `not_found`. Only from
    /// [`AuthError`].
    NotFound,
    /// Any other failure: 500, `internal_error`, with a generic message.
    InternalError,
}

impl RejectionReason {
    /// The snake_case code: `missing_token`, `malformed_authorization`, `invalid_token`,
    /// `forbidden`, `provider_unavailable`, `bad_request`, `not_found` or `internal_error`.
    pub fn as_str(&self) -> &'static str {
        match self {
            RejectionReason::MissingToken => "missing_token",
            RejectionReason::MalformedAuthorization => "malformed_authorization",
            RejectionReason::InvalidToken => "invalid_token",
            RejectionReason::Forbidden => "forbidden",
            RejectionReason::ProviderUnavailable => "provider_unavailable",
            RejectionReason::BadRequest => "bad_request",
            RejectionReason::NotFound => "not_found",
            RejectionReason::InternalError => "internal_error",
        }
    }

    /// The HTTP status: 401, 403, 503, 400, 404 or 500 as listed on the variants.
    pub fn status(&self) -> StatusCode {
        match self {
            RejectionReason::MissingToken
            | RejectionReason::MalformedAuthorization
            | RejectionReason::InvalidToken => StatusCode::UNAUTHORIZED,
            RejectionReason::Forbidden => StatusCode::FORBIDDEN,
            RejectionReason::ProviderUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            RejectionReason::BadRequest => StatusCode::BAD_REQUEST,
            RejectionReason::NotFound => StatusCode::NOT_FOUND,
            RejectionReason::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl fmt::Display for RejectionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the middleware, an extractor or a guard refused a request.
///
/// Carries a [`RejectionReason`] (which fixes the status), a human message that is safe to show
/// to the client (never the token, never provider internals), and the provider's
/// [`Error`] when one caused it (for logs; `Display` of the error is secret-free).
///
/// As a response ([`IntoResponse`]) it answers with the configured [`ErrorResponder`] if any,
/// otherwise with [`default_response`](AuthRejection::default_response):
///
/// ```text
/// HTTP/1.1 401 Unauthorized
/// www-authenticate: Bearer error="invalid_token"
/// content-type: application/json
///
/// {"code":401,"error":"invalid_token","message":"the access token is invalid or expired"}
/// ```
///
/// 401 answers carry `WWW-Authenticate: Bearer`, with `error="invalid_token"` when the
/// reason is [`RejectionReason::InvalidToken`].
#[derive(Clone)]
pub struct AuthRejection {
    reason: RejectionReason,
    message: Cow<'static, str>,
    source: Option<Error>,
    responder: Option<ErrorResponder>,
}

impl AuthRejection {
    /// A rejection with a reason and a client-safe message.
    pub fn new(reason: RejectionReason, message: impl Into<Cow<'static, str>>) -> Self {
        AuthRejection {
            reason,
            message: message.into(),
            source: None,
            responder: None,
        }
    }

    /// 401 `missing_token`: the request carried no token.
    pub fn missing_token() -> Self {
        AuthRejection::new(
            RejectionReason::MissingToken,
            "authentication required: no bearer token was presented",
        )
    }

    /// 401 `malformed_authorization` with a message saying what was malformed.
    pub fn malformed(message: impl Into<Cow<'static, str>>) -> Self {
        AuthRejection::new(RejectionReason::MalformedAuthorization, message)
    }

    /// 403 `forbidden` with a message saying what is required, such as
    /// ``requires role `admin` ``.
    pub fn forbidden(message: impl Into<Cow<'static, str>>) -> Self {
        AuthRejection::new(RejectionReason::Forbidden, message)
    }

    /// The rejection for a provider error, keeping it as the source. The status follows
    /// [`ErrorKind::server_status`](polyauth_core::ErrorKind::server_status), read from the
    /// point of view of a request whose token was being checked: 401/400/404 (bad, malformed,
    /// or ownerless token) → 401 `invalid_token`; 403 → `forbidden`; 503 (`Unavailable`,
    /// `RateLimited`, `Protocol`) → `provider_unavailable`; anything else → 500
    /// `internal_error`. The message is generic: the error's own text is not sent.
    pub fn from_error(error: Error) -> Self {
        let (reason, message) = match error.kind().server_status() {
            400 | 401 | 404 => (
                RejectionReason::InvalidToken,
                "the access token is invalid or expired",
            ),
            403 => (RejectionReason::Forbidden, "access denied"),
            503 => (
                RejectionReason::ProviderUnavailable,
                "the identity provider is unavailable, try again later",
            ),
            _ => (
                RejectionReason::InternalError,
                "authentication failed because of an internal error",
            ),
        };
        AuthRejection {
            source: Some(error),
            ..AuthRejection::new(reason, message)
        }
    }

    /// Answers with `responder` instead of the default body when turned into a response.
    pub fn with_responder(mut self, responder: ErrorResponder) -> Self {
        self.responder = Some(responder);
        self
    }

    /// Uses the responder the [`AuthLayer`](crate::AuthLayer) left in the request extensions,
    /// if there is one and none is set yet.
    pub(crate) fn with_layer_responder(mut self, extensions: &Extensions) -> Self {
        if self.responder.is_none() {
            self.responder = extensions.get::<LayerResponder>().map(|r| r.0.clone());
        }
        self
    }

    /// The reason.
    pub fn reason(&self) -> RejectionReason {
        self.reason
    }

    /// The HTTP status (from the reason).
    pub fn status(&self) -> StatusCode {
        self.reason.status()
    }

    /// The client-safe message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The provider error behind the rejection, if any (for logs, not for clients).
    pub fn error(&self) -> Option<&Error> {
        self.source.as_ref()
    }

    /// The default answer, ignoring any responder: the status, `WWW-Authenticate` on 401, and
    /// the JSON body `{"code": <status>, "error": "<reason>", "message": "<message>"}`.
    pub fn default_response(&self) -> Response {
        let status = self.status();
        let body = serde_json::json!({
            "code": status.as_u16(),
            "error": self.reason.as_str(),
            "message": self.message,
        });
        let mut response = (status, Json(body)).into_response();
        self.add_challenge(&mut response);
        response
    }

    fn add_challenge(&self, response: &mut Response) {
        if response.status() != StatusCode::UNAUTHORIZED
            || response.headers().contains_key(WWW_AUTHENTICATE)
        {
            return;
        }
        let challenge = if self.reason == RejectionReason::InvalidToken {
            HeaderValue::from_static("Bearer error=\"invalid_token\"")
        } else {
            HeaderValue::from_static("Bearer")
        };
        response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(mut self) -> Response {
        // Taken out first, so a responder that renders a clone of the rejection gets the
        // default answer instead of calling itself.
        match self.responder.take() {
            Some(responder) => {
                let mut response = responder(&self);
                self.add_challenge(&mut response);
                response
            }
            None => {
                let mut response = self.default_response();
                response.extensions_mut().insert(HandlerRejection(self));
                response
            }
        }
    }
}

impl From<Error> for AuthRejection {
    fn from(error: Error) -> Self {
        AuthRejection::from_error(error)
    }
}

impl fmt::Debug for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthRejection")
            .field("reason", &self.reason)
            .field("message", &self.message)
            .field("source", &self.source)
            .field("custom_responder", &self.responder.is_some())
            .finish()
    }
}

/// `"{status} {reason}: {message}"`, for example `401 missing_token: authentication required`.
impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status().as_u16(),
            self.reason,
            self.message
        )
    }
}

impl std::error::Error for AuthRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A polyauth [`Error`] returned from a handler, so that `?` works on any polyauth call in an
/// axum handler returning `Result<_, AuthError>`.
///
/// It answers like the layer's rejections (same JSON body, same `WWW-Authenticate` on 401, and
/// the [`AuthLayer`](crate::AuthLayer)'s [`error_responder`](crate::AuthLayer::error_responder)
/// shape when one is set), with the status of
/// [`ErrorKind::server_status`](polyauth_core::ErrorKind::server_status) read from the
/// handler's point of view: 401 `invalid_token`, 403 `forbidden`, 400 `bad_request`, 404
/// `not_found`, 503 `provider_unavailable`, 500 `internal_error`. The message is generic (the
/// error's own text is not sent); 5xx answers are logged at `warn` with the error.
///
/// ```
/// use std::sync::Arc;
/// use axum::{Json, extract::{Path, State}};
/// use polyauth_axum::{AuthError, CurrentUser};
/// use polyauth_core::{IdentityProvider, UserProfile};
///
/// async fn user(
///     State(provider): State<Arc<dyn IdentityProvider>>,
///     _caller: CurrentUser,
///     Path(id): Path<String>,
/// ) -> Result<Json<UserProfile>, AuthError> {
///     Ok(Json(provider.directory()?.get_user(&id).await?))
/// }
/// # let _: axum::Router<Arc<dyn IdentityProvider>> =
/// #     axum::Router::new().route("/users/{id}", axum::routing::get(user));
/// ```
#[derive(Debug)]
pub struct AuthError(pub Error);

impl From<Error> for AuthError {
    fn from(error: Error) -> Self {
        AuthError(error)
    }
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let (reason, message) = match self.0.kind().server_status() {
            401 => (
                RejectionReason::InvalidToken,
                "the credentials are invalid or expired",
            ),
            403 => (RejectionReason::Forbidden, "access denied"),
            400 => (RejectionReason::BadRequest, "the request is invalid"),
            404 => (RejectionReason::NotFound, "not found"),
            503 => (
                RejectionReason::ProviderUnavailable,
                "the identity provider is unavailable, try again later",
            ),
            _ => (
                RejectionReason::InternalError,
                "the request failed because of an internal error",
            ),
        };
        if reason.status().is_server_error() {
            tracing::warn!(error = %self.0, "polyauth call failed in a handler");
        }
        AuthRejection {
            source: Some(self.0),
            ..AuthRejection::new(reason, message)
        }
        .into_response()
    }
}

/// A rendered rejection that had no responder (one a handler returned), left in the response
/// extensions so that the [`AuthLayer`](crate::AuthLayer) can reshape it with its responder.
#[derive(Clone)]
pub(crate) struct HandlerRejection(pub(crate) AuthRejection);

/// The layer's responder, left in the request extensions for extractors and guards.
#[derive(Clone)]
pub(crate) struct LayerResponder(pub(crate) ErrorResponder);
