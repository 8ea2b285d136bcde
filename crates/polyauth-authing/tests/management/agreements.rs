//! The applications module's login agreements over the emulator: add, list, change, delete,
//! order, their bad input and a scenario.

use crate::common::*;
use polyauth_authing::ManagementClient;
use polyauth_core::ErrorKind;
use polyauth_testkit::authing::AuthingEmulator;

async fn app(m: &ManagementClient) -> String {
    m.applications()
        .create("Shop", "shop", &[], None)
        .await
        .unwrap()
        .id
}

async fn titles(m: &ManagementClient, app: &str) -> Vec<String> {
    m.applications()
        .list_agreement(app)
        .await
        .unwrap()
        .list
        .into_iter()
        .map(|a| a.title)
        .collect()
}

#[tokio::test]
async fn create_list_modify_and_delete() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let app = app(&m).await;
    let apps = m.applications();
    let terms = apps
        .create_agreement(&app, "Terms of use", true, "en-US")
        .await
        .unwrap();
    assert_eq!(terms.title, "Terms of use");
    assert_eq!(terms.required, Some(true));
    assert_eq!(terms.lang.as_deref(), Some("en-US"));
    assert_eq!(terms.app_id.as_deref(), Some(app.as_str()));
    apps.create_agreement(&app, "Privacy", false, "zh-CN")
        .await
        .unwrap();
    let listed = apps.list_agreement(&app).await.unwrap();
    assert_eq!(listed.total_count, 2);
    assert_eq!(listed.list[0], terms);

    let changed = apps
        .modify_agreement(&app, terms.id, "Terms", false, "zh-CN")
        .await
        .unwrap();
    assert_eq!(changed.title, "Terms");
    assert_eq!(changed.required, Some(false));
    apps.delete_agreement(&app, terms.id).await.unwrap();
    assert_eq!(titles(&m, &app).await, ["Privacy"]);
}

#[tokio::test]
async fn sort_orders_them() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let app = app(&m).await;
    let apps = m.applications();
    let mut ids = Vec::new();
    for title in ["A", "B", "C"] {
        ids.push(
            apps.create_agreement(&app, title, true, "zh-CN")
                .await
                .unwrap()
                .id,
        );
    }
    apps.sort_agreement(&app, &[ids[2], ids[0], ids[1]])
        .await
        .unwrap();
    assert_eq!(titles(&m, &app).await, ["C", "A", "B"]);
}

#[tokio::test]
async fn bad_input_is_typed_errors() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let app = app(&m).await;
    let apps = m.applications();
    let a = apps
        .create_agreement(&app, "Terms", true, "zh-CN")
        .await
        .unwrap();
    for unknown in [
        apps.create_agreement("no-such-app", "T", true, "zh-CN")
            .await
            .unwrap_err(),
        apps.list_agreement("no-such-app").await.unwrap_err(),
        apps.modify_agreement(&app, a.id + 100, "T", true, "zh-CN")
            .await
            .unwrap_err(),
        apps.delete_agreement(&app, a.id + 100).await.unwrap_err(),
        apps.sort_agreement("no-such-app", &[a.id])
            .await
            .unwrap_err(),
    ] {
        assert_eq!(unknown.kind(), ErrorKind::NotFound);
        assert_eq!(unknown.provider_code(), Some("404"));
    }
    let wrong = apps
        .sort_agreement(&app, &[a.id, a.id + 1])
        .await
        .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::InvalidInput);
    assert_eq!(wrong.provider_code(), Some("400"));
    for empty in [
        apps.create_agreement(&app, "", true, "zh-CN")
            .await
            .unwrap_err(),
        apps.modify_agreement(&app, a.id, "", true, "zh-CN")
            .await
            .unwrap_err(),
        apps.sort_agreement(&app, &[]).await.unwrap_err(),
    ] {
        assert_eq!(empty.kind(), ErrorKind::InvalidInput);
    }
    assert_eq!(titles(&m, &app).await, ["Terms"]);
}

/// Two applications with their own agreements: ordering one leaves the other alone, and an
/// agreement of one cannot be changed through the other.
#[tokio::test]
async fn scenario_agreements_belong_to_their_application() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let apps = m.applications();
    let shop = app(&m).await;
    let blog = apps.create("Blog", "blog", &[], None).await.unwrap().id;
    let s1 = apps
        .create_agreement(&shop, "S1", true, "zh-CN")
        .await
        .unwrap();
    let s2 = apps
        .create_agreement(&shop, "S2", true, "zh-CN")
        .await
        .unwrap();
    apps.create_agreement(&blog, "B1", true, "zh-CN")
        .await
        .unwrap();
    apps.sort_agreement(&shop, &[s2.id, s1.id]).await.unwrap();
    assert_eq!(titles(&m, &shop).await, ["S2", "S1"]);
    assert_eq!(titles(&m, &blog).await, ["B1"]);
    let elsewhere = apps.delete_agreement(&blog, s1.id).await.unwrap_err();
    assert_eq!(elsewhere.kind(), ErrorKind::NotFound);
    assert_eq!(titles(&m, &shop).await, ["S2", "S1"]);
}
