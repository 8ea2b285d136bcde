//! The application side of the acl module over the emulator (programmatic access accounts,
//! application access policies and the default strategy) and the applications module's
//! access calls (resources of its namespace, access policies, active users): a test per
//! method, bad input as typed errors with Authing's code kept.

use crate::common::*;
use futures::TryStreamExt;
use polyauth_authing::types::{
    AccessPolicyTargets, DefaultAccessStrategy, PolicyTargetType, ResourceAction, ResourceType,
    ResourceUpdate,
};
use polyauth_core::{ClientSecret, ErrorKind};
use polyauth_testkit::authing::AuthingEmulator;

#[tokio::test]
async fn programmatic_access_accounts_lifecycle() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let app = emu.options().app_id.clone();
    let acl = m.acl();
    let account = acl
        .create_programmatic_access_account(&app, Some("ci"), 3600)
        .await
        .unwrap();
    assert_eq!(account.token_lifetime, Some(3600));
    assert_eq!(account.remark.as_deref(), Some("ci"));
    assert_eq!(account.enabled, Some(true));
    let secret = account.secret.clone().unwrap();
    assert!(!format!("{account:?}").contains(secret.expose_secret()));
    let disabled = acl
        .disable_programmatic_access_account(&account.id)
        .await
        .unwrap();
    assert_eq!(disabled.enabled, Some(false));
    let enabled = acl
        .enable_programmatic_access_account(&account.id)
        .await
        .unwrap();
    assert_eq!(enabled.enabled, Some(true));
    let chosen = ClientSecret::new("abcdefhijkmnprstwxyz2345678abcde");
    let refreshed = acl
        .refresh_programmatic_access_account_secret(&account.id, Some(&chosen))
        .await
        .unwrap();
    assert_eq!(refreshed.secret.as_ref(), Some(&chosen));
    let drawn = acl
        .refresh_programmatic_access_account_secret(&account.id, None)
        .await
        .unwrap();
    let drawn = drawn.secret.unwrap();
    assert_ne!(drawn, chosen);
    assert_eq!(drawn.len(), polyauth_authing::PROGRAMMATIC_SECRET_LEN);
    acl.create_programmatic_access_account(&app, None, 600)
        .await
        .unwrap();
    let page = acl
        .programmatic_access_account_list(&app, 1, 1)
        .await
        .unwrap();
    assert_eq!((page.total_count, page.list.len()), (2, 1));
    assert!(
        acl.programmatic_access_account_list(&app, 3, 1)
            .await
            .unwrap()
            .list
            .is_empty()
    );
    acl.delete_programmatic_access_account(&account.id)
        .await
        .unwrap();
    let left: Vec<_> = acl
        .programmatic_access_account_list_stream(&app)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_ne!(left[0].id, account.id);
}

#[tokio::test]
async fn programmatic_access_account_bad_input_is_typed_errors() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let acl = m.acl();
    for unknown in [
        acl.create_programmatic_access_account("no-such-app", None, 600)
            .await
            .unwrap_err(),
        acl.programmatic_access_account_list("no-such-app", 1, 10)
            .await
            .unwrap_err(),
        acl.disable_programmatic_access_account("no-such-account")
            .await
            .unwrap_err(),
        acl.delete_programmatic_access_account("no-such-account")
            .await
            .unwrap_err(),
    ] {
        assert_code(&unknown, ErrorKind::NotFound, "404");
    }
    let sent = emu.received().len();
    let empty = ClientSecret::new("");
    for err in [
        acl.create_programmatic_access_account("", None, 600)
            .await
            .unwrap_err(),
        acl.create_programmatic_access_account("app", None, 0)
            .await
            .unwrap_err(),
        acl.enable_programmatic_access_account("")
            .await
            .unwrap_err(),
        acl.refresh_programmatic_access_account_secret("id", Some(&empty))
            .await
            .unwrap_err(),
        acl.programmatic_access_account_list("app", 0, 10)
            .await
            .unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
    assert_eq!(emu.received().len(), sent, "nothing is sent for bad input");
}

#[tokio::test]
async fn application_access_policies_and_default_strategy() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let app = emu.options().app_id.clone();
    let (acl, apps) = (m.acl(), m.applications());
    let users = AccessPolicyTargets::new(PolicyTargetType::User, owned(&["u1", "u2"]));
    let mut roles = AccessPolicyTargets::new(PolicyTargetType::Role, owned(&["admin"]));
    roles.namespace = Some("default".into());
    acl.allow_access_application(&app, &users).await.unwrap();
    acl.deny_access_application(&app, &roles).await.unwrap();
    let records = apps.get_access_policies(&app, 1, 10).await.unwrap();
    assert_eq!(records.total_count, 3);
    let admin = records
        .list
        .iter()
        .find(|p| p.target_identifier.as_deref() == Some("admin"))
        .unwrap();
    assert_eq!(admin.effect.as_deref(), Some("DENY"));
    assert_eq!(admin.target_type, Some(PolicyTargetType::Role));
    acl.disable_application_access_policies(&app, &users)
        .await
        .unwrap();
    let disabled: Vec<_> = apps
        .get_access_policies_stream(&app)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        disabled.iter().filter(|p| p.enabled == Some(false)).count(),
        2
    );
    acl.enable_application_access_policies(&app, &users)
        .await
        .unwrap();
    let page = apps.get_access_policies(&app, 2, 2).await.unwrap();
    assert_eq!(page.list.len(), 1);
    assert!(page.list.iter().all(|p| p.enabled == Some(true)));
    acl.delete_application_access_policies(&app, &users)
        .await
        .unwrap();
    assert_eq!(
        apps.get_access_policies(&app, 1, 10)
            .await
            .unwrap()
            .total_count,
        1
    );
    let changed = acl
        .update_default_application_access_policy(&app, DefaultAccessStrategy::DenyAll)
        .await
        .unwrap();
    assert_eq!(
        changed.extra["permissionStrategy"]["defaultStrategy"],
        serde_json::json!("DENY_ALL")
    );
    let found = apps.find_by_id(&app).await.unwrap();
    assert_eq!(
        found.extra["permissionStrategy"],
        changed.extra["permissionStrategy"]
    );
}

#[tokio::test]
async fn application_access_policy_bad_input_is_typed_errors() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let app = emu.options().app_id.clone();
    let acl = m.acl();
    let users = AccessPolicyTargets::new(PolicyTargetType::User, owned(&["u1"]));
    let no_policy = acl
        .enable_application_access_policies(&app, &users)
        .await
        .unwrap_err();
    assert_code(&no_policy, ErrorKind::NotFound, "404");
    for unknown in [
        acl.allow_access_application("no-such-app", &users)
            .await
            .unwrap_err(),
        acl.update_default_application_access_policy(
            "no-such-app",
            DefaultAccessStrategy::AllowAll,
        )
        .await
        .unwrap_err(),
        m.applications()
            .get_access_policies("no-such-app", 1, 10)
            .await
            .unwrap_err(),
    ] {
        assert_code(&unknown, ErrorKind::NotFound, "404");
    }
    let sent = emu.received().len();
    let nobody = AccessPolicyTargets::new(PolicyTargetType::Group, Vec::new());
    for err in [
        acl.deny_access_application(&app, &nobody)
            .await
            .unwrap_err(),
        acl.allow_access_application("", &users).await.unwrap_err(),
        m.applications()
            .get_access_policies(&app, 0, 10)
            .await
            .unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
    assert_eq!(emu.received().len(), sent, "nothing is sent for bad input");
}

#[tokio::test]
async fn application_resources_live_in_its_namespace() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let app = emu.options().app_id.clone();
    let apps = m.applications();
    let created = apps.create_resource(&app, &books()).await.unwrap();
    assert_eq!(created.namespace.as_deref(), Some(app.as_str()));
    let via_acl = m.acl().list_resources(&app, None, 1, 10).await.unwrap();
    assert_eq!(via_acl.list, vec![created.clone()]);
    let mut update = ResourceUpdate::new();
    update.actions = vec![ResourceAction::new("books:lend", "lend a book")];
    update.resource_type = Some(ResourceType::Button);
    let changed = apps.update_resource(&app, "books", &update).await.unwrap();
    assert_eq!(changed.actions, update.actions);
    let buttons = apps
        .list_resources(&app, 1, 10, Some(ResourceType::Button))
        .await
        .unwrap();
    assert_eq!(buttons.total_count, 1);
    let every: Vec<_> = apps
        .list_resources_stream(&app, None)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(every.len(), 1);
    apps.delete_resource(&app, "books").await.unwrap();
    assert_eq!(
        apps.list_resources(&app, 1, 10, None)
            .await
            .unwrap()
            .total_count,
        0
    );
    let gone = apps.delete_resource(&app, "books").await.unwrap_err();
    assert_code(&gone, ErrorKind::NotFound, "404");
    let nowhere = apps
        .create_resource("no-such-app", &books())
        .await
        .unwrap_err();
    assert_code(&nowhere, ErrorKind::NotFound, "404");
    let empty = apps.list_resources("", 1, 10, None).await.unwrap_err();
    assert_eq!(empty.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn active_users_are_those_logged_in() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let app = emu.options().app_id.clone();
    let (ann, ben, _cid) = (
        plain_user(&emu, "ann"),
        plain_user(&emu, "ben"),
        plain_user(&emu, "cid"),
    );
    emu.issue_token(&ann, 600);
    emu.issue_token(&ben, 600);
    emu.issue_token(&ben, -10);
    let apps = m.applications();
    let page = apps.active_users(&app, 1, 10).await.unwrap();
    let mut ids: Vec<_> = page.list.iter().map(|u| u.id.clone()).collect();
    ids.sort();
    let mut want = vec![ann, ben];
    want.sort();
    assert_eq!(ids, want);
    assert!(
        apps.active_users(&app, 2, 10)
            .await
            .unwrap()
            .list
            .is_empty()
    );
    let every: Vec<_> = apps.active_users_stream(&app).try_collect().await.unwrap();
    assert_eq!(every.len(), 2);
    let unknown = apps.active_users("no-such-app", 1, 10).await.unwrap_err();
    assert_code(&unknown, ErrorKind::NotFound, "404");
    let bad = apps.active_users(&app, 1, 0).await.unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);
}
