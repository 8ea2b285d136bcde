//! The settings of [`AuthenticationClient`](super::AuthenticationClient) and the options of
//! its calls.

use std::time::Duration;

use polyauth_core::{ClientSecret, Error, Result, Secret};
use serde_json::{Map, Value};

use crate::observer::ErrorObserver;

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
    pub(super) fn prefix(self) -> &'static str {
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

/// Settings of an [`AuthenticationClient`](super::AuthenticationClient). Start from
/// [`AuthenticationClientOptions::new`] (defaults for everything but the app id) and set the
/// public fields you need:
///
/// ```
/// use std::time::Duration;
/// use polyauth_authing::{AuthenticationClient, AuthenticationClientOptions};
///
/// let mut options = AuthenticationClientOptions::new("my-app-id");
/// options.app_host = Some("https://my-app.authing.cn".into());
/// options.lang = Some("en-US".into());
/// options.timeout = Duration::from_secs(5);
/// let client = AuthenticationClient::new(options).unwrap();
/// # let _ = client;
/// ```
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
    /// ([`DEFAULT_ENC_PUBLIC_KEY`](crate::DEFAULT_ENC_PUBLIC_KEY)). Private deployments set their own.
    pub enc_public_key: Option<String>,
    /// The language of Authing's messages (`zh-CN`, `en-US`), sent as `x-authing-lang`: on
    /// REST and OAuth/OIDC calls always (an empty value when unset), on GraphQL calls only when
    /// set, as the reference SDK does.
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
    /// Told about every error of a call to Authing (the reference's `on_error`); default none.
    pub on_error: Option<ErrorObserver>,
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
            on_error: None,
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

/// Parameters of
/// [`AuthenticationClient::build_authorize_url`](super::AuthenticationClient::build_authorize_url).
#[derive(Clone, Debug, Default)]
pub struct AuthorizeParams {
    /// Redirect URI; default the configured one.
    pub redirect_uri: Option<String>,
    /// Scope; default `openid profile email phone address` ([`Protocol::Oidc`]) or `user`
    /// ([`Protocol::OAuth`]).
    pub scope: Option<String>,
    /// `code` (default) or `token` / `id_token`.
    pub response_type: Option<String>,
    /// `query`, `fragment` or `form_post` ([`Protocol::Oidc`] only).
    pub response_mode: Option<String>,
    /// `state`; default 32 random bytes (CSPRNG), base64url.
    pub state: Option<String>,
    /// `nonce` ([`Protocol::Oidc`] only); default 32 random bytes (CSPRNG), base64url.
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
    /// The `nonce` sent (`None` with [`Protocol::OAuth`], which has no nonce).
    pub nonce: Option<String>,
    /// The PKCE verifier to pass to
    /// [`AuthenticationClient::get_access_token_by_code`](super::AuthenticationClient::get_access_token_by_code).
    pub code_verifier: Option<Secret>,
}
