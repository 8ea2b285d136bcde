//! Webhook signatures: the reference vector, tampering, fail-closed and the stricter mode.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use polyauth_aigc::webhook::{
    Rejection, WebhookReceiverConfig, sign_webhook, sign_webhook_timestamped,
    verify_webhook_signature, verify_webhook_timestamped, webhook_body,
};
use polyauth_core::Secret;
use polyauth_core::env::Env;

const BODY: &str = r#"{"event": "user.created", "data": {"username": "alice", "id": 7}}"#;
const VECTOR: &str = "e9184d9f0f985814a0eac8d37fb5bdf3473ad35c6b9af13429beb0fc54554ee3";

#[test]
fn reference_vector() {
    let secret = Secret::new("whsec_test");
    assert_eq!(sign_webhook(&secret, BODY.as_bytes()), VECTOR);
    assert!(verify_webhook_signature(&secret, BODY.as_bytes(), VECTOR));
    // The emulator's independent HMAC agrees.
    assert_eq!(
        polyauth_testkit::aigc::hmac_sha256_hex(b"whsec_test", BODY.as_bytes()),
        VECTOR
    );
}

/// The sender writes the body as the reference's `json.dumps(..., ensure_ascii=False)`, so
/// the same event and data are signed over the same bytes.
#[test]
fn sender_body_has_the_reference_bytes() {
    let data = serde_json::json!({"id": 7, "names": ["a", "卡"], "nested": {"k": null}});
    let body = webhook_body("user.created", &data);
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"event": "user.created", "data": {"id": 7, "names": ["a", "卡"], "nested": {"k": null}}}"#
    );
    let empty = webhook_body("ping", &serde_json::json!({}));
    assert_eq!(empty, br#"{"event": "ping", "data": {}}"#);
}

#[test]
fn tampered_body_bad_signature_and_missing_secret_fail() {
    let secret = Secret::new("whsec_test");
    let tampered = BODY.replace("alice", "mallory");
    assert!(!verify_webhook_signature(
        &secret,
        tampered.as_bytes(),
        VECTOR
    ));
    let mut flipped = VECTOR.to_owned();
    flipped.replace_range(0..1, "f");
    assert!(!verify_webhook_signature(
        &secret,
        BODY.as_bytes(),
        &flipped
    ));
    assert!(!verify_webhook_signature(&secret, BODY.as_bytes(), ""));
    assert!(!verify_webhook_signature(
        &secret,
        BODY.as_bytes(),
        "not-hex"
    ));
    assert!(!verify_webhook_signature(
        &secret,
        BODY.as_bytes(),
        &VECTOR[..32]
    ));
    assert!(!verify_webhook_signature(
        &Secret::new("other"),
        BODY.as_bytes(),
        VECTOR
    ));
    // No secret: nothing verifies, not even the signature of the empty key.
    assert!(!verify_webhook_signature(
        &Secret::new(""),
        BODY.as_bytes(),
        VECTOR
    ));
    assert_eq!(sign_webhook(&Secret::new(""), BODY.as_bytes()), "");
}

/// The reference compares `hmac.new(secret, body, sha256).hexdigest()` with the header value
/// as text (`hmac.compare_digest`): only the exact lower-case hex verifies, nothing trimmed.
#[test]
fn only_the_exact_lower_case_hex_verifies() {
    let secret = Secret::new("whsec_test");
    let body = BODY.as_bytes();
    assert!(VECTOR.bytes().any(|b| b.is_ascii_alphabetic()));
    assert!(verify_webhook_signature(&secret, body, VECTOR));
    let upper = VECTOR.to_ascii_uppercase();
    let mixed: String = VECTOR
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect();
    for sig in [
        upper,
        mixed,
        format!(" {VECTOR}"),
        format!("{VECTOR} "),
        format!(" {VECTOR} "),
        format!("\t{VECTOR}\n"),
        format!("sha256={VECTOR}"),
        format!("{VECTOR}00"),
    ] {
        assert!(!verify_webhook_signature(&secret, body, &sig), "{sig:?}");
    }
    // The stricter mode compares the same way.
    let now = SystemTime::now();
    let ts = now.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let sig = sign_webhook_timestamped(&secret, ts, body);
    let window = Duration::from_secs(300);
    let t = ts.to_string();
    for bad in [sig.to_ascii_uppercase(), format!("{sig} ")] {
        assert_eq!(
            verify_webhook_timestamped(&secret, body, &bad, Some(&t), now, window),
            Err(Rejection::BadSignature),
            "{bad:?}"
        );
    }
}

#[test]
fn stricter_mode_checks_the_timestamp_window() {
    let secret = Secret::new("whsec_test");
    let now = SystemTime::now();
    let ts = now.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let window = Duration::from_secs(300);
    let sig = sign_webhook_timestamped(&secret, ts, BODY.as_bytes());
    assert_ne!(sig, VECTOR);
    let t = ts.to_string();
    assert_eq!(
        verify_webhook_timestamped(&secret, BODY.as_bytes(), &sig, Some(&t), now, window),
        Ok(ts)
    );
    // Old timestamp, even correctly signed: refused.
    let old = ts - 301;
    let old_sig = sign_webhook_timestamped(&secret, old, BODY.as_bytes());
    assert_eq!(
        verify_webhook_timestamped(
            &secret,
            BODY.as_bytes(),
            &old_sig,
            Some(&old.to_string()),
            now,
            window
        ),
        Err(Rejection::BadTimestamp)
    );
    // A timestamp changed without re-signing: bad signature.
    let moved = (ts + 1).to_string();
    assert_eq!(
        verify_webhook_timestamped(&secret, BODY.as_bytes(), &sig, Some(&moved), now, window),
        Err(Rejection::BadSignature)
    );
    assert_eq!(
        verify_webhook_timestamped(&secret, BODY.as_bytes(), &sig, None, now, window),
        Err(Rejection::BadTimestamp)
    );
    assert_eq!(
        verify_webhook_timestamped(
            &Secret::new(""),
            BODY.as_bytes(),
            &sig,
            Some(&t),
            now,
            window
        ),
        Err(Rejection::NoSecret)
    );
}

#[test]
fn receiver_config_from_env() {
    let env = Env::from_pairs([
        ("AIGC_AUTH_WEBHOOK_SECRET", "whsec_env"),
        ("AIGC_AUTH_WEBHOOK_REPLAY_WINDOW_SECONDS", "120"),
    ]);
    let c = WebhookReceiverConfig::from_env(&env).unwrap();
    assert_eq!(c.secret.as_ref().unwrap().expose_secret(), "whsec_env");
    assert_eq!(c.replay_window, Some(Duration::from_secs(120)));
    assert!(!format!("{c:?}").contains("whsec_env"));
    let none = WebhookReceiverConfig::from_env(&Env::from_pairs([("X", "1")])).unwrap();
    assert!(none.secret.is_none() && none.replay_window.is_none());
    let bad = Env::from_pairs([("AIGC_AUTH_WEBHOOK_REPLAY_WINDOW_SECONDS", "soon")]);
    assert!(WebhookReceiverConfig::from_env(&bad).is_err());
    let merged = WebhookReceiverConfig::default().or_env(&env);
    assert_eq!(merged.secret.unwrap().expose_secret(), "whsec_env");
}
