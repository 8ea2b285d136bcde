//! [`OidcProvider`]: any OpenID Connect issuer, found by discovery, as an
//! [`IdentityProvider`]; and [`OidcFactory`], its registry entry (`provider = "oidc"`).

use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use arc_swap::ArcSwap;
use jsonwebtoken::Algorithm;
use polyauth_core::ErrorKind;
use polyauth_core::env::Env;
use polyauth_core::factory::{BuildContext, ProviderFactory};
use polyauth_core::http::{HttpClient, HttpConfig, RetryPolicy};
use polyauth_core::{
    AccessToken, AuthorizationCallback, AuthorizationRequest, AuthorizationStart, Capabilities,
    Error, IdentityProvider, RefreshToken, Result, Session, StateStore, TokenSet, UserProfile,
    VerifiedToken, VerifiedUser, VerifyCache, async_trait,
};
use polyauth_jwt::{JwtConfig, JwtProvider, profile_from_claims};
use serde_json::{Map, Value};

use crate::client::{Expect, IdTokenKeys, OAuthClient, OAuthClientConfig};
use crate::config::{OidcConfig, TokenMode};
use crate::metadata::ServerMetadata;

/// The provider name (`provider = "oidc"`, [`UserProfile::provider`]).
pub const PROVIDER: &str = "oidc";

/// Access-token algorithms accepted in `jwt` mode (asymmetric only: the JWKS is public).
const ACCESS_TOKEN_ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

#[derive(Debug)]
enum AccessTokens {
    /// RFC 9068 JWTs, verified locally (the JWT provider keeps its own cache).
    Jwt(Box<JwtProvider>),
    /// RFC 7662 introspection or UserInfo calls, cached here.
    Remote {
        mode: TokenMode,
        cache: Option<VerifyCache<Arc<VerifiedUser>>>,
    },
}

/// Any OpenID Connect issuer (Keycloak, Auth0, Okta, Azure AD, Google, Authing's OIDC
/// endpoint, …) as an [`IdentityProvider`]: access tokens verified by the configured
/// [`TokenMode`], user profiles from claims mapped through
/// [`ClaimNames`](polyauth_jwt::ClaimNames), and the authorization-code login, refresh and
/// logout of the [`OAuthClient`] engine. Capabilities follow the discovered metadata.
///
/// The discovery document is read at start-up. When a JWT access token names a key the JWKS
/// does not hold even after its refetch, the document is read again (at most once per JWKS
/// cooldown); if it names another `jwks_uri`, the provider switches to it and retries.
#[derive(Debug)]
pub struct OidcProvider {
    config: OidcConfig,
    http: HttpClient,
    /// The state store and the cache setup every rebuild uses.
    context: BuildContext,
    /// The engine and the access-token check of the current discovery document.
    current: ArcSwap<Discovered>,
    /// When the discovery document was last re-read on an unknown key.
    rediscovered: tokio::sync::Mutex<Option<Instant>>,
}

/// What one discovery document makes: the engine and the access-token check.
#[derive(Debug)]
struct Discovered {
    client: OAuthClient,
    access: AccessTokens,
}

impl OidcProvider {
    /// Discovers the issuer (`GET {issuer}/.well-known/openid-configuration`, whose `issuer`
    /// must be identical) and builds the provider; OAuth states go to `states`.
    ///
    /// Errors: `ConfigInvalid` as [`OidcConfig::validate`] and for a discovery document of
    /// another issuer or without the `jwks_uri` that `jwt` mode needs; `Unavailable` when the
    /// issuer cannot be reached; `Protocol` for a document that is not an OpenID Provider
    /// configuration.
    pub async fn discover(config: OidcConfig, states: Arc<dyn StateStore>) -> Result<OidcProvider> {
        OidcProvider::discover_in(config, &BuildContext::new(states)).await
    }

    /// As [`discover`](Self::discover), with the OAuth states in `context`'s state store and
    /// the verification cache (introspection and UserInfo modes) built by its cache setup
    /// (the shared tier, when configured). Errors: as [`discover`](Self::discover).
    pub async fn discover_in(config: OidcConfig, context: &BuildContext) -> Result<OidcProvider> {
        config
            .validate()
            .map_err(|e| e.with_context(PROVIDER, "discover"))?;
        let http = http_client(&config)?;
        let metadata = ServerMetadata::discover(&http, &config.issuer).await?;
        OidcProvider::build_in(config, metadata, http, context)
    }

    /// Builds the provider from metadata already at hand (no network call).
    ///
    /// Errors: as [`discover`](Self::discover) without the network ones.
    pub fn from_metadata(
        config: OidcConfig,
        metadata: ServerMetadata,
        http: HttpClient,
        states: Arc<dyn StateStore>,
    ) -> Result<OidcProvider> {
        OidcProvider::build_in(config, metadata, http, &BuildContext::new(states))
    }

    fn build_in(
        config: OidcConfig,
        metadata: ServerMetadata,
        http: HttpClient,
        context: &BuildContext,
    ) -> Result<OidcProvider> {
        config
            .validate()
            .map_err(|e| e.with_context(PROVIDER, "build"))?;
        let current = Discovered::build(&config, metadata, &http, context)?;
        Ok(OidcProvider {
            config,
            http,
            context: context.clone(),
            current: ArcSwap::from_pointee(current),
            rediscovered: tokio::sync::Mutex::new(None),
        })
    }

    /// The OAuth 2.0 / OpenID Connect engine behind the provider (client credentials,
    /// introspection, revocation, the end-session URL, …).
    /// (The engine of the current discovery document; cheap to clone.)
    pub fn client(&self) -> OAuthClient {
        self.current.load().client.clone()
    }

    /// The verified token and its user's profile by the configured [`TokenMode`]. In `jwt`
    /// mode, a token naming a key neither the JWKS nor its refetch has makes the discovery
    /// document be read again, and the check is retried once if it names another `jwks_uri`
    /// (see [`OidcProvider`]).
    async fn checked(&self, token: &AccessToken) -> Result<Arc<VerifiedUser>> {
        let current = self.current.load_full();
        let result = self.check_with(&current, token).await;
        let unknown_key = match (&result, &current.access) {
            (Err(e), AccessTokens::Jwt(jwt)) if e.kind() == ErrorKind::InvalidToken => {
                jsonwebtoken::decode_header(token.expose_secret())
                    .ok()
                    .and_then(|h| h.kid)
                    .is_some_and(|kid| !jwt.knows_kid(&kid))
            }
            _ => false,
        };
        if unknown_key && self.rediscover().await {
            return self.check_with(&self.current.load_full(), token).await;
        }
        result
    }

    async fn check_with(
        &self,
        current: &Discovered,
        token: &AccessToken,
    ) -> Result<Arc<VerifiedUser>> {
        match &current.access {
            AccessTokens::Jwt(jwt) => jwt.verified_user(token).await,
            AccessTokens::Remote { mode, cache } => self.verified(*mode, cache, token).await,
        }
    }

    /// Reads the discovery document again, at most once per JWKS cooldown; switches to it when
    /// it names another `jwks_uri`. Answers whether it switched. A failure keeps the current
    /// document (and is logged).
    async fn rediscover(&self) -> bool {
        let mut last = self.rediscovered.lock().await;
        let cooldown = self.config.jwks_options().cooldown;
        if last.is_some_and(|t| t.elapsed() < cooldown) {
            return false;
        }
        *last = Some(Instant::now());
        let metadata = match ServerMetadata::discover(&self.http, &self.config.issuer).await {
            Ok(metadata) => metadata,
            Err(e) => {
                tracing::warn!(error = %e, "polyauth oidc: re-reading the discovery document failed");
                return false;
            }
        };
        if metadata.jwks_uri == self.current.load().client.metadata().jwks_uri {
            return false;
        }
        match Discovered::build(&self.config, metadata, &self.http, &self.context) {
            Ok(next) => {
                tracing::info!("polyauth oidc: the issuer's jwks_uri changed; switched to it");
                self.current.store(Arc::new(next));
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "polyauth oidc: the new discovery document is unusable");
                false
            }
        }
    }

    /// The RP-initiated logout URL for a session's ID token (see
    /// [`OAuthClient::end_session_url`]). Errors: `Unsupported` without an end-session
    /// endpoint.
    pub fn end_session_url(
        &self,
        id_token_hint: Option<&polyauth_core::IdToken>,
        post_logout_redirect_uri: Option<&str>,
        state: Option<&str>,
    ) -> Result<url::Url> {
        self.client()
            .end_session_url(id_token_hint, post_logout_redirect_uri, state)
    }

    /// Verifies a token at the server (introspection or UserInfo) and maps its claims.
    async fn verify_remote(&self, mode: TokenMode, token: &AccessToken) -> Result<VerifiedUser> {
        let claims = match mode {
            TokenMode::Introspection => {
                let answer = self.client().introspect(token).await?;
                if !answer.active {
                    return Err(Error::invalid_token(
                        "the token is not active (introspection)",
                    ));
                }
                let accepted = &self.config.audience;
                if !accepted.is_empty() && !answer.audience.iter().any(|a| accepted.contains(a)) {
                    return Err(Error::invalid_token("the token's audience is not accepted"));
                }
                answer.claims
            }
            _ => self.client().userinfo(token).await?,
        };
        let subject = claims
            .get(&self.config.claims.subject)
            .or_else(|| claims.get("client_id"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::invalid_token("the token has no subject"))?
            .to_owned();
        let time = |name: &str| {
            claims
                .get(name)
                .and_then(Value::as_u64)
                .and_then(|s| UNIX_EPOCH.checked_add(Duration::from_secs(s)))
        };
        let mut token = VerifiedToken::new(subject).with_expires_at(time("exp"));
        token.issued_at = time("iat");
        token.claims = claims;
        let profile = Arc::new(profile_from_claims(PROVIDER, &token, &self.config.claims));
        Ok(VerifiedUser { token, profile })
    }

    async fn verified(
        &self,
        mode: TokenMode,
        cache: &Option<VerifyCache<Arc<VerifiedUser>>>,
        token: &AccessToken,
    ) -> Result<Arc<VerifiedUser>> {
        let verify = || async { self.verify_remote(mode, token).await.map(Arc::new) };
        match cache {
            Some(cache) => cache.get_or_verify(token, verify).await,
            None => verify().await,
        }
    }

    fn session_from(&self, tokens: TokenSet, claims: Option<Map<String, Value>>) -> Session {
        let user = claims.and_then(|claims| {
            let subject = claims.get("sub")?.as_str()?.to_owned();
            let mut token = VerifiedToken::new(subject);
            token.claims = claims;
            Some(profile_from_claims(PROVIDER, &token, &self.config.claims))
        });
        Session::new(tokens, user)
    }
}

impl Discovered {
    /// The engine and the access-token check for `metadata`.
    fn build(
        config: &OidcConfig,
        metadata: ServerMetadata,
        http: &HttpClient,
        context: &BuildContext,
    ) -> Result<Discovered> {
        let ctx = |e: Error| e.with_context(PROVIDER, "build");
        let access = match config.token_mode {
            TokenMode::Jwt => {
                let jwks_uri = metadata.jwks_uri.clone().ok_or_else(|| {
                    ctx(Error::config(
                        "the issuer publishes no jwks_uri, which token_mode = \"jwt\" needs",
                    ))
                })?;
                let mut jwt = JwtConfig::jwks_url(jwks_uri)
                    .with_issuer(config.issuer.clone())
                    .with_algorithms(ACCESS_TOKEN_ALGORITHMS)
                    .with_leeway_seconds(config.leeway_seconds)
                    .with_claims(config.claims.clone())
                    .with_cache(config.cache())
                    .with_jwks_options(config.jwks_options());
                for audience in &config.audience {
                    jwt = jwt.with_audience(audience.clone());
                }
                let mut provider = JwtProvider::new(jwt).map_err(ctx)?.named(PROVIDER);
                if let Some(typ) = config.required_access_token_type() {
                    provider = provider.with_token_type(typ);
                }
                AccessTokens::Jwt(Box::new(provider))
            }
            mode => AccessTokens::Remote {
                mode,
                // Per issuer, mode and audiences: a token one configuration accepted must not be
                // taken from the shared tier by another.
                cache: context.caches().build(
                    config.cache(),
                    format!(
                        "oidc:{}:{mode:?}:{}:user",
                        config.issuer,
                        config.audience.join(",")
                    ),
                ),
            },
        };
        let mut client_config =
            OAuthClientConfig::new(config.client_id.clone(), config.client_auth().map_err(ctx)?)
                .with_scopes(config.scopes.clone())
                .with_pkce(config.pkce)
                .with_par(config.par)
                .with_state_ttl(Duration::from_secs(config.state_ttl_seconds));
        client_config.redirect_uri = config.redirect_uri.clone();
        client_config.leeway_seconds = config.leeway_seconds;
        client_config.jwks = config.jwks_options();
        let keys = match &access {
            AccessTokens::Jwt(jwt) => IdTokenKeys::SharedWith(jwt),
            AccessTokens::Remote { .. } => IdTokenKeys::Discovered,
        };
        let client = OAuthClient::new(
            PROVIDER,
            http.clone(),
            metadata,
            client_config,
            context.state_store().clone(),
            keys,
        )?;
        Ok(Discovered { client, access })
    }
}

fn http_client(config: &OidcConfig) -> Result<HttpClient> {
    let timeout = Duration::from_secs(config.timeout_seconds);
    HttpClient::new(
        PROVIDER,
        HttpConfig {
            timeout,
            connect_timeout: timeout,
            retry: RetryPolicy::default(),
            ..HttpConfig::default()
        },
    )
}

#[async_trait]
impl IdentityProvider for OidcProvider {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        let current = self.current.load();
        let server = current.client.metadata();
        let grants = &server.grant_types_supported;
        let client = !self.config.client_id.trim().is_empty();
        Capabilities {
            verify: true,
            user_info: true,
            roles: true,
            permissions: true,
            authorization_code: self.config.redirect_uri.is_some(),
            pkce: current.client.uses_pkce(),
            refresh: client && (grants.is_empty() || grants.iter().any(|g| g == "refresh_token")),
            logout: client && server.revocation_endpoint.is_some(),
            ..Capabilities::default()
        }
    }

    /// Verifies an access token by the configured [`TokenMode`]: `jwt` locally (signature with
    /// the discovered JWKS, `iss`, `aud`, `exp`, `typ`), `introspection` at the introspection
    /// endpoint (`active`, `aud` when configured), `userinfo` at the UserInfo endpoint; the
    /// last two cached, one call for concurrent requests on one token.
    ///
    /// Errors: `InvalidToken` for a token the issuer does not vouch for; `Unavailable` when
    /// the issuer cannot be reached; `Protocol` for malformed answers.
    async fn verify(&self, token: &AccessToken) -> Result<VerifiedToken> {
        self.checked(token)
            .await
            .map(|v| v.token.clone())
            .map_err(|e| e.with_context(PROVIDER, "verify"))
    }

    /// The profile of the token's user, from its claims (JWT, introspection or UserInfo
    /// answer) through the configured claim names. Errors: as [`verify`](Self::verify).
    async fn user_info(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
        self.checked(token)
            .await
            .map(|v| v.profile.clone())
            .map_err(|e| e.with_context(PROVIDER, "user_info"))
    }

    /// Starts a login at the issuer's authorization endpoint (see [`OAuthClient::start`]).
    /// Errors: as [`OAuthClient::start`] (`ConfigInvalid` without a redirect URI).
    async fn start_authorization(
        &self,
        request: AuthorizationRequest,
    ) -> Result<AuthorizationStart> {
        self.client().start(request).await
    }

    /// Finishes a login (see [`OAuthClient::finish`]); the session's user comes from the
    /// validated ID token's claims. Errors: as [`OAuthClient::finish`].
    async fn finish_authorization(&self, callback: AuthorizationCallback) -> Result<Session> {
        let authorized = self
            .client()
            .finish(&callback, Expect::Bound(callback.binding.as_ref()))
            .await?;
        Ok(self.session_from(authorized.tokens, authorized.id_token_claims))
    }

    /// Refreshes at the token endpoint with the concurrent-refresh guard (see
    /// [`OAuthClient::refresh`]).
    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenSet> {
        self.client().refresh(refresh_token).await
    }

    /// Revokes the access token at the revocation endpoint (RFC 7009) and forgets it in the
    /// cache. Errors: `Unsupported` without a revocation endpoint; as
    /// [`OAuthClient::revoke`].
    async fn logout(&self, token: &AccessToken) -> Result<()> {
        let current = self.current.load_full();
        current.client.revoke(token).await?;
        self.invalidate_token(token).await
    }

    async fn invalidate_token(&self, token: &AccessToken) -> Result<()> {
        match &self.current.load_full().access {
            AccessTokens::Jwt(jwt) => jwt.invalidate_token(token).await,
            AccessTokens::Remote {
                cache: Some(cache), ..
            } => cache.invalidate_token(token).await,
            AccessTokens::Remote { cache: None, .. } => Ok(()),
        }
    }

    async fn invalidate_user(&self, subject: &str) -> Result<()> {
        match &self.current.load_full().access {
            AccessTokens::Jwt(jwt) => jwt.invalidate_user(subject).await,
            AccessTokens::Remote {
                cache: Some(cache), ..
            } => cache.invalidate_user(subject).await,
            AccessTokens::Remote { cache: None, .. } => Ok(()),
        }
    }
}

/// The registry entry of the generic OpenID Connect provider (`provider = "oidc"`): reads
/// [`OidcConfig`] from TOML or `POLYAUTH_OIDC_*`, and builds the provider by discovery (an
/// async build: the issuer is asked at start-up, so a wrong issuer fails there), with its
/// OAuth states in the shared state store of the build context.
#[derive(Clone, Copy, Debug, Default)]
pub struct OidcFactory;

#[async_trait]
impl ProviderFactory for OidcFactory {
    type Config = OidcConfig;

    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn config_from_env(&self, env: &Env) -> Result<OidcConfig> {
        OidcConfig::from_env(env)
    }

    fn env_keys(&self) -> &'static [&'static str] {
        crate::config::ENV_KEYS
    }

    fn validate(&self, config: &OidcConfig) -> Result<()> {
        config.validate()
    }

    async fn build(
        &self,
        config: &OidcConfig,
        context: &BuildContext,
    ) -> Result<Arc<dyn IdentityProvider>> {
        let provider = OidcProvider::discover_in(config.clone(), context).await?;
        Ok(Arc::new(provider))
    }
}
