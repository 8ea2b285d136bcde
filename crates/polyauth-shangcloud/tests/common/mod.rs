//! Shared setup of the ShangCloud tests: the emulator, a configured client, and a user agent
//! that follows the authorization URL without following the final redirect.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use polyauth_core::http::{HttpConfig, RetryPolicy};
use polyauth_core::{AuthorizationCallback, AuthorizationStart, ClientSecret, StateStore};
use polyauth_shangcloud::{
    ShangCloudClient, ShangCloudConfig, UnboundAuthorizationStart, UserSession,
};
use polyauth_testkit::shangcloud::{CLIENT_ID, CLIENT_SECRET, ShangCloudEmulator};

pub const REDIRECT_URI: &str = "https://app.example/oauth/callback";

pub fn config(emu: &ShangCloudEmulator) -> ShangCloudConfig {
    ShangCloudConfig::new(
        CLIENT_ID,
        ClientSecret::new(CLIENT_SECRET),
        url::Url::parse(REDIRECT_URI).unwrap(),
    )
    .with_base_url(url::Url::parse(&emu.base_url()).unwrap())
    .with_http(HttpConfig {
        timeout: Duration::from_secs(2),
        retry: RetryPolicy::none(),
        ..HttpConfig::default()
    })
}

pub fn client(emu: &ShangCloudEmulator) -> ShangCloudClient {
    ShangCloudClient::new(config(emu)).unwrap()
}

pub fn client_with_store(emu: &ShangCloudEmulator, store: Arc<dyn StateStore>) -> ShangCloudClient {
    ShangCloudClient::with_state_store(config(emu), store).unwrap()
}

/// A user agent that does not follow redirects.
pub fn agent() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A started login, bound (the core type) or not (the client's SDK-style start).
pub trait Started {
    /// The authorization URL.
    fn authorization_url(&self) -> &url::Url;
}

impl Started for AuthorizationStart {
    fn authorization_url(&self) -> &url::Url {
        &self.url
    }
}

impl Started for UnboundAuthorizationStart {
    fn authorization_url(&self) -> &url::Url {
        &self.url
    }
}

/// Follows the start's URL as `nickname` consenting and returns the callback's code and state
/// (the query only: no binding, as a browser's redirect carries none).
pub async fn consent(start: &impl Started, nickname: &str) -> AuthorizationCallback {
    let mut url = start.authorization_url().clone();
    url.query_pairs_mut().append_pair("login_as", nickname);
    let resp = agent().get(url).send().await.unwrap();
    assert_eq!(resp.status(), 303, "authorize must redirect");
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT_URI), "{location}");
    let location = url::Url::parse(&location).unwrap();
    let get = |k: &str| {
        location
            .query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    AuthorizationCallback::new(get("code"), get("state"))
}

pub fn redis_url() -> String {
    std::env::var("POLYAUTH_TEST_REDIS_URL").unwrap_or_else(|_| {
        panic!(
            "POLYAUTH_TEST_REDIS_URL is not set: this test needs a real redis-server. Run it \
             through ./scripts/test.sh (it starts a throwaway one), or start redis-server and \
             export POLYAUTH_TEST_REDIS_URL=redis://127.0.0.1:PORT/"
        )
    })
}

/// An emulator with the users `alice` and `bob`, and a client for it.
pub async fn setup() -> (ShangCloudEmulator, ShangCloudClient) {
    let emu = ShangCloudEmulator::start().await;
    emu.add_user("alice", "alice@example.com");
    emu.add_user("bob", "bob@example.com");
    let c = client(&emu);
    (emu, c)
}

/// Logs `nickname` in through the whole authorization-code flow.
pub async fn login(c: &ShangCloudClient, nickname: &str) -> UserSession {
    let start = c.authorization_url().await.unwrap();
    let cb = consent(&start, nickname).await;
    c.exchange_code(cb.code.expose_secret(), &cb.state)
        .await
        .unwrap()
}
