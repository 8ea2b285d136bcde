//! The contract: [`IdentityProvider`], [`UserDirectory`] and [`Capabilities`].

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;

use crate::error::{Error, Result};
use crate::model::{
    AuthorizationCallback, AuthorizationRequest, AuthorizationStart, BatchLookup, Credentials,
    NewUser, Page, Session, TokenSet, UserProfile, UserQuery, UserUpdate, VerifiedToken,
};
use crate::secret::{AccessToken, RefreshToken};

/// What a provider supports. Build it with `..Default::default()` (everything off):
///
/// ```
/// use polyauth_core::Capabilities;
/// let caps = Capabilities { verify: true, user_info: true, roles: true, ..Default::default() };
/// assert!(!caps.refresh);
/// ```
///
/// Calls a provider does not support return [`ErrorKind::Unsupported`](crate::ErrorKind);
/// test suites pick their trials from these flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// `verify` works.
    pub verify: bool,
    /// `user_info` works.
    pub user_info: bool,
    /// Profiles carry roles (`roles` returns them).
    pub roles: bool,
    /// Profiles carry permissions (`permissions` returns them).
    pub permissions: bool,
    /// `login` with [`Credentials::Password`].
    pub password_login: bool,
    /// `login` with [`Credentials::PhoneCode`].
    pub phone_code_login: bool,
    /// `start_authorization` / `finish_authorization` (OAuth 2.0 authorization code).
    pub authorization_code: bool,
    /// The authorization-code flow uses PKCE (S256).
    pub pkce: bool,
    /// `refresh` works.
    pub refresh: bool,
    /// `logout` revokes or ends the session at the provider.
    pub logout: bool,
    /// What `directory()` offers; all false when there is no directory.
    pub directory: DirectoryCapabilities,
}

/// What a provider's [`UserDirectory`] supports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DirectoryCapabilities {
    /// `create_user`.
    pub create: bool,
    /// `get_user`.
    pub get: bool,
    /// `update_user`.
    pub update: bool,
    /// `delete_user`.
    pub delete: bool,
    /// `get_users_by_ids`.
    pub batch_by_ids: bool,
    /// `get_users_by_usernames`.
    pub batch_by_usernames: bool,
    /// `list_users` (paged, with or without a search).
    pub list: bool,
    /// `user_roles`, `assign_roles`, `revoke_roles`.
    pub roles: bool,
}

impl DirectoryCapabilities {
    /// Whether any directory operation is supported.
    pub fn any(&self) -> bool {
        self.create
            || self.get
            || self.update
            || self.delete
            || self.batch_by_ids
            || self.batch_by_usernames
            || self.list
            || self.roles
    }
}

/// One identity interface over many identity providers.
///
/// Object-safe: applications hold an `Arc<dyn IdentityProvider>` chosen at run time (see the
/// `polyauth` facade's `build`). `verify`, `user_info`, `name` and `capabilities` are required;
/// every other method has a default that returns [`ErrorKind::Unsupported`](crate::ErrorKind)
/// naming the provider and the operation, so a custom provider implements only what it has and
/// says so in [`capabilities`](IdentityProvider::capabilities).
///
/// Errors follow [`ErrorKind`](crate::ErrorKind): a bad token is `InvalidToken` or
/// `Unauthenticated`, an unreachable provider `Unavailable` (never reported as a bad token).
/// Backends must map the provider's *token-related* business codes (an AIGC "token expired",
/// an Authing "login expired") to `InvalidToken`/`Unauthenticated`: HTTP middleware answers
/// by [`ErrorKind::server_status`](crate::ErrorKind::server_status), where a bare
/// `Provider{..}` error is a 500.
///
/// # Example: a custom provider
///
/// ```
/// use std::sync::Arc;
/// use polyauth_core::{async_trait, AccessToken, Capabilities, Error, IdentityProvider, Result,
///     UserProfile, VerifiedToken};
///
/// /// Accepts one static API key.
/// #[derive(Debug)]
/// struct StaticKey { key: AccessToken }
///
/// #[async_trait]
/// impl IdentityProvider for StaticKey {
///     fn name(&self) -> &'static str { "static-key" }
///     fn capabilities(&self) -> Capabilities {
///         Capabilities { verify: true, user_info: true, ..Default::default() }
///     }
///     async fn verify(&self, token: &AccessToken) -> Result<VerifiedToken> {
///         if token == &self.key { Ok(VerifiedToken::new("service")) }
///         else { Err(Error::invalid_token("unknown key").with_context("static-key", "verify")) }
///     }
///     async fn user_info(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
///         let v = self.verify(token).await?;
///         Ok(Arc::new(UserProfile::new("static-key", v.subject).with_roles(["service"])))
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let p: Arc<dyn IdentityProvider> = Arc::new(StaticKey { key: AccessToken::new("k1") });
/// assert!(p.verify(&AccessToken::new("k1")).await.is_ok());
/// assert!(p.login(polyauth_core::Credentials::username_password("a", "b")).await.is_err());
/// # });
/// ```
#[async_trait]
pub trait IdentityProvider: Send + Sync + Debug + 'static {
    /// Short provider name used in errors, logs and [`UserProfile::provider`]: `"jwt"`,
    /// `"aigc"`, `"authing"`, `"shangcloud"`, or your own.
    fn name(&self) -> &'static str;

    /// What this provider supports.
    fn capabilities(&self) -> Capabilities;

    /// Checks a token and returns whose it is and until when.
    ///
    /// Errors: `InvalidToken`/`Unauthenticated` for a bad token, `Unavailable` when the provider
    /// cannot be reached, `Protocol` for a malformed answer.
    async fn verify(&self, token: &AccessToken) -> Result<VerifiedToken>;

    /// The normalized profile of the token's user (roles and permissions included where the
    /// provider has them). Shared (`Arc`) so caches and middleware hand it out without copying.
    ///
    /// Errors: as [`verify`](IdentityProvider::verify).
    async fn user_info(&self, token: &AccessToken) -> Result<Arc<UserProfile>>;

    /// The user's role codes. Default: the roles of [`user_info`](IdentityProvider::user_info).
    async fn roles(&self, token: &AccessToken) -> Result<Vec<String>> {
        Ok(self.user_info(token).await?.roles.clone())
    }

    /// The user's permission codes. Default: the permissions of
    /// [`user_info`](IdentityProvider::user_info).
    async fn permissions(&self, token: &AccessToken) -> Result<Vec<String>> {
        Ok(self.user_info(token).await?.permissions.clone())
    }

    /// Logs a user in with credentials. Default: `Unsupported`.
    ///
    /// Errors: `Unauthenticated` for wrong credentials, `Provider` (with
    /// [`Error::provider_code`](crate::Error::provider_code)) for the provider's own refusals
    /// (captcha required, account locked), `Unsupported` for credential kinds the provider lacks.
    async fn login(&self, credentials: Credentials) -> Result<Session> {
        let _ = credentials;
        Err(Error::unsupported(self.name(), "login"))
    }

    /// Starts an OAuth 2.0 authorization-code flow: generates and stores `state` (and a PKCE
    /// verifier where supported) together with the digest of a fresh user-agent `binding`
    /// ([`binding::new_binding`](crate::binding::new_binding),
    /// [`binding_digest`](crate::binding::binding_digest)), and returns the URL to redirect the
    /// user agent to, the state and the binding.
    ///
    /// The application keeps [`AuthorizationStart::binding`] in that user agent only (an
    /// `HttpOnly; SameSite=Lax` cookie) and passes it back on the callback: this binds the
    /// login to the browser that started it (RFC 6749 §10.12, login CSRF). Implementations
    /// must always bind. Default: `Unsupported`.
    async fn start_authorization(
        &self,
        request: AuthorizationRequest,
    ) -> Result<AuthorizationStart> {
        let _ = request;
        Err(Error::unsupported(self.name(), "start_authorization"))
    }

    /// Finishes the flow: consumes the stored `state` exactly once (`InvalidState` when missing,
    /// expired or replayed, before any network call), then requires the callback's
    /// [`binding`](AuthorizationCallback::binding) to be the one issued with the state
    /// ([`binding::check_binding`](crate::binding::check_binding): `InvalidState` when it is
    /// missing or wrong, also before any network call, and the state stays consumed), and only
    /// then exchanges the code for tokens.
    ///
    /// Build the callback from the query and the browser's cookie:
    /// `AuthorizationCallback::new(code, state).with_binding(cookie)`. Default: `Unsupported`.
    async fn finish_authorization(&self, callback: AuthorizationCallback) -> Result<Session> {
        let _ = callback;
        Err(Error::unsupported(self.name(), "finish_authorization"))
    }

    /// Exchanges a refresh token for new tokens. Default: `Unsupported`.
    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenSet> {
        let _ = refresh_token;
        Err(Error::unsupported(self.name(), "refresh"))
    }

    /// Ends the token's session at the provider (and forgets it in local caches).
    /// Default: `Unsupported`.
    async fn logout(&self, token: &AccessToken) -> Result<()> {
        let _ = token;
        Err(Error::unsupported(self.name(), "logout"))
    }

    /// The provider's user directory (user management). Default: `Unsupported`.
    fn directory(&self) -> Result<&dyn UserDirectory> {
        Err(Error::unsupported(self.name(), "directory"))
    }

    /// Drops every cached verification of `token`, in this process and, with a shared
    /// verification cache, on every instance (so a token revoked by some signal of the
    /// application's own is refused everywhere at once). Default: nothing is cached, `Ok`.
    ///
    /// Errors: `Unavailable` when the shared tier cannot be reached (this instance has
    /// dropped its entries).
    async fn invalidate_token(&self, token: &AccessToken) -> Result<()> {
        let _ = token;
        Ok(())
    }

    /// Drops every cached verification of the user `subject` (the subject id verifications
    /// name), here and, with a shared verification cache, on every instance: for a deleted or
    /// disabled user, or changed roles. Default: nothing is cached, `Ok`.
    ///
    /// Errors: as [`invalidate_token`](Self::invalidate_token).
    async fn invalidate_user(&self, subject: &str) -> Result<()> {
        let _ = subject;
        Ok(())
    }
}

/// User management through a provider: create, read, update, delete, batch lookups, paged
/// list/search and role assignment. Reached with [`IdentityProvider::directory`].
///
/// Every method defaults to `Unsupported` naming the provider and the operation; the
/// provider's [`DirectoryCapabilities`] say which ones work.
#[async_trait]
pub trait UserDirectory: Send + Sync + Debug {
    /// The provider name used in errors.
    fn provider_name(&self) -> &'static str;

    /// Creates a user. Errors: `InvalidInput` (missing or duplicate fields), `Provider`.
    async fn create_user(&self, user: NewUser) -> Result<UserProfile> {
        let _ = user;
        Err(Error::unsupported(self.provider_name(), "create_user"))
    }

    /// One user by id. Errors: `NotFound`.
    async fn get_user(&self, id: &str) -> Result<UserProfile> {
        let _ = id;
        Err(Error::unsupported(self.provider_name(), "get_user"))
    }

    /// Changes the given fields. Errors: `NotFound`, `InvalidInput`.
    async fn update_user(&self, id: &str, update: UserUpdate) -> Result<UserProfile> {
        let _ = (id, update);
        Err(Error::unsupported(self.provider_name(), "update_user"))
    }

    /// Deletes a user. Errors: `NotFound`.
    async fn delete_user(&self, id: &str) -> Result<()> {
        let _ = id;
        Err(Error::unsupported(self.provider_name(), "delete_user"))
    }

    /// Users by id; unknown ids are listed in [`BatchLookup::not_found`].
    async fn get_users_by_ids(&self, ids: &[String]) -> Result<BatchLookup> {
        let _ = ids;
        Err(Error::unsupported(self.provider_name(), "get_users_by_ids"))
    }

    /// Users by username; unknown names are listed in [`BatchLookup::not_found`].
    async fn get_users_by_usernames(&self, usernames: &[String]) -> Result<BatchLookup> {
        let _ = usernames;
        Err(Error::unsupported(
            self.provider_name(),
            "get_users_by_usernames",
        ))
    }

    /// One page of users, optionally filtered by a search text or a role.
    async fn list_users(&self, query: UserQuery) -> Result<Page<UserProfile>> {
        let _ = query;
        Err(Error::unsupported(self.provider_name(), "list_users"))
    }

    /// The role codes assigned to a user.
    async fn user_roles(&self, id: &str) -> Result<Vec<String>> {
        let _ = id;
        Err(Error::unsupported(self.provider_name(), "user_roles"))
    }

    /// Assigns roles to a user.
    async fn assign_roles(&self, id: &str, roles: &[String]) -> Result<()> {
        let _ = (id, roles);
        Err(Error::unsupported(self.provider_name(), "assign_roles"))
    }

    /// Removes roles from a user.
    async fn revoke_roles(&self, id: &str, roles: &[String]) -> Result<()> {
        let _ = (id, roles);
        Err(Error::unsupported(self.provider_name(), "revoke_roles"))
    }
}

/// A shared provider is a provider too, so `Arc<P>` and `Arc<dyn IdentityProvider>` go
/// wherever a provider is expected.
#[async_trait]
#[deny(clippy::missing_trait_methods)]
impl<P: IdentityProvider + ?Sized> IdentityProvider for Arc<P> {
    fn name(&self) -> &'static str {
        (**self).name()
    }
    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
    }
    async fn verify(&self, token: &AccessToken) -> Result<VerifiedToken> {
        (**self).verify(token).await
    }
    async fn user_info(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
        (**self).user_info(token).await
    }
    async fn roles(&self, token: &AccessToken) -> Result<Vec<String>> {
        (**self).roles(token).await
    }
    async fn permissions(&self, token: &AccessToken) -> Result<Vec<String>> {
        (**self).permissions(token).await
    }
    async fn login(&self, credentials: Credentials) -> Result<Session> {
        (**self).login(credentials).await
    }
    async fn start_authorization(
        &self,
        request: AuthorizationRequest,
    ) -> Result<AuthorizationStart> {
        (**self).start_authorization(request).await
    }
    async fn finish_authorization(&self, callback: AuthorizationCallback) -> Result<Session> {
        (**self).finish_authorization(callback).await
    }
    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenSet> {
        (**self).refresh(refresh_token).await
    }
    async fn logout(&self, token: &AccessToken) -> Result<()> {
        (**self).logout(token).await
    }
    fn directory(&self) -> Result<&dyn UserDirectory> {
        (**self).directory()
    }
    async fn invalidate_token(&self, token: &AccessToken) -> Result<()> {
        (**self).invalidate_token(token).await
    }
    async fn invalidate_user(&self, subject: &str) -> Result<()> {
        (**self).invalidate_user(subject).await
    }
}
