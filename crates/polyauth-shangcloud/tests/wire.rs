//! Wire fidelity: the native client sends what shangcloud-sdk 1.2.0 sends, operation by
//! operation, checked against the fixtures recorded from it (`tests/wire-fixtures/shangcloud`,
//! re-recorded with `scripts/record-reference-wire.sh`); deliberate differences are declared in
//! that folder's `deviations.toml`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use polyauth_core::{AccessToken, ClientSecret, TokenSet};
use polyauth_shangcloud::{ShangCloudClient, ShangCloudConfig};
use polyauth_testkit::wire::WireCheck;
use serde_json::json;

const ROOM: &str = "wire-room";

#[tokio::test]
async fn requests_match_the_reference_sdk() {
    let folder = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/wire-fixtures/shangcloud"
    );
    let mut check = WireCheck::new(folder).await;
    let config = ShangCloudConfig::new(
        "wire-client",
        ClientSecret::new("wire-client-secret"),
        "https://app.example.com/callback".parse().unwrap(),
    )
    .with_base_url(check.base_url().parse().unwrap())
    .with_cache(None);
    let client = ShangCloudClient::new(config).unwrap();

    check
        .run("authorization_url", || async {
            let start = client.authorization_url().await.unwrap();
            reqwest::get(start.url).await
        })
        .await;
    let start = client.authorization_url().await.unwrap();
    check
        .run("exchange_code", || {
            client.exchange_code("wire-code", &start.state)
        })
        .await;

    let user = client.resume(TokenSet::bearer(AccessToken::new("wire-access-token")));
    check.run("basic_info", || user.basic_info()).await;
    check
        .run("get_variable", || user.get_variable("score"))
        .await;
    check
        .run("set_variable", || user.set_variable("score", "43"))
        .await;
    check
        .run("delete_variable", || user.delete_variable("score"))
        .await;
    check.run("new_room", || user.new_room("json")).await;
    check
        .run("join_room", || user.join_room(ROOM, "json"))
        .await;
    check
        .run("set_room_config", || user.set_room_config(ROOM, true))
        .await;
    check
        .run("set_room_data", || {
            user.set_room_data(ROOM, "level", json!(3), "int")
        })
        .await;
    check
        .run("get_room_data", || user.get_room_data(ROOM))
        .await;
    check
        .run("delete_room_data", || user.delete_room_data(ROOM, "level"))
        .await;
    check.run("kick_user", || user.kick_user(ROOM, "u-2")).await;
    check
        .run("room_user_count", || user.room_user_count(ROOM))
        .await;

    check.finish();
}
