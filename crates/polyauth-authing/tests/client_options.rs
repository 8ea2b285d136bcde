#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Client options and call parameters, asserted at the emulator: the `on_error` observer of
//! both clients, `lang` (`x-authing-lang`), `auto_register`, and the `client_ip`, `context`
//! and `custom_data` of register and login.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use polyauth_authing::CustomData;
use polyauth_authing::{
    AuthenticationClient, ErrorObserver, LoginOptions, ManagementClient, ManagementClientOptions,
    RegisterOptions,
};
use polyauth_core::{ClientSecret, ErrorKind, Password, VerificationCode};
use polyauth_testkit::authing::{AuthingEmulator, ENC_PUBLIC_PEM, ReceivedRequest};
use serde_json::{Map, Value, json};

/// What an observer saw: `(provider code, kind)` per error.
type Seen = Arc<Mutex<Vec<(Option<String>, ErrorKind)>>>;

/// An observer and what it saw.
fn recording_observer() -> (ErrorObserver, Seen) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let observer = ErrorObserver::new(move |e| {
        let code = e.provider_code().map(str::to_owned);
        sink.lock().unwrap().push((code, e.kind()));
    });
    (observer, seen)
}

#[tokio::test]
async fn on_error_sees_every_provider_error_of_the_authentication_client() {
    let emu = AuthingEmulator::start().await;
    seed(&emu, "alice", "Passw0rd!");
    let (observer, seen) = recording_observer();
    let mut o = auth_options(&emu);
    o.on_error = Some(observer);
    let c = AuthenticationClient::new(o).unwrap();

    let user = c
        .login_by_username(
            "alice",
            &Password::new("Passw0rd!"),
            LoginOptions::default(),
        )
        .await
        .unwrap();
    assert!(seen.lock().unwrap().is_empty(), "a success is not an error");

    // GraphQL error.
    let wrong = c
        .login_by_username("alice", &Password::new("nope"), LoginOptions::default())
        .await
        .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::Unauthenticated);
    // REST envelope error.
    let session = user.session().unwrap();
    c.logout(&session).await.unwrap();
    let gone = c.get_current_user(&session).await.unwrap_err();
    // OAuth error body, through the OIDC engine.
    let bad_code = c
        .get_access_token_by_code("no-such-code", None, None)
        .await
        .unwrap_err();
    assert_eq!(bad_code.kind(), ErrorKind::InvalidToken);
    // Refused before anything is sent: not a provider error.
    assert!(
        c.is_user_exists(None, None, None, None, None)
            .await
            .is_err()
    );

    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![
            (Some("2333".to_owned()), ErrorKind::Unauthenticated),
            (gone.provider_code().map(str::to_owned), gone.kind()),
            (Some("invalid_grant".to_owned()), ErrorKind::InvalidToken),
        ]
    );
    assert_eq!(seen[1].0.as_deref(), Some("2020"));
}

#[tokio::test]
async fn on_error_sees_the_management_clients_errors_too() {
    let emu = AuthingEmulator::start().await;
    let (observer, seen) = recording_observer();
    let mut o = ManagementClientOptions::new(
        emu.options().user_pool_id.clone(),
        ClientSecret::new("not-the-pool-secret"),
    );
    o.host = emu.base_url();
    o.enc_public_key = Some(ENC_PUBLIC_PEM.to_owned());
    o.on_error = Some(observer);
    let m = ManagementClient::new(o).unwrap();
    let e = m
        .users()
        .detail("nobody", CustomData::Omit)
        .await
        .unwrap_err();
    let seen = seen.lock().unwrap().clone();
    assert!(!seen.is_empty(), "the failed token query is reported");
    assert_eq!(
        seen.last().unwrap(),
        &(e.provider_code().map(str::to_owned), e.kind())
    );
}

fn lang_of(r: &ReceivedRequest) -> Option<&str> {
    r.headers.get("x-authing-lang").map(String::as_str)
}

/// The requests to `path` since the emulator started.
fn to(emu: &AuthingEmulator, path: &str) -> Vec<ReceivedRequest> {
    emu.received()
        .into_iter()
        .filter(|r| r.path == path)
        .collect()
}

#[tokio::test]
async fn lang_is_sent_as_the_reference_sends_it() {
    let emu = AuthingEmulator::start().await;
    let pw = Password::new("longenough");

    // Unset: an empty header on REST and OAuth calls, none on GraphQL.
    let c = auth_client(&emu);
    c.send_sms_code("13900000009").await.unwrap();
    c.check_password_strength(&pw).await.unwrap();
    let _ = c.get_access_token_by_code("no-such-code", None, None).await;
    assert_eq!(lang_of(&to(&emu, "/api/v2/sms/send")[0]), Some(""));
    assert_eq!(lang_of(&to(&emu, "/graphql/v2")[0]), None);
    assert_eq!(lang_of(&to(&emu, "/oidc/token")[0]), Some(""));

    // Set: the language on every call.
    let mut o = auth_options(&emu);
    o.lang = Some("en-US".to_owned());
    let english = AuthenticationClient::new(o).unwrap();
    english.send_sms_code("13900000009").await.unwrap();
    english.check_password_strength(&pw).await.unwrap();
    let _ = english
        .get_access_token_by_code("no-such-code", None, None)
        .await;
    assert_eq!(lang_of(&to(&emu, "/api/v2/sms/send")[1]), Some("en-US"));
    assert_eq!(lang_of(&to(&emu, "/graphql/v2")[1]), Some("en-US"));
    assert_eq!(lang_of(&to(&emu, "/oidc/token")[1]), Some("en-US"));

    // The management client shares the transport: its GraphQL token query has no header.
    let m = mgmt_client(&emu);
    m.users().detail("nobody", CustomData::Omit).await.unwrap();
    let graphql = to(&emu, "/graphql/v2");
    assert!(graphql[2..].iter().all(|r| lang_of(r).is_none()));
}

#[tokio::test]
async fn auto_register_registers_an_unknown_user_only_when_asked() {
    let emu = AuthingEmulator::start().await;
    let c = auth_client(&emu);
    let pw = Password::new("Fresh-pass-1");
    let unknown = c
        .login_by_username("newcomer", &pw, LoginOptions::default())
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    assert!(emu.user_id("newcomer").is_none());
    let sent = emu.last_variables("loginByUsername").unwrap();
    assert_eq!(sent["input"]["autoRegister"], false);

    let auto = LoginOptions {
        auto_register: true,
        ..LoginOptions::default()
    };
    let user = c.login_by_username("newcomer", &pw, auto).await.unwrap();
    assert_eq!(emu.user_id("newcomer").as_deref(), Some(user.id.as_str()));
    assert!(user.token.is_some(), "registered and logged in");
    assert_eq!(
        emu.stored_password(&user.id).as_deref(),
        Some("Fresh-pass-1")
    );
    let sent = emu.last_variables("loginByUsername").unwrap();
    assert_eq!(sent["input"]["autoRegister"], true);
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// `input.{name}` of the last `operation`, parsed from the JSON string it travels as.
fn json_input(emu: &AuthingEmulator, operation: &str, name: &str) -> Value {
    let vars = emu.last_variables(operation).unwrap();
    let text = vars["input"][name].as_str().unwrap().to_owned();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn client_ip_context_and_custom_data_reach_the_provider() {
    let emu = AuthingEmulator::start().await;
    let c = auth_client(&emu);
    let pw = Password::new("S3cret-pass");
    let register = RegisterOptions {
        force_login: true,
        client_ip: Some("203.0.113.7".to_owned()),
        custom_data: Some(object(json!({"school": "MIT", "age": 20}))),
        context: Some(object(json!({"source": "signup-page", "step": 2}))),
        ..RegisterOptions::default()
    };
    let user = c.register_by_username("dora", &pw, register).await.unwrap();
    let sent = emu.last_variables("registerByUsername").unwrap();
    assert_eq!(sent["input"]["clientIp"], "203.0.113.7");
    assert_eq!(
        json_input(&emu, "registerByUsername", "context"),
        json!({"source": "signup-page", "step": 2})
    );
    assert_eq!(
        json_input(&emu, "registerByUsername", "params"),
        json!([{"key": "age", "value": 20}, {"key": "school", "value": "MIT"}])
    );
    // The emulator stored the custom data with the new user.
    let stored = c.get_udf_value(&user.session().unwrap()).await.unwrap();
    assert_eq!(stored["school"], "MIT");
    assert_eq!(stored["age"], 20);

    // Without them, the fields travel as null.
    c.register_by_username("eve", &pw, RegisterOptions::default())
        .await
        .unwrap();
    let sent = emu.last_variables("registerByUsername").unwrap();
    for field in ["clientIp", "context", "params"] {
        assert_eq!(sent["input"][field], Value::Null, "{field}");
    }

    let login = LoginOptions {
        client_ip: Some("198.51.100.1".to_owned()),
        custom_data: Some(object(json!({"device": "kiosk"}))),
        context: Some(object(json!({"source": "kiosk"}))),
        ..LoginOptions::default()
    };
    c.login_by_username("dora", &pw, login.clone())
        .await
        .unwrap();
    let sent = emu.last_variables("loginByUsername").unwrap();
    assert_eq!(sent["input"]["clientIp"], "198.51.100.1");
    assert_eq!(
        json_input(&emu, "loginByUsername", "context"),
        json!({"source": "kiosk"})
    );
    assert_eq!(
        json_input(&emu, "loginByUsername", "params"),
        json!([{"key": "device", "value": "kiosk"}])
    );

    // The phone-code login carries them too.
    emu.set_sms_code("13900000042", "424242");
    let forced = RegisterOptions {
        force_login: true,
        ..RegisterOptions::default()
    };
    c.register_by_phone_code(
        "13900000042",
        &VerificationCode::new("424242"),
        None,
        forced,
    )
    .await
    .unwrap();
    emu.set_sms_code("13900000042", "434343");
    c.login_by_phone_code("13900000042", &VerificationCode::new("434343"), login)
        .await
        .unwrap();
    let sent = emu.last_variables("loginByPhoneCode").unwrap();
    assert_eq!(sent["input"]["clientIp"], "198.51.100.1");
    assert_eq!(
        json_input(&emu, "loginByPhoneCode", "context"),
        json!({"source": "kiosk"})
    );
}
