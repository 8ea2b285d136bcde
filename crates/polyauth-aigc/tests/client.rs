//! The AIGC client and provider over loopback HTTP against the testkit emulator.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use http::{HeaderMap, HeaderValue};
use polyauth_aigc::{
    AigcClient, AigcConfig, AigcProvider, KeyType, SyncPassword, SyncUser, context,
};
use polyauth_core::env::Env;
use polyauth_core::{
    AccessToken, CacheConfig, ClientSecret, ErrorKind, IdentityProvider, Password, Secret,
    UserQuery,
};
use polyauth_testkit::aigc::AigcEmulator;
use polyauth_testkit::server::{Fault, FaultKind};
use polyauth_testkit::{ConformanceHarness, TestUser, provider_conformance};

fn config(emu: &AigcEmulator) -> AigcConfig {
    AigcConfig::new(
        emu.app_id(),
        ClientSecret::new(emu.app_secret()),
        &emu.base_url(),
    )
    .unwrap()
    .with_timeout(Duration::from_secs(2))
}

fn client(emu: &AigcEmulator) -> AigcClient {
    AigcClient::new(config(emu)).unwrap()
}

fn uncached(emu: &AigcEmulator) -> AigcClient {
    AigcClient::new(config(emu).with_cache(None)).unwrap()
}

async fn alice(emu: &AigcEmulator) -> AccessToken {
    emu.add_user("alice", &["admin", "dev"], &["user:read", "order:*"]);
    AccessToken::new(emu.issue_token("alice").unwrap())
}

#[tokio::test]
async fn verify_token_and_user_info() {
    let emu = AigcEmulator::start().await;
    let token = alice(&emu).await;
    let c = client(&emu);
    let v = c.verify_token(&token).await.unwrap();
    assert_eq!(v.subject, emu.user("alice").unwrap().id.to_string());
    assert!(v.expires_in().unwrap() > Duration::from_secs(3000));
    assert_eq!(v.claims["username"], "alice");

    let me = c.get_user_info(&token).await.unwrap();
    assert_eq!(me.username.as_deref(), Some("alice"));
    assert_eq!(me.roles, vec!["admin", "dev"]);
    assert_eq!(me.provider, "aigc");
    assert_eq!(me.raw["appId"], emu.app_id());
    // Cached.
    c.get_user_info(&token).await.unwrap();
    c.verify_token(&token).await.unwrap();
    assert_eq!(emu.calls("/user/info"), 1);
    assert_eq!(emu.calls("/token/verify"), 1);

    // Invalid tokens: verify answers valid=false, user info code 401.
    let bad = AccessToken::new("nope");
    let e = c.verify_token(&bad).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken);
    let e = c.get_user_info(&bad).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert_eq!(e.message(), "Token 无效或已过期");
    assert_eq!(e.operation(), Some("get_user_info"));
    // Empty token: no call.
    let before = emu.calls("/user/info");
    assert!(c.get_user_info(&AccessToken::new(" ")).await.is_err());
    assert_eq!(emu.calls("/user/info"), before);
}

#[tokio::test]
async fn envelope_codes_map_to_kinds() {
    let emu = AigcEmulator::start().await;
    let token = alice(&emu).await;
    let c = uncached(&emu);
    emu.set_status("alice", "disabled");
    let e = c.get_user_info(&token).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    let e = c.unregister_webhook("424242").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    // The client sends exactly one password form, whatever the extra fields say.
    let r = c
        .sync_user_to_auth(
            &SyncUser::new("x", SyncPassword::Plain(Password::new("p")))
                .with_field("password_hashed", "ignored-by-client"),
            None,
        )
        .await
        .unwrap();
    assert!(r.created);
    // Wrong app secret: the server answers code 401.
    let wrong = AigcClient::new(
        AigcConfig::new(emu.app_id(), ClientSecret::new("wrong"), &emu.base_url()).unwrap(),
    )
    .unwrap();
    let e = wrong.list_groups().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert_eq!(e.message(), "应用认证失败");
}

#[tokio::test]
async fn sync_creates_then_skips() {
    let emu = AigcEmulator::start().await;
    let c = uncached(&emu);
    let body = SyncUser::new("bob", SyncPassword::Hashed(Secret::new("$2b$12$x")));
    let ok = c.sync_user_to_auth(&body, None).await.unwrap();
    assert!(ok.success && ok.created);
    let again = c.sync_user_to_auth(&body, None).await.unwrap();
    assert!(again.success && !again.created);
    let e = c
        .sync_user_to_auth(
            &SyncUser::new("", SyncPassword::Plain(Password::new("p"))),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "checked before sending");
}

#[tokio::test]
async fn http_failures_are_unavailable_with_status_and_message() {
    let emu = AigcEmulator::start().await;
    let token = alice(&emu).await;
    let c = uncached(&emu);
    let path = AigcEmulator::path("/user/info");

    emu.server()
        .inject(Fault::status(502).on_path(&path).times(1));
    let e = c.get_user_info(&token).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert_eq!(e.status(), Some(502));
    assert!(e.message().contains("injected fault"), "{e}");

    for (kind, expected) in [
        (FaultKind::Html, ErrorKind::Protocol),
        (FaultKind::MalformedJson, ErrorKind::Protocol),
        (FaultKind::HugeBody(50 * 1024 * 1024), ErrorKind::Protocol),
        (FaultKind::CloseConnection, ErrorKind::Unavailable),
    ] {
        emu.server()
            .inject(Fault::new(kind.clone()).on_path(&path).times(1));
        let e = c.get_user_info(&token).await.unwrap_err();
        assert_eq!(e.kind(), expected, "{kind:?}: {e:?}");
    }

    // A stall past the timeout: a typed error within the timeout (plus slack).
    let quick = AigcClient::new(
        config(&emu)
            .with_cache(None)
            .with_timeout(Duration::from_millis(300)),
    )
    .unwrap();
    emu.server().inject(
        Fault::new(FaultKind::Delay(Duration::from_secs(5)))
            .on_path(&path)
            .times(1),
    );
    let started = Instant::now();
    let e = quick.get_user_info(&token).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(e.kind(), ErrorKind::Unavailable);

    // Works again.
    assert!(c.get_user_info(&token).await.is_ok());
}

#[tokio::test]
async fn data_null_is_a_protocol_error() {
    // A server answering code 0 with data null.
    use axum::routing::post;
    let server = polyauth_testkit::server::Emulator::serve(axum::Router::new().route(
        "/sdk/user/info",
        post(|| async {
            axum::Json(serde_json::json!({"code": 0, "message": "ok", "data": null}))
        }),
    ))
    .await;
    let c =
        AigcClient::new(AigcConfig::new("1", ClientSecret::new("s"), &server.base_url()).unwrap())
            .unwrap();
    let e = c.get_user_info(&AccessToken::new("t")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    // Not cached: a second call reaches the server again.
    let _ = c.get_user_info(&AccessToken::new("t")).await;
    assert_eq!(server.calls("/sdk/user/info"), 2);
}

#[tokio::test]
async fn a_200_without_a_code_is_a_protocol_error_not_a_provider_one() {
    use axum::routing::post;
    for body in [
        serde_json::json!({"message": "ok", "data": {}}),
        serde_json::json!({"code": null, "data": {}}),
        serde_json::json!({"code": {"x": 1}}),
    ] {
        let answer = body.clone();
        let server = polyauth_testkit::server::Emulator::serve(axum::Router::new().route(
            "/sdk/user/info",
            post(move || {
                let answer = answer.clone();
                async move { axum::Json(answer) }
            }),
        ))
        .await;
        let c = AigcClient::new(
            AigcConfig::new("1", ClientSecret::new("s"), &server.base_url()).unwrap(),
        )
        .unwrap();
        let e = c.get_user_info(&AccessToken::new("t")).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol, "{body}: {e:?}");
        assert_eq!(
            e.kind().server_status(),
            503,
            "through the middleware: 503, not 500"
        );
    }
}

#[tokio::test]
async fn other_codes_are_provider_errors_with_code_and_message() {
    use axum::routing::post;
    let server = polyauth_testkit::server::Emulator::serve(
        axum::Router::new()
            .route(
                "/sdk/users/authorize-by-token",
                post(|| async {
                    axum::Json(serde_json::json!({"code": 40401, "message": "飞书用户不存在"}))
                }),
            )
            .route(
                "/sdk/groups/list",
                post(|| async { axum::Json(serde_json::json!({"message": "no code"})) }),
            ),
    )
    .await;
    let c =
        AigcClient::new(AigcConfig::new("1", ClientSecret::new("s"), &server.base_url()).unwrap())
            .unwrap();
    let e = c
        .authorize_user_by_token(2, &AccessToken::new("t"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Provider);
    assert_eq!(e.provider_code(), Some("40401"));
    assert_eq!(e.provider_message(), Some("飞书用户不存在"));
    assert_eq!(e.kind().server_status(), 500);
    let e = c.list_groups().await.unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::Protocol,
        "a 200 without `code` is not an envelope"
    );
    assert_eq!(e.provider_code(), None);
}

#[tokio::test]
async fn http_statuses_follow_the_one_rule_and_mapped_codes_stay_readable() {
    use axum::http::StatusCode;
    use axum::routing::post;
    let server = polyauth_testkit::server::Emulator::serve(
        axum::Router::new()
            .route(
                "/sdk/user/info",
                post(|| async {
                    axum::Json(serde_json::json!({"code": 404, "message": "用户不存在"}))
                }),
            )
            .route(
                "/sdk/groups/list",
                post(|| async {
                    (
                        StatusCode::BAD_REQUEST,
                        axum::Json(serde_json::json!({"code": 40001, "message": "参数错误"})),
                    )
                }),
            )
            .route(
                "/sdk/token/verify",
                post(|| async {
                    (
                        StatusCode::TOO_MANY_REQUESTS,
                        [("retry-after", "7")],
                        "slow down",
                    )
                }),
            ),
    )
    .await;
    let c =
        AigcClient::new(AigcConfig::new("1", ClientSecret::new("s"), &server.base_url()).unwrap())
            .unwrap();
    let e = c.get_user_info(&AccessToken::new("t")).await.unwrap_err();
    assert_eq!(
        (e.kind(), e.provider_code()),
        (ErrorKind::NotFound, Some("404"))
    );
    assert_eq!(e.provider_message(), Some("用户不存在"));
    let e = c.list_groups().await.unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::InvalidInput,
        "a 4xx is never Unavailable"
    );
    assert!(!e.is_temporary());
    assert_eq!(e.status(), Some(400));
    assert_eq!(e.provider_code(), Some("40001"));
    let e = c.verify_token(&AccessToken::new("t")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(std::time::Duration::from_secs(7)));
    assert!(e.is_temporary());
}

#[tokio::test]
async fn envelope_5xx_codes_are_temporary_outages() {
    use axum::routing::post;
    let server = polyauth_testkit::server::Emulator::serve(
        axum::Router::new()
            .route(
                "/sdk/user/info",
                post(|| async {
                    axum::Json(serde_json::json!({"code": 503, "message": "服务维护中"}))
                }),
            )
            .route(
                "/sdk/groups/list",
                post(|| async {
                    axum::Json(
                        serde_json::json!({"code": 500, "message": "内部错误", "data": null}),
                    )
                }),
            ),
    )
    .await;
    let c =
        AigcClient::new(AigcConfig::new("1", ClientSecret::new("s"), &server.base_url()).unwrap())
            .unwrap();
    let e = c.get_user_info(&AccessToken::new("t")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e:?}");
    assert!(e.is_temporary());
    assert_eq!(e.kind().server_status(), 503);
    assert!(
        e.message().contains("503") && e.message().contains("服务维护中"),
        "{e}"
    );
    assert_eq!(e.operation(), Some("get_user_info"));
    let e = c.list_groups().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(
        e.message().contains("500") && e.message().contains("内部错误"),
        "{e}"
    );
    // An outage is not remembered: the next call asks again.
    let _ = c.get_user_info(&AccessToken::new("t")).await;
    assert_eq!(server.calls("/sdk/user/info"), 2);
}

#[tokio::test]
async fn absurd_expiries_are_unknown_not_a_panic() {
    use axum::routing::post;
    // `expiresAt` values that pass a finite/positive check but overflow a Duration.
    let server = polyauth_testkit::server::Emulator::serve(axum::Router::new().route(
        "/sdk/token/verify",
        post(
            |axum::Json(body): axum::Json<serde_json::Value>| async move {
                let expires = match body["token"].as_str() {
                    Some("number") => serde_json::json!(1e23),
                    Some("text") => serde_json::json!("1e300"),
                    _ => serde_json::json!(f64::MAX),
                };
                axum::Json(serde_json::json!({"code": 0, "message": "ok", "data": {
                    "valid": true, "userId": 7, "username": "u", "expiresAt": expires,
                }}))
            },
        ),
    ))
    .await;
    let config = AigcConfig::new("1", ClientSecret::new("s"), &server.base_url()).unwrap();
    for client in [
        AigcClient::new(config.clone()).unwrap(),
        AigcClient::new(config.with_cache(None)).unwrap(),
    ] {
        for token in ["number", "text", "max"] {
            let v = client.verify_token(&AccessToken::new(token)).await.unwrap();
            assert_eq!(v.subject, "7");
            assert!(v.expires_at.is_none(), "{token}: unknown expiry");
        }
    }
}

#[tokio::test]
async fn connection_refused_is_unavailable() {
    let emu = AigcEmulator::start().await;
    let base = emu.base_url();
    let (id, secret) = (emu.app_id().to_owned(), emu.app_secret().to_owned());
    emu.server().shutdown().await;
    let c =
        AigcClient::new(AigcConfig::new(id, ClientSecret::new(secret), &base).unwrap()).unwrap();
    let e = c.get_user_info(&AccessToken::new("t")).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
}

#[tokio::test]
async fn permissions_remote_and_local() {
    let emu = AigcEmulator::start().await;
    let token = alice(&emu).await;
    let c = client(&emu);
    let r = c
        .check_permissions(
            &token,
            &["user:read".into(), "user:write".into(), "order:x".into()],
        )
        .await
        .unwrap();
    assert_eq!(r.get("user:read"), Some(&true));
    assert_eq!(r.get("user:write"), Some(&false));
    assert_eq!(r.get("order:x"), Some(&true));
    assert!(
        c.has_any_permission(&token, &["user:write", "user:read"])
            .await
            .unwrap()
    );
    assert!(
        !c.has_all_permissions(&token, &["user:write", "user:read"])
            .await
            .unwrap()
    );
    assert!(
        c.has_all_permissions(&token, &["order:refund", "user:read"])
            .await
            .unwrap()
    );
    let e = c
        .check_permissions(&AccessToken::new("bad"), &["a".into()])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
}

#[tokio::test]
async fn batches_lists_and_groups() {
    let emu = AigcEmulator::start().await;
    alice(&emu).await;
    emu.add_user("bob", &[], &[]);
    let c = client(&emu);
    let r = c
        .batch_get_users(&["bob".into(), "ghost".into(), "alice".into()])
        .await
        .unwrap();
    let names: Vec<_> = r
        .users
        .iter()
        .map(|u| u.username.clone().unwrap())
        .collect();
    assert_eq!(names, vec!["bob", "alice"]);
    assert_eq!(r.not_found, vec!["ghost"]);

    let bob = emu.user("bob").unwrap().id;
    let alice_id = emu.user("alice").unwrap().id;
    let r = c
        .batch_get_users_by_ids(&[bob, 999, alice_id])
        .await
        .unwrap();
    assert_eq!(r.len(), 3);
    assert!(r[0].found && r[2].found && !r[1].found);
    assert_eq!(r[1].requested_id, 999);
    assert_eq!(r[1].user.id, "999");
    assert_eq!(r[1].user.username.as_deref(), Some("未知用户"));
    assert_eq!(r[2].user.username.as_deref(), Some("alice"));

    let too_many: Vec<i64> = (0..101).collect();
    let e = c.batch_get_users_by_ids(&too_many).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(c.batch_get_users(&[]).await.unwrap().users.is_empty());

    let page = c.list_users(None, 1, 1).await.unwrap();
    assert_eq!(page.total, Some(2));
    assert_eq!(page.items.len(), 1);
    assert!(page.has_more());
    let page = c.list_users(Some("bo"), 1, 20).await.unwrap();
    assert_eq!(page.items[0].username.as_deref(), Some("bob"));

    let groups = c.list_groups().await.unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].code.as_deref(), Some("editors"));
}

#[tokio::test]
async fn sync_webhooks_keys_and_cross_app() {
    let emu = AigcEmulator::start().await;
    let token = alice(&emu).await;
    let c = client(&emu);

    let mut extra = HeaderMap::new();
    extra.insert("x-sync-source", HeaderValue::from_static("legacy"));
    let users = vec![
        SyncUser::new("carol", SyncPassword::Plain(Password::new("pw"))).with_field("email", "c@x"),
        SyncUser::new("alice", SyncPassword::Plain(Password::new("pw"))),
    ];
    let r = c
        .batch_sync_users_to_auth(&users, Some(&extra))
        .await
        .unwrap();
    assert_eq!((r.total, r.success, r.skipped, r.failed), (2, 1, 1, 0));
    assert_eq!(emu.last_sync_headers().unwrap()["x-sync-source"], "legacy");
    assert_eq!(emu.user("carol").unwrap().email.as_deref(), Some("c@x"));

    let reg = c
        .register_webhook(
            "https://app.example.com/hook",
            &["user.created".into()],
            Some(&Secret::new("whsec")),
        )
        .await
        .unwrap();
    assert!(reg.success);
    let id = reg.webhook_id.unwrap();
    assert_eq!(emu.webhooks().values().next().unwrap()["secret"], "whsec");
    c.unregister_webhook(&id).await.unwrap();
    assert!(emu.webhooks().is_empty());
    assert_eq!(
        c.register_webhook("", &[], None).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );

    let key = c
        .create_access_key(&token, Some("ci"), Some("  "))
        .await
        .unwrap();
    assert!(key.key.expose_secret().starts_with("ak_"));
    assert!(!format!("{key:?}").contains(key.key.expose_secret()));
    let info = c.verify_access_key(&key.key).await.unwrap();
    assert_eq!(info.key_type, KeyType::User);
    assert_eq!(info.profile().unwrap().username.as_deref(), Some("alice"));

    let other = AccessToken::new(emu.issue_token("alice").unwrap());
    let carol = AccessToken::new(emu.issue_token("carol").unwrap());
    assert!(c.compare_users(1, 2, &token, &other).await.unwrap());
    assert!(!c.compare_users(1, 2, &token, &carol).await.unwrap());
    assert_eq!(
        c.compare_users(0, 2, &token, &other)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );
    let u = c.authorize_user_by_token(3, &carol).await.unwrap();
    assert_eq!(u.username.as_deref(), Some("carol"));
}

#[tokio::test]
async fn trace_id_from_context_is_sent() {
    let emu = AigcEmulator::start().await;
    let token = alice(&emu).await;
    let c = uncached(&emu);
    c.get_user_info(&token).await.unwrap();
    assert!(emu.trace_ids().is_empty(), "no context, no header");
    let ctx = context::job_context(None, None, "trace-abc-1");
    context::scope(ctx, async {
        c.get_user_info(&token).await.unwrap();
        c.list_groups().await.unwrap();
    })
    .await;
    assert_eq!(emu.trace_ids(), vec!["trace-abc-1", "trace-abc-1"]);
}

#[tokio::test]
async fn from_env_uses_reference_names() {
    let emu = AigcEmulator::start().await;
    let token = alice(&emu).await;
    let env = Env::from_pairs([
        ("AIGC_AUTH_APP_ID", emu.app_id().to_owned()),
        ("AIGC_AUTH_APP_SECRET", emu.app_secret().to_owned()),
        ("AIGC_AUTH_BASE_URL", format!("{}/", emu.base_url())),
    ]);
    let c = AigcClient::from_env_with(&env).unwrap();
    assert!(c.get_user_info(&token).await.is_ok());
}

// ---- provider ----

fn provider(emu: &AigcEmulator) -> AigcProvider {
    AigcProvider::new(config(emu)).unwrap()
}

#[tokio::test]
async fn access_keys_follow_the_reference() {
    let emu = AigcEmulator::start().await;
    alice(&emu).await;
    let p = provider(&emu);

    let user_key = AccessToken::new(emu.add_access_key("user", None, Some("alice")));
    let me = p.user_info(&user_key).await.unwrap();
    assert_eq!(me.username.as_deref(), Some("alice"));
    assert_eq!(p.verify(&user_key).await.unwrap().subject, me.id);

    let app_key = AccessToken::new(emu.add_access_key("app", Some(emu.app_id()), None));
    let app = p.user_info(&app_key).await.unwrap();
    assert_eq!(app.username, Some(format!("ak_app_{}", emu.app_id())));
    assert!(!app.is_admin);

    let foreign = AccessToken::new(emu.add_access_key("app", Some("9999"), None));
    let e = p.user_info(&foreign).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert_eq!(e.message(), "访问密钥与应用不匹配");

    let global = AccessToken::new(emu.add_access_key("global", None, None));
    let g = p.user_info(&global).await.unwrap();
    assert_eq!(g.username.as_deref(), Some("ak_global"));
    assert!(g.is_admin);

    let odd = AccessToken::new(emu.add_access_key("robot", None, None));
    let e = p.user_info(&odd).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken);
    assert_eq!(e.message(), "访问密钥类型无效");

    let e = p
        .user_info(&AccessToken::new("ak_unknown"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken);
    assert_eq!(emu.calls("/user/info"), 0, "keys never go to /user/info");

    // Never cached (as in the reference): every use asks, and a revoked key, the global
    // administrator key included, is refused on its very next use (no forget() needed).
    let before = emu.calls("/access-key/verify");
    p.user_info(&user_key).await.unwrap();
    p.verify(&global).await.unwrap();
    assert_eq!(emu.calls("/access-key/verify"), before + 2);
    emu.revoke_access_key(user_key.expose_secret());
    emu.revoke_access_key(global.expose_secret());
    for key in [&user_key, &global] {
        let e = p.user_info(key).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidToken);
        assert_eq!(e.message(), "访问密钥无效或已过期");
        assert!(p.verify(key).await.is_err());
    }
}

#[tokio::test]
async fn one_new_token_makes_one_call_under_1000_concurrent_lookups() {
    let emu = AigcEmulator::start().await;
    let token = alice(&emu).await;
    emu.server().inject(
        Fault::new(FaultKind::Delay(Duration::from_millis(100)))
            .on_path(AigcEmulator::path("/user/info"))
            .times(1),
    );
    let p = Arc::new(provider(&emu));
    let tasks: Vec<_> = (0..1000)
        .map(|_| {
            let (p, t) = (p.clone(), token.clone());
            tokio::spawn(async move { p.user_info(&t).await.map(|u| u.id.clone()) })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(emu.calls("/user/info"), 1);
}

#[tokio::test]
async fn invalid_tokens_are_never_cached_as_valid() {
    let emu = AigcEmulator::start().await;
    let token = alice(&emu).await;
    // A negative TTL no test run outlasts: "answered from the cache" holds however long the
    // machine stalls. The TTL running out is checked below with a short one.
    let cache = |negative_ttl| {
        Some(CacheConfig {
            ttl: Duration::from_secs(60),
            negative_ttl,
            capacity: 100,
        })
    };
    let p = AigcProvider::new(config(&emu).with_cache(cache(Duration::from_secs(60)))).unwrap();
    // An outage is not cached, and not remembered as invalid either.
    emu.server().inject(
        Fault::status(503)
            .on_path(AigcEmulator::path("/user/info"))
            .times(1),
    );
    assert_eq!(
        p.user_info(&token).await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    assert!(p.user_info(&token).await.is_ok());

    // Revocation is seen after forget() (or the TTL).
    emu.revoke_token(token.expose_secret());
    assert!(p.user_info(&token).await.is_ok(), "still cached");
    p.client().invalidate_token(&token).await.unwrap();
    assert!(
        p.user_info(&token)
            .await
            .unwrap_err()
            .kind()
            .is_auth_failure()
    );
    // The negative answer is cached...
    let calls = emu.calls("/user/info");
    assert!(p.user_info(&token).await.is_err());
    assert_eq!(emu.calls("/user/info"), calls);
    p.clear();

    // ...for the negative TTL only: once it has passed, the server is asked again.
    let short =
        AigcProvider::new(config(&emu).with_cache(cache(Duration::from_millis(50)))).unwrap();
    let calls = emu.calls("/user/info");
    assert!(short.user_info(&token).await.is_err());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(short.user_info(&token).await.is_err());
    assert_eq!(emu.calls("/user/info"), calls + 2);
}

#[tokio::test]
async fn directory_lookups() {
    let emu = AigcEmulator::start().await;
    alice(&emu).await;
    let p = provider(&emu);
    let dir = p.directory().unwrap();
    let id = emu.user("alice").unwrap().id.to_string();
    let r = dir
        .get_users_by_ids(&[id.clone(), "777".into(), "not-a-number".into()])
        .await
        .unwrap();
    assert_eq!(r.users.len(), 1);
    assert_eq!(r.users[0].id, id);
    assert_eq!(r.not_found, vec!["not-a-number", "777"]);
    let page = dir
        .list_users(UserQuery::page(1, 10).with_search("ali"))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(p.capabilities().directory.list);
    assert!(!p.capabilities().password_login);
}

struct Harness {
    emu: AigcEmulator,
    provider: Arc<dyn IdentityProvider>,
}

#[async_trait]
impl ConformanceHarness for Harness {
    fn provider(&self) -> Arc<dyn IdentityProvider> {
        self.provider.clone()
    }

    async fn token_for(&self, user: &TestUser) -> AccessToken {
        let roles: Vec<&str> = user.roles.iter().map(String::as_str).collect();
        let perms: Vec<&str> = user.permissions.iter().map(String::as_str).collect();
        self.emu.add_user(&user.username, &roles, &perms);
        AccessToken::new(self.emu.issue_token(&user.username).unwrap())
    }

    async fn expired_token(&self, user: &TestUser) -> Option<AccessToken> {
        self.emu
            .issue_token_for(&user.username, Duration::ZERO)
            .map(AccessToken::new)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance() {
    let emu = AigcEmulator::start().await;
    let provider: Arc<dyn IdentityProvider> = Arc::new(provider(&emu));
    let harness = Harness { emu, provider };
    let report = provider_conformance(&harness).await;
    for trial in [
        "verify_rejects_garbage",
        "verify_valid",
        "user_info",
        "roles",
        "permissions",
        "concurrent_user_info",
        "expired_token",
        "login_unsupported",
        "directory_batch",
    ] {
        assert!(report.contains(trial), "{trial} did not run: {report:?}");
    }
}
