#![allow(clippy::unwrap_used, clippy::expect_used)]
//! ShangCloudProvider through the IdentityProvider trait: the shared conformance suite and
//! the verification cache.

mod common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::{config, consent};
use polyauth_core::{
    AccessToken, AuthorizationCallback, AuthorizationRequest, AuthorizationStart, ErrorKind,
    IdentityProvider, MemoryStateStore, StateStore,
};
use polyauth_shangcloud::ShangCloudProvider;
use polyauth_testkit::shangcloud::ShangCloudEmulator;
use polyauth_testkit::{ConformanceHarness, TestUser, provider_conformance};

struct Harness {
    emu: ShangCloudEmulator,
    provider: Arc<dyn IdentityProvider>,
}

#[async_trait]
impl ConformanceHarness for Harness {
    fn provider(&self) -> Arc<dyn IdentityProvider> {
        self.provider.clone()
    }
    async fn token_for(&self, user: &TestUser) -> AccessToken {
        let u = self.emu.add_user(&user.username, "u@example.com");
        let (at, _) = self
            .emu
            .issue_tokens(u.uid, "user:basic", Duration::from_secs(3600));
        AccessToken::new(at)
    }
    async fn expired_token(&self, user: &TestUser) -> Option<AccessToken> {
        let u = self.emu.add_user(&user.username, "u@example.com");
        let (at, _) = self.emu.issue_tokens(u.uid, "user:basic", Duration::ZERO);
        Some(AccessToken::new(at))
    }
    async fn authorize(
        &self,
        start: &AuthorizationStart,
        user: &TestUser,
    ) -> Option<AuthorizationCallback> {
        self.emu.add_user(&user.username, "u@example.com");
        Some(consent(start, &user.username).await)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance() {
    let emu = ShangCloudEmulator::start().await;
    let provider = Arc::new(ShangCloudProvider::new(config(&emu).with_pkce(true)).unwrap());
    let caps = provider.capabilities();
    assert!(caps.authorization_code && caps.refresh && caps.pkce);
    assert!(!caps.roles && !caps.permissions && !caps.password_login && !caps.logout);
    let h = Harness { emu, provider };
    let report = provider_conformance(&h).await;
    assert_eq!(
        h.emu.calls("/oauth/token"),
        2,
        "the code exchange and the refresh; no token call for a refused binding"
    );
    for trial in [
        "verify_rejects_garbage",
        "verify_valid",
        "user_info",
        "concurrent_user_info",
        "expired_token",
        "login_unsupported",
        "authorization_code",
        "authorization_binding",
        "refresh",
        "logout_unsupported",
        "directory_unsupported",
    ] {
        assert!(report.contains(trial), "{trial} did not run: {report:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_with_refresh_turned_off() {
    let emu = ShangCloudEmulator::start().await;
    let provider = Arc::new(ShangCloudProvider::new(config(&emu).with_refresh(false)).unwrap());
    assert!(!provider.capabilities().refresh);
    let h = Harness {
        emu,
        provider: provider.clone(),
    };
    let report = provider_conformance(&h).await;
    assert!(report.contains("refresh_unsupported"), "{report:?}");
    assert!(report.contains("authorization_binding"), "{report:?}");
    let e = provider
        .refresh(&polyauth_core::RefreshToken::new("r"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(
        h.emu.calls("/oauth/token"),
        1,
        "only the authorization_code trial"
    );
}

#[tokio::test]
async fn verify_is_cached_and_single_flight() {
    let emu = ShangCloudEmulator::start().await;
    let u = emu.add_user("carol", "carol@example.com");
    let p = Arc::new(ShangCloudProvider::new(config(&emu)).unwrap());
    let (at, _) = emu.issue_tokens(u.uid, "user:basic", Duration::from_secs(3600));
    let token = AccessToken::new(at);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (p, t) = (p.clone(), token.clone());
        tasks.push(tokio::spawn(async move { p.verify(&t).await }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().subject, u.uid.to_string());
    }
    let me = p.user_info(&token).await.unwrap();
    assert_eq!(me.provider, "shangcloud");
    assert_eq!(me.email.as_deref(), Some("carol@example.com"));
    assert_eq!(me.nickname.as_deref(), Some("carol"));
    assert!(me.roles.is_empty() && me.permissions.is_empty());
    assert_eq!(emu.calls("/api/user/info"), 1, "one upstream call");

    // Oversized or header-unsafe tokens are refused locally.
    for bad in ["", "a\nb"] {
        let e = p.verify(&AccessToken::new(bad)).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidToken);
    }
    let e = p
        .verify(&AccessToken::new("x".repeat(10_000)))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken);
    assert_eq!(emu.calls("/api/user/info"), 1);

    // An outage is Unavailable, never a bad token.
    let (at2, _) = emu.issue_tokens(u.uid, "user:basic", Duration::from_secs(3600));
    emu.server()
        .inject(polyauth_testkit::server::Fault::status(503).on_path("/api/user/info"));
    let e = p.verify(&AccessToken::new(at2)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

#[tokio::test]
async fn trait_logins_are_bound_to_the_user_agent() {
    let emu = ShangCloudEmulator::start().await;
    emu.add_user("alice", "a@example.com");
    emu.add_user("mallory", "m@example.com");
    let store = Arc::new(MemoryStateStore::default());
    let client = common::client_with_store(&emu, store.clone());
    let provider = ShangCloudProvider::from_client(client.clone());

    // Only the binding's digest is stored with the state.
    let start = provider
        .start_authorization(AuthorizationRequest::default())
        .await
        .unwrap();
    assert_eq!(start.binding.len(), 43);
    let record = store.take(&start.state).await.unwrap().unwrap();
    assert!(!record.contains(start.binding.expose_secret()), "{record}");
    assert!(record.contains("binding_sha256"), "{record}");

    // Mallory's callback opened in Alice's browser (which holds Alice's own binding, or none):
    // refused before any token request.
    let alices = provider
        .start_authorization(AuthorizationRequest::default())
        .await
        .unwrap();
    for alices_cookie in [None, Some(alices.binding.clone())] {
        let mallorys = provider
            .start_authorization(AuthorizationRequest::default())
            .await
            .unwrap();
        let mut cb = consent(&mallorys, "mallory").await;
        cb.binding = alices_cookie;
        let e = provider.finish_authorization(cb).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidState, "{e:?}");
        assert!(e.message().contains("user agent"), "{e}");
        assert!(!format!("{e:?}").contains(mallorys.binding.expose_secret()));
    }
    assert_eq!(emu.calls("/oauth/token"), 0);

    // The same binding finishes, whether the login was started through the trait or with the
    // client's bound method.
    let cb = consent(&alices, "alice")
        .await
        .with_binding(alices.binding.clone());
    provider.finish_authorization(cb).await.unwrap();
    let bound = client
        .authorization_url_bound(AuthorizationRequest::default())
        .await
        .unwrap();
    let cb = consent(&bound, "alice").await;
    let via_client = cb.clone().with_binding(bound.binding.clone());
    provider.finish_authorization(via_client).await.unwrap();
    let started = provider
        .start_authorization(AuthorizationRequest::default())
        .await
        .unwrap();
    let cb = consent(&started, "alice").await;
    client
        .exchange_code_bound(
            cb.code.expose_secret(),
            &cb.state,
            started.binding.expose_secret(),
        )
        .await
        .unwrap();
    assert_eq!(emu.calls("/oauth/token"), 3);

    // A state started unbound with the client's SDK-style method cannot be finished through
    // the trait, whatever binding comes with it; nor a trait state with `exchange_code`.
    let unbound = client.authorization_url().await.unwrap();
    let cb = consent(&unbound, "alice")
        .await
        .with_binding(alices.binding.clone());
    let e = provider.finish_authorization(cb).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState);
    let started = provider
        .start_authorization(AuthorizationRequest::default())
        .await
        .unwrap();
    let cb = consent(&started, "alice").await;
    let e = client
        .exchange_code(cb.code.expose_secret(), &cb.state)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState);
    assert_eq!(emu.calls("/oauth/token"), 3);
}
