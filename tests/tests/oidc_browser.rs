#![allow(clippy::unwrap_used, clippy::expect_used)]
//! End to end in a real browser: headless Chromium, driven through chromedriver (W3C
//! WebDriver), logs in to the `oidc_login` example app through the login and consent pages of
//! panva's oidc-provider, sees its profile, and logs out at the provider and back. It proves
//! what a user agent written for tests cannot: that a real browser sends the app's cookies
//! back across the redirects to and from the provider (cookie attributes, 303s, form posts),
//! and that the `HttpOnly` session cookie and the login binding behave as the app says.
//!
//! `scripts/test.sh` starts the provider (`POLYAUTH_TEST_OIDC_ISSUER`) and chromedriver
//! (`POLYAUTH_TEST_WEBDRIVER_URL`, browser binary in `POLYAUTH_TEST_CHROMIUM`); the test fails
//! (never skips) without them.
//!
//! The provider and the app both run on 127.0.0.1, on different ports. Cookies do not isolate
//! by port, and "same-site" ignores ports too (site = scheme + host), so here every request is
//! same-site and `SameSite=Lax` is never put to the test; the app sets it anyway, for the
//! deployments where the provider is another site (`Lax` still sends the cookie on the
//! top-level GET redirect back to `/callback`). Because the cookie jar is shared, the app's
//! cookie names must differ from the provider's (`_session`, `_interaction`, ...): they do.
//!
//! The browser is driven with fantoccini (W3C WebDriver); two commands it has no method for
//! (the page's cookies as raw JSON, and chromedriver's DevTools pass-through for the whole
//! cookie jar) go through its `issue_cmd`.

mod oidc_support;

use std::panic::AssertUnwindSafe;

use futures::FutureExt as _;
use polyauth::oidc::{OidcConfig, TokenMode};
use polyauth_examples::oidc_login::{BINDING_COOKIE, CALLBACK_PATH, LoginApp, SESSION_COOKIE};
use serde_json::json;
use webdriver::Browser;

/// An environment variable the test needs; the test fails (never skips) without it.
fn required_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run the tests through ./scripts/test.sh, which installs \
             Chromium and chromedriver and starts chromedriver"
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_logs_in_and_out_through_the_providers_pages() {
    let issuer = oidc_support::node_issuer();
    let webdriver_url = required_env("POLYAUTH_TEST_WEBDRIVER_URL");
    let chromium = required_env("POLYAUTH_TEST_CHROMIUM");

    // A free loopback port for the app: bound now (port 0), so no other process can take it
    // between the registration and the serving.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());

    // A confidential client for the app, registered at the provider for this port.
    let client = oidc_support::register(
        &issuer,
        json!({
            "redirect_uris": [format!("{base}{CALLBACK_PATH}")],
            "post_logout_redirect_uris": [format!("{base}/")],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
            "scope": "openid profile email roles",
        }),
    )
    .await;
    let mut config = OidcConfig::new(&issuer, client.id.clone())
        .with_client_secret(client.secret.clone().expect("a confidential client"))
        .with_redirect_uri(url::Url::parse(&format!("{base}{CALLBACK_PATH}")).unwrap())
        .with_scopes(["openid", "profile", "email", "roles"])
        .with_token_mode(TokenMode::Userinfo);
    // The app's back-channel calls (token, UserInfo) share two cores with the browser, node
    // and the rest of the test run: give them 30 s instead of the default 10 s, so that a
    // loaded machine is not reported as an unavailable provider.
    config.timeout_seconds = 30;

    // The example app's own router, served in-process.
    let app = LoginApp::discover(config).await.unwrap();
    let handle = app.clone();
    let router = app.router();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let browser = Browser::start(&webdriver_url, &chromium).await;
    // The session is closed (and the browser with it) whether the scenario passes or panics.
    let outcome = AssertUnwindSafe(log_in_and_out(&browser, &base, &handle))
        .catch_unwind()
        .await;
    browser.quit().await;
    server.abort();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn log_in_and_out(browser: &Browser, base: &str, app: &LoginApp) {
    // Not logged in: the app offers the login.
    browser.goto(&format!("{base}/")).await;
    browser
        .find("a[href='/login']")
        .await
        .click()
        .await
        .unwrap();

    // The provider's own login page (another origin). /login left the binding cookie, scoped
    // to the callback path (so WebDriver's cookie API, which lists the current page's
    // cookies, cannot see it: the browser's whole jar is read through DevTools).
    browser
        .wait_for_text("button[type=submit]", "Sign-in")
        .await;
    let binding = browser
        .all_cookies()
        .await
        .into_iter()
        .find(|c| c["name"] == BINDING_COOKIE)
        .expect("/login set the binding cookie");
    assert_eq!(binding["path"], CALLBACK_PATH, "{binding}");
    assert_eq!(binding["httpOnly"], true, "{binding}");
    assert_eq!(binding["sameSite"], "Lax", "{binding}");
    assert_eq!(
        binding["secure"], false,
        "plain http on loopback: {binding}"
    );
    assert!(
        !browser
            .url()
            .await
            .contains(binding["value"].as_str().unwrap()),
        "the binding never travels in a URL"
    );
    browser
        .find("input[name=login]")
        .await
        .send_keys("alice")
        .await
        .unwrap();
    browser
        .find("input[name=password]")
        .await
        .send_keys("any password")
        .await
        .unwrap();
    browser
        .find("button[type=submit]")
        .await
        .click()
        .await
        .unwrap();

    // The consent page, then back to the app's callback, which redirects to /.
    browser
        .wait_for_text("button[type=submit]", "Continue")
        .await;
    browser
        .find("button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    let email = browser.wait_for_text("#email", "@").await;
    assert!(
        browser.url().await.starts_with(&format!("{base}/")),
        "back on the app"
    );
    assert_eq!(email, "alice@example.test");
    let roles = browser.find("#roles").await.text().await.unwrap();
    assert!(roles.split(", ").any(|r| r == "admin"), "roles: {roles}");
    assert_eq!(browser.find("#id").await.text().await.unwrap(), "alice");
    assert_eq!(app.session_count(), 1);

    // The session cookie, as WebDriver reports the page's cookies: HttpOnly (no script can
    // read it), SameSite=Lax, not Secure on plain http. The binding is gone.
    let cookies = browser.cookies().await;
    let session = cookies
        .iter()
        .find(|c| c["name"] == SESSION_COOKIE)
        .unwrap_or_else(|| panic!("no session cookie in {cookies:?}"));
    assert_eq!(session["httpOnly"], true, "{session}");
    assert_eq!(session["sameSite"], "Lax", "{session}");
    assert_eq!(session["path"], "/", "{session}");
    assert_eq!(
        session["value"].as_str().unwrap().len(),
        43,
        "32 random bytes, base64url"
    );
    assert!(
        !browser
            .all_cookies()
            .await
            .iter()
            .any(|c| c["name"] == BINDING_COOKIE),
        "the callback cleared the binding cookie"
    );
    let scripts_see: String = browser.execute("return document.cookie").await;
    assert!(
        !scripts_see.contains(SESSION_COOKIE),
        "HttpOnly: {scripts_see}"
    );

    // Log out: the app ends its session and sends the browser to the provider's end-session
    // endpoint, which asks for confirmation and returns to the app's `/`.
    browser
        .find("form[action='/logout'] button")
        .await
        .click()
        .await
        .unwrap();
    // The click may return before the browser has left the profile page: wait for the app's
    // `/` *with* the "Log in" link, clicking "Yes, sign me out" once on the way.
    let home = format!("{base}/");
    let mut confirmed = false;
    browser
        .wait_until("back on the app's / with the \"Log in\" link", async || {
            if browser.url().await.starts_with(&home)
                && browser.try_find("a[href='/login']").await.is_some()
            {
                return true;
            }
            if !confirmed
                && let Some(yes) = browser.try_find("button[name=logout][value=yes]").await
            {
                yes.click().await.unwrap();
                confirmed = true;
            }
            false
        })
        .await;
    assert!(confirmed, "the provider asked to confirm the logout");
    assert_eq!(app.session_count(), 0, "the server-side session is gone");
    assert!(
        !browser
            .cookies()
            .await
            .iter()
            .any(|c| c["name"] == SESSION_COOKIE),
        "the session cookie is cleared"
    );
    // And `/` stays logged out.
    browser.goto(&format!("{base}/")).await;
    browser.find("a[href='/login']").await;
}

/// The browser, through fantoccini's WebDriver client, with the waits and failure messages the
/// scenario wants (a failure shows where the browser was and the page).
mod webdriver {
    use std::time::{Duration, Instant};

    use fantoccini::wd::WebDriverCompatibleCommand;
    use fantoccini::{Client, ClientBuilder, Locator, elements::Element};
    use serde_json::{Value, json};

    /// How long to wait for a page, an element or a text.
    const WAIT: Duration = Duration::from_secs(20);

    /// A WebDriver session with a headless Chromium of its own (fresh profile).
    pub struct Browser {
        client: Client,
        _profile: tempfile::TempDir,
    }

    impl Browser {
        /// Opens a session at chromedriver `webdriver_url` with the Chromium at `binary`.
        pub async fn start(webdriver_url: &str, binary: &str) -> Browser {
            let profile = tempfile::tempdir().unwrap();
            // Flags for a closed network and a throwaway machine: no sandbox (root in a
            // container), no GPU, no QUIC, and none of the background calls to Google.
            let args = [
                "--headless=new".to_owned(),
                "--no-sandbox".to_owned(),
                "--disable-gpu".to_owned(),
                "--disable-quic".to_owned(),
                "--no-first-run".to_owned(),
                "--disable-background-networking".to_owned(),
                "--disable-component-update".to_owned(),
                "--disable-sync".to_owned(),
                format!("--user-data-dir={}", profile.path().display()),
            ];
            let capabilities = json!({
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": binary, "args": args},
                "timeouts": {"pageLoad": 30_000, "script": 10_000, "implicit": 0},
            });
            let Value::Object(capabilities) = capabilities else {
                unreachable!()
            };
            let client = ClientBuilder::rustls()
                .expect("a WebDriver client")
                .capabilities(capabilities)
                .connect(webdriver_url)
                .await
                .expect("a WebDriver session with Chromium");
            Browser {
                client,
                _profile: profile,
            }
        }

        /// Ends the session, which closes the browser.
        pub async fn quit(&self) {
            let _ = self.client.clone().close().await;
        }

        /// Opens `url` and waits for it to load.
        pub async fn goto(&self, url: &str) {
            self.client.goto(url).await.unwrap();
        }

        /// The current page's URL.
        pub async fn url(&self) -> String {
            self.client.current_url().await.unwrap().to_string()
        }

        /// Runs `script` in the page and returns its result.
        pub async fn execute<T: serde::de::DeserializeOwned>(&self, script: &str) -> T {
            serde_json::from_value(self.client.execute(script, Vec::new()).await.unwrap()).unwrap()
        }

        /// The first element matching the CSS `selector`, waiting for it to appear.
        pub async fn find(&self, selector: &str) -> Element {
            let found = self
                .client
                .wait()
                .at_most(WAIT)
                .for_element(Locator::Css(selector))
                .await;
            match found {
                Ok(element) => element,
                Err(_) => self.give_up(&format!("no `{selector}`")).await,
            }
        }

        /// The first element matching `selector` now, if any.
        pub async fn try_find(&self, selector: &str) -> Option<Element> {
            self.client.find(Locator::Css(selector)).await.ok()
        }

        /// Waits until the first element matching `selector` has a text containing `text`
        /// (the next page may reuse the selector); returns that text.
        pub async fn wait_for_text(&self, selector: &str, text: &str) -> String {
            let deadline = Instant::now() + WAIT;
            loop {
                if let Some(element) = self.try_find(selector).await
                    && let Ok(found) = element.text().await
                    && found.contains(text)
                {
                    return found;
                }
                if Instant::now() > deadline {
                    self.give_up(&format!("no `{selector}` with text `{text}`"))
                        .await;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }

        /// Polls `done` until it holds; panics after a while, naming `what` and showing the
        /// page.
        pub async fn wait_until(&self, what: &str, mut done: impl AsyncFnMut() -> bool) {
            let deadline = Instant::now() + WAIT;
            while !done().await {
                if Instant::now() > deadline {
                    self.give_up(&format!("not {what}")).await;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }

        /// Panics with `message`, the current address (without its query, which may hold a
        /// token) and the page.
        async fn give_up(&self, message: &str) -> ! {
            let url = self.url().await;
            let address = url.split('?').next().unwrap_or_default();
            let page = self.client.source().await.unwrap_or_default();
            panic!("{message} within {WAIT:?}: at {address}; the page:\n{page}");
        }

        /// The cookies of the current page as WebDriver reports them (HttpOnly ones too), in
        /// WebDriver's JSON.
        pub async fn cookies(&self) -> Vec<Value> {
            let answer = self.raw(http::Method::GET, "cookie", None).await;
            answer.as_array().unwrap().clone()
        }

        /// Every cookie of the browser, whatever its path or host (DevTools
        /// `Network.getAllCookies` through chromedriver's `goog/cdp/execute`).
        pub async fn all_cookies(&self) -> Vec<Value> {
            let body = json!({"cmd": "Network.getAllCookies", "params": {}});
            let answer = self
                .raw(http::Method::POST, "goog/cdp/execute", Some(body))
                .await;
            answer["cookies"].as_array().unwrap().clone()
        }

        /// A WebDriver command of the session that fantoccini has no method for.
        async fn raw(
            &self,
            method: http::Method,
            path: &'static str,
            body: Option<Value>,
        ) -> Value {
            let command = Raw { method, path, body };
            self.client.issue_cmd(command).await.unwrap()
        }
    }

    /// `{method} /session/{id}/{path}` with a JSON body.
    #[derive(Debug)]
    struct Raw {
        method: http::Method,
        path: &'static str,
        body: Option<Value>,
    }

    impl WebDriverCompatibleCommand for Raw {
        fn endpoint(
            &self,
            base_url: &url::Url,
            session_id: Option<&str>,
        ) -> Result<url::Url, url::ParseError> {
            let session = session_id.unwrap_or_default();
            base_url.join(&format!("session/{session}/{}", self.path))
        }

        fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
            (
                self.method.clone(),
                self.body.as_ref().map(Value::to_string),
            )
        }
    }
}
