//! `Debug` never shows a secret: every public type of polyauth-core that holds one, formatted
//! with `{:?}` and `{:#?}`, must not contain the secret's text.
//!
//! When a public type gains a secret field, add it here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use polyauth_core::context::RequestContext;
use polyauth_core::env::Env;
use polyauth_core::{
    AccessToken, AuthorizationCallback, AuthorizationCode, AuthorizationStart, BuildContext,
    ClientSecret, Credentials, IdToken, LoginIdentifier, MemorySessionStore, MemoryStateStore,
    NewUser, Password, RefreshToken, Secret, Session, SessionPersistence, StateConfig, StateStore,
    TokenSet, UserUpdate, VerificationCode,
};

/// Every secret below contains this text; nothing else does.
const MARK: &str = "s3cr3t";

fn secret(name: &str) -> String {
    format!("{MARK}-{name}")
}

fn assert_redacted(what: &str, value: &dyn Debug) {
    for text in [format!("{value:?}"), format!("{value:#?}")] {
        assert!(!text.contains(MARK), "{what} shows a secret: {text}");
    }
}

#[tokio::test]
async fn debug_of_every_public_type_holding_a_secret_is_redacted() {
    let mut seen: Vec<(&str, Box<dyn Debug>)> = vec![
        ("AccessToken", Box::new(AccessToken::new(secret("at")))),
        ("RefreshToken", Box::new(RefreshToken::new(secret("rt")))),
        ("IdToken", Box::new(IdToken::new(secret("idt")))),
        ("ClientSecret", Box::new(ClientSecret::new(secret("cs")))),
        ("Password", Box::new(Password::new(secret("pw")))),
        (
            "VerificationCode",
            Box::new(VerificationCode::new(secret("otp"))),
        ),
        (
            "AuthorizationCode",
            Box::new(AuthorizationCode::new(secret("code"))),
        ),
        ("Secret", Box::new(Secret::new(secret("hmac")))),
    ];

    let mut tokens = TokenSet::bearer(AccessToken::new(secret("at"))).with_expires_in(60);
    tokens.refresh_token = Some(RefreshToken::new(secret("rt")));
    tokens.id_token = Some(IdToken::new(secret("idt")));
    seen.push(("TokenSet", Box::new(tokens.clone())));
    seen.push(("Session", Box::new(Session::new(tokens.clone(), None))));
    let store = MemorySessionStore::new(10);
    store.save("sid", &tokens).await.unwrap();
    seen.push(("MemorySessionStore", Box::new(store)));

    seen.push((
        "Credentials::Password",
        Box::new(Credentials::username_password("alice", secret("pw"))),
    ));
    seen.push((
        "Credentials::Password (e-mail)",
        Box::new(Credentials::Password {
            identifier: LoginIdentifier::Email("a@example.com".into()),
            password: Password::new(secret("pw")),
        }),
    ));
    seen.push((
        "Credentials::PhoneCode",
        Box::new(Credentials::PhoneCode {
            phone: "+8613800000000".into(),
            code: VerificationCode::new(secret("otp")),
        }),
    ));

    let start = AuthorizationStart::new(
        url::Url::parse("https://idp.example/authorize?state=st").unwrap(),
        "st",
        Secret::new(secret("binding")),
    );
    seen.push(("AuthorizationStart", Box::new(start)));
    let code = secret("code");
    seen.push((
        "AuthorizationCallback::new + binding",
        Box::new(AuthorizationCallback::new(code.as_str(), "st").with_binding(secret("binding"))),
    ));
    let from_query = AuthorizationCallback::from_query(&format!("code={code}&state=st"));
    assert_eq!(from_query.code.expose_secret(), code);
    seen.push(("AuthorizationCallback::from_query", Box::new(from_query)));
    let deserialized: AuthorizationCallback =
        serde_json::from_value(serde_json::json!({"code": code, "state": "st"})).unwrap();
    assert_eq!(deserialized.code, AuthorizationCode::new(code.as_str()));
    seen.push(("AuthorizationCallback (serde)", Box::new(deserialized)));

    seen.push((
        "NewUser",
        Box::new(NewUser {
            password: Some(Password::new(secret("pw"))),
            ..NewUser::with_username("bob")
        }),
    ));
    seen.push((
        "UserUpdate",
        Box::new(UserUpdate {
            password: Some(Password::new(secret("pw"))),
            ..Default::default()
        }),
    ));

    seen.push((
        "StateConfig",
        Box::new(StateConfig {
            redis_url: Some(Secret::new(format!("redis://:{}@host/0", secret("redis")))),
            key_prefix: None,
        }),
    ));
    seen.push((
        "RequestContext",
        Box::new(RequestContext {
            token: Some(AccessToken::new(secret("at"))),
            ..Default::default()
        }),
    ));
    let pairs = [("CLIENT_SECRET", secret("env"))];
    seen.push(("Env", Box::new(Env::from_pairs(pairs))));
    let state = MemoryStateStore::new(10);
    state
        .put("st", &secret("pkce"), Duration::from_secs(60))
        .await
        .unwrap();
    let state = Arc::new(state);
    seen.push(("MemoryStateStore", Box::new(state.clone())));
    seen.push(("BuildContext", Box::new(BuildContext::new(state))));

    for (what, value) in &seen {
        assert_redacted(what, value.as_ref());
    }
    // The marker is findable: the check above would catch a leak.
    assert!(format!("{:?}", secret("x")).contains(MARK));
}
