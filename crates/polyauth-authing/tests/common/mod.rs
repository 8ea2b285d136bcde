#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use polyauth_authing::types::{NewResource, ResourceAction, ResourceType};
use polyauth_authing::{
    AuthenticationClient, AuthenticationClientOptions, AuthingConfig, ManagementClient,
    ManagementClientOptions, VerificationMode,
};
use polyauth_core::{ClientSecret, Error, ErrorKind};
use polyauth_testkit::authing::{AuthingEmulator, ENC_PUBLIC_PEM, SeedUser};

pub const REDIRECT: &str = "http://127.0.0.1:9/callback";

pub fn auth_options(emu: &AuthingEmulator) -> AuthenticationClientOptions {
    let o = emu.options();
    let mut a = AuthenticationClientOptions::new(o.app_id.clone());
    a.user_pool_id = Some(o.user_pool_id.clone());
    a.host = emu.base_url();
    a.app_host = Some(emu.base_url());
    a.websocket_host = Some(emu.base_url());
    a.enc_public_key = Some(ENC_PUBLIC_PEM.to_owned());
    a.secret = Some(ClientSecret::new(o.app_secret.clone()));
    a.redirect_uri = Some(REDIRECT.to_owned());
    a.timeout = Duration::from_secs(2);
    a
}

pub fn auth_client(emu: &AuthingEmulator) -> AuthenticationClient {
    AuthenticationClient::new(auth_options(emu)).unwrap()
}

pub fn mgmt_client(emu: &AuthingEmulator) -> ManagementClient {
    let o = emu.options();
    let mut m = ManagementClientOptions::new(
        o.user_pool_id.clone(),
        ClientSecret::new(o.pool_secret.clone()),
    );
    m.host = emu.base_url();
    m.enc_public_key = Some(ENC_PUBLIC_PEM.to_owned());
    m.timeout = Duration::from_secs(2);
    ManagementClient::new(m).unwrap()
}

pub fn provider_config(emu: &AuthingEmulator, mode: VerificationMode) -> AuthingConfig {
    let o = emu.options();
    let mut c = AuthingConfig::new(o.app_id.clone());
    c.user_pool_id = Some(o.user_pool_id.clone());
    c.host = emu.base_url();
    c.app_host = Some(emu.base_url());
    c.app_secret = Some(ClientSecret::new(o.app_secret.clone()));
    c.pool_secret = Some(ClientSecret::new(o.pool_secret.clone()));
    c.redirect_uri = Some(REDIRECT.to_owned());
    c.enc_public_key = Some(ENC_PUBLIC_PEM.to_owned());
    c.verification = mode;
    c.timeout = Duration::from_secs(2);
    c
}

pub fn seed(emu: &AuthingEmulator, username: &str, password: &str) -> String {
    emu.add_user(SeedUser {
        username: Some(username.into()),
        email: Some(format!("{username}@example.com")),
        phone: Some(format!("1380000{:04}", username.len() * 7)),
        password: Some(password.into()),
        roles: vec!["admin".into(), "dev".into()],
        permissions: vec!["user:read".into(), "order:*".into()],
        groups: vec!["staff".into()],
    })
}

/// A user with only a username (no roles, groups or password); answers its id.
pub fn plain_user(emu: &AuthingEmulator, username: &str) -> String {
    emu.add_user(SeedUser {
        username: Some(username.into()),
        ..SeedUser::default()
    })
}

/// Owned strings of `items` (the id and code lists the management calls take).
pub fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// Asserts `err`'s kind and the provider code Authing answered with.
pub fn assert_code(err: &Error, kind: ErrorKind, code: &str) {
    assert_eq!(
        (err.kind(), err.provider_code()),
        (kind, Some(code)),
        "{err:?}"
    );
}

/// A data resource `books` with the actions `books:read` and `books:edit`.
pub fn books() -> NewResource {
    NewResource::new(
        "books",
        ResourceType::Data,
        vec![
            ResourceAction::new("books:read", "read a book"),
            ResourceAction::new("books:edit", "edit a book"),
        ],
    )
}
