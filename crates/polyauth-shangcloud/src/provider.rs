//! [`ShangCloudProvider`]: the `IdentityProvider` adapter over [`ShangCloudClient`].

use std::sync::Arc;

use async_trait::async_trait;
use polyauth_core::cache::CacheSetup;
use polyauth_core::{
    AccessToken, AuthorizationCallback, AuthorizationRequest, AuthorizationStart, Capabilities,
    Error, IdentityProvider, RefreshToken, Result, Session, TokenSet, UserProfile, VerifiedToken,
    VerifyCache,
};
use serde_json::Value;

use crate::client::{PROVIDER, ShangCloudClient, UserBasicInfo};
use crate::config::ShangCloudConfig;
use polyauth_oidc::Expect;

/// Longest access token sent to the server; longer ones are rejected locally as invalid.
pub const MAX_TOKEN_BYTES: usize = 4096;

/// ShangCloud as an [`IdentityProvider`]: OAuth 2.0 authorization code (start and finish, with
/// one-time state and optional PKCE), refresh (the standard RFC 6749 §6 grant, not observed in
/// the reference SDK; off with `refresh = false`), and user info from `/api/user/info`.
///
/// `start_authorization` / `finish_authorization` bind the state to the user agent (RFC 6749
/// §10.12, login CSRF), as the client's
/// [`authorization_url_bound`](ShangCloudClient::authorization_url_bound) /
/// [`exchange_code_bound`](ShangCloudClient::exchange_code_bound) do: the start's `binding`
/// goes into an `HttpOnly; SameSite=Lax` cookie of the browser that started the login, and the
/// callback must carry it back ([`AuthorizationCallback::with_binding`]), or finishing is
/// `InvalidState` before any token request.
///
/// ShangCloud has no roles or permissions (profiles carry none, and the capabilities say so),
/// no password login, no logout endpoint and no user directory; those calls are
/// `Unsupported`. `verify` is `user_info` (the server has no introspection endpoint), so it
/// costs one call per token per cache TTL: results are kept in the core [`VerifyCache`]
/// (SHA-256 keys, single-flight, a short negative TTL for rejected tokens).
///
/// Profile mapping: `id` = `uid` as text, `username` and `nickname` = `nickname` (ShangCloud
/// has no separate login name), `email` = `mail`, `avatar`, `raw` = the whole answer.
#[derive(Debug, Clone)]
pub struct ShangCloudProvider {
    client: ShangCloudClient,
    cache: Option<Arc<VerifyCache<Arc<UserProfile>>>>,
}

impl ShangCloudProvider {
    /// A provider with an in-memory state store. Errors: `ConfigInvalid` as
    /// [`ShangCloudClient::new`].
    pub fn new(config: ShangCloudConfig) -> Result<Self> {
        Ok(Self::from_client(ShangCloudClient::new(config)?))
    }

    /// A provider over an existing client (and so its state store).
    pub fn from_client(client: ShangCloudClient) -> Self {
        let cache = client.config().cache.map(|c| Arc::new(VerifyCache::new(c)));
        ShangCloudProvider { client, cache }
    }

    /// The same provider with its profile cache built by `caches`: linked to the shared
    /// tier when one is configured, with the application's overrides.
    pub fn with_caches(mut self, caches: &CacheSetup) -> Self {
        self.cache = caches
            .build(
                self.client.config().cache,
                format!("shangcloud:{}:user", self.client.config().client_id),
            )
            .map(Arc::new);
        self
    }

    /// The native client, for the calls outside the trait (variables, MMO rooms).
    pub fn client(&self) -> &ShangCloudClient {
        &self.client
    }

    async fn fetch_profile(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
        let info = self.client.basic_info(token).await?;
        Ok(Arc::new(profile(info)))
    }
}

/// Maps `/api/user/info` to the normalized profile.
pub fn profile(info: UserBasicInfo) -> UserProfile {
    let non_empty = |s: String| (!s.is_empty()).then_some(s);
    let mut p = UserProfile::new(PROVIDER, info.user_id.to_string()).with_raw(info.raw);
    p.username = non_empty(info.nickname.clone());
    p.nickname = non_empty(info.nickname);
    p.email = non_empty(info.mail);
    p.avatar = non_empty(info.avatar);
    p
}

#[async_trait]
impl IdentityProvider for ShangCloudProvider {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            verify: true,
            user_info: true,
            authorization_code: true,
            pkce: self.client.config().pkce,
            refresh: self.client.refresh_enabled(),
            ..Default::default()
        }
    }

    /// `user_info`, answered as a [`VerifiedToken`] whose subject is the uid and whose claims
    /// are the user-info answer. ShangCloud does not say when a token expires, so
    /// `expires_at` is `None`.
    async fn verify(&self, token: &AccessToken) -> Result<VerifiedToken> {
        let me = self.user_info(token).await?;
        let claims = match &me.raw {
            Value::Object(m) => m.clone(),
            _ => Default::default(),
        };
        Ok(VerifiedToken::new(me.id.clone()).with_claims(claims))
    }

    /// `POST /api/user/info`, cached. Errors: `InvalidToken` for an empty, oversized or
    /// header-unsafe token (no network call), `Unauthenticated` when the server answers 401,
    /// `Unavailable`, `Protocol`.
    async fn user_info(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
        let t = token.expose_secret();
        if t.is_empty()
            || t.len() > MAX_TOKEN_BYTES
            || !t.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
        {
            return Err(
                Error::invalid_token("the token is empty, too long or malformed")
                    .with_context(PROVIDER, "user_info"),
            );
        }
        match &self.cache {
            Some(cache) => {
                cache
                    .get_or_verify(token, || self.fetch_profile(token))
                    .await
            }
            None => self.fetch_profile(token).await,
        }
    }

    /// As [`ShangCloudClient::authorization_url_bound`]: the state is stored with the digest of
    /// the returned `binding`.
    async fn start_authorization(
        &self,
        request: AuthorizationRequest,
    ) -> Result<AuthorizationStart> {
        self.client.authorization_url_bound(request).await
    }

    /// Takes the state (`InvalidState` when missing, expired or replayed, before any network
    /// call), then checks the callback's binding against the one issued with the state
    /// (`InvalidState` when missing or wrong, also before any network call; a state started
    /// unbound with the client's `authorization_url` is refused too), then exchanges the code
    /// (errors as [`ShangCloudClient::exchange_code`]). The session carries the tokens; `user`
    /// is `None` (call `user_info` with the access token when you need the profile).
    async fn finish_authorization(&self, callback: AuthorizationCallback) -> Result<Session> {
        let session = self
            .client
            .finish(
                callback.code.expose_secret(),
                &callback.state,
                Expect::Bound(callback.binding.as_ref()),
            )
            .await?;
        Ok(Session::new(session.into_tokens(), None))
    }

    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenSet> {
        self.client.refresh_token(refresh_token).await
    }

    async fn invalidate_token(&self, token: &AccessToken) -> Result<()> {
        match &self.cache {
            Some(cache) => cache.invalidate_token(token).await,
            None => Ok(()),
        }
    }

    async fn invalidate_user(&self, subject: &str) -> Result<()> {
        match &self.cache {
            Some(cache) => cache.invalidate_user(subject).await,
            None => Ok(()),
        }
    }
}
