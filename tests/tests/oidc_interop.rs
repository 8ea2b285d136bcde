//! The OpenID Connect provider and the OAuth 2.0 / OIDC engine against two OpenID Providers:
//! panva's certified `oidc-provider` (npm, started by `scripts/test.sh`) and
//! polyauth-testkit's emulator. Every case runs against both, so the emulator is shown to
//! behave like the real thing where the engine can tell.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod oidc_support;

use std::sync::Arc;

use futures::future::join_all;
use oidc_support::*;
use polyauth::oidc::{OidcConfig, OidcProvider, TokenMode};
use polyauth::{
    AccessToken, AuthorizationRequest, ErrorKind, IdentityProvider, MemoryStateStore, StateStore,
};
use polyauth_testkit::keys::RSA2_PRIVATE_PEM;
use serde_json::json;

/// Runs each listed case against the real provider (`node::<case>`) and the emulator
/// (`emulator::<case>`).
macro_rules! against_both {
    ($($case:ident),* $(,)?) => {
        mod node {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(&super::node_issuer()).await;
                }
            )*
        }
        mod emulator {
            $(
                #[tokio::test]
                async fn $case() {
                    let op = polyauth_testkit::oidc::OidcEmulator::start().await;
                    super::$case(&op.issuer()).await;
                }
            )*
        }
    };
}

against_both!(
    discovery_checks_the_issuer,
    jwt_access_tokens_are_verified_locally,
    opaque_tokens_are_introspected_and_revocation_sticks,
    authorization_code_login_with_pkce_and_nonce,
    refresh_rotates_and_100_concurrent_refreshes_make_one_call,
    pushed_authorization_requests_and_private_key_jwt,
    a_rotated_signing_key_is_picked_up_without_restart,
    error_responses_are_typed_and_leave_no_state_behind,
    rp_initiated_logout_returns_to_the_application,
);

async fn discovery_checks_the_issuer(issuer: &str) {
    let client = web_client(issuer, "client_secret_basic").await;
    let (p, _) = provider(config(issuer, &client, TokenMode::Jwt)).await;
    let client_engine = p.client();
    let server = client_engine.metadata();
    assert_eq!(server.issuer.as_deref(), Some(issuer));
    assert!(server.authorization_response_iss_parameter_supported);
    let caps = p.capabilities();
    assert!(caps.verify && caps.authorization_code && caps.pkce && caps.refresh && caps.logout);

    // The document of another issuer (here: the same server named with a trailing path).
    let other = format!("{issuer}/tenant");
    let states: Arc<dyn StateStore> = Arc::new(MemoryStateStore::new(10));
    let e = OidcProvider::discover(config(&other, &client, TokenMode::Jwt), states.clone())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e.kind(),
            ErrorKind::NotFound | ErrorKind::Protocol | ErrorKind::ConfigInvalid
        ),
        "{e}"
    );
    // A configured issuer that differs from the document's only by a trailing slash.
    let e = OidcProvider::discover(
        config(&format!("{issuer}/"), &client, TokenMode::Jwt),
        states,
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConfigInvalid, "{e}");
    assert!(e.message().contains("issuer"), "{e}");
}

async fn jwt_access_tokens_are_verified_locally(issuer: &str) {
    let client = web_client(issuer, "client_secret_basic").await;
    let (p, _) = provider(config(issuer, &client, TokenMode::Jwt)).await;
    let token = api_token(&p).await;
    let verified = p.verify(&token).await.unwrap();
    assert_eq!(
        verified.subject, client.id,
        "RFC 9068: sub of a client token is the client"
    );
    assert_eq!(verified.claims["aud"], json!(API));
    let profile = p.user_info(&token).await.unwrap();
    assert_eq!(profile.provider, "oidc");
    assert!(profile.permissions.contains(&"api:read".to_owned()));

    // Tampered, foreign-audience and opaque tokens are refused.
    let mut tampered = token.expose_secret().to_owned();
    tampered.replace_range(tampered.len() - 4.., "AAAA");
    let e = p.verify(&AccessToken::new(tampered)).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken, "{e}");
    let picky = config(issuer, &client, TokenMode::Jwt);
    let mut picky_config =
        OidcConfig::new(issuer, client.id.clone()).with_audience("https://other.example");
    picky_config.client_secret = picky.client_secret;
    let (other_api, _) = provider(picky_config).await;
    let e = other_api.verify(&token).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken, "{e}");
    let opaque = p
        .client()
        .client_credentials(&["api:read"], &[])
        .await
        .unwrap();
    let e = p.verify(&opaque.access_token).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken, "{e}");
}

async fn opaque_tokens_are_introspected_and_revocation_sticks(issuer: &str) {
    let client = web_client(issuer, "client_secret_post").await;
    let mut c = config(issuer, &client, TokenMode::Introspection);
    c.audience.clear();
    c.cache_ttl_seconds = 0;
    let (p, _) = provider(c).await;
    let tokens = p
        .client()
        .client_credentials(&["api:read"], &[])
        .await
        .unwrap();
    let verified = p.verify(&tokens.access_token).await.unwrap();
    assert_eq!(verified.claims["active"], json!(true));
    assert_eq!(verified.subject, client.id);
    p.logout(&tokens.access_token).await.unwrap();
    let e = p.verify(&tokens.access_token).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken, "{e}");
    let e = p
        .verify(&AccessToken::new("not-a-token"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken, "{e}");
}

/// Logs `login` in through the provider's pages; returns the session.
async fn log_in(
    p: &OidcProvider,
    login: &'static str,
    request: AuthorizationRequest,
) -> polyauth::Session {
    let start = p.start_authorization(request).await.unwrap();
    let stop = user_agent(&start.url, REDIRECT_URI, UserAction::LogIn(login)).await;
    let cb = callback(&stop).with_binding(start.binding.expose_secret());
    p.finish_authorization(cb).await.unwrap()
}

async fn authorization_code_login_with_pkce_and_nonce(issuer: &str) {
    let client = web_client(issuer, "client_secret_basic").await;
    let (p, states) = provider(config(issuer, &client, TokenMode::Jwt)).await;
    let start = p
        .start_authorization(AuthorizationRequest {
            return_to: Some("/dashboard".into()),
            extra_params: vec![("resource".into(), API.into())],
            ..Default::default()
        })
        .await
        .unwrap();
    let query: Vec<(String, String)> = start.url.query_pairs().into_owned().collect();
    let has = |k: &str| query.iter().any(|(n, _)| n == k);
    assert!(
        has("nonce") && has("code_challenge") && has("state"),
        "{query:?}"
    );
    assert_eq!(stored(&states).await, 1);
    let stop = user_agent(&start.url, REDIRECT_URI, UserAction::LogIn("alice")).await;
    let cb = callback(&stop);
    assert_eq!(cb.iss.as_deref(), Some(issuer));

    // Without the browser's binding the callback is refused, and the state is spent.
    let e = p.finish_authorization(cb.clone()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
    assert_eq!(stored(&states).await, 0);

    let session = log_in(
        &p,
        "alice",
        AuthorizationRequest {
            extra_params: vec![("resource".into(), API.into())],
            ..Default::default()
        },
    )
    .await;
    let user = session.user.expect("the ID token's user");
    assert_eq!(user.id, "alice");
    assert_eq!(user.email.as_deref(), Some("alice@example.test"));
    assert!(user.roles.contains(&"admin".to_owned()), "{:?}", user.roles);
    assert!(session.tokens.id_token.is_some() && session.tokens.refresh_token.is_some());
    // The access token is a JWT for the API, which the same provider verifies.
    let verified = p.verify(&session.tokens.access_token).await.unwrap();
    assert_eq!(verified.subject, "alice");
    let profile = p.user_info(&session.tokens.access_token).await.unwrap();
    assert_eq!(profile.id, "alice");
    assert_eq!(stored(&states).await, 0);
}

async fn refresh_rotates_and_100_concurrent_refreshes_make_one_call(issuer: &str) {
    let client = web_client(issuer, "client_secret_basic").await;
    let (p, _) = provider(config(issuer, &client, TokenMode::Jwt)).await;
    let session = log_in(&p, "bob", AuthorizationRequest::default()).await;
    let rt = session.tokens.refresh_token.clone().unwrap();
    let results = join_all((0..100).map(|_| p.refresh(&rt))).await;
    let first = results[0].as_ref().unwrap();
    let new_rt = first.refresh_token.clone().unwrap();
    assert_ne!(
        new_rt.expose_secret(),
        rt.expose_secret(),
        "refresh tokens rotate"
    );
    for r in &results {
        let t = r.as_ref().unwrap();
        assert_eq!(
            t.access_token.expose_secret(),
            first.access_token.expose_secret()
        );
    }
    // A second instance (no shared guard) replaying the rotated-out token is refused.
    let (other, _) = provider(config(issuer, &client, TokenMode::Jwt)).await;
    let e = other.refresh(&rt).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken, "{e}");
}

async fn pushed_authorization_requests_and_private_key_jwt(issuer: &str) {
    let key = polyauth_testkit::jwks::SigningKey::new(
        "client-key-1",
        polyauth::jwt::Algorithm::RS256,
        RSA2_PRIVATE_PEM,
    );
    let client = register(
        issuer,
        json!({
            "redirect_uris": [REDIRECT_URI],
            "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks": {"keys": [key.public_jwk()]},
            "scope": "openid profile email offline_access roles api:read",
        }),
    )
    .await;
    let mut c = config(issuer, &client, TokenMode::Jwt);
    c.private_key_pem = Some(polyauth::Secret::new(RSA2_PRIVATE_PEM));
    c.private_key_id = Some("client-key-1".into());
    c.par = true;
    let (p, _) = provider(c).await;
    // private_key_jwt at the token endpoint.
    let token = api_token(&p).await;
    assert_eq!(p.verify(&token).await.unwrap().subject, client.id);
    // PAR: the authorization URL carries only client_id and request_uri.
    let start = p
        .start_authorization(AuthorizationRequest::default())
        .await
        .unwrap();
    let keys: Vec<String> = start
        .url
        .query_pairs()
        .map(|(k, _)| k.into_owned())
        .collect();
    assert_eq!(keys, ["client_id", "request_uri"], "{}", start.url);
    let stop = user_agent(&start.url, REDIRECT_URI, UserAction::LogIn("carol")).await;
    let session = p
        .finish_authorization(callback(&stop).with_binding(start.binding.expose_secret()))
        .await
        .unwrap();
    assert_eq!(session.user.unwrap().id, "carol");

    // An ES256 key works the same way.
    let ec = polyauth_testkit::jwks::SigningKey::new(
        "client-key-ec",
        polyauth::jwt::Algorithm::ES256,
        polyauth_testkit::keys::EC_PRIVATE_PEM,
    );
    let ec_client = register(
        issuer,
        json!({
            "redirect_uris": [REDIRECT_URI],
            "grant_types": ["client_credentials"],
            "response_types": [],
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "ES256",
            "jwks": {"keys": [ec.public_jwk()]},
            "scope": "api:read",
        }),
    )
    .await;
    let mut c = config(issuer, &ec_client, TokenMode::Jwt);
    c.private_key_pem = Some(polyauth::Secret::new(
        polyauth_testkit::keys::EC_PRIVATE_PEM,
    ));
    c.private_key_algorithm = Some("ES256".into());
    c.private_key_id = Some("client-key-ec".into());
    let (p, _) = provider(c).await;
    assert_eq!(
        p.verify(&api_token(&p).await).await.unwrap().subject,
        ec_client.id
    );
    // A key the server does not know for the client: invalid_client → ConfigInvalid.
    let mut wrong = config(issuer, &ec_client, TokenMode::Jwt);
    wrong.private_key_pem = Some(polyauth::Secret::new(RSA2_PRIVATE_PEM));
    wrong.private_key_id = Some("client-key-ec".into());
    let (p, _) = provider(wrong).await;
    let e = p
        .client()
        .client_credentials(&["api:read"], &[("resource", API)])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConfigInvalid, "{e}");
}

async fn a_rotated_signing_key_is_picked_up_without_restart(issuer: &str) {
    let client = web_client(issuer, "client_secret_basic").await;
    let (p, _) = provider(config(issuer, &client, TokenMode::Jwt)).await;
    let before = api_token(&p).await;
    p.verify(&before).await.unwrap();
    let kid = rotate_keys(issuer).await;
    let after = api_token(&p).await;
    assert_eq!(kid_of(after.expose_secret()), kid);
    assert_ne!(kid_of(before.expose_secret()), kid);
    assert_eq!(p.verify(&after).await.unwrap().subject, client.id);
}

async fn error_responses_are_typed_and_leave_no_state_behind(issuer: &str) {
    let client = web_client(issuer, "client_secret_basic").await;
    let (p, states) = provider(config(issuer, &client, TokenMode::Jwt)).await;

    // The user refuses: access_denied.
    let start = p
        .start_authorization(AuthorizationRequest::default())
        .await
        .unwrap();
    let stop = user_agent(&start.url, REDIRECT_URI, UserAction::Abort).await;
    let cb = callback(&stop).with_binding(start.binding.expose_secret());
    assert_eq!(cb.error.as_deref(), Some("access_denied"));
    let e = p.finish_authorization(cb).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied, "{e}");
    assert_eq!(e.provider_code(), Some("access_denied"));

    // A code that is not the server's: invalid_grant.
    let start = p
        .start_authorization(AuthorizationRequest::default())
        .await
        .unwrap();
    let stop = user_agent(&start.url, REDIRECT_URI, UserAction::LogIn("dave")).await;
    let mut cb = callback(&stop).with_binding(start.binding.expose_secret());
    let replay = cb.clone();
    cb.code = "not-the-code".into();
    let e = p.finish_authorization(cb).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken, "{e}");
    // Replaying the callback: the state is spent.
    let e = p.finish_authorization(replay).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");

    // A code used once, presented again at the token endpoint: invalid_grant.
    let start = p
        .start_authorization(AuthorizationRequest::default())
        .await
        .unwrap();
    let stop = user_agent(&start.url, REDIRECT_URI, UserAction::LogIn("dave")).await;
    let cb = callback(&stop).with_binding(start.binding.expose_secret());
    p.finish_authorization(cb.clone()).await.unwrap();
    let e = p
        .client()
        .exchange_code(cb.code.expose_secret(), None, None, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken, "{e}");
    assert_eq!(e.provider_code(), Some("invalid_grant"));

    // A response claiming another issuer (mix-up), and one without the advertised iss.
    for iss in [Some("https://evil.example"), None] {
        let start = p
            .start_authorization(AuthorizationRequest::default())
            .await
            .unwrap();
        let stop = user_agent(&start.url, REDIRECT_URI, UserAction::LogIn("erin")).await;
        let mut cb = callback(&stop).with_binding(start.binding.expose_secret());
        cb.iss = iss.map(str::to_owned);
        let e = p.finish_authorization(cb).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
    }

    // Unknown and oversized states are refused before any call.
    for state in ["unknown".to_owned(), "x".repeat(10_000)] {
        let cb = polyauth::AuthorizationCallback::new("c", state).with_binding("b");
        let e = p.finish_authorization(cb).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidState, "{e}");
    }
    assert_eq!(
        stored(&states).await,
        0,
        "nothing is left in the state store"
    );
}

async fn rp_initiated_logout_returns_to_the_application(issuer: &str) {
    let client = web_client(issuer, "client_secret_basic").await;
    let (p, _) = provider(config(issuer, &client, TokenMode::Jwt)).await;
    let session = log_in(&p, "frank", AuthorizationRequest::default()).await;
    let url = p
        .end_session_url(
            session.tokens.id_token.as_ref(),
            Some(POST_LOGOUT_URI),
            Some("bye"),
        )
        .unwrap();
    let stop = user_agent(&url, POST_LOGOUT_URI, UserAction::LogIn("frank")).await;
    let state = stop
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned());
    assert_eq!(state.as_deref(), Some("bye"));
    // Revocation of the refresh token makes it useless.
    let rt = session.tokens.refresh_token.clone().unwrap();
    p.client().revoke(&rt).await.unwrap();
    let (other, _) = provider(config(issuer, &client, TokenMode::Jwt)).await;
    let e = other.refresh(&rt).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidToken, "{e}");
}

/// What only the emulator can show: the number of token-endpoint calls, and upstream faults.
mod emulator_only {
    use std::time::Duration;

    use polyauth_testkit::oidc::OidcEmulator;
    use polyauth_testkit::server::{Fault, FaultKind};

    use super::*;

    #[tokio::test]
    async fn one_hundred_concurrent_refreshes_make_one_token_call() {
        let op = OidcEmulator::start().await;
        let issuer = op.issuer();
        let client = web_client(&issuer, "client_secret_basic").await;
        let (p, _) = provider(config(&issuer, &client, TokenMode::Jwt)).await;
        let session = log_in(&p, "grace", AuthorizationRequest::default()).await;
        let rt = session.tokens.refresh_token.unwrap();
        let before = op.token_calls();
        let results = join_all((0..100).map(|_| p.refresh(&rt))).await;
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(
            op.token_calls() - before,
            1,
            "one token call for 100 refreshes"
        );
    }

    #[tokio::test]
    async fn token_endpoint_outages_and_garbage_are_typed_and_leave_nothing_behind() {
        let op = OidcEmulator::start().await;
        let issuer = op.issuer();
        let client = web_client(&issuer, "client_secret_basic").await;
        let mut c = config(&issuer, &client, TokenMode::Jwt);
        c.timeout_seconds = 1;
        let (p, states) = provider(c).await;
        for (fault, kind) in [
            (FaultKind::Status(500), ErrorKind::Unavailable),
            (FaultKind::Html, ErrorKind::Protocol),
            (FaultKind::MalformedJson, ErrorKind::Protocol),
            (
                FaultKind::Delay(Duration::from_secs(3)),
                ErrorKind::Unavailable,
            ),
        ] {
            let start = p
                .start_authorization(AuthorizationRequest::default())
                .await
                .unwrap();
            let stop = user_agent(&start.url, REDIRECT_URI, UserAction::LogIn("heidi")).await;
            op.server()
                .inject(Fault::new(fault.clone()).on_path("/token").times(1));
            let cb = callback(&stop).with_binding(start.binding.expose_secret());
            let e = p.finish_authorization(cb).await.unwrap_err();
            assert_eq!(e.kind(), kind, "{fault:?}: {e}");
            assert!(!e.to_string().contains(client.secret.as_deref().unwrap()));
        }
        assert_eq!(stored(&states).await, 0);
    }

    #[tokio::test]
    async fn a_code_issued_to_another_client_is_refused() {
        // The ID token checks (nonce, issuer, audience, algorithm, signature) are shown one by
        // one in polyauth-oidc's tests/id_token.rs; here a whole callback of client B is
        // replayed into a login of client A.
        let op = OidcEmulator::start().await;
        let issuer = op.issuer();
        let a = web_client(&issuer, "client_secret_basic").await;
        let b = web_client(&issuer, "client_secret_basic").await;
        let (pa, _) = provider(config(&issuer, &a, TokenMode::Jwt)).await;
        let (pb, _) = provider(config(&issuer, &b, TokenMode::Jwt)).await;
        // B's code presented to A: the server refuses a code of another client.
        let start = pb
            .start_authorization(AuthorizationRequest::default())
            .await
            .unwrap();
        let stop = user_agent(&start.url, REDIRECT_URI, UserAction::LogIn("ivan")).await;
        let b_callback = callback(&stop);
        let start_a = pa
            .start_authorization(AuthorizationRequest::default())
            .await
            .unwrap();
        let mut cb = b_callback.with_binding(start_a.binding.expose_secret());
        cb.state = start_a.state.clone();
        let e = pa.finish_authorization(cb).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidToken, "{e}");
    }
}

/// The README's promise for any issuer: the quickstart, configured only by
/// `POLYAUTH_PROVIDER=oidc`, `POLYAUTH_OIDC_ISSUER` and `POLYAUTH_OIDC_AUDIENCE`, accepts the
/// issuer's JWT access tokens on `/me` and rejects others.
mod quickstart_on_oidc {
    use polyauth::env::Env;
    use polyauth_examples::quickstart;

    use super::*;

    async fn case(issuer: &str) {
        let env = Env::from_pairs([
            ("POLYAUTH_PROVIDER", "oidc"),
            ("POLYAUTH_OIDC_ISSUER", issuer),
            ("POLYAUTH_OIDC_AUDIENCE", API),
        ]);
        let configured = quickstart::configured_provider_from(&env)
            .await
            .unwrap()
            .expect("configured");
        assert_eq!(configured.name(), "oidc");
        let app = polyauth_testkit::server::Emulator::serve(quickstart::router(configured)).await;
        let base = app.base_url();

        // A token of the issuer, for the API, from a client of its own.
        let client = web_client(issuer, "client_secret_basic").await;
        let (p, _) = provider(config(issuer, &client, TokenMode::Jwt)).await;
        let token = api_token(&p).await;
        let get = |token: String| {
            let url = format!("{base}/me");
            async move {
                reqwest::Client::new()
                    .get(url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let ok = get(token.expose_secret().to_owned()).await;
        assert_eq!(ok.status(), 200);
        let me: serde_json::Value = ok.json().await.unwrap();
        assert_eq!(me["id"], json!(client.id), "{me}");
        // Another issuer's token, a tampered one, an opaque one: 401.
        let mut tampered = token.expose_secret().to_owned();
        tampered.replace_range(tampered.len() - 4.., "AAAA");
        let opaque = p
            .client()
            .client_credentials(&["api:read"], &[])
            .await
            .unwrap();
        for bad in [
            tampered,
            opaque.access_token.expose_secret().to_owned(),
            "x.y.z".into(),
        ] {
            assert_eq!(get(bad).await.status(), 401);
        }
    }

    #[tokio::test]
    async fn node() {
        case(&node_issuer()).await;
    }

    #[tokio::test]
    async fn emulator() {
        let op = polyauth_testkit::oidc::OidcEmulator::start().await;
        case(&op.issuer()).await;
    }
}
