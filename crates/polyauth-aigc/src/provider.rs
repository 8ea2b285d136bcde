//! [`AigcProvider`]: the AIGC auth center behind polyauth's [`IdentityProvider`].

use std::sync::Arc;

use polyauth_core::cache::CacheSetup;
use polyauth_core::{
    AccessToken, BatchLookup, Capabilities, DirectoryCapabilities, Error, IdentityProvider, Page,
    Result, UserDirectory, UserProfile, UserQuery, VerifiedToken, async_trait,
};

use crate::PROVIDER;
use crate::client::AigcClient;
use crate::config::AigcConfig;
use crate::model::KeyType;

/// Prefix of access keys; tokens starting with it go to `/sdk/access-key/verify`.
pub const ACCESS_KEY_PREFIX: &str = "ak_";

/// The AIGC auth center as an [`IdentityProvider`].
///
/// - `verify`: `POST /sdk/token/verify` (cached); for `ak_` keys, the access-key check.
/// - `user_info`, `roles`, `permissions`: `POST /sdk/user/info` (cached, single-flight); for
///   `ak_` keys, `POST /sdk/access-key/verify` on **every** request (never cached, as in the
///   reference, so a revoked key, global administrator keys included, is refused on its next
///   use) with the reference's semantics: a user key acts as its user; an app key must name
///   this app id, else `PermissionDenied` ("访问密钥与应用不匹配", HTTP 403 from the
///   middleware), and otherwise acts as the synthetic `ak_app_{appId}` user; a global key acts
///   as the administrator `ak_global`; any other key type is `InvalidToken`.
/// - `login`, the authorization-code flow, `refresh`, `logout`: `Unsupported` (users log in
///   at the auth center itself); the capabilities say so.
/// - `directory()`: batch lookups by id (`/sdk/users/batch-by-ids`) and by username
///   (`/sdk/users/batch`), and the paged list (`/sdk/users/list`).
///
/// Errors follow [`AigcClient`]: an unreachable or failing auth center is `Unavailable` or
/// `Protocol` (503 from the middleware), never a bad token; only a definite "invalid token"
/// answer is remembered (for the negative TTL).
#[derive(Clone, Debug)]
pub struct AigcProvider {
    client: AigcClient,
}

impl AigcProvider {
    /// A provider over a new client for `config`. Errors: as [`AigcClient::new`].
    pub fn new(config: AigcConfig) -> Result<Self> {
        Ok(AigcProvider {
            client: AigcClient::new(config)?,
        })
    }

    /// A provider over an existing client (sharing its cache).
    pub fn from_client(client: AigcClient) -> Self {
        AigcProvider { client }
    }

    /// The client, for the calls the provider interface has no place for.
    pub fn client(&self) -> &AigcClient {
        &self.client
    }

    /// The same provider with its caches built by `caches` (see [`AigcClient::with_caches`]).
    pub fn with_caches(self, caches: &CacheSetup) -> Self {
        AigcProvider {
            client: self.client.with_caches(caches),
        }
    }

    /// Forgets every cached answer.
    pub fn clear(&self) {
        self.client.clear_cache();
    }

    async fn access_key_profile(&self, key: &AccessToken) -> Result<Arc<UserProfile>> {
        const OP: &str = "verify_access_key";
        let info = self.client.verify_access_key(key).await?;
        if info.key_type == KeyType::App && info.app_id.as_deref() != Some(self.client.app_id()) {
            return Err(Error::new(
                polyauth_core::ErrorKind::PermissionDenied,
                "访问密钥与应用不匹配",
            )
            .with_context(PROVIDER, OP));
        }
        info.profile()
            .map(Arc::new)
            .map_err(|e| e.with_context(PROVIDER, OP))
    }
}

fn is_access_key(token: &AccessToken) -> bool {
    token.expose_secret().starts_with(ACCESS_KEY_PREFIX)
}

#[async_trait]
impl IdentityProvider for AigcProvider {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            verify: true,
            user_info: true,
            roles: true,
            permissions: true,
            directory: DirectoryCapabilities {
                batch_by_ids: true,
                batch_by_usernames: true,
                list: true,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    async fn verify(&self, token: &AccessToken) -> Result<VerifiedToken> {
        if is_access_key(token) {
            let user = self.user_info(token).await?;
            let claims = user.raw.as_object().cloned().unwrap_or_default();
            return Ok(VerifiedToken::new(user.id.clone()).with_claims(claims));
        }
        self.client.verify_token(token).await
    }

    async fn user_info(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
        if is_access_key(token) {
            // Not cached: revoking a key must take effect at once (the reference SDK,
            // `huace-aigc-auth-client` 1.1.45, never caches access-key answers either).
            return self.access_key_profile(token).await;
        }
        self.client.get_user_info(token).await
    }

    async fn invalidate_token(&self, token: &AccessToken) -> Result<()> {
        self.client.invalidate_token(token).await
    }

    async fn invalidate_user(&self, subject: &str) -> Result<()> {
        self.client.invalidate_user(subject).await
    }

    fn directory(&self) -> Result<&dyn UserDirectory> {
        Ok(self)
    }
}

#[async_trait]
impl UserDirectory for AigcProvider {
    fn provider_name(&self) -> &'static str {
        PROVIDER
    }

    /// `POST /sdk/users/batch-by-ids`; ids that are not integers, and ids the server answers
    /// with a placeholder, are listed in `not_found`. Errors: `InvalidInput` for more than
    /// 100 ids.
    async fn get_users_by_ids(&self, ids: &[String]) -> Result<BatchLookup> {
        let mut numeric = Vec::new();
        let mut not_found = Vec::new();
        for id in ids {
            match id.trim().parse::<i64>() {
                Ok(n) => numeric.push(n),
                Err(_) => not_found.push(id.clone()),
            }
        }
        let mut users = Vec::new();
        for entry in self.client.batch_get_users_by_ids(&numeric).await? {
            if entry.found {
                users.push(entry.user);
            } else {
                not_found.push(entry.requested_id.to_string());
            }
        }
        Ok(BatchLookup::new(users, not_found))
    }

    /// `POST /sdk/users/batch`. Errors: `InvalidInput` for more than 100 names.
    async fn get_users_by_usernames(&self, usernames: &[String]) -> Result<BatchLookup> {
        self.client.batch_get_users(usernames).await
    }

    /// `POST /sdk/users/list` with the search as `keyword`. A role filter is not supported
    /// by the auth center: `InvalidInput`.
    async fn list_users(&self, query: UserQuery) -> Result<Page<UserProfile>> {
        if query.role.is_some() {
            return Err(
                Error::invalid_input("the AIGC user list cannot filter by role")
                    .with_context(PROVIDER, "list_users"),
            );
        }
        self.client
            .list_users(
                query.search.as_deref(),
                query.page.page,
                query.page.per_page,
            )
            .await
    }
}
