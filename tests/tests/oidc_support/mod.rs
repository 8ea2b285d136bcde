//! What the OpenID Connect tests need of an OpenID Provider, the same for panva's certified
//! `oidc-provider` (started by `scripts/test.sh`, issuer in `POLYAUTH_TEST_OIDC_ISSUER`) and
//! for polyauth-testkit's emulator: dynamic client registration (RFC 7591), a user agent that
//! goes through the provider's login and consent pages over plain HTTP, and the test-only key
//! rotation route.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use polyauth::oidc::{OidcConfig, OidcProvider, TokenMode};
use polyauth::{AuthorizationCallback, MemoryStateStore, StateStore};
use serde_json::{Value, json};

/// The audience of the JWT access tokens both providers issue for the resource indicator.
pub const API: &str = "https://api.polyauth.test";
/// The redirect URI registered for test clients (never served: the user agent stops there).
pub const REDIRECT_URI: &str = "http://127.0.0.1:9/callback";
/// The post-logout redirect URI registered for test clients.
pub const POST_LOGOUT_URI: &str = "http://127.0.0.1:9/logged-out";

/// The issuer of the real `oidc-provider`; the test fails (never skips) without it.
pub fn node_issuer() -> String {
    std::env::var("POLYAUTH_TEST_OIDC_ISSUER").unwrap_or_else(|_| {
        panic!(
            "POLYAUTH_TEST_OIDC_ISSUER is not set: run the tests through ./scripts/test.sh, \
             which installs and starts panva's oidc-provider"
        )
    })
}

/// A registered client: its id, secret (if any) and metadata.
#[derive(Clone, Debug)]
pub struct Client {
    pub id: String,
    pub secret: Option<String>,
}

/// Registers a client at the issuer (open dynamic registration).
pub async fn register(issuer: &str, metadata: Value) -> Client {
    let discovery: Value = reqwest::get(format!("{issuer}/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let endpoint = discovery["registration_endpoint"].as_str().unwrap();
    let response = reqwest::Client::new()
        .post(endpoint)
        .json(&metadata)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "registration failed: {status} {body}");
    Client {
        id: body["client_id"].as_str().unwrap().to_owned(),
        secret: body["client_secret"].as_str().map(str::to_owned),
    }
}

/// A confidential web client with every grant (`client_secret_basic` unless `method` says).
pub async fn web_client(issuer: &str, method: &str) -> Client {
    register(
        issuer,
        json!({
            "redirect_uris": [REDIRECT_URI],
            "post_logout_redirect_uris": [POST_LOGOUT_URI],
            "grant_types": ["authorization_code", "refresh_token", "client_credentials"],
            "response_types": ["code"],
            "token_endpoint_auth_method": method,
            "scope": "openid profile email offline_access roles api:read",
        }),
    )
    .await
}

/// The provider configuration of `client` at `issuer`.
pub fn config(issuer: &str, client: &Client, mode: TokenMode) -> OidcConfig {
    let mut config = OidcConfig::new(issuer, client.id.clone())
        .with_redirect_uri(url::Url::parse(REDIRECT_URI).unwrap())
        .with_scopes(["openid", "profile", "email", "roles", "offline_access"])
        .with_token_mode(mode)
        .with_audience(API);
    if let Some(secret) = &client.secret {
        config = config.with_client_secret(secret.clone());
    }
    config.jwks_cooldown_seconds = 0;
    config
}

/// A provider by discovery with an in-memory state store.
pub async fn provider(config: OidcConfig) -> (OidcProvider, Arc<MemoryStateStore>) {
    let states = Arc::new(MemoryStateStore::new(1_000));
    let store: Arc<dyn StateStore> = states.clone();
    (OidcProvider::discover(config, store).await.unwrap(), states)
}

/// How many states the store holds (after its pending maintenance).
pub async fn stored(states: &MemoryStateStore) -> u64 {
    states.sweep().await;
    states.len()
}

/// What the user does on the provider's pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserAction {
    /// Logs in as this login name and consents.
    LogIn(&'static str),
    /// Aborts the interaction (`access_denied`).
    Abort,
}

/// A user agent (cookie jar, no automatic redirects) that follows `start` through the
/// provider's pages until the redirect to `stop_prefix`, whose URL it returns.
pub async fn user_agent(start: &url::Url, stop_prefix: &str, action: UserAction) -> url::Url {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut next = Request::Get(start.clone());
    for _ in 0..30 {
        let url = next.url().clone();
        if url.as_str().starts_with(stop_prefix) {
            return url;
        }
        let response = match &next {
            Request::Get(url) => http.get(url.clone()).send().await.unwrap(),
            Request::Post(url, form) => http.post(url.clone()).form(form).send().await.unwrap(),
        };
        let status = response.status();
        if status.is_redirection() {
            let location = response.headers()["location"].to_str().unwrap();
            next = Request::Get(url.join(location).unwrap());
            continue;
        }
        let page = response.text().await.unwrap();
        assert!(status.is_success(), "{status} at {url}: {page}");
        if action == UserAction::Abort && url.path().starts_with("/interaction/") {
            let uid = url
                .path()
                .trim_start_matches("/interaction/")
                .split('/')
                .next()
                .unwrap();
            next = Request::Get(url.join(&format!("/interaction/{uid}/abort")).unwrap());
            continue;
        }
        let form = first_form(&page).unwrap_or_else(|| panic!("no form at {url}: {page}"));
        let mut fields = form.hidden;
        if form.has_login {
            let UserAction::LogIn(login) = action else {
                unreachable!()
            };
            fields.push(("login".into(), login.into()));
            fields.push(("password".into(), "any-password".into()));
        }
        if form.has_logout_flag && !fields.iter().any(|(k, _)| k == "logout") {
            fields.push(("logout".into(), "yes".into()));
        }
        next = Request::Post(url.join(&form.action).unwrap(), fields);
    }
    panic!("the user agent did not reach {stop_prefix}");
}

/// The callback of a URL the user agent stopped at.
pub fn callback(url: &url::Url) -> AuthorizationCallback {
    AuthorizationCallback::from_query(url.query().unwrap_or_default())
}

enum Request {
    Get(url::Url),
    Post(url::Url, Vec<(String, String)>),
}

impl Request {
    fn url(&self) -> &url::Url {
        match self {
            Request::Get(u) | Request::Post(u, _) => u,
        }
    }
}

struct Form {
    action: String,
    hidden: Vec<(String, String)>,
    has_login: bool,
    has_logout_flag: bool,
}

/// The first `<form>` of a page: its action, hidden inputs, and whether it asks for a login
/// or is a logout confirmation (a `logout` button).
fn first_form(page: &str) -> Option<Form> {
    let start = page.find("<form")?;
    let end = page[start..]
        .find("</form>")
        .map_or(page.len(), |e| start + e);
    let form = &page[start..end];
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!("{name}=\"");
        let at = tag.find(&key)? + key.len();
        let len = tag[at..].find('"')?;
        Some(html_unescape(&tag[at..at + len]))
    };
    let open_tag = &form[..form.find('>')?];
    let action = attr(open_tag, "action")?;
    let mut hidden = Vec::new();
    let mut has_login = false;
    let mut has_logout_flag = false;
    for piece in form.split('<').skip(1) {
        let tag = &piece[..piece.find('>').unwrap_or(piece.len())];
        let name = attr(tag, "name");
        if tag.starts_with("input")
            && tag.contains("type=\"hidden\"")
            && let (Some(name), Some(value)) = (name.clone(), attr(tag, "value"))
        {
            hidden.push((name, value));
        }
        match name.as_deref() {
            Some("login") if tag.starts_with("input") => has_login = true,
            Some("logout") => has_logout_flag = true,
            _ => {}
        }
    }
    Some(Form {
        action,
        hidden,
        has_login,
        has_logout_flag,
    })
}

fn html_unescape(s: &str) -> String {
    html_escape::decode_html_entities(s).into_owned()
}

/// A JWT access token for the API by the client-credentials grant (RFC 8707 `resource`).
pub async fn api_token(provider: &OidcProvider) -> polyauth::AccessToken {
    provider
        .client()
        .client_credentials(&["api:read"], &[("resource", API)])
        .await
        .unwrap()
        .access_token
}

/// Rotates the provider's signing key; returns the new `kid`.
pub async fn rotate_keys(issuer: &str) -> String {
    let body: Value = reqwest::Client::new()
        .post(format!("{issuer}/__test/rotate-keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["kid"].as_str().unwrap().to_owned()
}

/// The `kid` in a JWT's header.
pub fn kid_of(jwt: &str) -> String {
    use base64::Engine as _;
    let header = jwt.split('.').next().unwrap();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    let header: Value = serde_json::from_slice(&header).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}
