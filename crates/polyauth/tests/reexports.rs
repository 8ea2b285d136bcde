//! The re-exported foreign types are the very types the integrations use, so values pass
//! between them without conversion (this file fails to compile otherwise).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

#[test]
fn reexported_types_are_the_ones_axum_and_polyauth_use() {
    let mut headers: polyauth::HeaderMap = axum::http::HeaderMap::new();
    headers.insert(
        polyauth::HeaderName::from_static("x-trace-id"),
        polyauth::HeaderValue::from_static("t-1"),
    );
    let from_axum: &axum::http::HeaderMap = &headers;
    assert_eq!(from_axum["x-trace-id"], "t-1");

    let url: polyauth::Url = polyauth::deps::url::Url::parse("https://idp.example/").unwrap();
    assert_eq!(url.host_str(), Some("idp.example"));

    let profile = polyauth::UserProfile::new("test", "u-1");
    let raw: &polyauth::Value = &profile.raw;
    let mut claims = polyauth::Map::new();
    claims.insert("sub".to_owned(), polyauth::deps::serde_json::json!("u-1"));
    assert!(raw.is_null() || raw.is_object());
    let sorted: BTreeMap<_, _> = claims.into_iter().collect();
    assert_eq!(sorted["sub"], "u-1");
}
