//! The authentication middleware: [`AuthLayer`] and [`AuthService`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::response::{IntoResponse, Response};
use http::header::USER_AGENT;
use http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode};
use polyauth_core::context;
use polyauth_core::{IdentityProvider, RequestContext};
use tower::{Layer, Service};
use tracing::Instrument as _;

use crate::extract::{CurrentUser, LayerMark};
use crate::observe::{RequestObserver, RequestRecord};
use crate::rejection::{AuthRejection, ErrorResponder, HandlerRejection, LayerResponder};
use crate::request::{self, Credential, TokenSource};

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The tower layer that authenticates requests against an [`IdentityProvider`].
///
/// For every request it builds a [`RequestContext`] (user agent; request id from
/// `X-Request-ID` or 32 random hex digits; trace id from `X-Trace-ID`, else the trace id of a
/// W3C `traceparent`, else the request id; method; path without query; client IP), finds the
/// token (see below) and asks [`IdentityProvider::user_info`] for its user. On success the
/// profile goes into the context and into the request extensions as [`CurrentUser`] (the
/// context goes there too, as `Arc<RequestContext>`), and the inner service runs inside
/// [`polyauth_core::context::scope_shared`], so [`polyauth_core::context::current_user`] works
/// anywhere in the handler's call tree and is gone when the request ends. Every response
/// carries `x-request-id`.
///
/// Tokens are read from `Authorization: Bearer <token>` (scheme case-insensitive, extra spaces
/// tolerated, an empty token counts as missing), then from the sources added with
/// [`token_from_cookie`](AuthLayer::token_from_cookie) and
/// [`token_from_header`](AuthLayer::token_from_header), in the order added. Never from the
/// query string: URLs end up in logs. A request carries at most one token header of each
/// kind: two `Authorization` headers (or two of a configured token header) are refused with
/// 401 `malformed_authorization` rather than one of them being picked.
///
/// Rejections ([`AuthRejection`], JSON `{"code", "error", "message"}` unless an
/// [`error_responder`](AuthLayer::error_responder) is set):
///
/// | case | status | `error` |
/// |---|---|---|
/// | no token (and not [`allow_anonymous`](AuthLayer::allow_anonymous)) | 401 | `missing_token` |
/// | `Authorization` not valid text, not `Bearer`, or a token with spaces inside | 401 | `malformed_authorization` |
/// | more than one `Authorization` header (or configured token header) | 401 | `malformed_authorization` |
/// | provider says `InvalidToken` / `Unauthenticated` | 401 | `invalid_token` |
/// | provider says `PermissionDenied` | 403 | `forbidden` |
/// | provider `Unavailable` / `RateLimited` / `Protocol` | 503 | `provider_unavailable` |
/// | any other provider error | 500 | `internal_error` |
///
/// 401 answers carry `WWW-Authenticate: Bearer` (`Bearer error="invalid_token"` when the
/// provider rejected a token). Rejections are logged with `tracing` (debug for 401/403, warn
/// for 5xx) with the provider's error, never the token.
///
/// Put CORS handling outside this layer: a preflight `OPTIONS` carries no token.
///
/// ```
/// # use std::sync::Arc;
/// # fn provider() -> Arc<dyn polyauth_core::IdentityProvider> { unimplemented!() }
/// # fn build() {
/// use polyauth_axum::AuthLayer;
///
/// let auth = AuthLayer::new(provider())
///     .exclude_path("/health")
///     .exclude_prefix("/public/")
///     .token_from_cookie("session")
///     .trusted_proxy_headers(["x-forwarded-for", "x-real-ip"]);
/// let app: axum::Router = axum::Router::new().layer(auth);
/// # }
/// ```
#[derive(Clone)]
pub struct AuthLayer {
    pub(crate) config: Arc<Config>,
}

#[derive(Clone)]
pub(crate) struct Config {
    provider: Arc<dyn IdentityProvider>,
    exclude_paths: Vec<String>,
    exclude_prefixes: Vec<String>,
    token_sources: Vec<TokenSource>,
    trusted_proxy_headers: Vec<String>,
    allow_anonymous: bool,
    responder: Option<ErrorResponder>,
    observer: Option<Arc<dyn RequestObserver>>,
}

impl AuthLayer {
    /// A layer authenticating every request with `provider`: no exclusions, only the
    /// `Authorization` header, no trusted proxy headers, anonymous requests rejected.
    pub fn new(provider: Arc<dyn IdentityProvider>) -> Self {
        AuthLayer {
            config: Arc::new(Config {
                provider,
                exclude_paths: Vec::new(),
                exclude_prefixes: Vec::new(),
                token_sources: Vec::new(),
                trusted_proxy_headers: Vec::new(),
                allow_anonymous: false,
                responder: None,
                observer: None,
            }),
        }
    }

    fn with(mut self, change: impl FnOnce(&mut Config)) -> Self {
        change(Arc::make_mut(&mut self.config));
        self
    }

    /// Skips authentication for requests whose path is exactly `path` (such as `/health`): the
    /// provider is not called even if a token is present, and the handler runs in a request
    /// context without user.
    ///
    /// Excluded means unverified: there `Option<CurrentUser>` and [`MaybeUser`](crate::MaybeUser)
    /// are `None` whatever the request carries, and [`CurrentUser`] answers 500 (a route that
    /// needs a user must not be excluded). For routes that serve anonymous callers and
    /// signed-in users alike, put them under a layer with
    /// [`allow_anonymous`](AuthLayer::allow_anonymous) instead: a presented token is verified,
    /// a missing one lets the request through without user.
    pub fn exclude_path(self, path: impl Into<String>) -> Self {
        self.with(|c| c.exclude_paths.push(path.into()))
    }

    /// Skips authentication for requests whose path starts with `prefix` (such as
    /// `/public/`), like [`exclude_path`](AuthLayer::exclude_path).
    pub fn exclude_prefix(self, prefix: impl Into<String>) -> Self {
        self.with(|c| c.exclude_prefixes.push(prefix.into()))
    }

    /// Also reads the token from cookie `name` (tried after `Authorization` and earlier
    /// sources).
    pub fn token_from_cookie(self, name: impl Into<String>) -> Self {
        self.with(|c| c.token_sources.push(TokenSource::Cookie(name.into())))
    }

    /// Also reads the token from header `name`, such as `X-Access-Token`, whose whole value
    /// (trimmed) is the token (tried after `Authorization` and earlier sources). A value that
    /// is not valid text is rejected as malformed. A name that is not a valid header name
    /// never matches.
    pub fn token_from_header(self, name: impl Into<String>) -> Self {
        let name = name.into().to_ascii_lowercase();
        self.with(|c| c.token_sources.push(TokenSource::Header(name)))
    }

    /// Takes the client IP from the first of these headers that holds an IP address (for a
    /// list such as `X-Forwarded-For`, its leftmost entry); without one, from the peer address
    /// (`axum::extract::ConnectInfo<SocketAddr>`, present when the app is served with
    /// `into_make_service_with_connect_info::<SocketAddr>()`). Only name headers that your
    /// own proxy sets: clients can send any header. Replaces earlier names.
    pub fn trusted_proxy_headers<I, T>(self, names: I) -> Self
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        let names = names
            .into_iter()
            .map(|n| n.as_ref().to_ascii_lowercase())
            .collect();
        self.with(|c| c.trusted_proxy_headers = names)
    }

    /// Lets requests without any token through, with no user (use [`MaybeUser`](crate::MaybeUser)
    /// or guards downstream). A presented token that is invalid or malformed is still
    /// rejected.
    pub fn allow_anonymous(self) -> Self {
        self.with(|c| c.allow_anonymous = true)
    }

    /// Shapes rejection responses with `responder` instead of the default JSON body. The
    /// responder also shapes the 401 of [`CurrentUser`] and the answers of guards behind this
    /// layer that have none of their own.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use axum::{Json, response::IntoResponse};
    /// use polyauth_axum::{AuthRejection, ErrorResponder};
    ///
    /// let responder: ErrorResponder = Arc::new(|r: &AuthRejection| {
    ///     let body = serde_json::json!({ "code": r.status().as_u16(), "message": r.message(), "data": null });
    ///     (r.status(), Json(body)).into_response()
    /// });
    /// ```
    pub fn error_responder(self, responder: ErrorResponder) -> Self {
        self.with(|c| c.responder = Some(responder))
    }

    /// Calls `observer` once per request, after the response is ready (rejections included).
    /// It runs inline on the request's task: see [`RequestObserver`] for what it must not do.
    ///
    /// With an observer, the layer also copies the request's query parameters and headers
    /// (credentials redacted, sizes capped) for the [`RequestRecord`] before the request goes
    /// to the inner service; without one it copies nothing. Bodies are never captured, so
    /// streaming is untouched: handlers record bodies through their collector directly.
    pub fn observer(self, observer: Arc<dyn RequestObserver>) -> Self {
        self.with(|c| c.observer = Some(observer))
    }
}

impl fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        f.debug_struct("AuthLayer")
            .field("provider", &c.provider.name())
            .field("exclude_paths", &c.exclude_paths)
            .field("exclude_prefixes", &c.exclude_prefixes)
            .field("token_sources", &c.token_sources)
            .field("trusted_proxy_headers", &c.trusted_proxy_headers)
            .field("allow_anonymous", &c.allow_anonymous)
            .field("custom_responder", &c.responder.is_some())
            .field("observer", &c.observer.is_some())
            .finish()
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> AuthService<S> {
        AuthService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service of an [`AuthLayer`]: authenticates the request, then calls `S` inside the
/// request context, or answers with an [`AuthRejection`] without calling `S`.
#[derive(Clone, Debug)]
pub struct AuthService<S> {
    inner: S,
    layer: AuthLayer,
}

impl Config {
    fn is_excluded(&self, path: &str) -> bool {
        self.exclude_paths.iter().any(|p| p == path)
            || self.exclude_prefixes.iter().any(|p| path.starts_with(p))
    }

    pub(crate) fn base_context<B>(&self, req: &Request<B>) -> RequestContext {
        let headers = req.headers();
        let request_id =
            request::header_id(headers, "x-request-id").unwrap_or_else(request::new_request_id);
        let trace_id = request::header_id(headers, "x-trace-id")
            .or_else(|| request::traceparent_trace_id(headers))
            .unwrap_or_else(|| request_id.clone());
        RequestContext {
            user: None,
            token: None,
            client_ip: request::client_ip(headers, req.extensions(), &self.trusted_proxy_headers),
            user_agent: headers
                .get(USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            request_id: Some(request_id),
            trace_id: Some(trace_id),
            method: Some(req.method().as_str().to_owned()),
            path: Some(req.uri().path().to_owned()),
        }
    }

    /// Authenticates the request unless its path is excluded, and leaves the user, the
    /// context and the layer's marks in its extensions; or says why not (with the context,
    /// for the rejection's logs).
    pub(crate) async fn admit<B>(
        &self,
        req: &mut Request<B>,
        mut ctx: Arc<RequestContext>,
    ) -> Result<Arc<RequestContext>, (AuthRejection, Arc<RequestContext>)> {
        let excluded = self.is_excluded(req.uri().path());
        if !excluded && let Err(rejection) = self.authenticate(req.headers(), &mut ctx).await {
            return Err((rejection, ctx));
        }
        let extensions = req.extensions_mut();
        if let Some(user) = &ctx.user {
            extensions.insert(CurrentUser(user.clone()));
        }
        if let Some(responder) = &self.responder {
            extensions.insert(LayerResponder(responder.clone()));
        }
        extensions.insert(LayerMark { excluded });
        extensions.insert(ctx.clone());
        Ok(ctx)
    }

    /// Fills in the user and the token, or says why not.
    async fn authenticate(
        &self,
        headers: &HeaderMap,
        ctx: &mut Arc<RequestContext>,
    ) -> Result<(), AuthRejection> {
        let token = match request::credential(headers, &self.token_sources) {
            Credential::Token(token) => token,
            Credential::Missing if self.allow_anonymous => return Ok(()),
            Credential::Missing => return Err(AuthRejection::missing_token()),
            Credential::Malformed(message) => return Err(AuthRejection::malformed(message)),
        };
        // The provider call runs inside the request's (still userless) context, so a remote
        // provider can forward the trace id and client IP on its own call. The scope holds
        // only a second reference, released when the call returns, so `make_mut` below
        // normally writes in place instead of copying the context.
        let user = context::scope_shared(Arc::clone(ctx), self.provider.user_info(&token)).await?;
        let ctx = Arc::make_mut(ctx);
        ctx.user = Some(user);
        ctx.token = Some(token);
        Ok(())
    }

    /// What an observer gets of the request itself (query and redacted headers); `None`,
    /// without capturing anything, when there is no observer.
    fn capture<B>(&self, req: &Request<B>) -> Option<Captured> {
        self.observer.as_ref()?;
        Some(Captured {
            query: request::captured_query(req.uri().query()),
            headers: request::captured_headers(req.headers(), &self.token_sources),
        })
    }

    fn observe(
        &self,
        ctx: Arc<RequestContext>,
        captured: Option<Captured>,
        status: StatusCode,
        start: Instant,
        error: Option<String>,
    ) {
        let (Some(observer), Some(captured)) = (&self.observer, captured) else {
            return;
        };
        observer.observe(RequestRecord {
            method: ctx.method.clone().unwrap_or_default(),
            path: ctx.path.clone().unwrap_or_default(),
            status: status.as_u16(),
            duration: start.elapsed(),
            user_id: ctx.user.as_ref().map(|u| u.id.clone()),
            error,
            context: ctx,
            query: captured.query,
            headers: captured.headers,
        });
    }

    /// Logs the rejection, renders it, and reports it to the observer.
    fn reject(
        &self,
        rejection: AuthRejection,
        ctx: Arc<RequestContext>,
        captured: Option<Captured>,
        start: Instant,
    ) -> Response {
        log_rejection(&rejection, &ctx);
        let error = observed_error(&rejection);
        let rejection = match &self.responder {
            Some(responder) => rejection.with_responder(responder.clone()),
            None => rejection,
        };
        let mut response = rejection.into_response();
        echo_request_id(&mut response, &ctx);
        self.observe(ctx, captured, response.status(), start, Some(error));
        response
    }
}

/// The parts of the request kept for the observer, taken before the request moves into the
/// inner service. The body is never captured (it would have to be buffered).
struct Captured {
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
}

pub(crate) fn log_rejection(rejection: &AuthRejection, ctx: &RequestContext) {
    let reason = rejection.reason().as_str();
    let error = rejection.error().map(tracing::field::display);
    let method = ctx.method.as_deref();
    let path = ctx.path.as_deref();
    let request_id = ctx.request_id.as_deref();
    // One event, at warn level for a server-side failure (the provider is down) and at
    // debug level for an ordinary client rejection.
    macro_rules! rejected {
        ($level:ident) => {
            tracing::$level!(
                reason,
                error,
                method,
                path,
                request_id,
                "polyauth rejected request"
            )
        };
    }
    if rejection.status().is_server_error() {
        rejected!(warn);
    } else {
        rejected!(debug);
    }
}

fn observed_error(rejection: &AuthRejection) -> String {
    match rejection.error() {
        Some(error) => format!("{}: {error}", rejection.reason()),
        None => format!("{}: {}", rejection.reason(), rejection.message()),
    }
}

impl<S, B> Service<Request<B>> for AuthService<S>
where
    S: Service<Request<B>, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        // The clone may not be ready; keep the one that was polled ready.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let config = self.layer.config.clone();
        let ctx = Arc::new(config.base_context(&req));
        let span = request_span(&ctx);
        Box::pin(
            async move {
                let start = Instant::now();
                let captured = config.capture(&req);
                let ctx = match config.admit(&mut req, ctx).await {
                    Ok(ctx) => ctx,
                    Err((rejection, ctx)) => {
                        return Ok(config.reject(rejection, ctx, captured, start));
                    }
                };
                let result = context::scope_shared(ctx.clone(), inner.call(req)).await;
                match result {
                    Ok(mut response) => {
                        if let Some(responder) = &config.responder {
                            response = reshape_handler_rejection(response, responder);
                        }
                        echo_request_id(&mut response, &ctx);
                        config.observe(ctx, captured, response.status(), start, None);
                        Ok(response)
                    }
                    Err(error) => {
                        let status = StatusCode::INTERNAL_SERVER_ERROR;
                        let what = Some("service_error".to_owned());
                        config.observe(ctx, captured, status, start, what);
                        Err(error)
                    }
                }
            }
            .instrument(span),
        )
    }
}

/// One span per request: the provider calls (`polyauth.verify`, `polyauth.call`, ...) and the
/// handler's own events nest under it, so one request's lines can be followed.
pub(crate) fn request_span(ctx: &RequestContext) -> tracing::Span {
    tracing::debug_span!(
        "polyauth.request",
        request_id = ctx.request_id.as_deref(),
        method = ctx.method.as_deref(),
        path = ctx.path.as_deref(),
    )
}

/// A handler that returned an [`AuthRejection`] (say through `?` on a polyauth error) answered
/// with the default body; with a layer responder, it gets the responder's shape like every
/// other rejection.
fn reshape_handler_rejection(response: Response, responder: &ErrorResponder) -> Response {
    match response.extensions().get::<HandlerRejection>() {
        Some(HandlerRejection(rejection)) => rejection
            .clone()
            .with_responder(responder.clone())
            .into_response(),
        None => response,
    }
}

pub(crate) fn echo_request_id<B>(response: &mut http::Response<B>, ctx: &RequestContext) {
    let value = ctx
        .request_id
        .as_deref()
        .and_then(|id| HeaderValue::from_str(id).ok());
    if let Some(value) = value {
        response.headers_mut().insert(X_REQUEST_ID, value);
    }
}
