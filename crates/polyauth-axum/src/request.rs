//! Reading credentials, client address and ids from request headers.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use http::header::{AUTHORIZATION, COOKIE};
use http::{Extensions, HeaderMap};
use polyauth_core::AccessToken;

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

/// The first credential found: `Authorization: Bearer` first, then `sources` in order. An
/// unusable `Authorization` (or token header) value is malformed; an empty token counts as
/// missing and the next source is tried.
pub(crate) fn credential(headers: &HeaderMap, sources: &[TokenSource]) -> Credential {
    if let Some(value) = headers.get(AUTHORIZATION) {
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
            TokenSource::Header(name) => match headers.get(name.as_str()).map(|v| v.to_str()) {
                None => None,
                Some(Ok(text)) => Some(text.trim()),
                Some(Err(_)) => return Credential::Malformed(MALFORMED_HEADER),
            },
        };
        if let Some(token) = found.filter(|t| !t.is_empty()) {
            return Credential::Token(AccessToken::new(token));
        }
    }
    Credential::Missing
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

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

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
