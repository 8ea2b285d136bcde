#![allow(clippy::unwrap_used, clippy::expect_used)]
//! ShangCloudProvider through the IdentityProvider trait: the shared conformance suite and
//! the verification cache.

mod common;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use common::{config, consent};
use polyauth_core::{
    AccessToken, AuthorizationCallback, AuthorizationStart, ErrorKind, IdentityProvider,
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
    for trial in [
        "verify_rejects_garbage",
        "verify_valid",
        "user_info",
        "concurrent_user_info",
        "expired_token",
        "login_unsupported",
        "authorization_code",
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
    let e = provider
        .refresh(&polyauth_core::RefreshToken::new("r"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Unsupported);
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
        assert_eq!(e.kind(), &ErrorKind::InvalidToken);
    }
    let e = p
        .verify(&AccessToken::new("x".repeat(10_000)))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::InvalidToken);
    assert_eq!(emu.calls("/api/user/info"), 1);

    // An outage is Unavailable, never a bad token.
    let (at2, _) = emu.issue_tokens(u.uid, "user:basic", Duration::from_secs(3600));
    emu.server()
        .inject(polyauth_testkit::server::Fault::status(503).on_path("/api/user/info"));
    let e = p.verify(&AccessToken::new(at2)).await.unwrap_err();
    assert_eq!(e.kind(), &ErrorKind::Unavailable);
}
