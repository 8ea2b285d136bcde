//! [`ServerMetadata`]: what the engine knows of the authorization server, from OpenID Connect
//! discovery (`{issuer}/.well-known/openid-configuration`) or written down by a backend whose
//! server publishes no discovery document.

use polyauth_core::http::{HttpClient, Idempotency};
use polyauth_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// The path of the discovery document under the issuer (OpenID Connect Discovery 1.0 §4).
pub const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// The authorization server's metadata (OpenID Connect Discovery 1.0 §3, RFC 8414): its
/// endpoints and what it supports. Unknown fields of a discovery document are ignored.
///
/// A backend without discovery builds it with [`ServerMetadata::new`] and the `with_*`
/// methods; an OpenID Connect issuer's comes from [`ServerMetadata::discover`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServerMetadata {
    /// The issuer identifier (`iss` of its ID tokens and of RFC 9207 responses); `None` for a
    /// plain OAuth 2.0 server that has none.
    #[serde(default)]
    pub issuer: Option<String>,
    /// The authorization endpoint.
    pub authorization_endpoint: url::Url,
    /// The token endpoint.
    pub token_endpoint: url::Url,
    /// The UserInfo endpoint (OIDC Core §5.3).
    #[serde(default)]
    pub userinfo_endpoint: Option<url::Url>,
    /// The JWK Set of the server's signing keys.
    #[serde(default)]
    pub jwks_uri: Option<url::Url>,
    /// The token introspection endpoint (RFC 7662).
    #[serde(default)]
    pub introspection_endpoint: Option<url::Url>,
    /// The token revocation endpoint (RFC 7009).
    #[serde(default)]
    pub revocation_endpoint: Option<url::Url>,
    /// The RP-initiated logout endpoint (OpenID Connect RP-Initiated Logout 1.0).
    #[serde(default)]
    pub end_session_endpoint: Option<url::Url>,
    /// The pushed authorization request endpoint (RFC 9126).
    #[serde(default)]
    pub pushed_authorization_request_endpoint: Option<url::Url>,
    /// Whether the server accepts authorization requests only through PAR (RFC 9126 §5).
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    /// Whether the server adds `iss` to its authorization responses (RFC 9207).
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    /// The PKCE methods the server supports (`S256`, `plain`); empty when it does not say.
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
    /// The client authentication methods of the token endpoint.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// The signature algorithms of ID tokens (`RS256`, `ES256`, …).
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// The scopes the server knows.
    #[serde(default)]
    pub scopes_supported: Vec<String>,
    /// The grant types the server supports (`authorization_code`, `refresh_token`, …).
    #[serde(default)]
    pub grant_types_supported: Vec<String>,
}

impl ServerMetadata {
    /// A server known only by its authorization and token endpoints: no issuer, no other
    /// endpoint, no advertised features.
    pub fn new(authorization_endpoint: url::Url, token_endpoint: url::Url) -> Self {
        ServerMetadata {
            issuer: None,
            authorization_endpoint,
            token_endpoint,
            userinfo_endpoint: None,
            jwks_uri: None,
            introspection_endpoint: None,
            revocation_endpoint: None,
            end_session_endpoint: None,
            pushed_authorization_request_endpoint: None,
            require_pushed_authorization_requests: false,
            authorization_response_iss_parameter_supported: false,
            code_challenge_methods_supported: Vec::new(),
            token_endpoint_auth_methods_supported: Vec::new(),
            id_token_signing_alg_values_supported: Vec::new(),
            scopes_supported: Vec::new(),
            grant_types_supported: Vec::new(),
        }
    }

    /// Sets the issuer identifier.
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// Sets the UserInfo endpoint.
    pub fn with_userinfo_endpoint(mut self, url: url::Url) -> Self {
        self.userinfo_endpoint = Some(url);
        self
    }

    /// Sets the JWK Set URL.
    pub fn with_jwks_uri(mut self, url: url::Url) -> Self {
        self.jwks_uri = Some(url);
        self
    }

    /// Sets the revocation endpoint (RFC 7009).
    pub fn with_revocation_endpoint(mut self, url: url::Url) -> Self {
        self.revocation_endpoint = Some(url);
        self
    }

    /// Sets the introspection endpoint (RFC 7662).
    pub fn with_introspection_endpoint(mut self, url: url::Url) -> Self {
        self.introspection_endpoint = Some(url);
        self
    }

    /// Sets the end-session endpoint (RP-initiated logout).
    pub fn with_end_session_endpoint(mut self, url: url::Url) -> Self {
        self.end_session_endpoint = Some(url);
        self
    }

    /// Fetches `{issuer}/.well-known/openid-configuration` and checks it: the document's
    /// `issuer` must equal `issuer` exactly (OIDC Discovery §4.3; a trailing `/` of the
    /// configured value is not added to the document's path twice), and the authorization and
    /// token endpoints must be present.
    ///
    /// Errors: `ConfigInvalid` when `issuer` is not an http(s) URL or the document names
    /// another issuer; `Unavailable` when the server cannot be reached or answers 5xx;
    /// `Protocol` for an answer that is not a discovery document (HTML, wrong JSON, missing
    /// endpoints), naming what is missing.
    pub async fn discover(http: &HttpClient, issuer: &str) -> Result<ServerMetadata> {
        let ctx = |e: Error| e.with_context(http.provider(), "discover");
        let base = url::Url::parse(issuer)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| {
                ctx(Error::config(
                    "the OIDC issuer is not an absolute http(s) URL",
                ))
            })?;
        let url = format!("{}{DISCOVERY_PATH}", base.as_str().trim_end_matches('/'));
        let response = http
            .send("discover", http.reqwest().get(url), Idempotency::Idempotent)
            .await
            .map_err(ctx)?;
        if !response.is_success() {
            return Err(ctx(response.status_error()));
        }
        let metadata: ServerMetadata = response.json().map_err(|e| {
            ctx(Error::protocol(
                "the discovery document is not an OpenID Provider configuration (it must be a \
                 JSON object with issuer, authorization_endpoint and token_endpoint)",
            )
            .with_status(e.status().unwrap_or(response.status)))
        })?;
        match metadata.issuer.as_deref() {
            Some(found) if found == issuer => Ok(metadata),
            Some(found) => Err(ctx(Error::config(format!(
                "the discovery document names the issuer `{found}`, not the configured \
                 `{issuer}` (OIDC Discovery §4.3: they must be identical)"
            )))),
            None => Err(ctx(Error::protocol("the discovery document has no issuer"))),
        }
    }

    /// Whether the server supports PKCE with S256. A server that does not list its methods is
    /// assumed to accept it (a server ignores parameters it does not know, RFC 6749 §3.1).
    pub fn supports_pkce_s256(&self) -> bool {
        self.code_challenge_methods_supported.is_empty()
            || self
                .code_challenge_methods_supported
                .iter()
                .any(|m| m == "S256")
    }
}
