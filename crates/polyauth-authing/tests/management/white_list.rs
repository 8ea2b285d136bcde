//! The white_list module of the ManagementClient over the emulator: the whitelists of each
//! kind, their switches (the pool's settings, as the user_pool module reads them), bad input
//! and a scenario.

use crate::common::*;
use polyauth_authing::types::WhitelistType;
use polyauth_core::ErrorKind;
use polyauth_testkit::authing::AuthingEmulator;

fn values(entries: &[polyauth_authing::types::WhitelistEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.value.as_str()).collect()
}

#[tokio::test]
async fn add_list_and_remove_per_kind() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let wl = m.white_list();
    assert!(wl.list(WhitelistType::Email).await.unwrap().is_empty());
    let added = wl
        .add(
            WhitelistType::Email,
            &owned(&["a@example.com", "b@example.com"]),
        )
        .await
        .unwrap();
    assert_eq!(values(&added), ["a@example.com", "b@example.com"]);
    assert!(added[0].created_at.is_some());
    wl.add(WhitelistType::Username, &owned(&["ann"]))
        .await
        .unwrap();
    // Kinds are separate lists.
    let emails = wl.list(WhitelistType::Email).await.unwrap();
    assert_eq!(values(&emails), ["a@example.com", "b@example.com"]);
    let names = wl.list(WhitelistType::Username).await.unwrap();
    assert_eq!(values(&names), ["ann"]);
    assert!(wl.list(WhitelistType::Phone).await.unwrap().is_empty());

    let left = wl
        .remove(WhitelistType::Email, &owned(&["a@example.com"]))
        .await
        .unwrap();
    assert_eq!(values(&left), ["b@example.com"]);
    assert_eq!(
        values(&wl.list(WhitelistType::Email).await.unwrap()),
        ["b@example.com"]
    );
}

#[tokio::test]
async fn enable_and_disable_switch_the_pools_settings() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let wl = m.white_list();
    let on = wl.enable(WhitelistType::Phone).await.unwrap();
    let switches = on.whitelist.unwrap();
    assert_eq!(switches.phone_enabled, Some(true));
    assert_eq!(switches.email_enabled, Some(false));
    let sent = emu.last_variables("updateUserpool").unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"input": {"whitelist": {"phoneEnabled": true}}})
    );
    wl.enable(WhitelistType::Username).await.unwrap();
    let off = wl.disable(WhitelistType::Phone).await.unwrap();
    let switches = off.whitelist.unwrap();
    assert_eq!(switches.phone_enabled, Some(false));
    assert_eq!(switches.username_enabled, Some(true));
    // The user_pool module reads the same settings.
    let detail = m.user_pool().detail().await.unwrap().whitelist.unwrap();
    assert_eq!(detail.username_enabled, Some(true));
    assert_eq!(detail.phone_enabled, Some(false));
}

#[tokio::test]
async fn bad_input_is_typed_errors() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let wl = m.white_list();
    wl.add(WhitelistType::Phone, &owned(&["13800000000"]))
        .await
        .unwrap();
    let twice = wl
        .add(
            WhitelistType::Phone,
            &owned(&["13900000000", "13800000000"]),
        )
        .await
        .unwrap_err();
    assert_eq!(twice.kind(), ErrorKind::InvalidInput);
    assert_eq!(twice.provider_code(), Some("400"));
    let missing = wl
        .remove(WhitelistType::Phone, &owned(&["13800000000", "none"]))
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert_eq!(missing.provider_code(), Some("404"));
    // Neither call changed the list.
    assert_eq!(
        values(&wl.list(WhitelistType::Phone).await.unwrap()),
        ["13800000000"]
    );
    let (adds, removes) = (
        emu.op_calls("addWhitelist"),
        emu.op_calls("removeWhitelist"),
    );
    for empty in [
        wl.add(WhitelistType::Phone, &[]).await.unwrap_err(),
        wl.remove(WhitelistType::Phone, &[]).await.unwrap_err(),
    ] {
        assert_eq!(empty.kind(), ErrorKind::InvalidInput);
    }
    assert_eq!(emu.op_calls("addWhitelist"), adds);
    assert_eq!(emu.op_calls("removeWhitelist"), removes);
}

/// Allow two emails, switch the email whitelist on, drop one, switch it off again.
#[tokio::test]
async fn scenario_an_email_whitelist_from_on_to_off() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let wl = m.white_list();
    wl.add(
        WhitelistType::Email,
        &owned(&["ann@example.com", "ben@example.com"]),
    )
    .await
    .unwrap();
    let on = wl.enable(WhitelistType::Email).await.unwrap();
    assert_eq!(on.whitelist.unwrap().email_enabled, Some(true));
    wl.remove(WhitelistType::Email, &owned(&["ben@example.com"]))
        .await
        .unwrap();
    assert_eq!(
        values(&wl.list(WhitelistType::Email).await.unwrap()),
        ["ann@example.com"]
    );
    let off = wl.disable(WhitelistType::Email).await.unwrap();
    assert_eq!(off.whitelist.unwrap().email_enabled, Some(false));
    // Switching off keeps the entries.
    assert_eq!(wl.list(WhitelistType::Email).await.unwrap().len(), 1);
}
