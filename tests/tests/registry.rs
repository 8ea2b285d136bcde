//! The facade's provider registry and shared state, end to end: an application's own provider
//! chosen by TOML and by environment exactly like a built-in one, and two Authing instances
//! configured with one `[state] redis_url` finishing each other's logins over a real Redis.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use polyauth::env::Env;
use polyauth::factory::{BuildContext, ProviderFactory};
use polyauth::{
    AccessToken, AuthorizationCallback, AuthorizationRequest, Capabilities, Error, ErrorKind,
    IdentityProvider, ProviderConfig, Registry, Result, UserProfile, VerifiedToken, async_trait,
};
use polyauth_testkit::authing::{AuthingEmulator, ENC_PUBLIC_PEM, SeedUser};

/// An application's provider: API keys listed in its configuration.
#[derive(Debug)]
struct ApiKeys {
    keys: Vec<(String, String)>,
}

#[async_trait]
impl IdentityProvider for ApiKeys {
    fn name(&self) -> &'static str {
        "api-keys"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            verify: true,
            user_info: true,
            ..Default::default()
        }
    }

    async fn verify(&self, token: &AccessToken) -> Result<VerifiedToken> {
        self.keys
            .iter()
            .find(|(key, _)| key == token.expose_secret())
            .map(|(_, user)| VerifiedToken::new(user.clone()))
            .ok_or_else(|| {
                Error::invalid_token("unknown API key").with_context("api-keys", "verify")
            })
    }

    async fn user_info(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
        let id = self.verify(token).await?.subject;
        Ok(Arc::new(UserProfile::new("api-keys", id)))
    }
}

#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ApiKeysConfig {
    /// `key:user` pairs.
    keys: Vec<String>,
}

#[derive(Debug)]
struct ApiKeysFactory;

#[async_trait]
impl ProviderFactory for ApiKeysFactory {
    type Config = ApiKeysConfig;

    fn name(&self) -> &'static str {
        "api-keys"
    }

    fn config_from_env(&self, env: &Env) -> Result<ApiKeysConfig> {
        let keys = env.required("API_KEYS")?;
        Ok(ApiKeysConfig {
            keys: keys.split(',').map(str::to_owned).collect(),
        })
    }

    fn validate(&self, config: &ApiKeysConfig) -> Result<()> {
        match config.keys.iter().all(|k| k.contains(':')) {
            true => Ok(()),
            false => Err(Error::config("every `keys` entry is `key:user`")),
        }
    }

    async fn build(
        &self,
        config: &ApiKeysConfig,
        _context: &BuildContext,
    ) -> Result<Arc<dyn IdentityProvider>> {
        let keys = config
            .keys
            .iter()
            .filter_map(|k| k.split_once(':'))
            .map(|(k, u)| (k.to_owned(), u.to_owned()))
            .collect();
        Ok(Arc::new(ApiKeys { keys }))
    }
}

#[tokio::test]
async fn an_application_provider_is_chosen_by_toml_and_by_environment() {
    // Before registration the name is unknown, and the error lists what is registered.
    let e = ProviderConfig::from_toml_str("provider = \"api-keys\"\nkeys = []").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
    assert!(e.message().contains("unknown provider `api-keys`"), "{e}");
    assert!(e.message().contains("jwt"), "{e}");

    polyauth::register_provider(ApiKeysFactory).unwrap();
    let again = polyauth::register_provider(ApiKeysFactory).unwrap_err();
    assert_eq!(again.kind(), ErrorKind::ConfigInvalid);
    assert!(Registry::global().names().contains(&"api-keys"));

    let from_toml =
        ProviderConfig::from_toml_str("provider = \"api-keys\"\nkeys = [\"k-1:robot\"]").unwrap();
    let from_env = ProviderConfig::from_env_with(&Env::from_pairs([
        ("POLYAUTH_PROVIDER", "API-KEYS"),
        ("API_KEYS", "k-1:robot,k-2:other"),
    ]))
    .unwrap();
    for config in [from_toml, from_env] {
        assert_eq!(config.provider_name(), "api-keys");
        assert!(config.settings::<ApiKeysConfig>().is_some());
        let provider = polyauth::build(&config).await.unwrap();
        assert_eq!(provider.name(), "api-keys");
        let me = provider.user_info(&AccessToken::new("k-1")).await.unwrap();
        assert_eq!(me.id, "robot");
        let e = provider
            .verify(&AccessToken::new("nope"))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidToken);
    }

    // Its own keys are checked: unknown keys by serde, the rest by `validate`.
    let e = ProviderConfig::from_toml_str("provider = \"api-keys\"\nkeyz = []").unwrap_err();
    assert!(e.message().contains("keyz"), "{e}");
    let e = ProviderConfig::from_toml_str("provider = \"api-keys\"\nkeys = [\"k\"]").unwrap_err();
    assert!(e.message().contains("key:user"), "{e}");
    // A built-in name cannot be taken over.
    #[derive(Debug)]
    struct Impostor;
    #[async_trait]
    impl ProviderFactory for Impostor {
        type Config = ApiKeysConfig;
        fn name(&self) -> &'static str {
            "jwt"
        }
        fn config_from_env(&self, _: &Env) -> Result<ApiKeysConfig> {
            Err(Error::config("unused"))
        }
        async fn build(
            &self,
            _: &ApiKeysConfig,
            _: &BuildContext,
        ) -> Result<Arc<dyn IdentityProvider>> {
            Err(Error::config("unused"))
        }
    }
    assert!(polyauth::register_provider(Impostor).is_err());
}

fn redis_url() -> String {
    std::env::var("POLYAUTH_TEST_REDIS_URL").unwrap_or_else(|_| {
        panic!(
            "POLYAUTH_TEST_REDIS_URL is not set: run the tests through ./scripts/test.sh, which \
             starts a throwaway redis-server"
        )
    })
}

/// Follows the emulator's /oidc/auth redirect as `username` would in a browser.
async fn authorize(url: &url::Url, username: &str) -> AuthorizationCallback {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut url = url.clone();
    url.query_pairs_mut().append_pair("login_hint", username);
    let resp = http.get(url).send().await.unwrap();
    let location = resp.headers()["location"].to_str().unwrap();
    let location = url::Url::parse(location).unwrap();
    let get = |k: &str| {
        location
            .query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    AuthorizationCallback::new(get("code"), get("state"))
}

#[tokio::test]
async fn two_authing_instances_share_login_state_through_one_state_section() {
    let emu = AuthingEmulator::start().await;
    let alice = emu.add_user(SeedUser {
        username: Some("alice".into()),
        password: Some("pw".into()),
        ..Default::default()
    });
    let o = emu.options();
    let prefix = format!("polyauth-test:registry:{}:", std::process::id());
    let toml = format!(
        r#"
        provider = "authing"
        app_id = "{app_id}"
        user_pool_id = "{pool}"
        host = "{base}"
        app_host = "{base}"
        app_secret = "{secret}"
        redirect_uri = "http://127.0.0.1:9/callback"
        enc_public_key = """{pem}"""
        timeout_seconds = 2

        [state]
        redis_url = "{redis}"
        key_prefix = "{prefix}"
        "#,
        app_id = o.app_id,
        pool = o.user_pool_id,
        base = emu.base_url(),
        secret = o.app_secret,
        pem = ENC_PUBLIC_PEM,
        redis = redis_url(),
    );
    let config = ProviderConfig::from_toml_str(&toml).unwrap();
    assert!(config.state().is_shared());
    let (a, b) = (
        polyauth::build(&config).await.unwrap(),
        polyauth::build(&config).await.unwrap(),
    );

    // Started on A, finished on B.
    let start = a
        .start_authorization(AuthorizationRequest::default())
        .await
        .unwrap();
    let callback = authorize(&start.url, "alice").await;
    let session = b
        .finish_authorization(callback.clone().with_binding(start.binding.clone()))
        .await
        .unwrap();
    assert_eq!(session.user.unwrap().id, alice);
    // Exactly once: the state is gone for both instances.
    let e = a
        .finish_authorization(callback.with_binding(start.binding.clone()))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState);

    // The same configuration without `[state]` keeps states per instance: B cannot finish.
    let local = toml[..toml.find("[state]").unwrap()].to_owned();
    let config = ProviderConfig::from_toml_str(&local).unwrap();
    assert!(!config.state().is_shared());
    let (a, b) = (
        polyauth::build(&config).await.unwrap(),
        polyauth::build(&config).await.unwrap(),
    );
    let start = a
        .start_authorization(AuthorizationRequest::default())
        .await
        .unwrap();
    let callback = authorize(&start.url, "alice").await;
    let e = b
        .finish_authorization(callback.with_binding(start.binding.clone()))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState);
}
