//! Helpers of the OpenID Provider emulator tests: an HTTP client without redirects, PKCE,
//! the login and consent dance, token and introspection calls, JWT checks.
#![allow(dead_code, unused_imports, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use polyauth_testkit::jwks::SigningKey;
use polyauth_testkit::keys;
use polyauth_testkit::oidc::{OidcEmulator, RESOURCE};
use reqwest::StatusCode;
use reqwest::header::{
    AUTHORIZATION, CACHE_CONTROL, COOKIE, LOCATION, SET_COOKIE, WWW_AUTHENTICATE,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";
pub const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A client that does not follow redirects (each hop is asserted).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn pkce() -> (String, String) {
    let verifier = format!(
        "verifier-{}-0123456789abcdefghijklmnopqrstuvwxyz",
        rand_suffix()
    );
    let challenge = B64.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub fn rand_suffix() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("no Location in {r:?}"))
        .to_str()
        .unwrap()
        .to_owned()
}

pub fn query(url: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(url).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The value of cookie `name` set by a response, with its attributes.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<(String, String)> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            (pair[name.len() + 1..].to_owned(), attrs.to_owned())
        })
}

pub async fn register(op: &OidcEmulator, metadata: Value) -> Value {
    let r = http()
        .post(format!("{}/reg", op.issuer()))
        .json(&metadata)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

pub fn secret_client(op: &OidcEmulator, grants: &[&str]) -> (String, String) {
    let c = op.register_client(json!({"redirect_uris": [REDIRECT], "grant_types": grants}));
    (
        c["client_id"].as_str().unwrap().to_owned(),
        c["client_secret"].as_str().unwrap().to_owned(),
    )
}

/// Drives `/auth` through the login and consent pages as a browser would (cookies by hand)
/// and returns the callback URL the provider redirects to.
pub async fn dance(op: &OidcEmulator, auth_query: &[(&str, &str)], login: &str) -> String {
    let http = http();
    let base = op.issuer();
    let r = http
        .get(format!("{base}/auth"))
        .query(auth_query)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to_interaction = location(&r);
    let uid = to_interaction
        .strip_prefix("/interaction/")
        .unwrap()
        .to_owned();
    let (cookie_uid, attrs) = set_cookie(&r, "_interaction").unwrap();
    assert_eq!(cookie_uid, uid);
    for attr in ["Path=/", "HttpOnly", "SameSite=Lax"] {
        assert!(attrs.split(';').any(|a| a.trim() == attr), "{attrs}");
    }
    let jar = format!("_interaction={uid}");

    let page = http
        .get(format!("{base}/interaction/{uid}"))
        .header(COOKIE, &jar)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!(
            "<form method=\"post\" action=\"/interaction/{uid}/login\">"
        )),
        "{html}"
    );
    assert!(
        html.contains("name=\"login\"") && html.contains("name=\"password\""),
        "{html}"
    );

    let r = http
        .post(format!("{base}/interaction/{uid}/login"))
        .header(COOKIE, &jar)
        .form(&[("login", login), ("password", "anything")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/interaction/{uid}"));
    let session = set_cookie(&r, "_session").unwrap().0;
    let jar = format!("{jar}; _session={session}");

    let html = http
        .get(format!("{base}/interaction/{uid}"))
        .header(COOKIE, &jar)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!(
            "<form method=\"post\" action=\"/interaction/{uid}/confirm\">"
        )),
        "{html}"
    );

    let r = http
        .post(format!("{base}/interaction/{uid}/confirm"))
        .header(COOKIE, &jar)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/auth/{uid}"));
    let r = http
        .get(format!("{base}/auth/{uid}"))
        .header(COOKIE, &jar)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    location(&r)
}

pub async fn token(
    op: &OidcEmulator,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let mut req = http().post(format!("{}/token", op.issuer())).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let r = req.send().await.unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    (status, headers, r.json().await.unwrap())
}

/// Verifies a JWT against the provider's JWKS; returns header and claims.
pub async fn verify(op: &OidcEmulator, jwt: &str, aud: &str) -> (Header, Value) {
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    let jwks: JwkSet = http()
        .get(format!("{}/jwks", op.issuer()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("kid in the JWKS");
    let mut v = Validation::new(Algorithm::RS256);
    v.set_audience(&[aud]);
    v.set_issuer(&[op.issuer()]);
    let data =
        jsonwebtoken::decode::<Value>(jwt, &DecodingKey::from_jwk(jwk).unwrap(), &v).unwrap();
    (data.header, data.claims)
}

pub async fn introspect(op: &OidcEmulator, (id, secret): (&str, &str), token: &str) -> Value {
    http()
        .post(format!("{}/token/introspection", op.issuer()))
        .basic_auth(id, Some(secret))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A code for `client_id` through auto-consent (no interaction).
pub async fn auto_code(
    op: &OidcEmulator,
    client_id: &str,
    challenge: &str,
    extra: &[(&str, &str)],
) -> String {
    op.set_auto_consent(Some("bob"));
    let mut q = vec![
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid profile offline_access"),
        ("state", "st"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    q.extend_from_slice(extra);
    let r = http()
        .get(format!("{}/auth", op.issuer()))
        .query(&q)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    query(&location(&r), "code").expect("code in the callback")
}
