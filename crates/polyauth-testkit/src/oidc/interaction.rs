//! The development interaction, driven over plain HTTP like `oidc-provider`'s
//! `devInteractions`: an HTML login form (any login, any password), then a consent form,
//! then back to `/auth/{uid}`. Every step needs the `_interaction` cookie that `/auth` set.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::store::{
    Data, Outcome, Session, Shared, cookie, escape, html, html_error, now, parse_params, random_id,
    set_cookie, with_cookies,
};

/// The cookie naming the interaction (`Path=/`).
pub(super) const INTERACTION_COOKIE: &str = "_interaction";
/// The cookie naming the interaction to resume (`Path=/auth/{uid}`).
pub(super) const RESUME_COOKIE: &str = "_interaction_resume";
/// The cookie naming the browser session (`Path=/`).
pub(super) const SESSION_COOKIE: &str = "_session";

/// Checks that the browser holds the cookie of a live, unfinished interaction `uid`.
#[allow(clippy::result_large_err)] // an emulator handler helper; the error is the response
fn check(data: &mut Data, headers: &HeaderMap, uid: &str) -> Result<(), Response> {
    let bad = |d: &str| Err(html_error(StatusCode::BAD_REQUEST, "invalid_request", d));
    if cookie(headers, INTERACTION_COOKIE).as_deref() != Some(uid) {
        return bad("interaction session id cookie not found");
    }
    let now = now();
    data.interactions.retain(|_, i| i.expires_at > now);
    match data.interactions.get(uid) {
        None => bad("interaction session not found (expired or already finished)"),
        Some(i) if i.outcome != Outcome::Pending => bad("interaction is already finished"),
        Some(_) => Ok(()),
    }
}

fn abort_link(uid: &str) -> String {
    format!("<p><a href=\"/interaction/{uid}/abort\">[ Cancel ]</a></p>")
}

/// `GET /interaction/{uid}`: the login form, or the consent form once signed in.
pub(super) async fn interaction_page(
    State(s): State<Arc<Shared>>,
    Path(uid): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut data = s.lock();
    if let Err(r) = check(&mut data, &headers, &uid) {
        return r;
    }
    let Some(interaction) = data.interactions.get(&uid) else {
        return html_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "interaction session not found",
        );
    };
    let uid = escape(&uid);
    let request = &interaction.request;
    let client = escape(&request.client_id);
    match &interaction.account {
        None => {
            let hint = request
                .login_hint
                .as_deref()
                .map(escape)
                .unwrap_or_default();
            let body = format!(
                "<p>The client <code>{client}</code> asks you to sign in.</p>\n\
                 <form method=\"post\" action=\"/interaction/{uid}/login\">\n\
                 <input type=\"hidden\" name=\"prompt\" value=\"login\"/>\n\
                 <input required type=\"text\" name=\"login\" placeholder=\"Enter any login\" value=\"{hint}\">\n\
                 <input required type=\"password\" name=\"password\" placeholder=\"and password\">\n\
                 <button type=\"submit\">Sign-in</button>\n</form>\n{}",
                abort_link(&uid)
            );
            html(StatusCode::OK, "Sign-in", &body)
        }
        Some((account, _)) => {
            let scopes: String = request
                .scopes()
                .map(|s| format!("<li>{}</li>", escape(s)))
                .collect();
            let body = format!(
                "<p>Signed in as <strong>{}</strong>. The client <code>{client}</code> asks for:</p>\n\
                 <ul>{scopes}</ul>\n\
                 <form method=\"post\" action=\"/interaction/{uid}/confirm\">\n\
                 <input type=\"hidden\" name=\"prompt\" value=\"consent\"/>\n\
                 <button autofocus type=\"submit\">Continue</button>\n</form>\n{}",
                escape(account),
                abort_link(&uid)
            );
            html(StatusCode::OK, "Authorize", &body)
        }
    }
}

#[allow(clippy::result_large_err)]
fn form(body: &[u8]) -> Result<HashMap<String, String>, Response> {
    parse_params(body).map_err(|d| html_error(StatusCode::BAD_REQUEST, "invalid_request", &d))
}

/// Signs `login` in: a new browser session, and the interaction moves on to consent.
fn do_login(
    data: &mut Data,
    headers: &HeaderMap,
    uid: &str,
    form: &HashMap<String, String>,
) -> Response {
    if let Err(r) = check(data, headers, uid) {
        return r;
    }
    let login = form.get("login").map(|l| l.trim()).unwrap_or_default();
    if login.is_empty() {
        return html_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "login is required",
        );
    }
    let now = now();
    let sid = random_id(24);
    data.sessions.insert(
        sid.clone(),
        Session {
            account: login.to_owned(),
            auth_time: now,
            grants: HashMap::new(),
        },
    );
    if let Some(i) = data.interactions.get_mut(uid) {
        i.account = Some((login.to_owned(), now));
        i.session = Some(sid.clone());
    }
    with_cookies(
        Redirect::to(&format!("/interaction/{uid}")).into_response(),
        &[set_cookie(SESSION_COOKIE, &sid, "/")],
    )
}

/// Records the consent (in the browser session too) and sends the browser to `/auth/{uid}`.
fn do_confirm(data: &mut Data, headers: &HeaderMap, uid: &str) -> Response {
    if let Err(r) = check(data, headers, uid) {
        return r;
    }
    let Some(i) = data.interactions.get_mut(uid) else {
        return html_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "interaction session not found",
        );
    };
    if i.account.is_none() {
        return html_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "sign in before consenting",
        );
    }
    i.outcome = Outcome::Consented;
    let client_id = i.request.client_id.clone();
    let scopes: Vec<String> = i.request.scopes().map(str::to_owned).collect();
    if let Some(session) = i
        .session
        .clone()
        .and_then(|sid| data.sessions.get_mut(&sid))
    {
        session.grants.entry(client_id).or_default().extend(scopes);
    }
    Redirect::to(&format!("/auth/{uid}")).into_response()
}

/// `POST /interaction/{uid}/login` (form `login`, `password`).
pub(super) async fn login(
    State(s): State<Arc<Shared>>,
    Path(uid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match form(&body) {
        Ok(f) => do_login(&mut s.lock(), &headers, &uid, &f),
        Err(r) => r,
    }
}

/// `POST /interaction/{uid}/confirm`.
pub(super) async fn confirm(
    State(s): State<Arc<Shared>>,
    Path(uid): Path<String>,
    headers: HeaderMap,
) -> Response {
    do_confirm(&mut s.lock(), &headers, &uid)
}

/// `POST /interaction/{uid}` with `prompt=login` (and `login`, `password`) or
/// `prompt=consent`: the submissions of `oidc-provider` 9's forms.
pub(super) async fn interaction_submit(
    State(s): State<Arc<Shared>>,
    Path(uid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f = match form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let mut data = s.lock();
    match f.get("prompt").map(String::as_str) {
        Some("login") => do_login(&mut data, &headers, &uid, &f),
        Some("consent") => do_confirm(&mut data, &headers, &uid),
        _ => html_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "prompt must be login or consent",
        ),
    }
}

/// `GET` or `POST /interaction/{uid}/abort`: the End-User declines; `/auth/{uid}` then
/// answers the client with `access_denied`.
pub(super) async fn abort(
    State(s): State<Arc<Shared>>,
    Path(uid): Path<String>,
    headers: HeaderMap,
) -> Response {
    let mut data = s.lock();
    if let Err(r) = check(&mut data, &headers, &uid) {
        return r;
    }
    if let Some(i) = data.interactions.get_mut(&uid) {
        i.outcome = Outcome::Aborted;
    }
    Redirect::to(&format!("/auth/{uid}")).into_response()
}
