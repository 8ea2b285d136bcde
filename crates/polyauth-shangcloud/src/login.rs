//! The OAuth 2.0 authorization-code flow on [`ShangCloudClient`]: authorization URLs with a
//! one-time `state` (optionally bound to the user agent, optionally with PKCE), the code
//! exchange, refresh, resuming and loading sessions, and the token endpoint's transport and
//! answer mapping.

use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::SystemTime;

use base64::Engine as _;
use oauth2::basic::{BasicClient, BasicErrorResponse, BasicTokenType};
use oauth2::{
    AuthUrl, AuthorizationCode, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use polyauth_core::binding::{binding_digest, check_binding, new_binding};
use polyauth_core::http::{HttpClient, HttpResponse, Idempotency};
use polyauth_core::session::SessionPersistence;
use polyauth_core::{
    AccessToken, AuthorizationRequest, AuthorizationStart, Error, ErrorKind, RefreshToken, Result,
    Secret, TokenSet,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{PROVIDER, ShangCloudClient};
use crate::session::UserSession;

/// Authorization endpoint path.
pub const AUTHORIZE_PATH: &str = "/oauth/authorize";
/// Token endpoint path.
pub const TOKEN_PATH: &str = "/oauth/token";

/// Bytes of CSPRNG output in a `state` (base64url without padding: 43 characters, 256 bits).
const STATE_BYTES: usize = 32;
/// Longest `state` accepted from a callback; longer ones are refused unread (bindings are
/// capped by `polyauth_core::binding::check_binding`).
const MAX_CALLBACK_VALUE: usize = 512;
/// The `oauth2` crate only leaves `client_id` out of the form body when it has a client secret,
/// and then adds its own (form-urlencoded) Basic header. It is given this placeholder, never
/// the real secret: [`TokenTransport`] replaces the header with the reference SDK's raw form.
const OAUTH2_PLACEHOLDER_SECRET: &str = "set-by-token-transport";

/// What is stored under a `state` until its callback.
#[derive(Debug, Default, Serialize, Deserialize)]
struct StateRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pkce_verifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    return_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    /// SHA-256 of the user-agent binding (hex, `polyauth_core::binding::binding_digest`), for
    /// logins started with [`ShangCloudClient::authorization_url_bound`] or the provider's
    /// `start_authorization`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    binding_sha256: Option<String>,
}

/// A login start bound to the user agent that asked for it (see
/// [`ShangCloudClient::authorization_url_bound`]): the core [`AuthorizationStart`], whose
/// `binding` goes to that user agent only and back to
/// [`ShangCloudClient::exchange_code_bound`]. `Debug` redacts the binding.
pub type BoundAuthorizationStart = AuthorizationStart;

/// A login start **not** bound to the user agent, as the reference SDK makes it (see
/// [`ShangCloudClient::authorization_url`]): the application must bind the state to the
/// browser itself, or use [`ShangCloudClient::authorization_url_bound`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnboundAuthorizationStart {
    /// The provider's authorization URL with all parameters: redirect the user agent to it.
    pub url: url::Url,
    /// The `state` in the URL (CSPRNG, single use, stored with the TTL).
    pub state: String,
}

/// What a finish expects of the state record.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Expect<'a> {
    /// An unbound state ([`ShangCloudClient::exchange_code`]).
    Unbound,
    /// A bound state and the binding the user agent presented, if any.
    Bound(Option<&'a Secret>),
}

impl ShangCloudClient {
    /// The `oauth2` crate's client for the authorization and token endpoints and
    /// `redirect_uri`, holding a placeholder secret (see [`OAUTH2_PLACEHOLDER_SECRET`]).
    fn oauth_client(
        &self,
        redirect_uri: &str,
    ) -> Result<
        BasicClient<
            oauth2::EndpointSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointSet,
        >,
    > {
        let bad = |what: &'static str| Error::config(what).with_context(PROVIDER, "oauth_client");
        Ok(
            BasicClient::new(oauth2::ClientId::new(self.inner.client_id.clone()))
                // Keeps client_id out of the form body (the reference sends none); the header
                // oauth2 makes from it is replaced by TokenTransport.
                .set_client_secret(oauth2::ClientSecret::new(
                    OAUTH2_PLACEHOLDER_SECRET.to_owned(),
                ))
                .set_auth_uri(
                    AuthUrl::new(self.url(AUTHORIZE_PATH))
                        .map_err(|_| bad("the authorization URL is not valid"))?,
                )
                .set_token_uri(
                    TokenUrl::new(self.url(TOKEN_PATH))
                        .map_err(|_| bad("the token URL is not valid"))?,
                )
                .set_redirect_uri(
                    RedirectUrl::new(redirect_uri.to_owned())
                        .map_err(|_| bad("the redirect URI is not valid"))?,
                ),
        )
    }

    /// Starts a login with the configured redirect URI and scope: returns the URL to redirect
    /// the user agent to and the `state` in it (stored for the configured TTL).
    ///
    /// The state is **not** bound to the user agent: the application must do that itself
    /// (RFC 6749 §10.12), or use [`authorization_url_bound`](Self::authorization_url_bound)
    /// and [`exchange_code_bound`](Self::exchange_code_bound), which do it.
    ///
    /// Errors: from the state store (`Unavailable` when it is down; `RateLimited` when a
    /// bounded store is full).
    pub async fn authorization_url(&self) -> Result<UnboundAuthorizationStart> {
        self.authorization_url_with(AuthorizationRequest::default())
            .await
    }

    /// As [`authorization_url`](Self::authorization_url), with a per-request redirect URI,
    /// scopes (replacing the configured scope when non-empty) and a `return_to` kept with the
    /// state (read it back from [`UserSession::return_to`]). Unbound, as
    /// [`authorization_url`](Self::authorization_url).
    ///
    /// Errors: `InvalidInput` for a redirect URI that is not a URL; as
    /// [`authorization_url`](Self::authorization_url).
    pub async fn authorization_url_with(
        &self,
        request: AuthorizationRequest,
    ) -> Result<UnboundAuthorizationStart> {
        let (url, state) = self.start(request, None).await?;
        Ok(UnboundAuthorizationStart { url, state })
    }

    /// As [`authorization_url_with`](Self::authorization_url_with), and binds the state to the
    /// user agent that asked (RFC 6749 §10.12, login CSRF): also returns a random `binding`,
    /// whose SHA-256 is stored with the state. Hand the binding to that user agent only, e.g.
    /// `Set-Cookie: {name}={binding}; HttpOnly; SameSite=Lax; Path={callback path}` (plus
    /// `Secure` over https and `Max-Age` of the state TTL), and finish the login with
    /// [`exchange_code_bound`](Self::exchange_code_bound) and the binding read back from that
    /// cookie. A callback opened in another browser (an attacker's `?code=..&state=..` sent to
    /// a victim) then fails with `InvalidState` before any token request.
    ///
    /// Errors: as [`authorization_url_with`](Self::authorization_url_with).
    pub async fn authorization_url_bound(
        &self,
        request: AuthorizationRequest,
    ) -> Result<BoundAuthorizationStart> {
        let binding = new_binding();
        let (url, state) = self.start(request, Some(&binding)).await?;
        Ok(AuthorizationStart::new(url, state, binding))
    }

    async fn start(
        &self,
        request: AuthorizationRequest,
        binding: Option<&Secret>,
    ) -> Result<(url::Url, String)> {
        let ctx = |e: Error| e.with_context(PROVIDER, "authorization_url");
        let redirect_uri = match &request.redirect_uri {
            Some(r) => url::Url::parse(r)
                .map_err(|_| ctx(Error::invalid_input("redirect_uri is not a valid URL")))?
                .to_string(),
            None => self.inner.redirect_uri.to_string(),
        };
        let scope = if request.scopes.is_empty() {
            self.scope()
        } else {
            request.scopes.join(" ")
        };
        let state = new_state();
        let oauth = self.oauth_client(&redirect_uri)?;
        let mut auth = oauth
            .authorize_url(|| CsrfToken::new(state.clone()))
            .add_scopes(
                scope
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(|s| Scope::new(s.to_owned())),
            );
        let mut record = StateRecord {
            redirect_uri: request.redirect_uri.as_ref().map(|_| redirect_uri.clone()),
            return_to: request.return_to,
            scope: Some(scope.clone()),
            binding_sha256: binding.map(binding_digest),
            ..StateRecord::default()
        };
        if self.inner.pkce {
            let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
            auth = auth.set_pkce_challenge(challenge);
            record.pkce_verifier = Some(verifier.secret().clone());
        }
        let (url, _) = auth.url();
        let value = serde_json::to_string(&record).map_err(|e| {
            ctx(Error::protocol("could not encode the state record").with_source(e))
        })?;
        self.inner
            .states
            .put(&state, &value, self.inner.state_ttl)
            .await
            .map_err(ctx)?;
        Ok((url, state))
    }

    /// Finishes a login: takes `state` from the store (atomically; a missing, expired, foreign
    /// or replayed state is `InvalidState` before any network call, and a state is consumed
    /// even when the exchange then fails, as in the reference SDK), then exchanges `code` at
    /// `POST {base_url}/oauth/token` (form `grant_type=authorization_code&code=..&redirect_uri=..`
    /// plus `code_verifier` with PKCE; `Authorization: Basic base64("{id}:{secret}")` as the
    /// reference SDK sends it).
    ///
    /// This checks that the state was issued and not used, **not** that the callback comes from
    /// the browser that started the login: bind the state to the user agent yourself, or use
    /// [`exchange_code_bound`](Self::exchange_code_bound). A state started with
    /// [`authorization_url_bound`](Self::authorization_url_bound) is refused here
    /// (`InvalidState`).
    ///
    /// Errors: `InvalidState`; `InvalidInput` for an empty code; for an OAuth error answer
    /// (also one sent with status 200), by its `error` code, which the message keeps:
    /// `invalid_grant` (a used, expired or unknown code) → `InvalidToken` (log in again),
    /// `invalid_client` / `unauthorized_client` (our credentials are wrong) → `ConfigInvalid`,
    /// `server_error` / `temporarily_unavailable` → `Unavailable`, any other →
    /// `Provider{code, message}`; `Unavailable` for 5xx, timeouts and connection failures;
    /// `RateLimited` for 429; `Protocol` for a non-JSON answer or one without
    /// `access_token`/`token_type`; errors of the state store.
    pub async fn exchange_code(&self, code: &str, state: &str) -> Result<UserSession> {
        self.finish(code, state, Expect::Unbound).await
    }

    /// As [`exchange_code`](Self::exchange_code) for a login started with
    /// [`authorization_url_bound`](Self::authorization_url_bound): after taking the state
    /// (atomically, so it is consumed either way) and **before** the token request, checks in
    /// constant time that `binding` (read from the user agent's cookie) is the one issued with
    /// the state. Pass `""` when the cookie is missing.
    ///
    /// Errors: `InvalidState` also when the binding is empty, wrong (the callback was opened in
    /// another browser: login CSRF), or the state was started unbound; otherwise as
    /// [`exchange_code`](Self::exchange_code).
    pub async fn exchange_code_bound(
        &self,
        code: &str,
        state: &str,
        binding: &str,
    ) -> Result<UserSession> {
        let binding = (!binding.is_empty()).then(|| Secret::new(binding));
        self.finish(code, state, Expect::Bound(binding.as_ref()))
            .await
    }

    /// Takes the state, checks it against `expect` (before any token request), exchanges the
    /// code. Shared by the client's methods and the provider's `finish_authorization`.
    pub(crate) async fn finish(
        &self,
        code: &str,
        state: &str,
        expect: Expect<'_>,
    ) -> Result<UserSession> {
        let ctx = |e: Error| e.with_context(PROVIDER, "exchange_code");
        let refused = |message: &'static str| ctx(Error::new(ErrorKind::InvalidState, message));
        let invalid_state =
            || refused("the OAuth state is missing, expired, foreign or was already used");
        if state.is_empty() || state.len() > MAX_CALLBACK_VALUE {
            return Err(invalid_state());
        }
        let stored = self
            .inner
            .states
            .take(state)
            .await
            .map_err(ctx)?
            .ok_or_else(invalid_state)?;
        let record: StateRecord = serde_json::from_str(&stored).map_err(|_| invalid_state())?;
        match (record.binding_sha256.as_deref(), expect) {
            (None, Expect::Unbound) => {}
            (Some(_), Expect::Unbound) => {
                return Err(refused(
                    "the OAuth state is bound to a user agent: finish it with exchange_code_bound",
                ));
            }
            (None, Expect::Bound(_)) => {
                return Err(refused(
                    "the OAuth state was not started bound to a user agent \
                     (use authorization_url_bound)",
                ));
            }
            (Some(stored), Expect::Bound(presented)) => {
                check_binding(Some(stored), presented).map_err(ctx)?;
            }
        }
        if code.is_empty() {
            return Err(ctx(Error::invalid_input("the callback carries no code")));
        }
        let redirect_uri = record
            .redirect_uri
            .clone()
            .unwrap_or_else(|| self.inner.redirect_uri.to_string());
        let oauth = self.oauth_client(&redirect_uri)?;
        let mut request = oauth.exchange_code(AuthorizationCode::new(code.to_owned()));
        if let Some(v) = record.pkce_verifier {
            request = request.set_pkce_verifier(PkceCodeVerifier::new(v));
        }
        let http = self.token_transport("exchange_code")?;
        let response = request.request_async(&http).await;
        let tokens = token_set(response, &http.status, record.scope).map_err(ctx)?;
        Ok(UserSession::new(self.clone(), tokens).with_return_to(record.return_to))
    }

    fn refresh_unsupported() -> Error {
        Error::new(
            ErrorKind::Unsupported,
            "refresh is turned off for this ShangCloud deployment (config `refresh = false`)",
        )
        .with_context(PROVIDER, "refresh")
    }

    /// Refreshes a session with its refresh token: the standard RFC 6749 §6 grant
    /// (`grant_type=refresh_token` at `POST {base_url}/oauth/token`, Basic client
    /// authentication). **Not observed in the reference SDK**, which stores the refresh token
    /// but never uses it; deployments whose server lacks the grant turn it off with
    /// [`ShangCloudConfig::refresh`](crate::ShangCloudConfig::refresh) (`refresh = false`),
    /// and then this is `Unsupported`.
    ///
    /// Errors: `Unsupported` when refresh is turned off; `InvalidInput` when the session has no
    /// refresh token; otherwise as [`refresh_token`](Self::refresh_token).
    pub async fn refresh(&self, session: &UserSession) -> Result<UserSession> {
        if !self.refresh_enabled() {
            return Err(Self::refresh_unsupported());
        }
        let rt = session.tokens().refresh_token.clone().ok_or_else(|| {
            Error::invalid_input("the session has no refresh token")
                .with_context(PROVIDER, "refresh")
        })?;
        let mut tokens = self.refresh_token(&rt).await?;
        if tokens.refresh_token.is_none() {
            // Servers that do not rotate refresh tokens keep the old one valid.
            tokens.refresh_token = Some(rt);
        }
        if tokens.scope.is_none() {
            tokens.scope = session.tokens().scope.clone();
        }
        Ok(UserSession::new(self.clone(), tokens))
    }

    /// Exchanges a refresh token for new tokens (the standard RFC 6749 §6 grant, not observed
    /// in the reference SDK; see [`refresh`](Self::refresh)).
    ///
    /// Errors: `Unsupported` when refresh is turned off (no network call); `InvalidToken` for
    /// an unknown, used, expired or revoked refresh token (`invalid_grant`: the user must log
    /// in again); otherwise as [`exchange_code`](Self::exchange_code).
    pub async fn refresh_token(&self, refresh_token: &RefreshToken) -> Result<TokenSet> {
        if !self.refresh_enabled() {
            return Err(Self::refresh_unsupported());
        }
        let oauth = self.oauth_client(self.inner.redirect_uri.as_str())?;
        let rt = oauth2::RefreshToken::new(refresh_token.expose_secret().to_owned());
        let http = self.token_transport("refresh")?;
        let response = oauth.exchange_refresh_token(&rt).request_async(&http).await;
        token_set(response, &http.status, None).map_err(|e| e.with_context(PROVIDER, "refresh"))
    }

    /// Resumes a session from stored tokens (see [`crate::SessionPersistence`]).
    pub fn resume(&self, tokens: TokenSet) -> UserSession {
        UserSession::new(self.clone(), tokens)
    }

    /// Loads a saved session (see [`SessionPersistence`]); `Ok(None)` when none is saved
    /// under `id`. Errors: those of the persistence.
    pub async fn load_session(
        &self,
        persistence: &dyn SessionPersistence,
        id: &str,
    ) -> Result<Option<UserSession>> {
        Ok(persistence.load(id).await?.map(|t| self.resume(t)))
    }

    /// The `oauth2` crate's HTTP client over the core [`HttpClient`], sending the raw Basic
    /// client authentication.
    fn token_transport(&self, operation: &'static str) -> Result<TokenTransport> {
        Ok(TokenTransport {
            http: self.inner.http.clone(),
            operation,
            authorization: self
                .basic_authorization()
                .map_err(|e| e.with_context(PROVIDER, operation))?,
            status: Arc::new(AtomicU16::new(0)),
        })
    }
}

/// The `oauth2` crate's HTTP client: the core [`HttpClient`] (timeouts, body cap, tracing
/// without URLs), never retried (a code is single-use), recording the answer's status so that
/// errors the `oauth2` crate reports without it can still be mapped by status.
///
/// It replaces the `Authorization` header `oauth2` made (form-urlencoded id and a placeholder
/// secret) with the reference SDK's raw `Basic base64("{id}:{secret}")`.
struct TokenTransport {
    http: HttpClient,
    operation: &'static str,
    authorization: http::HeaderValue,
    status: Arc<AtomicU16>,
}

impl<'c> oauth2::AsyncHttpClient<'c> for TokenTransport {
    type Error = Error;
    type Future =
        std::pin::Pin<Box<dyn Future<Output = Result<http::Response<Vec<u8>>>> + Send + 'c>>;

    fn call(&'c self, mut request: http::Request<Vec<u8>>) -> Self::Future {
        request
            .headers_mut()
            .insert(http::header::AUTHORIZATION, self.authorization.clone());
        Box::pin(async move {
            let response = self
                .http
                .execute(self.operation, request, Idempotency::NonIdempotent)
                .await?;
            self.status
                .store(response.status().as_u16(), Ordering::Relaxed);
            Ok(response)
        })
    }
}

/// A fresh `state`: 32 bytes of the thread-local CSPRNG (ChaCha, seeded from the OS), base64url
/// without padding.
fn new_state() -> String {
    new_random_value(STATE_BYTES)
}

/// `len` bytes of the thread-local CSPRNG, base64url without padding.
fn new_random_value(len: usize) -> String {
    let bytes: Vec<u8> = (0..len).map(|_| rand::random::<u8>()).collect();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `s` is an RFC 7235 `token` (usable as an authorization scheme).
fn is_http_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

type TokenResponseResult = std::result::Result<
    oauth2::basic::BasicTokenResponse,
    RequestTokenError<Error, BasicErrorResponse>,
>;

/// Turns the `oauth2` crate's outcome into a [`TokenSet`] or a typed error.
fn token_set(
    response: TokenResponseResult,
    status: &AtomicU16,
    requested_scope: Option<String>,
) -> Result<TokenSet> {
    let status = status.load(Ordering::Relaxed);
    let response = response.map_err(|e| token_error(e, status))?;
    let token_type = match response.token_type() {
        BasicTokenType::Bearer => "Bearer".to_owned(),
        BasicTokenType::Mac => "MAC".to_owned(),
        BasicTokenType::Extension(other) => other.clone(),
    };
    if !is_http_token(&token_type) {
        return Err(Error::protocol(
            "the token response's token_type is not a valid authorization scheme",
        )
        .with_status(status));
    }
    let access = response.access_token().secret();
    if access.is_empty() {
        return Err(
            Error::protocol("the token response has an empty access_token").with_status(status),
        );
    }
    let scope = response
        .scopes()
        .map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
        .or(requested_scope);
    let mut tokens = TokenSet::bearer(AccessToken::new(access.clone()));
    tokens.token_type = token_type;
    tokens.refresh_token = response
        .refresh_token()
        .map(|r| RefreshToken::new(r.secret().clone()));
    tokens.expires_at = response
        .expires_in()
        .and_then(|d| SystemTime::now().checked_add(d));
    tokens.scope = scope;
    Ok(tokens)
}

fn token_error(e: RequestTokenError<Error, BasicErrorResponse>, status: u16) -> Error {
    match e {
        RequestTokenError::Request(e) => e,
        RequestTokenError::ServerResponse(r) => Error::from_oauth_error(
            r.error().as_ref(),
            r.error_description()
                .map(String::as_str)
                .unwrap_or_default(),
            status,
        ),
        RequestTokenError::Parse(parse, body) => {
            if status != 200 {
                return raw_status_error(status, body);
            }
            let json = serde_json::from_slice::<Value>(&body).ok();
            match json {
                Some(Value::Object(map)) => {
                    if let Some(code) = map.get("error").and_then(Value::as_str) {
                        let message = map
                            .get("error_description")
                            .and_then(Value::as_str)
                            .unwrap_or_default();
                        return Error::from_oauth_error(code, message, status);
                    }
                    let missing = ["access_token", "token_type"]
                        .into_iter()
                        .find(|k| !map.contains_key(*k));
                    match missing {
                        Some(k) => Error::protocol(format!("the token response has no `{k}`")),
                        None => Error::protocol(format!(
                            "the token response has a field of the wrong type (at `{}`)",
                            parse.path()
                        )),
                    }
                    .with_status(status)
                }
                Some(_) => {
                    Error::protocol("the token response is not a JSON object").with_status(status)
                }
                None => Error::protocol("the token response is not JSON").with_status(status),
            }
        }
        RequestTokenError::Other(message) => {
            if status != 200 && status != 0 {
                raw_status_error(status, Vec::new())
            } else {
                Error::protocol(format!("unexpected token response: {message}")).with_status(status)
            }
        }
    }
}

fn raw_status_error(status: u16, body: Vec<u8>) -> Error {
    HttpResponse {
        status,
        headers: http::HeaderMap::new(),
        body: body.into(),
    }
    .status_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_long_and_url_safe() {
        let a = new_state();
        assert_eq!(a.len(), 43);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(a, new_state());
    }

    #[test]
    fn auth_schemes_are_validated() {
        assert!(is_http_token("Bearer"));
        assert!(!is_http_token("Bearer x"));
        assert!(!is_http_token(""));
        assert!(!is_http_token("a\r\nX-Evil: 1"));
    }
}
