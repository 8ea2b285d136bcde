//! [`OidcConfig`]: the configuration of the generic OpenID Connect provider, one struct for
//! code, TOML (`provider = "oidc"`) and the environment (`POLYAUTH_OIDC_*`).

use std::path::PathBuf;
use std::time::Duration;

use polyauth_core::env::Env;
use polyauth_core::{CacheConfig, ClientSecret, Error, Result, Secret};
use polyauth_jwt::{ClaimNames, JwksOptions, parse_algorithm};
use serde::{Deserialize, Deserializer};

use crate::client_auth::{ClientAuth, PrivateKeyJwt};

/// Every environment variable [`OidcConfig::from_env`] reads (the `polyauth` facade refuses
/// other `POLYAUTH_` variables, so that a typo cannot turn a check off).
pub const ENV_KEYS: &[&str] = &[
    "POLYAUTH_OIDC_ISSUER",
    "POLYAUTH_OIDC_CLIENT_ID",
    "POLYAUTH_OIDC_CLIENT_SECRET",
    "POLYAUTH_OIDC_PRIVATE_KEY_PEM",
    "POLYAUTH_OIDC_PRIVATE_KEY_FILE",
    "POLYAUTH_OIDC_PRIVATE_KEY_ALGORITHM",
    "POLYAUTH_OIDC_PRIVATE_KEY_ID",
    "POLYAUTH_OIDC_TOKEN_ENDPOINT_AUTH_METHOD",
    "POLYAUTH_OIDC_REDIRECT_URI",
    "POLYAUTH_OIDC_SCOPES",
    "POLYAUTH_OIDC_AUDIENCE",
    "POLYAUTH_OIDC_TOKEN_MODE",
    "POLYAUTH_OIDC_ACCESS_TOKEN_TYPE",
    "POLYAUTH_OIDC_SUBJECT_CLAIM",
    "POLYAUTH_OIDC_USERNAME_CLAIM",
    "POLYAUTH_OIDC_NAME_CLAIM",
    "POLYAUTH_OIDC_EMAIL_CLAIM",
    "POLYAUTH_OIDC_PHONE_CLAIM",
    "POLYAUTH_OIDC_PICTURE_CLAIM",
    "POLYAUTH_OIDC_ROLES_CLAIM",
    "POLYAUTH_OIDC_PERMISSIONS_CLAIM",
    "POLYAUTH_OIDC_SCOPE_CLAIM",
    "POLYAUTH_OIDC_GROUPS_CLAIM",
    "POLYAUTH_OIDC_IS_ADMIN_CLAIM",
    "POLYAUTH_OIDC_PKCE",
    "POLYAUTH_OIDC_PAR",
    "POLYAUTH_OIDC_STATE_TTL_SECONDS",
    "POLYAUTH_OIDC_TIMEOUT_SECONDS",
    "POLYAUTH_OIDC_LEEWAY_SECONDS",
    "POLYAUTH_OIDC_CACHE_TTL_SECONDS",
    "POLYAUTH_OIDC_JWKS_COOLDOWN_SECONDS",
    "POLYAUTH_OIDC_CACHE_CAPACITY",
];

/// How the provider checks the access tokens presented to the application.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TokenMode {
    /// JWT access tokens (RFC 9068) verified locally with the issuer's JWKS: no call per
    /// request. Needs `audience`.
    #[default]
    Jwt,
    /// Opaque tokens checked at the introspection endpoint (RFC 7662), cached, with one call
    /// for concurrent requests on one new token.
    Introspection,
    /// Tokens checked by calling the UserInfo endpoint with them, cached likewise.
    Userinfo,
}

impl std::str::FromStr for TokenMode {
    type Err = Error;

    fn from_str(s: &str) -> Result<TokenMode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "jwt" => Ok(TokenMode::Jwt),
            "introspection" => Ok(TokenMode::Introspection),
            "userinfo" => Ok(TokenMode::Userinfo),
            _ => Err(Error::config(
                "the OIDC token mode must be jwt, introspection or userinfo",
            )),
        }
    }
}

/// The generic OpenID Connect provider's configuration.
///
/// In TOML (unknown keys are refused), for example Keycloak:
///
/// ```toml
/// provider = "oidc"
/// issuer = "https://sso.example.com/realms/acme"
/// client_id = "my-app"
/// client_secret = "..."
/// redirect_uri = "https://app.example.com/callback"
/// audience = "account"                 # the `aud` of access tokens (string or list)
/// access_token_type = "none"           # Keycloak's access tokens are typ "JWT", not "at+jwt"
/// [claims]
/// roles = "realm_access.roles"
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OidcConfig {
    /// The issuer identifier; discovery reads `{issuer}/.well-known/openid-configuration`,
    /// whose `issuer` must be identical.
    pub issuer: String,
    /// The client id: needed for logins and introspection; a resource server that only
    /// verifies JWT access tokens (or calls UserInfo) may leave it out.
    #[serde(default)]
    pub client_id: String,
    /// The client secret (`client_secret_basic` / `client_secret_post`).
    #[serde(default)]
    pub client_secret: Option<ClientSecret>,
    /// A PEM private key for `private_key_jwt` (inline).
    #[serde(default)]
    pub private_key_pem: Option<Secret>,
    /// A file holding the PEM private key for `private_key_jwt`.
    #[serde(default)]
    pub private_key_file: Option<PathBuf>,
    /// The assertion algorithm of `private_key_jwt` (default `RS256`; `PS256`, `ES256`, …).
    #[serde(default)]
    pub private_key_algorithm: Option<String>,
    /// The `kid` of the private key, when the server needs it.
    #[serde(default)]
    pub private_key_id: Option<String>,
    /// `client_secret_basic`, `client_secret_post`, `private_key_jwt` or `none`. Default:
    /// `private_key_jwt` with a key, `client_secret_basic` with a secret, else `none`.
    #[serde(default)]
    pub token_endpoint_auth_method: Option<String>,
    /// The redirect URI of logins (required for `start_authorization`).
    #[serde(default)]
    pub redirect_uri: Option<url::Url>,
    /// The scopes of logins (default `openid profile email`).
    #[serde(default = "default_scopes", deserialize_with = "one_or_many")]
    pub scopes: Vec<String>,
    /// The accepted `aud` of access tokens (string or list). Required in `jwt` mode; in
    /// `introspection` mode, checked when set.
    #[serde(default, deserialize_with = "one_or_many")]
    pub audience: Vec<String>,
    /// How access tokens are checked (default `jwt`).
    #[serde(default)]
    pub token_mode: TokenMode,
    /// The `typ` header JWT access tokens must carry (default `at+jwt`, RFC 9068 §4); `none`
    /// (or the empty string) turns the check off for issuers whose access tokens say `JWT`
    /// (Keycloak, Azure AD).
    #[serde(default = "default_access_token_type")]
    pub access_token_type: String,
    /// Where roles, permissions, groups and the profile are found in the claims (dotted
    /// paths reach nested claims: `realm_access.roles`).
    #[serde(default)]
    pub claims: ClaimNames,
    /// PKCE (S256) for logins when the server supports it (default true).
    #[serde(default = "yes")]
    pub pkce: bool,
    /// Pushed authorization requests (RFC 9126) when the server has the endpoint (default
    /// false; always used when the server requires them).
    #[serde(default)]
    pub par: bool,
    /// Lifetime of a started login, seconds (default 600; 1 to 86,400).
    #[serde(default = "default_state_ttl")]
    pub state_ttl_seconds: u64,
    /// Timeout of one call to the server, seconds (default 10; 1 to 300).
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// Clock-skew allowance for `exp`/`nbf`, seconds (default 60; at most 600).
    #[serde(default = "default_leeway")]
    pub leeway_seconds: u64,
    /// How long a verified token is reused, seconds, capped by its `exp` (default 60; 0
    /// turns the cache off; at most 86,400).
    #[serde(default = "default_cache_ttl")]
    pub cache_ttl_seconds: u64,
    /// How many verified tokens are cached (default 10,000).
    #[serde(default = "default_cache_capacity")]
    pub cache_capacity: u64,
    /// The least time between two JWKS fetches caused by tokens with an unknown `kid`,
    /// seconds (default 10; at most 3,600): a new signing key is picked up by the first
    /// token that names it once this long has passed since the last fetch.
    #[serde(default = "default_jwks_cooldown")]
    pub jwks_cooldown_seconds: u64,
}

fn default_scopes() -> Vec<String> {
    ["openid", "profile", "email"].map(String::from).to_vec()
}
fn default_access_token_type() -> String {
    "at+jwt".to_owned()
}
fn yes() -> bool {
    true
}
fn default_state_ttl() -> u64 {
    600
}
fn default_timeout() -> u64 {
    10
}
fn default_leeway() -> u64 {
    60
}
fn default_cache_ttl() -> u64 {
    60
}
fn default_cache_capacity() -> u64 {
    10_000
}
fn default_jwks_cooldown() -> u64 {
    10
}

/// A string (space- or comma-separated) or a list of strings.
fn one_or_many<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(s) => split_list(&s),
        OneOrMany::Many(v) => v,
    })
}

fn split_list(s: &str) -> Vec<String> {
    s.split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl OidcConfig {
    /// A configuration for `issuer` and `client_id` with the defaults above.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>) -> Self {
        OidcConfig {
            issuer: issuer.into(),
            client_id: client_id.into(),
            client_secret: None,
            private_key_pem: None,
            private_key_file: None,
            private_key_algorithm: None,
            private_key_id: None,
            token_endpoint_auth_method: None,
            redirect_uri: None,
            scopes: default_scopes(),
            audience: Vec::new(),
            token_mode: TokenMode::Jwt,
            access_token_type: default_access_token_type(),
            claims: ClaimNames::default(),
            pkce: true,
            par: false,
            state_ttl_seconds: default_state_ttl(),
            timeout_seconds: default_timeout(),
            leeway_seconds: default_leeway(),
            cache_ttl_seconds: default_cache_ttl(),
            cache_capacity: default_cache_capacity(),
            jwks_cooldown_seconds: default_jwks_cooldown(),
        }
    }

    /// Sets the client secret.
    pub fn with_client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(ClientSecret::new(secret));
        self
    }

    /// Adds an accepted access-token audience.
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience.push(audience.into());
        self
    }

    /// Sets the redirect URI of logins.
    pub fn with_redirect_uri(mut self, uri: url::Url) -> Self {
        self.redirect_uri = Some(uri);
        self
    }

    /// Sets the access-token mode.
    pub fn with_token_mode(mut self, mode: TokenMode) -> Self {
        self.token_mode = mode;
        self
    }

    /// Sets the login scopes.
    pub fn with_scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Reads the configuration from `POLYAUTH_OIDC_*` variables:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `POLYAUTH_OIDC_ISSUER` | issuer identifier (required) |
    /// | `POLYAUTH_OIDC_CLIENT_ID` | client id (for logins and introspection) |
    /// | `POLYAUTH_OIDC_CLIENT_SECRET` | client secret |
    /// | `POLYAUTH_OIDC_PRIVATE_KEY_PEM` or `_PRIVATE_KEY_FILE`, `_PRIVATE_KEY_ALGORITHM`, `_PRIVATE_KEY_ID` | `private_key_jwt` key |
    /// | `POLYAUTH_OIDC_TOKEN_ENDPOINT_AUTH_METHOD` | client authentication method |
    /// | `POLYAUTH_OIDC_REDIRECT_URI` | redirect URI of logins |
    /// | `POLYAUTH_OIDC_SCOPES` | login scopes, space or comma separated |
    /// | `POLYAUTH_OIDC_AUDIENCE` | accepted access-token audiences, comma separated |
    /// | `POLYAUTH_OIDC_TOKEN_MODE` | `jwt`, `introspection` or `userinfo` |
    /// | `POLYAUTH_OIDC_ACCESS_TOKEN_TYPE` | required `typ` of JWT access tokens (`none`: no check) |
    /// | `POLYAUTH_OIDC_<FIELD>_CLAIM` | claim paths, see `ClaimNames::from_env` |
    /// | `POLYAUTH_OIDC_PKCE`, `POLYAUTH_OIDC_PAR` | booleans |
    /// | `POLYAUTH_OIDC_STATE_TTL_SECONDS`, `_TIMEOUT_SECONDS`, `_LEEWAY_SECONDS`, `_CACHE_TTL_SECONDS`, `_CACHE_CAPACITY`, `_JWKS_COOLDOWN_SECONDS` | numbers |
    ///
    /// Every TOML key has its variable.
    ///
    /// Errors: `ConfigInvalid` naming the variable (never its value) for a missing required
    /// one or one that does not parse, and as [`OidcConfig::validate`].
    pub fn from_env(env: &Env) -> Result<Self> {
        const P: &str = "POLYAUTH_OIDC_";
        let key = |k: &str| format!("{P}{k}");
        let mut c = OidcConfig::new(
            env.required(&key("ISSUER"))?,
            env.get(&key("CLIENT_ID")).unwrap_or_default(),
        );
        c.client_secret = env.get(&key("CLIENT_SECRET")).map(ClientSecret::new);
        c.private_key_pem = env.secret(&key("PRIVATE_KEY_PEM"));
        c.private_key_file = env.get(&key("PRIVATE_KEY_FILE")).map(PathBuf::from);
        c.private_key_algorithm = env.get(&key("PRIVATE_KEY_ALGORITHM"));
        c.private_key_id = env.get(&key("PRIVATE_KEY_ID"));
        c.token_endpoint_auth_method = env.get(&key("TOKEN_ENDPOINT_AUTH_METHOD"));
        c.redirect_uri = env.parse(&key("REDIRECT_URI"))?;
        if let Some(scopes) = env.get(&key("SCOPES")) {
            c.scopes = split_list(&scopes);
        }
        c.audience = env.list(&key("AUDIENCE"));
        if let Some(mode) = env.parse(&key("TOKEN_MODE"))? {
            c.token_mode = mode;
        }
        if let Some(typ) = env.get(&key("ACCESS_TOKEN_TYPE")) {
            c.access_token_type = typ;
        }
        c.claims = ClaimNames::from_env(env, P);
        if let Some(v) = env.bool(&key("PKCE"))? {
            c.pkce = v;
        }
        if let Some(v) = env.bool(&key("PAR"))? {
            c.par = v;
        }
        let number = |k: &str, current: &mut u64| -> Result<()> {
            if let Some(v) = env.parse(&key(k))? {
                *current = v;
            }
            Ok(())
        };
        number("STATE_TTL_SECONDS", &mut c.state_ttl_seconds)?;
        number("TIMEOUT_SECONDS", &mut c.timeout_seconds)?;
        number("LEEWAY_SECONDS", &mut c.leeway_seconds)?;
        number("CACHE_TTL_SECONDS", &mut c.cache_ttl_seconds)?;
        number("JWKS_COOLDOWN_SECONDS", &mut c.jwks_cooldown_seconds)?;
        number("CACHE_CAPACITY", &mut c.cache_capacity)?;
        c.validate()?;
        Ok(c)
    }

    /// Checks what serde cannot: numbers within their documented ranges, an issuer that is
    /// an http(s) URL, `audience` in `jwt` mode, client credentials that fit the
    /// authentication method, and a private key that parses.
    ///
    /// Errors: `ConfigInvalid` naming the key (and the range for numbers).
    pub fn validate(&self) -> Result<()> {
        use polyauth_core::env::check_range;
        check_range(
            "state_ttl_seconds",
            self.state_ttl_seconds,
            1..=86_400,
            "seconds",
        )?;
        check_range("timeout_seconds", self.timeout_seconds, 1..=300, "seconds")?;
        check_range("leeway_seconds", self.leeway_seconds, 0..=600, "seconds")?;
        check_range(
            "cache_ttl_seconds",
            self.cache_ttl_seconds,
            0..=86_400,
            "seconds",
        )?;
        check_range(
            "jwks_cooldown_seconds",
            self.jwks_cooldown_seconds,
            0..=3_600,
            "seconds",
        )?;
        let issuer_ok = url::Url::parse(&self.issuer)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        if !issuer_ok {
            return Err(Error::config(
                "OIDC `issuer` must be an absolute http(s) URL",
            ));
        }
        let needs_client =
            self.token_mode == TokenMode::Introspection || self.redirect_uri.is_some();
        if needs_client && self.client_id.trim().is_empty() {
            return Err(Error::config(
                "OIDC `client_id` is required for logins (redirect_uri) and introspection",
            ));
        }
        if self.token_mode == TokenMode::Jwt && self.audience.is_empty() {
            return Err(Error::config(
                "OIDC `audience` is required with token_mode = \"jwt\" (the `aud` your API's \
                 access tokens carry)",
            ));
        }
        self.client_auth().map(|_| ())
    }

    /// The client authentication the configuration describes.
    ///
    /// Errors: `ConfigInvalid` for an unknown method, a method without its credential, an
    /// unreadable key file or a key that does not parse.
    pub fn client_auth(&self) -> Result<ClientAuth> {
        let key = match (&self.private_key_pem, &self.private_key_file) {
            (Some(pem), _) => Some(pem.clone()),
            (None, Some(path)) => Some(Secret::new(
                std::fs::read_to_string(path)
                    .map_err(|_| Error::config("OIDC `private_key_file` cannot be read"))?,
            )),
            (None, None) => None,
        };
        let method = match (&self.token_endpoint_auth_method, &key, &self.client_secret) {
            (Some(m), _, _) => m.as_str(),
            (None, Some(_), _) => "private_key_jwt",
            (None, None, Some(_)) => "client_secret_basic",
            (None, None, None) => "none",
        };
        let secret = || {
            self.client_secret.clone().ok_or_else(|| {
                Error::config(format!("OIDC `client_secret` is required for {method}"))
            })
        };
        match method {
            "client_secret_basic" => Ok(ClientAuth::basic(secret()?)),
            "client_secret_post" => Ok(ClientAuth::ClientSecretPost(secret()?)),
            "private_key_jwt" => {
                let pem = key.ok_or_else(|| {
                    Error::config("OIDC `private_key_pem` or `private_key_file` is required for private_key_jwt")
                })?;
                let algorithm =
                    parse_algorithm(self.private_key_algorithm.as_deref().unwrap_or("RS256"))?;
                Ok(ClientAuth::PrivateKeyJwt(PrivateKeyJwt::from_pem(
                    &pem,
                    algorithm,
                    self.private_key_id.clone(),
                )?))
            }
            "none" => Ok(ClientAuth::None),
            _ => Err(Error::config(
                "OIDC `token_endpoint_auth_method` must be client_secret_basic, \
                 client_secret_post, private_key_jwt or none",
            )),
        }
    }

    /// The required `typ` of JWT access tokens, `None` when the check is off.
    pub fn required_access_token_type(&self) -> Option<&str> {
        let typ = self.access_token_type.trim();
        (!typ.is_empty() && !typ.eq_ignore_ascii_case("none")).then_some(typ)
    }

    /// The JWKS fetching behaviour: the cooldown above, a one-hour background refresh, the
    /// call timeout.
    pub fn jwks_options(&self) -> JwksOptions {
        JwksOptions {
            max_age: Duration::from_secs(3_600),
            cooldown: Duration::from_secs(self.jwks_cooldown_seconds),
            timeout: Duration::from_secs(self.timeout_seconds),
        }
    }

    /// The verified-token cache, `None` when `cache_ttl_seconds` is 0.
    pub fn cache(&self) -> Option<CacheConfig> {
        (self.cache_ttl_seconds > 0 && self.cache_capacity > 0).then(|| CacheConfig {
            ttl: Duration::from_secs(self.cache_ttl_seconds),
            capacity: self.cache_capacity,
            ..CacheConfig::default()
        })
    }
}
