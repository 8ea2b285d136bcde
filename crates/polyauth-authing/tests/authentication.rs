#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every AuthenticationClient method over loopback against the emulator.

mod common;

use common::*;
use polyauth_authing::types::ResourceType;
use polyauth_authing::{
    AuthenticationClient, AuthorizeParams, EmailScene, LoginOptions, Protocol, RegisterOptions,
    TokenEndpointAuthMethod, UserSession, code_challenge_s256,
};
use polyauth_core::{
    AccessToken, ClientSecret, ErrorKind, IdToken, Password, RefreshToken, VerificationCode,
};
use polyauth_testkit::authing::{AuthingEmulator, CAPTCHA_ANSWER};
use polyauth_testkit::server::{Fault, FaultKind};
use serde_json::{Map, Value, json};

async fn logged_in(emu: &AuthingEmulator, c: &AuthenticationClient) -> UserSession {
    seed(emu, "alice", "Passw0rd!");
    c.login_by_username(
        "alice",
        &Password::new("Passw0rd!"),
        LoginOptions::default(),
    )
    .await
    .unwrap()
    .session()
    .unwrap()
}

#[tokio::test]
async fn register_and_login_every_way() {
    let emu = AuthingEmulator::start().await;
    let c = auth_client(&emu);
    let pw = Password::new("S3cret-pass");
    let forced = RegisterOptions {
        force_login: true,
        ..Default::default()
    };
    let u = c
        .register_by_email("bob@example.com", &pw, forced.clone())
        .await
        .unwrap();
    assert_eq!(u.email.as_deref(), Some("bob@example.com"));
    assert!(u.token.is_some());
    assert_eq!(
        emu.stored_password(&u.id).as_deref(),
        Some("S3cret-pass"),
        "decrypted by the emulator"
    );
    // the wire carried ciphertext, not the password
    let vars = emu.last_variables("registerByEmail").unwrap().to_string();
    assert!(!vars.contains("S3cret-pass"));

    let opts = RegisterOptions {
        custom_data: Some(Map::from_iter([("age".to_owned(), json!(30))])),
        ..Default::default()
    };
    let u2 = c.register_by_username("carol", &pw, opts).await.unwrap();
    assert!(u2.token.is_none(), "no token without force_login");
    let dup = c
        .register_by_username("carol", &pw, RegisterOptions::default())
        .await
        .unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::InvalidInput);
    assert_eq!(dup.operation(), Some("registerByUsername"));

    emu.set_sms_code("13900000001", "123456");
    let u3 = c
        .register_by_phone_code(
            "13900000001",
            &VerificationCode::new("123456"),
            Some(&pw),
            forced,
        )
        .await
        .unwrap();
    assert_eq!(u3.phone.as_deref(), Some("13900000001"));
    let bad = c
        .register_by_phone_code(
            "13900000002",
            &VerificationCode::new("000000"),
            None,
            RegisterOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::Unauthenticated);

    let l1 = c
        .login_by_email("bob@example.com", &pw, LoginOptions::default())
        .await
        .unwrap();
    assert_eq!(l1.id, u.id);
    let l2 = c
        .login_by_username("carol", &pw, LoginOptions::default())
        .await
        .unwrap();
    assert!(l2.token.is_some());
    let l3 = c
        .login_by_phone_password("13900000001", &pw, LoginOptions::default())
        .await
        .unwrap();
    assert_eq!(l3.id, u3.id);
    c.send_sms_code("13900000001").await.unwrap();
    let code = emu.sms_code("13900000001").unwrap();
    let l4 = c
        .login_by_phone_code(
            "13900000001",
            &VerificationCode::new(code),
            LoginOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(l4.id, u3.id);
    let l5 = c
        .login_by_sub_account("carol", &pw, None, None)
        .await
        .unwrap();
    assert_eq!(l5.id, u2.id);
    let l6 = c.login_by_ldap("carol", &pw).await.unwrap();
    assert_eq!(l6.id, u2.id);
    let l7 = c.login_by_ad("carol", &pw).await.unwrap();
    assert!(l7.token.is_some());
}

#[tokio::test]
async fn login_errors_are_typed_and_leak_nothing() {
    let emu = AuthingEmulator::start().await;
    let c = auth_client(&emu);
    seed(&emu, "alice", "Passw0rd!");
    let wrong = c
        .login_by_username(
            "alice",
            &Password::new("nope-wrong"),
            LoginOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::Unauthenticated);
    assert!(wrong.message().contains("2333"));
    assert!(!format!("{wrong:?}{wrong}").contains("nope-wrong"));
    let unknown = c
        .login_by_email(
            "ghost@example.com",
            &Password::new("x"),
            LoginOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    assert_eq!(unknown.operation(), Some("loginByEmail"));

    emu.require_captcha(true);
    let captcha = c
        .login_by_username(
            "alice",
            &Password::new("Passw0rd!"),
            LoginOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(captcha.provider_code(), Some("2000"));
    let opts = LoginOptions {
        captcha_code: Some(CAPTCHA_ANSWER.into()),
        ..Default::default()
    };
    assert!(
        c.login_by_username("alice", &Password::new("Passw0rd!"), opts)
            .await
            .is_ok()
    );

    let long = "x".repeat(118);
    let e = c
        .login_by_username(
            "alice",
            &Password::new(long.clone()),
            LoginOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(!e.to_string().contains(&long));
    assert_eq!(
        emu.op_calls("loginByUsername"),
        3,
        "the oversized password never left the process"
    );
}

#[tokio::test]
async fn session_methods() {
    let emu = AuthingEmulator::start().await;
    let c = auth_client(&emu);
    let s = logged_in(&emu, &c).await;
    let me = c.get_current_user(&s).await.unwrap();
    assert_eq!(me.username.as_deref(), Some("alice"));
    // A session without the user id resolves it through /users/me.
    let bare = UserSession::new(s.token.clone());
    assert_eq!(c.check_logged_in(&bare).await.unwrap().id, me.id);

    let mut data = Map::new();
    data.insert("age".into(), json!(31));
    data.insert("city".into(), json!("Paris"));
    c.set_udf_value(&bare, &data).await.unwrap();
    let got = c.get_udf_value(&s).await.unwrap();
    assert_eq!(got["age"], json!(31));
    assert_eq!(got["city"], json!("Paris"));
    assert!(c.set_udf_value(&s, &Map::new()).await.is_err());
    let list = c.set_udv(&s, "vip", &json!(true)).await.unwrap();
    assert!(
        list.iter()
            .any(|i| i.key == "vip" && i.data_type == "BOOLEAN")
    );
    let list = c.remove_udv(&s, "vip").await.unwrap();
    assert!(!list.iter().any(|i| i.key == "vip"));
    c.remove_udf_value(&s, "city").await.unwrap();
    assert!(!c.get_udf_value(&s).await.unwrap().contains_key("city"));
    assert_eq!(c.list_udv(&s).await.unwrap().len(), 1);

    let status = c.check_login_status(&s.token).await.unwrap();
    assert_eq!(status.status, Some(true));
    assert_eq!(status.data.unwrap().id.as_deref(), Some(me.id.as_str()));
    let dead = c
        .check_login_status(&AccessToken::new("garbage"))
        .await
        .unwrap();
    assert_eq!(dead.status, Some(false));

    let mut upd = Map::new();
    upd.insert("nickname".into(), json!("Ali"));
    assert_eq!(
        c.update_profile(&s, &upd)
            .await
            .unwrap()
            .nickname
            .as_deref(),
        Some("Ali")
    );
    upd.insert("password".into(), json!("plain"));
    assert_eq!(
        c.update_profile(&s, &upd).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );

    let wrong_old = c
        .update_password(
            &s,
            &Password::new("New-pass-1"),
            Some(&Password::new("bad")),
        )
        .await
        .unwrap_err();
    assert_eq!(wrong_old.kind(), ErrorKind::Unauthenticated);
    c.update_password(
        &s,
        &Password::new("New-pass-1"),
        Some(&Password::new("Passw0rd!")),
    )
    .await
    .unwrap();
    assert_eq!(emu.stored_password(&me.id).as_deref(), Some("New-pass-1"));

    emu.set_sms_code("13700000000", "111111");
    let u = c
        .bind_phone(&s, "13700000000", &VerificationCode::new("111111"))
        .await
        .unwrap();
    assert_eq!(u.phone.as_deref(), Some("13700000000"));
    assert!(c.unbind_phone(&s).await.unwrap().phone.is_none());
    emu.set_sms_code("13700000001", "222222");
    let u = c
        .update_phone(
            &s,
            "13700000001",
            &VerificationCode::new("222222"),
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(u.phone.as_deref(), Some("13700000001"));
    c.send_email("new@example.com", EmailScene::VerifyCode)
        .await
        .unwrap();
    let code = VerificationCode::new(emu.email_code("new@example.com").unwrap());
    assert_eq!(
        c.bind_email(&s, "new@example.com", &code)
            .await
            .unwrap()
            .email
            .as_deref(),
        Some("new@example.com")
    );
    assert!(c.unbind_email(&s).await.unwrap().email.is_none());
    c.send_email("n2@example.com", EmailScene::ChangeEmail)
        .await
        .unwrap();
    let code = VerificationCode::new(emu.email_code("n2@example.com").unwrap());
    assert!(
        c.update_email(&s, "n2@example.com", &code, None, None)
            .await
            .is_ok()
    );
    let bad = c
        .bind_email(&s, "n3@example.com", &VerificationCode::new("0"))
        .await
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::Unauthenticated);

    let level = c.get_security_level(&s).await.unwrap();
    assert_eq!(level.password, Some(true));
    let res = c
        .list_authorized_resources(&s, "default", Some(ResourceType::Data))
        .await
        .unwrap();
    assert_eq!(res.list[0].actions, vec!["user:read", "order:*"]);
    assert_eq!(
        c.list_authorized_resources(&s, "default", Some(ResourceType::Api))
            .await
            .unwrap()
            .total_count,
        0
    );
    assert_eq!(c.list_applications(&s, 1, 10).await.unwrap().total_count, 1);
    assert!(c.list_orgs(&s).await.unwrap().is_array());
    let roles = c.list_roles(&s, None).await.unwrap();
    assert_eq!(
        roles
            .list
            .iter()
            .map(|r| r.code.as_str())
            .collect::<Vec<_>>(),
        ["admin", "dev"]
    );
    assert!(c.has_role(&s, "admin", None).await.unwrap());
    assert!(!c.has_role(&s, "root", None).await.unwrap());
    assert_eq!(c.list_departments(&s).await.unwrap().total_count, 0);
    // Departments are the orgs module's memberships.
    let m = mgmt_client(&emu);
    let org = m.orgs().create("Root", Some("root"), None).await.unwrap();
    let root = org.root_node.unwrap().id;
    m.orgs()
        .add_members(&root, std::slice::from_ref(&me.id))
        .await
        .unwrap();
    assert_eq!(c.list_departments(&s).await.unwrap().total_count, 1);
    assert_eq!(c.list_orgs(&s).await.unwrap()[0][0]["id"], root.as_str());

    let other = c
        .login_by_username(
            "alice",
            &Password::new("New-pass-1"),
            LoginOptions::default(),
        )
        .await
        .unwrap();
    c.link_account(&s, &s.token, other.token.as_ref().unwrap())
        .await
        .unwrap();
    c.unlink_account(&s, &s.token, "github").await.unwrap();

    let refreshed = c.refresh_token(&s).await.unwrap();
    assert_ne!(refreshed.token, s.token);
    assert!(refreshed.exp.unwrap() > refreshed.iat.unwrap());

    c.logout(&s).await.unwrap();
    let after = c.get_current_user(&s).await.unwrap_err();
    assert_eq!(after.kind(), ErrorKind::Unauthenticated);
    assert!(!after.to_string().contains(s.token.expose_secret()));
    let expired = UserSession::new(AccessToken::new(emu.issue_token(&me.id, -5)));
    assert_eq!(
        c.get_current_user(&expired).await.unwrap_err().kind(),
        ErrorKind::InvalidToken
    );
}

#[tokio::test]
async fn password_resets_and_lookups() {
    let emu = AuthingEmulator::start().await;
    let c = auth_client(&emu);
    let s = logged_in(&emu, &c).await;
    let me = c.get_current_user(&s).await.unwrap();
    let phone = me.phone.clone().unwrap();
    emu.set_sms_code(&phone, "333333");
    c.reset_password_by_phone_code(
        &phone,
        &VerificationCode::new("333333"),
        &Password::new("Reset-1"),
    )
    .await
    .unwrap();
    assert_eq!(emu.stored_password(&me.id).as_deref(), Some("Reset-1"));
    c.send_email("alice@example.com", EmailScene::ResetPassword)
        .await
        .unwrap();
    let code = VerificationCode::new(emu.email_code("alice@example.com").unwrap());
    c.reset_password_by_email_code("alice@example.com", &code, &Password::new("Reset-2"))
        .await
        .unwrap();
    assert_eq!(emu.stored_password(&me.id).as_deref(), Some("Reset-2"));
    let wrong = c
        .reset_password_by_email_code(
            "alice@example.com",
            &VerificationCode::new("x"),
            &Password::new("y"),
        )
        .await
        .unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::Unauthenticated);
    c.reset_password_by_first_token(&s.token, &Password::new("First-3"))
        .await
        .unwrap();
    assert_eq!(emu.stored_password(&me.id).as_deref(), Some("First-3"));
    c.reset_password_with_force_reset(
        &s.token,
        &Password::new("First-3"),
        &Password::new("Force-4"),
    )
    .await
    .unwrap();
    assert_eq!(emu.stored_password(&me.id).as_deref(), Some("Force-4"));

    let strong = c
        .check_password_strength(&Password::new("longenough"))
        .await
        .unwrap();
    assert!(strong.valid);
    assert!(
        !c.check_password_strength(&Password::new("abc"))
            .await
            .unwrap()
            .valid
    );
    assert!(
        c.is_user_exists(None, Some("alice"), None, None, None)
            .await
            .unwrap()
    );
    assert!(
        !c.is_user_exists(None, None, Some("nobody@example.com"), None, None)
            .await
            .unwrap()
    );
    assert!(
        c.is_user_exists(None, None, None, None, None)
            .await
            .is_err()
    );

    let t = c.validate_ticket_v2("ST-123", "https://svc").await.unwrap();
    assert!(t["serviceResponse"]["authenticationSuccess"].is_object());
    assert!(c.track_session().await.unwrap().get("session").is_some());
    let w = c
        .wechat_login("wx code", Some("CN"), None, Some("st"))
        .await
        .unwrap();
    assert_eq!(
        w["data"]["code"], "wx code",
        "values are URL-encoded and decoded"
    );
}

async fn authorize(emu: &AuthingEmulator, url: &url::Url, user: &str) -> (String, String) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut url = url.clone();
    url.query_pairs_mut().append_pair("login_hint", user);
    let resp = http.get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 303, "{:?}", resp.text().await);
    let loc = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let get = |k: &str| {
        loc.query_pairs()
            .find(|(n, _)| n == k)
            .unwrap()
            .1
            .into_owned()
    };
    let _ = emu;
    (get("code"), get("state"))
}

/// The kinds of token each RFC call does not take are refused before anything is sent.
#[tokio::test]
async fn revoke_and_validate_refuse_the_wrong_kind_of_token() {
    let emu = AuthingEmulator::start().await;
    let c = AuthenticationClient::new(auth_options(&emu)).unwrap();
    let sent = emu.received().len();
    let id_token = IdToken::new("an-id-token");
    let e = c.revoke_token(&id_token).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let refresh = RefreshToken::new("a-refresh-token");
    let e = c.validate_token(&refresh).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(emu.received().len(), sent, "nothing is sent");
}

#[tokio::test]
async fn oauth_protocol_calls_the_oauth_endpoints() {
    let emu = AuthingEmulator::start().await;
    seed(&emu, "alice", "Passw0rd!");
    let mut o = auth_options(&emu);
    o.protocol = Protocol::OAuth;
    let c = AuthenticationClient::new(o).unwrap();
    let mut p = AuthorizeParams::new();
    p.scope = Some("openid profile offline_access".into());
    let a = c.build_authorize_url(p).unwrap();
    assert_eq!(a.url.path(), "/oauth/auth");
    assert!(a.nonce.is_none(), "OAuth 2.0 has no nonce");
    let (code, _) = authorize(&emu, &a.url, "alice").await;
    let tokens = c
        .get_access_token_by_code(&code, a.code_verifier.as_ref(), None)
        .await
        .unwrap();
    let info = c
        .get_user_info_by_access_token(&tokens.access_token)
        .await
        .unwrap();
    assert_eq!(info["preferred_username"], "alice");
    let intro = c.introspect_token(&tokens.access_token).await.unwrap();
    assert!(intro.active);
    let rt = tokens.refresh_token.clone().unwrap();
    let again = c.get_new_access_token_by_refresh_token(&rt).await.unwrap();
    c.revoke_token(&again.access_token).await.unwrap();
    let options = emu.options();
    c.get_access_token_by_client_credentials(
        "read",
        &options.app_id,
        &ClientSecret::new(options.app_secret.clone()),
    )
    .await
    .unwrap();
    let paths: Vec<String> = emu
        .received()
        .into_iter()
        .filter(|r| r.method == "POST")
        .map(|r| r.path)
        .collect();
    assert_eq!(
        paths,
        [
            "/oauth/token",
            "/oauth/me",
            "/oauth/token/introspection",
            "/oauth/token",
            "/oauth/token/revocation",
            "/oauth/token",
        ]
    );
}

#[tokio::test]
async fn oidc_helpers_with_every_client_auth_method() {
    let emu = AuthingEmulator::start().await;
    seed(&emu, "alice", "Passw0rd!");
    for method in [
        TokenEndpointAuthMethod::ClientSecretPost,
        TokenEndpointAuthMethod::ClientSecretBasic,
        TokenEndpointAuthMethod::None,
    ] {
        let mut o = auth_options(&emu);
        o.token_endpoint_auth_method = method;
        o.introspection_endpoint_auth_method = method;
        o.revocation_endpoint_auth_method = method;
        let c = AuthenticationClient::new(o).unwrap();
        let mut p = AuthorizeParams::new();
        p.scope = Some("openid profile offline_access".into());
        let a = c.build_authorize_url(p).unwrap();
        let q: std::collections::HashMap<_, _> = a.url.query_pairs().into_owned().collect();
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(
            q["code_challenge"],
            code_challenge_s256(a.code_verifier.as_ref().unwrap().expose_secret())
        );
        assert_eq!(q["prompt"], "consent");
        assert!(a.state.len() >= 43 && a.nonce.unwrap().len() >= 43);
        let (code, state) = authorize(&emu, &a.url, "alice").await;
        assert_eq!(state, a.state);
        let tokens = c
            .get_access_token_by_code(&code, a.code_verifier.as_ref(), None)
            .await
            .unwrap();
        assert!(tokens.id_token.is_some());
        let rt = tokens.refresh_token.clone().unwrap();
        let replay = c
            .get_access_token_by_code(&code, a.code_verifier.as_ref(), None)
            .await
            .unwrap_err();
        assert_eq!(replay.kind(), ErrorKind::InvalidToken);
        let info = c
            .get_user_info_by_access_token(&tokens.access_token)
            .await
            .unwrap();
        assert_eq!(info["preferred_username"], "alice");
        if method != TokenEndpointAuthMethod::None {
            let intro = c.introspect_token(&tokens.access_token).await.unwrap();
            assert!(intro.active);
        }
        let again = c.get_new_access_token_by_refresh_token(&rt).await.unwrap();
        assert!(again.refresh_token.is_some());
        let v = c.validate_token(&again.access_token).await.unwrap();
        assert!(v.get("sub").is_some());
        if method != TokenEndpointAuthMethod::None {
            c.revoke_token(&again.access_token).await.unwrap();
            let intro = c.introspect_token(&again.access_token).await.unwrap();
            assert!(!intro.active);
        }
        let bad = c
            .get_user_info_by_access_token(&AccessToken::new("nope"))
            .await
            .unwrap_err();
        assert_eq!(bad.kind(), ErrorKind::InvalidToken);
    }
    let c = auth_client(&emu);
    let cc = c
        .get_access_token_by_client_credentials(
            "read",
            &emu.options().app_id,
            &ClientSecret::new(emu.options().app_secret.clone()),
        )
        .await
        .unwrap();
    assert_eq!(cc.token_type.as_deref(), Some("Bearer"));
    let denied = c
        .get_access_token_by_client_credentials("read", "ak", &ClientSecret::new("wrong"))
        .await
        .unwrap_err();
    // One RFC 6749 §5.2 mapping for every backend: `invalid_client` means our client
    // credentials are wrong.
    assert_eq!(denied.kind(), ErrorKind::ConfigInvalid);
    assert_eq!(denied.provider_code(), Some("invalid_client"));
    assert!(!denied.to_string().contains("wrong"));

    let plain = c.build_logout_url(Some("https://app/after"), None).unwrap();
    assert_eq!(plain.path(), "/login/profile/logout");
    let expert = c
        .build_logout_url(
            Some("https://app/after?a=1"),
            Some(&polyauth_core::IdToken::new("idt")),
        )
        .unwrap();
    assert_eq!(expert.path(), "/oidc/session/end");
    assert!(
        expert
            .as_str()
            .contains("post_logout_redirect_uri=https%3A%2F%2Fapp%2Fafter%3Fa%3D1")
    );
}

#[tokio::test]
async fn transport_failures_are_typed() {
    let emu = AuthingEmulator::start().await;
    let c = auth_client(&emu);
    emu.emulator()
        .inject(Fault::new(FaultKind::Html).on_path("/graphql/v2").times(1));
    let e = c
        .check_password_strength(&Password::new("abcdefg"))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert_eq!(e.operation(), Some("checkPasswordStrength"));
    emu.emulator()
        .inject(Fault::status(502).on_path("/api/v2/users/me").times(5));
    let e = c
        .get_current_user(&UserSession::new(AccessToken::new("t")))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    emu.emulator().inject(
        Fault::new(FaultKind::Delay(std::time::Duration::from_secs(3)))
            .on_path("/graphql/v2")
            .times(1),
    );
    let e = c
        .login_by_username("a", &Password::new("b"), LoginOptions::default())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.message().contains("timed out"), "{e}");
    emu.emulator().inject(
        Fault::new(FaultKind::MalformedJson)
            .on_path("/api/v2/sms/send")
            .times(1),
    );
    assert_eq!(
        c.send_sms_code("1").await.unwrap_err().kind(),
        ErrorKind::Protocol
    );
    let _: Value = Value::Null;
}

#[tokio::test]
async fn ad_login_never_guesses_the_plaintext_password_host() {
    let emu = AuthingEmulator::start().await;
    seed(&emu, "carol", "Carol-pass-1");
    let pw = Password::new("Carol-pass-1");
    // A host outside authing.cn and no websocket_host: refused before any request.
    let mut o = auth_options(&emu);
    o.websocket_host = None;
    let c = AuthenticationClient::new(o).unwrap();
    let e = c.login_by_ad("carol", &pw).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
    assert_eq!(e.operation(), Some("login_by_ad"));
    assert!(!format!("{e:?}").contains("Carol-pass-1"));
    assert_eq!(emu.emulator().calls("/api/v2/ad/verify-user"), 0);
    // Everything else of that client works; LDAP goes to the configured host.
    assert!(c.login_by_ldap("carol", &pw).await.is_ok());
    // With an explicit websocket_host the AD login goes there.
    let c = auth_client(&emu);
    assert!(c.login_by_ad("carol", &pw).await.unwrap().token.is_some());
    assert_eq!(emu.emulator().calls("/api/v2/ad/verify-user"), 1);
}
