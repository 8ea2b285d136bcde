//! Wire fidelity: the native client sends what huace-aigc-auth-client 1.1.45 sends, operation
//! by operation, checked against the fixtures recorded from it (`tests/wire-fixtures/aigc`,
//! re-recorded with `scripts/record-reference-wire.sh`); deliberate differences are declared
//! in that folder's `deviations.toml`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use polyauth_aigc::{AigcClient, AigcConfig};
use polyauth_core::{AccessToken, ClientSecret};
use polyauth_testkit::wire::WireCheck;

const APP_ID: &str = "wire-app";
const APP_SECRET: &str = "wire-app-secret";
const TOKEN: &str = "wire-user-token";

#[tokio::test]
async fn requests_match_the_reference_sdk() {
    let mut check = WireCheck::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/wire-fixtures/aigc"
    ))
    .await;
    let config = AigcConfig::new(APP_ID, ClientSecret::new(APP_SECRET), &check.base_url())
        .unwrap()
        .with_cache(None);
    let client = AigcClient::new(config).unwrap();
    let token = AccessToken::new(TOKEN);

    check
        .run("verify_token", || client.verify_token(&token))
        .await;

    check.finish();
}
