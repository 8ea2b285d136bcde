//! A logged-in user's calls: user info, variables, MMO rooms, and persisted sessions, against
//! the emulator over loopback HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{login, setup};
use polyauth_core::ErrorKind;
use polyauth_shangcloud::{MemorySessionStore, SessionPersistence};
use polyauth_testkit::server::{Fault, FaultKind};
use serde_json::json;

#[tokio::test]
async fn user_info_errors_are_typed() {
    let (emu, c) = setup().await;
    let s = login(&c, "alice").await;
    emu.revoke_access_token(s.access_token().expose_secret());
    let e = s.basic_info().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    let s = login(&c, "alice").await;
    emu.server()
        .inject(Fault::status(502).on_path("/api/user/info").times(5));
    assert_eq!(
        s.basic_info().await.unwrap_err().kind(),
        ErrorKind::Unavailable
    );
    emu.server().clear_faults();
    emu.server().inject(
        Fault::new(FaultKind::Html)
            .on_path("/api/user/info")
            .times(1),
    );
    assert_eq!(
        s.basic_info().await.unwrap_err().kind(),
        ErrorKind::Protocol
    );
}

#[tokio::test]
async fn variables_round_trip_and_report_server_errors() {
    let (emu, c) = setup().await;
    let s = login(&c, "alice").await;
    let e = s.get_variable("theme").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "needs var:io: {e:?}");

    c.append_scope("var:io");
    let s = login(&c, "alice").await;
    let uid = s.basic_info().await.unwrap().user_id as u64;
    assert_eq!(s.get_variable("theme").await.unwrap(), "");
    s.set_variable("theme", "dark ☾").await.unwrap();
    assert_eq!(emu.variable(uid, "theme").as_deref(), Some("dark ☾"));
    assert_eq!(s.get_variable("theme").await.unwrap(), "dark ☾");
    s.delete_variable("theme").await.unwrap();
    assert_eq!(emu.variable(uid, "theme"), None);
    assert_eq!(emu.calls("/api/varibles"), 5);

    let e = s
        .set_variable("big", &"x".repeat(70 * 1024))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Provider);
    assert_eq!(e.provider_code(), Some("variable_error"));
    assert_eq!(e.provider_message(), Some("value too large"));
    let e = s.get_variable("").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(emu.calls("/api/varibles"), 6, "empty key refused locally");
}

#[tokio::test]
async fn mmo_rooms() {
    let (emu, c) = setup().await;
    c.append_scope("mmo");
    let alice = login(&c, "alice").await;
    let bob = login(&c, "bob").await;
    let bob_uid = bob.basic_info().await.unwrap().user_id.to_string();

    let room = alice.new_room("kcp").await.unwrap();
    assert_eq!(room.protocol, "kcp", "X-MMO-Protoctl reached the server");
    assert!(!room.connect_key.is_empty() && room.edge_url.starts_with("wss://"));
    assert!(!format!("{room:?}").contains(room.connect_key.expose_secret()));
    let joined = bob.join_room(&room.room_id, "").await.unwrap();
    assert_eq!(joined.room_id, room.room_id);
    assert_eq!(joined.protocol, "kcp");
    assert_eq!(joined.assigned_uid.as_deref(), Some(bob_uid.as_str()));
    assert_eq!(alice.room_user_count(&room.room_id).await.unwrap(), 2);

    alice.set_room_config(&room.room_id, true).await.unwrap();
    assert_eq!(emu.room_allows_multi_login(&room.room_id), Some(true));
    let e = bob.set_room_config(&room.room_id, false).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);

    alice
        .set_room_data(
            &room.room_id,
            "map",
            json!({"name": "arena", "size": 3}),
            "",
        )
        .await
        .unwrap();
    alice
        .set_room_data(&room.room_id, "round", json!(7), "int")
        .await
        .unwrap();
    let data = bob.get_room_data(&room.room_id).await.unwrap();
    assert_eq!(data["map"], json!({"name": "arena", "size": 3}));
    assert_eq!(data["round"], json!({"type": "int", "value": 7}));
    alice.delete_room_data(&room.room_id, "map").await.unwrap();
    assert!(
        !bob.get_room_data(&room.room_id)
            .await
            .unwrap()
            .contains_key("map")
    );

    alice.kick_user(&room.room_id, &bob_uid).await.unwrap();
    assert_eq!(alice.room_user_count(&room.room_id).await.unwrap(), 1);
    let e = alice.kick_user(&room.room_id, &bob_uid).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let e = bob.join_room("no-such-room", "").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    let e = bob.join_room("", "").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);

    // Without the `mmo` scope.
    c.set_scope("user:basic");
    let plain = login(&c, "alice").await;
    assert_eq!(
        plain.new_room("").await.unwrap_err().kind(),
        ErrorKind::PermissionDenied
    );
}

#[tokio::test]
async fn sessions_persist_and_resume() {
    let (_emu, c) = setup().await;
    let store = MemorySessionStore::new(2);
    let s = login(&c, "alice").await;
    s.save(&store, "sid-1").await.unwrap();
    let back = c.load_session(&store, "sid-1").await.unwrap().unwrap();
    assert_eq!(back.access_token(), s.access_token());
    assert_eq!(back.basic_info().await.unwrap().nickname, "alice");
    assert!(c.load_session(&store, "nope").await.unwrap().is_none());
    login(&c, "bob").await.save(&store, "sid-2").await.unwrap();
    let e = s.save(&store, "sid-3").await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited, "bounded store");
    store.remove("sid-1").await.unwrap();
    s.save(&store, "sid-3").await.unwrap();
    assert_eq!(store.len(), 2);
}
