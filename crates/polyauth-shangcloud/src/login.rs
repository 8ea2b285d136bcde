//! The OAuth 2.0 authorization-code flow on [`ShangCloudClient`]: authorization URLs with a
//! one-time `state` (optionally bound to the user agent, optionally with PKCE), the code
//! exchange, refresh, resuming and loading sessions. The flow itself is polyauth-oidc's
//! engine ([`OAuthClient`]), configured with ShangCloud's endpoints and the reference SDK's
//! raw Basic client authentication ([`BasicEncoding::Raw`]).

use std::sync::Arc;

use polyauth_core::http::HttpClient;
use polyauth_core::session::SessionPersistence;
use polyauth_core::{
    AuthorizationCallback, AuthorizationRequest, AuthorizationStart, Error, ErrorKind,
    RefreshToken, Result, Secret, StateStore, TokenSet,
};
use polyauth_oidc::{
    BasicEncoding, ClientAuth, Expect, IdTokenKeys, OAuthClient, OAuthClientConfig, ServerMetadata,
};

use crate::client::{PROVIDER, ShangCloudClient};
use crate::config::ShangCloudConfig;
use crate::session::UserSession;

/// Authorization endpoint path.
pub const AUTHORIZE_PATH: &str = "/oauth/authorize";
/// Token endpoint path.
pub const TOKEN_PATH: &str = "/oauth/token";

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

/// The engine for `config`: ShangCloud's authorization and token endpoints, the reference
/// SDK's raw `Basic base64("{id}:{secret}")` (id and secret **not** form-urlencoded first, as
/// RFC 6749 §2.3.1 would have it: the reference server compares the raw form), the configured
/// scope, PKCE and state lifetime.
pub(crate) fn oauth_client(
    config: &ShangCloudConfig,
    base_url: &str,
    http: HttpClient,
    states: Arc<dyn StateStore>,
) -> Result<OAuthClient> {
    let endpoint = |path: &str| {
        url::Url::parse(&format!("{base_url}{path}")).map_err(|_| {
            Error::config("the ShangCloud base URL does not make valid endpoint URLs")
                .with_context(PROVIDER, "oauth_client")
        })
    };
    let server = ServerMetadata::new(endpoint(AUTHORIZE_PATH)?, endpoint(TOKEN_PATH)?);
    let auth = client_auth(config.client_secret.clone());
    let oauth = OAuthClientConfig::new(config.client_id.clone(), auth)
        .with_redirect_uri(config.redirect_uri.clone())
        .with_scopes(config.scope.split(' ').filter(|s| !s.is_empty()))
        .with_pkce(config.pkce)
        .with_state_ttl(config.state_ttl);
    OAuthClient::new(
        PROVIDER,
        http,
        server,
        oauth,
        states,
        IdTokenKeys::Custom(Vec::new()),
    )
}

/// The reference SDK's client authentication with `secret`.
pub(crate) fn client_auth(secret: polyauth_core::ClientSecret) -> ClientAuth {
    ClientAuth::ClientSecretBasic {
        secret,
        encoding: BasicEncoding::Raw,
    }
}

impl ShangCloudClient {
    /// The request with the client's current scope when it names none.
    fn scoped(&self, mut request: AuthorizationRequest) -> AuthorizationRequest {
        if request.scopes.is_empty() {
            request.scopes = self
                .scope()
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
        }
        request
    }

    /// Starts a login with the configured redirect URI and scope: returns
    /// `{base_url}/oauth/authorize?response_type=code&client_id=..&state=..&redirect_uri=..&scope=..`
    /// (plus `code_challenge` and `code_challenge_method=S256` with PKCE) and the `state` in it
    /// (stored for the configured TTL).
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
        let (url, state) = self.inner.oauth.start_unbound(self.scoped(request)).await?;
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
        self.inner.oauth.start(self.scoped(request)).await
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
    /// Errors: `InvalidState`; `InvalidInput` for an empty code; for an OAuth error answer (also
    /// one sent with status 200), by its `error` code, which the message keeps: `invalid_grant` (a
    /// used, expired or unknown code) → `InvalidToken` (log in again), `invalid_client` /
    /// `unauthorized_client` (our credentials are wrong) → `ConfigInvalid`, `server_error` /
    /// `temporarily_unavailable` → `Unavailable`, any other → `Provider` (the `error` as
    /// `provider_code()`, its description as `provider_message()`); `Unavailable` for 5xx, timeouts
    /// and connection failures; `RateLimited` for 429; `Protocol` for a non-JSON answer or one
    /// without `access_token`/`token_type`; errors of the state store.
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

    /// Finishes through the engine. Shared by the client's methods and the provider's
    /// `finish_authorization`.
    pub(crate) async fn finish(
        &self,
        code: &str,
        state: &str,
        expect: Expect<'_>,
    ) -> Result<UserSession> {
        let callback = AuthorizationCallback::new(code, state);
        let authorized = self.inner.oauth.finish(&callback, expect).await?;
        Ok(UserSession::new(self.clone(), authorized.tokens).with_return_to(authorized.return_to))
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
        if tokens.scope.is_none() {
            tokens.scope = session.tokens().scope.clone();
        }
        Ok(UserSession::new(self.clone(), tokens))
    }

    /// Exchanges a refresh token for new tokens (the standard RFC 6749 §6 grant, not observed
    /// in the reference SDK; see [`refresh`](Self::refresh)). Concurrent refreshes of one
    /// refresh token make one call (the engine's concurrent-refresh guard); a server that does
    /// not rotate refresh tokens keeps the old one valid, and it is kept in the result.
    ///
    /// Errors: `Unsupported` when refresh is turned off (no network call); `InvalidToken` for
    /// an unknown, used, expired or revoked refresh token (`invalid_grant`: the user must log
    /// in again); otherwise as [`exchange_code`](Self::exchange_code).
    pub async fn refresh_token(&self, refresh_token: &RefreshToken) -> Result<TokenSet> {
        if !self.refresh_enabled() {
            return Err(Self::refresh_unsupported());
        }
        self.inner.oauth.refresh(refresh_token).await
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
}
