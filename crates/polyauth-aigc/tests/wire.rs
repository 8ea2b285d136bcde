//! Wire fidelity: the native client sends what huace-aigc-auth-client 1.1.45 sends, operation
//! by operation, checked against the fixtures recorded from it (`tests/wire-fixtures/aigc`,
//! re-recorded with `scripts/record-reference-wire.sh`); deliberate differences are declared
//! in that folder's `deviations.toml`.
//!
//! The inputs are those of `scripts/wire/ops_aigc.py`: every `AigcAuthClient` call polyauth
//! implements (those 1.1.45 lacks recorded from 1.1.62), a trace id taken from the request context, the outbound helpers of
//! `auth_request.py` and the legacy side's webhook sender (to `{base_url}/third/...`, the
//! recorder standing in for a third-party service) and the statistics upload, one record collected directly and one made by an
//! outbound call.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use polyauth_aigc::webhook::WebhookSender;
use polyauth_aigc::{
    AigcClient, AigcConfig, ApiStat, AuthRequestClient, OutboundConfig, StatsCollector,
    StatsConfig, SyncPassword, SyncUser, context,
};
use polyauth_core::{AccessToken, ClientSecret, Password, RequestContext, Secret, UserProfile};
use polyauth_testkit::wire::WireCheck;
use serde_json::json;

const APP_ID: &str = "wire-app";
const APP_SECRET: &str = "wire-app-secret";
const TOKEN: &str = "wire-user-token";
const TRACED_TOKEN: &str = "wire-traced-token";
const ACCESS_KEY: &str = "ak_wire_user_key";
const TRACE_ID: &str = "wire-trace-1";
const CLIENT_IP: &str = "203.0.113.9";
const USER_AGENT: &str = "wire-agent/1.0";

/// The identity the reference's request context holds (`ip_address`, `user_agent`,
/// `trace_id`).
fn identity() -> RequestContext {
    RequestContext {
        client_ip: Some(CLIENT_IP.into()),
        user_agent: Some(USER_AGENT.into()),
        trace_id: Some(TRACE_ID.into()),
        ..Default::default()
    }
}

/// An authenticated request's context: the identity, the caller's token and its user (the
/// reference's middleware adds the token and the app credentials).
fn session() -> RequestContext {
    RequestContext {
        user: Some(Arc::new(UserProfile::new("aigc", "7"))),
        token: Some(AccessToken::new(TOKEN)),
        ..identity()
    }
}

/// A collector that uploads only when shut down, as the reference's does on
/// `stop_api_stats_collector()` with a long flush interval.
fn collector(config: &AigcConfig) -> StatsCollector {
    StatsCollector::start(
        StatsConfig::for_client(config)
            .with_batch_size(10)
            .with_flush_interval(Duration::from_secs(60)),
    )
    .unwrap()
}

#[tokio::test]
async fn requests_match_the_reference_sdk() {
    let mut check = WireCheck::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/wire-fixtures/aigc"
    ))
    .await;
    let base = check.base_url();
    let config = AigcConfig::new(APP_ID, ClientSecret::new(APP_SECRET), &base)
        .unwrap()
        .with_cache(None);
    let client = AigcClient::new(config.clone()).unwrap();
    let token = AccessToken::new(TOKEN);
    let third = |path: &str| format!("{base}/third{path}");

    check
        .run("verify_token", || client.verify_token(&token))
        .await;
    check
        .run("get_user_info", || client.get_user_info(&token))
        .await;
    let codes = ["user:read".to_owned(), "user:write".to_owned()];
    check
        .run("check_permissions", || {
            client.check_permissions(&token, &codes)
        })
        .await;
    let key = AccessToken::new(ACCESS_KEY);
    check
        .run("verify_access_key", || client.verify_access_key(&key))
        .await;
    let names = ["alice".to_owned(), "bob".to_owned()];
    check
        .run("batch_get_users", || client.batch_get_users(&names))
        .await;
    check
        .run("batch_get_users_by_ids", || {
            client.batch_get_users_by_ids(&[7, 999])
        })
        .await;

    let carol = SyncUser::new(
        "carol",
        SyncPassword::Plain(Password::new("carol-password")),
    )
    .with_field("email", "carol@example.com")
    .with_field("nickname", "Carol");
    let mut source = HeaderMap::new();
    source.insert(
        HeaderName::from_static("x-sync-source"),
        HeaderValue::from_static("legacy"),
    );
    check
        .run("sync_user_to_auth", || {
            client.sync_user_to_auth(&carol, Some(&source))
        })
        .await;
    let users = [
        SyncUser::new(
            "dave",
            SyncPassword::Hashed(Secret::new("$2b$12$wirewirewirewirewirewu")),
        ),
        SyncUser::new("erin", SyncPassword::Plain(Password::new("erin-password")))
            .with_field("email", "erin@example.com"),
    ];
    check
        .run("batch_sync_users_to_auth", || {
            client.batch_sync_users_to_auth(&users, None)
        })
        .await;
    let events = ["user.created".to_owned(), "user.updated".to_owned()];
    let webhook_secret = Secret::new("wire-webhook-secret");
    check
        .run("register_webhook", || {
            client.register_webhook(
                "https://legacy.example.com/webhook/auth",
                &events,
                Some(&webhook_secret),
            )
        })
        .await;
    check
        .run("unregister_webhook", || client.unregister_webhook("12"))
        .await;
    // Calls 1.1.45 does not have, recorded from 1.1.62.
    check
        .run("list_users", || client.list_users(Some("ali"), 2, 50))
        .await;
    check
        .run("has_any_permission", || {
            client.has_any_permission(&token, &["user:read", "user:write"])
        })
        .await;
    check.run("list_groups", || client.list_groups()).await;
    check
        .run("create_access_key", || {
            client.create_access_key(&token, Some(" ci key "), Some("  "))
        })
        .await;
    let (source, target) = (
        AccessToken::new(" source-token "),
        AccessToken::new("target-token"),
    );
    check
        .run("compare_users", || {
            client.compare_users(1001, 1002, &source, &target)
        })
        .await;
    let source = AccessToken::new("source-token");
    check
        .run("authorize_user_by_token", || {
            client.authorize_user_by_token(1001, &source)
        })
        .await;

    let traced = AccessToken::new(TRACED_TOKEN);
    check
        .run("trace_id_header", || {
            context::scope(
                context::job_context(None, None, TRACE_ID),
                client.verify_token(&traced),
            )
        })
        .await;

    // Outbound: the reference's plain `auth_request` sends the identity headers only.
    let plain = AuthRequestClient::new(OutboundConfig::identity_only()).unwrap();
    check
        .run("auth_request_get", || {
            context::scope(identity(), async {
                plain
                    .get(&third("/orders"))?
                    .query(&[("page", 1)])
                    .query(&[("q", "wire")])
                    .send()
                    .await
            })
        })
        .await;
    check
        .run("auth_request_form", || {
            context::scope(identity(), async {
                plain
                    .post(&third("/upload"))?
                    .form(&[("field1", "value1"), ("field2", "value 2")])
                    .send()
                    .await
            })
        })
        .await;
    check
        .run("auth_request_json", || {
            context::scope(identity(), async {
                plain
                    .post(&third("/orders"))?
                    .json(json!({"amount": 3, "currency": "CNY"}))
                    .send()
                    .await
            })
        })
        .await;
    // `AuthSession`: credentials too (here only to allow-listed origins; the loopback base
    // URL's origin is on the list of `for_client`).
    let session_client = AuthRequestClient::new(OutboundConfig::for_client(&config)).unwrap();
    check
        .run("auth_session_get", || {
            context::scope(session(), async {
                session_client
                    .get(&third("/orders"))?
                    .query(&[("page", 2)])
                    .send()
                    .await
            })
        })
        .await;

    // The legacy side's webhook sender: the signature covers the body's bytes.
    let sender = WebhookSender::new(
        &third("/webhook"),
        Some(Secret::new("wire-webhook-secret")),
        3,
        Duration::from_secs(5),
    )
    .unwrap();
    let data =
        json!({"email": "carol@example.com", "id": 8, "nickname": "卡罗尔", "username": "carol"});
    check
        .run("webhook_send", || sender.send("user.created", &data))
        .await;

    // Statistics: one record collected directly, uploaded on shutdown.
    check
        .run("collect_api_stat", || async {
            let stats = collector(&config);
            stats.record(
                ApiStat::new("/api/orders", "GET", 200, Duration::from_millis(250))
                    .with_params(json!({
                        "headers": {"user-agent": USER_AGENT, "x-trace-id": TRACE_ID},
                        "query_params": {"page": "1"},
                    }))
                    .with_token(Some(AccessToken::new(TOKEN))),
            );
            stats.shutdown().await;
        })
        .await;
    // ... and one made by an outbound call of an authenticated request.
    check
        .run("auth_request_stats", || async {
            let stats = collector(&config);
            let plain = AuthRequestClient::new(OutboundConfig::identity_only())
                .unwrap()
                .with_stats(stats.clone());
            let sent = context::scope(session(), async {
                plain
                    .get(&third("/orders"))?
                    .query(&[("page", 1)])
                    .query(&[("q", "wire")])
                    .send()
                    .await
            })
            .await;
            stats.shutdown().await;
            sent
        })
        .await;

    check.finish();
}
