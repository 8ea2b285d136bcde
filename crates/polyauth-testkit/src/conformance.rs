//! The shared conformance suites: one for identity providers (trials chosen by capability), one
//! for state stores. Every backend's tests run them; a custom provider can too.
//!
//! The suites panic with a message naming the trial when the implementation misbehaves (they
//! are test helpers), and return a report of the trials they ran so a test can assert that the
//! expected trials were not skipped.

// The suites are test helpers: a violated expectation is reported by panicking with the
// trial's name, so `expect` is the point here.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use polyauth_core::{
    AccessToken, AuthorizationCallback, AuthorizationRequest, AuthorizationStart, Credentials,
    Error, ErrorKind, IdentityProvider, RefreshToken, StateStore,
};

/// A user the suite asks the backend (or its emulator) to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestUser {
    /// Login name.
    pub username: String,
    /// Roles the backend should report.
    pub roles: Vec<String>,
    /// Permissions the backend should report.
    pub permissions: Vec<String>,
    /// Password, for backends with password login.
    pub password: String,
}

impl TestUser {
    /// A user with roles and permissions and the password `Passw0rd!<username>`.
    pub fn new(username: &str, roles: &[&str], permissions: &[&str]) -> Self {
        TestUser {
            username: username.to_owned(),
            roles: roles.iter().map(|s| s.to_string()).collect(),
            permissions: permissions.iter().map(|s| s.to_string()).collect(),
            password: format!("Passw0rd!{username}"),
        }
    }
}

/// What the suite needs from a backend's test setup.
#[async_trait]
pub trait ConformanceHarness: Send + Sync {
    /// The provider under test.
    fn provider(&self) -> Arc<dyn IdentityProvider>;

    /// A valid access token for `user`, creating the user in the backend (or emulator) first
    /// if needed.
    async fn token_for(&self, user: &TestUser) -> AccessToken;

    /// A token for `user` that has expired, when the backend can make one.
    async fn expired_token(&self, user: &TestUser) -> Option<AccessToken> {
        let _ = user;
        None
    }

    /// Follows `start.url` as a consenting user agent logged in as `user` and returns the
    /// callback parameters (for backends with the authorization-code flow). The suite sets the
    /// callback's `binding` itself (from `start.binding`, or a wrong one on purpose).
    async fn authorize(
        &self,
        start: &AuthorizationStart,
        user: &TestUser,
    ) -> Option<AuthorizationCallback> {
        let _ = (start, user);
        None
    }
}

/// The trials a suite ran.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConformanceReport {
    /// Names of the trials that ran, in order.
    pub trials: Vec<&'static str>,
}

impl ConformanceReport {
    fn ran(&mut self, trial: &'static str) {
        self.trials.push(trial);
    }

    /// Whether a trial ran.
    pub fn contains(&self, trial: &str) -> bool {
        self.trials.contains(&trial)
    }
}

fn is_auth_failure(e: &Error) -> bool {
    e.kind().is_auth_failure()
}

fn assert_unsupported(result: Result<(), Error>, provider: &str, op: &str) {
    match result {
        Err(e) if e.kind() == ErrorKind::Unsupported => {
            let text = e.to_string();
            assert!(
                text.contains(provider) && text.contains(op),
                "Unsupported error for `{op}` must name provider `{provider}` and the operation: {text}"
            );
        }
        other => {
            panic!("`{op}` is not in the capabilities, so it must be Unsupported; got {other:?}")
        }
    }
}

/// Runs every trial the provider's capabilities call for.
///
/// Panics (naming the trial) on the first violation.
pub async fn provider_conformance(harness: &dyn ConformanceHarness) -> ConformanceReport {
    let provider = harness.provider();
    let caps = provider.capabilities();
    let name = provider.name();
    let mut report = ConformanceReport::default();
    let alice = TestUser::new(
        "conformance-alice",
        &["admin", "dev"],
        &["user:read", "order:*"],
    );
    let bob = TestUser::new("conformance-bob", &["viewer"], &["user:read"]);

    // Garbage is rejected as a bad token, never a panic, never an outage.
    if caps.verify {
        let long = "a".repeat(64 * 1024);
        for garbage in [
            "",
            "garbage",
            "a.b.c",
            "Bearer x",
            "eyJhbGciOiJub25lIn0.e30.",
            long.as_str(),
        ] {
            let e = provider
                .verify(&AccessToken::new(garbage))
                .await
                .expect_err("trial verify_rejects_garbage: garbage verified");
            assert!(
                is_auth_failure(&e),
                "trial verify_rejects_garbage: expected InvalidToken/Unauthenticated, got {e:?}"
            );
        }
        report.ran("verify_rejects_garbage");
    }

    let token = harness.token_for(&alice).await;
    if caps.verify {
        let v = provider
            .verify(&token)
            .await
            .unwrap_or_else(|e| panic!("trial verify_valid: {e:?}"));
        assert!(!v.subject.is_empty(), "trial verify_valid: empty subject");
        if let Some(left) = v.expires_in() {
            assert!(left > Duration::ZERO, "trial verify_valid: already expired");
        }
        report.ran("verify_valid");
    }

    if caps.user_info {
        let me = provider
            .user_info(&token)
            .await
            .unwrap_or_else(|e| panic!("trial user_info: {e:?}"));
        assert_eq!(
            me.username.as_deref(),
            Some(alice.username.as_str()),
            "trial user_info: username"
        );
        assert_eq!(me.provider, name, "trial user_info: provider name");
        assert!(!me.id.is_empty(), "trial user_info: empty id");
        report.ran("user_info");
        if caps.roles {
            for r in &alice.roles {
                assert!(me.has_role(r), "trial roles: missing role {r}");
            }
            let roles = provider
                .roles(&token)
                .await
                .unwrap_or_else(|e| panic!("trial roles: {e:?}"));
            assert_eq!(
                roles, me.roles,
                "trial roles: roles() differs from user_info().roles"
            );
            report.ran("roles");
        }
        if caps.permissions {
            let wanted: Vec<&str> = alice.permissions.iter().map(String::as_str).collect();
            assert!(
                me.has_all_permissions(&wanted),
                "trial permissions: {:?}",
                me.permissions
            );
            assert!(
                me.has_permission("order:refund"),
                "trial permissions: wildcard"
            );
            let perms = provider
                .permissions(&token)
                .await
                .unwrap_or_else(|e| panic!("trial permissions: {e:?}"));
            assert_eq!(
                perms, me.permissions,
                "trial permissions: permissions() differs"
            );
            report.ran("permissions");
        }

        // Concurrent requests for different users each see their own profile.
        let bob_token = harness.token_for(&bob).await;
        let mut tasks = Vec::new();
        for i in 0..64 {
            let (p, t, expect) = if i % 2 == 0 {
                (provider.clone(), token.clone(), alice.username.clone())
            } else {
                (provider.clone(), bob_token.clone(), bob.username.clone())
            };
            tasks.push(tokio::spawn(async move {
                let me = p.user_info(&t).await.map_err(|e| format!("{e:?}"))?;
                if me.username.as_deref() == Some(expect.as_str()) {
                    Ok(())
                } else {
                    Err(format!("expected {expect}, got {:?}", me.username))
                }
            }));
        }
        for t in tasks {
            let r = t.await.unwrap_or_else(|e| Err(e.to_string()));
            assert!(r.is_ok(), "trial concurrent_user_info: {r:?}");
        }
        report.ran("concurrent_user_info");
    }

    if let Some(expired) = harness.expired_token(&alice).await {
        let e = provider
            .user_info(&expired)
            .await
            .expect_err("trial expired_token: an expired token was accepted");
        assert!(is_auth_failure(&e), "trial expired_token: {e:?}");
        report.ran("expired_token");
    }

    // Password login.
    let password = Credentials::username_password(&alice.username, &alice.password);
    if caps.password_login {
        let session = provider
            .login(password.clone())
            .await
            .unwrap_or_else(|e| panic!("trial password_login: {e:?}"));
        let me = provider
            .user_info(&session.tokens.access_token)
            .await
            .unwrap_or_else(|e| panic!("trial password_login: the issued token: {e:?}"));
        assert_eq!(me.username.as_deref(), Some(alice.username.as_str()));
        let wrong = Credentials::username_password(&alice.username, "definitely-wrong");
        let e = provider
            .login(wrong)
            .await
            .expect_err("trial password_login: wrong password accepted");
        assert!(
            is_auth_failure(&e) || e.kind() == ErrorKind::Provider,
            "trial password_login: wrong password gave {e:?}"
        );
        report.ran("password_login");
    } else {
        assert_unsupported(provider.login(password).await.map(|_| ()), name, "login");
        report.ran("login_unsupported");
    }

    // Authorization-code flow.
    if caps.authorization_code {
        let start = provider
            .start_authorization(AuthorizationRequest::default())
            .await
            .unwrap_or_else(|e| panic!("trial authorization_code: start: {e:?}"));
        assert!(
            start.state.len() >= 16,
            "trial authorization_code: state too short"
        );
        assert!(
            start
                .url
                .query_pairs()
                .any(|(k, v)| k == "state" && v == start.state.as_str()),
            "trial authorization_code: state missing from the URL"
        );
        assert!(
            start.binding.len() >= 43,
            "trial authorization_code: the binding must carry at least 32 CSPRNG bytes"
        );
        assert!(
            !format!("{start:?}").contains(start.binding.expose_secret()),
            "trial authorization_code: Debug shows the binding"
        );
        assert!(
            !start.url.as_str().contains(start.binding.expose_secret()),
            "trial authorization_code: the binding must not travel in the URL"
        );
        let callback = harness
            .authorize(&start, &alice)
            .await
            .expect("trial authorization_code: the harness must follow the authorization URL");
        // The application adds the binding from the browser's cookie.
        let callback = callback.with_binding(start.binding.clone());
        let session = provider
            .finish_authorization(callback.clone())
            .await
            .unwrap_or_else(|e| panic!("trial authorization_code: finish: {e:?}"));
        let replay = provider
            .finish_authorization(callback)
            .await
            .expect_err("trial authorization_code: a replayed state was accepted");
        assert_eq!(
            replay.kind(),
            ErrorKind::InvalidState,
            "trial authorization_code: replay"
        );
        let foreign = provider
            .finish_authorization(
                AuthorizationCallback::new("code", "never-issued-state")
                    .with_binding(start.binding.clone()),
            )
            .await
            .expect_err("trial authorization_code: a foreign state was accepted");
        assert_eq!(foreign.kind(), ErrorKind::InvalidState);
        report.ran("authorization_code");

        // Login CSRF (RFC 6749 §10.12): a callback finished without the binding of the user
        // agent that started the login, or with another one, is refused. Each case needs its
        // own login: the first `take` consumes the state whatever the outcome.
        let other = provider
            .start_authorization(AuthorizationRequest::default())
            .await
            .unwrap_or_else(|e| panic!("trial authorization_binding: start: {e:?}"));
        assert_ne!(
            other.binding, start.binding,
            "trial authorization_binding: every start needs a fresh binding"
        );
        let cases = [
            ("without a binding", None),
            (
                "with an empty binding",
                Some(polyauth_core::Secret::new("")),
            ),
            ("with another login's binding", Some(other.binding.clone())),
            (
                "with a forged binding",
                Some(polyauth_core::Secret::new("forged")),
            ),
        ];
        for (case, presented) in cases {
            let victim = provider
                .start_authorization(AuthorizationRequest::default())
                .await
                .unwrap_or_else(|e| panic!("trial authorization_binding: start: {e:?}"));
            let mut callback = harness
                .authorize(&victim, &alice)
                .await
                .expect("trial authorization_binding: the harness must follow the URL");
            callback.binding = presented;
            let e = match provider.finish_authorization(callback.clone()).await {
                Ok(_) => panic!("trial authorization_binding: a callback {case} was accepted"),
                Err(e) => e,
            };
            assert_eq!(
                e.kind(),
                ErrorKind::InvalidState,
                "trial authorization_binding: finishing {case}: {e:?}"
            );
            assert!(
                !e.to_string().contains(victim.binding.expose_secret()),
                "trial authorization_binding: the error shows the binding"
            );
            // The state was taken before the binding was checked: not even the right
            // binding finishes it now.
            let e = provider
                .finish_authorization(callback.with_binding(victim.binding.clone()))
                .await
                .expect_err("trial authorization_binding: a refused state was reused");
            assert_eq!(
                e.kind(),
                ErrorKind::InvalidState,
                "trial authorization_binding: the state must be consumed by the refused finish"
            );
        }
        report.ran("authorization_binding");

        if caps.refresh {
            let refresh = session
                .tokens
                .refresh_token
                .clone()
                .expect("trial refresh: the session has no refresh token");
            let tokens = provider
                .refresh(&refresh)
                .await
                .unwrap_or_else(|e| panic!("trial refresh: {e:?}"));
            provider
                .user_info(&tokens.access_token)
                .await
                .unwrap_or_else(|e| panic!("trial refresh: refreshed token: {e:?}"));
            report.ran("refresh");
        }
    } else {
        assert_unsupported(
            provider
                .start_authorization(AuthorizationRequest::default())
                .await
                .map(|_| ()),
            name,
            "start_authorization",
        );
        assert_unsupported(
            provider
                .finish_authorization(AuthorizationCallback::new("c", "s"))
                .await
                .map(|_| ()),
            name,
            "finish_authorization",
        );
        report.ran("authorization_code_unsupported");
    }

    if !caps.refresh {
        assert_unsupported(
            provider.refresh(&RefreshToken::new("r")).await.map(|_| ()),
            name,
            "refresh",
        );
        report.ran("refresh_unsupported");
    }
    if caps.logout {
        provider
            .logout(&token)
            .await
            .unwrap_or_else(|e| panic!("trial logout: {e:?}"));
        report.ran("logout");
    } else {
        assert_unsupported(provider.logout(&token).await, name, "logout");
        report.ran("logout_unsupported");
    }

    let dir_caps = caps.directory;
    match provider.directory() {
        Ok(dir) => {
            assert!(
                dir_caps.any(),
                "trial directory: a directory without directory capabilities"
            );
            if dir_caps.batch_by_usernames {
                let asked = vec![alice.username.clone(), "conformance-nobody".to_owned()];
                let found = dir
                    .get_users_by_usernames(&asked)
                    .await
                    .unwrap_or_else(|e| panic!("trial directory_batch: {e:?}"));
                assert!(
                    found
                        .users
                        .iter()
                        .any(|u| u.username.as_deref() == Some(alice.username.as_str())),
                    "trial directory_batch: known user missing"
                );
                assert_eq!(found.not_found, vec!["conformance-nobody".to_owned()]);
                report.ran("directory_batch");
            }
            report.ran("directory");
        }
        Err(e) => {
            assert!(
                !dir_caps.any(),
                "trial directory: capabilities promise a directory: {e:?}"
            );
            assert_unsupported(Err(e), name, "directory");
            report.ran("directory_unsupported");
        }
    }
    report
}

/// Runs the state-store trials: put/take round trip, one-time take, missing keys, duplicate
/// puts, zero TTL, expiry (waits about 1.5 s) and 1000 concurrent takes of one key.
///
/// Keys are prefixed with `prefix` so several runs can share one backing store.
pub async fn state_store_conformance<S: StateStore + Clone>(
    store: &S,
    prefix: &str,
) -> ConformanceReport {
    let mut report = ConformanceReport::default();
    let key = |k: &str| format!("{prefix}{k}");
    let minute = Duration::from_secs(60);

    store
        .put(&key("a"), "{\"pkce\":\"v1\",\"return_to\":\"/ü\"}", minute)
        .await
        .unwrap_or_else(|e| panic!("trial round_trip: put: {e:?}"));
    let got = store
        .take(&key("a"))
        .await
        .unwrap_or_else(|e| panic!("trial round_trip: {e:?}"));
    assert_eq!(
        got.as_deref(),
        Some("{\"pkce\":\"v1\",\"return_to\":\"/ü\"}")
    );
    report.ran("round_trip");

    let again = store
        .take(&key("a"))
        .await
        .unwrap_or_else(|e| panic!("trial one_time: {e:?}"));
    assert_eq!(again, None, "trial one_time: a state was taken twice");
    report.ran("one_time");

    let missing = store
        .take(&key("never-stored"))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(missing, None, "trial missing: found a value never stored");
    report.ran("missing");

    store
        .put(&key("dup"), "first", minute)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let dup = store
        .put(&key("dup"), "second", minute)
        .await
        .expect_err("trial no_overwrite: a second put replaced a state");
    assert_eq!(
        dup.kind(),
        ErrorKind::InvalidState,
        "trial no_overwrite: {dup:?}"
    );
    assert_eq!(
        store.take(&key("dup")).await.ok().flatten().as_deref(),
        Some("first")
    );
    report.ran("no_overwrite");

    let zero = store
        .put(&key("zero"), "v", Duration::ZERO)
        .await
        .expect_err("trial zero_ttl: accepted");
    assert_eq!(zero.kind(), ErrorKind::InvalidInput);
    report.ran("zero_ttl");

    let big = "x".repeat(8 * 1024);
    store
        .put(&key("big"), &big, minute)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        store
            .take(&key("big"))
            .await
            .ok()
            .flatten()
            .map(|v| v.len()),
        Some(big.len())
    );
    report.ran("large_value");

    store
        .put(&key("short"), "v", Duration::from_secs(1))
        .await
        .unwrap_or_else(|e| panic!("trial expiry: {e:?}"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let expired = store
        .take(&key("short"))
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(expired, None, "trial expiry: an expired state was returned");
    // An expired key can be stored again.
    store
        .put(&key("short"), "again", minute)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(
        store.take(&key("short")).await.ok().flatten().as_deref(),
        Some("again")
    );
    report.ran("expiry");

    store
        .put(&key("race"), "winner", minute)
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let mut tasks = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let (s, k) = (store.clone(), key("race"));
        tasks.push(tokio::spawn(async move { s.take(&k).await }));
    }
    let mut winners = 0;
    for t in tasks {
        match t.await {
            Ok(Ok(Some(v))) => {
                assert_eq!(v, "winner");
                winners += 1;
            }
            Ok(Ok(None)) => {}
            other => panic!("trial concurrent_take: {other:?}"),
        }
    }
    assert_eq!(
        winners, 1,
        "trial concurrent_take: {winners} takers got the one state"
    );
    report.ran("concurrent_take");
    report
}

/// Two store handles backed by the same storage (two app instances sharing a Redis): a state
/// put through `a` is taken through `b` exactly once.
pub async fn shared_state_store_conformance<A: StateStore, B: StateStore>(
    a: &A,
    b: &B,
    prefix: &str,
) -> ConformanceReport {
    let mut report = ConformanceReport::default();
    let key = format!("{prefix}shared");
    a.put(&key, "from-a", Duration::from_secs(60))
        .await
        .unwrap_or_else(|e| panic!("trial shared: {e:?}"));
    assert_eq!(b.take(&key).await.ok().flatten().as_deref(), Some("from-a"));
    assert_eq!(
        a.take(&key).await.ok().flatten(),
        None,
        "trial shared: taken twice"
    );
    report.ran("shared");
    report
}
