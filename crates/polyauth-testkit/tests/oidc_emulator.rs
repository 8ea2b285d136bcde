//! The OpenID Provider emulator over real HTTP: discovery, registration, the login and
//! consent interaction with PKCE, code replay, refresh rotation, client credentials,
//! introspection and revocation.
#![cfg(feature = "oidc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod oidc_common;

use oidc_common::*;
use std::time::Duration;

use base64::Engine as _;
use polyauth_testkit::oidc::{OidcEmulator, RESOURCE};
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, COOKIE, WWW_AUTHENTICATE};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[tokio::test]
async fn discovery_document_and_jwks() {
    let op = OidcEmulator::start().await;
    let issuer = op.issuer();
    assert!(issuer.starts_with("http://127.0.0.1:") && !issuer.ends_with('/'));
    let d: Value = http()
        .get(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["issuer"], issuer);
    for (key, path) in [
        ("authorization_endpoint", "/auth"),
        ("token_endpoint", "/token"),
        ("userinfo_endpoint", "/me"),
        ("jwks_uri", "/jwks"),
        ("registration_endpoint", "/reg"),
        ("introspection_endpoint", "/token/introspection"),
        ("revocation_endpoint", "/token/revocation"),
        ("end_session_endpoint", "/session/end"),
        ("pushed_authorization_request_endpoint", "/request"),
    ] {
        assert_eq!(d[key], format!("{issuer}{path}"), "{key}");
    }
    assert_eq!(
        d["scopes_supported"],
        json!([
            "openid",
            "profile",
            "email",
            "offline_access",
            "roles",
            "api:read"
        ])
    );
    assert_eq!(d["response_types_supported"], json!(["code"]));
    assert_eq!(
        d["grant_types_supported"],
        json!(["authorization_code", "refresh_token", "client_credentials"])
    );
    assert_eq!(d["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        d["token_endpoint_auth_methods_supported"],
        json!([
            "client_secret_basic",
            "client_secret_post",
            "private_key_jwt",
            "none"
        ])
    );
    assert_eq!(
        d["token_endpoint_auth_signing_alg_values_supported"],
        json!(["RS256", "ES256"])
    );
    assert_eq!(d["id_token_signing_alg_values_supported"], json!(["RS256"]));
    assert_eq!(
        d["authorization_response_iss_parameter_supported"],
        json!(true)
    );
    assert!(
        d["claims_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("roles"))
    );

    let jwks: Value = http()
        .get(format!("{issuer}/jwks"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "RSA");
    assert_eq!(keys[0]["kid"], op.current_kid());
    assert!(keys[0].get("d").is_none(), "no private material");
    assert_eq!(op.calls("/jwks"), 1);
}

#[tokio::test]
async fn dynamic_registration_and_its_errors() {
    let op = OidcEmulator::start().await;
    let c = register(&op, json!({"redirect_uris": [REDIRECT], "post_logout_redirect_uris": ["http://127.0.0.1:9/bye"]})).await;
    assert!(c["client_id"].as_str().unwrap().len() >= 16);
    assert!(c["client_secret"].as_str().unwrap().len() >= 32);
    assert_eq!(c["grant_types"], json!(["authorization_code"]));
    assert_eq!(c["response_types"], json!(["code"]));
    assert_eq!(c["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(c["redirect_uris"], json!([REDIRECT]));
    assert_eq!(
        c["post_logout_redirect_uris"],
        json!(["http://127.0.0.1:9/bye"])
    );
    let other = register(&op, json!({"redirect_uris": [REDIRECT]})).await;
    assert_ne!(other["client_id"], c["client_id"]);
    assert_ne!(other["client_secret"], c["client_secret"]);

    let public = register(
        &op,
        json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}),
    )
    .await;
    assert!(public.get("client_secret").is_none(), "{public}");

    for (metadata, error) in [
        (
            json!({"redirect_uris": ["not a url"]}),
            "invalid_redirect_uri",
        ),
        (
            json!({"redirect_uris": ["http://127.0.0.1:9/cb#frag"]}),
            "invalid_redirect_uri",
        ),
        (json!({}), "invalid_redirect_uri"),
        (
            json!({"redirect_uris": [REDIRECT], "grant_types": ["password"]}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "tls_client_auth"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "private_key_jwt"}),
            "invalid_client_metadata",
        ),
        (
            json!({"redirect_uris": "http://x"}),
            "invalid_client_metadata",
        ),
    ] {
        let r = http()
            .post(format!("{}/reg", op.issuer()))
            .json(&metadata)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{metadata}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"], error, "{metadata}: {body}");
        assert!(body["error_description"].is_string());
    }
    let rust = op.register_client(json!({"redirect_uris": ["nope"]}));
    assert_eq!(rust["error"], "invalid_redirect_uri");
}

#[tokio::test]
async fn interactive_login_with_pkce_gives_verified_tokens() {
    let op = OidcEmulator::start().await;
    let (id, secret) = secret_client(&op, &["authorization_code", "refresh_token"]);
    let (verifier, challenge) = pkce();
    let callback = dance(
        &op,
        &[
            ("client_id", id.as_str()),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            (
                "scope",
                "openid profile email roles offline_access unknown-scope",
            ),
            ("state", "state-123"),
            ("nonce", "nonce-456"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ],
        "alice",
    )
    .await;
    assert!(callback.starts_with(REDIRECT), "{callback}");
    assert_eq!(query(&callback, "state").as_deref(), Some("state-123"));
    assert_eq!(query(&callback, "iss"), Some(op.issuer()));
    let code = query(&callback, "code").unwrap();

    let (status, headers, body) = token(
        &op,
        Some((&id, &secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 600);
    assert_eq!(body["scope"], "openid profile email roles offline_access");
    assert!(body["refresh_token"].is_string());
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(access.split('.').count(), 1, "opaque without a resource");

    let (header, claims) = verify(&op, body["id_token"].as_str().unwrap(), &id).await;
    assert_eq!(header.kid.as_deref(), Some(op.current_kid().as_str()));
    assert_eq!(claims["sub"], "alice");
    assert_eq!(claims["azp"], id);
    assert_eq!(claims["nonce"], "nonce-456");
    let at_hash = B64.encode(&Sha256::digest(access.as_bytes())[..16]);
    assert_eq!(claims["at_hash"], at_hash);
    assert_eq!(claims["roles"], json!(["admin", "reader"]));
    assert_eq!(claims["groups"], json!(["staff"]));
    assert_eq!(claims["name"], "Alice");
    assert_eq!(claims["email"], "alice@example.test");
    assert_eq!(claims["email_verified"], true);
    let (iat, exp, auth_time) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
        claims["auth_time"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 600);
    assert!((now() - iat).abs() < 30 && auth_time <= iat);

    let info = http()
        .get(format!("{}/me", op.issuer()))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), StatusCode::OK);
    let info: Value = info.json().await.unwrap();
    assert_eq!(info["sub"], "alice");
    assert_eq!(info["email"], "alice@example.test");
    assert_eq!(info["roles"], json!(["admin", "reader"]));
    let bad = http()
        .get(format!("{}/me", op.issuer()))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    assert!(
        bad.headers()[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\"")
    );
    assert_eq!(op.token_calls(), 1);
}

#[tokio::test]
async fn second_authorization_reuses_the_session_and_consent() {
    let op = OidcEmulator::start().await;
    let (id, _) = secret_client(&op, &["authorization_code"]);
    let base = [
        ("client_id", id.as_str()),
        ("response_type", "code"),
        ("scope", "openid email"),
        ("state", "s"),
    ];
    // Log in and consent once, keeping the session cookie.
    let http = http();
    let r = http
        .get(format!("{}/auth", op.issuer()))
        .query(&base)
        .send()
        .await
        .unwrap();
    let uid = location(&r).trim_start_matches("/interaction/").to_owned();
    let jar = format!("_interaction={uid}");
    let r = http
        .post(format!("{}/interaction/{uid}", op.issuer()))
        .header(COOKIE, &jar)
        .form(&[("prompt", "login"), ("login", "carol"), ("password", "x")])
        .send()
        .await
        .unwrap();
    let session = set_cookie(&r, "_session").unwrap().0;
    let jar = format!("{jar}; _session={session}");
    let r = http
        .post(format!("{}/interaction/{uid}", op.issuer()))
        .header(COOKIE, &jar)
        .form(&[("prompt", "consent")])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), format!("/auth/{uid}"));
    // The interaction cookie is required.
    let r = http
        .get(format!("{}/auth/{uid}", op.issuer()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = http
        .get(format!("{}/auth/{uid}", op.issuer()))
        .header(COOKIE, &jar)
        .send()
        .await
        .unwrap();
    assert!(query(&location(&r), "code").is_some());

    // Same session, same scopes: straight back with a code.
    let r = http
        .get(format!("{}/auth", op.issuer()))
        .query(&base)
        .header(COOKIE, format!("_session={session}"))
        .send()
        .await
        .unwrap();
    assert!(query(&location(&r), "code").is_some(), "{}", location(&r));
    // prompt=login forces a new interaction; prompt=none without a session fails.
    let mut forced = base.to_vec();
    forced.push(("prompt", "login"));
    let r = http
        .get(format!("{}/auth", op.issuer()))
        .query(&forced)
        .header(COOKIE, format!("_session={session}"))
        .send()
        .await
        .unwrap();
    assert!(location(&r).starts_with("/interaction/"));
    let mut silent = base.to_vec();
    silent.push(("prompt", "none"));
    let r = http
        .get(format!("{}/auth", op.issuer()))
        .query(&silent)
        .send()
        .await
        .unwrap();
    assert_eq!(
        query(&location(&r), "error").as_deref(),
        Some("login_required")
    );
}

#[tokio::test]
async fn replayed_code_is_rejected_and_revokes_its_tokens() {
    let op = OidcEmulator::start().await;
    let (id, secret) = secret_client(&op, &["authorization_code", "refresh_token"]);
    let (verifier, challenge) = pkce();
    let code = auto_code(&op, &id, &challenge, &[]).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.as_str()),
    ];

    // A wrong verifier fails without consuming the code.
    let (status, _, body) = token(
        &op,
        Some((&id, &secret)),
        &[
            form[0],
            form[1],
            form[2],
            (
                "code_verifier",
                "wrong-verifier-wrong-verifier-wrong-verifier",
            ),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    let (status, _, first) = token(&op, Some((&id, &secret)), &form).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let access = first["access_token"].as_str().unwrap();
    assert_eq!(
        introspect(&op, (&id, &secret), access).await["active"],
        true
    );

    let (status, headers, body) = token(&op, Some((&id, &secret)), &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(headers[CACHE_CONTROL], "no-store");
    assert_eq!(
        introspect(&op, (&id, &secret), access).await,
        json!({"active": false})
    );
    let refresh = first["refresh_token"].as_str().unwrap();
    let (status, _, body) = token(
        &op,
        Some((&id, &secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn refresh_tokens_rotate() {
    let op = OidcEmulator::start().await;
    let (id, secret) = secret_client(&op, &["authorization_code", "refresh_token"]);
    let (verifier, challenge) = pkce();
    let code = auto_code(&op, &id, &challenge, &[]).await;
    let (_, _, first) = token(
        &op,
        Some((&id, &secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    let rt1 = first["refresh_token"].as_str().unwrap().to_owned();

    let (status, _, second) = token(
        &op,
        Some((&id, &secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &rt1)],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let rt2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2);
    assert_ne!(second["access_token"], first["access_token"]);
    let (_, claims) = verify(&op, second["id_token"].as_str().unwrap(), &id).await;
    assert_eq!(claims["sub"], "bob");
    assert!(claims.get("nonce").is_none());

    let (status, _, body) = token(
        &op,
        Some((&id, &secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &rt1)],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    // Reusing the rotated token revoked the grant: the newer refresh token is dead too.
    let (_, _, body) = token(
        &op,
        Some((&id, &secret)),
        &[("grant_type", "refresh_token"), ("refresh_token", &rt2)],
    )
    .await;
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn client_credentials_with_resource_is_an_at_jwt() {
    let op = OidcEmulator::start().await;
    let (id, secret) = secret_client(&op, &["client_credentials"]);
    let (status, _, body) = token(
        &op,
        Some((&id, &secret)),
        &[
            ("grant_type", "client_credentials"),
            ("scope", "api:read"),
            ("resource", RESOURCE),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());
    let (header, claims) = verify(&op, body["access_token"].as_str().unwrap(), RESOURCE).await;
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    assert_eq!(header.kid.as_deref(), Some(op.current_kid().as_str()));
    assert_eq!(claims["aud"], RESOURCE);
    assert_eq!(claims["client_id"], id);
    assert_eq!(claims["sub"], id);
    assert_eq!(claims["scope"], "api:read");
    assert!(claims["jti"].is_string());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        600
    );

    let (status, _, body) = token(
        &op,
        Some((&id, &secret)),
        &[
            ("grant_type", "client_credentials"),
            ("resource", "https://elsewhere.test"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_target"))
    );
    let (_, _, body) = token(
        &op,
        Some((&id, &secret)),
        &[("grant_type", "client_credentials"), ("scope", "openid")],
    )
    .await;
    assert_eq!(body["error"], "invalid_scope");
    let (_, _, body) = token(
        &op,
        Some((&id, &secret)),
        &[("grant_type", "authorization_code"), ("code", "x")],
    )
    .await;
    assert_eq!(body["error"], "unauthorized_client");

    let user = op.issue_access_token_jwt("dave", "openid roles", Duration::from_secs(60));
    let (_, claims) = verify(&op, &user, RESOURCE).await;
    assert_eq!(
        (claims["sub"].as_str(), claims["roles"].clone()),
        (Some("dave"), json!(["reader"]))
    );
    let info: Value = http()
        .get(format!("{}/me", op.issuer()))
        .bearer_auth(&user)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["groups"], json!(["staff"]));
}

#[tokio::test]
async fn opaque_token_introspection_and_revocation() {
    let op = OidcEmulator::start().await;
    let (id, secret) = secret_client(&op, &["client_credentials"]);
    let (_, _, body) = token(
        &op,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "api:read"),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    let access = body["access_token"].as_str().unwrap();
    let info = introspect(&op, (&id, &secret), access).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["client_id"], id);
    assert_eq!(info["scope"], "api:read");
    assert_eq!(info["iss"], op.issuer());
    assert_eq!(info["token_type"], "Bearer");
    assert_eq!(
        info["exp"].as_i64().unwrap() - info["iat"].as_i64().unwrap(),
        600
    );
    assert_eq!(
        introspect(&op, (&id, &secret), "unknown").await,
        json!({"active": false})
    );
    let bad = http()
        .post(format!("{}/token/introspection", op.issuer()))
        .basic_auth(&id, Some("wrong"))
        .form(&[("token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);

    let r = http()
        .post(format!("{}/token/revocation", op.issuer()))
        .basic_auth(&id, Some(&secret))
        .form(&[("token", access), ("token_type_hint", "access_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        introspect(&op, (&id, &secret), access).await["active"],
        false
    );
    let again = http()
        .post(format!("{}/token/revocation", op.issuer()))
        .basic_auth(&id, Some(&secret))
        .form(&[("token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::OK, "revoking twice is fine");
}
