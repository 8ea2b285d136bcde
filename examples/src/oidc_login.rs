//! The OpenID Connect login app: log in with any OpenID Connect issuer, keep the user in a
//! session cookie, show the profile, log out. Run it with `examples/oidc_login.rs`; the
//! end-to-end test `tests/tests/oidc_browser.rs` drives this same router with a real browser.
//!
//! | route | what it does |
//! |---|---|
//! | `GET /` | the profile when logged in (and a logout button), else a "Log in" link |
//! | `GET /login` | starts a login and sends the browser to the issuer |
//! | `GET /callback` | the issuer sends the browser back here: finish the login, open a session |
//! | `POST /logout` | closes the session here, then at the issuer (RP-initiated logout) |
//!
//! Two cookies, both `HttpOnly` (no script can read them) and `SameSite=Lax`, plus `Secure`
//! unless the app runs over plain http on a loopback address (a browser drops `Secure`
//! cookies there):
//!
//! - `login_binding` ties a started login to *this* browser (login CSRF, RFC 6749 §10.12):
//!   without it, an attacker could send a victim to `/callback?code=<attacker's code>&...` and
//!   log the victim in as the attacker. It is scoped to `/callback`, lives as long as the
//!   login's state, and is cleared by the callback.
//! - `session` names a server-side session: the browser holds a random id, never a token.
//!
//! Sessions live in a map in memory, so they vanish on restart and are not shared between
//! instances; a real deployment keeps them in a shared store (Redis, a database) and expires
//! them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use polyauth::env::Env;
use polyauth::oidc::{OidcConfig, OidcProvider};
use polyauth::{
    AuthorizationCallback, AuthorizationRequest, Error, IdToken, IdentityProvider,
    MemoryStateStore, RefreshToken, Result, UserProfile,
};

/// Name of the session cookie (a random id naming a server-side [`UserSession`]).
pub const SESSION_COOKIE: &str = "session";
/// Name of the cookie binding a started login to the browser that started it.
pub const BINDING_COOKIE: &str = "login_binding";
/// The path of the callback route; the redirect URI must end with it, and the binding cookie
/// is scoped to it (the browser sends it nowhere else).
pub const CALLBACK_PATH: &str = "/callback";

/// What the app keeps, server-side, about a logged-in user.
#[derive(Clone, Debug)]
pub struct UserSession {
    /// The user, from the validated ID token's claims.
    pub user: UserProfile,
    /// The ID token, the `id_token_hint` of the logout at the issuer.
    pub id_token: Option<IdToken>,
    /// The refresh token, to get new access tokens without a new login (this example does not
    /// call an API, so it only keeps it).
    pub refresh_token: Option<RefreshToken>,
}

/// The app: the provider and the sessions, shared by every request (cheap to clone).
#[derive(Clone, Debug)]
pub struct LoginApp {
    provider: Arc<OidcProvider>,
    sessions: Arc<Mutex<HashMap<String, UserSession>>>,
    /// The app's own address (`http://127.0.0.1:3000/`), where the issuer returns after logout.
    base: url::Url,
    /// Whether cookies get `Secure` (everywhere but plain http on loopback).
    secure: bool,
    /// How long a started login stays valid, seconds (the binding cookie's `Max-Age`).
    login_ttl: u64,
}

impl LoginApp {
    /// The app from `POLYAUTH_OIDC_*` variables (see [`OidcConfig::from_env`]), by discovery
    /// of the issuer.
    ///
    /// Errors: `ConfigInvalid` for missing or invalid variables, `Unavailable` when the issuer
    /// cannot be reached; as [`LoginApp::discover`].
    pub async fn from_env(env: &Env) -> Result<LoginApp> {
        LoginApp::discover(OidcConfig::from_env(env)?).await
    }

    /// The app for `config`: asks the issuer for its configuration (discovery), keeps login
    /// states in memory.
    ///
    /// Errors: `ConfigInvalid` without a redirect URI, or one whose path is not
    /// [`CALLBACK_PATH`]; as [`OidcProvider::discover`].
    pub async fn discover(config: OidcConfig) -> Result<LoginApp> {
        // Check our own needs first: no network call for a configuration we cannot use.
        let redirect_uri = callback_uri(&config)?;
        let login_ttl = config.state_ttl_seconds;
        let provider =
            OidcProvider::discover(config, Arc::new(MemoryStateStore::default())).await?;
        let mut base = redirect_uri.clone();
        base.set_path("/");
        base.set_query(None);
        base.set_fragment(None);
        Ok(LoginApp {
            provider: Arc::new(provider),
            sessions: Arc::default(),
            secure: !is_plain_http_loopback(&redirect_uri),
            base,
            login_ttl,
        })
    }

    /// The provider, for what the app does beyond logging in.
    pub fn provider(&self) -> &OidcProvider {
        &self.provider
    }

    /// How many sessions are open.
    pub fn session_count(&self) -> usize {
        self.sessions().len()
    }

    /// The app's routes.
    pub fn router(self) -> Router {
        Router::new()
            .route("/", get(home))
            .route("/login", get(login))
            .route(CALLBACK_PATH, get(callback))
            .route("/logout", post(logout))
            .with_state(self)
    }

    /// The session map. A panic while it was locked cannot leave it half-written (every
    /// access is one insert, get or remove), so a poisoned lock is used as it is.
    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, UserSession>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `; Secure`, or nothing for plain http on loopback.
    fn secure_attribute(&self) -> &'static str {
        if self.secure { "; Secure" } else { "" }
    }
}

/// The configured redirect URI, which must point at this app's [`CALLBACK_PATH`].
fn callback_uri(config: &OidcConfig) -> Result<url::Url> {
    let uri = config.redirect_uri.clone().ok_or_else(|| {
        Error::config("POLYAUTH_OIDC_REDIRECT_URI is not set (e.g. http://127.0.0.1:3000/callback)")
    })?;
    if uri.path() != CALLBACK_PATH {
        return Err(Error::config(format!(
            "POLYAUTH_OIDC_REDIRECT_URI must end with {CALLBACK_PATH}: this app serves its \
             callback there"
        )));
    }
    Ok(uri)
}

/// Plain http to this machine (`127.0.0.1`, `::1`, `localhost`): the one place browsers
/// accept a login without TLS, and where they would drop a `Secure` cookie.
fn is_plain_http_loopback(url: &url::Url) -> bool {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    url.scheme() == "http" && loopback
}

/// `GET /`: the profile when the browser has a session, else a "Log in" link.
async fn home(State(app): State<LoginApp>, headers: HeaderMap) -> Response {
    let session = cookie(&headers, SESSION_COOKIE).and_then(|id| app.sessions().get(&id).cloned());
    let Some(session) = session else {
        return page("Not logged in", r#"<p><a href="/login">Log in</a></p>"#).into_response();
    };
    let user = &session.user;
    // Every value comes from the issuer (the user may have chosen their own name): escape it.
    let optional = |v: &Option<String>| escape(v.as_deref().unwrap_or("-"));
    let list = |v: &[String]| escape(&v.join(", "));
    let body = format!(
        "<h1>Hello, {name}</h1>\n<dl>\n\
         <dt>id</dt><dd id=\"id\">{id}</dd>\n\
         <dt>name</dt><dd id=\"name\">{name}</dd>\n\
         <dt>e-mail</dt><dd id=\"email\">{email}</dd>\n\
         <dt>roles</dt><dd id=\"roles\">{roles}</dd>\n\
         <dt>groups</dt><dd id=\"groups\">{groups}</dd>\n</dl>\n\
         <form method=\"post\" action=\"/logout\"><button type=\"submit\">Log out</button></form>",
        id = escape(&user.id),
        name = optional(&user.nickname),
        email = optional(&user.email),
        roles = list(&user.roles),
        groups = list(&user.groups),
    );
    page("Profile", &body).into_response()
}

/// `GET /login`: starts a login and sends the browser to the issuer's authorization endpoint.
async fn login(State(app): State<LoginApp>) -> Response {
    let request = AuthorizationRequest {
        return_to: Some("/".into()),
        ..Default::default()
    };
    // Stores a fresh `state` (with the nonce and PKCE verifier) and makes the binding.
    let start = match app.provider.start_authorization(request).await {
        Ok(start) => start,
        Err(e) => return error_page(&e),
    };
    // The binding goes to this browser only, in a cookie: never in a URL.
    let binding = format!(
        "{BINDING_COOKIE}={}; HttpOnly; SameSite=Lax; Path={CALLBACK_PATH}; Max-Age={}{}",
        start.binding.expose_secret(),
        app.login_ttl,
        app.secure_attribute()
    );
    // 303 See Other: the browser follows with a GET.
    (
        [(header::SET_COOKIE, binding)],
        Redirect::to(start.url.as_str()),
    )
        .into_response()
}

/// `GET /callback?code=..&state=..&iss=..` (or `?error=..`): finishes the login.
async fn callback(
    State(app): State<LoginApp>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    // The binding is used up whatever happens: clear its cookie.
    let clear_binding = (
        header::SET_COOKIE,
        format!(
            "{BINDING_COOKIE}=; HttpOnly; SameSite=Lax; Path={CALLBACK_PATH}; Max-Age=0{}",
            app.secure_attribute()
        ),
    );
    let mut callback = AuthorizationCallback::from_query(query.as_deref().unwrap_or_default());
    // Without the cookie the login was not started in this browser (or it expired), and
    // finishing it fails with `InvalidState` before any call to the issuer.
    if let Some(binding) = cookie(&headers, BINDING_COOKIE).filter(|b| !b.is_empty()) {
        callback = callback.with_binding(binding);
    }
    // Takes the state (once), checks the binding and `iss`, exchanges the code and validates
    // the ID token (signature, issuer, audience, nonce, expiry).
    let session = match app.provider.finish_authorization(callback).await {
        Ok(session) => session,
        Err(e) => return (AppendHeaders([clear_binding]), error_page(&e)).into_response(),
    };
    let Some(user) = session.user else {
        let e = Error::config("the issuer sent no ID token: is `openid` in POLYAUTH_OIDC_SCOPES?");
        return (AppendHeaders([clear_binding]), error_page(&e)).into_response();
    };
    tracing::info!(user = %user.id, "logged in");
    let id = session_id();
    app.sessions().insert(
        id.clone(),
        UserSession {
            user,
            id_token: session.tokens.id_token,
            refresh_token: session.tokens.refresh_token,
        },
    );
    let session_cookie = format!(
        "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Lax; Path=/{}",
        app.secure_attribute()
    );
    (
        AppendHeaders([clear_binding, (header::SET_COOKIE, session_cookie)]),
        Redirect::to("/"),
    )
        .into_response()
}

/// `POST /logout`: forgets the session here, then logs out at the issuer when it supports
/// RP-initiated logout (the issuer then sends the browser back to `/`).
///
/// A POST, not a link: a page elsewhere cannot log the user out with an `<img>`, and its
/// forms do not carry our `SameSite=Lax` session cookie.
async fn logout(State(app): State<LoginApp>, headers: HeaderMap) -> Response {
    let session = cookie(&headers, SESSION_COOKIE).and_then(|id| app.sessions().remove(&id));
    let clear_session = format!(
        "{SESSION_COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{}",
        app.secure_attribute()
    );
    // The ID token tells the issuer which session to end; the return address must be one
    // registered for the client (`post_logout_redirect_uris`).
    let target = session
        .and_then(|s| {
            app.provider
                .end_session_url(s.id_token.as_ref(), Some(app.base.as_str()), None)
                .ok() // `Unsupported`: the issuer has no end-session endpoint
        })
        .map_or_else(|| "/".to_owned(), String::from);
    ([(header::SET_COOKIE, clear_session)], Redirect::to(&target)).into_response()
}

/// The page of a failed login: names the error's kind, never a token (polyauth's errors carry
/// none). 503 when the issuer could not be reached (try again later), else 400.
fn error_page(e: &Error) -> Response {
    tracing::warn!(error = %e, "login failed");
    let status = if e.is_temporary() {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::BAD_REQUEST
    };
    let body = format!(
        "<h1>Login failed</h1>\n<p id=\"error\">{}</p>\n<p><a href=\"/login\">Try again</a></p>",
        escape(&e.kind().to_string())
    );
    (status, page("Login failed", &body)).into_response()
}

/// A whole HTML page around `body` (already escaped).
fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body>\n{body}\n</body></html>\n",
        escape(title)
    ))
}

/// Escapes text for HTML element content and quoted attribute values.
fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

/// The value of cookie `name` in the request, if any.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
}

/// A new session id: 32 bytes of the thread-local CSPRNG, base64url.
fn session_id() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_html() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
        );
    }

    #[test]
    fn secure_everywhere_but_plain_http_on_loopback() {
        let plain =
            |u: &str| is_plain_http_loopback(&url::Url::parse(u).unwrap_or_else(|e| panic!("{e}")));
        assert!(plain("http://127.0.0.1:3000/callback"));
        assert!(plain("http://[::1]:3000/callback"));
        assert!(plain("http://localhost:3000/callback"));
        assert!(!plain("https://127.0.0.1:3000/callback"));
        assert!(!plain("http://app.example/callback"));
        assert!(!plain("http://10.0.0.1/callback"));
    }

    #[test]
    fn reads_one_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; session=abc; b=2"
                .parse()
                .unwrap_or_else(|e| panic!("{e:?}")),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, BINDING_COOKIE), None);
    }
}
