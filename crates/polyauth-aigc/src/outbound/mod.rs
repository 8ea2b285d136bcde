//! Authenticated outbound requests (the reference's `AuthSession` / `AsyncAuthClient`):
//! calls to other services that carry the app credentials, the caller's token and the
//! request's identity headers.
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
use url::{Host, Url};

use crate::PROVIDER;
use crate::config::AigcConfig;
use crate::stats::{ApiStat, REDACTED, StatsCollector};

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
    /// The application id (`X-App-ID`).
    pub app_id: String,
    /// The application secret (`X-App-Secret`).
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

    /// Whether a request to `url` may receive credentials: its origin matches an entry of
    /// [`allowed_origins`](Self::allowed_origins) (entries that do not parse match nothing),
    /// and it is `https` or goes to a loopback host.
    pub fn is_allowed(&self, url: &Url) -> bool {
        credentials_allowed(
            &self
                .allowed_origins
                .iter()
                .filter_map(|e| OriginPattern::parse(e))
                .collect::<Vec<_>>(),
            url,
        )
    }
}

/// One parsed allow-list entry.
#[derive(Clone, Debug, PartialEq, Eq)]
struct OriginPattern {
    scheme: String,
    /// Lower-case host (IPv6 in brackets); for a wildcard, the domain after `*.`.
    host: String,
    wildcard: bool,
    port: u16,
    loopback: bool,
}

impl OriginPattern {
    /// `scheme://host[:port]` or `scheme://*.domain[:port]` (a trailing `/` allowed); `None`
    /// for anything else (a path, a query, user info, another scheme).
    fn parse(entry: &str) -> Option<OriginPattern> {
        let (scheme, rest) = entry.trim().split_once("://")?;
        let (wildcard, rest) = match rest.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let url = Url::parse(&format!("{scheme}://{rest}")).ok()?;
        let plain = url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        if !plain || !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        if wildcard && !matches!(url.host(), Some(Host::Domain(_))) {
            return None;
        }
        Some(OriginPattern {
            scheme: url.scheme().to_owned(),
            host: url.host_str()?.to_ascii_lowercase(),
            wildcard,
            port: url.port_or_known_default()?,
            loopback: !wildcard && is_loopback(&url),
        })
    }

    /// Whether credentials could ever be sent under this entry (`https`, or `http` to a
    /// loopback host).
    fn can_carry_credentials(&self) -> bool {
        self.scheme == "https" || self.loopback
    }

    fn matches(&self, url: &Url) -> bool {
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
            return false;
        };
        if url.scheme() != self.scheme || url.port_or_known_default() != Some(self.port) {
            return false;
        }
        if self.wildcard {
            matches!(url.host(), Some(Host::Domain(_)))
                && host
                    .strip_suffix(self.host.as_str())
                    .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.'))
        } else {
            host == self.host
        }
    }
}

/// Whether `url`'s host is a loopback address or `localhost`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

fn credentials_allowed(patterns: &[OriginPattern], url: &Url) -> bool {
    let secure = url.scheme() == "https" || (url.scheme() == "http" && is_loopback(url));
    secure && patterns.iter().any(|p| p.matches(url))
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

/// A client for calls to other services on behalf of the current request, over
/// polyauth-core's [`HttpClient`] (shared timeouts, body cap, no redirects, error mapping).
///
/// Every request gets, from the request context ([`crate::context`]), `X-Real-IP` (client IP),
/// `User-Agent` (the caller's) and `X-Trace-ID`; requests to allowed origins (see
/// [`OutboundConfig::allowed_origins`]) also get `X-App-ID`, `X-App-Secret` and
/// `Authorization: Bearer <current token>`. These overwrite headers of the same name set by
/// the caller. With a [`StatsCollector`], each call made for an authenticated user is recorded
/// (`scheme://host/path`, method, status, duration, error, and the query, headers and JSON
/// body, redacted when recorded).
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
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AuthRequestClient {
    http: HttpClient,
    config: OutboundConfig,
    origins: Vec<OriginPattern>,
    secret: HeaderValue,
    app_id: HeaderValue,
    stats: Option<StatsCollector>,
}

impl fmt::Debug for AuthRequestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthRequestClient")
            .field("allowed_origins", &self.config.allowed_origins)
            .field("timeout", &self.config.timeout)
            .field("stats", &self.stats.is_some())
            .finish()
    }
}

impl AuthRequestClient {
    /// A client. Errors: `ConfigInvalid` when an allow-list entry is not an origin, or is a
    /// plain-`http` origin on a host that is not loopback (credentials would travel in clear
    /// text), when the credentials cannot be sent as headers, or when the HTTP client cannot be
    /// built.
    pub fn new(config: OutboundConfig) -> Result<Self> {
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
        let (app_id, secret) =
            crate::client::credential_headers(&config.app_id, &config.app_secret)?;
        Ok(AuthRequestClient {
            http,
            config,
            origins,
            secret,
            app_id,
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

    /// The headers injected for a request to `url` from the current context.
    fn injected(&self, url: &Url) -> Result<HeaderMap> {
        let mut h = HeaderMap::new();
        let ctx = context::current();
        let ctx = ctx.as_deref();
        if credentials_allowed(&self.origins, url) {
            h.insert(HeaderName::from_static("x-app-id"), self.app_id.clone());
            h.insert(HeaderName::from_static("x-app-secret"), self.secret.clone());
            if let Some(token) = ctx.and_then(|c| c.token.as_ref()) {
                h.insert(http::header::AUTHORIZATION, bearer_header(token)?);
            }
        }
        let text = |v: &Option<String>| v.as_deref().and_then(|s| HeaderValue::from_str(s).ok());
        if let Some(ctx) = ctx {
            if let Some(v) = text(&ctx.client_ip) {
                h.insert(HeaderName::from_static("x-real-ip"), v);
            }
            if let Some(v) = text(&ctx.user_agent) {
                h.insert(http::header::USER_AGENT, v);
            }
            if let Some(v) = text(&ctx.trace_id) {
                h.insert(HeaderName::from_static("x-trace-id"), v);
            }
        }
        Ok(h)
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
    query: Vec<(String, String)>,
    body: Option<Value>,
    timeout: Option<Duration>,
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
            .finish_non_exhaustive()
    }
}

impl OutboundRequest<'_> {
    /// Adds a header (the injected ones win).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Adds query parameters.
    pub fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        self.query.extend(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        self
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Overrides the timeout for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
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
            .query(&self.query)
            .headers(self.headers.clone());
        if let Some(body) = &self.body {
            builder = builder.json(body);
        }
        if let Some(t) = self.timeout {
            builder = builder.timeout(t);
        }
        let mut request = builder.build().map_err(|e| {
            Error::invalid_input("the outbound request could not be built")
                .with_source(e.without_url())
                .with_context(PROVIDER, OPERATION)
        })?;
        for (name, value) in &c.injected(&self.url)? {
            request.headers_mut().insert(name.clone(), value.clone());
        }
        let stat_headers = c.stats.as_ref().map(|_| request.headers().clone());
        let builder = reqwest::RequestBuilder::from_parts(c.http.reqwest().clone(), request);
        let started = Instant::now();
        let outcome = c
            .http
            .send(OPERATION, builder, Idempotency::NonIdempotent)
            .await;
        if let Some(headers) = stat_headers {
            self.record(&headers, started.elapsed(), &outcome);
        }
        outcome
    }

    /// Records the call for the current authenticated user, parameters redacted.
    fn record(&self, headers: &HeaderMap, elapsed: Duration, outcome: &Result<HttpResponse>) {
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
        let header_map: Map<String, Value> = headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    Value::String(v.to_str().unwrap_or("").to_owned()),
                )
            })
            .collect();
        let query: Map<String, Value> = self
            .query
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let mut params = Map::new();
        params.insert("query_params".into(), Value::Object(query));
        params.insert("headers".into(), Value::Object(header_map));
        params.insert(
            "request_body".into(),
            self.body.clone().unwrap_or(Value::Null),
        );
        // `with_params` redacts: the queued record never holds the secret or the token.
        let mut stat = ApiStat::new(
            display_url(&self.url),
            self.method.as_str(),
            status,
            elapsed,
        )
        .with_params(Value::Object(params))
        .with_token(Some(token));
        stat.error = error;
        stats.record(stat);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    use polyauth_core::{AccessToken, RequestContext, UserProfile};

    fn config(origins: &[&str]) -> OutboundConfig {
        OutboundConfig {
            app_id: "a".into(),
            app_secret: ClientSecret::new("s"),
            allowed_origins: origins.iter().map(|o| (*o).to_owned()).collect(),
            timeout: DEFAULT_OUTBOUND_TIMEOUT,
            max_response_bytes: DEFAULT_OUTBOUND_MAX_RESPONSE_BYTES,
        }
    }

    fn allowed(c: &OutboundConfig, url: &str) -> bool {
        c.is_allowed(&Url::parse(url).unwrap())
    }

    #[test]
    fn allow_list_entries_are_origins() {
        let c = config(&[
            "https://api.example.com",
            "https://*.internal.test:8443/",
            "http://127.0.0.1:9000",
        ]);
        assert!(allowed(&c, "https://API.example.com/x?y=1"));
        assert!(allowed(&c, "https://api.example.com:443/x"));
        // Same host, other scheme or port: no credentials.
        assert!(!allowed(&c, "http://api.example.com/x"));
        assert!(!allowed(&c, "http://api.example.com:8080/x"));
        assert!(!allowed(&c, "https://api.example.com:8443/x"));
        // Wildcards: subdomains only, same scheme and port.
        assert!(allowed(&c, "https://x.internal.test:8443/"));
        assert!(allowed(&c, "https://a.b.internal.test:8443/"));
        assert!(!allowed(&c, "https://x.internal.test/"));
        assert!(!allowed(&c, "http://x.internal.test:8443/"));
        assert!(!allowed(&c, "https://internal.test:8443/"));
        assert!(!allowed(&c, "https://evilinternal.test:8443/"));
        assert!(!allowed(&c, "https://api.example.com.evil.test/"));
        // Plain http: loopback only.
        assert!(allowed(&c, "http://127.0.0.1:9000/"));
        assert!(!allowed(&c, "http://127.0.0.1:9001/"));
        assert!(!allowed(
            &config(&["http://auth.example.com"]),
            "http://auth.example.com/"
        ));
    }

    #[test]
    fn bad_or_cleartext_entries_are_refused() {
        for entry in [
            "api.example.com",
            "https://api.example.com/path",
            "https://u:p@api.example.com",
            "ftp://api.example.com",
            "https://*.127.0.0.1",
            "http://auth.example.com",
            "http://*.example.com",
        ] {
            let e = AuthRequestClient::new(config(&[entry])).unwrap_err();
            assert_eq!(e.kind(), polyauth_core::ErrorKind::ConfigInvalid, "{entry}");
        }
        for entry in [
            "http://localhost:8080",
            "http://[::1]:1",
            "https://*.example.com",
        ] {
            AuthRequestClient::new(config(&[entry])).unwrap();
        }
        // The auth center's origin, when it may carry credentials.
        let aigc = |base: &str| AigcConfig::new("1", ClientSecret::new("s"), base).unwrap();
        let c = OutboundConfig::for_client(&aigc("https://auth.example.com/aigc-auth"));
        assert_eq!(c.allowed_origins, vec!["https://auth.example.com"]);
        assert!(!allowed(&c, "http://auth.example.com:8080/"));
        let c = OutboundConfig::for_client(&aigc("http://auth.example.com/aigc-auth"));
        assert!(c.allowed_origins.is_empty());
        AuthRequestClient::new(c).unwrap();
    }

    #[test]
    fn request_debug_shows_no_values() {
        let client = AuthRequestClient::new(config(&[])).unwrap();
        let req = client
            .post("https://u:pw-in-url@api.example.com/x?token=q-secret")
            .unwrap()
            .header(
                http::header::AUTHORIZATION,
                HeaderValue::from_static("Bearer hdr-secret"),
            )
            .query(&[("password", "query-secret")])
            .json(serde_json::json!({"password": "body-secret"}));
        let text = format!("{req:?}");
        for secret in [
            "pw-in-url",
            "q-secret",
            "hdr-secret",
            "query-secret",
            "body-secret",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("api.example.com/x"), "{text}");
        assert!(text.contains("authorization"), "{text}");
    }

    /// A real call over loopback: the record queued for the statistics holds neither the app
    /// secret nor the caller's token, in its parameters or its `Debug`.
    #[tokio::test]
    async fn recorded_outbound_calls_hold_no_credentials() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(std::sync::Mutex::new(None::<http::HeaderMap>));
        let sink = seen.clone();
        let app = axum::Router::new().route(
            "/charge",
            axum::routing::post(move |headers: http::HeaderMap| {
                let sink = sink.clone();
                async move {
                    *sink.lock().unwrap() = Some(headers);
                    "ok"
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });

        let mut cfg = config(&[origin.as_str()]);
        cfg.app_secret = ClientSecret::new("app-secret-value");
        let (stats, mut queued) = StatsCollector::capture(8);
        let client = AuthRequestClient::new(cfg).unwrap().with_stats(stats);
        let ctx = RequestContext {
            user: Some(Arc::new(UserProfile::new("aigc", "7"))),
            token: Some(AccessToken::new("user-token-value")),
            ..Default::default()
        };
        let response = context::scope(ctx, async {
            client
                .post(&format!("{origin}/charge"))
                .unwrap()
                .query(&[("access_token", "user-token-value")])
                .json(serde_json::json!({"amount": 3, "password": "pw-body"}))
                .send()
                .await
                .unwrap()
        })
        .await;
        assert_eq!(response.status, 200);
        let sent = seen.lock().unwrap().clone().unwrap();
        assert_eq!(
            sent["x-app-secret"], "app-secret-value",
            "credentials were sent"
        );
        assert_eq!(sent["authorization"], "Bearer user-token-value");

        let stat = queued.try_recv().unwrap();
        let debug = format!("{stat:?}");
        let params = stat.request_params.clone().unwrap().to_string();
        for secret in ["app-secret-value", "user-token-value", "pw-body"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
            assert!(!params.contains(secret), "{secret} in {params}");
        }
        assert_eq!(
            stat.request_params.unwrap()["headers"]["x-app-secret"],
            REDACTED
        );
    }
}
