//! [`AuthingProvider`]: Authing behind polyauth's [`IdentityProvider`] contract.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use async_trait::async_trait;
use base64::Engine;
use polyauth_core::cache::CacheSetup;
use polyauth_core::model::dedup;
use polyauth_core::{
    AccessToken, AuthorizationCallback, AuthorizationRequest, AuthorizationStart, BatchLookup,
    Capabilities, Credentials, DirectoryCapabilities, Error, ErrorKind, IdentityProvider,
    LoginIdentifier, MemoryStateStore, NewUser, Page, PageRequest, RefreshToken, Result, Session,
    StateStore, TokenSet, UserDirectory, UserProfile, UserQuery, UserUpdate, VerifiedToken,
    VerifyCache,
};
use polyauth_jwt::{JwksOptions, JwtConfig, JwtProvider};
use polyauth_oidc::{Expect, IdTokenKeys, OAuthClient};
use serde_json::{Map, Value};

use crate::auth::{
    AuthenticationClient, AuthenticationClientOptions, LoginOptions, consent_prompt_for,
};
use crate::config::{AuthingConfig, VerificationMode};
use crate::error::{error_from_code, is_token_rejection};
use crate::management::{
    CustomData, MAX_BATCH_IDS, ManagementClient, ManagementClientOptions, PasswordStorage,
    QueryField, SearchOptions,
};
use crate::types::{User, UserSession};

const NAME: &str = "authing";

/// Tokens longer than this are rejected before any network call (bytes).
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// Authing as an [`IdentityProvider`]: a thin adapter over [`AuthenticationClient`] and,
/// when a pool secret is configured, [`ManagementClient`] (the [`UserDirectory`]).
///
/// - `verify`: locally (RS256 via the app's JWKS, HS256 with `jwt_secret`) or online
///   (`checkLoginStatus`, cached by token hash and single-flight), per [`VerificationMode`].
/// - `user_info`: `GET /api/v2/users/me`, roles (`getUserRoles`) and permissions (the actions
///   of `listUserAuthorizedResources` in `permission_namespace`), cached by token hash.
/// - `login`: password (username, e-mail, phone) and phone code; `start_authorization` /
///   `finish_authorization`: the OIDC authorization-code flow with PKCE S256, a single-use
///   `state` in a [`StateStore`] bound to the user agent (the start's `binding`, whose digest
///   is stored with the state, must come back on the callback: RFC 6749 §10.12) and a `nonce`
///   checked against the verified id_token (whose claims fill `Session::user`); `refresh`;
///   `logout` (`/api/v2/logout`, which also forgets the token in both caches).
///
/// A logged-out token still verifies *locally* until it expires; use
/// [`VerificationMode::Online`] when logouts must take effect at once.
#[derive(Debug)]
pub struct AuthingProvider {
    config: AuthingConfig,
    auth: AuthenticationClient,
    directory: Option<AuthingDirectory>,
    /// RS256 through the app's JWKS (with `app_host`); audience = app id. Verifies user tokens
    /// in `Local`/`Auto` mode and id_tokens in every mode.
    rs256: Option<JwtProvider>,
    /// HS256 with `jwt_secret`; audience = app id. Used like `rs256`.
    hs256: Option<JwtProvider>,
    cache: Option<VerifyCache<Arc<UserProfile>>>,
    /// Online (`checkLoginStatus`) answers by token hash; same settings as `cache`.
    online_cache: Option<VerifyCache<VerifiedToken>>,
    /// The login flow (polyauth-oidc's engine), or why it cannot be built (no app secret for
    /// the configured client authentication).
    oauth: std::result::Result<OAuthClient, Error>,
}

impl AuthingProvider {
    /// Builds the provider (no network call).
    ///
    /// Errors: `ConfigInvalid` for bad hosts or keys, `Local` verification with neither
    /// `app_host` nor `jwt_secret`.
    pub fn new(config: AuthingConfig) -> Result<Self> {
        config.validate()?;
        let mut o = AuthenticationClientOptions::new(config.app_id.clone());
        o.user_pool_id = config.user_pool_id.clone();
        o.host = config.host.clone();
        o.app_host = config.app_host.clone();
        o.enc_public_key = config.enc_public_key.clone();
        o.lang = config.lang.clone();
        o.secret = config.app_secret.clone();
        o.redirect_uri = config.redirect_uri.clone();
        o.token_endpoint_auth_method = config.token_endpoint_auth_method;
        o.introspection_endpoint_auth_method = config.token_endpoint_auth_method;
        o.revocation_endpoint_auth_method = config.token_endpoint_auth_method;
        o.timeout = config.timeout;
        let auth = AuthenticationClient::new(o)?;
        let directory = match (&config.user_pool_id, &config.pool_secret) {
            (Some(pool), Some(secret)) => {
                let mut m = ManagementClientOptions::new(pool.clone(), secret.clone());
                m.host = config.host.clone();
                m.enc_public_key = config.enc_public_key.clone();
                m.lang = config.lang.clone();
                m.timeout = config.timeout;
                Some(AuthingDirectory {
                    client: ManagementClient::new(m)?,
                })
            }
            _ => None,
        };
        // The local verifiers are built in every mode: `Online` still needs them for the
        // id_token of the authorization-code flow (building them makes no network call).
        let rs256 = match &config.app_host {
            Some(host) => {
                let url = format!("{}/oidc/.well-known/jwks.json", host.trim_end_matches('/'));
                let url = url::Url::parse(&url)
                    .map_err(|_| Error::config("app_host is not a valid URL"))?;
                // The JWKS fetch honours the provider's timeout like every other call.
                let jwks = JwksOptions {
                    timeout: config.timeout,
                    ..JwksOptions::default()
                };
                Some(JwtProvider::new(
                    JwtConfig::jwks_url(url)
                        .with_audience(config.app_id.clone())
                        .with_cache(None)
                        .with_jwks_options(jwks),
                )?)
            }
            None => None,
        };
        let hs256 = match &config.jwt_secret {
            Some(secret) => Some(JwtProvider::new(
                JwtConfig::hs256(secret.clone())
                    .with_audience(config.app_id.clone())
                    .with_cache(None),
            )?),
            None => None,
        };
        if config.verification == VerificationMode::Local && rs256.is_none() && hs256.is_none() {
            return Err(Error::config(
                "local Authing verification needs app_host (RS256 JWKS) or jwt_secret (HS256)",
            ));
        }
        let oauth = login_flow(
            &auth,
            &config,
            &rs256,
            &hs256,
            Arc::new(MemoryStateStore::default()),
        );
        Ok(AuthingProvider {
            cache: config.cache.map(VerifyCache::new),
            online_cache: config.cache.map(VerifyCache::new),
            config,
            auth,
            directory,
            rs256,
            hs256,
            oauth,
        })
    }

    /// The same provider with its caches (profiles, and online `checkLoginStatus` answers)
    /// built by `caches`: linked to the shared tier when one is configured, with the
    /// application's overrides. Cached answers so far are dropped.
    pub fn with_caches(mut self, caches: &CacheSetup) -> Self {
        self.cache = caches.build(
            self.config.cache,
            format!("authing:{}:user", self.config.app_id),
        );
        self.online_cache = caches.build(
            self.config.cache,
            format!("authing:{}:verify", self.config.app_id),
        );
        self
    }

    /// Uses `store` for OAuth `state` values (a shared store for several instances).
    pub fn with_state_store(mut self, store: Arc<dyn StateStore>) -> Self {
        self.oauth = login_flow(&self.auth, &self.config, &self.rs256, &self.hs256, store);
        self
    }

    /// The native authentication client (every operation of the reference SDK).
    pub fn authentication(&self) -> &AuthenticationClient {
        &self.auth
    }

    /// The native management client, when a pool secret is configured.
    pub fn management(&self) -> Option<&ManagementClient> {
        self.directory.as_ref().map(|d| &d.client)
    }

    /// The login flow. Errors: `ConfigInvalid` (with `op`) when it could not be built.
    fn login(&self, op: &'static str) -> Result<&OAuthClient> {
        self.oauth
            .as_ref()
            .map_err(|e| e.clone().with_context(NAME, op))
    }

    fn check_length(token: &AccessToken) -> Result<()> {
        if token.is_empty() || token.len() > MAX_TOKEN_BYTES {
            return Err(Error::invalid_token("the token is empty or too long"));
        }
        Ok(())
    }

    fn local_verifier(&self, token: &AccessToken) -> Option<&JwtProvider> {
        let header = token.expose_secret().split('.').next()?;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .ok()?;
        let v: Value = serde_json::from_slice(&json).ok()?;
        match v.get("alg")?.as_str()? {
            "RS256" => self.rs256.as_ref(),
            "HS256" => self.hs256.as_ref(),
            _ => None,
        }
    }

    /// Verifies a JWT with the local verifier of its algorithm; `None` without one.
    async fn verify_locally(&self, token: &AccessToken) -> Option<Result<VerifiedToken>> {
        let local = self.local_verifier(token)?;
        // Re-stamp the embedded JWT verifier's errors as ours (the cause is kept).
        Some(local.verify(token).await.map_err(|e| {
            let kind = e.kind();
            let message = e.message().to_owned();
            Error::new(kind, message)
                .set_temporary(e.is_temporary())
                .with_source(e)
        }))
    }

    async fn verify_inner(&self, token: &AccessToken) -> Result<VerifiedToken> {
        Self::check_length(token)?;
        if self.config.verification != VerificationMode::Online {
            if let Some(result) = self.verify_locally(token).await {
                return result;
            }
            if self.config.verification == VerificationMode::Local {
                return Err(Error::invalid_token(
                    "the token cannot be verified locally (no key for its algorithm)",
                ));
            }
        }
        match &self.online_cache {
            Some(c) => c.get_or_verify(token, || self.verify_online(token)).await,
            None => self.verify_online(token).await,
        }
    }

    /// `checkLoginStatus`: a live login, or `InvalidToken` only when Authing rejects the token
    /// itself (2020 not logged in, 2206 expired, 401); every other code goes through
    /// [`error_from_code`] (a 5xx code is `Unavailable`, never a bad token).
    async fn verify_online(&self, token: &AccessToken) -> Result<VerifiedToken> {
        let status = self.auth.check_login_status(token).await?;
        let id = status.data.as_ref().and_then(|d| d.id.clone());
        let message = status.message.clone().unwrap_or_default();
        match (status.status, id, status.code) {
            (Some(true), Some(id), _) => {
                let mut v = VerifiedToken::new(id).with_expires_at(
                    status
                        .exp
                        .and_then(|e| u64::try_from(e).ok())
                        .and_then(|e| UNIX_EPOCH.checked_add(Duration::from_secs(e))),
                );
                v.issued_at = status
                    .iat
                    .and_then(|e| u64::try_from(e).ok())
                    .and_then(|e| UNIX_EPOCH.checked_add(Duration::from_secs(e)));
                Ok(v)
            }
            (Some(true), None, _) => Err(Error::protocol(
                "Authing's login status is live but names no user",
            )),
            (_, _, Some(code)) if is_token_rejection(code) => Err(Error::invalid_token(format!(
                "Authing says the token is not a live login ({code}: {message})"
            ))),
            // Authing's error codes are HTTP-like (4xx, 5xx) or its own (1000 and up); a 200
            // answer with any other code (`{"code": 0, "data": {}}`) is not a login status.
            (_, _, Some(code)) if code >= 400 => Err(error_from_code(code, &message)),
            _ => Err(Error::protocol(
                "Authing's login status is neither live nor a token rejection nor an error",
            )),
        }
    }

    async fn profile_uncached(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
        if self.config.verification != VerificationMode::Online {
            // Reject bad tokens locally before spending round trips.
            self.verify_inner(token).await?;
        } else {
            Self::check_length(token)?;
        }
        let user = self
            .auth
            .get_current_user(&UserSession::new(token.clone()))
            .await?;
        let session = UserSession::new(token.clone()).with_user_id(user.id.clone());
        let (roles, perms) = tokio::join!(
            self.auth.list_roles(&session, None),
            self.auth
                .list_authorized_resources(&session, &self.config.permission_namespace, None)
        );
        let mut p = profile_from_user(&user);
        p.roles = dedup(roles?.list.into_iter().map(|r| r.code));
        p.permissions = dedup(perms?.list.into_iter().flat_map(|r| r.actions));
        Ok(Arc::new(p))
    }

    async fn profile(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
        match &self.cache {
            Some(c) => {
                c.get_or_verify(token, || self.profile_uncached(token))
                    .await
            }
            None => self.profile_uncached(token).await,
        }
    }
}

/// The provider's login flow: the authentication client's endpoints and credentials, states in
/// `states`, ID tokens verified by the local verifiers (sharing their keys).
fn login_flow(
    auth: &AuthenticationClient,
    config: &AuthingConfig,
    rs256: &Option<JwtProvider>,
    hs256: &Option<JwtProvider>,
    states: Arc<dyn StateStore>,
) -> std::result::Result<OAuthClient, Error> {
    let keys = [rs256, hs256]
        .into_iter()
        .flatten()
        .map(JwtProvider::uncached_copy)
        .collect();
    auth.oauth_client_with(states, IdTokenKeys::Custom(keys), config.state_ttl)
}

/// Maps an Authing user to the normalized profile (roles and permissions empty).
pub fn profile_from_user(user: &User) -> UserProfile {
    let mut p = UserProfile::new(NAME, user.id.clone());
    p.username = user.username.clone();
    p.nickname = user.nickname.clone().or_else(|| user.name.clone());
    p.email = user.email.clone();
    p.phone = user.phone.clone();
    p.avatar = user.photo.clone();
    p.company = user.company.clone();
    p.status = user.status.clone();
    p.raw = user.raw.clone();
    p
}

/// The profile an id_token's verified claims describe (roles and permissions empty).
fn profile_from_claims(v: &VerifiedToken) -> UserProfile {
    let claim = |k: &str| v.claims.get(k).and_then(Value::as_str).map(str::to_owned);
    let mut p = UserProfile::new(NAME, v.subject.clone());
    p.username = claim("preferred_username").or_else(|| claim("username"));
    p.nickname = claim("nickname").or_else(|| claim("name"));
    p.email = claim("email");
    p.phone = claim("phone_number").or_else(|| claim("phone"));
    p.avatar = claim("picture");
    p.company = claim("company");
    p.raw = Value::Object(v.claims.clone());
    p
}

fn session_from_user(user: User, op: &'static str) -> Result<Session> {
    let token = user
        .token
        .clone()
        .ok_or_else(|| Error::protocol("the login answer has no token").with_context(NAME, op))?;
    let profile = profile_from_user(&user);
    Ok(Session::new(TokenSet::bearer(token), Some(profile)))
}

#[async_trait]
impl IdentityProvider for AuthingProvider {
    fn name(&self) -> &'static str {
        NAME
    }

    fn capabilities(&self) -> Capabilities {
        let oauth = self.config.app_host.is_some() && self.config.redirect_uri.is_some();
        Capabilities {
            verify: true,
            user_info: true,
            roles: true,
            permissions: true,
            password_login: true,
            phone_code_login: true,
            authorization_code: oauth,
            pkce: oauth,
            refresh: oauth,
            logout: true,
            directory: if self.directory.is_some() {
                DirectoryCapabilities {
                    create: true,
                    get: true,
                    update: true,
                    delete: true,
                    batch_by_ids: true,
                    batch_by_usernames: true,
                    list: true,
                    roles: true,
                }
            } else {
                DirectoryCapabilities::default()
            },
        }
    }

    /// Errors: `InvalidToken` (bad, expired, logged out), `Unavailable`, `Protocol`.
    async fn verify(&self, token: &AccessToken) -> Result<VerifiedToken> {
        self.verify_inner(token)
            .await
            .map_err(|e| e.with_context(NAME, "verify"))
    }

    /// Errors: as [`verify`](Self::verify); `Unauthenticated` (2020) or `InvalidToken` (2206)
    /// from Authing.
    async fn user_info(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
        self.profile(token)
            .await
            .map_err(|e| e.with_context(NAME, "user_info"))
    }

    async fn login(&self, credentials: Credentials) -> Result<Session> {
        let user = match credentials {
            Credentials::Password {
                identifier,
                password,
            } => match identifier {
                LoginIdentifier::Username(u) => {
                    self.auth
                        .login_by_username(&u, &password, LoginOptions::default())
                        .await?
                }
                LoginIdentifier::Email(e) => {
                    self.auth
                        .login_by_email(&e, &password, LoginOptions::default())
                        .await?
                }
                LoginIdentifier::Phone(p) => {
                    self.auth
                        .login_by_phone_password(&p, &password, LoginOptions::default())
                        .await?
                }
                _ => return Err(Error::unsupported(NAME, "login")),
            },
            Credentials::PhoneCode { phone, code } => {
                self.auth
                    .login_by_phone_code(&phone, &code, LoginOptions::default())
                    .await?
            }
            _ => return Err(Error::unsupported(NAME, "login")),
        };
        session_from_user(user, "login")
    }

    /// Starts a login at `{app_host}/{oidc|oauth}/auth` through polyauth-oidc's engine: a
    /// `state` stored in the state store (see [`with_state_store`](Self::with_state_store))
    /// with the digest of the user-agent binding, a `nonce` (OpenID Connect scopes), PKCE
    /// S256, and `prompt=consent` for the `offline_access` scope as the reference SDK sends.
    ///
    /// Errors: `Unsupported` without `app_host` and a redirect URI; `ConfigInvalid` when the
    /// configured client authentication lacks the app secret; errors of the state store.
    async fn start_authorization(
        &self,
        mut request: AuthorizationRequest,
    ) -> Result<AuthorizationStart> {
        if !self.capabilities().authorization_code {
            return Err(Error::unsupported(NAME, "start_authorization"));
        }
        let oauth = self.login("start_authorization")?;
        if request.scopes.is_empty() {
            request.scopes = self.config.scopes.clone();
        }
        if request.prompt.is_none() {
            request.prompt = consent_prompt_for(&request.scopes.join(" "));
        }
        oauth.start(request).await
    }

    /// Finishes a login through polyauth-oidc's engine: takes the state (atomically, exactly
    /// once), checks the callback's user-agent binding (constant time, before any network
    /// call), exchanges the code with the PKCE verifier, validates the id_token (RS256 JWKS of
    /// `app_host` or HS256 `jwt_secret`, audience = app id, `nonce`, `at_hash`) and fills
    /// `Session::user` from its claims.
    ///
    /// Errors: `InvalidState` for an unknown, expired or replayed state, and for a callback
    /// whose binding is missing or is not the one issued with the state (login CSRF: the state
    /// is consumed all the same); `InvalidToken` for a bad code, a bad id_token or a `nonce`
    /// mismatch; `Protocol` when `openid` was requested and no id_token came back;
    /// `Unavailable` when Authing is down.
    async fn finish_authorization(&self, callback: AuthorizationCallback) -> Result<Session> {
        if !self.capabilities().authorization_code {
            return Err(Error::unsupported(NAME, "finish_authorization"));
        }
        let authorized = self
            .login("finish_authorization")?
            .finish(&callback, Expect::Bound(callback.binding.as_ref()))
            .await?;
        let user = authorized.id_token_claims.and_then(|claims| {
            let subject = claims.get("sub")?.as_str()?.to_owned();
            let mut verified = VerifiedToken::new(subject);
            verified.claims = claims;
            Some(profile_from_claims(&verified))
        });
        Ok(Session::new(authorized.tokens, user))
    }

    /// Refreshes at `{app_host}/{oidc|oauth}/token` through the engine's concurrent-refresh
    /// guard. Errors: `Unsupported` without the login configuration; `InvalidToken` for a
    /// dead refresh token; `Unavailable` when Authing is down.
    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenSet> {
        if !self.capabilities().refresh {
            return Err(Error::unsupported(NAME, "refresh"));
        }
        self.login("refresh")?.refresh(refresh_token).await
    }

    async fn logout(&self, token: &AccessToken) -> Result<()> {
        Self::check_length(token).map_err(|e| e.with_context(NAME, "logout"))?;
        let result = self.auth.logout(&UserSession::new(token.clone())).await;
        self.invalidate_token(token).await?;
        result
    }

    async fn invalidate_token(&self, token: &AccessToken) -> Result<()> {
        if let Some(c) = &self.cache {
            c.invalidate_token(token).await?;
        }
        if let Some(c) = &self.online_cache {
            c.invalidate_token(token).await?;
        }
        Ok(())
    }

    async fn invalidate_user(&self, subject: &str) -> Result<()> {
        if let Some(c) = &self.cache {
            c.invalidate_user(subject).await?;
        }
        if let Some(c) = &self.online_cache {
            c.invalidate_user(subject).await?;
        }
        Ok(())
    }

    fn directory(&self) -> Result<&dyn UserDirectory> {
        match &self.directory {
            Some(d) => Ok(d),
            None => Err(Error::unsupported(NAME, "directory")),
        }
    }
}

/// The [`UserDirectory`] over [`ManagementClient`]'s users module.
#[derive(Debug, Clone)]
pub struct AuthingDirectory {
    client: ManagementClient,
}

impl AuthingDirectory {
    /// A directory over a management client.
    pub fn new(client: ManagementClient) -> Self {
        AuthingDirectory { client }
    }

    fn not_found(id: &str, op: &'static str) -> Error {
        Error::new(ErrorKind::NotFound, format!("no user with id {id:?}")).with_context(NAME, op)
    }

    async fn batch(&self, asked: &[String], field: QueryField) -> Result<BatchLookup> {
        let mut users = Vec::new();
        for chunk in asked.chunks(MAX_BATCH_IDS) {
            users.extend(
                self.client
                    .users()
                    .batch_get(chunk, field, CustomData::Omit)
                    .await?,
            );
        }
        let key = |u: &User| match field {
            QueryField::Username => u.username.clone(),
            _ => Some(u.id.clone()),
        };
        let mut found = Vec::new();
        let mut not_found = Vec::new();
        for a in asked {
            match users.iter().find(|u| key(u).as_deref() == Some(a.as_str())) {
                Some(u) => found.push(profile_from_user(u)),
                None => not_found.push(a.clone()),
            }
        }
        Ok(BatchLookup::new(found, not_found))
    }
}

fn fields_of(
    username: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    nickname: Option<String>,
    password: Option<&polyauth_core::Password>,
    extra: &Map<String, Value>,
) -> Map<String, Value> {
    let mut m = extra.clone();
    for (k, v) in [
        ("username", username),
        ("email", email),
        ("phone", phone),
        ("nickname", nickname),
        ("password", password.map(|p| p.expose_secret().to_owned())),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(v));
        }
    }
    m
}

#[async_trait]
impl UserDirectory for AuthingDirectory {
    fn provider_name(&self) -> &'static str {
        NAME
    }

    async fn create_user(&self, user: NewUser) -> Result<UserProfile> {
        let m = fields_of(
            user.username,
            user.email,
            user.phone,
            user.nickname,
            user.password.as_ref(),
            &user.extra,
        );
        let u = self
            .client
            .users()
            .create(&m, PasswordStorage::Hash, None)
            .await?;
        Ok(profile_from_user(&u))
    }

    async fn get_user(&self, id: &str) -> Result<UserProfile> {
        match self.client.users().detail(id, CustomData::Omit).await? {
            Some(u) => Ok(profile_from_user(&u)),
            None => Err(Self::not_found(id, "get_user")),
        }
    }

    async fn update_user(&self, id: &str, update: UserUpdate) -> Result<UserProfile> {
        let m = fields_of(
            update.username,
            update.email,
            update.phone,
            update.nickname,
            update.password.as_ref(),
            &update.extra,
        );
        let u = self.client.users().update(id, &m).await?;
        Ok(profile_from_user(&u))
    }

    async fn delete_user(&self, id: &str) -> Result<()> {
        self.client.users().delete(id).await.map(|_| ())
    }

    async fn get_users_by_ids(&self, ids: &[String]) -> Result<BatchLookup> {
        self.batch(ids, QueryField::Id).await
    }

    async fn get_users_by_usernames(&self, usernames: &[String]) -> Result<BatchLookup> {
        self.batch(usernames, QueryField::Username).await
    }

    async fn list_users(&self, query: UserQuery) -> Result<Page<UserProfile>> {
        let PageRequest { page, per_page } = query.page;
        let users = self.client.users();
        let result = if query.search.is_some() || query.role.is_some() {
            let options = SearchOptions {
                roles: query.role.iter().map(|r| (None, r.clone())).collect(),
                ..Default::default()
            };
            users
                .search(
                    query.search.as_deref().unwrap_or(""),
                    page,
                    per_page,
                    &options,
                )
                .await?
        } else {
            users.list(page, per_page, CustomData::Omit).await?
        };
        Ok(Page::new(
            result.list.iter().map(profile_from_user).collect(),
            Some(result.total_count),
            query.page,
        ))
    }

    async fn user_roles(&self, id: &str) -> Result<Vec<String>> {
        Ok(self
            .client
            .users()
            .list_roles(id, None)
            .await?
            .list
            .into_iter()
            .map(|r| r.code)
            .collect())
    }

    async fn assign_roles(&self, id: &str, roles: &[String]) -> Result<()> {
        self.client
            .users()
            .add_roles(id, roles, None)
            .await
            .map(|_| ())
    }

    async fn revoke_roles(&self, id: &str, roles: &[String]) -> Result<()> {
        self.client
            .users()
            .remove_roles(id, roles, None)
            .await
            .map(|_| ())
    }
}
