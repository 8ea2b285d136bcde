//! The applications module of the ManagementClient over the emulator (the methods
//! implemented so far: list, create, find_by_id, delete, refresh_application_secret), their
//! bad input and a scenario.

use crate::common::*;
use futures::TryStreamExt;
use polyauth_core::ErrorKind;
use polyauth_testkit::authing::AuthingEmulator;

#[tokio::test]
async fn list_starts_with_the_pools_own_application() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let page = m.applications().list(1, 10).await.unwrap();
    assert_eq!(page.total_count, 1);
    assert_eq!(page.list[0].id, emu.options().app_id);
}

#[tokio::test]
async fn create_find_and_delete() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let apps = m.applications();
    let uris = owned(&["https://shop.example.com/callback"]);
    let app = apps
        .create(
            "Shop",
            "shop",
            &uris,
            Some("https://shop.example.com/logo.png"),
        )
        .await
        .unwrap();
    assert_eq!(app.name.as_deref(), Some("Shop"));
    assert_eq!(app.identifier.as_deref(), Some("shop"));
    assert_eq!(app.redirect_uris, uris);
    assert_eq!(
        app.logo.as_deref(),
        Some("https://shop.example.com/logo.png")
    );
    let found = apps.find_by_id(&app.id).await.unwrap();
    assert_eq!(found, app);
    apps.delete(&app.id).await.unwrap();
    let gone = apps.find_by_id(&app.id).await.unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound);
    assert_eq!(apps.list(1, 10).await.unwrap().total_count, 1);
}

#[tokio::test]
async fn refresh_secret_changes_it() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let apps = m.applications();
    let app = apps.create("Shop", "shop", &[], None).await.unwrap();
    let refreshed = apps.refresh_application_secret(&app.id).await.unwrap();
    let secret = refreshed
        .secret
        .as_ref()
        .expect("a refreshed application shows its secret");
    assert!(!secret.is_empty());
    assert_ne!(refreshed.secret, app.secret);
    // The application's `Debug` (a log line, a panic message) never shows the secret.
    assert!(!format!("{refreshed:?}").contains(secret.expose_secret()));
    assert_eq!(
        apps.find_by_id(&app.id).await.unwrap().secret,
        refreshed.secret
    );
}

#[tokio::test]
async fn pages_and_stream() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let apps = m.applications();
    for i in 0..4 {
        apps.create(&format!("App {i}"), &format!("app-{i}"), &[], None)
            .await
            .unwrap();
    }
    let second = apps.list(2, 2).await.unwrap();
    assert_eq!(second.total_count, 5);
    assert_eq!(second.list.len(), 2);
    assert!(apps.list(9, 2).await.unwrap().list.is_empty());
    let every: Vec<_> = apps.list_stream().try_collect().await.unwrap();
    assert_eq!(every.len(), 5);
}

#[tokio::test]
async fn bad_input_is_typed_errors() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let apps = m.applications();
    apps.create("Shop", "shop", &[], None).await.unwrap();
    let taken = apps.create("Shop 2", "shop", &[], None).await.unwrap_err();
    assert_eq!(taken.kind(), ErrorKind::InvalidInput);
    assert_eq!(taken.provider_code(), Some("400"));
    for (name, identifier) in [("", "x"), ("X", "")] {
        let empty = apps.create(name, identifier, &[], None).await.unwrap_err();
        assert_eq!(empty.kind(), ErrorKind::InvalidInput);
    }
    for unknown in [
        apps.find_by_id("no-such-app").await.unwrap_err(),
        apps.delete("no-such-app").await.unwrap_err(),
        apps.refresh_application_secret("no-such-app")
            .await
            .unwrap_err(),
    ] {
        assert_eq!(unknown.kind(), ErrorKind::NotFound);
        assert_eq!(unknown.provider_code(), Some("404"));
    }
    for (page, limit) in [(0, 10), (1, 0)] {
        let err = apps.list(page, limit).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
    assert_eq!(apps.list(1, 10).await.unwrap().total_count, 2);
}

/// Create an application, rotate its secret, find it in the list, delete it.
#[tokio::test]
async fn scenario_an_application_from_creation_to_deletion() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let apps = m.applications();
    let app = apps
        .create(
            "Admin",
            "admin-panel",
            &owned(&["https://admin.example.com/cb"]),
            None,
        )
        .await
        .unwrap();
    let rotated = apps.refresh_application_secret(&app.id).await.unwrap();
    let listed: Vec<_> = apps.list_stream().try_collect().await.unwrap();
    let mine = listed.iter().find(|a| a.id == app.id).unwrap();
    assert_eq!(mine.secret, rotated.secret);
    apps.delete(&app.id).await.unwrap();
    let left: Vec<_> = apps.list_stream().try_collect().await.unwrap();
    assert!(left.iter().all(|a| a.id != app.id));
}
