//! The two transports every Authing call goes through, both on the shared
//! [`HttpClient`](polyauth_core::http::HttpClient): GraphQL at `{host}/graphql/v2` (our own
//! documents, no schema introspection) and REST under `{host}/api/v2` (the
//! `{code, message, data}` envelope) plus the raw OAuth 2.0 / OIDC endpoints.

use std::time::Duration;

use polyauth_core::http::{HttpClient, HttpConfig, HttpResponse, Idempotency, bearer_header};
use polyauth_core::{AccessToken, Error, ErrorKind, Result};
use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::documents::GqlOp;
use crate::error::error_from_code;
use crate::observer::ErrorObserver;

pub(crate) const PROVIDER: &str = "authing";
const SDK_VERSION: &str = concat!("rust-polyauth:", env!("CARGO_PKG_VERSION"));
const LANG_HEADER: &str = "x-authing-lang";

/// How a request authenticates.
#[derive(Clone, Copy)]
pub(crate) enum Auth<'a> {
    /// No `Authorization` header.
    None,
    /// `Authorization: Bearer {token}`.
    Bearer(&'a AccessToken),
}

/// Host, headers and HTTP client of one Authing client.
#[derive(Clone, Debug)]
pub(crate) struct Transport {
    http: HttpClient,
    /// `{scheme}://{host}[:port][/prefix]` without a trailing slash.
    base: String,
    /// The headers of REST and OAuth/OIDC calls: `x-authing-lang` always (empty when no
    /// language is set), as the reference's REST client sends it.
    rest_headers: HeaderMap,
    /// The headers of GraphQL calls: `x-authing-lang` only when a language is set (the
    /// reference's GraphQL client passes `None`, which its HTTP library drops).
    graphql_headers: HeaderMap,
    /// Told about every error a call to Authing ends with.
    on_error: Option<ErrorObserver>,
}

fn header(name: &'static str, value: &str) -> Result<(HeaderName, HeaderValue)> {
    let value = HeaderValue::from_str(value).map_err(|_| {
        Error::config(format!(
            "the value for header {name} has characters a header cannot carry"
        ))
    })?;
    Ok((HeaderName::from_static(name), value))
}

/// Checks a configured base URL and returns it without a trailing slash.
pub(crate) fn normalize_base(what: &str, raw: &str) -> Result<String> {
    let url =
        url::Url::parse(raw).map_err(|_| Error::config(format!("{what} is not a valid URL")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::config(format!("{what} must be an http(s) URL")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "{what} must not have a query or fragment"
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl Transport {
    pub(crate) fn new(
        base: String,
        user_pool_id: Option<&str>,
        app_id: Option<&str>,
        lang: Option<&str>,
        timeout: Duration,
        connect_timeout: Duration,
    ) -> Result<Self> {
        let mut graphql_headers = HeaderMap::new();
        for (name, value) in [
            ("x-authing-sdk-version", Some(SDK_VERSION)),
            ("x-authing-request-from", Some("sdk")),
            ("x-authing-userpool-id", user_pool_id),
            ("x-authing-app-id", app_id),
        ] {
            if let Some(v) = value {
                let (n, v) = header(name, v)?;
                graphql_headers.insert(n, v);
            }
        }
        let mut rest_headers = graphql_headers.clone();
        let (n, v) = header(LANG_HEADER, lang.unwrap_or(""))?;
        rest_headers.insert(n.clone(), v.clone());
        if lang.is_some() {
            graphql_headers.insert(n, v);
        }
        let http = HttpClient::new(
            PROVIDER,
            HttpConfig {
                timeout,
                connect_timeout,
                ..HttpConfig::default()
            },
        )?;
        Ok(Transport {
            http,
            base,
            rest_headers,
            graphql_headers,
            on_error: None,
        })
    }

    /// The same transport reporting the errors of its calls to `observer` (none: not
    /// reported).
    pub(crate) fn with_error_observer(self, observer: Option<ErrorObserver>) -> Transport {
        Transport {
            on_error: observer,
            ..self
        }
    }

    /// `error`, after the observer (if any) saw it: the one place every error of a call that
    /// reached Authing passes through (the transport's calls and the OAuth engine's).
    pub(crate) fn observed(&self, error: Error) -> Error {
        if let Some(observer) = &self.on_error {
            observer.notify(&error);
        }
        error
    }

    /// Sends `request` and reads the answer with `parse`; every error (transport, HTTP status,
    /// provider answer) carries `operation` and passes through the observer.
    async fn exchange<T>(
        &self,
        operation: &'static str,
        request: reqwest::RequestBuilder,
        idempotency: Idempotency,
        parse: impl FnOnce(&HttpResponse) -> Result<T>,
    ) -> Result<T> {
        let result = match self.http.send(operation, request, idempotency).await {
            Ok(response) => parse(&response).map_err(|e| e.with_context(PROVIDER, operation)),
            Err(e) => Err(e),
        };
        result.map_err(|e| self.observed(e))
    }

    /// The HTTP client.
    pub(crate) fn http(&self) -> &HttpClient {
        &self.http
    }

    /// The `x-authing-*` headers of REST and OAuth/OIDC calls (`x-authing-lang` always,
    /// empty when no language is set).
    pub(crate) fn headers(&self) -> &HeaderMap {
        &self.rest_headers
    }

    /// The same client and headers against another base (an `app_host`).
    pub(crate) fn with_base(&self, base: String) -> Transport {
        Transport {
            base,
            ..self.clone()
        }
    }

    /// `{base}` followed by the path segments, each percent-encoded.
    pub(crate) fn url(&self, segments: &[&str]) -> Result<url::Url> {
        let mut url = url::Url::parse(&self.base)
            .map_err(|_| Error::config("the Authing host is not a valid URL"))?;
        {
            let mut path = url
                .path_segments_mut()
                .map_err(|_| Error::config("the Authing host cannot carry a path"))?;
            path.pop_if_empty();
            path.extend(segments);
        }
        Ok(url)
    }

    /// A request with the REST headers, or the GraphQL ones when `graphql`.
    fn request(
        &self,
        method: Method,
        url: url::Url,
        auth: Auth<'_>,
        graphql: bool,
    ) -> Result<reqwest::RequestBuilder> {
        let headers = if graphql {
            &self.graphql_headers
        } else {
            &self.rest_headers
        };
        let mut builder = self
            .http
            .reqwest()
            .request(method, url)
            .headers(headers.clone());
        match auth {
            Auth::None => {}
            Auth::Bearer(token) => {
                builder = builder.header(reqwest::header::AUTHORIZATION, bearer_header(token)?);
            }
        }
        Ok(builder)
    }

    /// One GraphQL call of the table: `{"query": document, "variables": variables}` to
    /// `{base}/graphql/v2` (no `variables` when they are null), answering `data[root]` (for a
    /// nested operation `data[root][field]`, a null root being `NotFound`) deserialized as
    /// `T`. Queries are retried per the shared client's policy, mutations sent once.
    ///
    /// Errors: `Unavailable`/`RateLimited` (temporary, status kept) for HTTP 408, 429 and 5xx
    /// whatever the body; the first `errors[].message` (`{code, message}` or a plain string)
    /// through [`error_from_code`]; `Protocol` for a body that is not GraphQL JSON (an HTML error
    /// page) or an answer of another shape; transport errors from the shared client. Every error
    /// names the operation; none carries the variables (which hold passwords and tokens).
    pub(crate) async fn graphql<T: DeserializeOwned>(
        &self,
        op: &GqlOp,
        variables: Value,
        auth: Auth<'_>,
    ) -> Result<T> {
        let mut body = Map::new();
        body.insert("query".into(), Value::String(op.document().to_owned()));
        if !variables.is_null() {
            body.insert("variables".into(), variables);
        }
        let url = self.url(&["graphql", "v2"])?;
        let request = self.request(Method::POST, url, auth, true)?.json(&body);
        self.exchange(op.name(), request, op.idempotency(), |response| {
            parse_graphql(response, op)
        })
        .await
    }

    /// A REST call whose answer is the `{code, message, data}` envelope; answers `data` when
    /// `code` is 200.
    ///
    /// Errors: `Unavailable`/`RateLimited` (temporary, status kept) for HTTP 408, 429 and 5xx
    /// whatever the body; a code other than 200 through [`error_from_code`]; a non-JSON body
    /// (an HTML page) as the HTTP status error (or `Protocol` on a 2xx); transport errors.
    pub(crate) async fn rest<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        method: Method,
        url: url::Url,
        body: Option<Value>,
        auth: Auth<'_>,
    ) -> Result<T> {
        let idempotency = if method == Method::GET {
            Idempotency::Idempotent
        } else {
            Idempotency::NonIdempotent
        };
        let mut request = self.request(method, url, auth, false)?;
        if let Some(body) = body {
            request = request.json(&strip_nulls(body));
        }
        self.exchange(operation, request, idempotency, parse_envelope)
            .await
    }

    /// An unauthenticated GET answering its JSON body unchecked (for endpoints without the
    /// `{code, message, data}` envelope). Errors: transport errors and HTTP statuses as
    /// [`HttpClient::send`]; a non-JSON body as `Protocol`.
    pub(crate) async fn get_json(&self, operation: &'static str, url: url::Url) -> Result<Value> {
        let request = self.request(Method::GET, url, Auth::None, false)?;
        self.exchange(operation, request, Idempotency::Idempotent, json_body)
            .await
    }

    /// A form POST to an OAuth 2.0 / OIDC endpoint; answers the raw JSON.
    ///
    /// Errors: HTTP 408, 429 and 5xx by status (`Unavailable`/`RateLimited`, temporary)
    /// whatever the body; an RFC 6749 error body (`{error, error_description}`):
    /// `invalid_grant` is `InvalidToken`, `invalid_client`/`unauthorized_client`
    /// `PermissionDenied`, `server_error`/`temporarily_unavailable` `Unavailable`, others
    /// `Provider` (its `provider_code()` the `error`); other non-2xx answers by HTTP status.
    pub(crate) async fn form(
        &self,
        operation: &'static str,
        url: url::Url,
        form: &[(&str, &str)],
        auth: Auth<'_>,
    ) -> Result<Value> {
        let request = self.request(Method::POST, url, auth, false)?.form(form);
        self.exchange(operation, request, Idempotency::NonIdempotent, oauth_body)
            .await
    }

    /// A GET answering raw JSON with OAuth-style error handling.
    pub(crate) async fn get_oauth(
        &self,
        operation: &'static str,
        url: url::Url,
        auth: Auth<'_>,
        method: Method,
    ) -> Result<Value> {
        let request = self.request(method, url, auth, false)?;
        self.exchange(operation, request, Idempotency::Idempotent, oauth_body)
            .await
    }
}

/// The `{code, message, data}` envelope: `data` as `T` when `code` is 200, the code's error
/// otherwise. An outage status wins over any body; another non-2xx answer that is not an
/// envelope is its HTTP status error.
fn parse_envelope<T: DeserializeOwned>(response: &HttpResponse) -> Result<T> {
    if is_outage(response) {
        return Err(response.status_error());
    }
    let envelope = match response.envelope() {
        Ok(envelope) => envelope,
        Err(_) if !response.is_success() => return Err(response.status_error()),
        Err(e) => return Err(e),
    };
    match envelope.code.as_i64() {
        Some(200) => serde_json::from_value(envelope.data.unwrap_or(Value::Null)).map_err(|e| {
            Error::protocol("the envelope's data has an unexpected shape").with_source(e)
        }),
        Some(code) => Err(error_from_code(
            code,
            envelope.message.as_deref().unwrap_or_default(),
        )),
        None => Err(Error::protocol(format!(
            "the answer's code {} is not an integer",
            envelope.code
        ))
        .with_status(response.status)),
    }
}

fn message_of(v: &Value) -> String {
    match v.get("message") {
        Some(Value::String(s)) => s.clone(),
        Some(other) if !other.is_null() => other.to_string(),
        _ => String::new(),
    }
}

/// JSON-object top-level keys whose value is null are dropped (as the reference does).
fn strip_nulls(body: Value) -> Value {
    match body {
        Value::Object(map) => {
            Value::Object(map.into_iter().filter(|(_, v)| !v.is_null()).collect())
        }
        other => other,
    }
}

/// Statuses that mean the provider (or a gateway in front of it) is failing or throttling,
/// whatever the body says: 408, 429 and every 5xx. Such answers become
/// [`HttpResponse::status_error`] (`Unavailable` or `RateLimited`, temporary, status kept),
/// never a token or business error, even when the body looks like Authing's envelope.
fn is_outage(response: &HttpResponse) -> bool {
    matches!(response.status, 408 | 429 | 500..=599)
}

fn json_body(response: &HttpResponse) -> Result<Value> {
    if is_outage(response) {
        return Err(response.status_error());
    }
    match serde_json::from_slice::<Value>(&response.body) {
        Ok(v) if v.is_object() || response.is_success() => Ok(v),
        _ if !response.is_success() => Err(response.status_error()),
        Ok(_) => {
            Err(Error::protocol("the answer is not a JSON object").with_status(response.status))
        }
        Err(e) => Err(Error::protocol(format!(
            "the answer is not JSON (HTTP {}, starts with {:?})",
            response.status,
            response.snippet(40)
        ))
        .with_status(response.status)
        .with_source(e)),
    }
}

fn oauth_body(response: &HttpResponse) -> Result<Value> {
    if is_outage(response) {
        return Err(response.status_error());
    }
    let parsed = serde_json::from_slice::<Value>(&response.body).ok();
    if let Some(code) = parsed
        .as_ref()
        .and_then(|v| v.get("error"))
        .and_then(Value::as_str)
    {
        let description = parsed
            .as_ref()
            .and_then(|v| v.get("error_description"))
            .and_then(Value::as_str)
            .unwrap_or("");
        return Err(Error::from_oauth_error(code, description, response.status));
    }
    if !response.is_success() {
        return Err(response.status_error());
    }
    // Some Authing endpoints wrap errors in the v2 envelope even here.
    if let Some(v) = &parsed
        && let Some(code) = v.get("code").and_then(Value::as_i64)
        && code != 200
        && v.get("access_token").is_none()
        && v.get("active").is_none()
        && v.get("sub").is_none()
    {
        return Err(error_from_code(code, &message_of(v)));
    }
    parsed.ok_or_else(|| {
        Error::protocol(format!(
            "the answer is not JSON (starts with {:?})",
            response.snippet(40)
        ))
        .with_status(response.status)
    })
}

fn parse_graphql<T: DeserializeOwned>(response: &HttpResponse, op: &GqlOp) -> Result<T> {
    if is_outage(response) {
        return Err(response.status_error());
    }
    let body: Value = match serde_json::from_slice(&response.body) {
        Ok(v @ Value::Object(_)) => v,
        _ if !response.is_success() => return Err(response.status_error()),
        _ => {
            return Err(Error::protocol(format!(
                "the GraphQL answer is not JSON (HTTP {}, starts with {:?})",
                response.status,
                response.snippet(40)
            ))
            .with_status(response.status));
        }
    };
    if let Some(errors) = body.get("errors").and_then(Value::as_array)
        && let Some(first) = errors.first()
    {
        let (code, message) = match first.get("message") {
            Some(Value::Object(m)) => (
                m.get("code").and_then(|c| {
                    c.as_i64()
                        .or_else(|| c.as_str().and_then(|s| s.parse().ok()))
                }),
                message_of(&Value::Object(m.clone())),
            ),
            Some(Value::String(s)) => (None, s.clone()),
            _ => (None, String::new()),
        };
        let e = match code {
            Some(code) => error_from_code(code, &message),
            // A standard GraphQL error (validation, parse): the request was wrong.
            None => Error::provider_error("graphql", message),
        };
        return Err(e.with_status(response.status));
    }
    let data = match body.get("data") {
        Some(Value::Object(d)) => d,
        _ if !response.is_success() => return Err(response.status_error()),
        _ => {
            return Err(Error::protocol(
                "the GraphQL answer has neither data nor errors",
            ));
        }
    };
    let root = op.root();
    let mut value = data.get(root).cloned().unwrap_or(Value::Null);
    let mut path = root.to_owned();
    if let Some(field) = op.nested_field() {
        value = match value {
            Value::Object(mut object) => object.remove(field).unwrap_or(Value::Null),
            Value::Null => {
                return Err(Error::new(ErrorKind::NotFound, format!("{root} not found")));
            }
            other => other,
        };
        path = format!("{root}.{field}");
    }
    serde_json::from_value(value).map_err(|e| {
        Error::protocol(format!(
            "the GraphQL field `{path}` has an unexpected shape"
        ))
        .with_source(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents as doc;

    const X: GqlOp = GqlOp::parse("query x { x }");

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec().into(),
        }
    }

    #[test]
    fn lang_header_is_always_on_rest_and_only_when_set_on_graphql() {
        let t = |lang| {
            let timeout = Duration::from_secs(1);
            Transport::new("http://x".into(), None, Some("app"), lang, timeout, timeout).unwrap()
        };
        let unset = t(None);
        assert_eq!(unset.rest_headers.get(LANG_HEADER).unwrap(), "");
        assert!(unset.graphql_headers.get(LANG_HEADER).is_none());
        assert!(unset.rest_headers.get("x-authing-userpool-id").is_none());
        let set = t(Some("en-US"));
        assert_eq!(set.headers().get(LANG_HEADER).unwrap(), "en-US");
        assert_eq!(set.graphql_headers.get(LANG_HEADER).unwrap(), "en-US");
    }

    #[test]
    fn graphql_error_shapes() {
        let obj = resp(
            200,
            r#"{"errors":[{"message":{"code":2004,"message":"用户不存在"}}],"data":null}"#,
        );
        let e = parse_graphql::<Value>(&obj, &doc::GET_USER_ROLES).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let text = resp(
            400,
            r#"{"errors":[{"message":"Cannot query field \"x\""}]}"#,
        );
        let e = parse_graphql::<Value>(&text, &X).unwrap_err();
        assert_eq!(e.provider_code(), Some("graphql"));
        let html = resp(502, "<html>bad gateway</html>");
        assert_eq!(
            parse_graphql::<Value>(&html, &X).unwrap_err().kind(),
            ErrorKind::Unavailable
        );
        let html200 = resp(200, "<html>login</html>");
        assert_eq!(
            parse_graphql::<Value>(&html200, &X).unwrap_err().kind(),
            ErrorKind::Protocol
        );
        let ok = resp(200, r#"{"data":{"isUserExists":true}}"#);
        assert!(parse_graphql::<bool>(&ok, &doc::IS_USER_EXISTS).unwrap());
        let oauth = resp(
            400,
            r#"{"error":"invalid_grant","error_description":"used"}"#,
        );
        assert_eq!(
            oauth_body(&oauth).unwrap_err().kind(),
            ErrorKind::InvalidToken
        );
    }

    #[test]
    fn nested_answers_are_the_relation_and_a_null_root_is_not_found() {
        let roles = resp(
            200,
            r#"{"data":{"user":{"roles":{"totalCount":1,"list":[{"code":"admin"}]}}}}"#,
        );
        let v = parse_graphql::<Value>(&roles, &doc::GET_USER_ROLES).unwrap();
        assert_eq!(v["list"][0]["code"], "admin");
        let gone = resp(200, r#"{"data":{"user":null}}"#);
        let e = parse_graphql::<Value>(&gone, &doc::GET_USER_ROLES).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let odd = resp(200, r#"{"data":{"user":{"roles":7}}}"#);
        let e = parse_graphql::<crate::types::Paginated<Value>>(&odd, &doc::GET_USER_ROLES)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol);
        assert!(e.to_string().contains("user.roles"), "{e}");
    }

    #[test]
    fn outages_are_unavailable_whatever_the_body() {
        for (status, body) in [
            (503, r#"{"code":503,"message":"服务不可用"}"#),
            (502, r#"{"code":2020,"message":"尚未登录"}"#),
            (500, r#"{"errors":[{"message":"upstream failed"}]}"#),
            (
                504,
                r#"{"errors":[{"message":{"code":2206,"message":"x"}}]}"#,
            ),
            (503, r#"{"error":"invalid_grant"}"#),
        ] {
            let r = resp(status, body);
            for e in [
                json_body(&r).unwrap_err(),
                parse_graphql::<Value>(&r, &X).unwrap_err(),
                oauth_body(&r).unwrap_err(),
            ] {
                assert_eq!(e.kind(), ErrorKind::Unavailable, "{status} {body}");
                assert!(e.is_temporary());
                assert_eq!(e.status(), Some(status));
            }
        }
        let throttled = resp(429, r#"{"code":429,"message":"slow down"}"#);
        assert_eq!(
            json_body(&throttled).unwrap_err().kind(),
            ErrorKind::RateLimited
        );
        for code in ["server_error", "temporarily_unavailable"] {
            let r = resp(400, &format!(r#"{{"error":"{code}"}}"#));
            let e = oauth_body(&r).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Unavailable, "{code}");
            assert!(e.is_temporary());
        }
        // A 4xx envelope still carries Authing's business code.
        let r = resp(400, r#"{"code":2004,"message":"用户不存在"}"#);
        assert!(json_body(&r).is_ok());
    }
}
