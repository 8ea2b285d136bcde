//! Three quickstart instances of one application behind a (virtual) load balancer, on one real
//! Redis and the AIGC emulator, configured only by environment variables (`[cache] shared`,
//! `[state]` in Redis, the AIGC webhook secret in the stricter mode): one upstream call per new
//! token across the instances, a revoked token refused by all three within 100 ms of the
//! revocation webhook, and a webhook replayed to another instance refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use polyauth::Secret;
use polyauth::aigc::webhook::{
    EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_webhook_timestamped,
};
use polyauth::env::Env;
use polyauth_examples::quickstart;
use polyauth_testkit::aigc::AigcEmulator;
use polyauth_testkit::server::{Emulator, Fault, FaultKind};
use serde_json::json;

const WEBHOOK_SECRET: &str = "whsec_scale_out_test";

fn redis_url() -> String {
    std::env::var("POLYAUTH_TEST_REDIS_URL").unwrap_or_else(|_| {
        panic!(
            "POLYAUTH_TEST_REDIS_URL is not set: run the tests through ./scripts/test.sh, which \
             starts a throwaway redis-server"
        )
    })
}

/// A prefix of keys unique to this test run.
fn unique(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("polyauth-test:{test}:{}:{nanos}:", std::process::id())
}

/// One quickstart instance configured by the environment a deployment would give it, served
/// on loopback (the handle keeps it running).
async fn instance(emu: &AigcEmulator, prefix: &str) -> Emulator {
    let env = Env::from_pairs([
        ("POLYAUTH_PROVIDER", "aigc".to_owned()),
        ("AIGC_AUTH_APP_ID", emu.app_id().to_owned()),
        ("AIGC_AUTH_APP_SECRET", emu.app_secret().to_owned()),
        ("AIGC_AUTH_BASE_URL", emu.base_url()),
        ("AIGC_AUTH_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
        ("AIGC_AUTH_WEBHOOK_REPLAY_WINDOW_SECONDS", "300".to_owned()),
        ("POLYAUTH_REDIS_URL", redis_url()),
        ("POLYAUTH_STATE_KEY_PREFIX", format!("{prefix}state:")),
        ("POLYAUTH_CACHE_SHARED", "true".to_owned()),
        (
            "POLYAUTH_CACHE_KEY_SECRET",
            "a-deployment-wide-32-byte-secret".to_owned(),
        ),
        ("POLYAUTH_CACHE_KEY_PREFIX", format!("{prefix}cache:")),
    ]);
    let configured = quickstart::configured_from(&env).await.unwrap().unwrap();
    assert!(
        configured.webhooks.is_some(),
        "the webhook receiver is mounted"
    );
    Emulator::serve(quickstart::router_with(
        configured.provider,
        configured.webhooks,
    ))
    .await
}

/// Three instances, and their base URLs.
async fn instances(emu: &AigcEmulator, test: &str) -> (Vec<Emulator>, Vec<String>) {
    let prefix = unique(test);
    let mut servers = Vec::new();
    for _ in 0..3 {
        servers.push(instance(emu, &prefix).await);
    }
    let bases = servers.iter().map(Emulator::base_url).collect();
    (servers, bases)
}

async fn me(client: &reqwest::Client, base: &str, token: &str) -> u16 {
    client
        .get(format!("{base}/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_make_one_upstream_call_per_new_token() {
    let emu = AigcEmulator::start().await;
    emu.add_user("alice", &["viewer"], &["user:read"]);
    let (_servers, bases) = instances(&emu, "one-call").await;
    let token = emu.issue_token("alice").unwrap();
    // The first lookup is slow, so the 900 requests overlap on every instance.
    emu.server().inject(
        Fault::new(FaultKind::Delay(Duration::from_millis(300)))
            .on_path(AigcEmulator::path("/user/info"))
            .times(1),
    );
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()
        .unwrap();
    let requests = (0..900).map(|i| {
        let (client, base, token) = (client.clone(), bases[i % 3].clone(), token.clone());
        tokio::spawn(async move { me(&client, &base, &token).await })
    });
    for status in futures::future::join_all(requests).await {
        assert_eq!(status.unwrap(), 200);
    }
    assert_eq!(
        emu.calls("/user/info"),
        1,
        "one upstream call across 3 instances"
    );

    // A second new token: again one call, whichever instances see it.
    let other = emu.issue_token("alice").unwrap();
    for base in &bases {
        assert_eq!(me(&client, base, &other).await, 200);
    }
    assert_eq!(emu.calls("/user/info"), 2);
}

/// A stricter-mode delivery: body, signature over `"{timestamp}." + body`, headers.
fn signed_delivery(event: &str, data: serde_json::Value) -> (String, Vec<(&'static str, String)>) {
    let body = json!({ "event": event, "data": data }).to_string();
    let ts = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let signature = sign_webhook_timestamped(&Secret::new(WEBHOOK_SECRET), ts, body.as_bytes());
    let headers = vec![
        (SIGNATURE_HEADER, signature),
        (TIMESTAMP_HEADER, ts.to_string()),
        (EVENT_HEADER, event.to_owned()),
    ];
    (body, headers)
}

async fn deliver(
    client: &reqwest::Client,
    base: &str,
    (body, headers): &(String, Vec<(&'static str, String)>),
) -> (u16, String) {
    let mut req = client
        .post(format!("{base}/webhook/auth"))
        .header("content-type", "application/json")
        .body(body.clone());
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_revocation_webhook_reaches_every_instance_and_cannot_be_replayed() {
    let emu = AigcEmulator::start().await;
    let alice = emu.add_user("alice", &["viewer"], &["user:read"]);
    emu.add_user("bob", &["viewer"], &["user:read"]);
    let (_servers, bases) = instances(&emu, "revoke").await;
    let client = reqwest::Client::new();
    let (alice_token, bob_token) = (
        emu.issue_token("alice").unwrap(),
        emu.issue_token("bob").unwrap(),
    );
    for base in &bases {
        assert_eq!(me(&client, base, &alice_token).await, 200);
        assert_eq!(me(&client, base, &bob_token).await, 200);
    }
    let calls = emu.calls("/user/info");
    assert_eq!(
        calls, 2,
        "one call per token, then every instance answers from cache"
    );

    // Revoked at the auth center: the caches still accept it (for up to their TTL)...
    emu.revoke_token(&alice_token);
    emu.set_status("alice", "disabled");
    for base in &bases {
        assert_eq!(me(&client, base, &alice_token).await, 200, "cached");
    }
    // ...until the auth center's webhook reaches any one instance.
    let delivery = signed_delivery("user.disabled", json!({"id": alice, "username": "alice"}));
    let (status, body) = deliver(&client, &bases[0], &delivery).await;
    assert_eq!(status, 200, "{body}");
    let started = Instant::now();
    for base in &bases {
        while me(&client, base, &alice_token).await != 401 {
            assert!(
                started.elapsed() < Duration::from_millis(100),
                "{base} still accepts the revoked token after 100 ms"
            );
        }
    }
    eprintln!("revoked on every instance within {:?}", started.elapsed());
    for base in &bases {
        assert_eq!(me(&client, base, &bob_token).await, 200, "bob is untouched");
    }

    // The same delivery replayed, to another instance or the same one, is refused.
    for base in [&bases[1], &bases[2], &bases[0]] {
        let (status, body) = deliver(&client, base, &delivery).await;
        assert_eq!(status, 401, "{body}");
        assert!(body.contains("Replayed"), "{body}");
    }
    // A fresh delivery is accepted by another instance.
    let fresh = signed_delivery(
        "user.updated",
        json!({"id": alice, "updatedFields": ["roles"]}),
    );
    assert_eq!(deliver(&client, &bases[2], &fresh).await.0, 200);
}
