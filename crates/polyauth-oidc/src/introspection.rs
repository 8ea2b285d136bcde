//! The typed answer of an RFC 7662 introspection endpoint.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use polyauth_core::{Error, Result};
use serde_json::{Map, Value};

/// An RFC 7662 introspection answer (§2.2), from [`OAuthClient::introspect`].
///
/// [`active`](Self::active) is the answer. The other members are what the server chose to
/// say about an active token: RFC 7662 makes each optional, and one that does not have the
/// RFC's type (a numeric `sub`, a textual `exp`) is read as absent rather than failing the
/// call. Every member as sent, these and the server's own (`email`, roles, ...), stays in
/// [`claims`](Self::claims).
///
/// [`OAuthClient::introspect`]: crate::OAuthClient::introspect
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TokenIntrospection {
    /// `active`: whether the token is valid now (issued by this server, not expired, not
    /// revoked). An inactive token's answer says nothing else.
    pub active: bool,
    /// `scope`: the token's scopes, space-separated (see [`scopes`](Self::scopes)).
    pub scope: Option<String>,
    /// `client_id`: the client the token was issued to.
    pub client_id: Option<String>,
    /// `username`: a human-readable name of the resource owner.
    pub username: Option<String>,
    /// `token_type`: `Bearer`, ...
    pub token_type: Option<String>,
    /// `exp` (seconds since the Unix epoch) as a time.
    pub expires_at: Option<SystemTime>,
    /// `iat` (seconds since the Unix epoch) as a time.
    pub issued_at: Option<SystemTime>,
    /// `nbf` (seconds since the Unix epoch) as a time.
    pub not_before: Option<SystemTime>,
    /// `sub`: the subject, usually the resource owner's identifier.
    pub subject: Option<String>,
    /// `aud`: the audiences, from one string or a list of strings; empty when absent.
    pub audience: Vec<String>,
    /// `iss`: the issuer.
    pub issuer: Option<String>,
    /// `jti`: the token's identifier.
    pub jti: Option<String>,
    /// The whole answer as a JSON object, the members above included.
    pub claims: Map<String, Value>,
}

impl TokenIntrospection {
    /// Reads an introspection answer. Errors: `Protocol` when `active` is missing or not a
    /// boolean (RFC 7662 §2.2 requires it).
    pub fn from_claims(claims: Map<String, Value>) -> Result<Self> {
        let Some(Value::Bool(active)) = claims.get("active") else {
            return Err(Error::protocol(
                "the introspection response has no boolean `active`",
            ));
        };
        let text = |key: &str| claims.get(key).and_then(Value::as_str).map(str::to_owned);
        let time = |key: &str| {
            claims
                .get(key)
                .and_then(Value::as_u64)
                .and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s)))
        };
        let audience = match claims.get("aud") {
            Some(Value::String(aud)) => vec![aud.clone()],
            Some(Value::Array(auds)) => auds
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        Ok(Self {
            active: *active,
            scope: text("scope"),
            client_id: text("client_id"),
            username: text("username"),
            token_type: text("token_type"),
            expires_at: time("exp"),
            issued_at: time("iat"),
            not_before: time("nbf"),
            subject: text("sub"),
            audience,
            issuer: text("iss"),
            jti: text("jti"),
            claims,
        })
    }

    /// The scopes of [`scope`](Self::scope), one by one (none when absent).
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or_default().split_whitespace()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polyauth_core::ErrorKind;
    use serde_json::json;

    fn read(answer: Value) -> Result<TokenIntrospection> {
        match answer {
            Value::Object(claims) => TokenIntrospection::from_claims(claims),
            _ => unreachable!("the tests pass objects"),
        }
    }

    #[test]
    fn reads_the_rfc_members_and_keeps_the_rest() {
        let t = read(json!({
            "active": true, "scope": "openid  profile", "client_id": "app", "username": "alice",
            "token_type": "Bearer", "exp": 2_000_000_000u64, "iat": 1_000, "sub": "u-1",
            "aud": ["api", 7, "web"], "iss": "https://issuer", "jti": "j-1", "email": "a@x"
        }))
        .unwrap();
        assert!(t.active);
        assert_eq!(t.scopes().collect::<Vec<_>>(), ["openid", "profile"]);
        assert_eq!(t.client_id.as_deref(), Some("app"));
        assert_eq!(t.username.as_deref(), Some("alice"));
        assert_eq!(t.subject.as_deref(), Some("u-1"));
        assert_eq!(
            t.audience,
            ["api", "web"],
            "non-string audiences are left out"
        );
        assert_eq!(
            t.expires_at,
            Some(UNIX_EPOCH + Duration::from_secs(2_000_000_000))
        );
        assert_eq!(t.issued_at, Some(UNIX_EPOCH + Duration::from_secs(1_000)));
        assert_eq!(t.not_before, None);
        assert_eq!(t.claims["email"], "a@x");
        assert_eq!(
            read(json!({"active": true, "aud": "api"}))
                .unwrap()
                .audience,
            ["api"]
        );
    }

    #[test]
    fn an_inactive_token_and_odd_members() {
        let t = read(json!({"active": false})).unwrap();
        assert!(!t.active);
        assert_eq!(t.scopes().count(), 0);
        let odd = read(json!({"active": true, "sub": 42, "exp": "soon"})).unwrap();
        assert_eq!((odd.subject, odd.expires_at), (None, None));
        for bad in [
            json!({}),
            json!({"active": "true"}),
            json!({"active": null}),
        ] {
            assert_eq!(read(bad).unwrap_err().kind(), ErrorKind::Protocol);
        }
    }
}
