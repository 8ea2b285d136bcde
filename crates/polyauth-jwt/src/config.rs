//! Configuration of the JWT provider.

use std::path::PathBuf;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use polyauth_core::env::Env;
use polyauth_core::{CacheConfig, Error, Result, Secret};
use serde::{Deserialize, Deserializer};

/// Which claim carries which profile field. Names may be dotted paths into nested objects
/// (`realm_access.roles`). Role and permission claims may be arrays of strings or one
/// space- or comma-separated string.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClaimNames {
    /// User id. Default `sub` (a token without it is rejected).
    pub subject: String,
    /// Username. Default `preferred_username`; falls back to the subject.
    pub username: String,
    /// Display name. Default `name`.
    pub name: String,
    /// E-mail. Default `email`.
    pub email: String,
    /// Phone. Default `phone_number`.
    pub phone: String,
    /// Avatar URL. Default `picture`.
    pub picture: String,
    /// Roles. Default `roles`.
    pub roles: String,
    /// Permissions. Default `permissions`; when absent, the space-separated `scope` claim is
    /// used instead.
    pub permissions: String,
    /// OAuth 2.0 scope (space-separated). Default `scope`.
    pub scope: String,
    /// Groups. Default `groups`.
    pub groups: String,
    /// Boolean administrator flag. Default `is_admin`.
    pub is_admin: String,
}

impl ClaimNames {
    /// The fields' environment-variable suffixes, in field order: `{prefix}SUBJECT_CLAIM`,
    /// `{prefix}USERNAME_CLAIM`, … (the same names as the TOML `[claims]` keys, upper-cased).
    pub const ENV_SUFFIXES: [&'static str; 11] = [
        "SUBJECT_CLAIM",
        "USERNAME_CLAIM",
        "NAME_CLAIM",
        "EMAIL_CLAIM",
        "PHONE_CLAIM",
        "PICTURE_CLAIM",
        "ROLES_CLAIM",
        "PERMISSIONS_CLAIM",
        "SCOPE_CLAIM",
        "GROUPS_CLAIM",
        "IS_ADMIN_CLAIM",
    ];

    /// The claim names from `{prefix}{FIELD}_CLAIM` variables (`POLYAUTH_JWT_ROLES_CLAIM =
    /// realm_access.roles`), the defaults for those not set: the one reading of claim names
    /// for every provider that maps claims.
    pub fn from_env(env: &Env, prefix: &str) -> ClaimNames {
        let mut names = ClaimNames::default();
        let fields = [
            &mut names.subject,
            &mut names.username,
            &mut names.name,
            &mut names.email,
            &mut names.phone,
            &mut names.picture,
            &mut names.roles,
            &mut names.permissions,
            &mut names.scope,
            &mut names.groups,
            &mut names.is_admin,
        ];
        for (field, suffix) in fields.into_iter().zip(ClaimNames::ENV_SUFFIXES) {
            if let Some(value) = env.get(&format!("{prefix}{suffix}")) {
                *field = value;
            }
        }
        names
    }
}

impl Default for ClaimNames {
    fn default() -> Self {
        ClaimNames {
            subject: "sub".into(),
            username: "preferred_username".into(),
            name: "name".into(),
            email: "email".into(),
            phone: "phone_number".into(),
            picture: "picture".into(),
            roles: "roles".into(),
            permissions: "permissions".into(),
            scope: "scope".into(),
            groups: "groups".into(),
            is_admin: "is_admin".into(),
        }
    }
}

/// Every environment variable [`JwtConfig::from_env`] reads (the `polyauth` facade refuses
/// other `POLYAUTH_` variables, so that a typo cannot turn a check off).
pub const ENV_KEYS: &[&str] = &[
    "POLYAUTH_JWT_SECRET",
    "POLYAUTH_JWT_PUBLIC_KEY_PEM",
    "POLYAUTH_JWT_PUBLIC_KEY_FILE",
    "POLYAUTH_JWT_JWKS_URL",
    "POLYAUTH_JWT_ALGORITHMS",
    "POLYAUTH_JWT_ISSUER",
    "POLYAUTH_JWT_AUDIENCE",
    "POLYAUTH_JWT_LEEWAY_SECONDS",
    "POLYAUTH_JWT_CACHE_TTL_SECONDS",
    "POLYAUTH_JWT_JWK",
    "POLYAUTH_JWT_KEY_ID",
    "POLYAUTH_JWT_REQUIRE_EXP",
    "POLYAUTH_JWT_CACHE_CAPACITY",
    "POLYAUTH_JWT_JWKS_MAX_AGE_SECONDS",
    "POLYAUTH_JWT_JWKS_COOLDOWN_SECONDS",
    "POLYAUTH_JWT_SUBJECT_CLAIM",
    "POLYAUTH_JWT_USERNAME_CLAIM",
    "POLYAUTH_JWT_NAME_CLAIM",
    "POLYAUTH_JWT_EMAIL_CLAIM",
    "POLYAUTH_JWT_PHONE_CLAIM",
    "POLYAUTH_JWT_PICTURE_CLAIM",
    "POLYAUTH_JWT_ROLES_CLAIM",
    "POLYAUTH_JWT_PERMISSIONS_CLAIM",
    "POLYAUTH_JWT_SCOPE_CLAIM",
    "POLYAUTH_JWT_GROUPS_CLAIM",
    "POLYAUTH_JWT_IS_ADMIN_CLAIM",
];

/// Where verification keys come from. Exactly one source is set.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum KeySource {
    /// A shared HMAC secret (HS256/384/512), used as raw bytes of its text.
    Secret(Secret),
    /// A public key in PEM (RSA, EC P-256/P-384 or Ed25519), with an optional key id.
    Pem {
        /// The PEM text.
        pem: String,
        /// The key id tokens name in their `kid` header, if they do.
        kid: Option<String>,
    },
    /// A JWK or a JWK Set, as JSON text.
    Jwk(String),
    /// A JWKS URL fetched over HTTP(S), cached, refetched on an unknown `kid`.
    JwksUrl(url::Url),
}

/// JWKS fetching behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JwksOptions {
    /// Keys older than this are refreshed in the background (the request is not held up).
    pub max_age: Duration,
    /// Minimum time between two fetches triggered by unknown `kid`s; a storm of random `kid`s
    /// makes at most one fetch per cooldown.
    pub cooldown: Duration,
    /// Timeout of one JWKS fetch.
    pub timeout: Duration,
}

impl Default for JwksOptions {
    /// 1 h max age, 10 s cooldown, 5 s timeout.
    fn default() -> Self {
        JwksOptions {
            max_age: Duration::from_secs(3600),
            cooldown: Duration::from_secs(10),
            timeout: Duration::from_secs(5),
        }
    }
}

/// Everything the JWT provider needs. Build it in code with [`JwtConfig::hs256`],
/// [`JwtConfig::public_key_pem`] or [`JwtConfig::jwks_url`] and the `with_*` methods, or load it
/// from TOML / JSON (see [`JwtConfigFile`]) or from the environment ([`JwtConfig::from_env`]).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(try_from = "JwtConfigFile")]
#[non_exhaustive]
pub struct JwtConfig {
    /// The key source.
    pub keys: KeySource,
    /// Accepted signature algorithms. Empty: derived from the key (HS256 for a secret, the key
    /// type's usual algorithm for a PEM, RS256 for a JWKS). `none` is never accepted.
    pub algorithms: Vec<Algorithm>,
    /// Accepted issuers (`iss`); empty accepts any, non-empty also requires the claim.
    pub issuers: Vec<String>,
    /// Accepted audiences (`aud`). Non-empty: the claim is required and must name one of
    /// them. Empty: only tokens *without* an `aud` claim pass (RFC 7519 §4.1.3: a token meant
    /// for a named audience must not be accepted by a service that does not know its name).
    pub audiences: Vec<String>,
    /// Clock-skew allowance for `exp` and `nbf`, in seconds.
    pub leeway_seconds: u64,
    /// Whether tokens must carry `exp` (default true).
    pub require_exp: bool,
    /// Claim names.
    pub claims: ClaimNames,
    /// Cache of verified tokens (keyed by SHA-256, TTL capped by `exp`); `None` disables it.
    pub cache: Option<CacheConfig>,
    /// JWKS fetching behaviour (for [`KeySource::JwksUrl`]).
    pub jwks: JwksOptions,
}

impl JwtConfig {
    fn with_keys(keys: KeySource) -> Self {
        JwtConfig {
            keys,
            algorithms: Vec::new(),
            issuers: Vec::new(),
            audiences: Vec::new(),
            leeway_seconds: 30,
            require_exp: true,
            claims: ClaimNames::default(),
            cache: Some(CacheConfig {
                ttl: Duration::from_secs(300),
                ..CacheConfig::default()
            }),
            jwks: JwksOptions::default(),
        }
    }

    /// HMAC-signed tokens with a shared secret (HS256 unless [`with_algorithms`] says else).
    ///
    /// [`with_algorithms`]: JwtConfig::with_algorithms
    pub fn hs256(secret: Secret) -> Self {
        JwtConfig::with_keys(KeySource::Secret(secret))
    }

    /// Tokens signed by the private half of a PEM public key (RSA, EC or Ed25519).
    pub fn public_key_pem(pem: impl Into<String>) -> Self {
        JwtConfig::with_keys(KeySource::Pem {
            pem: pem.into(),
            kid: None,
        })
    }

    /// Tokens signed by keys published at a JWKS URL.
    pub fn jwks_url(url: url::Url) -> Self {
        JwtConfig::with_keys(KeySource::JwksUrl(url))
    }

    /// Tokens signed by the keys of a JWK or JWK Set given as JSON text.
    pub fn jwk_json(json: impl Into<String>) -> Self {
        JwtConfig::with_keys(KeySource::Jwk(json.into()))
    }

    /// Sets the accepted algorithms.
    pub fn with_algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// Adds an accepted issuer.
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuers.push(issuer.into());
        self
    }

    /// Adds an accepted audience.
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// Checks the numbers against their documented ranges: `leeway_seconds` 0–3,600, the
    /// cache (see [`CacheConfig::validate`]), `jwks_max_age_seconds` 1–604,800 (a week),
    /// `jwks_cooldown_seconds` 0–3,600 and the JWKS timeout 1–300 seconds.
    ///
    /// Errors: `ConfigInvalid` naming the key and its range.
    pub fn validate(&self) -> Result<()> {
        use polyauth_core::env::{check_duration, check_range, check_seconds};
        check_range("leeway_seconds", self.leeway_seconds, 0..=3_600, "seconds")?;
        if let Some(cache) = &self.cache {
            cache.validate("cache")?;
        }
        check_seconds("jwks_max_age_seconds", self.jwks.max_age, 1..=604_800)?;
        check_seconds("jwks_cooldown_seconds", self.jwks.cooldown, 0..=3_600)?;
        check_duration("jwks timeout", self.jwks.timeout, Duration::from_secs(300))
    }

    /// Sets the leeway in seconds.
    pub fn with_leeway_seconds(mut self, seconds: u64) -> Self {
        self.leeway_seconds = seconds;
        self
    }

    /// Sets the claim names.
    pub fn with_claims(mut self, claims: ClaimNames) -> Self {
        self.claims = claims;
        self
    }

    /// Sets (or with `None` disables) the verified-token cache.
    pub fn with_cache(mut self, cache: Option<CacheConfig>) -> Self {
        self.cache = cache;
        self
    }

    /// Sets the JWKS options.
    pub fn with_jwks_options(mut self, jwks: JwksOptions) -> Self {
        self.jwks = jwks;
        self
    }

    /// Reads the configuration from environment variables:
    ///
    /// | variable | meaning |
    /// |---|---|
    /// | `POLYAUTH_JWT_SECRET` | HMAC secret (one key source is required) |
    /// | `POLYAUTH_JWT_PUBLIC_KEY_PEM` | public key PEM text |
    /// | `POLYAUTH_JWT_PUBLIC_KEY_FILE` | path of a public key PEM file |
    /// | `POLYAUTH_JWT_JWKS_URL` | JWKS URL |
    /// | `POLYAUTH_JWT_ALGORITHMS` | comma list, e.g. `RS256,ES256` |
    /// | `POLYAUTH_JWT_ISSUER` | comma list of accepted issuers |
    /// | `POLYAUTH_JWT_AUDIENCE` | comma list of accepted audiences |
    /// | `POLYAUTH_JWT_LEEWAY_SECONDS` | clock skew allowance (default 30) |
    /// | `POLYAUTH_JWT_CACHE_TTL_SECONDS` | verified-token cache TTL (default 300, 0 disables) |
    /// | `POLYAUTH_JWT_JWK` | a JWK or JWK Set (JSON) |
    /// | `POLYAUTH_JWT_KEY_ID` | the `kid` of a PEM key |
    /// | `POLYAUTH_JWT_REQUIRE_EXP` | whether tokens must carry `exp` (default true) |
    /// | `POLYAUTH_JWT_CACHE_CAPACITY` | cached tokens (default 10,000) |
    /// | `POLYAUTH_JWT_JWKS_MAX_AGE_SECONDS`, `_JWKS_COOLDOWN_SECONDS` | JWKS refresh |
    /// | `POLYAUTH_JWT_<FIELD>_CLAIM` | claim names, see [`ClaimNames::from_env`] |
    ///
    /// Every TOML key of [`JwtConfigFile`] has its variable.
    ///
    /// Errors: `ConfigInvalid` naming the variable for a missing key source, two key sources,
    /// an unknown algorithm, an unparsable number or URL, an unreadable key file.
    pub fn from_env(env: &Env) -> Result<Self> {
        let file = JwtConfigFile {
            secret: env.secret("POLYAUTH_JWT_SECRET"),
            public_key_pem: env.get("POLYAUTH_JWT_PUBLIC_KEY_PEM"),
            public_key_file: env.get("POLYAUTH_JWT_PUBLIC_KEY_FILE").map(PathBuf::from),
            jwks_url: env.parse("POLYAUTH_JWT_JWKS_URL")?,
            algorithms: env
                .list("POLYAUTH_JWT_ALGORITHMS")
                .iter()
                .map(|a| parse_algorithm(a))
                .collect::<Result<_>>()?,
            issuer: env.list("POLYAUTH_JWT_ISSUER"),
            audience: env.list("POLYAUTH_JWT_AUDIENCE"),
            leeway_seconds: env.parse("POLYAUTH_JWT_LEEWAY_SECONDS")?,
            cache_ttl_seconds: env.parse("POLYAUTH_JWT_CACHE_TTL_SECONDS")?,
            key_id: env.get("POLYAUTH_JWT_KEY_ID"),
            jwk: env.get("POLYAUTH_JWT_JWK"),
            require_exp: env.bool("POLYAUTH_JWT_REQUIRE_EXP")?,
            cache_capacity: env.parse("POLYAUTH_JWT_CACHE_CAPACITY")?,
            jwks_max_age_seconds: env.parse("POLYAUTH_JWT_JWKS_MAX_AGE_SECONDS")?,
            jwks_cooldown_seconds: env.parse("POLYAUTH_JWT_JWKS_COOLDOWN_SECONDS")?,
            // Every field is named (no `..default()`): a TOML key without its variable does
            // not compile.
            claims: ClaimNames::from_env(env, "POLYAUTH_JWT_"),
        };
        file.into_config()
    }
}

/// Parses an algorithm name (`HS256`, `RS256`, `PS256`, `ES256`, `EdDSA`, ...).
/// Errors: `ConfigInvalid` for anything else, `none` included.
pub fn parse_algorithm(name: &str) -> Result<Algorithm> {
    name.trim()
        .parse::<Algorithm>()
        .map_err(|_| Error::config(format!("unknown or unsupported JWT algorithm `{name}`")))
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

fn algorithms<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<Algorithm>, D::Error> {
    one_or_many(d)?
        .iter()
        .map(|a| parse_algorithm(a).map_err(serde::de::Error::custom))
        .collect()
}

/// The file / serde form of [`JwtConfig`] (TOML, JSON, the facade's `provider = "jwt"`
/// section). Unknown keys are errors.
///
/// ```toml
/// provider = "jwt"              # in the facade's ProviderConfig
/// jwks_url = "https://idp.example.com/.well-known/jwks.json"
/// algorithms = ["RS256"]
/// issuer = "https://idp.example.com/"
/// audience = "my-api"
/// leeway_seconds = 30
/// cache_ttl_seconds = 300
/// [claims]
/// roles = "realm_access.roles"
/// ```
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtConfigFile {
    /// HMAC secret.
    pub secret: Option<Secret>,
    /// Public key PEM text.
    pub public_key_pem: Option<String>,
    /// Path of a public key PEM file.
    pub public_key_file: Option<PathBuf>,
    /// Key id of the PEM key.
    pub key_id: Option<String>,
    /// A JWK or JWK Set as JSON text.
    pub jwk: Option<String>,
    /// JWKS URL.
    pub jwks_url: Option<url::Url>,
    /// Accepted algorithms (a name or a list).
    #[serde(deserialize_with = "algorithms")]
    pub algorithms: Vec<Algorithm>,
    /// Accepted issuers (a string or a list).
    #[serde(deserialize_with = "one_or_many")]
    pub issuer: Vec<String>,
    /// Accepted audiences (a string or a list).
    #[serde(deserialize_with = "one_or_many")]
    pub audience: Vec<String>,
    /// Leeway in seconds (default 30).
    pub leeway_seconds: Option<u64>,
    /// Whether `exp` is required (default true).
    pub require_exp: Option<bool>,
    /// Verified-token cache TTL in seconds (default 300; 0 disables the cache).
    pub cache_ttl_seconds: Option<u64>,
    /// Verified-token cache capacity (default 10,000).
    pub cache_capacity: Option<u64>,
    /// JWKS max age in seconds (default 3600).
    pub jwks_max_age_seconds: Option<u64>,
    /// JWKS refetch cooldown in seconds (default 10).
    pub jwks_cooldown_seconds: Option<u64>,
    /// Claim names.
    pub claims: ClaimNames,
}

impl TryFrom<JwtConfigFile> for JwtConfig {
    type Error = polyauth_core::Error;

    /// [`JwtConfigFile::into_config`]: a JwtConfig deserializes through its file form, so the
    /// checks of the file form apply to every serde source.
    fn try_from(file: JwtConfigFile) -> std::result::Result<Self, Self::Error> {
        file.into_config()
    }
}

impl JwtConfigFile {
    /// Validates and converts into a [`JwtConfig`].
    ///
    /// Errors: `ConfigInvalid` when no key source or more than one is set, or a key file cannot
    /// be read.
    pub fn into_config(self) -> Result<JwtConfig> {
        let mut sources = Vec::new();
        if let Some(s) = self.secret {
            sources.push(KeySource::Secret(s));
        }
        if let Some(pem) = self.public_key_pem {
            sources.push(KeySource::Pem {
                pem,
                kid: self.key_id.clone(),
            });
        }
        if let Some(path) = self.public_key_file {
            let pem = std::fs::read_to_string(&path).map_err(|e| {
                Error::config(format!("cannot read public key file {}", path.display()))
                    .with_source(e)
            })?;
            sources.push(KeySource::Pem {
                pem,
                kid: self.key_id.clone(),
            });
        }
        if let Some(jwk) = self.jwk {
            sources.push(KeySource::Jwk(jwk));
        }
        if let Some(url) = self.jwks_url {
            sources.push(KeySource::JwksUrl(url));
        }
        let keys = match sources.len() {
            1 => sources.remove(0),
            0 => {
                return Err(Error::config(
                    "the JWT provider needs a key: set one of secret, public_key_pem, \
                     public_key_file, jwk or jwks_url",
                ));
            }
            _ => {
                return Err(Error::config(
                    "the JWT provider takes exactly one key source; several were set",
                ));
            }
        };
        let mut config = JwtConfig::with_keys(keys);
        config.algorithms = self.algorithms;
        config.issuers = self.issuer;
        config.audiences = self.audience;
        if let Some(l) = self.leeway_seconds {
            config.leeway_seconds = l;
        }
        if let Some(r) = self.require_exp {
            config.require_exp = r;
        }
        config.claims = self.claims;
        match self.cache_ttl_seconds {
            Some(0) => config.cache = None,
            Some(ttl) => {
                if let Some(c) = config.cache.as_mut() {
                    c.ttl = Duration::from_secs(ttl);
                }
            }
            None => {}
        }
        if let (Some(cap), Some(c)) = (self.cache_capacity, config.cache.as_mut()) {
            c.capacity = cap;
        }
        if let Some(s) = self.jwks_max_age_seconds {
            config.jwks.max_age = Duration::from_secs(s);
        }
        if let Some(s) = self.jwks_cooldown_seconds {
            config.jwks.cooldown = Duration::from_secs(s);
        }
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polyauth_core::ErrorKind;

    #[test]
    fn every_toml_key_has_its_variable() {
        let env = Env::from_pairs([
            (
                "POLYAUTH_JWT_JWK",
                r#"{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQ","alg":"HS256"}"#,
            ),
            ("POLYAUTH_JWT_REQUIRE_EXP", "false"),
            ("POLYAUTH_JWT_CACHE_CAPACITY", "7"),
            ("POLYAUTH_JWT_JWKS_MAX_AGE_SECONDS", "120"),
            ("POLYAUTH_JWT_JWKS_COOLDOWN_SECONDS", "3"),
            ("POLYAUTH_JWT_GROUPS_CLAIM", "org.teams"),
            ("POLYAUTH_JWT_IS_ADMIN_CLAIM", "admin"),
        ]);
        let c = JwtConfig::from_env(&env).unwrap();
        assert!(matches!(c.keys, KeySource::Jwk(_)));
        assert!(!c.require_exp);
        assert_eq!(c.cache.map(|c| c.capacity), Some(7));
        assert_eq!(c.jwks.max_age, Duration::from_secs(120));
        assert_eq!(c.jwks.cooldown, Duration::from_secs(3));
        assert_eq!(c.claims.groups, "org.teams");
        assert_eq!(c.claims.is_admin, "admin");
        assert_eq!(c.claims.roles, ClaimNames::default().roles);
    }

    #[test]
    fn numbers_outside_their_ranges_are_config_errors_naming_the_key() {
        for (key, value) in [
            ("POLYAUTH_JWT_LEEWAY_SECONDS", i64::MAX.to_string()),
            ("POLYAUTH_JWT_CACHE_TTL_SECONDS", u64::MAX.to_string()),
        ] {
            let env = Env::from_pairs([
                ("POLYAUTH_JWT_SECRET", "s3cret-s3cret-s3cret-s3cret-s3cret"),
                (key, value.as_str()),
            ]);
            let e = JwtConfig::from_env(&env).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::ConfigInvalid, "{key}: {e}");
            assert!(e.message().contains("between"), "{key}: {e}");
        }
        let e = JwtConfigFile {
            secret: Some(Secret::new("s")),
            jwks_cooldown_seconds: Some(u64::MAX),
            ..JwtConfigFile::default()
        }
        .into_config()
        .unwrap_err();
        assert!(e.message().contains("jwks_cooldown_seconds"), "{e}");
    }

    #[test]
    fn env_needs_exactly_one_key_source() {
        let e = JwtConfig::from_env(&Env::from_pairs([("X", "y")])).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
        let e = JwtConfig::from_env(&Env::from_pairs([
            ("POLYAUTH_JWT_SECRET", "s"),
            ("POLYAUTH_JWT_JWKS_URL", "http://127.0.0.1/jwks"),
        ]))
        .unwrap_err();
        assert!(e.message().contains("exactly one"));
        let c = JwtConfig::from_env(&Env::from_pairs([
            ("POLYAUTH_JWT_SECRET", "s"),
            ("POLYAUTH_JWT_ALGORITHMS", "HS256, HS512"),
            ("POLYAUTH_JWT_AUDIENCE", "api"),
            ("POLYAUTH_JWT_CACHE_TTL_SECONDS", "0"),
        ]))
        .unwrap();
        assert_eq!(c.algorithms, vec![Algorithm::HS256, Algorithm::HS512]);
        assert_eq!(c.audiences, vec!["api"]);
        assert!(c.cache.is_none());
    }

    #[test]
    fn none_is_not_an_algorithm() {
        assert!(parse_algorithm("none").is_err());
        assert!(parse_algorithm("RS256").is_ok());
    }

    #[test]
    fn file_form_rejects_unknown_keys() {
        let bad: std::result::Result<JwtConfigFile, _> =
            serde_json::from_str(r#"{"secret": "s", "audiance": "x"}"#);
        assert!(bad.unwrap_err().to_string().contains("audiance"));
        let ok: JwtConfigFile =
            serde_json::from_str(r#"{"secret": "s", "audience": "x", "algorithms": "HS384"}"#)
                .unwrap();
        let c = ok.into_config().unwrap();
        assert_eq!(c.algorithms, vec![Algorithm::HS384]);
    }
}
