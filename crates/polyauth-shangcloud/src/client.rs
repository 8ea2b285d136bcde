//! The native client: [`ShangCloudClient`], its configuration and accessors, the shared HTTP
//! plumbing of the resource calls (client authentication, `post_json`, the `Authorization`
//! header) and the user-info call.
//!
//! The OAuth login flow on this client is in `login`, the logged-in user's calls in `session`;
//! this module depends on neither.

use std::fmt;
use std::sync::{Arc, RwLock};

use polyauth_core::http::{HttpClient, Idempotency, sensitive_header};
use polyauth_core::{AccessToken, ClientSecret, Error, MemoryStateStore, Result, StateStore};
use polyauth_oidc::OAuthClient;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::config::ShangCloudConfig;

/// The provider name stamped on errors and profiles.
pub const PROVIDER: &str = "shangcloud";
/// User-info endpoint.
pub const USER_INFO_PATH: &str = "/api/user/info";

/// The user's basic profile from `POST /api/user/info`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct UserBasicInfo {
    /// ShangCloud user id (`uid`).
    pub user_id: i64,
    /// Display name.
    pub nickname: String,
    /// E-mail address (`mail`).
    pub mail: String,
    /// Avatar URL.
    pub avatar: String,
    /// The whole answer, unchanged.
    pub raw: Value,
}

#[derive(Deserialize)]
struct BasicInfoWire {
    uid: i64,
    #[serde(default)]
    nickname: String,
    #[serde(default)]
    mail: String,
    #[serde(default)]
    avatar: String,
}

pub(crate) struct Inner {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: url::Url,
    scope: RwLock<String>,
    base_url: String,
    pub(crate) http: HttpClient,
    /// The authorization-code flow (polyauth-oidc's engine), which also holds the client
    /// secret and the state store.
    pub(crate) oauth: OAuthClient,
    pub(crate) config: ShangCloudConfig,
}

/// The ShangCloud OAuth 2.0 client: the complete surface of the reference SDK
/// (`shangcloud_sdk` 1.2.0's `Client`) plus refresh and PKCE.
///
/// Cheap to clone (shared inside); every clone sees [`set_client_secret`](Self::set_client_secret)
/// and scope changes. `Debug` shows no secret.
///
/// - [`authorization_url`](Self::authorization_url) makes a `state` (32 CSPRNG bytes,
///   base64url), stores it in the [`StateStore`] with the configured TTL, and returns
///   `{base_url}/oauth/authorize?response_type=code&client_id=..&state=..&redirect_uri=..&scope=..`
///   (plus `code_challenge` and `code_challenge_method=S256` when PKCE is on).
/// - [`exchange_code`](Self::exchange_code) takes the state first (atomically, exactly once),
///   then posts `grant_type=authorization_code` to `{base_url}/oauth/token` with HTTP Basic
///   client authentication, and returns a [`UserSession`](crate::UserSession).
/// - [`authorization_url_bound`](Self::authorization_url_bound) and
///   [`exchange_code_bound`](Self::exchange_code_bound) do the same and also bind the state to
///   the user agent that started the login (RFC 6749 §10.12). **Applications must bind the
///   state to the user agent**, with these two methods or on their own (e.g. a cookie holding
///   the state, compared in constant time before `exchange_code`): an unbound state is accepted
///   from any browser, which lets an attacker log a victim in as the attacker (login CSRF).
///   The provider's `start_authorization` / `finish_authorization` always bind, through the
///   same core helpers (`polyauth_core::binding`).
/// - [`refresh`](Self::refresh) posts the standard RFC 6749 §6 `grant_type=refresh_token`
///   (not observed in the reference SDK, which never refreshes; turn it off with
///   [`ShangCloudConfig::refresh`] when the server lacks it).
#[derive(Clone)]
pub struct ShangCloudClient {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for ShangCloudClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShangCloudClient")
            .field("client_id", &self.inner.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_uri", &self.inner.redirect_uri.as_str())
            .field("scope", &self.scope())
            .field("base_url", &self.inner.base_url)
            .field("state_ttl", &self.inner.config.state_ttl)
            .field("pkce", &self.inner.config.pkce)
            .field("state_store", self.inner.oauth.state_store())
            .finish()
    }
}

impl ShangCloudClient {
    /// A client keeping its states in an in-process [`MemoryStateStore`] (one application
    /// instance; use [`with_state_store`](Self::with_state_store) and a shared store such as
    /// `polyauth_redis::RedisStateStore` when several instances serve callbacks).
    ///
    /// Errors: `ConfigInvalid` as [`ShangCloudConfig::validate`], or when the HTTP client
    /// cannot be built.
    pub fn new(config: ShangCloudConfig) -> Result<Self> {
        Self::with_state_store(config, Arc::new(MemoryStateStore::default()))
    }

    /// A client keeping its states in `states`. Errors: as [`new`](Self::new).
    pub fn with_state_store(config: ShangCloudConfig, states: Arc<dyn StateStore>) -> Result<Self> {
        config.validate()?;
        let http = HttpClient::new(PROVIDER, config.http.clone())?;
        let base_url = config.base_url.as_str().trim_end_matches('/').to_owned();
        let oauth = crate::login::oauth_client(&config, &base_url, http.clone(), states)?;
        Ok(ShangCloudClient {
            inner: Arc::new(Inner {
                client_id: config.client_id.clone(),
                redirect_uri: config.redirect_uri.clone(),
                scope: RwLock::new(config.scope.clone()),
                base_url,
                http,
                oauth,
                config,
            }),
        })
    }

    /// The configuration the client was built from (with the initial scope and secret).
    pub fn config(&self) -> &ShangCloudConfig {
        &self.inner.config
    }

    /// The OAuth client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The configured redirect URI.
    pub fn redirect_uri(&self) -> &url::Url {
        &self.inner.redirect_uri
    }

    /// The API base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The state store.
    pub fn state_store(&self) -> &Arc<dyn StateStore> {
        self.inner.oauth.state_store()
    }

    /// The current space-separated scope.
    pub fn scope(&self) -> String {
        self.inner
            .scope
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Replaces the scope for authorization URLs made from now on (the SDK's `set_scope`).
    pub fn set_scope(&self, scope: impl Into<String>) {
        *self.inner.scope.write().unwrap_or_else(|p| p.into_inner()) = scope.into();
    }

    /// Appends a scope, separated by a space, or sets it when the scope is empty (the SDK's
    /// `append_scope`). A scope already present is not added twice.
    pub fn append_scope(&self, scope: &str) {
        let mut current = self.inner.scope.write().unwrap_or_else(|p| p.into_inner());
        let scope = scope.trim();
        if scope.is_empty() || current.split(' ').any(|s| s == scope) {
            return;
        }
        if current.trim().is_empty() {
            *current = scope.to_owned();
        } else {
            current.push(' ');
            current.push_str(scope);
        }
    }

    /// Replaces the client secret (rotation) for every later token request.
    pub fn set_client_secret(&self, client_secret: ClientSecret) {
        self.inner
            .oauth
            .set_client_auth(crate::login::client_auth(client_secret));
    }

    /// Whether [`refresh`](Self::refresh) is enabled ([`ShangCloudConfig::refresh`]).
    pub fn refresh_enabled(&self) -> bool {
        self.inner.config.refresh
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.inner.base_url, path)
    }

    /// `POST {base_url}{path}` with a JSON body and `Authorization: {token_type} {token}`;
    /// parses a 2xx JSON answer. Non-2xx answers map by status (401 → `Unauthenticated`,
    /// 403 → `PermissionDenied`, 404 → `NotFound`, 5xx → `Unavailable`), keeping the server's
    /// message.
    pub(crate) async fn post_json<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
        authorization: &http::HeaderValue,
        extra_headers: &[(&'static str, &str)],
        body: &Value,
        idempotency: Idempotency,
    ) -> Result<T> {
        let mut request = self
            .inner
            .http
            .reqwest()
            .post(self.url(path))
            .header(http::header::AUTHORIZATION, authorization.clone())
            .json(body);
        for (name, value) in extra_headers {
            if !value.is_empty() {
                let value = http::HeaderValue::from_str(value).map_err(|_| {
                    Error::invalid_input(format!(
                        "{name} contains characters a header cannot carry"
                    ))
                    .with_context(PROVIDER, operation)
                })?;
                request = request.header(*name, value);
            }
        }
        let response = self
            .inner
            .http
            .send(operation, request, idempotency)
            .await?;
        if !response.is_success() {
            return Err(response.status_error().with_context(PROVIDER, operation));
        }
        response
            .json::<T>()
            .map_err(|e| e.with_context(PROVIDER, operation))
    }

    /// `POST /api/user/info` with a ready `Authorization` value.
    pub(crate) async fn basic_info_with(
        &self,
        authorization: &http::HeaderValue,
    ) -> Result<UserBasicInfo> {
        let raw: Value = self
            .post_json(
                "user_info",
                USER_INFO_PATH,
                authorization,
                &[],
                &json!({}),
                Idempotency::Idempotent,
            )
            .await?;
        let wire: BasicInfoWire = serde_json::from_value(raw.clone()).map_err(|_| {
            Error::protocol("the user info has no integer `uid`")
                .with_context(PROVIDER, "user_info")
        })?;
        Ok(UserBasicInfo {
            user_id: wire.uid,
            nickname: wire.nickname,
            mail: wire.mail,
            avatar: wire.avatar,
            raw,
        })
    }

    /// The profile of any bearer access token (`POST /api/user/info`), without a session.
    /// Errors: as [`UserSession::basic_info`](crate::UserSession::basic_info).
    pub async fn basic_info(&self, access_token: &AccessToken) -> Result<UserBasicInfo> {
        let auth = authorization_header("Bearer", access_token)
            .map_err(|e| e.with_context(PROVIDER, "user_info"))?;
        self.basic_info_with(&auth).await
    }
}

/// `{token_type} {access_token}` as a sensitive header value.
pub(crate) fn authorization_header(
    token_type: &str,
    token: &AccessToken,
) -> Result<http::HeaderValue> {
    sensitive_header(&format!("{token_type} {}", token.expose_secret()))
        .map_err(|_| Error::invalid_token("the token cannot be sent in a header"))
}
