//! [`AuthenticationClient`]: the end-user side of Authing v2 (register, log in, profile,
//! bindings, custom data, roles, OIDC helpers).

use std::time::Duration;

use base64::Engine;
use polyauth_core::http::Idempotency;
use polyauth_core::{
    AccessToken, ClientSecret, Error, Password, RefreshToken, Result, Secret, VerificationCode,
};
use reqwest::Method;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::crypto::{DEFAULT_ENC_PUBLIC_KEY, PasswordEncryptor};
use crate::documents as doc;
use crate::transport::{Auth, PROVIDER, Transport, normalize_base};
use crate::types::{
    AuthorizedResource, CommonMessage, EmailScene, LoginStatus, OidcTokens, Paginated,
    PasswordStrength, RefreshedToken, ResourceType, Role, SecurityLevel, UdvItem, User,
    UserDepartment, UserSession, udv_map,
};

/// Authing's public cloud API host.
pub const DEFAULT_HOST: &str = "https://core.authing.cn";

/// The protocol of the OIDC/OAuth helpers: endpoints live under `/oidc/...` or `/oauth/...`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Protocol {
    /// OpenID Connect (`/oidc/auth`, `/oidc/token`, ...). The default.
    #[default]
    Oidc,
    /// OAuth 2.0 (`/oauth/auth`, `/oauth/token`, ...).
    OAuth,
}

impl Protocol {
    fn prefix(self) -> &'static str {
        match self {
            Protocol::Oidc => "oidc",
            Protocol::OAuth => "oauth",
        }
    }
}

/// How the client authenticates at the token, introspection and revocation endpoints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenEndpointAuthMethod {
    /// `client_id` and `client_secret` form fields (the documented default).
    #[default]
    ClientSecretPost,
    /// `Authorization: Basic base64(app_id:secret)`.
    ClientSecretBasic,
    /// `client_id` only (public clients, use PKCE).
    None,
}

impl TokenEndpointAuthMethod {
    /// Parses `client_secret_post`, `client_secret_basic` or `none`.
    /// Errors: `ConfigInvalid` for other names.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "client_secret_post" => Ok(Self::ClientSecretPost),
            "client_secret_basic" => Ok(Self::ClientSecretBasic),
            "none" => Ok(Self::None),
            other => Err(Error::config(format!(
                "unknown token endpoint auth method `{other}` (client_secret_post, client_secret_basic, none)"
            ))),
        }
    }
}

/// Settings of an [`AuthenticationClient`]. Start from [`AuthenticationClientOptions::new`].
#[derive(Clone, Debug)]
pub struct AuthenticationClientOptions {
    /// The application id (`x-authing-app-id`, OIDC `client_id`).
    pub app_id: Option<String>,
    /// The user pool id (`x-authing-userpool-id`). At least one of `app_id` and
    /// `user_pool_id` is required.
    pub user_pool_id: Option<String>,
    /// API host, default [`DEFAULT_HOST`].
    pub host: String,
    /// The application's own host (`https://{app}.authing.cn`); when set it is used for every
    /// call, and the OIDC helpers need it.
    pub app_host: Option<String>,
    /// Host of `login_by_ad`, which receives the user's **plaintext** password.
    ///
    /// When unset, it is derived only for hosts under `authing.cn` (`https://ws.authing.cn`).
    /// For any other host (a private deployment, a custom domain, an IP) it must be set
    /// explicitly: deriving `ws.{host minus its first label}`, as the reference SDK does, can
    /// name a domain owned by someone else (`example.co.uk` → `ws.co.uk`, `example.com.cn` →
    /// `ws.com.cn`), so `login_by_ad` fails with `ConfigInvalid` instead of guessing.
    pub websocket_host: Option<String>,
    /// The password-encryption public key PEM; default Authing's published key
    /// ([`DEFAULT_ENC_PUBLIC_KEY`]). Private deployments set their own.
    pub enc_public_key: Option<String>,
    /// `x-authing-lang` (`zh-CN`, `en-US`).
    pub lang: Option<String>,
    /// The application secret (OIDC `client_secret`).
    pub secret: Option<ClientSecret>,
    /// The default redirect URI of the authorization-code flow.
    pub redirect_uri: Option<String>,
    /// `oidc` (default) or `oauth`.
    pub protocol: Protocol,
    /// Client authentication at the token endpoint (default `client_secret_post`).
    pub token_endpoint_auth_method: TokenEndpointAuthMethod,
    /// Client authentication at the introspection endpoint.
    pub introspection_endpoint_auth_method: TokenEndpointAuthMethod,
    /// Client authentication at the revocation endpoint.
    pub revocation_endpoint_auth_method: TokenEndpointAuthMethod,
    /// Whole-request timeout (default 10 s).
    pub timeout: Duration,
    /// Connect timeout (default 5 s).
    pub connect_timeout: Duration,
}

impl AuthenticationClientOptions {
    /// Options for an application, everything else default.
    pub fn new(app_id: impl Into<String>) -> Self {
        AuthenticationClientOptions {
            app_id: Some(app_id.into()),
            user_pool_id: None,
            host: DEFAULT_HOST.to_owned(),
            app_host: None,
            websocket_host: None,
            enc_public_key: None,
            lang: None,
            secret: None,
            redirect_uri: None,
            protocol: Protocol::Oidc,
            token_endpoint_auth_method: TokenEndpointAuthMethod::ClientSecretPost,
            introspection_endpoint_auth_method: TokenEndpointAuthMethod::ClientSecretPost,
            revocation_endpoint_auth_method: TokenEndpointAuthMethod::ClientSecretPost,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
        }
    }
}

/// Extra options of the register calls.
#[derive(Clone, Debug, Default)]
pub struct RegisterOptions {
    /// Profile fields (`nickname`, `company`, ...), sent as `profile`.
    pub profile: Option<Map<String, Value>>,
    /// Log the user in right away.
    pub force_login: bool,
    /// Return a token without logging in.
    pub generate_token: bool,
    /// The user's IP (when registering on their behalf).
    pub client_ip: Option<String>,
    /// Custom data, sent as `params`.
    pub custom_data: Option<Map<String, Value>>,
    /// Context for pipelines, sent as `context`.
    pub context: Option<Map<String, Value>>,
}

/// Extra options of the password and code logins.
#[derive(Clone, Debug, Default)]
pub struct LoginOptions {
    /// Register the user when unknown (password logins only).
    pub auto_register: bool,
    /// The answer to a captcha (after error 2000).
    pub captcha_code: Option<String>,
    /// The user's IP.
    pub client_ip: Option<String>,
    /// Custom data, sent as `params`.
    pub custom_data: Option<Map<String, Value>>,
    /// Context for pipelines, sent as `context`.
    pub context: Option<Map<String, Value>>,
}

/// Parameters of [`AuthenticationClient::build_authorize_url`].
#[derive(Clone, Debug, Default)]
pub struct AuthorizeParams {
    /// Redirect URI; default the configured one.
    pub redirect_uri: Option<String>,
    /// Scope; default `openid profile email phone address`.
    pub scope: Option<String>,
    /// `code` (default) or `token` / `id_token`.
    pub response_type: Option<String>,
    /// `query`, `fragment` or `form_post`.
    pub response_mode: Option<String>,
    /// `state`; default 32 random bytes (CSPRNG), base64url.
    pub state: Option<String>,
    /// `nonce`; default 32 random bytes (CSPRNG), base64url.
    pub nonce: Option<String>,
    /// Whether to use PKCE (S256) with a fresh verifier (default true).
    pub pkce: bool,
}

impl AuthorizeParams {
    /// Defaults with PKCE on.
    pub fn new() -> Self {
        AuthorizeParams {
            pkce: true,
            ..Default::default()
        }
    }
}

/// An authorization URL and the values to keep until the callback.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AuthorizeUrl {
    /// Where to send the user agent.
    pub url: url::Url,
    /// The `state` sent.
    pub state: String,
    /// The `nonce` sent.
    pub nonce: String,
    /// The PKCE verifier to pass to [`AuthenticationClient::get_access_token_by_code`].
    pub code_verifier: Option<Secret>,
}

/// The CAS ticket validation answer format (JSON only: the XML format is for browsers).
const CAS_FORMAT: &str = "JSON";

/// A fresh PKCE code verifier: 32 CSPRNG bytes, base64url (43 characters).
pub fn generate_code_verifier() -> String {
    random_token()
}

/// The S256 code challenge of a verifier: `base64url(SHA-256(verifier))` without padding.
///
/// ```
/// assert_eq!(
///     polyauth_authing::code_challenge_s256("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq"),
///     "kUaLSjXhsOCVA7wFqR444EX_ec7ltFCcMqGdmw9A7iA"
/// );
/// ```
pub fn code_challenge_s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

pub(crate) fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn json_string(map: &Option<Map<String, Value>>) -> Value {
    match map {
        Some(m) => Value::String(Value::Object(m.clone()).to_string()),
        None => Value::Null,
    }
}

/// `params`: a JSON string of `[{"key": k, "value": v}]`, or null.
pub(crate) fn params_string(custom_data: &Option<Map<String, Value>>) -> Value {
    match custom_data {
        Some(m) => {
            let list: Vec<Value> = m
                .iter()
                .map(|(k, v)| json!({"key": k, "value": v}))
                .collect();
            Value::String(Value::Array(list).to_string())
        }
        None => Value::Null,
    }
}

/// The end-user client of Authing v2. Cheap to clone; one client serves every user (calls on
/// a user's behalf take the user's [`UserSession`]).
///
/// Transport: GraphQL at `{host}/graphql/v2` and REST under `{host}/api/v2` (`host` is
/// `app_host` when configured), with the `x-authing-*` headers. Passwords are RSA-encrypted
/// where Authing expects it (see each method).
#[derive(Clone, Debug)]
pub struct AuthenticationClient {
    options: AuthenticationClientOptions,
    transport: Transport,
    /// The `login_by_ad` host; `None` when not configured and not derivable (see
    /// [`AuthenticationClientOptions::websocket_host`]).
    ws: Option<Transport>,
    encryptor: PasswordEncryptor,
}

impl AuthenticationClient {
    /// Builds the client. No network call is made.
    ///
    /// Errors: `ConfigInvalid` when neither `app_id` nor `user_pool_id` is set, a host is not an
    /// http(s) URL, or `enc_public_key` is not an RSA public key.
    pub fn new(options: AuthenticationClientOptions) -> Result<Self> {
        if options.app_id.is_none() && options.user_pool_id.is_none() {
            return Err(Error::config(
                "the Authing authentication client needs app_id or user_pool_id",
            ));
        }
        let base = match &options.app_host {
            Some(h) => normalize_base("app_host", h)?,
            None => normalize_base("host", &options.host)?,
        };
        let encryptor = PasswordEncryptor::from_pem(
            options
                .enc_public_key
                .as_deref()
                .unwrap_or(DEFAULT_ENC_PUBLIC_KEY),
        )?;
        let transport = Transport::new(
            base.clone(),
            options.user_pool_id.as_deref(),
            options.app_id.as_deref(),
            options.lang.as_deref(),
            options.timeout,
            options.connect_timeout,
        )?;
        let ws_base = match &options.websocket_host {
            Some(h) => Some(normalize_base("websocket_host", h)?),
            None => default_ws_host(&base),
        };
        let ws = ws_base.map(|b| transport.with_base(b));
        Ok(AuthenticationClient {
            options,
            transport,
            ws,
            encryptor,
        })
    }

    /// The options the client was built with.
    pub fn options(&self) -> &AuthenticationClientOptions {
        &self.options
    }

    /// The password encryptor (the configured key).
    pub fn encryptor(&self) -> &PasswordEncryptor {
        &self.encryptor
    }

    fn enc(&self, p: &Password, op: &'static str) -> Result<String> {
        self.encryptor
            .encrypt(p)
            .map_err(|e| e.with_context(PROVIDER, op))
    }

    async fn gql<T: serde::de::DeserializeOwned>(
        &self,
        op: &'static str,
        document: &'static str,
        root: &'static str,
        variables: Option<Value>,
        auth: Auth<'_>,
    ) -> Result<T> {
        let idempotency = if document.starts_with("query") {
            Idempotency::Idempotent
        } else {
            Idempotency::NonIdempotent
        };
        self.transport
            .graphql(op, document, root, variables, auth, idempotency)
            .await
    }

    async fn login_call(
        &self,
        op: &'static str,
        document: &'static str,
        variables: Value,
    ) -> Result<User> {
        self.gql(op, document, op, Some(variables), Auth::None)
            .await
    }

    fn register_input(&self, mut input: Map<String, Value>, o: &RegisterOptions) -> Value {
        input.insert(
            "profile".into(),
            o.profile.clone().map(Value::Object).unwrap_or(Value::Null),
        );
        input.insert("forceLogin".into(), Value::Bool(o.force_login));
        input.insert("generateToken".into(), Value::Bool(o.generate_token));
        input.insert("clientIp".into(), json!(o.client_ip));
        input.insert("params".into(), params_string(&o.custom_data));
        input.insert("context".into(), json_string(&o.context));
        json!({ "input": input })
    }

    fn login_input(
        &self,
        mut input: Map<String, Value>,
        o: &LoginOptions,
        password: bool,
    ) -> Value {
        if password {
            input.insert("autoRegister".into(), Value::Bool(o.auto_register));
            input.insert("captchaCode".into(), json!(o.captcha_code));
        }
        input.insert("clientIp".into(), json!(o.client_ip));
        input.insert("params".into(), params_string(&o.custom_data));
        input.insert("context".into(), json_string(&o.context));
        json!({ "input": input })
    }

    /// Registers with e-mail and password (GraphQL `registerByEmail`; password encrypted).
    /// Errors: `InvalidInput` (user exists, 2026; password over 117 bytes), `Provider`.
    pub async fn register_by_email(
        &self,
        email: &str,
        password: &Password,
        options: RegisterOptions,
    ) -> Result<User> {
        const OP: &str = "registerByEmail";
        let mut input = Map::new();
        input.insert("email".into(), json!(email));
        input.insert("password".into(), json!(self.enc(password, OP)?));
        let vars = self.register_input(input, &options);
        self.login_call(OP, doc::REGISTER_BY_EMAIL, vars).await
    }

    /// Registers with username and password (GraphQL `registerByUsername`; password
    /// encrypted). Errors: as [`register_by_email`](Self::register_by_email).
    pub async fn register_by_username(
        &self,
        username: &str,
        password: &Password,
        options: RegisterOptions,
    ) -> Result<User> {
        const OP: &str = "registerByUsername";
        let mut input = Map::new();
        input.insert("username".into(), json!(username));
        input.insert("password".into(), json!(self.enc(password, OP)?));
        let vars = self.register_input(input, &options);
        self.login_call(OP, doc::REGISTER_BY_USERNAME, vars).await
    }

    /// Registers with a phone and an SMS code, optionally setting a password (GraphQL
    /// `registerByPhoneCode`; password encrypted). Errors: `Unauthenticated` for a wrong code
    /// (2001), as [`register_by_email`](Self::register_by_email).
    pub async fn register_by_phone_code(
        &self,
        phone: &str,
        code: &VerificationCode,
        password: Option<&Password>,
        options: RegisterOptions,
    ) -> Result<User> {
        const OP: &str = "registerByPhoneCode";
        let mut input = Map::new();
        input.insert("phone".into(), json!(phone));
        input.insert("code".into(), json!(code.expose_secret()));
        let enc = match password {
            Some(p) => Some(self.enc(p, OP)?),
            None => None,
        };
        input.insert("password".into(), json!(enc));
        let vars = self.register_input(input, &options);
        self.login_call(OP, doc::REGISTER_BY_PHONE_CODE, vars).await
    }

    /// Logs in with e-mail and password (GraphQL `loginByEmail`; password encrypted). The
    /// returned user carries `token`; [`User::session`] makes the session handle.
    ///
    /// Errors: `Unauthenticated` (wrong password 2333), `NotFound` (2004),
    /// `Provider{code: "2000"}` when a captcha is required, `InvalidInput` for a password over
    /// 117 bytes.
    pub async fn login_by_email(
        &self,
        email: &str,
        password: &Password,
        options: LoginOptions,
    ) -> Result<User> {
        const OP: &str = "loginByEmail";
        let mut input = Map::new();
        input.insert("email".into(), json!(email));
        input.insert("password".into(), json!(self.enc(password, OP)?));
        let vars = self.login_input(input, &options, true);
        self.login_call(OP, doc::LOGIN_BY_EMAIL, vars).await
    }

    /// Logs in with username and password (GraphQL `loginByUsername`; password encrypted).
    /// Errors: as [`login_by_email`](Self::login_by_email).
    pub async fn login_by_username(
        &self,
        username: &str,
        password: &Password,
        options: LoginOptions,
    ) -> Result<User> {
        const OP: &str = "loginByUsername";
        let mut input = Map::new();
        input.insert("username".into(), json!(username));
        input.insert("password".into(), json!(self.enc(password, OP)?));
        let vars = self.login_input(input, &options, true);
        self.login_call(OP, doc::LOGIN_BY_USERNAME, vars).await
    }

    /// Logs in with phone and password (GraphQL `loginByPhonePassword`; password encrypted).
    /// Errors: as [`login_by_email`](Self::login_by_email).
    pub async fn login_by_phone_password(
        &self,
        phone: &str,
        password: &Password,
        options: LoginOptions,
    ) -> Result<User> {
        const OP: &str = "loginByPhonePassword";
        let mut input = Map::new();
        input.insert("phone".into(), json!(phone));
        input.insert("password".into(), json!(self.enc(password, OP)?));
        let vars = self.login_input(input, &options, true);
        self.login_call(OP, doc::LOGIN_BY_PHONE_PASSWORD, vars)
            .await
    }

    /// Logs in with a phone and an SMS code (GraphQL `loginByPhoneCode`).
    /// Errors: `Unauthenticated` for a wrong code (2001), `NotFound` (2004).
    pub async fn login_by_phone_code(
        &self,
        phone: &str,
        code: &VerificationCode,
        options: LoginOptions,
    ) -> Result<User> {
        const OP: &str = "loginByPhoneCode";
        let mut input = Map::new();
        input.insert("phone".into(), json!(phone));
        input.insert("code".into(), json!(code.expose_secret()));
        let vars = self.login_input(input, &options, false);
        self.login_call(OP, doc::LOGIN_BY_PHONE_CODE, vars).await
    }

    /// Logs in to a sub-account (GraphQL `loginBySubAccount`; password encrypted).
    /// Errors: as [`login_by_email`](Self::login_by_email).
    pub async fn login_by_sub_account(
        &self,
        account: &str,
        password: &Password,
        captcha_code: Option<&str>,
        client_ip: Option<&str>,
    ) -> Result<User> {
        const OP: &str = "loginBySubAccount";
        let vars = json!({
            "account": account,
            "password": self.enc(password, OP)?,
            "captchaCode": captcha_code,
            "clientIp": client_ip,
        });
        self.login_call(OP, doc::LOGIN_BY_SUB_ACCOUNT, vars).await
    }

    /// Logs in against the pool's LDAP directory: `POST {host}/api/v2/ldap/verify-user`.
    /// **The password travels in plaintext** (inside TLS), as Authing's endpoint expects.
    /// Errors: the envelope's code (2333 → `Unauthenticated`, ...).
    pub async fn login_by_ldap(&self, username: &str, password: &Password) -> Result<User> {
        let url = self.transport.url(&["api", "v2", "ldap", "verify-user"])?;
        let body = json!({"username": username, "password": password.expose_secret()});
        self.transport
            .rest("login_by_ldap", Method::POST, url, Some(body), Auth::None)
            .await
    }

    /// Logs in against the pool's Active Directory: `POST {websocket_host}/api/v2/ad/verify-user`.
    /// **The password travels in plaintext** (inside TLS), as Authing's endpoint expects, so
    /// the host is never guessed outside `authing.cn`: for any other host
    /// [`websocket_host`](AuthenticationClientOptions::websocket_host) must be configured.
    ///
    /// Errors: `ConfigInvalid` (before any request) when `websocket_host` is unset and the
    /// host is not under `authing.cn`; otherwise as [`login_by_ldap`](Self::login_by_ldap).
    pub async fn login_by_ad(&self, username: &str, password: &Password) -> Result<User> {
        const OP: &str = "login_by_ad";
        let ws = self.ws.as_ref().ok_or_else(|| {
            Error::config(
                "login_by_ad sends the password in plaintext and needs an explicit \
                 websocket_host when the host is not under authing.cn",
            )
            .with_context(PROVIDER, OP)
        })?;
        let url = ws.url(&["api", "v2", "ad", "verify-user"])?;
        let body = json!({"username": username, "password": password.expose_secret()});
        ws.rest("login_by_ad", Method::POST, url, Some(body), Auth::None)
            .await
    }

    /// The session's user: `GET {host}/api/v2/users/me` with the user's token.
    /// Errors: `Unauthenticated` (2020), `InvalidToken` (2206).
    pub async fn get_current_user(&self, session: &UserSession) -> Result<User> {
        let url = self.transport.url(&["api", "v2", "users", "me"])?;
        self.transport
            .rest(
                "get_current_user",
                Method::GET,
                url,
                None,
                Auth::Bearer(&session.token),
            )
            .await
    }

    /// Like [`get_current_user`](Self::get_current_user): the user when the session is
    /// logged in, `Unauthenticated`/`InvalidToken` otherwise.
    pub async fn check_logged_in(&self, session: &UserSession) -> Result<User> {
        self.get_current_user(session).await
    }

    async fn user_id(&self, session: &UserSession) -> Result<String> {
        match &session.user_id {
            Some(id) => Ok(id.clone()),
            None => Ok(self.get_current_user(session).await?.id),
        }
    }

    /// Ends the session: `GET {host}/api/v2/logout?app_id=` with the user's token. Unlike the
    /// reference, the answer is checked. Errors: the envelope's code.
    pub async fn logout(&self, session: &UserSession) -> Result<()> {
        let mut url = self.transport.url(&["api", "v2", "logout"])?;
        if let Some(app) = &self.options.app_id {
            url.query_pairs_mut().append_pair("app_id", app);
        }
        let _: Value = self
            .transport
            .rest(
                "logout",
                Method::GET,
                url,
                None,
                Auth::Bearer(&session.token),
            )
            .await?;
        Ok(())
    }

    /// Sends an SMS code: `POST {host}/api/v2/sms/send {phone}`. Errors: the envelope's code
    /// (checked, unlike the reference).
    pub async fn send_sms_code(&self, phone: &str) -> Result<()> {
        let url = self.transport.url(&["api", "v2", "sms", "send"])?;
        let _: Value = self
            .transport
            .rest(
                "send_sms_code",
                Method::POST,
                url,
                Some(json!({"phone": phone})),
                Auth::None,
            )
            .await?;
        Ok(())
    }

    /// Sends an e-mail of a scene (GraphQL `sendEmail`).
    pub async fn send_email(&self, email: &str, scene: EmailScene) -> Result<CommonMessage> {
        let vars = json!({"email": email, "scene": scene});
        self.gql(
            "sendEmail",
            doc::SEND_EMAIL,
            "sendEmail",
            Some(vars),
            Auth::None,
        )
        .await
    }

    /// The session user's custom data as `{key: typed value}` (GraphQL `udv`).
    pub async fn get_udf_value(&self, session: &UserSession) -> Result<Map<String, Value>> {
        Ok(udv_map(&self.list_udv(session).await?))
    }

    /// The session user's custom data as a typed list (GraphQL `udv`).
    pub async fn list_udv(&self, session: &UserSession) -> Result<Vec<UdvItem>> {
        let id = self.user_id(session).await?;
        let vars = json!({"targetType": "USER", "targetId": id});
        self.gql(
            "udv",
            doc::UDV,
            "udv",
            Some(vars),
            Auth::Bearer(&session.token),
        )
        .await
    }

    /// Sets several custom-data values (GraphQL `setUdvBatch`; each value JSON-encoded).
    /// Errors: `InvalidInput` for an empty map.
    pub async fn set_udf_value(
        &self,
        session: &UserSession,
        data: &Map<String, Value>,
    ) -> Result<()> {
        if data.is_empty() {
            return Err(
                Error::invalid_input("no custom data to set").with_context(PROVIDER, "setUdvBatch")
            );
        }
        let id = self.user_id(session).await?;
        let list: Vec<Value> = data
            .iter()
            .map(|(k, v)| json!({"key": k, "value": v.to_string()}))
            .collect();
        let vars = json!({"targetType": "USER", "targetId": id, "udvList": list});
        let _: Vec<UdvItem> = self
            .gql(
                "setUdvBatch",
                doc::SET_UDV_BATCH,
                "setUdvBatch",
                Some(vars),
                Auth::Bearer(&session.token),
            )
            .await?;
        Ok(())
    }

    /// Removes one custom-data value (GraphQL `removeUdv`).
    pub async fn remove_udf_value(&self, session: &UserSession, key: &str) -> Result<()> {
        self.remove_udv(session, key).await.map(|_| ())
    }

    /// Sets one custom-data value (GraphQL `setUdv`, value JSON-encoded); answers the list.
    pub async fn set_udv(
        &self,
        session: &UserSession,
        key: &str,
        value: &Value,
    ) -> Result<Vec<UdvItem>> {
        let id = self.user_id(session).await?;
        let vars =
            json!({"targetType": "USER", "targetId": id, "key": key, "value": value.to_string()});
        self.gql(
            "setUdv",
            doc::SET_UDV,
            "setUdv",
            Some(vars),
            Auth::Bearer(&session.token),
        )
        .await
    }

    /// Removes one custom-data value (GraphQL `removeUdv`); answers the remaining list.
    pub async fn remove_udv(&self, session: &UserSession, key: &str) -> Result<Vec<UdvItem>> {
        let id = self.user_id(session).await?;
        let vars = json!({"targetType": "USER", "targetId": id, "key": key});
        self.gql(
            "removeUdv",
            doc::REMOVE_UDV,
            "removeUdv",
            Some(vars),
            Auth::Bearer(&session.token),
        )
        .await
    }

    /// Online token check (GraphQL `checkLoginStatus`; the token travels in the variables,
    /// no Authorization header). A dead token is an answer (`status: false`), not an error.
    pub async fn check_login_status(&self, token: &AccessToken) -> Result<LoginStatus> {
        let vars = json!({"token": token.expose_secret()});
        self.gql(
            "checkLoginStatus",
            doc::CHECK_LOGIN_STATUS,
            "checkLoginStatus",
            Some(vars),
            Auth::None,
        )
        .await
    }

    /// Resets a password with an SMS code (GraphQL `resetPassword`; new password encrypted).
    /// Errors: `Unauthenticated` for a wrong code (2001).
    pub async fn reset_password_by_phone_code(
        &self,
        phone: &str,
        code: &VerificationCode,
        new_password: &Password,
    ) -> Result<CommonMessage> {
        const OP: &str = "resetPassword";
        let vars = json!({"phone": phone, "code": code.expose_secret(), "newPassword": self.enc(new_password, OP)?});
        self.gql(OP, doc::RESET_PASSWORD, OP, Some(vars), Auth::None)
            .await
    }

    /// Resets a password with an e-mail code (GraphQL `resetPassword`; new password encrypted).
    pub async fn reset_password_by_email_code(
        &self,
        email: &str,
        code: &VerificationCode,
        new_password: &Password,
    ) -> Result<CommonMessage> {
        const OP: &str = "resetPassword";
        let vars = json!({"email": email, "code": code.expose_secret(), "newPassword": self.enc(new_password, OP)?});
        self.gql(OP, doc::RESET_PASSWORD, OP, Some(vars), Auth::None)
            .await
    }

    /// Sets the password with a first-login token (GraphQL `resetPasswordByFirstLoginToken`;
    /// password encrypted).
    pub async fn reset_password_by_first_token(
        &self,
        token: &AccessToken,
        password: &Password,
    ) -> Result<CommonMessage> {
        const OP: &str = "resetPasswordByFirstLoginToken";
        let vars = json!({"token": token.expose_secret(), "password": self.enc(password, OP)?});
        self.gql(
            OP,
            doc::RESET_PASSWORD_BY_FIRST_LOGIN_TOKEN,
            OP,
            Some(vars),
            Auth::None,
        )
        .await
    }

    /// Changes the password with a force-reset token (GraphQL
    /// `resetPasswordByForceResetToken`; both passwords encrypted).
    pub async fn reset_password_with_force_reset(
        &self,
        token: &AccessToken,
        old_password: &Password,
        new_password: &Password,
    ) -> Result<CommonMessage> {
        const OP: &str = "resetPasswordByForceResetToken";
        let vars = json!({
            "token": token.expose_secret(),
            "oldPassword": self.enc(old_password, OP)?,
            "newPassword": self.enc(new_password, OP)?,
        });
        self.gql(
            OP,
            doc::RESET_PASSWORD_BY_FORCE_RESET_TOKEN,
            OP,
            Some(vars),
            Auth::None,
        )
        .await
    }

    /// Updates profile fields (GraphQL `updateUser` with the session user's id).
    ///
    /// Errors: `InvalidInput` when `updates` holds `password` (the reference would send it in
    /// plaintext; use [`update_password`](Self::update_password)).
    pub async fn update_profile(
        &self,
        session: &UserSession,
        updates: &Map<String, Value>,
    ) -> Result<User> {
        if updates.contains_key("password") {
            return Err(Error::invalid_input(
                "update_profile does not change passwords; use update_password",
            )
            .with_context(PROVIDER, "updateUser"));
        }
        let id = self.user_id(session).await?;
        let vars = json!({"id": id, "input": updates});
        self.gql(
            "updateUser",
            doc::UPDATE_USER,
            "updateUser",
            Some(vars),
            Auth::Bearer(&session.token),
        )
        .await
    }

    /// Changes the password (GraphQL `updatePassword`; both passwords encrypted).
    /// Errors: `Unauthenticated` for a wrong old password.
    pub async fn update_password(
        &self,
        session: &UserSession,
        new_password: &Password,
        old_password: Option<&Password>,
    ) -> Result<User> {
        const OP: &str = "updatePassword";
        let old = match old_password {
            Some(p) => Some(self.enc(p, OP)?),
            None => None,
        };
        let vars = json!({"newPassword": self.enc(new_password, OP)?, "oldPassword": old});
        self.gql(
            OP,
            doc::UPDATE_PASSWORD,
            OP,
            Some(vars),
            Auth::Bearer(&session.token),
        )
        .await
    }

    /// Binds a phone (GraphQL `bindPhone`). Errors: `Unauthenticated` for a wrong code.
    pub async fn bind_phone(
        &self,
        session: &UserSession,
        phone: &str,
        code: &VerificationCode,
    ) -> Result<User> {
        let vars = json!({"phone": phone, "phoneCode": code.expose_secret()});
        self.gql(
            "bindPhone",
            doc::BIND_PHONE,
            "bindPhone",
            Some(vars),
            Auth::Bearer(&session.token),
        )
        .await
    }

    /// Unbinds the phone (GraphQL `unbindPhone`, no variables).
    pub async fn unbind_phone(&self, session: &UserSession) -> Result<User> {
        self.gql(
            "unbindPhone",
            doc::UNBIND_PHONE,
            "unbindPhone",
            None,
            Auth::Bearer(&session.token),
        )
        .await
    }

    /// Changes the phone (GraphQL `updatePhone`); the old phone and code when the pool
    /// requires them.
    pub async fn update_phone(
        &self,
        session: &UserSession,
        phone: &str,
        code: &VerificationCode,
        old_phone: Option<&str>,
        old_code: Option<&VerificationCode>,
    ) -> Result<User> {
        let vars = json!({
            "phone": phone, "phoneCode": code.expose_secret(),
            "oldPhone": old_phone, "oldPhoneCode": old_code.map(|c| c.expose_secret()),
        });
        self.gql(
            "updatePhone",
            doc::UPDATE_PHONE,
            "updatePhone",
            Some(vars),
            Auth::Bearer(&session.token),
        )
        .await
    }

    /// Binds an e-mail (GraphQL `bindEmail`).
    pub async fn bind_email(
        &self,
        session: &UserSession,
        email: &str,
        code: &VerificationCode,
    ) -> Result<User> {
        let vars = json!({"email": email, "emailCode": code.expose_secret()});
        self.gql(
            "bindEmail",
            doc::BIND_EMAIL,
            "bindEmail",
            Some(vars),
            Auth::Bearer(&session.token),
        )
        .await
    }

    /// Unbinds the e-mail (GraphQL `unbindEmail`, no variables).
    pub async fn unbind_email(&self, session: &UserSession) -> Result<User> {
        self.gql(
            "unbindEmail",
            doc::UNBIND_EMAIL,
            "unbindEmail",
            None,
            Auth::Bearer(&session.token),
        )
        .await
    }

    /// Changes the e-mail (GraphQL `updateEmail`).
    pub async fn update_email(
        &self,
        session: &UserSession,
        email: &str,
        code: &VerificationCode,
        old_email: Option<&str>,
        old_code: Option<&VerificationCode>,
    ) -> Result<User> {
        let vars = json!({
            "email": email, "emailCode": code.expose_secret(),
            "oldEmail": old_email, "oldEmailCode": old_code.map(|c| c.expose_secret()),
        });
        self.gql(
            "updateEmail",
            doc::UPDATE_EMAIL,
            "updateEmail",
            Some(vars),
            Auth::Bearer(&session.token),
        )
        .await
    }

    /// Links a social account to a primary account: `POST {host}/api/v2/users/link`. The
    /// answer is checked (the reference ignores it).
    pub async fn link_account(
        &self,
        primary_user_token: &AccessToken,
        secondary_user_token: &AccessToken,
    ) -> Result<()> {
        let url = self.transport.url(&["api", "v2", "users", "link"])?;
        let body = json!({
            "primaryUserToken": primary_user_token.expose_secret(),
            "secondaryUserToken": secondary_user_token.expose_secret(),
        });
        let _: Value = self
            .transport
            .rest(
                "link_account",
                Method::POST,
                url,
                Some(body),
                Auth::Bearer(primary_user_token),
            )
            .await?;
        Ok(())
    }

    /// Unlinks a social provider from a primary account: `POST {host}/api/v2/users/unlink`.
    pub async fn unlink_account(
        &self,
        primary_user_token: &AccessToken,
        provider: &str,
    ) -> Result<()> {
        let url = self.transport.url(&["api", "v2", "users", "unlink"])?;
        let body =
            json!({"primaryUserToken": primary_user_token.expose_secret(), "provider": provider});
        let _: Value = self
            .transport
            .rest(
                "unlink_account",
                Method::POST,
                url,
                Some(body),
                Auth::Bearer(primary_user_token),
            )
            .await?;
        Ok(())
    }

    /// The session user's security level: `GET {host}/api/v2/users/me/security-level`.
    pub async fn get_security_level(&self, session: &UserSession) -> Result<SecurityLevel> {
        let url = self
            .transport
            .url(&["api", "v2", "users", "me", "security-level"])?;
        self.transport
            .rest(
                "get_security_level",
                Method::GET,
                url,
                None,
                Auth::Bearer(&session.token),
            )
            .await
    }

    /// Resources the session user is authorized for in a namespace (GraphQL
    /// `listUserAuthorizedResources`). Errors: `NotFound` when the user does not exist.
    pub async fn list_authorized_resources(
        &self,
        session: &UserSession,
        namespace: &str,
        resource_type: Option<ResourceType>,
    ) -> Result<Paginated<AuthorizedResource>> {
        let id = self.user_id(session).await?;
        let vars = json!({"id": id, "namespace": namespace, "resourceType": resource_type});
        user_sub(
            self.gql(
                "listUserAuthorizedResources",
                doc::LIST_USER_AUTHORIZED_RESOURCES,
                "user",
                Some(vars),
                Auth::Bearer(&session.token),
            )
            .await?,
            "authorizedResources",
            "listUserAuthorizedResources",
        )
    }

    /// Applications the session user may access:
    /// `GET {host}/api/v2/users/me/applications/allowed?page=&limit=` (page from 1).
    pub async fn list_applications(
        &self,
        session: &UserSession,
        page: u32,
        limit: u32,
    ) -> Result<Paginated<Value>> {
        let mut url =
            self.transport
                .url(&["api", "v2", "users", "me", "applications", "allowed"])?;
        url.query_pairs_mut()
            .append_pair("page", &page.to_string())
            .append_pair("limit", &limit.to_string());
        self.transport
            .rest(
                "list_applications",
                Method::GET,
                url,
                None,
                Auth::Bearer(&session.token),
            )
            .await
    }

    /// Checks a password against the pool's policy (GraphQL `checkPasswordStrength`).
    /// **The password travels in plaintext** (inside TLS), as Authing's schema expects.
    pub async fn check_password_strength(&self, password: &Password) -> Result<PasswordStrength> {
        let vars = json!({"password": password.expose_secret()});
        self.gql(
            "checkPasswordStrength",
            doc::CHECK_PASSWORD_STRENGTH,
            "checkPasswordStrength",
            Some(vars),
            Auth::None,
        )
        .await
    }

    /// A new token for the session (GraphQL `refreshToken`, no variables). The caller keeps
    /// the new token (nothing is stored in the client).
    pub async fn refresh_token(&self, session: &UserSession) -> Result<RefreshedToken> {
        self.gql(
            "refreshToken",
            doc::REFRESH_TOKEN,
            "refreshToken",
            None,
            Auth::Bearer(&session.token),
        )
        .await
    }

    /// The session user's organizations: `GET {host}/api/v2/users/me/orgs` (the data as sent:
    /// a list of department paths).
    pub async fn list_orgs(&self, session: &UserSession) -> Result<Value> {
        let url = self.transport.url(&["api", "v2", "users", "me", "orgs"])?;
        self.transport
            .rest(
                "list_orgs",
                Method::GET,
                url,
                None,
                Auth::Bearer(&session.token),
            )
            .await
    }

    /// The session user's roles, optionally in one namespace (GraphQL `getUserRoles`).
    pub async fn list_roles(
        &self,
        session: &UserSession,
        namespace: Option<&str>,
    ) -> Result<Paginated<Role>> {
        let id = self.user_id(session).await?;
        let vars = json!({"id": id, "namespace": namespace});
        user_sub(
            self.gql(
                "getUserRoles",
                doc::GET_USER_ROLES,
                "user",
                Some(vars),
                Auth::Bearer(&session.token),
            )
            .await?,
            "roles",
            "getUserRoles",
        )
    }

    /// Whether the session user has a role (from [`list_roles`](Self::list_roles)).
    pub async fn has_role(
        &self,
        session: &UserSession,
        code: &str,
        namespace: Option<&str>,
    ) -> Result<bool> {
        Ok(self
            .list_roles(session, namespace)
            .await?
            .list
            .iter()
            .any(|r| r.code == code))
    }

    /// The session user's departments (GraphQL `getUserDepartments`).
    pub async fn list_departments(
        &self,
        session: &UserSession,
    ) -> Result<Paginated<UserDepartment>> {
        let id = self.user_id(session).await?;
        let vars = json!({"id": id});
        user_sub(
            self.gql(
                "getUserDepartments",
                doc::GET_USER_DEPARTMENTS,
                "user",
                Some(vars),
                Auth::Bearer(&session.token),
            )
            .await?,
            "departments",
            "getUserDepartments",
        )
    }

    /// Whether a user with any of the given identifiers exists (GraphQL `isUserExists`).
    /// Errors: `InvalidInput` when no identifier is given.
    pub async fn is_user_exists(
        &self,
        username: Option<&str>,
        email: Option<&str>,
        phone: Option<&str>,
        external_id: Option<&str>,
    ) -> Result<bool> {
        if username.is_none() && email.is_none() && phone.is_none() && external_id.is_none() {
            return Err(
                Error::invalid_input("give a username, e-mail, phone or external id")
                    .with_context(PROVIDER, "isUserExists"),
            );
        }
        let vars = json!({"username": username, "email": email, "phone": phone, "externalId": external_id});
        let found: Option<bool> = self
            .gql(
                "isUserExists",
                doc::IS_USER_EXISTS,
                "isUserExists",
                Some(vars),
                Auth::None,
            )
            .await?;
        Ok(found.unwrap_or(false))
    }

    /// Validates a CAS ticket: `GET {app_host}/cas-idp/{app_id}/serviceValidate?service=&ticket=&format=JSON`
    /// (JSON format; the XML format is for browsers). Answers the raw JSON.
    pub async fn validate_ticket_v2(&self, ticket: &str, service: &str) -> Result<Value> {
        let app_id = self.require_app_id("validate_ticket_v2")?;
        let mut url = self
            .transport
            .url(&["cas-idp", app_id, "serviceValidate"])?;
        url.query_pairs_mut()
            .append_pair("service", service)
            .append_pair("ticket", ticket)
            .append_pair("format", CAS_FORMAT);
        self.transport
            .rest_raw("validate_ticket_v2", Method::GET, url, None, Auth::None)
            .await
    }

    /// The CAS session of the caller: `GET {app_host}/cas/session` (raw JSON; anonymous
    /// without the browser's cookies).
    pub async fn track_session(&self) -> Result<Value> {
        let url = self.transport.url(&["cas", "session"])?;
        self.transport
            .rest_raw("track_session", Method::GET, url, None, Auth::None)
            .await
    }

    /// Finishes a WeChat mobile login:
    /// `GET {host}/connection/social/wechat:mobile/{user_pool_id}/callback?code=&country=&lang=&state=`
    /// (values URL-encoded, unlike the reference). Answers the raw JSON.
    /// Errors: `ConfigInvalid` without `user_pool_id`.
    pub async fn wechat_login(
        &self,
        code: &str,
        country: Option<&str>,
        lang: Option<&str>,
        state: Option<&str>,
    ) -> Result<Value> {
        let pool = self.options.user_pool_id.as_deref().ok_or_else(|| {
            Error::config("wechat_login needs user_pool_id").with_context(PROVIDER, "wechat_login")
        })?;
        let mut url =
            self.transport
                .url(&["connection", "social", "wechat:mobile", pool, "callback"])?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("code", code);
            for (k, v) in [("country", country), ("lang", lang), ("state", state)] {
                if let Some(v) = v {
                    q.append_pair(k, v);
                }
            }
        }
        self.transport
            .rest_raw("wechat_login", Method::GET, url, None, Auth::None)
            .await
    }

    fn require_app_id(&self, op: &'static str) -> Result<&str> {
        self.options
            .app_id
            .as_deref()
            .ok_or_else(|| Error::config(format!("{op} needs app_id")).with_context(PROVIDER, op))
    }

    fn app_base(&self, op: &'static str) -> Result<&Transport> {
        if self.options.app_host.is_none() {
            return Err(Error::config(format!("{op} needs app_host")).with_context(PROVIDER, op));
        }
        Ok(&self.transport)
    }

    // ----- OIDC / OAuth helpers -----

    /// The authorization URL: `{app_host}/{oidc|oauth}/auth?...` with `client_id`,
    /// `redirect_uri`, `scope`, `response_type`, `state`, `nonce` and, with PKCE, the S256
    /// `code_challenge`. `state`, `nonce` and the verifier come from a CSPRNG.
    ///
    /// Errors: `ConfigInvalid` without `app_host`, `app_id` or a redirect URI.
    pub fn build_authorize_url(&self, params: AuthorizeParams) -> Result<AuthorizeUrl> {
        const OP: &str = "build_authorize_url";
        let t = self.app_base(OP)?;
        let app_id = self.require_app_id(OP)?;
        let redirect_uri = params
            .redirect_uri
            .or_else(|| self.options.redirect_uri.clone())
            .ok_or_else(|| {
                Error::config("no redirect_uri configured").with_context(PROVIDER, OP)
            })?;
        let state = params.state.unwrap_or_else(random_token);
        let nonce = params.nonce.unwrap_or_else(random_token);
        let scope = params
            .scope
            .unwrap_or_else(|| "openid profile email phone address".to_owned());
        let mut url = t.url(&[self.options.protocol.prefix(), "auth"])?;
        let verifier = params.pkce.then(generate_code_verifier);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("nonce", &nonce)
                .append_pair("state", &state)
                .append_pair("scope", &scope)
                .append_pair("client_id", app_id)
                .append_pair("redirect_uri", &redirect_uri)
                .append_pair(
                    "response_type",
                    params.response_type.as_deref().unwrap_or("code"),
                );
            if let Some(m) = &params.response_mode {
                q.append_pair("response_mode", m);
            }
            if scope.split(' ').any(|s| s == "offline_access") {
                q.append_pair("prompt", "consent");
            }
            if let Some(v) = &verifier {
                q.append_pair("code_challenge", &code_challenge_s256(v))
                    .append_pair("code_challenge_method", "S256");
            }
        }
        Ok(AuthorizeUrl {
            url,
            state,
            nonce,
            code_verifier: verifier.map(Secret::new),
        })
    }

    fn client_auth<'a>(
        &'a self,
        method: TokenEndpointAuthMethod,
        form: &mut Vec<(&'static str, String)>,
        op: &'static str,
    ) -> Result<Auth<'a>> {
        let app_id = self.require_app_id(op)?;
        let secret = || {
            self.options.secret.as_ref().ok_or_else(|| {
                Error::config(format!("{op} needs the app secret")).with_context(PROVIDER, op)
            })
        };
        match method {
            TokenEndpointAuthMethod::ClientSecretPost => {
                form.push(("client_id", app_id.to_owned()));
                form.push(("client_secret", secret()?.expose_secret().to_owned()));
                Ok(Auth::None)
            }
            TokenEndpointAuthMethod::ClientSecretBasic => Ok(Auth::Basic(app_id, secret()?)),
            TokenEndpointAuthMethod::None => {
                form.push(("client_id", app_id.to_owned()));
                Ok(Auth::None)
            }
        }
    }

    async fn token_call(
        &self,
        op: &'static str,
        path: &'static str,
        method: TokenEndpointAuthMethod,
        mut form: Vec<(&'static str, String)>,
    ) -> Result<Value> {
        let auth = self.client_auth(method, &mut form, op)?;
        let url = match path {
            "" => self
                .transport
                .url(&[self.options.protocol.prefix(), "token"])?,
            p => self
                .transport
                .url(&[self.options.protocol.prefix(), "token", p])?,
        };
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.transport.form(op, url, &pairs, auth).await
    }

    /// Exchanges an authorization code: `POST {host}/{oidc|oauth}/token` with
    /// `grant_type=authorization_code`, `code`, `redirect_uri`, `code_verifier` (PKCE) and the
    /// configured client authentication.
    ///
    /// Errors: `InvalidToken` for a bad or used code (`invalid_grant`), `PermissionDenied` for
    /// bad client credentials, `ConfigInvalid` without a redirect URI or secret.
    pub async fn get_access_token_by_code(
        &self,
        code: &str,
        code_verifier: Option<&Secret>,
        redirect_uri: Option<&str>,
    ) -> Result<OidcTokens> {
        const OP: &str = "get_access_token_by_code";
        let redirect_uri = redirect_uri
            .map(str::to_owned)
            .or_else(|| self.options.redirect_uri.clone())
            .ok_or_else(|| {
                Error::config("no redirect_uri configured").with_context(PROVIDER, OP)
            })?;
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", redirect_uri),
        ];
        if let Some(v) = code_verifier {
            form.push(("code_verifier", v.expose_secret().to_owned()));
        }
        let v = self
            .token_call(OP, "", self.options.token_endpoint_auth_method, form)
            .await?;
        tokens_from(v, OP)
    }

    /// Refreshes tokens: `POST {host}/{oidc|oauth}/token` with `grant_type=refresh_token`.
    /// Errors: `InvalidToken` for a bad refresh token.
    pub async fn get_new_access_token_by_refresh_token(
        &self,
        refresh_token: &RefreshToken,
    ) -> Result<OidcTokens> {
        const OP: &str = "refresh_token_grant";
        let form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token.expose_secret().to_owned()),
        ];
        let v = self
            .token_call(OP, "", self.options.token_endpoint_auth_method, form)
            .await?;
        tokens_from(v, OP)
    }

    /// A machine token: `POST {host}/{oidc|oauth}/token` with `grant_type=client_credentials`,
    /// a programmatic access account's key and secret and a scope.
    /// Errors: `InvalidInput` for an empty scope; `PermissionDenied` for bad credentials.
    pub async fn get_access_token_by_client_credentials(
        &self,
        scope: &str,
        access_key: &str,
        secret_key: &ClientSecret,
    ) -> Result<OidcTokens> {
        const OP: &str = "client_credentials";
        if scope.trim().is_empty() {
            return Err(
                Error::invalid_input("client_credentials needs a scope").with_context(PROVIDER, OP)
            );
        }
        let url = self
            .transport
            .url(&[self.options.protocol.prefix(), "token"])?;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", access_key),
            ("client_secret", secret_key.expose_secret()),
            ("scope", scope),
        ];
        let v = self.transport.form(OP, url, &form, Auth::None).await?;
        tokens_from(v, OP)
    }

    /// RFC 7662 introspection: `POST {host}/{oidc|oauth}/token/introspection` (raw answer;
    /// `active: false` for a dead token).
    pub async fn introspect_token(&self, token: &AccessToken) -> Result<Value> {
        let form = vec![("token", token.expose_secret().to_owned())];
        self.token_call(
            "introspect_token",
            "introspection",
            self.options.introspection_endpoint_auth_method,
            form,
        )
        .await
    }

    /// RFC 7009 revocation: `POST {host}/{oidc|oauth}/token/revocation`.
    pub async fn revoke_token(&self, token: &str) -> Result<()> {
        let form = vec![("token", token.to_owned())];
        self.token_call(
            "revoke_token",
            "revocation",
            self.options.revocation_endpoint_auth_method,
            form,
        )
        .await
        .map(|_| ())
    }

    /// OIDC user info: `POST {host}/{oidc|oauth}/me` with `Bearer {access_token}` (the raw
    /// claims: `sub`, `name`, `email`, ...). Errors: `InvalidToken`/`Unauthenticated`.
    pub async fn get_user_info_by_access_token(
        &self,
        access_token: &AccessToken,
    ) -> Result<Map<String, Value>> {
        const OP: &str = "get_user_info_by_access_token";
        let url = self
            .transport
            .url(&[self.options.protocol.prefix(), "me"])?;
        let v = self
            .transport
            .get_oauth(OP, url, Auth::Bearer(access_token), Method::POST)
            .await?;
        match v {
            Value::Object(m) if m.contains_key("sub") => Ok(m),
            _ => Err(Error::protocol("the user info has no `sub`").with_context(PROVIDER, OP)),
        }
    }

    /// Online token validation: `GET {app_host}/api/v2/oidc/validate_token?id_token=` (or
    /// `access_token=` when `is_id_token` is false). Raw answer.
    pub async fn validate_token(&self, token: &str, is_id_token: bool) -> Result<Value> {
        const OP: &str = "validate_token";
        let mut url = self
            .app_base(OP)?
            .url(&["api", "v2", "oidc", "validate_token"])?;
        url.query_pairs_mut().append_pair(
            if is_id_token {
                "id_token"
            } else {
                "access_token"
            },
            token,
        );
        self.transport
            .get_oauth(OP, url, Auth::None, Method::GET)
            .await
    }

    /// The logout URL. Not expert: `{app_host}/login/profile/logout[?redirect_uri=]`. Expert
    /// (needs an id token): `{app_host}/oidc/session/end?id_token_hint=&post_logout_redirect_uri=`.
    /// Values are URL-encoded. Errors: `ConfigInvalid` without `app_host`.
    pub fn build_logout_url(
        &self,
        redirect_uri: Option<&str>,
        id_token: Option<&polyauth_core::IdToken>,
    ) -> Result<url::Url> {
        let t = self.app_base("build_logout_url")?;
        match id_token {
            Some(id) => {
                let mut url = t.url(&["oidc", "session", "end"])?;
                let mut q = url.query_pairs_mut();
                q.append_pair("id_token_hint", id.expose_secret());
                if let Some(r) = redirect_uri {
                    q.append_pair("post_logout_redirect_uri", r);
                }
                drop(q);
                Ok(url)
            }
            None => {
                let mut url = t.url(&["login", "profile", "logout"])?;
                if let Some(r) = redirect_uri {
                    url.query_pairs_mut().append_pair("redirect_uri", r);
                }
                Ok(url)
            }
        }
    }
}

fn tokens_from(v: Value, op: &'static str) -> Result<OidcTokens> {
    serde_json::from_value(v).map_err(|e| {
        Error::protocol("the token answer has no access_token")
            .with_source(e)
            .with_context(PROVIDER, op)
    })
}

/// `data.user.{field}` of the `user(id:)` queries; a null user is `NotFound`.
pub(crate) fn user_sub<T: serde::de::DeserializeOwned>(
    user: Option<Map<String, Value>>,
    field: &str,
    op: &'static str,
) -> Result<T> {
    let mut user = user.ok_or_else(|| {
        Error::new(polyauth_core::ErrorKind::NotFound, "user not found").with_context(PROVIDER, op)
    })?;
    let v = user.remove(field).unwrap_or(Value::Null);
    serde_json::from_value(v).map_err(|e| {
        Error::protocol(format!("`user.{field}` has an unexpected shape"))
            .with_source(e)
            .with_context(PROVIDER, op)
    })
}

/// The Authing cloud domain under which the `login_by_ad` host may be derived.
const AUTHING_DOMAIN: &str = "authing.cn";

/// `https://ws.authing.cn` for a host under `authing.cn` (`core.authing.cn`,
/// `{app}.authing.cn`); `None` for every other host, which must configure `websocket_host`
/// (deriving `ws.{host minus its first label}` could leave the operator's domain).
fn default_ws_host(base: &str) -> Option<String> {
    let url = url::Url::parse(base).ok()?;
    let host = url.domain()?.trim_end_matches('.').to_ascii_lowercase();
    let under_authing = host == AUTHING_DOMAIN
        || host
            .strip_suffix(AUTHING_DOMAIN)
            .is_some_and(|rest| rest.ends_with('.'));
    under_authing.then(|| format!("{}://ws.{AUTHING_DOMAIN}", url.scheme()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_vector() {
        assert_eq!(
            code_challenge_s256("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq"),
            "kUaLSjXhsOCVA7wFqR444EX_ec7ltFCcMqGdmw9A7iA"
        );
        let v = generate_code_verifier();
        assert_eq!(v.len(), 43);
        assert_ne!(v, generate_code_verifier());
    }

    #[test]
    fn ws_host_derivation() {
        assert_eq!(
            default_ws_host("https://core.authing.cn").as_deref(),
            Some("https://ws.authing.cn")
        );
        assert_eq!(
            default_ws_host("https://my-app.authing.cn").as_deref(),
            Some("https://ws.authing.cn")
        );
        for foreign in [
            "http://127.0.0.1:8080",
            "https://login.co.uk",
            "https://auth.example.com",
            "https://core.notauthing.cn",
            "https://authing.cn.evil.com",
        ] {
            assert_eq!(default_ws_host(foreign), None, "{foreign}");
        }
    }

    #[test]
    fn options_need_an_identity() {
        let mut o = AuthenticationClientOptions::new("app");
        o.app_id = None;
        assert!(AuthenticationClient::new(o).is_err());
        let mut o = AuthenticationClientOptions::new("app");
        o.host = "ftp://x".into();
        assert!(AuthenticationClient::new(o).is_err());
    }
}
