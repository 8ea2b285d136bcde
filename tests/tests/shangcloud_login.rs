#![allow(clippy::unwrap_used, clippy::expect_used)]
//! End to end: the ShangCloud login example app against the ShangCloud emulator, driven by a
//! user agent that does not follow redirects: /login → /oauth/authorize → /oauth/callback →
//! /me, with states in memory and in a real Redis shared by two app instances, and the login
//! CSRF defence (an attacker's callback opened in a victim's browser is refused).

use std::sync::Arc;
use std::time::Duration;

use polyauth::shangcloud::{MemorySessionStore, ShangCloudClient, ShangCloudConfig};
use polyauth::{ClientSecret, StateStore};
use polyauth_examples::shangcloud_login::{LOGIN_COOKIE, LoginApp, SESSION_COOKIE, router_with};
use polyauth_testkit::shangcloud::{CLIENT_ID, CLIENT_SECRET, ShangCloudEmulator};
use serde_json::Value;

struct App {
    base: String,
}

/// Serves the example's router on loopback; the client's redirect URI points at it.
async fn serve_app(
    emu: &ShangCloudEmulator,
    listener: tokio::net::TcpListener,
    store: Arc<dyn StateStore>,
    sessions: Arc<MemorySessionStore>,
    public_base: Option<&str>,
) -> App {
    let base = format!("http://{}", listener.local_addr().unwrap());
    // Instances behind one load balancer share one public redirect URI.
    let public = public_base.unwrap_or(&base);
    let config = ShangCloudConfig::new(
        CLIENT_ID,
        ClientSecret::new(CLIENT_SECRET),
        url::Url::parse(&format!("{public}/oauth/callback")).unwrap(),
    )
    .with_base_url(url::Url::parse(&emu.base_url()).unwrap());
    let client = ShangCloudClient::with_state_store(config, store).unwrap();
    let app = router_with(LoginApp { client, sessions });
    tokio::spawn(async move { axum::serve(listener, app).await });
    App { base }
}

async fn bind() -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()
}

fn agent() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn location(resp: &reqwest::Response) -> String {
    assert!(
        resp.status().is_redirection(),
        "expected a redirect, got {}",
        resp.status()
    );
    resp.headers()["location"].to_str().unwrap().to_owned()
}

/// The response's `Set-Cookie` header for cookie `name`.
fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with(&format!("{name}=")))
}

/// /login on `start` as user `as_user`, consent at the emulator; returns the callback URL (on
/// `start`'s host) and the login cookie (`name=value`) /login gave this browser.
async fn to_callback_as(ua: &reqwest::Client, start: &App, as_user: &str) -> (String, String) {
    let resp = ua
        .get(format!("{}/login", start.base))
        .send()
        .await
        .unwrap();
    let login_cookie = set_cookie(&resp, LOGIN_COOKIE).expect("/login sets the login cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/oauth", "Max-Age=300"] {
        assert!(
            login_cookie.contains(attribute),
            "{attribute}: {login_cookie}"
        );
    }
    assert!(
        !login_cookie.contains("Secure"),
        "plain http: {login_cookie}"
    );
    let authorize = location(&resp);
    assert!(authorize.contains("/oauth/authorize?"), "{authorize}");
    assert!(
        !authorize.contains(
            login_cookie
                .split(';')
                .next()
                .unwrap()
                .trim_start_matches(&format!("{LOGIN_COOKIE}="))
        ),
        "the binding never travels in URLs"
    );
    let resp = ua
        .get(format!("{authorize}&login_as={as_user}"))
        .send()
        .await
        .unwrap();
    let callback = location(&resp);
    assert!(
        callback.starts_with(&format!("{}/oauth/callback?", start.base)),
        "{callback}"
    );
    (callback, login_cookie.split(';').next().unwrap().to_owned())
}

async fn to_callback(ua: &reqwest::Client, start: &App) -> (String, String) {
    let resp = ua
        .get(format!("{}/login", start.base))
        .send()
        .await
        .unwrap();
    let login_cookie = set_cookie(&resp, LOGIN_COOKIE).expect("/login sets the login cookie");
    let resp = ua.get(location(&resp)).send().await.unwrap();
    (
        location(&resp),
        login_cookie.split(';').next().unwrap().to_owned(),
    )
}

/// Opens `callback_url` with `cookie` (or none).
async fn open_callback(
    ua: &reqwest::Client,
    callback_url: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut req = ua.get(callback_url);
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.unwrap()
}

/// Follows the callback with the login cookie and returns the session cookie.
async fn finish(ua: &reqwest::Client, callback_url: &str, login_cookie: &str) -> String {
    let resp = open_callback(ua, callback_url, Some(login_cookie)).await;
    let cookie = set_cookie(&resp, SESSION_COOKIE).expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    let cleared = set_cookie(&resp, LOGIN_COOKIE).expect("the login cookie is cleared");
    assert!(
        cleared.contains("Max-Age=0") && cleared.contains("Path=/oauth"),
        "{cleared}"
    );
    assert_eq!(location(&resp), "/me");
    cookie.split(';').next().unwrap().to_owned()
}

async fn me(ua: &reqwest::Client, app: &App, cookie: Option<&str>) -> (u16, Value) {
    let mut req = ua.get(format!("{}/me", app.base));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn login_redirect_flow_with_memory_states() {
    let emu = ShangCloudEmulator::start().await;
    let alice = emu.add_user("alice", "alice@example.com");
    let app = serve_app(
        &emu,
        bind().await,
        Arc::new(polyauth::MemoryStateStore::default()),
        Arc::new(MemorySessionStore::default()),
        None,
    )
    .await;
    let ua = agent();

    let (status, _) = me(&ua, &app, None).await;
    assert_eq!(status, 401);

    let (callback, login_cookie) = to_callback(&ua, &app).await;
    let cookie = finish(&ua, &callback, &login_cookie).await;
    assert!(cookie.starts_with(&format!("{SESSION_COOKIE}=")));
    let (status, body) = me(&ua, &app, Some(&cookie)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["nickname"], "alice");
    assert_eq!(body["uid"], alice.uid);
    assert_eq!(emu.calls("/oauth/token"), 1);

    // The same callback again: the state is gone (400), no second token request.
    let resp = open_callback(&ua, &callback, Some(&login_cookie)).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("state"), "{body}");
    assert_eq!(emu.calls("/oauth/token"), 1);

    // A foreign state and a missing state: 400, never a panic.
    for q in ["code=x&state=forged", "code=x", ""] {
        let resp = ua
            .get(format!("{}/oauth/callback?{q}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{q}");
    }
    // A forged session cookie is not a session.
    let (status, _) = me(&ua, &app, Some(&format!("{SESSION_COOKIE}=forged"))).await;
    assert_eq!(status, 401);
    // The token endpoint failing: 503 from the app.
    let (callback, login_cookie) = to_callback(&ua, &app).await;
    emu.server().inject(
        polyauth_testkit::server::Fault::status(500)
            .on_path("/oauth/token")
            .times(1),
    );
    let resp = open_callback(&ua, &callback, Some(&login_cookie)).await;
    assert_eq!(resp.status(), 503);
}

#[tokio::test]
async fn an_attackers_callback_opened_in_a_victims_browser_is_refused() {
    let emu = ShangCloudEmulator::start().await;
    emu.add_user("victim", "victim@example.com");
    emu.add_user("mallory", "mallory@example.com");
    let app = serve_app(
        &emu,
        bind().await,
        Arc::new(polyauth::MemoryStateStore::default()),
        Arc::new(MemorySessionStore::default()),
        None,
    )
    .await;
    let (attacker, victim) = (agent(), agent());

    // Mallory starts a login in her own browser, consents as herself, and stops before her
    // callback: `?code=..&state=..` is unused, and she sends the link to the victim.
    let (attackers_callback, attackers_cookie) = to_callback_as(&attacker, &app, "mallory").await;

    // The victim's browser has no login cookie: refused before anything is exchanged.
    let resp = open_callback(&victim, &attackers_callback, None).await;
    assert_eq!(resp.status(), 400);
    assert!(set_cookie(&resp, SESSION_COOKIE).is_none(), "no session");
    let body: Value = resp.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("browser"),
        "{body}"
    );
    assert_eq!(emu.calls("/oauth/token"), 0, "no token call");

    // The victim has a login of her own in progress (another binding), or a forged cookie:
    // refused, no token call.
    let (_, victims_cookie) = to_callback_as(&victim, &app, "victim").await;
    for cookie in [victims_cookie.clone(), format!("{LOGIN_COOKIE}=forged")] {
        let (callback, _) = to_callback_as(&attacker, &app, "mallory").await;
        let resp = open_callback(&victim, &callback, Some(&cookie)).await;
        assert_eq!(resp.status(), 400, "{cookie}");
        assert!(set_cookie(&resp, SESSION_COOKIE).is_none());
        let body: Value = resp.json().await.unwrap();
        assert!(
            body["error"].as_str().unwrap().contains("user agent"),
            "{body}"
        );
    }
    assert_eq!(emu.calls("/oauth/token"), 0, "no token call");

    // Mallory's own callback in her own browser still works (the cookie-less attempt did not
    // consume the state), so the defence does not break honest logins.
    let cookie = finish(&attacker, &attackers_callback, &attackers_cookie).await;
    let (status, body) = me(&attacker, &app, Some(&cookie)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["nickname"], "mallory");
    assert_eq!(emu.calls("/oauth/token"), 1);
}

#[tokio::test]
async fn login_started_on_one_instance_finishes_on_another_through_redis() {
    let url = std::env::var("POLYAUTH_TEST_REDIS_URL").unwrap_or_else(|_| {
        panic!(
            "POLYAUTH_TEST_REDIS_URL is not set: run the tests through ./scripts/test.sh, which \
             starts a throwaway redis-server"
        )
    });
    let emu = ShangCloudEmulator::start().await;
    emu.add_user("bob", "bob@example.com");
    let prefix = format!("polyauth-e2e:{}:", std::process::id());
    let redis = || async {
        Arc::new(
            polyauth::redis::RedisStateStore::connect_with(
                &url,
                polyauth::redis::RedisOptions::default().with_key_prefix(prefix.clone()),
            )
            .await
            .unwrap(),
        ) as Arc<dyn StateStore>
    };
    let sessions = Arc::new(MemorySessionStore::default());
    // Both instances answer on one address in turn, as behind a load balancer: A serves
    // /login, then B (a fresh process state, same Redis) serves the callback.
    let listener = bind().await;
    let addr = listener.local_addr().unwrap();
    let a = serve_app(&emu, listener, redis().await, sessions.clone(), None).await;
    let ua = agent();
    let (callback, login_cookie) = to_callback(&ua, &a).await;

    let other = bind().await;
    let b = serve_app(&emu, other, redis().await, sessions, Some(&a.base)).await;
    let callback_on_b = callback.replace(&addr.to_string(), b.base.trim_start_matches("http://"));
    let cookie = finish(&ua, &callback_on_b, &login_cookie).await;
    let (status, body) = me(&ua, &b, Some(&cookie)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["nickname"], "bob");
    // Replaying on A: the state was consumed on B.
    let resp = open_callback(&ua, &callback, Some(&login_cookie)).await;
    assert_eq!(resp.status(), 400);
}
