//! Authenticated outbound requests (the reference's `AuthSession` / `AsyncAuthClient`):
//! calls to other services that carry the app credentials, the caller's token and the
//! request's identity headers.
//!
//! Unlike the reference, credentials (`X-App-ID`, `X-App-Secret`, `Authorization`) go only to
//! hosts on an allow-list, requests have a default timeout, redirects are not followed (a
//! redirect would carry the credentials elsewhere), and nothing is logged with its headers.

use std::fmt;
use std::time::{Duration, Instant};

use http::{HeaderMap, HeaderName, HeaderValue, Method};
use polyauth_core::http::{bearer_header, sensitive_header};
use polyauth_core::{ClientSecret, Error, Result, context};
use serde_json::{Map, Value};

use crate::PROVIDER;
use crate::config::AigcConfig;
use crate::stats::{ApiStat, StatsCollector};

/// Default timeout of an outbound request: 30 s (the reference has none).
pub const DEFAULT_OUTBOUND_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of an [`AuthRequestClient`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OutboundConfig {
    /// The application id (`X-App-ID`).
    pub app_id: String,
    /// The application secret (`X-App-Secret`).
    pub app_secret: ClientSecret,
    /// Hosts that receive credentials: exact names (`api.example.com`, case-insensitive) or
    /// `*.example.com` for any subdomain. Other hosts get the identity headers only.
    pub allowed_hosts: Vec<String>,
    /// Timeout of one request. Default [`DEFAULT_OUTBOUND_TIMEOUT`].
    pub timeout: Duration,
}

impl OutboundConfig {
    /// The app credentials of `config`, with the auth center's own host as the only allowed
    /// host.
    pub fn for_client(config: &AigcConfig) -> Self {
        OutboundConfig {
            app_id: config.app_id.clone(),
            app_secret: config.app_secret.clone(),
            allowed_hosts: config
                .base_url
                .host_str()
                .map(str::to_owned)
                .into_iter()
                .collect(),
            timeout: DEFAULT_OUTBOUND_TIMEOUT,
        }
    }

    /// Adds a host (or `*.domain`) to the allow-list.
    pub fn allow_host(mut self, host: impl Into<String>) -> Self {
        self.allowed_hosts.push(host.into().to_ascii_lowercase());
        self
    }

    /// Sets the default timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether `host` may receive credentials.
    pub fn is_allowed(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.allowed_hosts.iter().any(|allowed| {
            let allowed = allowed.to_ascii_lowercase();
            match allowed.strip_prefix("*.") {
                Some(domain) => host.ends_with(&format!(".{domain}")),
                None => host == allowed,
            }
        })
    }
}

/// A reqwest-based client for calls to other services on behalf of the current request.
///
/// Every request gets, from the request context ([`crate::context`]), `X-Real-IP` (client IP),
/// `User-Agent` (the caller's) and `X-Trace-ID`; requests to allowed hosts also get `X-App-ID`,
/// `X-App-Secret` and `Authorization: Bearer <current token>`. These overwrite headers of the
/// same name set by the caller. With a [`StatsCollector`], each call inside a request with a
/// token is recorded (`scheme://host/path`, method, status, duration, error, and the query,
/// headers and JSON body, redacted before upload).
///
/// ```no_run
/// use polyauth_aigc::{AigcConfig, AuthRequestClient, OutboundConfig};
/// # async fn run(config: AigcConfig) -> polyauth_core::Result<()> {
/// let client = AuthRequestClient::new(
///     OutboundConfig::for_client(&config).allow_host("billing.internal.example.com"),
/// )?;
/// let response = client
///     .post("https://billing.internal.example.com/api/charge")?
///     .json(serde_json::json!({ "amount": 3 }))
///     .send()
///     .await?;
/// assert!(response.status().is_success());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AuthRequestClient {
    client: reqwest::Client,
    config: OutboundConfig,
    secret: HeaderValue,
    app_id: HeaderValue,
    stats: Option<StatsCollector>,
}

impl fmt::Debug for AuthRequestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthRequestClient")
            .field("allowed_hosts", &self.config.allowed_hosts)
            .field("timeout", &self.config.timeout)
            .field("stats", &self.stats.is_some())
            .finish()
    }
}

impl AuthRequestClient {
    /// A client. Errors: `ConfigInvalid` when the credentials cannot be sent as headers or the
    /// HTTP client cannot be built.
    pub fn new(config: OutboundConfig) -> Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                Error::config("could not build the HTTP client").with_source(e.without_url())
            })?;
        let secret = sensitive_header(config.app_secret.expose_secret())
            .map_err(|_| Error::config("the app secret cannot be sent as a header"))?;
        let app_id = HeaderValue::from_str(&config.app_id)
            .map_err(|_| Error::config("the app id cannot be sent as a header"))?;
        Ok(AuthRequestClient {
            client,
            config,
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
        let url = url::Url::parse(url)
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

    /// The headers injected for `host` from the current context.
    fn injected(&self, host: &str) -> Result<HeaderMap> {
        let mut h = HeaderMap::new();
        let ctx = context::current();
        let ctx = ctx.as_deref();
        if self.config.is_allowed(host) {
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
#[derive(Debug)]
pub struct OutboundRequest<'c> {
    client: &'c AuthRequestClient,
    method: Method,
    url: url::Url,
    headers: HeaderMap,
    query: Vec<(String, String)>,
    body: Option<Value>,
    timeout: Option<Duration>,
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

    /// Sends the request and returns the response as it is (any status).
    ///
    /// Errors: `Unavailable` for connect errors and timeouts (the error carries no URL),
    /// `InvalidInput` when the request cannot be built.
    pub async fn send(self) -> Result<reqwest::Response> {
        let c = self.client;
        let host = self.url.host_str().unwrap_or_default().to_owned();
        let mut builder = c
            .client
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
        })?;
        let injected = c.injected(&host)?;
        for (name, value) in &injected {
            request.headers_mut().insert(name.clone(), value.clone());
        }
        let stat_headers = request.headers().clone();
        let started = Instant::now();
        let outcome = c.client.execute(request).await.map_err(|e| {
            let what = if e.is_timeout() {
                "the outbound request timed out"
            } else if e.is_connect() {
                "could not connect to the outbound host"
            } else {
                "the outbound request failed"
            };
            Error::unavailable(what)
                .with_source(e.without_url())
                .with_context(PROVIDER, "outbound_request")
        });
        self.record(&stat_headers, started.elapsed(), &outcome);
        outcome
    }

    fn record(&self, headers: &HeaderMap, elapsed: Duration, outcome: &Result<reqwest::Response>) {
        let Some(stats) = &self.client.stats else {
            return;
        };
        let Some(token) = context::current_token() else {
            return;
        };
        let mut path = self.url.clone();
        path.set_query(None);
        path.set_fragment(None);
        let (status, error) = match outcome {
            Ok(r) => (r.status().as_u16(), None),
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
        let mut stat = ApiStat::new(path.as_str(), self.method.as_str(), status, elapsed)
            .with_params(Value::Object(params))
            .with_token(Some(token));
        stat.error = error;
        stats.record(stat);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_matching() {
        let c = OutboundConfig {
            app_id: "a".into(),
            app_secret: ClientSecret::new("s"),
            allowed_hosts: vec!["api.example.com".into(), "*.internal.test".into()],
            timeout: DEFAULT_OUTBOUND_TIMEOUT,
        };
        assert!(c.is_allowed("API.example.com"));
        assert!(c.is_allowed("x.internal.test"));
        assert!(!c.is_allowed("internal.test"));
        assert!(!c.is_allowed("api.example.com.evil.test"));
        assert!(!c.is_allowed("evilinternal.test"));
    }
}
