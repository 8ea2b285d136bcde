//! [`ManagementClient`]: the administrator side of Authing v2 (the `users` module), with a
//! lazily fetched, cached, single-flight management token.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwapOption;
use polyauth_core::http::Idempotency;
use polyauth_core::{AccessToken, ClientSecret, Error, Result};
use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::auth::{DEFAULT_HOST, params_string, user_sub};
use crate::crypto::{DEFAULT_ENC_PUBLIC_KEY, PasswordEncryptor};
use crate::documents as doc;
use crate::transport::{Auth, PROVIDER, Transport, normalize_base};
use crate::types::{
    AuthorizedResource, CommonMessage, EmailScene, Group, LoginStatus, Paginated, PolicyAssignment,
    RefreshedToken, ResourceType, Role, UdfValueBatchItem, UdvItem, User, UserDepartment,
    paged_users, udv_map,
};

/// The most identifiers [`Users::batch_get`] accepts in one call (Authing's documented limit).
pub const MAX_BATCH_IDS: usize = 80;

/// The longest a management token is reused, whatever `exp` the server claims (a far-future
/// or absurd `exp` must not pin a token forever).
pub const MAX_MANAGEMENT_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Settings of a [`ManagementClient`].
#[derive(Clone, Debug)]
pub struct ManagementClientOptions {
    /// The user pool id.
    pub user_pool_id: String,
    /// The user pool secret (fetches the management token).
    pub secret: ClientSecret,
    /// API host, default `https://core.authing.cn`.
    pub host: String,
    /// Password-encryption public key PEM (default Authing's published key).
    pub enc_public_key: Option<String>,
    /// `x-authing-lang`.
    pub lang: Option<String>,
    /// Whole-request timeout (default 10 s).
    pub timeout: Duration,
    /// Connect timeout (default 5 s).
    pub connect_timeout: Duration,
    /// Refetch the management token this long before its `exp` (default 300 s; at most half
    /// the token's lifetime is used, so short-lived tokens are not refetched on every call).
    pub token_refresh_margin: Duration,
}

impl ManagementClientOptions {
    /// Options for a pool, everything else default.
    pub fn new(user_pool_id: impl Into<String>, secret: ClientSecret) -> Self {
        ManagementClientOptions {
            user_pool_id: user_pool_id.into(),
            secret,
            host: DEFAULT_HOST.to_owned(),
            enc_public_key: None,
            lang: None,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            token_refresh_margin: Duration::from_secs(300),
        }
    }
}

#[derive(Debug)]
struct CachedToken {
    token: AccessToken,
    refresh_at: Instant,
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    encryptor: PasswordEncryptor,
    user_pool_id: String,
    secret: ClientSecret,
    margin: Duration,
    /// The current token: read without locking on every management call.
    token: ArcSwapOption<CachedToken>,
    /// Taken only when a fetch is needed, so concurrent callers share one fetch.
    fetch: tokio::sync::Mutex<()>,
    fetches: AtomicU64,
}

/// The administrator client of Authing v2. Cheap to clone (shared token cache).
///
/// Every call carries `Authorization: Bearer {management token}`. The token comes from the
/// GraphQL `accessToken(userPoolId, secret)` query: fetched on first use, cached until
/// `token_refresh_margin` before its `exp`, fetched once for any number of concurrent callers
/// (single-flight), and refetched once when a call fails with an authentication error.
#[derive(Clone, Debug)]
pub struct ManagementClient {
    inner: Arc<Inner>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(rename = "accessToken")]
    access_token: AccessToken,
    exp: Option<i64>,
}

impl ManagementClient {
    /// Builds the client. No network call is made.
    ///
    /// Errors: `ConfigInvalid` for an empty pool id or secret, a host that is not an http(s)
    /// URL, or an unparsable `enc_public_key`.
    pub fn new(options: ManagementClientOptions) -> Result<Self> {
        if options.user_pool_id.trim().is_empty() || options.secret.is_empty() {
            return Err(Error::config(
                "the Authing management client needs user_pool_id and secret",
            ));
        }
        let base = normalize_base("host", &options.host)?;
        let transport = Transport::new(
            base,
            Some(&options.user_pool_id),
            None,
            options.lang.as_deref(),
            options.timeout,
            options.connect_timeout,
        )?;
        let encryptor = PasswordEncryptor::from_pem(
            options
                .enc_public_key
                .as_deref()
                .unwrap_or(DEFAULT_ENC_PUBLIC_KEY),
        )?;
        Ok(ManagementClient {
            inner: Arc::new(Inner {
                transport,
                encryptor,
                user_pool_id: options.user_pool_id,
                secret: options.secret,
                margin: options.token_refresh_margin,
                token: ArcSwapOption::empty(),
                fetch: tokio::sync::Mutex::new(()),
                fetches: AtomicU64::new(0),
            }),
        })
    }

    /// The `users` module.
    pub fn users(&self) -> Users<'_> {
        Users { client: self }
    }

    /// How many management tokens were fetched so far.
    pub fn token_fetch_count(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }

    /// The cached token while it is fresh (no lock taken).
    fn fresh_token(&self) -> Option<AccessToken> {
        self.inner
            .token
            .load()
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.token.clone())
    }

    /// The management token, fetched when missing or about to expire. A fresh cached token
    /// is read without taking any lock; when a fetch is needed, concurrent callers share one
    /// fetch (the first fetches, the others wait for and reuse its token).
    ///
    /// The token is reused until `token_refresh_margin` (at most half its lifetime) before
    /// the `exp` the server answered, and never longer than
    /// [`MAX_MANAGEMENT_TOKEN_LIFETIME`]; an `exp` in the past or missing means the token is
    /// used for this call only.
    ///
    /// Errors: `Unauthenticated`/`PermissionDenied`/`Provider` when the pool rejects the
    /// secret; transport errors.
    pub async fn management_token(&self) -> Result<AccessToken> {
        if let Some(token) = self.fresh_token() {
            return Ok(token);
        }
        let _fetching = self.inner.fetch.lock().await;
        // Another caller may have fetched while this one waited.
        if let Some(token) = self.fresh_token() {
            return Ok(token);
        }
        self.inner.fetches.fetch_add(1, Ordering::Relaxed);
        let vars = json!({"userPoolId": self.inner.user_pool_id, "secret": self.inner.secret.expose_secret()});
        let answer: TokenAnswer = self
            .inner
            .transport
            .graphql(
                "accessToken",
                doc::ACCESS_TOKEN,
                "accessToken",
                Some(vars),
                Auth::None,
                Idempotency::Idempotent,
            )
            .await?;
        let lifetime = token_lifetime(answer.exp, SystemTime::now());
        let margin = self.inner.margin.min(lifetime / 2);
        let now = Instant::now();
        let refresh_at = now
            .checked_add(lifetime.saturating_sub(margin))
            .unwrap_or(now);
        self.inner.token.store(Some(Arc::new(CachedToken {
            token: answer.access_token.clone(),
            refresh_at,
        })));
        Ok(answer.access_token)
    }

    /// Drops the cached token if it is still `token` (a newer one fetched meanwhile stays).
    fn invalidate(&self, token: &AccessToken) {
        self.inner.token.rcu(|current| match current {
            Some(c) if &c.token == token => None,
            other => other.clone(),
        });
    }

    /// A GraphQL call with the management token, retried once with a fresh token after an
    /// authentication failure.
    async fn gql<T: DeserializeOwned>(
        &self,
        op: &'static str,
        document: &'static str,
        root: &'static str,
        variables: Value,
    ) -> Result<T> {
        let idempotency = if document.starts_with("query") {
            Idempotency::Idempotent
        } else {
            Idempotency::NonIdempotent
        };
        let token = self.management_token().await?;
        let t = &self.inner.transport;
        match t
            .graphql(
                op,
                document,
                root,
                Some(variables.clone()),
                Auth::Bearer(&token),
                idempotency,
            )
            .await
        {
            Err(e) if e.kind().is_auth_failure() => {
                self.invalidate(&token);
                let token = self.management_token().await?;
                t.graphql(
                    op,
                    document,
                    root,
                    Some(variables),
                    Auth::Bearer(&token),
                    idempotency,
                )
                .await
            }
            other => other,
        }
    }

    /// A REST call (envelope checked) with the management token and the same retry.
    async fn rest<T: DeserializeOwned>(
        &self,
        op: &'static str,
        method: Method,
        url: url::Url,
        body: Option<Value>,
    ) -> Result<T> {
        let token = self.management_token().await?;
        let t = &self.inner.transport;
        match t
            .rest(
                op,
                method.clone(),
                url.clone(),
                body.clone(),
                Auth::Bearer(&token),
            )
            .await
        {
            Err(e) if e.kind().is_auth_failure() => {
                self.invalidate(&token);
                let token = self.management_token().await?;
                t.rest(op, method, url, body, Auth::Bearer(&token)).await
            }
            other => other,
        }
    }

    fn url(&self, segments: &[&str]) -> Result<url::Url> {
        self.inner.transport.url(segments)
    }

    fn enc_field(&self, map: &Map<String, Value>, op: &'static str) -> Result<Map<String, Value>> {
        let mut out = map.clone();
        if let Some(Value::String(p)) = out.get("password") {
            let enc = self
                .inner
                .encryptor
                .encrypt(&polyauth_core::Password::new(p.clone()))
                .map_err(|e| e.with_context(PROVIDER, op))?;
            out.insert("password".into(), Value::String(enc));
        }
        Ok(out)
    }

    /// Online check of a user token (GraphQL `checkLoginStatus`, no Authorization header).
    pub async fn check_login_status(&self, token: &AccessToken) -> Result<LoginStatus> {
        self.inner
            .transport
            .graphql(
                "checkLoginStatus",
                doc::CHECK_LOGIN_STATUS,
                "checkLoginStatus",
                Some(json!({"token": token.expose_secret()})),
                Auth::None,
                Idempotency::Idempotent,
            )
            .await
    }

    /// Sends an e-mail of a scene (GraphQL `sendEmail`, no Authorization header).
    pub async fn send_email(&self, email: &str, scene: EmailScene) -> Result<CommonMessage> {
        self.inner
            .transport
            .graphql(
                "sendEmail",
                doc::SEND_EMAIL,
                "sendEmail",
                Some(json!({"email": email, "scene": scene})),
                Auth::None,
                Idempotency::NonIdempotent,
            )
            .await
    }
}

/// How long a token with this server-provided `exp` (unix seconds) lives from `now`: zero for
/// a missing or past `exp`, capped at [`MAX_MANAGEMENT_TOKEN_LIFETIME`]; never overflows.
fn token_lifetime(exp: Option<i64>, now: SystemTime) -> Duration {
    let now = now
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let seconds = exp.map_or(0, |e| e.saturating_sub(now));
    Duration::from_secs(u64::try_from(seconds).unwrap_or(0)).min(MAX_MANAGEMENT_TOKEN_LIFETIME)
}

/// Which field [`Users::batch_get`] matches identifiers against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QueryField {
    /// User id (default).
    #[default]
    Id,
    /// Username.
    Username,
    /// E-mail.
    Email,
    /// Phone.
    Phone,
    /// External id.
    ExternalId,
}

impl QueryField {
    fn wire(self) -> &'static str {
        match self {
            QueryField::Id => "id",
            QueryField::Username => "username",
            QueryField::Email => "email",
            QueryField::Phone => "phone",
            QueryField::ExternalId => "externalId",
        }
    }
}

/// Filters of [`Users::search`].
#[derive(Clone, Debug, Default)]
pub struct SearchOptions {
    /// `(departmentId, includeChildrenDepartments)` pairs.
    pub departments: Vec<(String, bool)>,
    /// Group codes.
    pub groups: Vec<String>,
    /// `(namespace, role code)` pairs.
    pub roles: Vec<(Option<String>, String)>,
    /// Select `customData` too.
    pub with_custom_data: bool,
}

/// Identifiers for [`Users::exists`] and [`Users::find`]; at least one must be set.
#[derive(Clone, Debug, Default)]
pub struct UserLookup {
    /// Username.
    pub username: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// External id.
    pub external_id: Option<String>,
}

impl UserLookup {
    /// A lookup by username.
    pub fn username(u: impl Into<String>) -> Self {
        UserLookup {
            username: Some(u.into()),
            ..Default::default()
        }
    }

    fn vars(&self, op: &'static str) -> Result<Value> {
        if self.username.is_none()
            && self.email.is_none()
            && self.phone.is_none()
            && self.external_id.is_none()
        {
            return Err(
                Error::invalid_input("give a username, e-mail, phone or external id")
                    .with_context(PROVIDER, op),
            );
        }
        Ok(
            json!({"username": self.username, "email": self.email, "phone": self.phone, "externalId": self.external_id}),
        )
    }
}

/// The `users` module of [`ManagementClient`] (see [`ManagementClient::users`]).
#[derive(Clone, Copy, Debug)]
pub struct Users<'a> {
    client: &'a ManagementClient,
}

impl Users<'_> {
    /// Creates a user (GraphQL `createUser`, or `createUserWithCustomData` when custom data is
    /// given). `user_info` holds `CreateUserInput` fields (`username`, `email`, `phone`,
    /// `password`, `nickname`, ...); a `password` is RSA-encrypted before sending (the
    /// caller's map is not changed). `keep_password` keeps an imported password hash.
    ///
    /// Errors: `InvalidInput` (user exists 2026; password over 117 bytes), `Provider`.
    pub async fn create(
        &self,
        user_info: &Map<String, Value>,
        keep_password: bool,
        custom_data: Option<&Map<String, Value>>,
    ) -> Result<User> {
        let info = self.client.enc_field(user_info, "createUser")?;
        let vars = json!({
            "userInfo": info,
            "keepPassword": keep_password,
            "params": params_string(&custom_data.cloned()),
        });
        match custom_data {
            Some(_) => {
                self.client
                    .gql(
                        "createUserWithCustomData",
                        doc::CREATE_USER_WITH_CUSTOM_DATA,
                        "createUser",
                        vars,
                    )
                    .await
            }
            None => {
                self.client
                    .gql("createUser", doc::CREATE_USER, "createUser", vars)
                    .await
            }
        }
    }

    /// Updates a user (GraphQL `updateUser`; a `password` in `updates` is encrypted).
    /// Errors: `NotFound` (2004).
    pub async fn update(&self, user_id: &str, updates: &Map<String, Value>) -> Result<User> {
        let input = self.client.enc_field(updates, "updateUser")?;
        self.client
            .gql(
                "updateUser",
                doc::UPDATE_USER,
                "updateUser",
                json!({"id": user_id, "input": input}),
            )
            .await
    }

    /// One user: `GET {host}/api/v2/users/{id}?with_custom_data=1|0`. `None` for an unknown or
    /// deleted user.
    pub async fn detail(&self, user_id: &str, with_custom_data: bool) -> Result<Option<User>> {
        let mut url = self.client.url(&["api", "v2", "users", user_id])?;
        url.query_pairs_mut()
            .append_pair("with_custom_data", if with_custom_data { "1" } else { "0" });
        match self
            .client
            .rest::<Option<User>>("user_detail", Method::GET, url, None)
            .await
        {
            Err(e) if e.kind() == polyauth_core::ErrorKind::NotFound => Ok(None),
            other => other,
        }
    }

    /// The user's custom data as `{key: typed value}` (GraphQL `udv`).
    pub async fn get_udf_value(&self, user_id: &str) -> Result<Map<String, Value>> {
        Ok(udv_map(&self.list_udv(user_id).await?))
    }

    /// Custom data of several users (GraphQL `udfValueBatch` with `targetIds`), keyed by
    /// user id. Errors: `InvalidInput` for an empty list.
    pub async fn get_udf_value_batch(
        &self,
        user_ids: &[String],
    ) -> Result<HashMap<String, Map<String, Value>>> {
        if user_ids.is_empty() {
            return Err(
                Error::invalid_input("no user ids given").with_context(PROVIDER, "udfValueBatch")
            );
        }
        let items: Vec<UdfValueBatchItem> = self
            .client
            .gql(
                "udfValueBatch",
                doc::UDF_VALUE_BATCH,
                "udfValueBatch",
                json!({"targetType": "USER", "targetIds": user_ids}),
            )
            .await?;
        Ok(items
            .into_iter()
            .map(|i| (i.target_id, udv_map(&i.data)))
            .collect())
    }

    /// Sets several custom-data values of a user (GraphQL `setUdvBatch`; values
    /// JSON-encoded). Errors: `InvalidInput` for an empty map.
    pub async fn set_udf_value(&self, user_id: &str, data: &Map<String, Value>) -> Result<()> {
        if data.is_empty() {
            return Err(
                Error::invalid_input("no custom data to set").with_context(PROVIDER, "setUdvBatch")
            );
        }
        let list: Vec<Value> = data
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v.to_string()}))
            .collect();
        let _: Vec<UdvItem> = self
            .client
            .gql(
                "setUdvBatch",
                doc::SET_UDV_BATCH,
                "setUdvBatch",
                json!({"targetType": "USER", "targetId": user_id, "udvList": list}),
            )
            .await?;
        Ok(())
    }

    /// Sets custom data of several users at once (GraphQL `setUdfValueBatch`).
    /// Errors: `InvalidInput` when there is nothing to set.
    pub async fn set_udf_value_batch(
        &self,
        data: &BTreeMap<String, Map<String, Value>>,
    ) -> Result<()> {
        let input: Vec<Value> = data
            .iter()
            .flat_map(|(id, m)| {
                m.iter()
                    .map(move |(k, v)| json!({"targetId": id, "key": k, "value": v.to_string()}))
            })
            .collect();
        if input.is_empty() {
            return Err(Error::invalid_input("no custom data to set")
                .with_context(PROVIDER, "setUdfValueBatch"));
        }
        let _: CommonMessage = self
            .client
            .gql(
                "setUdfValueBatch",
                doc::SET_UDF_VALUE_BATCH,
                "setUdfValueBatch",
                json!({"targetType": "USER", "input": input}),
            )
            .await?;
        Ok(())
    }

    /// Removes one custom-data value (GraphQL `removeUdv`).
    pub async fn remove_udf_value(&self, user_id: &str, key: &str) -> Result<()> {
        self.remove_udv(user_id, key).await.map(|_| ())
    }

    /// The user's custom data as a typed list (GraphQL `udv`).
    pub async fn list_udv(&self, user_id: &str) -> Result<Vec<UdvItem>> {
        self.client
            .gql(
                "udv",
                doc::UDV,
                "udv",
                json!({"targetType": "USER", "targetId": user_id}),
            )
            .await
    }

    /// Sets one custom-data value (GraphQL `setUdv`); answers the list.
    pub async fn set_udv(&self, user_id: &str, key: &str, value: &Value) -> Result<Vec<UdvItem>> {
        self.client
            .gql(
                "setUdv",
                doc::SET_UDV,
                "setUdv",
                json!({"targetType": "USER", "targetId": user_id, "key": key, "value": value.to_string()}),
            )
            .await
    }

    /// Removes one custom-data value (GraphQL `removeUdv`); answers the remaining list.
    pub async fn remove_udv(&self, user_id: &str, key: &str) -> Result<Vec<UdvItem>> {
        self.client
            .gql(
                "removeUdv",
                doc::REMOVE_UDV,
                "removeUdv",
                json!({"targetType": "USER", "targetId": user_id, "key": key}),
            )
            .await
    }

    /// Deletes a user (GraphQL `deleteUser`). Errors: `NotFound` (2004).
    pub async fn delete(&self, user_id: &str) -> Result<CommonMessage> {
        self.client
            .gql(
                "deleteUser",
                doc::DELETE_USER,
                "deleteUser",
                json!({"id": user_id}),
            )
            .await
    }

    /// Deletes several users (GraphQL `deleteUsers`).
    pub async fn delete_many(&self, user_ids: &[String]) -> Result<CommonMessage> {
        self.client
            .gql(
                "deleteUsers",
                doc::DELETE_USERS,
                "deleteUsers",
                json!({"ids": user_ids}),
            )
            .await
    }

    /// Users by identifiers (GraphQL `userBatch`), matched on `query_field`; unknown
    /// identifiers are simply absent.
    ///
    /// Errors: `InvalidInput` for more than [`MAX_BATCH_IDS`] (80) identifiers.
    pub async fn batch_get(
        &self,
        identifiers: &[String],
        query_field: QueryField,
        with_custom_data: bool,
    ) -> Result<Vec<User>> {
        if identifiers.len() > MAX_BATCH_IDS {
            return Err(Error::invalid_input(format!(
                "batch_get takes at most {MAX_BATCH_IDS} identifiers per call, got {}",
                identifiers.len()
            ))
            .with_context(PROVIDER, "userBatch"));
        }
        if identifiers.is_empty() {
            return Ok(Vec::new());
        }
        let vars = json!({"ids": identifiers, "type": query_field.wire()});
        if with_custom_data {
            self.client
                .gql(
                    "userBatchWithCustomData",
                    doc::USER_BATCH_WITH_CUSTOM_DATA,
                    "userBatch",
                    vars,
                )
                .await
        } else {
            self.client
                .gql("userBatch", doc::USER_BATCH, "userBatch", vars)
                .await
        }
    }

    /// One page of users (GraphQL `users`; page from 1).
    pub async fn list(
        &self,
        page: u32,
        limit: u32,
        with_custom_data: bool,
    ) -> Result<Paginated<User>> {
        let vars = json!({"page": page, "limit": limit});
        let p: Paginated<Value> = if with_custom_data {
            self.client
                .gql(
                    "usersWithCustomData",
                    doc::USERS_WITH_CUSTOM_DATA,
                    "users",
                    vars,
                )
                .await?
        } else {
            self.client.gql("users", doc::USERS, "users", vars).await?
        };
        paged_users(p)
    }

    /// One page of archived users (GraphQL `archivedUsers`).
    pub async fn list_archived_users(&self, page: u32, limit: u32) -> Result<Paginated<User>> {
        let p: Paginated<Value> = self
            .client
            .gql(
                "archivedUsers",
                doc::ARCHIVED_USERS,
                "archivedUsers",
                json!({"page": page, "limit": limit}),
            )
            .await?;
        paged_users(p)
    }

    /// Whether a user exists (GraphQL `isUserExists`). Errors: `InvalidInput` without any
    /// identifier.
    pub async fn exists(&self, lookup: &UserLookup) -> Result<bool> {
        let found: Option<bool> = self
            .client
            .gql(
                "isUserExists",
                doc::IS_USER_EXISTS,
                "isUserExists",
                lookup.vars("isUserExists")?,
            )
            .await?;
        Ok(found.unwrap_or(false))
    }

    /// Finds a user (GraphQL `findUser`); `None` when nobody matches.
    pub async fn find(&self, lookup: &UserLookup, with_custom_data: bool) -> Result<Option<User>> {
        let vars = lookup.vars("findUser")?;
        if with_custom_data {
            self.client
                .gql(
                    "findUserWithCustomData",
                    doc::FIND_USER_WITH_CUSTOM_DATA,
                    "findUser",
                    vars,
                )
                .await
        } else {
            self.client
                .gql("findUser", doc::FIND_USER, "findUser", vars)
                .await
        }
    }

    /// Searches users by text with department, group and role filters (GraphQL `searchUser`).
    pub async fn search(
        &self,
        query: &str,
        page: u32,
        limit: u32,
        options: &SearchOptions,
    ) -> Result<Paginated<User>> {
        let vars = json!({
            "query": query, "page": page, "limit": limit,
            "departmentOpts": options.departments.iter().map(|(id, c)| json!({"departmentId": id, "includeChildrenDepartments": c})).collect::<Vec<_>>(),
            "groupOpts": options.groups.iter().map(|c| json!({"code": c})).collect::<Vec<_>>(),
            "roleOpts": options.roles.iter().map(|(ns, c)| json!({"namespace": ns, "code": c})).collect::<Vec<_>>(),
        });
        let p: Paginated<Value> = if options.with_custom_data {
            self.client
                .gql(
                    "searchUserWithCustomData",
                    doc::SEARCH_USER_WITH_CUSTOM_DATA,
                    "searchUser",
                    vars,
                )
                .await?
        } else {
            self.client
                .gql("searchUser", doc::SEARCH_USER, "searchUser", vars)
                .await?
        };
        paged_users(p)
    }

    /// Forces users offline: `POST {host}/api/v2/users/kick {userIds}`.
    pub async fn kick(&self, user_ids: &[String]) -> Result<()> {
        let url = self.client.url(&["api", "v2", "users", "kick"])?;
        let _: Value = self
            .client
            .rest(
                "kick",
                Method::POST,
                url,
                Some(json!({"userIds": user_ids})),
            )
            .await?;
        Ok(())
    }

    /// The user's groups (GraphQL `getUserGroups`). Errors: `NotFound`.
    pub async fn list_groups(&self, user_id: &str) -> Result<Paginated<Group>> {
        let user = self
            .client
            .gql(
                "getUserGroups",
                doc::GET_USER_GROUPS,
                "user",
                json!({"id": user_id}),
            )
            .await?;
        user_sub(user, "groups", "getUserGroups")
    }

    /// Adds the user to a group (GraphQL `addUserToGroup`).
    pub async fn add_group(&self, user_id: &str, code: &str) -> Result<CommonMessage> {
        self.client
            .gql(
                "addUserToGroup",
                doc::ADD_USER_TO_GROUP,
                "addUserToGroup",
                json!({"userIds": [user_id], "code": code}),
            )
            .await
    }

    /// Removes the user from a group (GraphQL `removeUserFromGroup`).
    pub async fn remove_group(&self, user_id: &str, code: &str) -> Result<CommonMessage> {
        self.client
            .gql(
                "removeUserFromGroup",
                doc::REMOVE_USER_FROM_GROUP,
                "removeUserFromGroup",
                json!({"userIds": [user_id], "code": code}),
            )
            .await
    }

    /// The user's roles (GraphQL `getUserRoles`). Errors: `NotFound`.
    pub async fn list_roles(
        &self,
        user_id: &str,
        namespace: Option<&str>,
    ) -> Result<Paginated<Role>> {
        let user = self
            .client
            .gql(
                "getUserRoles",
                doc::GET_USER_ROLES,
                "user",
                json!({"id": user_id, "namespace": namespace}),
            )
            .await?;
        user_sub(user, "roles", "getUserRoles")
    }

    /// Assigns roles (GraphQL `assignRole`).
    pub async fn add_roles(
        &self,
        user_id: &str,
        roles: &[String],
        namespace: Option<&str>,
    ) -> Result<CommonMessage> {
        self.client
            .gql(
                "assignRole",
                doc::ASSIGN_ROLE,
                "assignRole",
                json!({"userIds": [user_id], "roleCodes": roles, "namespace": namespace}),
            )
            .await
    }

    /// Revokes roles (GraphQL `revokeRole`).
    pub async fn remove_roles(
        &self,
        user_id: &str,
        roles: &[String],
        namespace: Option<&str>,
    ) -> Result<CommonMessage> {
        self.client
            .gql(
                "revokeRole",
                doc::REVOKE_ROLE,
                "revokeRole",
                json!({"userIds": [user_id], "roleCodes": roles, "namespace": namespace}),
            )
            .await
    }

    /// Whether the user has a role: `GET {host}/api/v2/users/{id}/has-role?code=&namespace=`.
    pub async fn has_role(
        &self,
        user_id: &str,
        role_code: &str,
        namespace: Option<&str>,
    ) -> Result<bool> {
        let mut url = self
            .client
            .url(&["api", "v2", "users", user_id, "has-role"])?;
        url.query_pairs_mut().append_pair("code", role_code);
        if let Some(ns) = namespace {
            url.query_pairs_mut().append_pair("namespace", ns);
        }
        let v: Value = self.client.rest("has_role", Method::GET, url, None).await?;
        Ok(v.as_bool().unwrap_or(false))
    }

    /// Resources the user is authorized for (GraphQL `listUserAuthorizedResources`).
    pub async fn list_authorized_resources(
        &self,
        user_id: &str,
        namespace: &str,
        resource_type: Option<ResourceType>,
    ) -> Result<Paginated<AuthorizedResource>> {
        let user = self
            .client
            .gql(
                "listUserAuthorizedResources",
                doc::LIST_USER_AUTHORIZED_RESOURCES,
                "user",
                json!({"id": user_id, "namespace": namespace, "resourceType": resource_type}),
            )
            .await?;
        user_sub(user, "authorizedResources", "listUserAuthorizedResources")
    }

    /// The pool's user-action log:
    /// `GET {host}/api/v2/analysis/user-action?page=&limit=&clientip=&operation_name=&operator_arn=`.
    pub async fn list_user_actions(
        &self,
        page: u32,
        limit: u32,
        client_ip: Option<&str>,
        operation_name: Option<&str>,
        operator_arn: Option<&str>,
    ) -> Result<Value> {
        let mut url = self.client.url(&["api", "v2", "analysis", "user-action"])?;
        url.query_pairs_mut()
            .append_pair("page", &page.to_string())
            .append_pair("limit", &limit.to_string())
            .append_pair("clientip", client_ip.unwrap_or(""))
            .append_pair("operation_name", operation_name.unwrap_or(""))
            .append_pair("operator_arn", operator_arn.unwrap_or(""));
        self.client
            .rest("list_user_actions", Method::GET, url, None)
            .await
    }

    /// A new login token for the user (GraphQL `refreshToken` with `id`).
    pub async fn refresh_token(&self, user_id: &str) -> Result<RefreshedToken> {
        self.client
            .gql(
                "refreshToken",
                doc::REFRESH_TOKEN,
                "refreshToken",
                json!({"id": user_id}),
            )
            .await
    }

    /// The user's policy assignments (GraphQL `policyAssignments`).
    pub async fn list_policies(
        &self,
        user_id: &str,
        page: u32,
        limit: u32,
    ) -> Result<Paginated<PolicyAssignment>> {
        self.client
            .gql(
                "policyAssignments",
                doc::POLICY_ASSIGNMENTS,
                "policyAssignments",
                json!({"targetType": "USER", "targetIdentifier": user_id, "page": page, "limit": limit}),
            )
            .await
    }

    /// Assigns policies (GraphQL `addPolicyAssignments`).
    pub async fn add_policies(&self, user_id: &str, policies: &[String]) -> Result<CommonMessage> {
        self.client
            .gql(
                "addPolicyAssignments",
                doc::ADD_POLICY_ASSIGNMENTS,
                "addPolicyAssignments",
                json!({"policies": policies, "targetType": "USER", "targetIdentifiers": [user_id]}),
            )
            .await
    }

    /// Removes policy assignments (GraphQL `removePolicyAssignments`).
    pub async fn remove_policies(
        &self,
        user_id: &str,
        policies: &[String],
    ) -> Result<CommonMessage> {
        self.client
            .gql(
                "removePolicyAssignments",
                doc::REMOVE_POLICY_ASSIGNMENTS,
                "removePolicyAssignments",
                json!({"policies": policies, "targetType": "USER", "targetIdentifiers": [user_id]}),
            )
            .await
    }

    /// The user's organizations: `GET {host}/api/v2/users/{id}/orgs` (data as sent).
    pub async fn list_org(&self, user_id: &str) -> Result<Value> {
        let url = self.client.url(&["api", "v2", "users", user_id, "orgs"])?;
        self.client.rest("list_org", Method::GET, url, None).await
    }

    /// The user's departments (GraphQL `getUserDepartments`).
    pub async fn list_department(&self, user_id: &str) -> Result<Paginated<UserDepartment>> {
        let user = self
            .client
            .gql(
                "getUserDepartments",
                doc::GET_USER_DEPARTMENTS,
                "user",
                json!({"id": user_id}),
            )
            .await?;
        user_sub(user, "departments", "getUserDepartments")
    }

    /// Sends the first-login verification e-mail (GraphQL `sendFirstLoginVerifyEmail`).
    pub async fn send_first_login_verify_email(
        &self,
        user_id: &str,
        app_id: &str,
    ) -> Result<CommonMessage> {
        self.client
            .gql(
                "sendFirstLoginVerifyEmail",
                doc::SEND_FIRST_LOGIN_VERIFY_EMAIL,
                "sendFirstLoginVerifyEmail",
                json!({"userId": user_id, "appId": app_id}),
            )
            .await
    }

    /// Logs a user out of an application (or all): `GET {host}/logout?appId=&userId=`
    /// (answer checked).
    pub async fn logout(&self, user_id: &str, app_id: Option<&str>) -> Result<()> {
        let mut url = self.client.url(&["logout"])?;
        if let Some(a) = app_id {
            url.query_pairs_mut().append_pair("appId", a);
        }
        url.query_pairs_mut().append_pair("userId", user_id);
        let _: Value = self
            .client
            .rest("user_logout", Method::GET, url, None)
            .await?;
        Ok(())
    }

    /// The user's login status in an application:
    /// `GET {host}/api/v2/users/login-status?appId=&userId=&deviceId=` (data as sent).
    /// Errors: `NotFound` (2004) for an unknown user.
    pub async fn check_login_status(
        &self,
        user_id: &str,
        app_id: Option<&str>,
        device_id: Option<&str>,
    ) -> Result<Value> {
        let mut url = self.client.url(&["api", "v2", "users", "login-status"])?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(a) = app_id {
                q.append_pair("appId", a);
            }
            q.append_pair("userId", user_id);
            if let Some(d) = device_id {
                q.append_pair("deviceId", d);
            }
        }
        self.client
            .rest("user_login_status", Method::GET, url, None)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lifetime_never_overflows_and_is_capped() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            token_lifetime(Some(1_700_000_600), now),
            Duration::from_secs(600)
        );
        assert_eq!(token_lifetime(None, now), Duration::ZERO);
        assert_eq!(token_lifetime(Some(1), now), Duration::ZERO);
        assert_eq!(token_lifetime(Some(i64::MIN), now), Duration::ZERO);
        assert_eq!(
            token_lifetime(Some(i64::MAX), now),
            MAX_MANAGEMENT_TOKEN_LIFETIME
        );
        // A clock before 1970 is treated as the epoch.
        assert_eq!(
            token_lifetime(Some(10), UNIX_EPOCH - Duration::from_secs(5)),
            Duration::from_secs(10)
        );
    }
}
