//! The OpenID Provider emulator over real HTTP: client authentication methods
//! (`private_key_jwt`, Basic encodings), key rotation, PAR, aborted interactions, bad
//! authorization requests and logout.
#![cfg(feature = "oidc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod oidc_common;

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use oidc_common::*;
use polyauth_testkit::jwks::SigningKey;
use polyauth_testkit::keys;
use polyauth_testkit::oidc::{OidcEmulator, RESOURCE};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, COOKIE, LOCATION, WWW_AUTHENTICATE};
use serde_json::{Value, json};

fn assertion(op: &OidcEmulator, client_id: &str, aud: &str, jti: &str) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("client-ec".into());
    let claims = json!({"iss": client_id, "sub": client_id, "aud": aud, "jti": jti, "iat": now(), "exp": now() + 60});
    let _ = op;
    jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_ec_pem(keys::EC_PRIVATE_PEM.as_bytes()).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn private_key_jwt_client_authentication() {
    let op = OidcEmulator::start().await;
    let jwk = SigningKey::new("client-ec", Algorithm::ES256, keys::EC_PRIVATE_PEM).public_jwk();
    let c = register(
        &op,
        json!({
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": {"keys": [jwk]},
        }),
    )
    .await;
    assert!(c.get("client_secret").is_none(), "{c}");
    let id = c["client_id"].as_str().unwrap();
    let send = |jwt: String| {
        let op_url = format!("{}/token", op.issuer());
        async move {
            let r = http()
                .post(op_url)
                .form(&[
                    ("grant_type", "client_credentials"),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", jwt.as_str()),
                ])
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = send(assertion(&op, id, &op.issuer(), "jti-1")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["access_token"].is_string());
    let (status, body) = send(assertion(
        &op,
        id,
        &format!("{}/token", op.issuer()),
        "jti-2",
    ))
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "token endpoint URL as audience: {body}"
    );

    let (status, body) = send(assertion(&op, id, &op.issuer(), "jti-1")).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client")),
        "replayed jti"
    );
    let (status, _) = send(assertion(&op, id, "https://someone-else.test", "jti-3")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "wrong audience");
    // Signed with a key the client did not register.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("client-ec".into());
    let claims =
        json!({"iss": id, "sub": id, "aud": op.issuer(), "jti": "jti-4", "exp": now() + 60});
    let forged = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(keys::RSA_PRIVATE_PEM.as_bytes()).unwrap(),
    )
    .unwrap();
    let (status, _) = send(forged).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn basic_auth_accepts_raw_and_form_urlencoded_credentials() {
    let op = OidcEmulator::start().await;
    let (id, secret) = ("app one", "s3cr%t+/:x");
    let c = op.register_client(
        json!({"client_id": id, "client_secret": secret, "grant_types": ["client_credentials"]}),
    );
    assert_eq!(c["client_secret"], secret, "{c}");
    let call = |credentials: String| {
        let url = format!("{}/token", op.issuer());
        async move {
            let b64 = base64::engine::general_purpose::STANDARD.encode(credentials);
            http()
                .post(url)
                .header(AUTHORIZATION, format!("Basic {b64}"))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .unwrap()
        }
    };
    let raw = call(format!("{id}:{secret}")).await;
    assert_eq!(raw.status(), StatusCode::OK, "raw id:secret");
    let encoded = call("app+one:s3cr%25t%2B%2F%3Ax".to_owned()).await;
    assert_eq!(encoded.status(), StatusCode::OK, "RFC 6749 §2.3.1 encoding");
    let wrong = call(format!("{id}:not-it")).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(
        wrong.headers()[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Basic ")
    );
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    assert_eq!(body["error_description"], "client authentication failed");
}

#[tokio::test]
async fn rotating_keys_changes_the_kid_and_the_jwks() {
    let op = OidcEmulator::start().await;
    let first = op.current_kid();
    let r: Value = http()
        .post(format!("{}/__test/rotate-keys", op.issuer()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second = r["kid"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    let jwks: Value = http()
        .get(format!("{}/jwks", op.issuer()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [second.as_str()]);
    let n_second = jwks["keys"][0]["n"].clone();

    let (id, secret) = secret_client(&op, &["client_credentials"]);
    let (_, _, body) = token(
        &op,
        Some((&id, &secret)),
        &[("grant_type", "client_credentials"), ("resource", RESOURCE)],
    )
    .await;
    let (header, _) = verify(&op, body["access_token"].as_str().unwrap(), RESOURCE).await;
    assert_eq!(header.kid, Some(second.clone()));

    let third = op.rotate_keys();
    assert!(third != second && third != first);
    let jwks: Value = http()
        .get(format!("{}/jwks", op.issuer()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["kid"], third);
    assert_ne!(
        jwks["keys"][0]["n"], n_second,
        "the key material changed too"
    );
}

#[tokio::test]
async fn pushed_authorization_request() {
    let op = OidcEmulator::start().await;
    let (id, secret) = secret_client(&op, &["authorization_code"]);
    let (verifier, challenge) = pkce();
    let r = http()
        .post(format!("{}/request", op.issuer()))
        .basic_auth(&id, Some(&secret))
        .form(&[
            ("client_id", id.as_str()),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
            ("state", "par-state"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("resource", RESOURCE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let par: Value = r.json().await.unwrap();
    assert_eq!(par["expires_in"], 60);
    let request_uri = par["request_uri"].as_str().unwrap();
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));

    let without_client_id = http()
        .post(format!("{}/request", op.issuer()))
        .basic_auth(&id, Some(&secret))
        .form(&[
            ("response_type", "code"),
            ("scope", "openid"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        without_client_id.status(),
        StatusCode::BAD_REQUEST,
        "oidc-provider wants client_id in the body"
    );
    let unauthenticated = http()
        .post(format!("{}/request", op.issuer()))
        .form(&[("client_id", id.as_str()), ("response_type", "code")])
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);

    op.set_auto_consent(Some("alice"));
    let q = [("client_id", id.as_str()), ("request_uri", request_uri)];
    let r = http()
        .get(format!("{}/auth", op.issuer()))
        .query(&q)
        .send()
        .await
        .unwrap();
    let callback = location(&r);
    assert_eq!(query(&callback, "state").as_deref(), Some("par-state"));
    let code = query(&callback, "code").unwrap();
    let (status, _, body) = token(
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
    let (_, claims) = verify(&op, body["access_token"].as_str().unwrap(), RESOURCE).await;
    assert_eq!(
        (claims["sub"].as_str(), claims["roles"].clone()),
        (Some("alice"), json!(["admin", "reader"]))
    );

    let reused = http()
        .get(format!("{}/auth", op.issuer()))
        .query(&q)
        .send()
        .await
        .unwrap();
    assert_eq!(
        reused.status(),
        StatusCode::BAD_REQUEST,
        "a request_uri is single use"
    );
}

#[tokio::test]
async fn aborting_the_interaction_answers_access_denied() {
    let op = OidcEmulator::start().await;
    let (id, _) = secret_client(&op, &["authorization_code"]);
    let http = http();
    let q = [
        ("client_id", id.as_str()),
        ("redirect_uri", REDIRECT),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "abort-state"),
    ];
    let r = http
        .get(format!("{}/auth", op.issuer()))
        .query(&q)
        .send()
        .await
        .unwrap();
    let uid = location(&r).trim_start_matches("/interaction/").to_owned();
    let jar = format!("_interaction={uid}");
    let no_cookie = http
        .get(format!("{}/interaction/{uid}/abort", op.issuer()))
        .send()
        .await
        .unwrap();
    assert_eq!(no_cookie.status(), StatusCode::BAD_REQUEST);
    let r = http
        .get(format!("{}/interaction/{uid}/abort", op.issuer()))
        .header(COOKIE, &jar)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = http
        .get(format!("{}{}", op.issuer(), location(&r)))
        .header(COOKIE, &jar)
        .send()
        .await
        .unwrap();
    let callback = location(&r);
    assert!(callback.starts_with(REDIRECT));
    assert_eq!(query(&callback, "error").as_deref(), Some("access_denied"));
    assert_eq!(
        query(&callback, "error_description").as_deref(),
        Some("End-User aborted interaction")
    );
    assert_eq!(query(&callback, "state").as_deref(), Some("abort-state"));
    assert_eq!(query(&callback, "iss"), Some(op.issuer()));
    assert!(query(&callback, "code").is_none());
}

#[tokio::test]
async fn bad_authorization_requests() {
    let op = OidcEmulator::start().await;
    let (id, _) = secret_client(&op, &["authorization_code"]);
    let public = op.register_client(
        json!({"redirect_uris": [REDIRECT], "token_endpoint_auth_method": "none"}),
    );
    let public_id = public["client_id"].as_str().unwrap();
    let get = |q: Vec<(&'static str, String)>| {
        let url = format!("{}/auth", op.issuer());
        async move { http().get(url).query(&q).send().await.unwrap() }
    };
    let s = |v: &str| v.to_owned();
    // Unknown client or redirect URI: an error page, never a redirect.
    for q in [
        vec![
            ("client_id", s("nobody")),
            ("redirect_uri", s(REDIRECT)),
            ("response_type", s("code")),
            ("scope", s("openid")),
        ],
        vec![
            ("client_id", id.clone()),
            ("redirect_uri", s("http://127.0.0.1:9/evil")),
            ("response_type", s("code")),
            ("scope", s("openid")),
        ],
    ] {
        let r = get(q).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(r.headers().get(LOCATION).is_none());
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
    }
    let r = get(vec![
        ("client_id", s(public_id)),
        ("response_type", s("code")),
        ("scope", s("openid")),
        ("state", s("x")),
    ])
    .await;
    let to = location(&r);
    assert!(to.starts_with(REDIRECT));
    assert_eq!(
        query(&to, "error").as_deref(),
        Some("invalid_request"),
        "PKCE is required for public clients"
    );
    assert_eq!(query(&to, "state").as_deref(), Some("x"));
    let r = get(vec![
        ("client_id", id.clone()),
        ("response_type", s("token")),
        ("scope", s("openid")),
    ])
    .await;
    assert_eq!(
        query(&location(&r), "error").as_deref(),
        Some("unsupported_response_type")
    );
    let r = get(vec![
        ("client_id", id.clone()),
        ("response_type", s("code")),
        ("scope", s("openid")),
        ("code_challenge", s("a".repeat(43).as_str())),
        ("code_challenge_method", s("plain")),
    ])
    .await;
    assert_eq!(
        query(&location(&r), "error").as_deref(),
        Some("invalid_request")
    );
}

#[tokio::test]
async fn end_session_redirects_to_a_registered_uri_with_state() {
    let op = OidcEmulator::start().await;
    let bye = "http://127.0.0.1:9/bye";
    let c = op
        .register_client(json!({"redirect_uris": [REDIRECT], "post_logout_redirect_uris": [bye]}));
    let (id, secret) = (
        c["client_id"].as_str().unwrap(),
        c["client_secret"].as_str().unwrap(),
    );
    let (verifier, challenge) = pkce();
    let code = auto_code(&op, id, &challenge, &[]).await;
    let (_, _, body) = token(
        &op,
        Some((id, secret)),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    let id_token = body["id_token"]
        .as_str()
        .expect("redirect_uri defaults to the only registered one");

    let end = |q: Vec<(&'static str, String)>| {
        let url = format!("{}/session/end", op.issuer());
        async move { http().get(url).query(&q).send().await.unwrap() }
    };
    let r = end(vec![
        ("id_token_hint", id_token.to_owned()),
        ("post_logout_redirect_uri", bye.to_owned()),
        ("state", "bye-state".to_owned()),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("{bye}?state=bye-state"));
    let r = end(vec![
        ("id_token_hint", id_token.to_owned()),
        (
            "post_logout_redirect_uri",
            "http://127.0.0.1:9/other".to_owned(),
        ),
    ])
    .await;
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "unregistered post_logout_redirect_uri"
    );
    let r = end(vec![
        ("id_token_hint", format!("{id_token}x")),
        ("post_logout_redirect_uri", bye.to_owned()),
    ])
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "bad hint signature");
    let r = end(vec![("post_logout_redirect_uri", bye.to_owned())]).await;
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "no hint and no client_id"
    );
}
