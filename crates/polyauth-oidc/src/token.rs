//! Reading the answers of the token, PAR, introspection and revocation endpoints: one mapping
//! of OAuth 2.0 error answers and malformed bodies to typed errors.

use std::time::{Duration, SystemTime};

use polyauth_core::http::HttpResponse;
use polyauth_core::{AccessToken, Error, IdToken, RefreshToken, Result, TokenSet};
use serde_json::{Map, Value};

/// The JSON object of an endpoint's answer, or the typed error it stands for.
///
/// An RFC 6749 §5.2 error body (`{"error": ..}`, whatever the status, also with 200) is
/// [`Error::from_oauth_error`]; any other non-2xx is the status rule
/// ([`HttpResponse::status_error`]); a 2xx that is not a JSON object is `Protocol`.
pub(crate) fn json_object(
    response: &HttpResponse,
    what: &'static str,
) -> Result<Map<String, Value>> {
    let parsed = serde_json::from_slice::<Value>(&response.body).ok();
    if let Some(Value::Object(map)) = &parsed
        && let Some(code) = map.get("error").and_then(Value::as_str)
    {
        let description = map
            .get("error_description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return Err(Error::from_oauth_error(code, description, response.status));
    }
    if !response.is_success() {
        return Err(response.status_error());
    }
    match parsed {
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(Error::protocol(format!("the {what} is not a JSON object"))
            .with_status(response.status)),
        None => {
            Err(Error::protocol(format!("the {what} is not JSON")).with_status(response.status))
        }
    }
}

/// A successful token response (RFC 6749 §5.1) as a [`TokenSet`].
///
/// Errors: as [`json_object`]; `Protocol` for a missing or empty `access_token`, a missing
/// `token_type` or one that is not an HTTP authorization scheme, or fields of the wrong type.
pub(crate) fn token_set(
    response: &HttpResponse,
    requested_scope: Option<&str>,
) -> Result<TokenSet> {
    let map = json_object(response, "token response")?;
    let status = response.status;
    let bad = |message: &'static str| Error::protocol(message).with_status(status);
    let text = |key: &str| -> Result<Option<String>> {
        match map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(Error::protocol(format!(
                "the token response's `{key}` is not a string"
            ))
            .with_status(status)),
        }
    };
    let access = text("access_token")?
        .filter(|s| !s.is_empty())
        .ok_or_else(|| bad("the token response has no access_token"))?;
    let token_type =
        text("token_type")?.ok_or_else(|| bad("the token response has no token_type"))?;
    if !is_http_token(&token_type) {
        return Err(bad(
            "the token response's token_type is not a valid authorization scheme",
        ));
    }
    let expires_in = match map.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_u64(),
        // Some servers send it as a string of digits.
        Some(Value::String(s)) => Some(
            s.trim()
                .parse::<u64>()
                .map_err(|_| bad("the token response's expires_in is not a number"))?,
        ),
        Some(_) => return Err(bad("the token response's expires_in is not a number")),
    };
    let mut tokens = TokenSet::bearer(AccessToken::new(access));
    // The type is case-insensitive (RFC 6749 §5.1); `bearer` is spelt as RFC 6750 does.
    if !token_type.eq_ignore_ascii_case("bearer") {
        tokens.token_type = token_type;
    }
    tokens.refresh_token = text("refresh_token")?
        .filter(|s| !s.is_empty())
        .map(RefreshToken::new);
    tokens.id_token = text("id_token")?
        .filter(|s| !s.is_empty())
        .map(IdToken::new);
    tokens.expires_at =
        expires_in.and_then(|s| SystemTime::now().checked_add(Duration::from_secs(s)));
    tokens.scope = text("scope")?.or_else(|| requested_scope.map(str::to_owned));
    Ok(tokens)
}

/// Whether `s` is an RFC 7235 `token` (usable as an authorization scheme).
fn is_http_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: http::HeaderMap::new(),
            body: body.to_owned().into_bytes().into(),
        }
    }

    #[test]
    fn token_responses_are_read_and_checked() {
        let t = token_set(
            &response(
                200,
                r#"{"access_token":"a","token_type":"Bearer","expires_in":"60","refresh_token":"r"}"#,
            ),
            Some("openid"),
        )
        .unwrap();
        assert_eq!(t.access_token.expose_secret(), "a");
        assert_eq!(t.scope.as_deref(), Some("openid"));
        assert!(t.expires_at.is_some());
        assert!(t.refresh_token.is_some());

        let kind =
            |status, body: &str| token_set(&response(status, body), None).unwrap_err().kind();
        use polyauth_core::ErrorKind::*;
        assert_eq!(kind(200, r#"{"error":"invalid_grant"}"#), InvalidToken);
        assert_eq!(kind(401, r#"{"error":"invalid_client"}"#), ConfigInvalid);
        assert_eq!(kind(500, "<html>oops</html>"), Unavailable);
        assert_eq!(kind(429, "slow down"), RateLimited);
        assert_eq!(kind(200, "<html>login</html>"), Protocol);
        assert_eq!(kind(200, r#"{"token_type":"Bearer"}"#), Protocol);
        assert_eq!(
            kind(200, r#"{"access_token":"a","token_type":"Bearer x"}"#),
            Protocol
        );
        assert_eq!(
            kind(200, r#"{"access_token":1,"token_type":"Bearer"}"#),
            Protocol
        );
        assert!(!is_http_token("a\r\nX: y"));
    }
}
