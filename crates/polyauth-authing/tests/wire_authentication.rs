//! Wire fidelity of the authentication client: every operation sends what authing 4.5.18's
//! `AuthenticationClient` sends for the same call, checked against the fixtures recorded from
//! it (`tests/wire-fixtures/authing-authentication`, re-recorded with
//! `scripts/record-reference-wire.sh ops_authing_authentication`); deliberate differences are
//! declared in that folder's `deviations.toml`.
//!
//! The reference keeps the user's token in the client (`set_token`); polyauth takes it per
//! call as a `UserSession` holding the same token, without a user id, so operations that need
//! the id fetch `/api/v2/users/me` first, as the reference does.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use polyauth_authing::types::ResourceType;
use polyauth_authing::{
    AuthenticationClient, AuthenticationClientOptions, AuthorizeParams, EmailScene, LoginOptions,
    Protocol, RegisterOptions, TokenEndpointAuthMethod, UserSession,
};
use polyauth_core::{
    AccessToken, ClientSecret, IdToken, Password, RefreshToken, Secret, VerificationCode,
};
use polyauth_testkit::authing::ENC_PUBLIC_PEM;
use polyauth_testkit::wire::WireCheck;
use serde_json::{Map, Value, json};

const APP_ID: &str = "wire-app";
const POOL_ID: &str = "wire-pool";
const APP_SECRET: &str = "wire-app-secret";
const USER_TOKEN: &str = "wire-user-token";
const OTHER_TOKEN: &str = "wire-other-token";
const REDIRECT: &str = "https://app.example.com/callback";
const EMAIL: &str = "alice@example.com";
const PHONE: &str = "13800000001";
const CODE: &str = "123456";
const PASSWORD: &str = "Wire-pass-1";
const NEW_PASSWORD: &str = "Wire-pass-2";
const CLIENT_IP: &str = "203.0.113.7";
const CAPTCHA: &str = "CAPTCHA-OK";

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn custom_data() -> Option<Map<String, Value>> {
    Some(object(json!({"age": 20, "school": "MIT"})))
}

fn context() -> Option<Map<String, Value>> {
    Some(object(json!({"source": "wire", "step": 1})))
}

#[tokio::test]
async fn requests_match_the_reference_sdk() {
    let mut check = WireCheck::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/wire-fixtures/authing-authentication"
    ))
    .await;
    let base = check.base_url();
    let mut options = AuthenticationClientOptions::new(APP_ID);
    options.user_pool_id = Some(POOL_ID.to_owned());
    options.host = base.clone();
    options.app_host = Some(base.clone());
    options.websocket_host = Some(base.clone());
    options.enc_public_key = Some(ENC_PUBLIC_PEM.to_owned());
    options.secret = Some(ClientSecret::new(APP_SECRET));
    options.redirect_uri = Some(REDIRECT.to_owned());
    let with = |tune: &dyn Fn(&mut AuthenticationClientOptions)| {
        let mut o = options.clone();
        tune(&mut o);
        AuthenticationClient::new(o).unwrap()
    };
    let c = with(&|_| {});
    let session = UserSession::new(AccessToken::new(USER_TOKEN));
    let user_token = AccessToken::new(USER_TOKEN);
    let pw = Password::new(PASSWORD);
    let new_pw = Password::new(NEW_PASSWORD);
    let code = VerificationCode::new(CODE);

    // Register and log in.
    check
        .run("register_by_email", || {
            c.register_by_email(EMAIL, &pw, RegisterOptions::default())
        })
        .await;
    let full_register = RegisterOptions {
        profile: Some(object(json!({"nickname": "Alice"}))),
        force_login: true,
        generate_token: true,
        client_ip: Some(CLIENT_IP.to_owned()),
        custom_data: custom_data(),
        context: context(),
    };
    check
        .run("register_by_username", || {
            c.register_by_username("alice", &pw, full_register.clone())
        })
        .await;
    check
        .run("register_by_phone_code", || {
            c.register_by_phone_code(PHONE, &code, Some(&pw), RegisterOptions::default())
        })
        .await;
    check
        .run("register_by_phone_code_without_password", || {
            c.register_by_phone_code(PHONE, &code, None, RegisterOptions::default())
        })
        .await;
    check
        .run("login_by_email", || {
            c.login_by_email(EMAIL, &pw, LoginOptions::default())
        })
        .await;
    let full_login = LoginOptions {
        auto_register: true,
        captcha_code: Some(CAPTCHA.to_owned()),
        client_ip: Some(CLIENT_IP.to_owned()),
        custom_data: custom_data(),
        context: context(),
    };
    check
        .run("login_by_username", || {
            c.login_by_username("alice", &pw, full_login.clone())
        })
        .await;
    check
        .run("login_by_phone_password", || {
            c.login_by_phone_password(PHONE, &pw, LoginOptions::default())
        })
        .await;
    let code_login = LoginOptions {
        client_ip: Some(CLIENT_IP.to_owned()),
        custom_data: custom_data(),
        context: context(),
        ..LoginOptions::default()
    };
    check
        .run("login_by_phone_code", || {
            c.login_by_phone_code(PHONE, &code, code_login.clone())
        })
        .await;
    check
        .run("login_by_sub_account", || {
            c.login_by_sub_account("alice-sub", &pw, Some(CAPTCHA), Some(CLIENT_IP))
        })
        .await;
    check
        .run("login_by_ldap", || c.login_by_ldap("alice", &pw))
        .await;
    check
        .run("login_by_ad", || c.login_by_ad("alice", &pw))
        .await;
    check
        .run("get_current_user", || c.get_current_user(&session))
        .await;
    check
        .run("check_logged_in", || c.check_logged_in(&session))
        .await;
    check.run("logout", || c.logout(&session)).await;

    // Codes and passwords.
    check.run("send_sms_code", || c.send_sms_code(PHONE)).await;
    check
        .run("send_email", || {
            c.send_email(EMAIL, EmailScene::ResetPassword)
        })
        .await;
    check
        .run("reset_password_by_phone_code", || {
            c.reset_password_by_phone_code(PHONE, &code, &new_pw)
        })
        .await;
    check
        .run("reset_password_by_email_code", || {
            c.reset_password_by_email_code(EMAIL, &code, &new_pw)
        })
        .await;
    check
        .run("reset_password_by_first_token", || {
            c.reset_password_by_first_token(&user_token, &new_pw)
        })
        .await;
    check
        .run("reset_password_with_force_reset", || {
            c.reset_password_with_force_reset(&user_token, &pw, &new_pw)
        })
        .await;
    check
        .run("check_password_strength", || c.check_password_strength(&pw))
        .await;
    check
        .run("is_user_exists", || {
            c.is_user_exists(Some(&session), Some("alice"), None, None, None)
        })
        .await;
    check
        .run("is_user_exists_anonymous", || {
            c.is_user_exists(None, None, Some(EMAIL), None, None)
        })
        .await;

    // The current user's profile and bindings.
    let updates = object(json!({"nickname": "Alice B", "company": "Wire"}));
    check
        .run("update_profile", || c.update_profile(&session, &updates))
        .await;
    check
        .run("update_password", || {
            c.update_password(&session, &new_pw, Some(&pw))
        })
        .await;
    check
        .run("bind_phone", || c.bind_phone(&session, PHONE, &code))
        .await;
    check.run("unbind_phone", || c.unbind_phone(&session)).await;
    let old_code = VerificationCode::new("654321");
    check
        .run("update_phone", || {
            c.update_phone(&session, "13800000002", &code, Some(PHONE), Some(&old_code))
        })
        .await;
    check
        .run("bind_email", || c.bind_email(&session, EMAIL, &code))
        .await;
    check.run("unbind_email", || c.unbind_email(&session)).await;
    check
        .run("update_email", || {
            c.update_email(&session, "alice2@example.com", &code, None, None)
        })
        .await;

    // Custom data.
    check
        .run("get_udf_value", || c.get_udf_value(&session))
        .await;
    check.run("list_udv", || c.list_udv(&session)).await;
    // In the caller's order (the reference keeps its dict's order).
    let udf = [
        ("school", json!("MIT")),
        ("age", json!(20)),
        ("tags", json!({"a": [1, true, null], "b": 1.5})),
    ];
    check
        .run("set_udf_value", || c.set_udf_value(&session, udf.clone()))
        .await;
    check
        .run("remove_udf_value", || {
            c.remove_udf_value(&session, "school")
        })
        .await;
    let udv = json!({"name": "MIT", "city": "Cambridge, MA"});
    check
        .run("set_udv", || c.set_udv(&session, "school", &udv))
        .await;
    check
        .run("remove_udv", || c.remove_udv(&session, "school"))
        .await;

    // Linked accounts, applications, organizations.
    let other = AccessToken::new(OTHER_TOKEN);
    check
        .run("link_account", || {
            c.link_account(&session, &user_token, &other)
        })
        .await;
    check
        .run("unlink_account", || {
            c.unlink_account(&session, &user_token, "github")
        })
        .await;
    check
        .run("get_security_level", || c.get_security_level(&session))
        .await;
    check
        .run("list_applications", || c.list_applications(&session, 2, 5))
        .await;
    check.run("list_orgs", || c.list_orgs(&session)).await;

    // Roles, departments, resources.
    check
        .run("list_authorized_resources", || {
            c.list_authorized_resources(&session, "default", Some(ResourceType::Api))
        })
        .await;
    check
        .run("list_roles", || c.list_roles(&session, Some("default")))
        .await;
    check
        .run("has_role", || c.has_role(&session, "admin", None))
        .await;
    check
        .run("list_departments", || c.list_departments(&session))
        .await;

    // Tokens.
    check
        .run("check_login_status", || c.check_login_status(&user_token))
        .await;
    check
        .run("refresh_token", || c.refresh_token(&session))
        .await;
    check
        .run("validate_ticket_v2", || {
            c.validate_ticket_v2("ST-123", "https://svc.example.com/cb")
        })
        .await;
    check.run("track_session", || c.track_session()).await;
    check
        .run("wechat_login", || {
            c.wechat_login("wx-code", Some("CN"), Some("zh_CN"), Some("s1"))
        })
        .await;

    // OIDC / OAuth 2.0.
    let verifier = Secret::new("wire-verifier");
    check
        .run("get_access_token_by_code", || {
            c.get_access_token_by_code("wire-code", Some(&verifier), None)
        })
        .await;
    let basic =
        with(&|o| o.token_endpoint_auth_method = TokenEndpointAuthMethod::ClientSecretBasic);
    check
        .run("get_access_token_by_code_basic", || {
            basic.get_access_token_by_code("wire-code", None, None)
        })
        .await;
    let public = with(&|o| o.token_endpoint_auth_method = TokenEndpointAuthMethod::None);
    check
        .run("get_access_token_by_code_none", || {
            public.get_access_token_by_code("wire-code", Some(&verifier), None)
        })
        .await;
    let oauth = with(&|o| o.protocol = Protocol::OAuth);
    check
        .run("get_access_token_by_code_oauth", || {
            oauth.get_access_token_by_code("wire-code", None, None)
        })
        .await;
    let refresh = RefreshToken::new("wire-refresh-token");
    check
        .run("get_new_access_token_by_refresh_token", || {
            c.get_new_access_token_by_refresh_token(&refresh)
        })
        .await;
    let oauth_basic = with(&|o| {
        o.protocol = Protocol::OAuth;
        o.token_endpoint_auth_method = TokenEndpointAuthMethod::ClientSecretBasic;
    });
    check
        .run("get_new_access_token_by_refresh_token_oauth", || {
            oauth_basic.get_new_access_token_by_refresh_token(&refresh)
        })
        .await;
    let access_secret = ClientSecret::new("wire-access-secret");
    check
        .run("get_access_token_by_client_credentials", || {
            c.get_access_token_by_client_credentials(
                "read:orders write:orders",
                "wire-access-key",
                &access_secret,
            )
        })
        .await;
    let access = AccessToken::new("wire-access-token");
    let id_token = IdToken::new("wire-id-token");
    check
        .run("introspect_token", || c.introspect_token(&access))
        .await;
    let introspect_basic = with(&|o| {
        o.introspection_endpoint_auth_method = TokenEndpointAuthMethod::ClientSecretBasic;
    });
    check
        .run("introspect_token_basic", || {
            introspect_basic.introspect_token(&access)
        })
        .await;
    let introspect_oauth = with(&|o| {
        o.protocol = Protocol::OAuth;
        o.introspection_endpoint_auth_method = TokenEndpointAuthMethod::None;
    });
    check
        .run("introspect_token_oauth", || {
            introspect_oauth.introspect_token(&access)
        })
        .await;
    check.run("revoke_token", || c.revoke_token(&access)).await;
    let revoke_none = with(&|o| o.revocation_endpoint_auth_method = TokenEndpointAuthMethod::None);
    check
        .run("revoke_token_none", || revoke_none.revoke_token(&refresh))
        .await;
    let revoke_oauth = with(&|o| {
        o.protocol = Protocol::OAuth;
        o.revocation_endpoint_auth_method = TokenEndpointAuthMethod::ClientSecretBasic;
    });
    check
        .run("revoke_token_oauth", || revoke_oauth.revoke_token(&access))
        .await;
    check
        .run("get_user_info_by_access_token", || {
            c.get_user_info_by_access_token(&access)
        })
        .await;
    check
        .run("get_user_info_by_access_token_oauth", || {
            oauth.get_user_info_by_access_token(&access)
        })
        .await;
    check
        .run("validate_token", || c.validate_token(&id_token))
        .await;
    check
        .run("validate_token_access_token", || c.validate_token(&access))
        .await;

    // URL builders: the recorded request is a GET of the built URL.
    let visit = |url: url::Url| async move { reqwest::get(url).await };
    check
        .run("build_authorize_url", || {
            let params = AuthorizeParams {
                scope: Some("openid profile offline_access".to_owned()),
                state: Some("wire-state".to_owned()),
                nonce: Some("wire-nonce".to_owned()),
                response_mode: Some("form_post".to_owned()),
                ..AuthorizeParams::default()
            };
            visit(c.build_authorize_url(params).unwrap().url)
        })
        .await;
    check
        .run("build_authorize_url_pkce", || {
            let params = AuthorizeParams {
                state: Some("wire-state".to_owned()),
                nonce: Some("wire-nonce".to_owned()),
                ..AuthorizeParams::new()
            };
            visit(c.build_authorize_url(params).unwrap().url)
        })
        .await;
    check
        .run("build_authorize_url_oauth", || {
            let params = AuthorizeParams {
                state: Some("wire-state".to_owned()),
                ..AuthorizeParams::default()
            };
            visit(oauth.build_authorize_url(params).unwrap().url)
        })
        .await;
    check
        .run("build_logout_url", || {
            visit(c.build_logout_url(Some(REDIRECT), None).unwrap())
        })
        .await;
    check
        .run("build_logout_url_expert", || {
            visit(c.build_logout_url(Some(REDIRECT), Some(&id_token)).unwrap())
        })
        .await;

    // x-authing-lang with a language set.
    let english = with(&|o| o.lang = Some("en-US".to_owned()));
    check
        .run("send_sms_code_lang", || english.send_sms_code(PHONE))
        .await;
    check
        .run("check_password_strength_lang", || {
            english.check_password_strength(&pw)
        })
        .await;
    check
        .run("get_access_token_by_code_lang", || {
            english.get_access_token_by_code("wire-code", None, None)
        })
        .await;

    check.finish();
}
