//! Outbound requests on behalf of the current request (the reference's `auth_request.py`):
//! calls to other services that carry the request's identity headers and, to allow-listed
//! origins, the app credentials and the caller's token.
//!
//! The reference has two kinds of helper, and so does this module:
//!
//! | reference | sends | here |
//! |---|---|---|
//! | `auth_request`, `auth_request_get`, `auth_request_post`, `async_auth_httpx_request*` | `x-real-ip`, `user-agent`, `X-Trace-ID` | [`OutboundConfig::identity_only`], or [`OutboundRequest::identity_only`] per request |
//! | `AuthSession`, `AsyncAuthClient` | the same, plus `X-App-ID`, `X-App-Secret`, `Authorization: Bearer` | [`OutboundConfig::for_client`] (credentials to allow-listed origins only) |
//!
//! Unlike the reference, credentials (`X-App-ID`, `X-App-Secret`, `Authorization`) go only to
//! allow-listed **origins** (scheme, host and port) and never over plain `http` except to a
//! loopback host; requests go through polyauth-core's [`HttpClient`] (its connect and request
//! timeouts, response-size cap, no redirects followed, since a redirect would carry the
//! credentials elsewhere, and its transport-error mapping); and nothing is logged with its
//! headers.

use std::fmt;
use std::time::{Duration, Instant};

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use polyauth_core::http::{
    HttpClient, HttpConfig, HttpResponse, Idempotency, RetryPolicy, bearer_header,
};
use polyauth_core::{ClientSecret, Error, Result, context};
use serde_json::{Map, Value};
use url::Url;

use crate::PROVIDER;
use crate::config::AigcConfig;
use crate::stats::{ApiStat, REDACTED, StatsCollector};

mod origin;
use origin::{OriginPattern, credentials_allowed, is_loopback};

/// Default timeout of an outbound request: 30 s (the reference has none).
pub const DEFAULT_OUTBOUND_TIMEOUT: Duration = Duration::from_secs(30);

/// Default cap of an outbound answer's body: 16 MiB.
const DEFAULT_OUTBOUND_MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// The operation name stamped on outbound errors.
const OPERATION: &str = "outbound_request";

/// Settings of an [`AuthRequestClient`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OutboundConfig {
    /// The application id (`X-App-ID`); empty for an identity-only client.
    pub app_id: String,
    /// The application secret (`X-App-Secret`); empty for an identity-only client.
    pub app_secret: ClientSecret,
    /// Origins that receive credentials: `scheme://host[:port]` (`https://api.example.com`
    /// means port 443 only; host case-insensitive), or `scheme://*.domain[:port]` for any
    /// subdomain of `domain` with that same scheme and port. A request receives credentials
    /// only when its scheme, host and port (explicit or default) match an entry, and never
    /// over plain `http` unless the host is a loopback address or `localhost`. Other requests
    /// get the identity headers only.
    pub allowed_origins: Vec<String>,
    /// Timeout of one request (also caps the connect timeout, 5 s by default). Default
    /// [`DEFAULT_OUTBOUND_TIMEOUT`].
    pub timeout: Duration,
    /// Largest answer body accepted, in bytes; a bigger one is a `Protocol` error. Default
    /// 16 MiB.
    pub max_response_bytes: usize,
    /// Whether the client never sends credentials, whatever the target (the reference's plain
    /// `auth_request`): every request carries the identity headers only. Such a client has
    /// no allow-list. Default `false`; see [`identity_only`](Self::identity_only).
    pub identity_only: bool,
}

impl OutboundConfig {
    /// The app credentials of `config`, with the auth center's own origin (scheme, host and
    /// port of its base URL) as the only allowed origin, when it can receive credentials: an
    /// `http` base URL on a host that is not loopback is left out (credentials never travel
    /// in clear text).
    pub fn for_client(config: &AigcConfig) -> Self {
        let base = &config.base_url;
        let origin = (base.scheme() == "https" || is_loopback(base))
            .then(|| base.origin().ascii_serialization());
        OutboundConfig {
            app_id: config.app_id.clone(),
            app_secret: config.app_secret.clone(),
            allowed_origins: origin.into_iter().collect(),
            timeout: DEFAULT_OUTBOUND_TIMEOUT,
            max_response_bytes: DEFAULT_OUTBOUND_MAX_RESPONSE_BYTES,
            identity_only: false,
        }
    }

    /// A client configuration that sends only the identity headers (`x-real-ip`,
    /// `user-agent`, `X-Trace-ID`, from the request context) and never a credential: the
    /// reference's plain `auth_request` / `auth_request_get` / `auth_request_post`, for
    /// calls to third-party services. It needs no app credentials and has no allow-list
    /// (adding an origin makes [`AuthRequestClient::new`] refuse it).
    pub fn identity_only() -> Self {
        OutboundConfig {
            app_id: String::new(),
            app_secret: ClientSecret::new(""),
            allowed_origins: Vec::new(),
            timeout: DEFAULT_OUTBOUND_TIMEOUT,
            max_response_bytes: DEFAULT_OUTBOUND_MAX_RESPONSE_BYTES,
            identity_only: true,
        }
    }

    /// Adds an origin (`https://api.example.com`, `https://api.example.com:8443`,
    /// `https://*.example.com`) to the allow-list.
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// Sets the default timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the response-body cap in bytes.
    pub fn with_max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Whether a request to `url` may receive credentials: the client is not identity-only,
    /// the URL's origin matches an entry of [`allowed_origins`](Self::allowed_origins)
    /// (entries that do not parse match nothing), and it is `https` or goes to a loopback
    /// host.
    pub fn is_allowed(&self, url: &Url) -> bool {
        !self.identity_only
            && credentials_allowed(
                &self
                    .allowed_origins
                    .iter()
                    .filter_map(|e| OriginPattern::parse(e))
                    .collect::<Vec<_>>(),
                url,
            )
    }
}

/// `scheme://host[:port]/path` of `url`: no user info, query or fragment.
fn display_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

/// The app credential header values.
#[derive(Clone)]
struct Credentials {
    app_id: HeaderValue,
    secret: HeaderValue,
}

/// A header the client adds: its name as the reference spells it (kept in the statistics
/// record, as the reference's headers dict has it), the wire name and the value.
struct Injected {
    shown: &'static str,
    name: HeaderName,
    value: HeaderValue,
}

/// A client for calls to other services on behalf of the current request, over
/// polyauth-core's [`HttpClient`] (shared timeouts, body cap, no redirects, error mapping).
///
/// Every request gets, from the request context ([`crate::context`]), `x-real-ip` (client IP),
/// `user-agent` (the caller's) and `X-Trace-ID`; requests to allowed origins (see
/// [`OutboundConfig::allowed_origins`]) also get `X-App-ID`, `X-App-Secret` and
/// `Authorization: Bearer <current token>`, unless the client or the request is
/// identity-only ([`OutboundConfig::identity_only`], [`OutboundRequest::identity_only`]).
/// These overwrite headers of the same name set by the caller. With a [`StatsCollector`],
/// each call made for an authenticated user is recorded (`scheme://host/path`, method,
/// status, duration, error, and `request_params` in the reference's shape: `query_params`
/// and `headers` as given, then `request_body` for a non-empty JSON body or `form_params` for
/// a form; redacted when recorded).
///
/// ```no_run
/// use polyauth_aigc::{AigcConfig, AuthRequestClient, OutboundConfig};
/// # async fn run(config: AigcConfig) -> polyauth_core::Result<()> {
/// let client = AuthRequestClient::new(
///     OutboundConfig::for_client(&config).allow_origin("https://billing.internal.example.com"),
/// )?;
/// let response = client
///     .post("https://billing.internal.example.com/api/charge")?
///     .json(serde_json::json!({ "amount": 3 }))
///     .send()
///     .await?;
/// assert!(response.is_success());
///
/// // A third-party service: identity headers only (the reference's plain `auth_request`).
/// let third_party = AuthRequestClient::new(OutboundConfig::identity_only())?;
/// let response = third_party
///     .post("https://forms.example.org/submit")?
///     .form(&[("field1", "value1"), ("field2", "value2")])
///     .send()
///     .await?;
/// # let _ = response;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AuthRequestClient {
    http: HttpClient,
    config: OutboundConfig,
    origins: Vec<OriginPattern>,
    credentials: Option<Credentials>,
    stats: Option<StatsCollector>,
}

impl fmt::Debug for AuthRequestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthRequestClient")
            .field("allowed_origins", &self.config.allowed_origins)
            .field("identity_only", &self.config.identity_only)
            .field("timeout", &self.config.timeout)
            .field("stats", &self.stats.is_some())
            .finish()
    }
}

impl AuthRequestClient {
    /// A client. Errors: `ConfigInvalid` when an allow-list entry is not an origin, or is a
    /// plain-`http` origin on a host that is not loopback (credentials would travel in clear
    /// text), when an identity-only configuration has an allow-list, when the credentials
    /// cannot be sent as headers, or when the HTTP client cannot be built.
    pub fn new(config: OutboundConfig) -> Result<Self> {
        if config.identity_only && !config.allowed_origins.is_empty() {
            return Err(Error::config(
                "an identity-only outbound client sends no credentials: it takes no allow-list",
            ));
        }
        let mut origins = Vec::with_capacity(config.allowed_origins.len());
        for entry in &config.allowed_origins {
            let pattern = OriginPattern::parse(entry).ok_or_else(|| {
                Error::config(format!(
                    "the outbound allow-list entry `{entry}` is not an origin \
                     (expected https://host[:port] or https://*.domain[:port])"
                ))
            })?;
            if !pattern.can_carry_credentials() {
                return Err(Error::config(format!(
                    "the outbound allow-list entry `{entry}` is plain http to a host that is not \
                     loopback: credentials are never sent in clear text (use https)"
                )));
            }
            origins.push(pattern);
        }
        let defaults = HttpConfig::default();
        let http = HttpClient::new(
            PROVIDER,
            HttpConfig {
                connect_timeout: config.timeout.min(defaults.connect_timeout),
                timeout: config.timeout,
                max_response_bytes: config.max_response_bytes,
                retry: RetryPolicy::none(),
                ..defaults
            },
        )?;
        let credentials = if config.identity_only {
            None
        } else {
            let (app_id, secret) =
                crate::client::credential_headers(&config.app_id, &config.app_secret)?;
            Some(Credentials { app_id, secret })
        };
        Ok(AuthRequestClient {
            http,
            config,
            origins,
            credentials,
            stats: None,
        })
    }

    /// Records calls in `stats`.
    pub fn with_stats(mut self, stats: StatsCollector) -> Self {
        self.stats = Some(stats);
        self
    }

    /// The settings.
    pub fn config(&self) -> &OutboundConfig {
        &self.config
    }

    /// A request. Errors: `InvalidInput` for a URL that does not parse or is not http(s).
    pub fn request(&self, method: Method, url: &str) -> Result<OutboundRequest<'_>> {
        let url = Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| {
                Error::invalid_input("the outbound URL is not an absolute http(s) URL")
            })?;
        Ok(OutboundRequest {
            client: self,
            method,
            url,
            headers: HeaderMap::new(),
            query: Vec::new(),
            body: None,
            timeout: None,
            identity_only: false,
        })
    }

    /// A GET request. Errors: as [`request`](Self::request).
    pub fn get(&self, url: &str) -> Result<OutboundRequest<'_>> {
        self.request(Method::GET, url)
    }

    /// A POST request. Errors: as [`request`](Self::request).
    pub fn post(&self, url: &str) -> Result<OutboundRequest<'_>> {
        self.request(Method::POST, url)
    }

    /// The headers added to a request to `url` from the current context, in the order the
    /// reference adds them: the credentials (when `credentials` and the origin is allowed),
    /// then `x-real-ip`, `user-agent`, `X-Trace-ID`.
    fn injected(&self, url: &Url, credentials: bool) -> Result<Vec<Injected>> {
        let mut out = Vec::new();
        let ctx = context::current();
        let ctx = ctx.as_deref();
        let mut add = |shown: &'static str, name: &'static str, value: HeaderValue| {
            let name = HeaderName::from_static(name);
            out.push(Injected { shown, name, value });
        };
        if credentials
            && let Some(creds) = &self.credentials
            && credentials_allowed(&self.origins, url)
        {
            add("X-App-ID", "x-app-id", creds.app_id.clone());
            add("X-App-Secret", "x-app-secret", creds.secret.clone());
            if let Some(token) = ctx.and_then(|c| c.token.as_ref()) {
                add("Authorization", "authorization", bearer_header(token)?);
            }
        }
        let text = |v: &Option<String>| v.as_deref().and_then(|s| HeaderValue::from_str(s).ok());
        if let Some(ctx) = ctx {
            if let Some(v) = text(&ctx.client_ip) {
                add("x-real-ip", "x-real-ip", v);
            }
            if let Some(v) = text(&ctx.user_agent) {
                add("user-agent", "user-agent", v);
            }
            if let Some(v) = text(&ctx.trace_id) {
                add("X-Trace-ID", "x-trace-id", v);
            }
        }
        Ok(out)
    }
}

/// A request body.
#[derive(Clone)]
enum Body {
    Json(Value),
    Form(Vec<(String, Value)>),
}

/// Name-value pairs as given (`&str`, numbers, booleans, lists...).
fn pairs<V: Into<Value> + Clone>(pairs: &[(&str, V)]) -> Vec<(String, Value)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone().into()))
        .collect()
}

/// The pairs as text, the way `requests` encodes a `params` or `data` dict: text as it is,
/// numbers printed (`1`, `2.5`), each element of a list as a repeated name, `null` left out;
/// booleans as `true` / `false` (Python would print `True` / `False`), objects as JSON.
fn encoded(pairs: &[(String, Value)]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, value) in pairs {
        let values = match value {
            Value::Array(items) => items.as_slice(),
            single => std::slice::from_ref(single),
        };
        for v in values {
            let text = match v {
                Value::Null => continue,
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.push((name.clone(), text));
        }
    }
    out
}

/// Whether Python would take `value` as true (`if json_data:`): not null, `false`, `0`, `""`,
/// `[]` or `{}`.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A request being built by [`AuthRequestClient`]; [`send`](OutboundRequest::send) it.
///
/// `Debug` shows the method, the URL without user info or query, and the header and query
/// names, never their values or the body.
pub struct OutboundRequest<'c> {
    client: &'c AuthRequestClient,
    method: Method,
    url: Url,
    headers: HeaderMap,
    query: Vec<(String, Value)>,
    body: Option<Body>,
    timeout: Option<Duration>,
    identity_only: bool,
}

impl fmt::Debug for OutboundRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        let query_names: Vec<&str> = self.query.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("OutboundRequest")
            .field("method", &self.method)
            .field("url", &display_url(&self.url))
            .field("headers", &header_names)
            .field("query", &query_names)
            .field("body", &self.body.as_ref().map(|_| REDACTED))
            .field("timeout", &self.timeout)
            .field("identity_only", &self.identity_only)
            .finish_non_exhaustive()
    }
}

impl OutboundRequest<'_> {
    /// Adds a header (the injected ones win).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Adds query parameters: text, or any JSON value (`&[("page", 1)]`). Numbers are sent
    /// printed (`page=1`), each element of a list as a repeated parameter, `null` not at all,
    /// as `requests` does with a `params` dict (booleans are sent `true` / `false`, where
    /// Python prints `True` / `False`); the statistics record keeps the values as given
    /// (`{"page": 1}`), as the reference does.
    pub fn query<V: Into<Value> + Clone>(mut self, pairs: &[(&str, V)]) -> Self {
        self.query.extend(self::pairs(pairs));
        self
    }

    /// Sets a JSON body (`Content-Type: application/json`), replacing a form body.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(Body::Json(body));
        self
    }

    /// Sets a form body (`application/x-www-form-urlencoded`, the reference's
    /// `data={...}`), replacing a JSON body; values are encoded as
    /// [`query`](Self::query)'s. The statistics record keeps them under `form_params`.
    pub fn form<V: Into<Value> + Clone>(mut self, pairs: &[(&str, V)]) -> Self {
        self.body = Some(Body::Form(self::pairs(pairs)));
        self
    }

    /// Overrides the timeout for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends this request with the identity headers only (`x-real-ip`, `user-agent`,
    /// `X-Trace-ID`), even to an allow-listed origin: the reference's plain `auth_request`,
    /// from a client that otherwise sends credentials. The allow-list is unchanged.
    pub fn identity_only(mut self) -> Self {
        self.identity_only = true;
        self
    }

    /// Sends the request once (no retry) and returns the answer, read whole, whatever its
    /// status.
    ///
    /// Errors (provider `aigc`, operation `outbound_request`), as polyauth-core's
    /// [`HttpClient::send`]: `Unavailable` for connect errors and timeouts (the error carries
    /// no URL), `Protocol` for a body above
    /// [`max_response_bytes`](OutboundConfig::max_response_bytes), `InvalidInput` when the
    /// request cannot be built.
    pub async fn send(self) -> Result<HttpResponse> {
        let c = self.client;
        let mut builder = c
            .http
            .reqwest()
            .request(self.method.clone(), self.url.clone())
            .query(&encoded(&self.query))
            .headers(self.headers.clone());
        match &self.body {
            Some(Body::Json(body)) => builder = builder.json(body),
            Some(Body::Form(fields)) => {
                let text = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(encoded(fields))
                    .finish();
                if !self.headers.contains_key(http::header::CONTENT_TYPE) {
                    builder = builder.header(
                        http::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    );
                }
                builder = builder.body(text);
            }
            None => {}
        }
        if let Some(t) = self.timeout {
            builder = builder.timeout(t);
        }
        let mut request = builder.build().map_err(|e| {
            Error::invalid_input("the outbound request could not be built")
                .with_source(e.without_url())
                .with_context(PROVIDER, OPERATION)
        })?;
        let injected = c.injected(&self.url, !self.identity_only)?;
        for h in &injected {
            request
                .headers_mut()
                .insert(h.name.clone(), h.value.clone());
        }
        let builder = reqwest::RequestBuilder::from_parts(c.http.reqwest().clone(), request);
        let started = Instant::now();
        let outcome = c
            .http
            .send(OPERATION, builder, Idempotency::NonIdempotent)
            .await;
        if c.stats.is_some() {
            self.record(&injected, started.elapsed(), &outcome);
        }
        outcome
    }

    /// The reference's `request_params` of this call: `query_params` and `headers` (the
    /// caller's, then the added ones under the reference's names), then `request_body` for a
    /// JSON body Python takes as true, else `form_params` for a form. Not redacted yet.
    fn request_params(&self, injected: &[Injected]) -> Value {
        let mut headers: Map<String, Value> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (k.as_str().to_owned(), Value::String(v))
            })
            .collect();
        for h in injected {
            headers.remove(h.name.as_str());
            let v = String::from_utf8_lossy(h.value.as_bytes()).into_owned();
            headers.insert(h.shown.to_owned(), Value::String(v));
        }
        let mut params = Map::new();
        params.insert(
            "query_params".into(),
            Value::Object(self.query.iter().cloned().collect()),
        );
        params.insert("headers".into(), Value::Object(headers));
        match &self.body {
            Some(Body::Json(body)) if truthy(body) => {
                params.insert("request_body".into(), body.clone());
            }
            Some(Body::Form(fields)) => {
                params.insert(
                    "form_params".into(),
                    Value::Object(fields.iter().cloned().collect()),
                );
            }
            _ => {}
        }
        Value::Object(params)
    }

    /// Records the call for the current authenticated user, parameters redacted.
    fn record(&self, injected: &[Injected], elapsed: Duration, outcome: &Result<HttpResponse>) {
        let Some(stats) = &self.client.stats else {
            return;
        };
        if context::current_user().is_none() {
            return;
        }
        let Some(token) = context::current_token() else {
            return;
        };
        let (status, error) = match outcome {
            Ok(r) => (r.status, None),
            Err(e) => (500, Some(e.to_string())),
        };
        // `with_params` redacts: the queued record never holds the secret or the token.
        let mut stat = ApiStat::new(
            display_url(&self.url),
            self.method.as_str(),
            status,
            elapsed,
        )
        .with_params(self.request_params(injected))
        .with_token(Some(token));
        stat.error = error;
        stats.record(stat);
    }
}

#[cfg(test)]
mod tests;
