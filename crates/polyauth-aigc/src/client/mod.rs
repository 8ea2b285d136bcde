//! [`AigcClient`]: every call of the AIGC auth center's SDK API.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue};
use polyauth_core::cache::CacheSetup;
use polyauth_core::env::Env;
use polyauth_core::http::{
    EnvelopeCode, HttpClient, HttpConfig, Idempotency, RetryPolicy, sensitive_header,
};
use polyauth_core::{
    AccessToken, BatchLookup, Error, ErrorKind, Page, PageRequest, Result, Secret, UserProfile,
    VerifiedToken, VerifyCache, context,
};
use serde_json::{Map, Value, json};

mod admin;

use crate::PROVIDER;
use crate::config::AigcConfig;
use crate::model::{
    AccessKeyInfo, BatchSyncOutcome, CreatedAccessKey, Group, SyncOutcome, SyncUser,
    UNKNOWN_USER_NAME, UserById, WebhookRegistration, field, flag, text, user_from_json,
    user_from_value, user_list,
};

/// Most ids or usernames one batch call accepts (the auth center's documented limit).
pub const MAX_BATCH: usize = 100;

const X_APP_ID: HeaderName = HeaderName::from_static("x-app-id");
const X_APP_SECRET: HeaderName = HeaderName::from_static("x-app-secret");
const X_TRACE_ID: HeaderName = HeaderName::from_static("x-trace-id");

/// The AIGC auth center client (the reference SDK's `AigcAuthClient`).
///
/// Every call is `POST {base_url}/sdk{path}` with a JSON body and the headers `X-App-ID`,
/// `X-App-Secret` and, when the caller runs inside a request context with a trace id,
/// `X-Trace-ID`. Answers use the envelope `{"code", "message", "data"}` (code 0 = success).
///
/// Errors of every call (stamped with provider `aigc` and the operation):
/// - envelope `code` 401 → `Unauthenticated`, 403 → `PermissionDenied`, 404 → `NotFound`,
///   500-599 → `Unavailable` (temporary; the message keeps the code and the server's message),
///   any other non-zero code → `Provider`; on every kind the envelope's code and message are
///   kept as `Error::provider_code` / `Error::provider_message`;
/// - an HTTP status other than 2xx → core's one rule (`HttpResponse::status_error`: 5xx
///   `Unavailable`, 429 `RateLimited` with `Retry-After`, 400 `InvalidInput`, 401
///   `Unauthenticated`, ...; a 4xx is never `Unavailable`), with the HTTP status and the
///   server's message kept (the reference drops both); a refused connection or a timeout →
///   `Unavailable`;
/// - an answer that is not JSON, not an envelope, `data: null` where data is needed, or
///   bigger than the configured cap → `Protocol`.
///
/// `verify_token` and `get_user_info` are cached (see [`AigcConfig::cache`]); the cache is
/// single-flight, so concurrent first requests with one token make one call. Cheap to clone.
#[derive(Clone)]
pub struct AigcClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: AigcConfig,
    http: HttpClient,
    secret_header: HeaderValue,
    app_id_header: HeaderValue,
    tokens: Option<VerifyCache<VerifiedToken>>,
    users: Option<VerifyCache<Arc<UserProfile>>>,
}

impl fmt::Debug for AigcClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AigcClient")
            .field("app_id", &self.inner.config.app_id)
            .field("base_url", &self.inner.config.base_url.as_str())
            .field("cache", &self.inner.config.cache)
            .finish_non_exhaustive()
    }
}

/// The `app-id` and `app-secret` header values (the secret marked sensitive, so it is never
/// logged). Errors: `ConfigInvalid` when either is not a valid header value.
pub(crate) fn credential_headers(
    app_id: &str,
    app_secret: &polyauth_core::ClientSecret,
) -> Result<(HeaderValue, HeaderValue)> {
    let secret = sensitive_header(app_secret.expose_secret())
        .map_err(|_| Error::config("the AIGC app secret cannot be sent as a header"))?;
    let app_id = HeaderValue::from_str(app_id)
        .map_err(|_| Error::config("the AIGC app id cannot be sent as a header"))?;
    Ok((app_id, secret))
}

impl AigcClient {
    /// A client for `config`. Errors: `ConfigInvalid` as [`AigcConfig::validate`], when the
    /// app id or secret cannot be sent as a header, or the HTTP client cannot be built.
    pub fn new(config: AigcConfig) -> Result<Self> {
        config.validate()?;
        let http = HttpClient::new(
            PROVIDER,
            HttpConfig {
                connect_timeout: config.timeout,
                timeout: config.timeout,
                max_response_bytes: config.max_response_bytes,
                retry: RetryPolicy {
                    max_retries: config.max_retries,
                    ..RetryPolicy::default()
                },
                ..HttpConfig::default()
            },
        )?;
        let (app_id_header, secret_header) =
            credential_headers(&config.app_id, &config.app_secret)?;
        Ok(AigcClient {
            inner: Arc::new(Inner {
                tokens: config.cache.map(VerifyCache::new),
                users: config.cache.map(VerifyCache::new),
                config,
                http,
                secret_header,
                app_id_header,
            }),
        })
    }

    /// The same client with its caches (of `/sdk/token/verify` and `/sdk/user/info`
    /// answers) built by `caches`: linked to the shared tier when one is configured, and with
    /// the application's overrides. Cached answers so far are dropped.
    pub fn with_caches(self, caches: &CacheSetup) -> Self {
        let inner = &self.inner;
        AigcClient {
            inner: Arc::new(Inner {
                tokens: caches.build(
                    inner.config.cache,
                    format!("aigc:{}:verify", inner.config.app_id),
                ),
                users: caches.build(
                    inner.config.cache,
                    format!("aigc:{}:user", inner.config.app_id),
                ),
                config: inner.config.clone(),
                http: inner.http.clone(),
                secret_header: inner.secret_header.clone(),
                app_id_header: inner.app_id_header.clone(),
            }),
        }
    }

    /// A client configured from the process environment, falling back to a `.env` file
    /// (`AIGC_AUTH_APP_ID`, `AIGC_AUTH_APP_SECRET`, `AIGC_AUTH_BASE_URL`, and the optional
    /// variables of [`AigcConfig::from_env`]). Errors: `ConfigInvalid` naming the variable.
    pub fn from_env() -> Result<Self> {
        Self::from_env_with(&Env::dotenv()?)
    }

    /// A client configured from `env`. Errors: as [`from_env`](Self::from_env).
    pub fn from_env_with(env: &Env) -> Result<Self> {
        AigcClient::new(AigcConfig::from_env(env)?)
    }

    /// The configuration.
    pub fn config(&self) -> &AigcConfig {
        &self.inner.config
    }

    /// The application id.
    pub fn app_id(&self) -> &str {
        &self.inner.config.app_id
    }

    /// Drops the cached answers for `token`, here and, with a shared cache, on every
    /// instance (after a logout or a revocation). Errors: `Unavailable` when the shared tier
    /// cannot be reached (the entries of this instance are gone).
    pub async fn invalidate_token(&self, token: &AccessToken) -> Result<()> {
        if let Some(c) = &self.inner.tokens {
            c.invalidate_token(token).await?;
        }
        if let Some(c) = &self.inner.users {
            c.invalidate_token(token).await?;
        }
        Ok(())
    }

    /// Drops the cached answers of the user `user_id`, here and, with a shared cache, on
    /// every instance (a deleted or disabled user, changed roles: see
    /// `webhook::InvalidatingHandler`). Errors: as
    /// [`invalidate_token`](Self::invalidate_token).
    pub async fn invalidate_user(&self, user_id: &str) -> Result<()> {
        if let Some(c) = &self.inner.tokens {
            c.invalidate_user(user_id).await?;
        }
        if let Some(c) = &self.inner.users {
            c.invalidate_user(user_id).await?;
        }
        Ok(())
    }

    /// Forgets every cached answer (the reference's `clear_cache`).
    pub fn clear_cache(&self) {
        if let Some(c) = &self.inner.tokens {
            c.clear();
        }
        if let Some(c) = &self.inner.users {
            c.clear();
        }
    }

    /// Sends one call and returns the envelope's `data` (`{}` when absent, `Null` when null).
    async fn call(
        &self,
        operation: &'static str,
        path: &str,
        body: &Value,
        idempotency: Idempotency,
        extra_headers: Option<&HeaderMap>,
    ) -> Result<Value> {
        let inner = &self.inner;
        let mut headers = HeaderMap::new();
        headers.insert(X_APP_ID, inner.app_id_header.clone());
        headers.insert(X_APP_SECRET, inner.secret_header.clone());
        if let Some(trace) = context::trace_id().and_then(|t| HeaderValue::from_str(&t).ok()) {
            headers.insert(X_TRACE_ID, trace);
        }
        if let Some(extra) = extra_headers {
            for (name, value) in extra {
                headers.insert(name.clone(), value.clone());
            }
        }
        let request = inner
            .http
            .reqwest()
            .post(inner.config.endpoint(path))
            .headers(headers)
            .json(body);
        let response = inner.http.send(operation, request, idempotency).await?;
        if !response.is_success() {
            // Core's one HTTP-status rule; an envelope in the body adds the auth center's code.
            let mut e = response.status_error();
            if let Ok(envelope) = response.envelope() {
                let message = envelope.message.unwrap_or_default();
                e = e.with_provider_code(envelope.code.to_string(), message);
            }
            return Err(e.with_context(PROVIDER, operation));
        }
        // A 200 that is not an envelope with a numeric or text `code` is a Protocol error (502
        // through the middleware), never a provider business error (500).
        let envelope = response
            .envelope()
            .map_err(|e| e.with_context(PROVIDER, operation))?;
        if envelope.code.as_i64() == Some(0) {
            return Ok(envelope.data.unwrap_or_else(|| json!({})));
        }
        let message = envelope.message.unwrap_or_else(|| "未知错误".to_owned());
        Err(envelope_error(&envelope.code, message).with_context(PROVIDER, operation))
    }

    /// [`call`](Self::call), requiring `data` to be an object.
    async fn call_object(
        &self,
        operation: &'static str,
        path: &str,
        body: &Value,
        idempotency: Idempotency,
    ) -> Result<Map<String, Value>> {
        match self.call(operation, path, body, idempotency, None).await? {
            Value::Object(o) => Ok(o),
            _ => Err(Error::protocol("the answer's data is not a JSON object")
                .with_context(PROVIDER, operation)),
        }
    }

    /// Checks a token: `POST /sdk/token/verify` `{"token"}` → `valid`, `userId`, `username`,
    /// `expiresAt`. Cached (TTL capped by the expiry, when the server gives one as epoch
    /// seconds or milliseconds).
    ///
    /// Returns the user id as `subject` and the answer as `claims`. Errors: `InvalidToken`
    /// for an empty token (no call is made) or `valid: false` (unlike the reference, which
    /// returns a result with `valid` false); otherwise as the type says.
    pub async fn verify_token(&self, token: &AccessToken) -> Result<VerifiedToken> {
        match &self.inner.tokens {
            Some(cache) => {
                cache
                    .get_or_verify(token, || self.fetch_verify(token))
                    .await
            }
            None => self.fetch_verify(token).await,
        }
    }

    async fn fetch_verify(&self, token: &AccessToken) -> Result<VerifiedToken> {
        const OP: &str = "verify_token";
        check_token(token, OP)?;
        let body = json!({ "token": token.expose_secret() });
        let data = self
            .call_object(OP, "/token/verify", &body, Idempotency::Idempotent)
            .await?;
        if !flag(&data, &["valid"]) {
            return Err(
                Error::invalid_token("the auth center says the token is invalid")
                    .with_context(PROVIDER, OP),
            );
        }
        let subject = text(&data, &["userId", "user_id"]).ok_or_else(|| {
            Error::protocol("the verification answer has no userId").with_context(PROVIDER, OP)
        })?;
        let expires = crate::model::expiry(&data, &["expiresAt", "expires_at"]);
        Ok(VerifiedToken::new(subject)
            .with_expires_at(expires)
            .with_claims(data))
    }

    /// The token's user: `POST /sdk/user/info` `{"token"}` → a user object (see
    /// [`user_from_json`]; both `isAdmin` and `is_admin` are read). Cached.
    ///
    /// The profile's `raw` is the server's object; when it has no `appId`, the client adds
    /// its own app id there (the reference keeps it in the request context instead).
    /// Errors: `InvalidToken` for an empty token (no call); `Unauthenticated` for an invalid
    /// or expired token (envelope 401); otherwise as the type says.
    pub async fn get_user_info(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
        match &self.inner.users {
            Some(cache) => cache.get_or_verify(token, || self.fetch_user(token)).await,
            None => self.fetch_user(token).await,
        }
    }

    async fn fetch_user(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
        const OP: &str = "get_user_info";
        check_token(token, OP)?;
        let body = json!({ "token": token.expose_secret() });
        let mut data = self
            .call(OP, "/user/info", &body, Idempotency::Idempotent, None)
            .await?;
        if let Value::Object(obj) = &mut data
            && field(obj, &["appId", "app_id"]).is_none()
        {
            obj.insert("appId".into(), Value::String(self.app_id().to_owned()));
        }
        user_from_value(data)
            .map(Arc::new)
            .map_err(|e| e.with_context(PROVIDER, OP))
    }

    /// Asks the auth center which of `codes` the token's user holds:
    /// `POST /sdk/permission/check` `{"token", "permissionCodes"}` → `results` (code → bool).
    /// Not cached. Codes the server leaves out are absent from the map.
    pub async fn check_permissions(
        &self,
        token: &AccessToken,
        codes: &[String],
    ) -> Result<BTreeMap<String, bool>> {
        const OP: &str = "check_permissions";
        check_token(token, OP)?;
        let body = json!({ "token": token.expose_secret(), "permissionCodes": codes });
        let data = self
            .call_object(OP, "/permission/check", &body, Idempotency::Idempotent)
            .await?;
        Ok(match data.get("results") {
            Some(Value::Object(results)) => results
                .iter()
                .map(|(k, v)| (k.clone(), v.as_bool().unwrap_or(false)))
                .collect(),
            _ => BTreeMap::new(),
        })
    }

    /// Whether the token's user holds at least one of `codes`, checked locally on the cached
    /// [`get_user_info`](Self::get_user_info) (1.1.62's `check_permissions`; `prefix:*`
    /// wildcards are honoured). False for an empty list. Errors: as `get_user_info`.
    pub async fn has_any_permission(&self, token: &AccessToken, codes: &[&str]) -> Result<bool> {
        Ok(self.get_user_info(token).await?.has_any_permission(codes))
    }

    /// Whether the token's user holds every one of `codes`, checked locally like
    /// [`has_any_permission`](Self::has_any_permission). True for an empty list.
    pub async fn has_all_permissions(&self, token: &AccessToken, codes: &[&str]) -> Result<bool> {
        Ok(self.get_user_info(token).await?.has_all_permissions(codes))
    }

    /// Checks an access key (`ak_...`): `POST /sdk/access-key/verify` `{"accessKey"}` →
    /// `valid`, `keyType`, `appId`, `userId`, user fields. Never cached, here or in the
    /// provider (as in the reference): a revoked key is refused on its next use. The app-id
    /// match of app keys is checked by [`AigcProvider`](crate::AigcProvider), not here.
    ///
    /// Errors: `InvalidToken` for an empty key or `valid: false`.
    pub async fn verify_access_key(&self, key: &AccessToken) -> Result<AccessKeyInfo> {
        const OP: &str = "verify_access_key";
        check_token(key, OP)?;
        let body = json!({ "accessKey": key.expose_secret() });
        let data = self
            .call(
                OP,
                "/access-key/verify",
                &body,
                Idempotency::Idempotent,
                None,
            )
            .await?;
        AccessKeyInfo::from_data(&data).map_err(|e| e.with_context(PROVIDER, OP))
    }

    /// Users by username: `POST /sdk/users/batch` `{"usernames"}` → `users` (1.1.45) or
    /// `items` (1.1.62) or a bare list, and `not_found`. Users of the current app and global
    /// users only. When the server gives no `not_found`, it is computed from the answer.
    ///
    /// Errors: `InvalidInput` for more than [`MAX_BATCH`] names. An empty list makes no call.
    pub async fn batch_get_users(&self, usernames: &[String]) -> Result<BatchLookup> {
        const OP: &str = "batch_get_users";
        check_batch(usernames.len(), OP)?;
        if usernames.is_empty() {
            return Ok(BatchLookup::default());
        }
        let data = self
            .call(
                OP,
                "/users/batch",
                &json!({ "usernames": usernames }),
                Idempotency::Idempotent,
                None,
            )
            .await?;
        let users =
            user_list(&data, &["users", "items"]).map_err(|e| e.with_context(PROVIDER, OP))?;
        let not_found = match data.get("not_found").or_else(|| data.get("notFound")) {
            Some(Value::Array(names)) => names
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            _ => usernames
                .iter()
                .filter(|n| {
                    !users
                        .iter()
                        .any(|u| u.username.as_deref() == Some(n.as_str()))
                })
                .cloned()
                .collect(),
        };
        Ok(BatchLookup::new(users, not_found))
    }

    /// Users by id, in request order: `POST /sdk/users/batch-by-ids` with the ids under both
    /// `userIds` (1.1.45) and `user_ids` (1.1.62) → `users`, `items` or a bare list. An unknown
    /// id yields an entry with `found: false` and the placeholder user (username
    /// [`UNKNOWN_USER_NAME`]).
    ///
    /// Errors: `InvalidInput` for more than [`MAX_BATCH`] ids. An empty list makes no call.
    pub async fn batch_get_users_by_ids(&self, ids: &[i64]) -> Result<Vec<UserById>> {
        const OP: &str = "batch_get_users_by_ids";
        check_batch(ids.len(), OP)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let body = json!({ "userIds": ids, "user_ids": ids });
        let data = self
            .call(
                OP,
                "/users/batch-by-ids",
                &body,
                Idempotency::Idempotent,
                None,
            )
            .await?;
        let list =
            user_list(&data, &["users", "items"]).map_err(|e| e.with_context(PROVIDER, OP))?;
        let mut by_id: HashMap<String, UserProfile> = HashMap::new();
        for user in list {
            by_id.entry(user.id.clone()).or_insert(user);
        }
        Ok(ids
            .iter()
            .map(|&id| match by_id.get(&id.to_string()) {
                Some(user) if !is_placeholder(user) => UserById {
                    requested_id: id,
                    found: true,
                    user: user.clone(),
                },
                other => {
                    let mut user = other
                        .cloned()
                        .unwrap_or_else(|| UserProfile::new(PROVIDER, id.to_string()));
                    user.username = Some(UNKNOWN_USER_NAME.to_owned());
                    UserById {
                        requested_id: id,
                        found: false,
                        user,
                    }
                }
            })
            .collect())
    }
}

fn check_token(token: &AccessToken, operation: &'static str) -> Result<()> {
    if token.expose_secret().trim().is_empty() {
        return Err(Error::invalid_token("the token is empty").with_context(PROVIDER, operation));
    }
    Ok(())
}

fn check_batch(len: usize, operation: &'static str) -> Result<()> {
    if len > MAX_BATCH {
        return Err(Error::invalid_input(format!(
            "at most {MAX_BATCH} entries per batch call, got {len}"
        ))
        .with_context(PROVIDER, operation));
    }
    Ok(())
}

fn is_placeholder(user: &UserProfile) -> bool {
    let marked = user
        .raw
        .as_object()
        .is_some_and(|o| flag(o, &["placeholder", "notFound", "not_found"]));
    marked || user.username.as_deref() == Some(UNKNOWN_USER_NAME)
}

/// The error for a non-zero envelope code: 401, 403 and 404 by their HTTP meaning, 5xx an
/// outage (temporary, 503 from the middleware, not a business refusal), anything else
/// `ErrorKind::Provider`. The code and message are kept on every kind
/// ([`Error::provider_code`]).
fn envelope_error(code: &EnvelopeCode, message: String) -> Error {
    let error = match code.as_i64() {
        Some(401) => Error::new(ErrorKind::Unauthenticated, message.clone()),
        Some(403) => Error::new(ErrorKind::PermissionDenied, message.clone()),
        Some(404) => Error::new(ErrorKind::NotFound, message.clone()),
        Some(code @ 500..=599) => {
            Error::unavailable(format!("the auth center answered code {code}: {message}"))
        }
        _ => return Error::provider_error(code.to_string(), message),
    };
    error.with_provider_code(code.to_string(), message)
}
