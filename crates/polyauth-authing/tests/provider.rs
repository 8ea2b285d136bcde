#![allow(clippy::unwrap_used, clippy::expect_used)]
//! AuthingProvider through the shared conformance suite and its own trials.

mod common;

use std::sync::Arc;

use async_trait::async_trait;
use common::*;
use polyauth_authing::{AuthingProvider, VerificationMode};
use polyauth_core::{
    AccessToken, AuthorizationCallback, AuthorizationRequest, AuthorizationStart, Credentials,
    ErrorKind, IdentityProvider, LoginIdentifier, NewUser, Password, UserQuery, UserUpdate,
    VerificationCode,
};
use polyauth_testkit::authing::{AuthingEmulator, EmulatorOptions, SeedUser};
use polyauth_testkit::{ConformanceHarness, TestUser, provider_conformance};
use serde_json::{Map, Value, json};

struct Harness {
    emu: AuthingEmulator,
    provider: Arc<AuthingProvider>,
}

impl Harness {
    fn ensure(&self, user: &TestUser) -> String {
        self.emu.user_id(&user.username).unwrap_or_else(|| {
            self.emu.add_user(SeedUser {
                username: Some(user.username.clone()),
                password: Some(user.password.clone()),
                roles: user.roles.clone(),
                permissions: user.permissions.clone(),
                ..Default::default()
            })
        })
    }
}

#[async_trait]
impl ConformanceHarness for Harness {
    fn provider(&self) -> Arc<dyn IdentityProvider> {
        self.provider.clone()
    }
    async fn token_for(&self, user: &TestUser) -> AccessToken {
        let id = self.ensure(user);
        AccessToken::new(self.emu.issue_token(&id, 600))
    }
    async fn expired_token(&self, user: &TestUser) -> Option<AccessToken> {
        let id = self.ensure(user);
        Some(AccessToken::new(self.emu.issue_token(&id, -30)))
    }
    async fn authorize(
        &self,
        start: &AuthorizationStart,
        user: &TestUser,
    ) -> Option<AuthorizationCallback> {
        self.ensure(user);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .ok()?;
        let mut url = start.url.clone();
        url.query_pairs_mut()
            .append_pair("login_hint", &user.username);
        let resp = http.get(url).send().await.ok()?;
        let loc = url::Url::parse(resp.headers().get("location")?.to_str().ok()?).ok()?;
        let get = |k: &str| {
            loc.query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
        };
        Some(AuthorizationCallback::new(get("code")?, get("state")?))
    }
}

async fn harness(mode: VerificationMode, options: EmulatorOptions) -> Harness {
    let emu = AuthingEmulator::start_with(options.clone()).await;
    let mut config = provider_config(&emu, mode);
    if let Some(s) = &options.hs256_secret {
        config.jwt_secret = Some(polyauth_core::Secret::new(s.clone()));
    }
    let provider = Arc::new(AuthingProvider::new(config).unwrap());
    Harness { emu, provider }
}

#[tokio::test]
async fn conformance_local_rs256() {
    let h = harness(VerificationMode::Auto, EmulatorOptions::default()).await;
    let report = provider_conformance(&h).await;
    for trial in [
        "verify_rejects_garbage",
        "verify_valid",
        "user_info",
        "roles",
        "permissions",
        "concurrent_user_info",
        "expired_token",
        "password_login",
        "authorization_code",
        "authorization_binding",
        "refresh",
        "logout",
        "directory_batch",
    ] {
        assert!(report.contains(trial), "{trial} did not run: {report:?}");
    }
    // Garbage the suite sends (not JWTs) may go online in Auto mode; real tokens never do.
    assert_eq!(
        h.emu.online_checks_of_issued_tokens(),
        0,
        "RS256 tokens are verified locally in Auto mode ({} checkLoginStatus calls, all garbage)",
        h.emu.op_calls("checkLoginStatus")
    );
}

#[tokio::test]
async fn conformance_online() {
    let h = harness(VerificationMode::Online, EmulatorOptions::default()).await;
    let report = provider_conformance(&h).await;
    assert!(report.contains("expired_token") && report.contains("verify_valid"));
    assert!(
        h.emu.op_calls("checkLoginStatus") > 0,
        "online mode asks Authing"
    );
}

#[tokio::test]
async fn conformance_local_hs256() {
    let h = harness(
        VerificationMode::Local,
        EmulatorOptions {
            hs256_secret: Some("pool-jwt-secret".into()),
            ..Default::default()
        },
    )
    .await;
    provider_conformance(&h).await;
    assert_eq!(
        h.emu.op_calls("checkLoginStatus"),
        0,
        "local mode never asks Authing"
    );
}

#[tokio::test]
async fn verification_modes_and_tampering() {
    let h = harness(VerificationMode::Auto, EmulatorOptions::default()).await;
    let alice = TestUser::new("alice", &["admin"], &["user:read"]);
    let token = h.token_for(&alice).await;
    let v = h.provider.verify(&token).await.unwrap();
    assert_eq!(Some(v.subject.clone()), h.emu.user_id("alice"));
    assert_eq!(
        h.emu.op_calls("checkLoginStatus"),
        0,
        "RS256 tokens are checked locally"
    );
    assert_eq!(h.emu.emulator().calls("/oidc/.well-known/jwks.json"), 1);
    // Tampered payload: signature fails locally.
    let parts: Vec<&str> = token.expose_secret().split('.').collect();
    let tampered = format!("{}.{}x.{}", parts[0], parts[1], parts[2]);
    let e = h
        .provider
        .verify(&AccessToken::new(tampered))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken);
    assert_eq!(e.provider(), Some("authing"));
    // Not a JWT: falls back to online, which says no.
    let e = h
        .provider
        .verify(&AccessToken::new("opaque-token"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken);
    assert_eq!(h.emu.op_calls("checkLoginStatus"), 1);
    // Local mode without keys is a configuration error.
    let mut c = provider_config(&h.emu, VerificationMode::Local);
    c.app_host = None;
    assert_eq!(
        AuthingProvider::new(c).unwrap_err().kind(),
        ErrorKind::ConfigInvalid
    );
    // An outage is never a bad token.
    let online = AuthingProvider::new(provider_config(&h.emu, VerificationMode::Online)).unwrap();
    h.emu.emulator().inject(
        polyauth_testkit::server::Fault::status(503)
            .on_path("/graphql/v2")
            .times(3),
    );
    let e = online.verify(&token).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

#[tokio::test]
async fn login_kinds_and_directory() {
    let h = harness(VerificationMode::Auto, EmulatorOptions::default()).await;
    let id = seed(&h.emu, "ivan", "Ivan-pass-1");
    let p = &h.provider;
    for ident in [
        LoginIdentifier::Username("ivan".into()),
        LoginIdentifier::Email("ivan@example.com".into()),
    ] {
        let s = p
            .login(Credentials::Password {
                identifier: ident,
                password: Password::new("Ivan-pass-1"),
            })
            .await
            .unwrap();
        assert_eq!(s.user.unwrap().id, id);
        assert!(p.verify(&s.tokens.access_token).await.is_ok());
    }
    h.emu.set_sms_code("13800000099", "424242");
    h.emu.add_user(SeedUser {
        phone: Some("13800000099".into()),
        ..Default::default()
    });
    let s = p
        .login(Credentials::PhoneCode {
            phone: "13800000099".into(),
            code: VerificationCode::new("424242"),
        })
        .await
        .unwrap();
    assert!(s.user.is_some());
    let e = p
        .login(Credentials::PhoneCode {
            phone: "13800000099".into(),
            code: VerificationCode::new("1"),
        })
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);

    let dir = p.directory().unwrap();
    let created = dir
        .create_user(NewUser {
            password: Some(Password::new("Jo-pass-1")),
            ..NewUser::with_username("jo")
        })
        .await
        .unwrap();
    assert_eq!(
        h.emu.stored_password(&created.id).as_deref(),
        Some("Jo-pass-1")
    );
    assert_eq!(
        dir.get_user(&created.id).await.unwrap().username.as_deref(),
        Some("jo")
    );
    assert_eq!(
        dir.get_user("ghost").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    let upd = UserUpdate {
        nickname: Some("Jo J".into()),
        ..Default::default()
    };
    assert_eq!(
        dir.update_user(&created.id, upd)
            .await
            .unwrap()
            .nickname
            .as_deref(),
        Some("Jo J")
    );
    let batch = dir
        .get_users_by_ids(&[created.id.clone(), "ghost".into()])
        .await
        .unwrap();
    assert_eq!(batch.not_found, vec!["ghost".to_owned()]);
    let ids: Vec<String> = (0..170)
        .map(|i| format!("missing-{i}"))
        .chain([created.id.clone()])
        .collect();
    let big = dir.get_users_by_ids(&ids).await.unwrap();
    assert_eq!(
        (big.users.len(), big.not_found.len()),
        (1, 170),
        "chunked by 80"
    );
    let page = dir.list_users(UserQuery::page(1, 10)).await.unwrap();
    assert_eq!(page.total, Some(3));
    let found = dir
        .list_users(UserQuery::page(1, 10).with_search("jo"))
        .await
        .unwrap();
    assert_eq!(found.items.len(), 1);
    // A role must exist before it is assigned.
    mgmt_client(&h.emu)
        .roles()
        .create("editor", None, None, None)
        .await
        .unwrap();
    dir.assign_roles(&created.id, &["editor".into()])
        .await
        .unwrap();
    assert_eq!(dir.user_roles(&created.id).await.unwrap(), vec!["editor"]);
    let by_role = dir
        .list_users(UserQuery {
            role: Some("editor".into()),
            ..UserQuery::page(1, 10)
        })
        .await
        .unwrap();
    assert_eq!(by_role.items[0].id, created.id);
    dir.revoke_roles(&created.id, &["editor".into()])
        .await
        .unwrap();
    assert!(dir.user_roles(&created.id).await.unwrap().is_empty());
    dir.delete_user(&created.id).await.unwrap();
    assert_eq!(
        dir.delete_user(&created.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );

    // Without a pool secret there is no directory, and it says so.
    let mut c = provider_config(&h.emu, VerificationMode::Auto);
    c.pool_secret = None;
    let bare = AuthingProvider::new(c).unwrap();
    assert_eq!(bare.directory().unwrap_err().kind(), ErrorKind::Unsupported);
    assert!(!bare.capabilities().directory.any());
}

/// One authorization-code round trip for `user` through the emulator's /oidc/auth.
async fn code_flow(h: &Harness, user: &TestUser) -> polyauth_core::Result<polyauth_core::Session> {
    let start = h
        .provider
        .start_authorization(AuthorizationRequest::default())
        .await
        .unwrap();
    let callback = h.authorize(&start, user).await.unwrap();
    h.provider
        .finish_authorization(callback.with_binding(start.binding.clone()))
        .await
}

#[tokio::test]
async fn authorization_code_is_bound_to_the_user_agent() {
    let h = harness(VerificationMode::Auto, EmulatorOptions::default()).await;
    let alice = TestUser::new("alice", &[], &[]);
    let mallory = TestUser::new("mallory", &[], &[]);
    let token_calls = || h.emu.emulator().calls("/oidc/token");
    let alices = h
        .provider
        .start_authorization(AuthorizationRequest::default())
        .await
        .unwrap();
    assert_eq!(alices.binding.len(), 43);
    assert!(!format!("{alices:?}").contains(alices.binding.expose_secret()));
    assert!(!alices.url.as_str().contains(alices.binding.expose_secret()));

    // Mallory's own callback opened in Alice's browser, which holds no binding or Alice's:
    // refused (InvalidState) before the token request, and the state is gone.
    for alices_cookie in [None, Some(alices.binding.clone())] {
        let mallorys = h
            .provider
            .start_authorization(AuthorizationRequest::default())
            .await
            .unwrap();
        let mut cb = h.authorize(&mallorys, &mallory).await.unwrap();
        cb.binding = alices_cookie;
        let e = h
            .provider
            .finish_authorization(cb.clone())
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidState, "{e:?}");
        assert_eq!(e.operation(), Some("finish_authorization"));
        assert!(e.message().contains("user agent"), "{e}");
        assert!(!format!("{e:?}").contains(mallorys.binding.expose_secret()));
        let e = h
            .provider
            .finish_authorization(cb.with_binding(mallorys.binding.clone()))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidState);
    }
    assert_eq!(token_calls(), 0, "no token request for a refused binding");

    // Alice's own callback with her cookie logs her in.
    let cb = h.authorize(&alices, &alice).await.unwrap();
    let session = h
        .provider
        .finish_authorization(cb.with_binding(alices.binding.clone()))
        .await
        .unwrap();
    assert_eq!(session.user.unwrap().id, h.emu.user_id("alice").unwrap());
    assert_eq!(token_calls(), 1);
}

fn claims(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[tokio::test]
async fn authorization_code_checks_the_id_token_nonce_and_fills_the_user() {
    for mode in [VerificationMode::Auto, VerificationMode::Online] {
        let h = harness(mode, EmulatorOptions::default()).await;
        let alice = TestUser::new("alice", &["admin"], &["user:read"]);
        let session = code_flow(&h, &alice).await.unwrap();
        let user = session.user.expect("the verified id_token names the user");
        assert_eq!(Some(user.id.clone()), h.emu.user_id("alice"), "{mode:?}");
        assert_eq!(user.provider, "authing");
        assert!(session.tokens.id_token.is_some());

        // An id_token carrying another request's nonce (a replayed or injected token).
        h.emu
            .set_id_token_overrides(claims(&[("nonce", json!("someone-elses-nonce"))]));
        let e = code_flow(&h, &alice).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidToken, "{mode:?}: {e:?}");
        assert_eq!(e.operation(), Some("finish_authorization"));
        assert!(e.message().contains("nonce"), "{e:?}");

        // No nonce at all.
        h.emu
            .set_id_token_overrides(claims(&[("nonce", Value::Null)]));
        let e = code_flow(&h, &alice).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidToken, "{mode:?}: {e:?}");

        // An id_token for another application (aud is checked by the local verifier).
        h.emu
            .set_id_token_overrides(claims(&[("aud", json!("another-app"))]));
        let e = code_flow(&h, &alice).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidToken, "{mode:?}: {e:?}");

        h.emu.set_id_token_overrides(Map::new());
        assert!(code_flow(&h, &alice).await.unwrap().user.is_some());
    }
}

#[tokio::test]
async fn authorization_code_with_hs256_id_tokens() {
    let h = harness(
        VerificationMode::Local,
        EmulatorOptions {
            hs256_secret: Some("pool-jwt-secret".into()),
            ..Default::default()
        },
    )
    .await;
    let bob = TestUser::new("bob", &[], &[]);
    let session = code_flow(&h, &bob).await.unwrap();
    assert_eq!(session.user.unwrap().id, h.emu.user_id("bob").unwrap());
    h.emu
        .set_id_token_overrides(claims(&[("nonce", json!("forged"))]));
    assert_eq!(
        code_flow(&h, &bob).await.unwrap_err().kind(),
        ErrorKind::InvalidToken
    );
}

#[tokio::test]
async fn outages_are_unavailable_never_bad_tokens_or_provider_errors() {
    let h = harness(VerificationMode::Online, EmulatorOptions::default()).await;
    let alice = TestUser::new("alice", &["admin"], &["user:read"]);
    let token = h.token_for(&alice).await;
    let p = &h.provider;
    let assert_unavailable = |e: polyauth_core::Error, what: &str| {
        assert_eq!(e.kind(), ErrorKind::Unavailable, "{what}: {e:?}");
        assert!(e.is_temporary(), "{what}");
        assert_eq!(e.provider(), Some("authing"), "{what}");
    };

    // A gateway 503 whose body is a standard GraphQL error (a plain-string message).
    h.emu.fail_with_json(
        "/graphql/v2",
        503,
        json!({"errors": [{"message": "upstream connect error"}]}),
    );
    assert_unavailable(p.verify(&token).await.unwrap_err(), "graphql 503 string");
    // A 502 whose body looks like Authing's "not logged in": still an outage, not 2020.
    h.emu.fail_with_json(
        "/graphql/v2",
        502,
        json!({"errors": [{"message": {"code": 2020, "message": "尚未登录"}}]}),
    );
    let e = p.verify(&token).await.unwrap_err();
    assert_eq!(e.status(), Some(502));
    assert_unavailable(e, "graphql 502 envelope");
    // checkLoginStatus answering a 5xx business code (HTTP 200): not a bad token, and not
    // negatively cached.
    h.emu.fail_with_json(
        "/graphql/v2",
        200,
        json!({"data": {"checkLoginStatus": {"code": 500, "message": "数据库错误", "status": false, "exp": null, "iat": null, "data": null}}}),
    );
    assert_unavailable(p.verify(&token).await.unwrap_err(), "checkLoginStatus 500");
    h.emu.fail_with_json(
        "/graphql/v2",
        200,
        json!({"data": {"checkLoginStatus": {"code": 1234, "message": "其他", "status": false}}}),
    );
    let e = p.verify(&token).await.unwrap_err();
    assert_ne!(e.kind(), ErrorKind::InvalidToken, "{e:?}");
    assert_eq!(e.provider_code(), Some("1234"));
    h.emu.clear_json_faults();
    assert!(p.verify(&token).await.is_ok(), "outages are not cached");

    // REST: an envelope with a 5xx code on a 503, and on a 200.
    h.emu.fail_with_json(
        "/api/v2/users/me",
        503,
        json!({"code": 503, "message": "服务维护中"}),
    );
    assert_unavailable(p.user_info(&token).await.unwrap_err(), "rest 503 envelope");
    h.emu.fail_with_json(
        "/api/v2/users/me",
        200,
        json!({"code": 500, "message": "内部错误"}),
    );
    assert_unavailable(p.user_info(&token).await.unwrap_err(), "rest 200 code 500");
    h.emu.clear_json_faults();

    // OAuth token endpoint: RFC 6749 server errors and a 5xx with any error body.
    for (status, body) in [
        (
            400,
            json!({"error": "temporarily_unavailable", "error_description": "busy"}),
        ),
        (400, json!({"error": "server_error"})),
        (
            503,
            json!({"error": "invalid_grant", "error_description": "gateway"}),
        ),
    ] {
        h.emu.fail_with_json("/oidc/token", status, body.clone());
        assert_unavailable(code_flow(&h, &alice).await.unwrap_err(), &body.to_string());
    }
    h.emu.clear_json_faults();
    assert!(code_flow(&h, &alice).await.is_ok());
}

#[tokio::test]
async fn online_verification_is_cached_single_flight_and_forgotten_on_logout() {
    let h = harness(VerificationMode::Online, EmulatorOptions::default()).await;
    let alice = TestUser::new("alice", &["admin"], &["user:read"]);
    let token = h.token_for(&alice).await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let p = h.provider.clone();
        let t = token.clone();
        tasks.push(tokio::spawn(async move { p.verify(&t).await }));
    }
    for t in tasks {
        assert_eq!(
            Some(t.await.unwrap().unwrap().subject),
            h.emu.user_id("alice")
        );
    }
    assert_eq!(
        h.emu.op_calls("checkLoginStatus"),
        1,
        "one online check for 16 concurrent callers"
    );
    h.provider.verify(&token).await.unwrap();
    assert_eq!(h.emu.op_calls("checkLoginStatus"), 1, "cached");

    h.provider.logout(&token).await.unwrap();
    let e = h.provider.verify(&token).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken);
    assert_eq!(h.emu.op_calls("checkLoginStatus"), 2, "forgotten on logout");

    // Without a cache every call asks Authing.
    let mut c = provider_config(&h.emu, VerificationMode::Online);
    c.cache = None;
    let uncached = AuthingProvider::new(c).unwrap();
    let fresh = h.token_for(&alice).await;
    uncached.verify(&fresh).await.unwrap();
    uncached.verify(&fresh).await.unwrap();
    assert_eq!(h.emu.op_calls("checkLoginStatus"), 4);
}

#[tokio::test]
async fn an_online_check_answering_code_0_is_a_protocol_error_not_a_provider_one() {
    // A gateway or a changed API answering 200 with a login status of the wrong shape.
    let server = polyauth_testkit::server::Emulator::serve(axum::Router::new().route(
        "/graphql/v2",
        axum::routing::post(|| async {
            axum::Json(json!({"data": {"checkLoginStatus": {"code": 0, "data": {}}}}))
        }),
    ))
    .await;
    let mut config = polyauth_authing::AuthingConfig::new("app1");
    config.host = server.base_url();
    config.verification = VerificationMode::Online;
    let p = AuthingProvider::new(config).unwrap();
    let e = p
        .verify(&polyauth_core::AccessToken::new("t"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), polyauth_core::ErrorKind::Protocol, "{e:?}");
    assert_ne!(e.kind().server_status(), 500);
}

#[tokio::test]
async fn the_jwks_fetch_honours_the_configured_timeout() {
    // An app host whose JWKS hangs: the local RS256 check waits the provider's own timeout
    // (1 s here), not the JWKS default (5 s).
    let server = polyauth_testkit::server::Emulator::serve(axum::Router::new().route(
        "/oidc/.well-known/jwks.json",
        axum::routing::get(|| async { axum::Json(json!({"keys": []})) }),
    ))
    .await;
    server.inject(
        polyauth_testkit::server::Fault::new(polyauth_testkit::server::FaultKind::Delay(
            std::time::Duration::from_secs(3),
        ))
        .on_path("/oidc/.well-known/jwks.json"),
    );
    let mut config = polyauth_authing::AuthingConfig::new("app1");
    config.app_host = Some(server.base_url());
    config.verification = VerificationMode::Local;
    config.timeout = std::time::Duration::from_secs(1);
    let p = AuthingProvider::new(config).unwrap();
    let token = polyauth_jwt::TokenIssuer::from_pem(
        polyauth_jwt::Algorithm::RS256,
        polyauth_testkit::keys::RSA_PRIVATE_PEM.as_bytes(),
    )
    .unwrap()
    .with_kid("k1")
    .with_audience("app1")
    .issue(&polyauth_jwt::TokenClaims::new("u1"))
    .unwrap();
    let e = p.verify(&token).await.unwrap_err();
    assert_eq!(e.kind(), polyauth_core::ErrorKind::Unavailable, "{e:?}");
    assert!(e.message().contains("timeout 1000 ms"), "{e}");
}

#[tokio::test]
async fn a_throttled_authing_is_rate_limited() {
    let server = polyauth_testkit::server::Emulator::serve(axum::Router::new().route(
        "/graphql/v2",
        axum::routing::post(|| async {
            (
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", "7")],
                "slow down",
            )
        }),
    ))
    .await;
    let mut config = polyauth_authing::AuthingConfig::new("app1");
    config.host = server.base_url();
    config.verification = VerificationMode::Online;
    let p = AuthingProvider::new(config).unwrap();
    let e = p
        .verify(&polyauth_core::AccessToken::new("t"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), polyauth_core::ErrorKind::RateLimited, "{e:?}");
    assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(7)));
}
