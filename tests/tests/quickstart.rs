//! The quickstart router served on loopback and driven over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::routing::get;
use base64::Engine;
use polyauth::IdentityProvider;
use polyauth::jwt::{Algorithm, JwtConfig, JwtProvider, TokenClaims, TokenIssuer};
use polyauth::{AccessToken, Secret};
use polyauth_examples::quickstart::{self, DEV_ISSUER, DevSetup};
use polyauth_testkit::keys::{RSA_PRIVATE_PEM, RSA_PUBLIC_PEM};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde_json::{Value, json};

struct App {
    base: String,
    client: reqwest::Client,
}

/// Serves the quickstart router (plus `/leak`, mounted outside the auth layer) on port 0.
async fn serve(provider: Arc<dyn IdentityProvider>) -> App {
    let app = quickstart::router(provider).merge(Router::new().route(
        "/leak",
        get(|| async {
            axum::Json(json!({ "user": polyauth::context::current_user().map(|u| u.id.clone()) }))
        }),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    App {
        base,
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(8)
            .build()
            .unwrap(),
    }
}

impl App {
    async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut req = self.client.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header(AUTHORIZATION, format!("Bearer {t}"));
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let body = resp.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn get_raw(&self, path: &str, authorization: HeaderValue) -> StatusCode {
        self.client
            .get(format!("{}{path}", self.base))
            .header(AUTHORIZATION, authorization)
            .send()
            .await
            .unwrap()
            .status()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_routes_answer_as_documented() {
    let dev = DevSetup::generate().unwrap();
    let app = serve(dev.provider.clone()).await;
    let demo = dev.demo_token().unwrap();
    let demo = demo.expose_secret();
    let guest = dev.guest_token().unwrap();

    let (s, body) = app.get("/health", None).await;
    assert_eq!((s, body), (StatusCode::OK, json!({"status": "ok"})));
    // Excluded paths pass even with a garbage token (the provider is not asked).
    assert_eq!(app.get("/health", Some("garbage")).await.0, StatusCode::OK);

    let (s, me) = app.get("/me", Some(demo)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["username"], "demo");
    assert_eq!(me["roles"], json!(["admin"]));
    assert_eq!(me["permissions"], json!(["user:read"]));
    assert_eq!(me["provider"], "jwt");

    assert_eq!(app.get("/admin", Some(demo)).await.0, StatusCode::OK);
    let (s, users) = app.get("/users", Some(demo)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(users["users"].as_array().map(Vec::len), Some(2));
    let (s, deep) = app.get("/whoami-deep", Some(demo)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (deep["id"].clone(), deep["depth"].clone()),
        (json!("demo"), json!(3))
    );

    // 403 for a missing role or permission, with the JSON body.
    let (s, body) = app.get("/admin", Some(guest.expose_secret())).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "forbidden");
    assert_eq!(
        app.get("/users", Some(guest.expose_secret())).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/me", Some(guest.expose_secret())).await.0,
        StatusCode::OK
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_get_401() {
    let dev = DevSetup::generate().unwrap();
    let app = serve(dev.provider.clone()).await;
    let good = dev.demo_token().unwrap();
    let good = good.expose_secret().to_owned();

    let (s, body) = app.get("/me", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "missing_token");

    let other_key = TokenIssuer::hs256(&Secret::new("some other key"))
        .with_issuer(DEV_ISSUER)
        .with_audience(DEV_ISSUER)
        .issue(&TokenClaims::new("demo").roles(["admin"]))
        .unwrap();
    let expired = dev
        .issuer
        .issue(&TokenClaims::new("demo").claim("exp", json!(now() - 3600)))
        .unwrap();
    let wrong_aud = TokenIssuer::hs256(&Secret::new("x"))
        .with_issuer(DEV_ISSUER)
        .with_audience("someone-else");
    // Same key as the dev provider but wrong audience / issuer: re-sign with the dev issuer's
    // key through claim overrides.
    let wrong_aud_same_key = dev
        .issuer
        .issue(&TokenClaims::new("demo").claim("aud", json!("someone-else")))
        .unwrap();
    let wrong_iss_same_key = dev
        .issuer
        .issue(&TokenClaims::new("demo").claim("iss", json!("evil")))
        .unwrap();
    let alg_none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(
            &json!({"sub": "demo", "roles": ["admin"], "iss": DEV_ISSUER, "aud": DEV_ISSUER, "exp": now() + 600})
        )
    );
    let mut tampered = good.clone();
    tampered.insert(tampered.len() / 2, 'x');
    let cases: Vec<(&str, String)> = vec![
        ("garbage", "garbage".to_owned()),
        ("bad signature", other_key.expose_secret().to_owned()),
        ("tampered", tampered),
        ("expired", expired.expose_secret().to_owned()),
        ("alg none", alg_none),
        ("wrong aud", wrong_aud_same_key.expose_secret().to_owned()),
        ("wrong iss", wrong_iss_same_key.expose_secret().to_owned()),
        (
            "foreign aud and key",
            wrong_aud
                .issue(&TokenClaims::new("demo"))
                .unwrap()
                .expose_secret()
                .to_owned(),
        ),
        ("truncated", good[..good.len() - 10].to_owned()),
    ];
    for (name, token) in cases {
        let (s, body) = app.get("/me", Some(&token)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(body["error"], "invalid_token", "{name}");
        assert!(!body.to_string().contains(&token), "{name}: token echoed");
    }

    // Malformed Authorization headers.
    let malformed = [
        HeaderValue::from_str(&good).unwrap(),          // no scheme
        HeaderValue::from_static("Basic dXNlcjpwYXNz"), // other scheme
        HeaderValue::from_static("Bearer"),             // scheme only
        HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(), // not UTF-8
    ];
    for h in malformed {
        assert_eq!(app.get_raw("/me", h).await, StatusCode::UNAUTHORIZED);
    }
    // Extra spaces and a lower-case scheme are fine.
    let spaced = HeaderValue::from_str(&format!("bearer    {good}   ")).unwrap();
    assert_eq!(app.get_raw("/me", spaced).await, StatusCode::OK);
    // A 1 MB header is refused by the HTTP layer without reaching the provider, and the server
    // keeps serving.
    let huge = HeaderValue::from_str(&format!("Bearer {}", "a".repeat(1024 * 1024))).unwrap();
    let status = app
        .client
        .get(format!("{}/me", app.base))
        .header(AUTHORIZATION, huge)
        .send()
        .await
        .map(|r| r.status());
    if let Ok(status) = status {
        assert!(status.is_client_error(), "{status}");
    }
    assert_eq!(app.get("/me", Some(&good)).await.0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hs256_signed_with_the_rsa_public_key_is_rejected() {
    let provider = JwtProvider::new(JwtConfig::public_key_pem(RSA_PUBLIC_PEM)).unwrap();
    let app = serve(Arc::new(provider)).await;
    let legit = TokenIssuer::from_pem(Algorithm::RS256, RSA_PRIVATE_PEM.as_bytes())
        .unwrap()
        .issue(&TokenClaims::new("u").username("u"))
        .unwrap();
    assert_eq!(
        app.get("/me", Some(legit.expose_secret())).await.0,
        StatusCode::OK
    );
    let forged = TokenIssuer::hs256(&Secret::new(RSA_PUBLIC_PEM))
        .issue(&TokenClaims::new("attacker").roles(["admin"]))
        .unwrap();
    let (s, body) = app.get("/admin", Some(forged.expose_secret())).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_users_see_only_themselves_and_nothing_remains() {
    let dev = DevSetup::generate().unwrap();
    let app = Arc::new(serve(dev.provider.clone()).await);
    let tokens: Vec<(String, AccessToken)> = (0..250)
        .map(|i| {
            let name = format!("user-{i}");
            let token = dev
                .issuer
                .issue(&TokenClaims::new(name.clone()).username(name.clone()))
                .unwrap();
            (name, token)
        })
        .collect();
    let mut tasks = Vec::new();
    for (name, token) in tokens {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let (s, body) = app.get("/whoami-deep", Some(token.expose_secret())).await;
            assert_eq!(s, StatusCode::OK);
            assert_eq!(
                body["id"],
                json!(name),
                "a request saw another user's context"
            );
            body["request_id"].as_str().map(str::to_owned)
        }));
    }
    let mut request_ids = HashSet::new();
    for t in futures::future::join_all(tasks).await {
        request_ids.insert(t.unwrap());
    }
    assert_eq!(
        request_ids.len(),
        250,
        "every request has its own request id"
    );

    // The same keep-alive connections now serve a route outside the auth layer: no context
    // survived the authenticated requests.
    for _ in 0..20 {
        let (s, body) = app.get("/leak", None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(body, json!({"user": null}));
    }
    assert!(polyauth::context::current_user().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_uses_the_configured_provider() {
    use polyauth::env::Env;
    // Nothing configured: the quickstart falls back to its development setup.
    let none = quickstart::configured_provider_from(&Env::from_pairs([("UNRELATED", "1")]))
        .await
        .unwrap();
    assert!(none.is_none());

    // POLYAUTH_PROVIDER=jwt with the backend's variables.
    let env = Env::from_pairs([
        ("POLYAUTH_PROVIDER", "jwt"),
        ("POLYAUTH_JWT_SECRET", "configured-secret-configured-secret"),
        ("POLYAUTH_JWT_ISSUER", "https://issuer.example/"),
    ]);
    let provider = quickstart::configured_provider_from(&env)
        .await
        .unwrap()
        .unwrap();
    let app = serve(provider).await;
    let issuer = TokenIssuer::hs256(&Secret::new("configured-secret-configured-secret"))
        .with_issuer("https://issuer.example/");
    let token = issuer
        .issue(
            &TokenClaims::new("7")
                .username("configured")
                .roles(["admin"]),
        )
        .unwrap();
    let (s, me) = app.get("/me", Some(token.expose_secret())).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["username"], "configured");
    // The development key is not accepted by the configured provider.
    let dev_token = DevSetup::generate().unwrap().demo_token().unwrap();
    assert_eq!(
        app.get("/me", Some(dev_token.expose_secret())).await.0,
        StatusCode::UNAUTHORIZED
    );

    // A TOML file named by POLYAUTH_CONFIG.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("polyauth.toml");
    std::fs::write(
        &file,
        "provider = \"jwt\"\npublic_key_pem = '''\n".to_owned() + RSA_PUBLIC_PEM + "'''\n",
    )
    .unwrap();
    let env = Env::from_pairs([("POLYAUTH_CONFIG", file.to_string_lossy().to_string())]);
    let provider = quickstart::configured_provider_from(&env)
        .await
        .unwrap()
        .unwrap();
    let token = TokenIssuer::from_pem(Algorithm::RS256, RSA_PRIVATE_PEM.as_bytes())
        .unwrap()
        .issue(&TokenClaims::new("rsa-user"))
        .unwrap();
    assert_eq!(provider.user_info(&token).await.unwrap().id, "rsa-user");
}

#[tokio::test]
async fn metrics_show_polyauth_counters_after_a_few_requests() {
    let dev = DevSetup::generate().unwrap();
    let app = serve(dev.provider.clone()).await;
    let demo = dev.demo_token().unwrap();
    for _ in 0..3 {
        let (status, _) = app.get("/me", Some(demo.expose_secret())).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = app.get("/me", Some("not-a-jwt")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Public, and Prometheus text.
    let response = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    let count = |labels: &str| -> f64 {
        text.lines()
            .filter(|l| l.starts_with("polyauth_verifications_total{") && l.contains(labels))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    // Other tests of this binary share the process-wide recorder: at least ours.
    assert!(count("outcome=\"ok\"") >= 3.0, "{text}");
    assert!(count("outcome=\"invalid_token\"") >= 1.0, "{text}");
    assert!(text.contains("provider=\"jwt\""), "{text}");
    assert!(
        text.contains("# HELP polyauth_verifications_total"),
        "{text}"
    );
    assert!(
        text.contains("polyauth_verification_duration_seconds"),
        "{text}"
    );
}
