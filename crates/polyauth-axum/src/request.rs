//! Reading credentials, client address and ids from request headers.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use http::header::{AUTHORIZATION, COOKIE};
use http::{Extensions, HeaderMap, HeaderValue};
use polyauth_core::AccessToken;

use crate::observe::REDACTED;

/// Where a token may come from, besides `Authorization: Bearer`.
#[derive(Clone, Debug)]
pub(crate) enum TokenSource {
    Cookie(String),
    Header(String),
}

/// What the request presented.
#[derive(Debug)]
pub(crate) enum Credential {
    Token(AccessToken),
    Missing,
    Malformed(&'static str),
}

const MALFORMED_AUTHORIZATION: &str =
    "the Authorization header is malformed: expected `Bearer <token>`";
const MALFORMED_HEADER: &str = "the token header is malformed: expected a token";
const REPEATED_AUTHORIZATION: &str =
    "the request carries more than one Authorization header: expected exactly one";
const REPEATED_HEADER: &str =
    "the request carries the token header more than once: expected exactly one";

/// The one credential of the request: `Authorization: Bearer` first, then `sources` in
/// order. An unusable `Authorization` (or token header) value is malformed, and so is a
/// repeated one (two `Authorization` headers, two of a configured token header): which of
/// them counts would be a guess, so none does. An empty token counts as missing and the next
/// source is tried.
pub(crate) fn credential(headers: &HeaderMap, sources: &[TokenSource]) -> Credential {
    let Ok(authorization) = single(headers, AUTHORIZATION.as_str()) else {
        return Credential::Malformed(REPEATED_AUTHORIZATION);
    };
    if let Some(value) = authorization {
        let Ok(text) = value.to_str() else {
            return Credential::Malformed(MALFORMED_AUTHORIZATION);
        };
        match bearer(text) {
            Some("") => {}
            Some(token) if token.contains(char::is_whitespace) => {
                return Credential::Malformed(MALFORMED_AUTHORIZATION);
            }
            Some(token) => return Credential::Token(AccessToken::new(token)),
            None => return Credential::Malformed(MALFORMED_AUTHORIZATION),
        }
    }
    for source in sources {
        let found = match source {
            TokenSource::Cookie(name) => cookie(headers, name),
            TokenSource::Header(name) => match single(headers, name) {
                Err(Repeated) => return Credential::Malformed(REPEATED_HEADER),
                Ok(None) => None,
                Ok(Some(value)) => match value.to_str() {
                    Ok(text) => Some(text.trim()),
                    Err(_) => return Credential::Malformed(MALFORMED_HEADER),
                },
            },
        };
        if let Some(token) = found.filter(|t| !t.is_empty()) {
            return Credential::Token(AccessToken::new(token));
        }
    }
    Credential::Missing
}

/// A header that must not appear more than once appeared more than once.
struct Repeated;

/// The value of header `name` when it appears at most once.
fn single<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h HeaderValue>, Repeated> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (first, None) => Ok(first),
        (_, Some(_)) => Err(Repeated),
    }
}

/// The token of a `Bearer` credential (scheme case-insensitive, spaces tolerated), possibly
/// empty; `None` for an empty header or another scheme.
fn bearer(text: &str) -> Option<&str> {
    let text = text.trim();
    let (scheme, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

/// The value of cookie `name`, from any `Cookie` header.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| key.trim() == name)
        .map(|(_, value)| value.trim().trim_matches('"'))
}

/// The client IP: the first of the trusted headers holding an address (the leftmost entry of
/// a comma-separated list such as `X-Forwarded-For`), else the peer address from
/// `ConnectInfo<SocketAddr>`.
pub(crate) fn client_ip(
    headers: &HeaderMap,
    extensions: &Extensions,
    trusted: &[String],
) -> Option<String> {
    trusted
        .iter()
        .filter_map(|name| headers.get(name.as_str())?.to_str().ok())
        .find_map(|value| parse_ip(value.split(',').next()?.trim()))
        .or_else(|| {
            extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip())
        })
        .map(|ip| ip.to_string())
}

fn parse_ip(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>()
        .or_else(|_| text.parse::<SocketAddr>().map(|a| a.ip()))
        .ok()
}

/// An id taken from a header: 1 to 128 visible ASCII characters, else `None` (so a client
/// cannot put line breaks or huge values into logs).
pub(crate) fn header_id(headers: &HeaderMap, name: &str) -> Option<String> {
    let text = headers.get(name)?.to_str().ok()?.trim();
    let ok = (1..=128).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| text.to_owned())
}

/// The trace id of a W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`), if valid.
pub(crate) fn traceparent_trace_id(headers: &HeaderMap) -> Option<String> {
    let text = headers.get("traceparent")?.to_str().ok()?.trim();
    let mut parts = text.split('-');
    let (version, trace, parent, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, len: usize| {
        s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    let valid = hex(version, 2)
        && version != "ff"
        && hex(trace, 32)
        && trace.bytes().any(|b| b != b'0')
        && hex(parent, 16)
        && hex(flags, 2);
    valid.then(|| trace.to_owned())
}

/// A fresh request id: 16 random bytes as 32 lowercase hex digits.
pub(crate) fn new_request_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Most query parameters and headers captured for an observer.
pub(crate) const MAX_CAPTURED: usize = 64;
/// Longest captured name, in bytes.
const MAX_NAME_BYTES: usize = 256;
/// Longest captured value, in bytes.
const MAX_VALUE_BYTES: usize = 1024;

/// Whether a header or query parameter name holds a credential: `authorization`,
/// `proxy-authorization`, `cookie`, `set-cookie`, `x-app-secret`, or any name containing
/// `token`, `secret`, `password`, `passwd`, `pwd`, `key`, `credential` or `session`
/// (case-insensitive).
pub(crate) fn is_sensitive_name(name: &str) -> bool {
    const EXACT: [&str; 5] = [
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-app-secret",
    ];
    const PARTS: [&str; 8] = [
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "key",
        "credential",
        "session",
    ];
    let name = name.to_ascii_lowercase();
    EXACT.contains(&name.as_str()) || PARTS.iter().any(|p| name.contains(p))
}

/// The request headers for an observer: lower-case names in order, repeats kept, values that
/// are not UTF-8 left out, credentials (and the configured token headers) redacted, at most
/// [`MAX_CAPTURED`], values cut to 1,024 bytes.
pub(crate) fn captured_headers(
    headers: &HeaderMap,
    sources: &[TokenSource],
) -> Vec<(String, String)> {
    let is_token_header = |name: &str| {
        sources
            .iter()
            .any(|s| matches!(s, TokenSource::Header(h) if h == name))
    };
    headers
        .iter()
        .filter_map(|(name, value)| {
            let name = name.as_str();
            if is_sensitive_name(name) || is_token_header(name) {
                return Some((name.to_owned(), REDACTED.to_owned()));
            }
            let text = std::str::from_utf8(value.as_bytes()).ok()?;
            Some((name.to_owned(), truncate(text, MAX_VALUE_BYTES).to_owned()))
        })
        .take(MAX_CAPTURED)
        .collect()
}

/// The query parameters of `query` (the URI's query, without `?`) for an observer:
/// percent-decoded (`+` as space, invalid UTF-8 replaced), in order, repeats kept, empty
/// pieces skipped, sensitive names redacted, at most [`MAX_CAPTURED`], names cut to 256 bytes
/// and values to 1,024.
pub(crate) fn captured_query(query: Option<&str>) -> Vec<(String, String)> {
    let Some(query) = query else {
        return Vec::new();
    };
    query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .take(MAX_CAPTURED)
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            let name = decode_component(name, MAX_NAME_BYTES);
            let value = if is_sensitive_name(&name) {
                REDACTED.to_owned()
            } else {
                decode_component(value, MAX_VALUE_BYTES)
            };
            (name, value)
        })
        .collect()
}

/// `text` percent-decoded as a form component (`+` is a space; an invalid escape is kept as
/// is; invalid UTF-8 replaced), cut to `max` bytes. Reads no more of `text` than `max`
/// decoded bytes need.
fn decode_component(text: &str, max: usize) -> String {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    // Up to 4 more bytes than `max`, so a character cut at the limit is dropped whole below
    // rather than turned into a replacement character.
    let mut out = Vec::with_capacity(bytes.len().min(max + 4));
    let mut i = 0;
    while i < bytes.len() && out.len() < max + 4 {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let digit = |at: usize| bytes.get(at).copied().and_then(hex);
                match (digit(i + 1), digit(i + 2)) {
                    (Some(high), Some(low)) => {
                        out.push(high << 4 | low);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    let decoded = String::from_utf8_lossy(&out);
    truncate(&decoded, max).to_owned()
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    fn token(map: &HeaderMap, sources: &[TokenSource]) -> Option<String> {
        match credential(map, sources) {
            Credential::Token(t) => Some(t.expose_secret().to_owned()),
            _ => None,
        }
    }

    #[test]
    fn bearer_parsing() {
        for (value, expected) in [
            ("Bearer abc", Some("abc")),
            ("bearer    abc  ", Some("abc")),
            ("  BEARER\tabc", Some("abc")),
            ("Bearer", None),
            ("Bearer   ", None),
        ] {
            assert_eq!(
                token(&headers(&[("authorization", value)]), &[]).as_deref(),
                expected
            );
        }
        for value in ["Basic xyz", "Bearer a b", "Bearerabc", "Token abc"] {
            assert!(
                matches!(
                    credential(&headers(&[("authorization", value)]), &[]),
                    Credential::Malformed(_)
                ),
                "{value}"
            );
        }
        assert!(matches!(
            credential(&HeaderMap::new(), &[]),
            Credential::Missing
        ));
        assert!(matches!(
            credential(&headers(&[("authorization", "Bearer ")]), &[]),
            Credential::Missing
        ));
    }

    #[test]
    fn a_repeated_credential_header_is_malformed() {
        let two = |name: &'static str, first: &str, second: &str| {
            headers(&[(name, first), (name, second)])
        };
        let sources = [TokenSource::Header("x-access-token".into())];
        for map in [
            two("authorization", "Bearer good", "garbage"),
            two("authorization", "Bearer good", "Bearer good"),
            two("authorization", "Bearer ", "Bearer good"),
            two("x-access-token", "good", "garbage"),
        ] {
            assert!(
                matches!(credential(&map, &sources), Credential::Malformed(_)),
                "{map:?}"
            );
        }
        // One of each is fine: `Authorization` wins.
        let map = headers(&[("authorization", "Bearer a"), ("x-access-token", "b")]);
        assert_eq!(token(&map, &sources).as_deref(), Some("a"));
    }

    #[test]
    fn sources_in_order() {
        let sources = [
            TokenSource::Cookie("sid".into()),
            TokenSource::Header("x-access-token".into()),
        ];
        let map = headers(&[
            ("cookie", "a=1; sid=\"from-cookie\""),
            ("x-access-token", "from-header"),
        ]);
        assert_eq!(token(&map, &sources).as_deref(), Some("from-cookie"));
        let map = headers(&[("cookie", "sid="), ("x-access-token", " from-header ")]);
        assert_eq!(token(&map, &sources).as_deref(), Some("from-header"));
        let map = headers(&[("authorization", "Bearer   "), ("cookie", "x=1; sid=c")]);
        assert_eq!(token(&map, &sources).as_deref(), Some("c"));
        let map = headers(&[("authorization", "Bearer a"), ("cookie", "sid=c")]);
        assert_eq!(token(&map, &sources).as_deref(), Some("a"));
    }

    #[test]
    fn client_ip_from_trusted_headers_then_peer() {
        let trusted = ["x-forwarded-for".to_owned(), "x-real-ip".to_owned()];
        let mut ext = Extensions::new();
        ext.insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 9], 4000))));
        let map = headers(&[
            ("x-forwarded-for", " 203.0.113.7 , 10.0.0.1"),
            ("x-real-ip", "198.51.100.1"),
        ]);
        assert_eq!(
            client_ip(&map, &ext, &trusted).as_deref(),
            Some("203.0.113.7")
        );
        let map = headers(&[("x-forwarded-for", "garbage"), ("x-real-ip", "[::1]:80")]);
        assert_eq!(client_ip(&map, &ext, &trusted).as_deref(), Some("::1"));
        assert_eq!(client_ip(&map, &ext, &[]).as_deref(), Some("10.0.0.9"));
        assert_eq!(
            client_ip(&HeaderMap::new(), &Extensions::new(), &trusted),
            None
        );
    }

    #[test]
    fn query_is_decoded_capped_and_redacted() {
        let q = captured_query(Some(
            "page=2&&name=J%C3%B6rg+M&flag&bad=%zz%4&access_token=abc&PassWord=x%20y&k=1&k=2",
        ));
        let pairs: Vec<(&str, &str)> = q.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("page", "2"),
                ("name", "Jörg M"),
                ("flag", ""),
                ("bad", "%zz%4"),
                ("access_token", REDACTED),
                ("PassWord", REDACTED),
                ("k", "1"),
                ("k", "2"),
            ]
        );
        assert!(captured_query(None).is_empty());
        assert_eq!(
            captured_query(Some("%FF=%C3")),
            [("\u{fffd}".into(), "\u{fffd}".into())]
        );
        let many = (0..200)
            .map(|i| format!("p{i}=v"))
            .collect::<Vec<_>>()
            .join("&");
        assert_eq!(captured_query(Some(&many)).len(), MAX_CAPTURED);
        let long = format!("{}={}", "n".repeat(5000), "é".repeat(5000));
        let q = captured_query(Some(&long));
        assert_eq!(q[0].0.len(), MAX_NAME_BYTES);
        assert!(q[0].1.len() <= MAX_VALUE_BYTES && q[0].1.len() >= MAX_VALUE_BYTES - 1);
        assert!(q[0].1.chars().all(|c| c == 'é'));
    }

    #[test]
    fn headers_are_captured_with_credentials_redacted() {
        let mut map = headers(&[
            ("authorization", "Bearer secret-1"),
            ("cookie", "sid=secret-2"),
            ("x-app-secret", "secret-3"),
            ("x-api-key", "secret-4"),
            ("x-sid", "secret-5"),
            ("accept", "application/json"),
            ("x-multi", "a"),
            ("x-multi", "b"),
        ]);
        map.append("x-binary", HeaderValue::from_bytes(b"\xff\xfe").unwrap());
        map.append("x-long", HeaderValue::from_str(&"v".repeat(5000)).unwrap());
        let captured = captured_headers(&map, &[TokenSource::Header("x-sid".into())]);
        let text = format!("{captured:?}");
        for secret in ["secret-1", "secret-2", "secret-3", "secret-4", "secret-5"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        let get = |name: &str| -> Vec<&str> {
            captured
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .collect()
        };
        for name in [
            "authorization",
            "cookie",
            "x-app-secret",
            "x-api-key",
            "x-sid",
        ] {
            assert_eq!(get(name), [REDACTED], "{name}");
        }
        assert_eq!(get("accept"), ["application/json"]);
        assert_eq!(get("x-multi"), ["a", "b"]);
        assert!(get("x-binary").is_empty());
        assert_eq!(get("x-long")[0].len(), MAX_VALUE_BYTES);
        let mut many = HeaderMap::new();
        for i in 0..100 {
            many.insert(
                HeaderName::from_bytes(format!("x-h{i}").as_bytes()).unwrap(),
                HeaderValue::from_static("v"),
            );
        }
        assert_eq!(captured_headers(&many, &[]).len(), MAX_CAPTURED);
    }

    #[test]
    fn ids() {
        let map = headers(&[
            ("x-request-id", " req-1 "),
            (
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
        ]);
        assert_eq!(header_id(&map, "x-request-id").as_deref(), Some("req-1"));
        assert_eq!(
            traceparent_trace_id(&map).as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        let long = "a".repeat(129);
        assert_eq!(
            header_id(&headers(&[("x-request-id", &long)]), "x-request-id"),
            None
        );
        assert_eq!(
            header_id(&headers(&[("x-request-id", "a b")]), "x-request-id"),
            None
        );
        let zero = headers(&[(
            "traceparent",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        )]);
        assert_eq!(traceparent_trace_id(&zero), None);
        let id = new_request_id();
        assert_eq!(id.len(), 32);
        assert_ne!(id, new_request_id());
    }
}
