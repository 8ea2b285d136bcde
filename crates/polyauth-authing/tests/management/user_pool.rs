//! The user_pool module of the ManagementClient over the emulator: the pool's settings (read
//! over REST, changed over GraphQL, one state) and its environment variables, their bad
//! input and a scenario.

use crate::common::*;
use polyauth_authing::types::{FrequencyCheck, UserpoolUpdate, WhitelistSwitches};
use polyauth_core::ErrorKind;
use polyauth_testkit::authing::AuthingEmulator;
use serde_json::json;

#[tokio::test]
async fn detail_answers_the_pools_settings() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let pool = m.user_pool().detail().await.unwrap();
    assert_eq!(pool.id, emu.options().user_pool_id);
    assert_eq!(pool.register_disabled, Some(false));
    assert_eq!(
        pool.whitelist,
        Some(WhitelistSwitches {
            phone_enabled: Some(false),
            email_enabled: Some(false),
            username_enabled: Some(false),
        })
    );
    assert!(pool.extra.contains_key("packageType"));
}

#[tokio::test]
async fn update_changes_only_what_is_set() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let updates = UserpoolUpdate {
        name: Some("Staff".into()),
        register_disabled: Some(true),
        login_fail_check: Some(FrequencyCheck {
            enabled: Some(true),
            ..FrequencyCheck::default()
        }),
        ..UserpoolUpdate::default()
    };
    let after = m.user_pool().update(&updates).await.unwrap();
    assert_eq!(after.name.as_deref(), Some("Staff"));
    assert_eq!(after.register_disabled, Some(true));
    let check = after.login_fail_check.unwrap();
    assert_eq!(check.enabled, Some(true));
    // The fields not sent keep their values.
    assert_eq!(check.limit, Some(50));
    assert_eq!(after.send_welcome_email, Some(false));
    // Only the fields set are sent.
    let sent = emu.last_variables("updateUserpool").unwrap();
    assert_eq!(
        sent,
        json!({"input": {"name": "Staff", "registerDisabled": true, "loginFailCheck": {"enabled": true}}})
    );
    // The REST detail reads the same state.
    let detail = m.user_pool().detail().await.unwrap();
    assert_eq!(detail.name.as_deref(), Some("Staff"));
    assert_eq!(detail.register_disabled, Some(true));
}

#[tokio::test]
async fn an_empty_update_is_refused_before_sending() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let err = m
        .user_pool()
        .update(&UserpoolUpdate::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(emu.op_calls("updateUserpool"), 0);
}

#[tokio::test]
async fn environment_variables() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let pool = m.user_pool();
    assert!(pool.list_env().await.unwrap().is_empty());
    pool.add_env("region", &json!("cn-north")).await.unwrap();
    pool.add_env("limits", &json!({"rps": 10})).await.unwrap();
    let env = pool.list_env().await.unwrap();
    let pairs: Vec<_> = env
        .iter()
        .map(|e| (e.key.as_str(), e.value.clone()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("region", json!("cn-north")),
            ("limits", json!({"rps": 10}))
        ]
    );
    pool.remove_env("region").await.unwrap();
    let keys: Vec<String> = pool
        .list_env()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect();
    assert_eq!(keys, ["limits"]);
}

#[tokio::test]
async fn bad_environment_variables_are_typed_errors() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let pool = m.user_pool();
    pool.add_env("region", &json!("cn")).await.unwrap();
    let taken = pool.add_env("region", &json!("us")).await.unwrap_err();
    assert_eq!(taken.kind(), ErrorKind::InvalidInput);
    assert_eq!(taken.provider_code(), Some("400"));
    let unknown = pool.remove_env("nope").await.unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    assert_eq!(unknown.provider_code(), Some("404"));
    for empty in [
        pool.add_env("", &json!(1)).await.unwrap_err(),
        pool.remove_env("").await.unwrap_err(),
    ] {
        assert_eq!(empty.kind(), ErrorKind::InvalidInput);
    }
    // The first value stays.
    assert_eq!(pool.list_env().await.unwrap()[0].value, json!("cn"));
}

/// Close registration, keep its limits in environment variables, read both back, reopen.
#[tokio::test]
async fn scenario_settings_and_variables_read_back() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let pool = m.user_pool();
    let close = UserpoolUpdate {
        register_disabled: Some(true),
        allowed_origins: Some("https://app.example.com".into()),
        ..UserpoolUpdate::default()
    };
    pool.update(&close).await.unwrap();
    pool.add_env("reopen_at", &json!("2026-01-01"))
        .await
        .unwrap();
    let detail = pool.detail().await.unwrap();
    assert_eq!(detail.register_disabled, Some(true));
    assert_eq!(
        detail.allowed_origins.as_deref(),
        Some("https://app.example.com")
    );
    assert_eq!(pool.list_env().await.unwrap()[0].key, "reopen_at");

    let reopen = UserpoolUpdate {
        register_disabled: Some(false),
        ..UserpoolUpdate::default()
    };
    let after = pool.update(&reopen).await.unwrap();
    assert_eq!(after.register_disabled, Some(false));
    assert_eq!(
        after.allowed_origins.as_deref(),
        Some("https://app.example.com")
    );
    pool.remove_env("reopen_at").await.unwrap();
    assert!(pool.list_env().await.unwrap().is_empty());
}

#[tokio::test]
async fn is_password_valid_checks_a_password_against_the_pools_policy() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let strong = m
        .is_password_valid(&polyauth_core::Password::new("Str0ng-pass"))
        .await
        .unwrap();
    assert!(strong.valid, "{strong:?}");
    let weak = m
        .is_password_valid(&polyauth_core::Password::new("abc"))
        .await
        .unwrap();
    assert!(!weak.valid, "{weak:?}");
    assert!(weak.message.is_some());
}
