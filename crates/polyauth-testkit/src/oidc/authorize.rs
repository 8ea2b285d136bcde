//! The authorization endpoint (`/auth`), pushed authorization requests (`POST /request`),
//! and resuming a finished interaction (`/auth/{uid}`), which sends the browser back to the
//! client with a code or an error.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use super::clients::authenticate_client;
use super::interaction::{INTERACTION_COOKIE, RESUME_COOKIE, SESSION_COOKIE};
use super::store::{
    AuthzRequest, Code, Data, Interaction, Outcome, Pushed, Shared, cookie, html_error,
    json_no_store, now, oauth_error, parse_params, random_id, request_params, secs, set_cookie,
    with_cookies,
};
use super::{CODE_TTL, INTERACTION_TTL, PAR_TTL, RESOURCE, SCOPES};

/// A failed authorization request.
#[derive(Debug)]
pub(super) enum AuthzError {
    /// The client or its redirect URI is unknown: an error page, never a redirect.
    Page(&'static str, String),
    /// An error sent back to the client's redirect URI.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

impl AuthzError {
    /// The browser-facing answer: an HTML error page or a redirect to the client.
    fn respond(self, issuer: &str) -> Response {
        match self {
            AuthzError::Page(error, description) => {
                html_error(StatusCode::BAD_REQUEST, error, &description)
            }
            AuthzError::Redirect {
                redirect_uri,
                state,
                error,
                description,
            } => error_redirect(issuer, &redirect_uri, state.as_deref(), error, &description),
        }
    }

    /// The answer at the PAR endpoint: a JSON error.
    fn json(self) -> Response {
        match self {
            AuthzError::Page(error, description)
            | AuthzError::Redirect {
                error, description, ..
            } => oauth_error(StatusCode::BAD_REQUEST, error, &description),
        }
    }
}

/// Checks an authorization request's parameters against the registered client.
pub(super) fn validate(
    data: &Data,
    p: &HashMap<String, String>,
) -> Result<AuthzRequest, AuthzError> {
    let page = |e, d: &str| Err(AuthzError::Page(e, d.to_owned()));
    let Some(client_id) = p.get("client_id") else {
        return page("invalid_request", "missing required parameter 'client_id'");
    };
    let Some(client) = data.clients.get(client_id) else {
        return page("invalid_client", "client is invalid (unknown client_id)");
    };
    let redirect_uri = match p.get("redirect_uri") {
        Some(r) => r.clone(),
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => {
            return page(
                "invalid_request",
                "missing required parameter 'redirect_uri'",
            );
        }
    };
    if !client.redirect_uris.contains(&redirect_uri) {
        return page(
            "invalid_redirect_uri",
            "redirect_uri did not match any of the client's registered redirect_uris",
        );
    }
    let state = p.get("state").cloned();
    let fail = |error, description: &str| {
        Err(AuthzError::Redirect {
            redirect_uri: redirect_uri.clone(),
            state: state.clone(),
            error,
            description: description.to_owned(),
        })
    };
    match p.get("response_type").map(String::as_str) {
        None => {
            return fail(
                "invalid_request",
                "missing required parameter 'response_type'",
            );
        }
        Some("code") => {}
        Some(_) => {
            return fail(
                "unsupported_response_type",
                "unsupported response_type requested",
            );
        }
    }
    if !client.response_types.iter().any(|r| r == "code")
        || !client.allows_grant("authorization_code")
    {
        return fail(
            "unauthorized_client",
            "requested response_type is not allowed for this client",
        );
    }
    if p.get("response_mode").is_some_and(|m| m != "query") {
        return fail("invalid_request", "unsupported response_mode requested");
    }
    let Some(requested) = p.get("scope") else {
        return fail("invalid_request", "missing required parameter 'scope'");
    };
    let mut granted: Vec<&str> = Vec::new();
    for s in requested.split(' ').filter(|s| SCOPES.contains(s)) {
        if !client.allows_scope(s) {
            return fail(
                "invalid_scope",
                &format!("requested scope `{s}` is not allowed"),
            );
        }
        if !granted.contains(&s) {
            granted.push(s);
        }
    }
    let prompt: BTreeSet<String> = p
        .get("prompt")
        .map(|v| {
            v.split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if prompt
        .iter()
        .any(|v| !["none", "login", "consent"].contains(&v.as_str()))
    {
        return fail("invalid_request", "unsupported prompt value requested");
    }
    if prompt.contains("none") && prompt.len() > 1 {
        return fail("invalid_request", "prompt none must only be used alone");
    }
    let challenge = p.get("code_challenge").cloned();
    match (
        &challenge,
        p.get("code_challenge_method").map(String::as_str),
    ) {
        (Some(_), Some("S256")) => {}
        (Some(_), Some(_)) => {
            return fail(
                "invalid_request",
                "not supported value of code_challenge_method",
            );
        }
        (Some(_), None) => {
            return fail(
                "invalid_request",
                "code_challenge_method must be provided (S256)",
            );
        }
        (None, Some(_)) => {
            return fail(
                "invalid_request",
                "code_challenge_method requires code_challenge",
            );
        }
        (None, None) if client.auth_method == "none" => {
            return fail(
                "invalid_request",
                "Authorization Server policy requires PKCE to be used for this request",
            );
        }
        (None, None) => {}
    }
    if let Some(c) = &challenge
        && (!(43..=128).contains(&c.len())
            || !c
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)))
    {
        return fail(
            "invalid_request",
            "code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]",
        );
    }
    let resource = p.get("resource").cloned();
    if resource.as_deref().is_some_and(|r| r != RESOURCE) {
        return fail(
            "invalid_target",
            "resource indicator is missing, or unknown",
        );
    }
    Ok(AuthzRequest {
        client_id: client.client_id.clone(),
        redirect_uri,
        scope: granted.join(" "),
        state,
        nonce: p.get("nonce").cloned(),
        code_challenge: challenge,
        resource,
        login_hint: p.get("login_hint").cloned(),
        prompt,
    })
}

/// `303` to `redirect_uri` with `params` and `iss` added to its query.
fn redirect_to_client(
    issuer: &str,
    redirect_uri: &str,
    params: &[(&str, Option<&str>)],
) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return html_error(
            StatusCode::BAD_REQUEST,
            "invalid_redirect_uri",
            "redirect_uri is not a URL",
        );
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            if let Some(v) = v {
                q.append_pair(k, v);
            }
        }
        q.append_pair("iss", issuer);
    }
    Redirect::to(url.as_str()).into_response()
}

/// An authorization error response at the client's redirect URI.
pub(super) fn error_redirect(
    issuer: &str,
    redirect_uri: &str,
    state: Option<&str>,
    error: &str,
    description: &str,
) -> Response {
    redirect_to_client(
        issuer,
        redirect_uri,
        &[
            ("error", Some(error)),
            ("error_description", Some(description)),
            ("state", state),
        ],
    )
}

/// Issues a code for `sub` and sends the browser to the client with it.
fn code_redirect(
    data: &mut Data,
    issuer: &str,
    request: &AuthzRequest,
    sub: &str,
    auth_time: i64,
) -> Response {
    let code = random_id(32);
    data.codes.insert(
        code.clone(),
        Code {
            request: request.clone(),
            sub: sub.to_owned(),
            auth_time,
            expires_at: now() + secs(CODE_TTL),
            grant_id: random_id(12),
            used: false,
        },
    );
    redirect_to_client(
        issuer,
        &request.redirect_uri,
        &[("code", Some(&code)), ("state", request.state.as_deref())],
    )
}

/// Decides what a valid authorization request leads to: a code at once (auto-consent, or a
/// session that already consented), an error (`prompt=none`), or an interaction.
fn start(data: &mut Data, issuer: &str, headers: &HeaderMap, request: AuthzRequest) -> Response {
    if let Some(login) = data.auto_consent.clone() {
        return code_redirect(data, issuer, &request, &login, now());
    }
    let signed_in = cookie(headers, SESSION_COOKIE)
        .filter(|_| !request.prompt.contains("login"))
        .and_then(|sid| {
            let s = data.sessions.get(&sid)?;
            let consented = s
                .grants
                .get(&request.client_id)
                .is_some_and(|g| request.scopes().all(|x| g.contains(x)));
            Some((sid, s.account.clone(), s.auth_time, consented))
        });
    let state = request.state.as_deref();
    match signed_in {
        Some((_, account, auth_time, true)) if !request.prompt.contains("consent") => {
            code_redirect(data, issuer, &request, &account, auth_time)
        }
        Some(_) if request.prompt.contains("none") => error_redirect(
            issuer,
            &request.redirect_uri,
            state,
            "consent_required",
            "prompt none was requested but consent is needed",
        ),
        None if request.prompt.contains("none") => error_redirect(
            issuer,
            &request.redirect_uri,
            state,
            "login_required",
            "prompt none was requested but no existing session was found",
        ),
        signed_in => {
            let uid = random_id(16);
            let (account, session) = match signed_in {
                Some((sid, account, auth_time, _)) => (Some((account, auth_time)), Some(sid)),
                None => (None, None),
            };
            data.interactions.insert(
                uid.clone(),
                Interaction {
                    request,
                    account,
                    session,
                    outcome: Outcome::Pending,
                    expires_at: now() + secs(INTERACTION_TTL),
                },
            );
            with_cookies(
                Redirect::to(&format!("/interaction/{uid}")).into_response(),
                &[
                    set_cookie(INTERACTION_COOKIE, &uid, "/"),
                    set_cookie(RESUME_COOKIE, &uid, &format!("/auth/{uid}")),
                ],
            )
        }
    }
}

/// `GET` (query) or `POST` (form) `/auth`.
pub(super) async fn authorize(
    State(s): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let issuer = s.issuer();
    let parsed = request_params(&method, query, &body);
    let mut params = match parsed {
        Ok(p) => p,
        Err(d) => return html_error(StatusCode::BAD_REQUEST, "invalid_request", &d),
    };
    let mut data = s.lock();
    if let Some(uri) = params.get("request_uri").cloned() {
        let pushed = data.pushed.remove(&uri).filter(|p| p.expires_at > now());
        match pushed {
            Some(p) if params.get("client_id") == Some(&p.client_id) => params = p.params,
            Some(_) => {
                return html_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_uri",
                    "request_uri was pushed by another client",
                );
            }
            None => {
                return html_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request_uri",
                    "request_uri is invalid, expired, or was already used",
                );
            }
        }
    } else if params.contains_key("request") {
        return html_error(
            StatusCode::BAD_REQUEST,
            "request_not_supported",
            "request objects are not supported",
        );
    }
    match validate(&data, &params) {
        Ok(request) => start(&mut data, &issuer, &headers, request),
        Err(e) => e.respond(&issuer),
    }
}

/// `POST /request` (RFC 9126).
pub(super) async fn pushed_request(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let issuer = s.issuer();
    let mut params = match parse_params(&body) {
        Ok(p) => p,
        Err(d) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &d),
    };
    let mut data = s.lock();
    let client = match authenticate_client(&mut data, &issuer, "/request", &headers, &params) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if !params.contains_key("client_id") {
        // `oidc-provider` wants it in the body even with client_secret_basic.
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "missing required parameter 'client_id'",
        );
    }
    for key in ["client_secret", "client_assertion", "client_assertion_type"] {
        params.remove(key);
    }
    if params.contains_key("request_uri") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "request_uri must not be used at the pushed authorization request endpoint",
        );
    }
    params.insert("client_id".into(), client.client_id.clone());
    if let Err(e) = validate(&data, &params) {
        return e.json();
    }
    let request_uri = format!("urn:ietf:params:oauth:request_uri:{}", random_id(24));
    data.pushed.insert(
        request_uri.clone(),
        Pushed {
            client_id: client.client_id,
            params,
            expires_at: now() + secs(PAR_TTL),
        },
    );
    json_no_store(
        StatusCode::CREATED,
        json!({"request_uri": request_uri, "expires_in": PAR_TTL.as_secs()}),
    )
}

/// `GET /auth/{uid}`: finishes a consented or aborted interaction.
pub(super) async fn resume(
    State(s): State<Arc<Shared>>,
    Path(uid): Path<String>,
    headers: HeaderMap,
) -> Response {
    let issuer = s.issuer();
    let mut data = s.lock();
    let has_cookie = [INTERACTION_COOKIE, RESUME_COOKIE]
        .iter()
        .any(|c| cookie(&headers, c).as_deref() == Some(uid.as_str()));
    if !has_cookie {
        return html_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "interaction session id cookie not found",
        );
    }
    let Some(interaction) = data
        .interactions
        .remove(&uid)
        .filter(|i| i.expires_at > now())
    else {
        return html_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "interaction session not found (expired or already finished)",
        );
    };
    let clear = [
        set_cookie(INTERACTION_COOKIE, "", "/"),
        set_cookie(RESUME_COOKIE, "", &format!("/auth/{uid}")),
    ];
    match (interaction.outcome, interaction.account.clone()) {
        (Outcome::Aborted, _) => {
            let request = &interaction.request;
            let response = error_redirect(
                &issuer,
                &request.redirect_uri,
                request.state.as_deref(),
                "access_denied",
                "End-User aborted interaction",
            );
            with_cookies(response, &clear)
        }
        (Outcome::Consented, Some((sub, auth_time))) => {
            let response = code_redirect(&mut data, &issuer, &interaction.request, &sub, auth_time);
            with_cookies(response, &clear)
        }
        _ => {
            data.interactions.insert(uid.clone(), interaction);
            Redirect::to(&format!("/interaction/{uid}")).into_response()
        }
    }
}
