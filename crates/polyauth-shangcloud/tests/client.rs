#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The native client against the ShangCloud emulator over loopback HTTP: the OAuth flow and
//! its bad inputs, refresh, user info, variables and MMO rooms.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::post;
use common::{REDIRECT_URI, client, client_with_store, config, consent, login, setup};
use polyauth_core::{AuthorizationRequest, ClientSecret, ErrorKind, MemoryStateStore, StateStore};
use polyauth_shangcloud::ShangCloudClient;
use polyauth_testkit::server::{Emulator, Fault, FaultKind};
use polyauth_testkit::shangcloud::ShangCloudEmulator;
use serde_json::json;

#[tokio::test]
async fn authorization_url_carries_every_parameter_and_a_strong_state() {
    let (_emu, c) = setup().await;
    c.append_scope("var:io");
    c.append_scope("var:io");
    assert_eq!(c.scope(), "user:basic var:io");
    let start = c.authorization_url().await.unwrap();
    assert!(
        start
            .url
            .as_str()
            .starts_with(&format!("{}/oauth/authorize?", c.base_url()))
    );
    let q: std::collections::HashMap<_, _> = start.url.query_pairs().into_owned().collect();
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], c.client_id());
    assert_eq!(q["redirect_uri"], REDIRECT_URI);
    assert_eq!(q["scope"], "user:basic var:io");
    assert_eq!(q["state"], start.state);
    assert!(!q.contains_key("code_challenge"), "PKCE is opt-in");
    assert_eq!(start.state.len(), 43);
    let other = c.authorization_url().await.unwrap();
    assert_ne!(other.state, start.state);
    c.set_scope("");
    c.append_scope("mmo");
    assert_eq!(c.scope(), "mmo");
}

#[tokio::test]
async fn full_flow_then_user_info() {
    let (emu, c) = setup().await;
    let start = c
        .authorization_url_with(AuthorizationRequest {
            return_to: Some("/dashboard".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let cb = consent(&start, "alice").await;
    assert_eq!(cb.state, start.state);
    let session = c
        .exchange_code(cb.code.expose_secret(), &cb.state)
        .await
        .unwrap();
    assert_eq!(session.return_to(), Some("/dashboard"));
    assert_eq!(session.tokens().token_type, "Bearer");
    assert!(session.tokens().refresh_token.is_some());
    assert_eq!(session.tokens().scope.as_deref(), Some("user:basic"));
    assert!(!session.is_expired());
    let info = session.basic_info().await.unwrap();
    assert_eq!(info.nickname, "alice");
    assert_eq!(info.mail, "alice@example.com");
    assert!(info.user_id > 0);
    assert_eq!(info.raw["uid"], json!(info.user_id));
    assert_eq!(emu.calls("/oauth/token"), 1);
    // Nothing secret in Debug output.
    let debug = format!("{c:?} {session:?}");
    assert!(!debug.contains(polyauth_testkit::shangcloud::CLIENT_SECRET));
    assert!(
        !debug.contains(session.access_token().expose_secret()),
        "{debug}"
    );
}

#[tokio::test]
async fn replayed_foreign_tampered_and_expired_states_are_invalid_before_any_call() {
    let emu = ShangCloudEmulator::start().await;
    emu.add_user("alice", "a@example.com");
    // The default state TTL (minutes): a slow machine never expires the states used here.
    let c = client(&emu);
    let start = c.authorization_url().await.unwrap();
    let cb = consent(&start, "alice").await;

    // Tampered: one character changed.
    let mut tampered = cb.state.clone().into_bytes();
    tampered[0] = if tampered[0] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for state in [tampered.as_str(), "never-issued", ""] {
        let e = c
            .exchange_code(cb.code.expose_secret(), state)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidState, "{state}: {e:?}");
    }
    assert_eq!(
        emu.calls("/oauth/token"),
        0,
        "no network call for a bad state"
    );

    c.exchange_code(cb.code.expose_secret(), &cb.state)
        .await
        .unwrap();
    let e = c
        .exchange_code(cb.code.expose_secret(), &cb.state)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState, "replay");
    assert_eq!(e.provider(), Some("shangcloud"));
    assert_eq!(emu.calls("/oauth/token"), 1);

    // Expired: with a short state TTL, the TTL passes before the callback.
    let ttl = Duration::from_millis(50);
    let c = ShangCloudClient::new(config(&emu).with_state_ttl(ttl)).unwrap();
    let start = c.authorization_url().await.unwrap();
    let cb = consent(&start, "alice").await;
    tokio::time::sleep(ttl + Duration::from_millis(50)).await;
    let e = c
        .exchange_code(cb.code.expose_secret(), &cb.state)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState, "expired");
    assert_eq!(emu.calls("/oauth/token"), 1);
}

#[tokio::test]
async fn concurrent_callbacks_with_one_state_make_one_exchange() {
    let (emu, c) = setup().await;
    let start = c.authorization_url().await.unwrap();
    let cb = consent(&start, "alice").await;
    let mut tasks = Vec::new();
    for _ in 0..200 {
        let (c, cb) = (c.clone(), cb.clone());
        tasks.push(tokio::spawn(async move {
            c.exchange_code(cb.code.expose_secret(), &cb.state).await
        }));
    }
    let (mut ok, mut invalid) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) if e.kind() == ErrorKind::InvalidState => invalid += 1,
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!((ok, invalid), (1, 199));
    assert_eq!(emu.calls("/oauth/token"), 1);
}

#[tokio::test]
async fn a_replayed_code_is_invalid_grant() {
    let (_emu, c) = setup().await;
    let start = c.authorization_url().await.unwrap();
    let cb = consent(&start, "alice").await;
    c.exchange_code(cb.code.expose_secret(), &cb.state)
        .await
        .unwrap();
    // The same code with a fresh, valid state: `invalid_grant`, i.e. the user must log in
    // again (InvalidToken, not a 500-ish Provider error), with the OAuth code in the message.
    let fresh = c.authorization_url().await.unwrap();
    let e = c
        .exchange_code(cb.code.expose_secret(), &fresh.state)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken, "{e:?}");
    assert!(e.to_string().contains("invalid_grant"), "{e}");
    assert_eq!(e.kind().server_status(), 401);
    assert!(!e.is_temporary());
    assert_eq!(e.status(), Some(400));
    // An empty code still consumes the state and is refused locally.
    let fresh = c.authorization_url().await.unwrap();
    let e = c.exchange_code("", &fresh.state).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let e = c.exchange_code("x", &fresh.state).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState);
}

#[tokio::test]
async fn pkce_is_sent_and_checked_when_enabled() {
    let emu = ShangCloudEmulator::start().await;
    emu.add_user("alice", "a@example.com");
    let c = ShangCloudClient::new(config(&emu).with_pkce(true)).unwrap();
    let start = c.authorization_url().await.unwrap();
    let q: std::collections::HashMap<_, _> = start.url.query_pairs().into_owned().collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    let cb = consent(&start, "alice").await;
    let session = c
        .exchange_code(cb.code.expose_secret(), &cb.state)
        .await
        .unwrap();
    assert_eq!(session.basic_info().await.unwrap().nickname, "alice");

    // A code obtained with PKCE cannot be redeemed by a client that lacks the verifier.
    let start = c.authorization_url().await.unwrap();
    let cb = consent(&start, "alice").await;
    let plain = client(&emu);
    let own = plain.authorization_url().await.unwrap();
    let e = plain
        .exchange_code(cb.code.expose_secret(), &own.state)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken, "{e:?}");
    assert!(e.message().contains("invalid_grant"), "{e}");
}

#[tokio::test]
async fn token_endpoint_statuses_map_to_kinds() {
    let (emu, c) = setup().await;
    for (status, kind) in [
        (400, ErrorKind::InvalidInput),
        (401, ErrorKind::Unauthenticated),
        (500, ErrorKind::Unavailable),
        (503, ErrorKind::Unavailable),
        (429, ErrorKind::RateLimited),
    ] {
        let start = c.authorization_url().await.unwrap();
        let cb = consent(&start, "alice").await;
        emu.server()
            .inject(Fault::status(status).on_path("/oauth/token").times(1));
        let e = c
            .exchange_code(cb.code.expose_secret(), &cb.state)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), kind, "{status}: {e:?}");
        assert_eq!(e.status(), Some(status));
        assert_eq!(e.operation(), Some("finish_authorization"));
    }
    for fault in [FaultKind::Html, FaultKind::MalformedJson] {
        let start = c.authorization_url().await.unwrap();
        let cb = consent(&start, "alice").await;
        emu.server()
            .inject(Fault::new(fault.clone()).on_path("/oauth/token").times(1));
        let e = c
            .exchange_code(cb.code.expose_secret(), &cb.state)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol, "{fault:?}: {e:?}");
    }
    let start = c.authorization_url().await.unwrap();
    let cb = consent(&start, "alice").await;
    emu.server().inject(
        Fault::new(FaultKind::Delay(Duration::from_secs(3)))
            .on_path("/oauth/token")
            .times(1),
    );
    let e = c
        .exchange_code(cb.code.expose_secret(), &cb.state)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "timeout: {e:?}");
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client_and_rotation_works() {
    let (_emu, c) = setup().await;
    c.set_client_secret(ClientSecret::new("wrong-secret"));
    let start = c.authorization_url().await.unwrap();
    let cb = consent(&start, "alice").await;
    let e = c
        .exchange_code(cb.code.expose_secret(), &cb.state)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConfigInvalid, "our credentials: {e:?}");
    assert!(e.message().contains("invalid_client"), "{e}");
    assert_eq!(e.status(), Some(401));
    assert!(!format!("{e:?} {e}").contains("wrong-secret"));
    c.set_client_secret(ClientSecret::new(
        polyauth_testkit::shangcloud::CLIENT_SECRET,
    ));
    login(&c, "alice").await;
}

/// A token endpoint answering `body` with `status` and a JSON content type.
async fn scripted_token_endpoint(status: u16, body: &'static str) -> Emulator {
    Emulator::serve(Router::new().route(
        "/oauth/token",
        post(move || async move {
            (
                axum::http::StatusCode::from_u16(status).unwrap(),
                [("content-type", "application/json")],
                body,
            )
        }),
    ))
    .await
}

#[tokio::test]
async fn malformed_token_answers_are_typed() {
    let cases: [(u16, &str, ErrorKind, &str); 12] = [
        (
            200,
            r#"{"error":"invalid_grant","error_description":"code used"}"#,
            ErrorKind::InvalidToken,
            "OAuth error with status 200",
        ),
        (
            400,
            r#"{"error":"invalid_grant","error_description":"code expired"}"#,
            ErrorKind::InvalidToken,
            "invalid_grant: log in again",
        ),
        (
            401,
            r#"{"error":"invalid_client"}"#,
            ErrorKind::ConfigInvalid,
            "invalid_client: our credentials",
        ),
        (
            400,
            r#"{"error":"unauthorized_client","error_description":"grant not allowed"}"#,
            ErrorKind::ConfigInvalid,
            "unauthorized_client: our registration",
        ),
        (
            400,
            r#"{"error":"temporarily_unavailable"}"#,
            ErrorKind::Unavailable,
            "temporarily_unavailable",
        ),
        (
            200,
            r#"{"error":"server_error","error_description":"db down"}"#,
            ErrorKind::Unavailable,
            "server_error with status 200",
        ),
        (
            503,
            r#"{"error":"invalid_grant"}"#,
            ErrorKind::Unavailable,
            "a 5xx is an outage whatever the code",
        ),
        (
            200,
            r#"{"refresh_token":"r","token_type":"Bearer","expires_in":60}"#,
            ErrorKind::Protocol,
            "no access_token",
        ),
        (
            200,
            r#"{"access_token":"a","expires_in":60}"#,
            ErrorKind::Protocol,
            "no token_type",
        ),
        (
            200,
            r#"{"access_token":"a","token_type":"Bearer","expires_in":"soon"}"#,
            ErrorKind::Protocol,
            "wrong type",
        ),
        (200, r#"[1,2]"#, ErrorKind::Protocol, "not an object"),
        (
            400,
            r#"{"error":"invalid_request","error_description":"bad"}"#,
            ErrorKind::Provider,
            "OAuth error with status 400",
        ),
    ];
    for (status, body, kind, what) in cases {
        let server = scripted_token_endpoint(status, body).await;
        let c = ShangCloudClient::new(
            polyauth_shangcloud::ShangCloudConfig::new(
                "cid",
                ClientSecret::new("sec"),
                url::Url::parse(REDIRECT_URI).unwrap(),
            )
            .with_base_url(url::Url::parse(&server.base_url()).unwrap()),
        )
        .unwrap();
        let start = c.authorization_url().await.unwrap();
        let e = c.exchange_code("code", &start.state).await.unwrap_err();
        assert_eq!(e.kind(), kind, "{what}: {e:?}");
        assert_eq!(e.status(), Some(status), "{what}");
        if let Some(code) = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned))
        {
            assert!(
                e.to_string().contains(&code),
                "{what}: the OAuth code is kept: {e}"
            );
        }
    }
    // A valid answer without refresh_token / expires_in is accepted (both optional in RFC 6749).
    let server =
        scripted_token_endpoint(200, r#"{"access_token":"a","token_type":"bearer"}"#).await;
    let c = ShangCloudClient::new(
        polyauth_shangcloud::ShangCloudConfig::new(
            "cid",
            ClientSecret::new("sec"),
            url::Url::parse(REDIRECT_URI).unwrap(),
        )
        .with_base_url(url::Url::parse(&server.base_url()).unwrap()),
    )
    .unwrap();
    let start = c.authorization_url().await.unwrap();
    let s = c.exchange_code("code", &start.state).await.unwrap();
    assert_eq!(s.tokens().token_type, "Bearer");
    assert!(s.tokens().refresh_token.is_none() && s.expires_at().is_none());
    assert!(!s.is_expired());
}

#[tokio::test]
async fn refresh_rotates_tokens() {
    let (_emu, c) = setup().await;
    let session = login(&c, "alice").await;
    let refreshed = c.refresh(&session).await.unwrap();
    assert_ne!(refreshed.access_token(), session.access_token());
    assert_eq!(refreshed.basic_info().await.unwrap().nickname, "alice");
    // A late refresh of the same session within the reuse window gets the same new tokens
    // (the concurrent-refresh guard), not a second token call.
    let again = c.refresh(&session).await.unwrap();
    assert_eq!(again.access_token(), refreshed.access_token());
    // Elsewhere (no shared guard), the old refresh token was rotated away.
    let other = ShangCloudClient::new(c.config().clone()).unwrap();
    let e = other.refresh(&session).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken, "{e:?}");
    assert!(e.message().contains("invalid_grant"), "{e}");
    assert_eq!(e.operation(), Some("refresh"));
}

#[tokio::test]
async fn expiry_uses_a_60_second_skew_and_expired_tokens_fail_locally() {
    let (emu, c) = setup().await;
    emu.set_token_ttl(Duration::from_secs(30));
    let s = login(&c, "alice").await;
    assert!(s.is_expired(), "30 s left is within the 60 s skew");
    s.basic_info().await.unwrap(); // but still usable
    emu.set_token_ttl(Duration::ZERO);
    let s = login(&c, "alice").await;
    let before = emu.calls("/api/user/info");
    let e = s.basic_info().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert_eq!(
        emu.calls("/api/user/info"),
        before,
        "no call with an expired token"
    );
}

#[tokio::test]
async fn two_instances_share_states_through_redis() {
    let emu = ShangCloudEmulator::start().await;
    emu.add_user("alice", "a@example.com");
    let prefix = format!("polyauth-test:shangcloud:{}:", std::process::id());
    let connect = || async {
        let s = polyauth_redis::RedisStateStore::connect_with(
            &common::redis_url(),
            polyauth_redis::RedisOptions::default().with_key_prefix(prefix.clone()),
        )
        .await
        .unwrap();
        Arc::new(s) as Arc<dyn StateStore>
    };
    let a = client_with_store(&emu, connect().await);
    let b = client_with_store(&emu, connect().await);
    let start = a.authorization_url().await.unwrap();
    let cb = consent(&start, "alice").await;
    let session = b
        .exchange_code(cb.code.expose_secret(), &cb.state)
        .await
        .unwrap();
    assert_eq!(session.basic_info().await.unwrap().nickname, "alice");
    let e = a
        .exchange_code(cb.code.expose_secret(), &cb.state)
        .await
        .unwrap_err();
    assert_eq!(
        e.kind(),
        ErrorKind::InvalidState,
        "consumed on B, replayed on A"
    );
    // The memory store does not share: B cannot see A's state.
    let a = client_with_store(&emu, Arc::new(MemoryStateStore::default()));
    let b = client(&emu);
    let start = a.authorization_url().await.unwrap();
    let cb = consent(&start, "alice").await;
    let e = b
        .exchange_code(cb.code.expose_secret(), &cb.state)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState);
}

/// A token endpoint that records each request's `Authorization` header and form body and
/// answers with valid tokens.
async fn recording_token_endpoint() -> (Emulator, Arc<std::sync::Mutex<Vec<(String, String)>>>) {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let server = Emulator::serve(Router::new().route(
        "/oauth/token",
        post(move |headers: axum::http::HeaderMap, body: String| {
            let log = log.clone();
            async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                log.lock().unwrap().push((auth, body));
                axum::Json(json!({"access_token": "a", "token_type": "Bearer",
                                  "refresh_token": "r", "expires_in": 60}))
            }
        }),
    ))
    .await;
    (server, seen)
}

#[tokio::test]
async fn basic_authentication_is_sent_raw_as_the_reference_sdk_does() {
    for (secret, expected) in [
        // base64("cid:sec"), as the reference SDK (`shangcloud/client.py`) builds it.
        ("sec", "Basic Y2lkOnNlYw==".to_owned()),
        // Characters RFC 6749 §2.3.1 would url-encode first: sent unencoded.
        (
            "a+b/c=d%e: f",
            format!(
                "Basic {}",
                base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    "cid:a+b/c=d%e: f"
                )
            ),
        ),
    ] {
        let (server, seen) = recording_token_endpoint().await;
        let c = ShangCloudClient::new(
            polyauth_shangcloud::ShangCloudConfig::new(
                "cid",
                ClientSecret::new(secret),
                url::Url::parse(REDIRECT_URI).unwrap(),
            )
            .with_base_url(url::Url::parse(&server.base_url()).unwrap()),
        )
        .unwrap();
        let start = c.authorization_url().await.unwrap();
        let session = c.exchange_code("the-code", &start.state).await.unwrap();
        c.refresh(&session).await.unwrap();
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 2);
        for (auth, body) in &seen {
            assert_eq!(auth, &expected, "{secret}");
            let keys: Vec<String> = url::form_urlencoded::parse(body.as_bytes())
                .map(|(k, _)| k.into_owned())
                .collect();
            assert!(
                !keys
                    .iter()
                    .any(|k| k == "client_id" || k == "client_secret"),
                "client credentials only in the header, as the reference: {body}"
            );
            assert!(!body.contains(secret), "{body}");
        }
        let code_keys: Vec<_> = url::form_urlencoded::parse(seen[0].1.as_bytes())
            .map(|(k, _)| k.into_owned())
            .collect();
        assert_eq!(code_keys, ["grant_type", "code", "redirect_uri"]);
    }
}

#[tokio::test]
async fn a_secret_with_reserved_characters_authenticates_at_the_emulator() {
    // The emulator compares the raw form, as the reference server: the url-encoded form of
    // this secret would be refused with invalid_client.
    let emu = ShangCloudEmulator::start().await;
    emu.add_user("alice", "a@example.com");
    let secret = "p+q/r=s%2F t:u";
    emu.register_client("raw-client", secret);
    let mut cfg = config(&emu);
    cfg.client_id = "raw-client".into();
    cfg.client_secret = ClientSecret::new(secret);
    let c = ShangCloudClient::new(cfg).unwrap();
    let session = login(&c, "alice").await;
    assert_eq!(session.basic_info().await.unwrap().nickname, "alice");
    c.refresh(&session).await.unwrap();
    assert_eq!(emu.calls("/oauth/token"), 2);
}

#[tokio::test]
async fn bound_logins_finish_only_with_their_binding() {
    let (emu, c) = setup().await;
    let start = c
        .authorization_url_bound(AuthorizationRequest {
            return_to: Some("/after".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(start.binding.len(), 43);
    assert!(!format!("{start:?}").contains(start.binding.expose_secret()));
    let cb = consent(&start, "alice").await;
    let session = c
        .exchange_code_bound(
            cb.code.expose_secret(),
            &cb.state,
            start.binding.expose_secret(),
        )
        .await
        .unwrap();
    assert_eq!(session.return_to(), Some("/after"));
    assert_eq!(session.basic_info().await.unwrap().nickname, "alice");
    assert_eq!(emu.calls("/oauth/token"), 1);

    // The attacker's callback (own code and state, bound to the attacker's browser) opened by
    // a victim whose browser holds another binding, or none: refused before any token call.
    let mut other_binding = None;
    for victim_binding in ["", "forged", "x"] {
        let attacker = c
            .authorization_url_bound(AuthorizationRequest::default())
            .await
            .unwrap();
        let victim = c
            .authorization_url_bound(AuthorizationRequest::default())
            .await
            .unwrap();
        let victims_cookie = if victim_binding == "x" {
            victim.binding.expose_secret().to_owned()
        } else {
            victim_binding.to_owned()
        };
        let cb = consent(&attacker, "bob").await;
        let e = c
            .exchange_code_bound(cb.code.expose_secret(), &cb.state, &victims_cookie)
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidState, "{victim_binding}: {e:?}");
        assert!(e.message().contains("user agent"), "{e}");
        assert!(!e.to_string().contains(attacker.binding.expose_secret()));
        // The state is consumed: not even the right binding finishes it now.
        let e = c
            .exchange_code_bound(
                cb.code.expose_secret(),
                &cb.state,
                attacker.binding.expose_secret(),
            )
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidState);
        other_binding = Some(victim);
    }
    assert_eq!(
        emu.calls("/oauth/token"),
        1,
        "no token call for a foreign binding"
    );

    // A bound state cannot be finished unbound, nor an unbound one bound.
    let bound = other_binding.unwrap();
    let cb = consent(&bound, "alice").await;
    let e = c
        .exchange_code(cb.code.expose_secret(), &cb.state)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState);
    assert!(e.message().contains("finish it with its binding"), "{e}");
    let unbound = c.authorization_url().await.unwrap();
    let cb = consent(&unbound, "alice").await;
    let e = c
        .exchange_code_bound(cb.code.expose_secret(), &cb.state, "anything")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState);
    assert_eq!(emu.calls("/oauth/token"), 1);
}

#[tokio::test]
async fn only_the_bindings_digest_is_stored() {
    let emu = ShangCloudEmulator::start().await;
    let store = Arc::new(MemoryStateStore::default());
    let c = client_with_store(&emu, store.clone());
    let start = c
        .authorization_url_bound(AuthorizationRequest::default())
        .await
        .unwrap();
    let record = store.take(&start.state).await.unwrap().unwrap();
    assert!(!record.contains(start.binding.expose_secret()), "{record}");
    assert!(record.contains("binding_sha256"), "{record}");
}

#[tokio::test]
async fn refresh_can_be_turned_off() {
    let emu = ShangCloudEmulator::start().await;
    emu.add_user("alice", "a@example.com");
    let c = ShangCloudClient::new(config(&emu).with_refresh(false)).unwrap();
    assert!(!c.refresh_enabled());
    let session = login(&c, "alice").await;
    let e = c.refresh(&session).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e:?}");
    assert_eq!(e.operation(), Some("refresh"));
    let rt = session.tokens().refresh_token.clone().unwrap();
    let e = c.refresh_token(&rt).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert_eq!(emu.calls("/oauth/token"), 1, "no refresh request");
    assert!(client(&emu).refresh_enabled(), "on by default");
}
