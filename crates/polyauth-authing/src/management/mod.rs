//! [`ManagementClient`]: the administrator side of Authing v2 (the `users`, `roles`,
//! `groups` and `policies` modules; reference: `authing` 4.5.18
//! `authing/v2/management/users.py`, `udf.py`, `roles.py`, `groups.py` and `policies.py`),
//! with a lazily fetched, cached, single-flight management token (`token`). The [`Users`]
//! module is split by area: `users` (create, read, update, delete, search, sessions),
//! `relations` (groups, roles, resources, policies, organizations) and `udf` (custom data,
//! shared with [`Roles`]); [`Roles`], [`Groups`] and [`Policies`] (whose assignment calls the
//! users and roles modules share) have a file each; `paging` walks any list as a `Stream`.

mod acl;
mod acl_access;
mod applications;
mod audit_log;
mod groups;
mod orgs;
mod paging;
mod policies;
mod principal_authentication;
mod relations;
mod roles;
mod token;
mod udf;
mod user_pool;
mod users;
mod white_list;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use polyauth_core::{AccessToken, ClientSecret, Error, Password, Result};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

pub use acl::Acl;
pub use acl_access::{DEFAULT_PROGRAMMATIC_TOKEN_LIFETIME, PROGRAMMATIC_SECRET_LEN};
pub use applications::Applications;
pub use audit_log::AuditLog;
pub use groups::Groups;
pub use orgs::Orgs;
pub use paging::STREAM_PAGE_SIZE;
pub use policies::Policies;
pub use principal_authentication::PrincipalAuthentication;
pub use roles::Roles;
pub use token::MAX_MANAGEMENT_TOKEN_LIFETIME;
pub use udf::Udf;
pub use user_pool::UserPool;
pub use white_list::WhiteList;

use crate::auth::DEFAULT_HOST;
use crate::crypto::PasswordEncryptor;
use crate::documents::{self as doc, GqlOp};
use crate::observer::ErrorObserver;
use crate::transport::{Auth, PROVIDER, Transport, normalize_base};
use crate::types::{CommonMessage, EmailScene, LoginStatus, PasswordStrength};
use token::CachedToken;

/// The most identifiers [`Users::batch_get`] accepts in one call (Authing's documented limit).
pub const MAX_BATCH_IDS: usize = 80;

/// Settings of a [`ManagementClient`]. Start from [`ManagementClientOptions::new`] (defaults
/// for everything but the pool and its secret) and set the public fields you need:
///
/// ```
/// use polyauth_authing::{ManagementClient, ManagementClientOptions};
/// use polyauth_core::ClientSecret;
///
/// let mut options = ManagementClientOptions::new("my-pool-id", ClientSecret::new("my-pool-secret"));
/// options.host = "https://authing.internal.example".into();
/// let client = ManagementClient::new(options).unwrap();
/// # let _ = client;
/// ```
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
    /// Told about every error of a call to Authing, the token query included (the
    /// reference's `on_error`); default none.
    pub on_error: Option<ErrorObserver>,
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
            on_error: None,
        }
    }
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
        )?
        .with_error_observer(options.on_error.clone());
        let encryptor = PasswordEncryptor::configured(options.enc_public_key.as_deref())?;
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

    /// The `roles` module: roles, their members, policies, resources and custom data.
    pub fn roles(&self) -> Roles<'_> {
        Roles { client: self }
    }

    /// The `groups` module: user groups, their members and resources.
    pub fn groups(&self) -> Groups<'_> {
        Groups { client: self }
    }

    /// The `orgs` module: organizations, their node trees, and the members, roles and
    /// authorized resources of a node.
    pub fn orgs(&self) -> Orgs<'_> {
        Orgs { client: self }
    }

    /// The `policies` module: policies and their assignments.
    pub fn policies(&self) -> Policies<'_> {
        Policies { client: self }
    }

    /// The `udf` module: custom-data field definitions and the values of any target.
    pub fn udf(&self) -> Udf<'_> {
        Udf { client: self }
    }

    /// The `user_pool` module: the pool's settings and environment variables.
    pub fn user_pool(&self) -> UserPool<'_> {
        UserPool { client: self }
    }

    /// The `white_list` module: the registration whitelists and their switches.
    pub fn white_list(&self) -> WhiteList<'_> {
        WhiteList { client: self }
    }

    /// The `applications` module: the pool's applications.
    pub fn applications(&self) -> Applications<'_> {
        Applications { client: self }
    }

    /// The `acl` module: permission groups (namespaces), resources, authorizations, the
    /// `allow`/`is_allowed` checks, programmatic access accounts and application access
    /// policies.
    pub fn acl(&self) -> Acl<'_> {
        Acl { client: self }
    }

    /// The `audit_log` module: the pool's audit log.
    pub fn audit_log(&self) -> AuditLog<'_> {
        AuditLog { client: self }
    }

    /// The `principal_authentication` module: users' real-name or enterprise verification.
    pub fn principal_authentication(&self) -> PrincipalAuthentication<'_> {
        PrincipalAuthentication { client: self }
    }

    /// How many management tokens were fetched so far.
    pub fn token_fetch_count(&self) -> u64 {
        self.inner.fetches.load(Ordering::Relaxed)
    }

    /// An operation of the table with the management token, sent again once with a fresh
    /// token after an authentication failure (null `variables`: none sent).
    async fn gql<T: DeserializeOwned>(&self, op: &GqlOp, variables: Value) -> Result<T> {
        let (transport, variables) = (&self.inner.transport, &variables);
        self.with_token(|token| async move {
            let auth = Auth::Bearer(&token);
            transport.graphql(op, variables.clone(), auth).await
        })
        .await
    }

    /// A REST call (envelope checked) with the management token and the same retry.
    async fn rest<T: DeserializeOwned>(
        &self,
        op: &'static str,
        method: Method,
        url: url::Url,
        body: Option<Value>,
    ) -> Result<T> {
        let (transport, method, url, body) = (&self.inner.transport, &method, &url, &body);
        self.with_token(|token| async move {
            let auth = Auth::Bearer(&token);
            let (method, url, body) = (method.clone(), url.clone(), body.clone());
            transport.rest(op, method, url, body, auth).await
        })
        .await
    }

    fn url(&self, segments: &[&str]) -> Result<url::Url> {
        self.inner.transport.url(segments)
    }

    /// `map` with its `password` RSA-encrypted for `op` when it is a non-empty string (the
    /// reference encrypts only a truthy password and sends an empty one as it is).
    fn encrypt_password(&self, map: &Map<String, Value>, op: &GqlOp) -> Result<Map<String, Value>> {
        let mut out = map.clone();
        if let Some(Value::String(p)) = out.get("password")
            && !p.is_empty()
        {
            let encrypted = self
                .inner
                .encryptor
                .encrypt(&Password::new(p.clone()))
                .map_err(|e| e.with_context(PROVIDER, op.name()))?;
            out.insert("password".into(), Value::String(encrypted));
        }
        Ok(out)
    }

    /// Online check of a user token (GraphQL `checkLoginStatus`, no Authorization header).
    pub async fn check_login_status(&self, token: &AccessToken) -> Result<LoginStatus> {
        let vars = json!({"token": token.expose_secret()});
        self.inner
            .transport
            .graphql(&doc::CHECK_LOGIN_STATUS, vars, Auth::None)
            .await
    }

    /// Sends an e-mail of a scene (GraphQL `sendEmail`, no Authorization header).
    pub async fn send_email(&self, email: &str, scene: EmailScene) -> Result<CommonMessage> {
        let vars = json!({"email": email, "scene": scene});
        self.inner
            .transport
            .graphql(&doc::SEND_EMAIL, vars, Auth::None)
            .await
    }

    /// Checks a password against the pool's password policy (REST `POST /api/v2/password/check`
    /// `{"password"}` with the management token; reference: `ManagementClient.is_password_valid`
    /// in `authing/v2/management/authing.py`). **The password travels in plaintext** (inside
    /// TLS), as the reference sends it; it is never logged.
    ///
    /// Errors: `Provider` with Authing's code when the server refuses the check;
    /// `Unauthenticated` when the management token is refused; transport errors.
    pub async fn is_password_valid(&self, password: &Password) -> Result<PasswordStrength> {
        let url = self.url(&["api", "v2", "password", "check"])?;
        let body = json!({"password": password.expose_secret()});
        self.rest("is_password_valid", Method::POST, url, Some(body))
            .await
    }
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

/// Whether a read of users selects their custom data (`customData`, filling
/// [`User::custom_data`](crate::User::custom_data)) too: the reference's `with_custom_data`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CustomData {
    /// Select it: the `*WithCustomData` GraphQL operation, or `with_custom_data=1` over REST.
    Include,
    /// Leave it out (the default): the plain operation, or `with_custom_data=0`.
    #[default]
    Omit,
}

impl CustomData {
    /// `with` when custom data is asked for, `without` otherwise.
    pub(crate) fn pick(self, with: &'static GqlOp, without: &'static GqlOp) -> &'static GqlOp {
        match self {
            Self::Include => with,
            Self::Omit => without,
        }
    }
}

/// How [`Users::create`] stores the `password` it is given: the reference's `keep_password`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PasswordStorage {
    /// Authing hashes the password (sent RSA-encrypted, as every password): the default.
    #[default]
    Hash,
    /// Authing stores it as given, without hashing it again (`keepPassword: true`): for users
    /// migrated with an already hashed password, which a custom password function of the user
    /// pool checks at login.
    AsGiven,
}

/// Filters of [`Users::search`]. An empty list is no filter: it is sent as `null`, as the
/// reference sends a filter it was not given.
#[derive(Clone, Debug, Default)]
pub struct SearchOptions {
    /// `(departmentId, includeChildrenDepartments)` pairs, sent as `departmentOpts`
    /// `[{"departmentId", "includeChildrenDepartments"}]`.
    pub departments: Vec<(String, bool)>,
    /// Group codes, sent as `groupOpts` `[{"code"}]`.
    pub groups: Vec<String>,
    /// `(namespace, role code)` pairs, sent as `roleOpts`: `{"code"}` for a bare code (no
    /// namespace: the server's default), `{"namespace", "code"}` otherwise.
    pub roles: Vec<(Option<String>, String)>,
    /// Whether to select `customData` too (`searchUserWithCustomData`).
    pub custom_data: CustomData,
}

impl SearchOptions {
    /// `items` as a JSON list, or `null` when there are none.
    fn list_or_null<T>(items: &[T], item: impl Fn(&T) -> Value) -> Value {
        if items.is_empty() {
            Value::Null
        } else {
            Value::Array(items.iter().map(item).collect())
        }
    }

    fn department_opts(&self) -> Value {
        Self::list_or_null(
            &self.departments,
            |(id, children)| json!({"departmentId": id, "includeChildrenDepartments": children}),
        )
    }

    fn group_opts(&self) -> Value {
        Self::list_or_null(&self.groups, |code| json!({"code": code}))
    }

    fn role_opts(&self) -> Value {
        Self::list_or_null(&self.roles, |(namespace, code)| match namespace {
            Some(ns) => json!({"namespace": ns, "code": code}),
            None => json!({"code": code}),
        })
    }
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

    /// The variables of `op` (`isUserExists`, `findUser`).
    /// Errors: `InvalidInput` without any identifier.
    fn variables(&self, op: &GqlOp) -> Result<Value> {
        doc::user_lookup_variables(
            op,
            self.username.as_deref(),
            self.email.as_deref(),
            self.phone.as_deref(),
            self.external_id.as_deref(),
        )
    }
}

/// The `users` module of [`ManagementClient`] (see [`ManagementClient::users`]).
#[derive(Clone, Copy, Debug)]
pub struct Users<'a> {
    client: &'a ManagementClient,
}
