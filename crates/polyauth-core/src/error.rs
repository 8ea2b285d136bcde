//! The one public error type of polyauth.
//!
//! Every crate of the workspace returns [`Error`]. Backends keep private error enums and convert
//! at their boundary, stamping the provider name and the operation onto the error with
//! [`Error::with_context`], so a log line or an HTTP answer can always say *which* provider call
//! failed and *why*, without ever carrying a token or a token-bearing URL.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// `Result` with polyauth's [`Error`] as the default error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, as a caller needs to react to it.
///
/// The enum is `#[non_exhaustive]`: match with a `_` arm. It is `Copy`; compare with `==`, for
/// example `err.kind() == ErrorKind::NotFound`. The provider's own code travels beside the kind,
/// on any kind: see [`Error::provider_code`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// No credentials were presented, or the presented credentials (a password, a code) are
    /// wrong. HTTP middleware answers 401.
    Unauthenticated,
    /// A token was presented but is malformed, expired, not yet valid, wrongly signed, or was
    /// issued for another audience or issuer. HTTP middleware answers 401. This is the only
    /// error kind a verification cache may remember (briefly).
    InvalidToken,
    /// The caller is known but not allowed to do this (missing role or permission, disabled
    /// user, foreign application key). HTTP middleware answers 403.
    PermissionDenied,
    /// The user, role or other object does not exist.
    NotFound,
    /// The caller's input was rejected before or by the provider (empty field, too many ids,
    /// password too long for encryption, ...).
    InvalidInput,
    /// The provider does not support this operation; the error names provider and operation.
    Unsupported,
    /// The configuration is incomplete or contradictory (missing key, unknown provider, a
    /// provider whose cargo feature is not compiled in, unparsable key material).
    ConfigInvalid,
    /// An OAuth 2.0 `state` is missing, expired, foreign or was already used (replay).
    InvalidState,
    /// The provider answered with a business error of its own that maps to no other kind (an
    /// Authing captcha demand, an AIGC code polyauth does not know). Its code and message are
    /// in [`Error::provider_code`] and [`Error::provider_message`].
    Provider,
    /// The provider asked us to slow down (HTTP 429) or a local bound was reached. Temporary;
    /// the delay the provider asked for, when it sent one, is [`Error::retry_after`].
    RateLimited,
    /// The provider could not be reached or failed (connect error, timeout, HTTP 5xx, a store
    /// that is down). Temporary; HTTP middleware answers 503, never 401.
    Unavailable,
    /// The provider answered, but not in the shape its protocol promises (garbage JSON, a
    /// missing field, an oversized body).
    Protocol,
}

impl ErrorKind {
    /// The kind an HTTP status code stands for, written once for every backend.
    ///
    /// 400 and 422 → `InvalidInput`, 401 → `Unauthenticated`, 403 → `PermissionDenied`,
    /// 404 and 410 → `NotFound`, 429 → `RateLimited`, 5xx → `Unavailable`, any other non-2xx
    /// (408 included) → `Protocol`. A 4xx is never `Unavailable`: the provider answered, and
    /// answered that *this request* is wrong. Callers decide what a 2xx means; every backend
    /// uses this one rule (through [`crate::http::HttpResponse::status_error`]).
    pub fn from_http_status(status: u16) -> ErrorKind {
        match status {
            400 | 422 => ErrorKind::InvalidInput,
            401 => ErrorKind::Unauthenticated,
            403 => ErrorKind::PermissionDenied,
            404 | 410 => ErrorKind::NotFound,
            429 => ErrorKind::RateLimited,
            500..=599 => ErrorKind::Unavailable,
            _ => ErrorKind::Protocol,
        }
    }

    /// The HTTP status a *server* answers its own caller with when a request fails with this
    /// kind, written once for every web integration:
    ///
    /// | kind | status |
    /// |---|---|
    /// | `Unauthenticated`, `InvalidToken` | 401 |
    /// | `PermissionDenied` | 403 |
    /// | `InvalidInput`, `InvalidState` | 400 |
    /// | `NotFound` | 404 |
    /// | `RateLimited`, `Unavailable`, `Protocol` (the provider failed us) | 503 |
    /// | `Unsupported`, `ConfigInvalid`, `Provider`, others | 500 |
    ///
    /// An outage is never reported as 401.
    pub fn server_status(self) -> u16 {
        match self {
            ErrorKind::Unauthenticated | ErrorKind::InvalidToken => 401,
            ErrorKind::PermissionDenied => 403,
            ErrorKind::InvalidInput | ErrorKind::InvalidState => 400,
            ErrorKind::NotFound => 404,
            ErrorKind::RateLimited | ErrorKind::Unavailable | ErrorKind::Protocol => 503,
            _ => 500,
        }
    }

    /// Whether errors of this kind are temporary by default (`RateLimited`, `Unavailable`).
    pub fn is_temporary_by_default(self) -> bool {
        matches!(self, ErrorKind::RateLimited | ErrorKind::Unavailable)
    }

    /// Whether the kind says the *token or credentials* are bad (`Unauthenticated` or
    /// `InvalidToken`), as opposed to an outage or a refusal.
    pub fn is_auth_failure(self) -> bool {
        matches!(self, ErrorKind::Unauthenticated | ErrorKind::InvalidToken)
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::InvalidToken => "invalid token",
            ErrorKind::PermissionDenied => "permission denied",
            ErrorKind::NotFound => "not found",
            ErrorKind::InvalidInput => "invalid input",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::ConfigInvalid => "invalid configuration",
            ErrorKind::InvalidState => "invalid state",
            ErrorKind::Provider => "provider error",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Protocol => "protocol error",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// polyauth's error: a [`ErrorKind`], a message describing this layer, optional provider and
/// operation context, the provider's own error code and message when it answered with one, an
/// optional HTTP status seen upstream, a `Retry-After` delay, a temporary flag and a source chain.
///
/// An application can match on the kind and the provider's exact code together:
///
/// ```
/// use polyauth_core::{Error, ErrorKind};
///
/// let err = Error::new(ErrorKind::NotFound, "user not found")
///     .with_provider_code("2004", "用户不存在")
///     .with_context("authing", "login_by_username");
/// let what = match (err.kind(), err.provider_code()) {
///     (ErrorKind::NotFound, Some("2004")) => "no such Authing user",
///     (ErrorKind::NotFound, _) => "not found",
///     _ => "other",
/// };
/// assert_eq!(what, "no such Authing user");
/// assert_eq!(err.provider_message(), Some("用户不存在"));
/// ```
///
/// `Display` prints `"{provider} {operation}: {kind}: {message}"` (context parts only when set)
/// and never the source; walk [`std::error::Error::source`] for causes. Cloning is cheap (the
/// source is shared), which lets single-flight caches hand one failure to every waiter.
#[derive(Clone)]
pub struct Error(Box<Inner>);

/// Boxed so `Result<T, Error>` stays one pointer wide on the success path.
#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    message: Cow<'static, str>,
    provider: Option<&'static str>,
    operation: Option<&'static str>,
    status: Option<u16>,
    provider_code: Option<Box<str>>,
    provider_message: Option<Box<str>>,
    retry_after: Option<Duration>,
    temporary: bool,
    source: Option<Arc<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind` with a message describing what this layer was doing. The temporary
    /// flag starts as [`ErrorKind::is_temporary_by_default`].
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        let temporary = kind.is_temporary_by_default();
        Error(Box::new(Inner {
            kind,
            message: message.into(),
            provider: None,
            operation: None,
            status: None,
            provider_code: None,
            provider_message: None,
            retry_after: None,
            temporary,
            source: None,
        }))
    }

    /// `ErrorKind::Unsupported` naming the provider and the operation, for example
    /// `Error::unsupported("aigc", "login")`.
    pub fn unsupported(provider: &'static str, operation: &'static str) -> Self {
        Error::new(
            ErrorKind::Unsupported,
            format!("provider `{provider}` does not support `{operation}`"),
        )
        .with_context(provider, operation)
    }

    /// `ErrorKind::Provider` for a business error that maps to no other kind, carrying the
    /// provider's own code and message (read back with [`Error::provider_code`] and
    /// [`Error::provider_message`]).
    pub fn provider_error(code: impl Into<String>, message: impl Into<String>) -> Self {
        let (code, message) = (code.into(), message.into());
        let text = format!("provider answered {code}: {message}");
        Error::new(ErrorKind::Provider, text).with_provider_code(code, message)
    }

    /// An OAuth 2.0 error answer (RFC 6749 §4.1.2.1 and §5.2: `error`, `error_description`)
    /// as a typed error, the one mapping every login-capable backend uses. The HTTP status
    /// of the answer (recorded as [`Error::status`]) decides first (5xx → `Unavailable`, 429 →
    /// `RateLimited`), then the code: `invalid_grant`, `invalid_token` → `InvalidToken`
    /// (the code or refresh token is used, expired or revoked: log in again); `invalid_client`,
    /// `unauthorized_client` → `ConfigInvalid` (our client credentials or registration are
    /// wrong); `server_error`, `temporarily_unavailable` → `Unavailable`; `access_denied` →
    /// `PermissionDenied`; anything else → `Provider`. The message names the code; the code and
    /// the description are kept as [`Error::provider_code`] / [`Error::provider_message`].
    pub fn from_oauth_error(code: &str, description: &str, status: u16) -> Self {
        let by_status = match ErrorKind::from_http_status(status) {
            k @ (ErrorKind::Unavailable | ErrorKind::RateLimited) => Some(k),
            _ => None,
        };
        let kind = by_status.or(match code {
            "invalid_grant" | "invalid_token" => Some(ErrorKind::InvalidToken),
            "invalid_client" | "unauthorized_client" => Some(ErrorKind::ConfigInvalid),
            "server_error" | "temporarily_unavailable" => Some(ErrorKind::Unavailable),
            "access_denied" => Some(ErrorKind::PermissionDenied),
            _ => None,
        });
        let detail = if description.is_empty() {
            String::new()
        } else {
            format!(": {description}")
        };
        let error = match kind {
            Some(ErrorKind::ConfigInvalid) => Error::config(format!(
                "the authorization server answered {code}{detail} (check the client id, the \
                 client secret and the client's registration)"
            )),
            Some(kind) => Error::new(
                kind,
                format!("the authorization server answered {code}{detail}"),
            ),
            None => Error::new(
                ErrorKind::Provider,
                format!("the authorization server answered {code}{detail}"),
            ),
        };
        error
            .with_provider_code(code, description)
            .with_status(status)
    }

    /// `ErrorKind::ConfigInvalid` with a message.
    pub fn config(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::ConfigInvalid, message)
    }

    /// `ErrorKind::InvalidToken` with a message (never put the token itself in it).
    pub fn invalid_token(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::InvalidToken, message)
    }

    /// `ErrorKind::InvalidInput` with a message.
    pub fn invalid_input(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::InvalidInput, message)
    }

    /// `ErrorKind::Unavailable` (temporary) with a message.
    pub fn unavailable(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::Unavailable, message)
    }

    /// `ErrorKind::Protocol` with a message.
    pub fn protocol(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::Protocol, message)
    }

    /// Stamps the provider name (`"aigc"`, `"authing"`, ...) and the operation (`"verify_token"`)
    /// onto the error. Context already set is kept: the innermost layer knows best.
    pub fn with_context(mut self, provider: &'static str, operation: &'static str) -> Self {
        self.0.provider.get_or_insert(provider);
        self.0.operation.get_or_insert(operation);
        self
    }

    /// Attaches the cause. Make sure the cause carries no secret or token-bearing URL (for
    /// reqwest errors, use `without_url()` first; the shared HTTP plumbing does).
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.0.source = Some(Arc::new(source));
        self
    }

    /// Records the HTTP status the provider answered with.
    pub fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    /// Records the provider's own error code and message (AIGC envelope `code`, Authing
    /// GraphQL/REST `code`, an OAuth `error` with its `error_description`), whatever the kind the
    /// backend mapped them to. The message is the provider's text as it was sent; it is never a
    /// token or a secret.
    pub fn with_provider_code(
        mut self,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        self.0.provider_code = Some(code.into().into_boxed_str());
        self.0.provider_message = Some(message.into().into_boxed_str());
        self
    }

    /// Records the delay the provider asked for before a retry (its `Retry-After` header).
    pub fn with_retry_after(mut self, delay: Duration) -> Self {
        self.0.retry_after = Some(delay);
        self
    }

    /// Overrides the temporary flag (whether retrying the same call later may succeed).
    pub fn set_temporary(mut self, temporary: bool) -> Self {
        self.0.temporary = temporary;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The message of this layer (without provider/operation prefix and without the source).
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The provider the failed call went to, when known.
    pub fn provider(&self) -> Option<&'static str> {
        self.0.provider
    }

    /// The operation that failed (`"verify_token"`, `"login_by_email"`), when known.
    pub fn operation(&self) -> Option<&'static str> {
        self.0.operation
    }

    /// The HTTP status the provider answered with, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// Whether retrying the same call later may succeed.
    pub fn is_temporary(&self) -> bool {
        self.0.temporary
    }

    /// The provider's own error code, as text (`"2004"` from Authing, `"40401"` from the AIGC
    /// auth center, `"invalid_grant"` from an OAuth token endpoint), on any kind, when the
    /// provider answered with one.
    pub fn provider_code(&self) -> Option<&str> {
        self.0.provider_code.as_deref()
    }

    /// The provider's own message that came with [`Error::provider_code`], verbatim.
    pub fn provider_message(&self) -> Option<&str> {
        self.0.provider_message.as_deref()
    }

    /// The delay the provider asked for before a retry (HTTP `Retry-After`, as delta-seconds or
    /// an HTTP date), when it sent one. Usually set on `RateLimited` and `Unavailable` errors.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.0.kind)
            .field("message", &self.0.message);
        if let Some(p) = self.0.provider {
            d.field("provider", &p);
        }
        if let Some(o) = self.0.operation {
            d.field("operation", &o);
        }
        if let Some(s) = self.0.status {
            d.field("status", &s);
        }
        if let Some(c) = &self.0.provider_code {
            d.field("provider_code", c);
        }
        if let Some(m) = &self.0.provider_message {
            d.field("provider_message", m);
        }
        if let Some(r) = self.0.retry_after {
            d.field("retry_after", &r);
        }
        d.field("temporary", &self.0.temporary);
        if let Some(s) = &self.0.source {
            d.field("source", s);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.provider, self.0.operation) {
            (Some(p), Some(o)) => write!(f, "{p} {o}: ")?,
            (Some(p), None) => write!(f, "{p}: ")?,
            (None, Some(o)) => write!(f, "{o}: ")?,
            (None, None) => {}
        }
        if self.0.kind == ErrorKind::Provider {
            // The message already names the provider's code.
            f.write_str(&self.0.message)
        } else {
            write!(f, "{}: {}", self.0.kind.label(), self.0.message)
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_mapping_is_total_and_stable() {
        assert_eq!(ErrorKind::from_http_status(401), ErrorKind::Unauthenticated);
        assert_eq!(
            ErrorKind::from_http_status(403),
            ErrorKind::PermissionDenied
        );
        assert_eq!(ErrorKind::from_http_status(404), ErrorKind::NotFound);
        assert_eq!(ErrorKind::from_http_status(429), ErrorKind::RateLimited);
        assert_eq!(ErrorKind::from_http_status(503), ErrorKind::Unavailable);
        assert_eq!(ErrorKind::from_http_status(400), ErrorKind::InvalidInput);
        assert_eq!(ErrorKind::from_http_status(302), ErrorKind::Protocol);
    }

    #[test]
    fn server_status_never_turns_an_outage_into_401() {
        assert_eq!(ErrorKind::Unavailable.server_status(), 503);
        assert_eq!(ErrorKind::Protocol.server_status(), 503);
        assert_eq!(ErrorKind::InvalidToken.server_status(), 401);
        assert_eq!(ErrorKind::PermissionDenied.server_status(), 403);
        assert_eq!(ErrorKind::Provider.server_status(), 500);
        assert_eq!(ErrorKind::from_http_status(408), ErrorKind::Protocol);
        for status in 400..500 {
            assert_ne!(
                ErrorKind::from_http_status(status),
                ErrorKind::Unavailable,
                "{status}"
            );
        }
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn display_names_context_and_hides_source() {
        let io = std::io::Error::other("socket reset");
        let e = Error::unavailable("request failed")
            .with_source(io)
            .with_context("aigc", "verify_token");
        assert_eq!(
            e.to_string(),
            "aigc verify_token: unavailable: request failed"
        );
        assert!(e.is_temporary());
        let src = std::error::Error::source(&e).map(|s| s.to_string());
        assert_eq!(src.as_deref(), Some("socket reset"));
    }

    #[test]
    fn inner_context_wins() {
        let e = Error::invalid_token("expired")
            .with_context("jwt", "verify")
            .with_context("facade", "user_info");
        assert_eq!(e.provider(), Some("jwt"));
        assert_eq!(e.operation(), Some("verify"));
    }

    #[test]
    fn provider_errors_keep_code_and_message() {
        let e = Error::provider_error("2004", "用户不存在").with_context("authing", "login");
        assert_eq!(e.kind(), ErrorKind::Provider);
        assert_eq!(e.provider_code(), Some("2004"));
        assert_eq!(e.provider_message(), Some("用户不存在"));
        assert!(!e.is_temporary());
        assert_eq!(
            e.to_string(),
            "authing login: provider answered 2004: 用户不存在"
        );
    }

    #[test]
    fn a_mapped_kind_keeps_the_provider_code() {
        let e = Error::new(ErrorKind::NotFound, "no such user")
            .with_provider_code("2004", "用户不存在")
            .with_retry_after(Duration::from_secs(3));
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert_eq!(e.provider_code(), Some("2004"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(e.to_string(), "not found: no such user");
        let debug = format!("{e:?}");
        assert!(debug.contains("provider_code: \"2004\""), "{debug}");
    }

    #[test]
    fn oauth_errors_are_typed_and_keep_their_code() {
        let e = Error::from_oauth_error("invalid_grant", "code used", 400);
        assert_eq!(e.kind(), ErrorKind::InvalidToken);
        assert_eq!(e.provider_code(), Some("invalid_grant"));
        assert_eq!(e.provider_message(), Some("code used"));
        assert_eq!(e.status(), Some(400));
        let e = Error::from_oauth_error("invalid_client", "", 401);
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
        let e = Error::from_oauth_error("invalid_grant", "", 503);
        assert_eq!(e.kind(), ErrorKind::Unavailable);
        assert!(e.is_temporary());
        let e = Error::from_oauth_error("slow_down", "", 200);
        assert_eq!((e.kind(), e.status()), (ErrorKind::Provider, Some(200)));
    }

    #[test]
    fn unsupported_names_provider_and_operation() {
        let e = Error::unsupported("aigc", "login");
        assert_eq!(e.kind(), ErrorKind::Unsupported);
        assert!(e.to_string().contains("aigc"));
        assert!(e.to_string().contains("login"));
    }
}
