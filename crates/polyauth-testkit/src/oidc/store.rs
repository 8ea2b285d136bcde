//! The provider's state under one mutex (clients, sessions, interactions, codes, tokens,
//! pushed requests, the signing key), the accounts, and the helpers every endpoint uses:
//! time, randomness, parameter and cookie parsing, error responses.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde_json::{Map, Value, json};

use crate::jwks::SigningKey;
use crate::keys;

/// Seconds of a [`Duration`] constant, as the `i64` timestamps use.
pub(super) fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

/// Seconds since the Unix epoch.
pub(super) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(secs)
        .unwrap_or(0)
}

/// `n` random bytes, base64url without padding.
pub(super) fn random_id(n: usize) -> String {
    let mut buf = vec![0u8; n];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// A registered client.
#[derive(Clone, Debug)]
pub(super) struct Client {
    pub(super) client_id: String,
    pub(super) client_secret: Option<String>,
    /// `client_secret_basic`, `client_secret_post`, `private_key_jwt` or `none`.
    pub(super) auth_method: String,
    pub(super) redirect_uris: Vec<String>,
    pub(super) post_logout_redirect_uris: Vec<String>,
    pub(super) grant_types: Vec<String>,
    pub(super) response_types: Vec<String>,
    /// The registered `scope`: the scopes the client may ask for (all when `None`).
    pub(super) scope: Option<Vec<String>>,
    /// The keys of `private_key_jwt` assertions.
    pub(super) jwks: Vec<Jwk>,
}

impl Client {
    pub(super) fn allows_grant(&self, grant_type: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant_type)
    }

    pub(super) fn allows_scope(&self, scope: &str) -> bool {
        self.scope
            .as_ref()
            .is_none_or(|allowed| allowed.iter().any(|s| s == scope))
    }
}

/// A validated authorization request.
#[derive(Clone, Debug)]
pub(super) struct AuthzRequest {
    pub(super) client_id: String,
    pub(super) redirect_uri: String,
    /// The granted scopes, space-separated (unknown scopes dropped).
    pub(super) scope: String,
    pub(super) state: Option<String>,
    pub(super) nonce: Option<String>,
    pub(super) code_challenge: Option<String>,
    pub(super) resource: Option<String>,
    pub(super) login_hint: Option<String>,
    pub(super) prompt: BTreeSet<String>,
}

impl AuthzRequest {
    pub(super) fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split(' ').filter(|s| !s.is_empty())
    }
}

/// Where an interaction stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    Pending,
    Consented,
    Aborted,
}

/// A login-and-consent interaction started by `/auth`.
#[derive(Debug)]
pub(super) struct Interaction {
    pub(super) request: AuthzRequest,
    /// The signed-in account and its `auth_time`, once known.
    pub(super) account: Option<(String, i64)>,
    /// The browser session (`_session` cookie) of the account.
    pub(super) session: Option<String>,
    pub(super) outcome: Outcome,
    pub(super) expires_at: i64,
}

/// A browser session: who signed in, when, and what each client was granted.
#[derive(Debug)]
pub(super) struct Session {
    pub(super) account: String,
    pub(super) auth_time: i64,
    pub(super) grants: HashMap<String, BTreeSet<String>>,
}

/// An authorization code.
#[derive(Debug)]
pub(super) struct Code {
    pub(super) request: AuthzRequest,
    pub(super) sub: String,
    pub(super) auth_time: i64,
    pub(super) expires_at: i64,
    pub(super) grant_id: String,
    pub(super) used: bool,
}

/// Access or refresh token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TokenKind {
    Access,
    Refresh,
}

/// An issued token (opaque or JWT; both are recorded by their string).
#[derive(Clone, Debug)]
pub(super) struct TokenRecord {
    pub(super) kind: TokenKind,
    pub(super) client_id: String,
    /// The account; `None` for `client_credentials` tokens.
    pub(super) sub: Option<String>,
    pub(super) scope: String,
    pub(super) resource: Option<String>,
    /// Tokens of one code (and the refresh tokens rotated from it) share a grant.
    pub(super) grant_id: Option<String>,
    pub(super) auth_time: Option<i64>,
    pub(super) iat: i64,
    pub(super) exp: i64,
    /// A rotated refresh token: using it again revokes the grant.
    pub(super) consumed: bool,
}

impl TokenRecord {
    pub(super) fn is_active(&self) -> bool {
        self.exp > now() && !self.consumed
    }
}

/// A pushed authorization request.
#[derive(Debug)]
pub(super) struct Pushed {
    pub(super) client_id: String,
    pub(super) params: HashMap<String, String>,
    pub(super) expires_at: i64,
}

/// The current signing key.
pub(super) struct ActiveKey {
    pub(super) generation: u32,
    pub(super) kid: String,
    pub(super) jwk: Jwk,
    pub(super) encoding: EncodingKey,
    pub(super) decoding: DecodingKey,
}

impl std::fmt::Debug for ActiveKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActiveKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl ActiveKey {
    /// Generation 1, 3, .. use [`keys::RSA_PRIVATE_PEM`], 2, 4, .. [`keys::RSA2_PRIVATE_PEM`].
    ///
    /// Panics if the built-in test keys do not parse (a broken test kit).
    #[allow(clippy::expect_used)]
    fn new(generation: u32) -> ActiveKey {
        let (private, public) = if generation % 2 == 1 {
            (keys::RSA_PRIVATE_PEM, keys::RSA_PUBLIC_PEM)
        } else {
            (keys::RSA2_PRIVATE_PEM, keys::RSA2_PUBLIC_PEM)
        };
        let kid = format!("polyauth-oidc-{generation}");
        ActiveKey {
            generation,
            jwk: SigningKey::new(kid.clone(), Algorithm::RS256, private).public_jwk(),
            kid,
            encoding: EncodingKey::from_rsa_pem(private.as_bytes()).expect("test RSA key"),
            decoding: DecodingKey::from_rsa_pem(public.as_bytes()).expect("test RSA key"),
        }
    }

    /// Signs `claims` with RS256, this key's `kid` and the header `typ`.
    pub(super) fn sign(&self, typ: &str, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = Some(typ.to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap_or_default()
    }
}

/// Everything the provider remembers.
#[derive(Debug)]
pub(super) struct Data {
    pub(super) clients: HashMap<String, Client>,
    pub(super) sessions: HashMap<String, Session>,
    pub(super) interactions: HashMap<String, Interaction>,
    pub(super) codes: HashMap<String, Code>,
    pub(super) tokens: HashMap<String, TokenRecord>,
    pub(super) pushed: HashMap<String, Pushed>,
    /// `(client_id, jti)` of accepted client assertions, with their `exp`.
    pub(super) assertion_jtis: HashMap<(String, String), i64>,
    pub(super) auto_consent: Option<String>,
    pub(super) key: ActiveKey,
}

impl Data {
    pub(super) fn rotate_keys(&mut self) -> String {
        self.key = ActiveKey::new(self.key.generation.wrapping_add(1).max(1));
        self.key.kid.clone()
    }

    /// Revokes every token of a grant.
    pub(super) fn revoke_grant(&mut self, grant_id: &str) {
        self.tokens
            .retain(|_, t| t.grant_id.as_deref() != Some(grant_id));
    }
}

/// The state shared by the handlers.
#[derive(Debug)]
pub(super) struct Shared {
    data: Mutex<Data>,
    issuer: OnceLock<String>,
}

impl Shared {
    pub(super) fn new() -> Shared {
        Shared {
            data: Mutex::new(Data {
                clients: HashMap::new(),
                sessions: HashMap::new(),
                interactions: HashMap::new(),
                codes: HashMap::new(),
                tokens: HashMap::new(),
                pushed: HashMap::new(),
                assertion_jtis: HashMap::new(),
                auto_consent: None,
                key: ActiveKey::new(1),
            }),
            issuer: OnceLock::new(),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn set_issuer(&self, issuer: String) {
        let _ = self.issuer.set(issuer);
    }

    pub(super) fn issuer(&self) -> String {
        self.issuer.get().cloned().unwrap_or_default()
    }
}

/// The roles of an account.
pub(super) fn roles(sub: &str) -> Vec<&'static str> {
    if sub == "alice" {
        vec!["admin", "reader"]
    } else {
        vec!["reader"]
    }
}

/// The groups of an account.
pub(super) fn groups(_sub: &str) -> Vec<&'static str> {
    vec!["staff"]
}

/// The claims of account `sub` that the space-separated `scope` grants (without `sub`).
pub(super) fn scope_claims(sub: &str, scope: &str) -> Map<String, Value> {
    let mut claims = Map::new();
    for s in scope.split(' ') {
        match s {
            "profile" => {
                let mut chars = sub.chars();
                let name: String = chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars).collect())
                    .unwrap_or_default();
                claims.insert("name".into(), json!(name));
            }
            "email" => {
                claims.insert("email".into(), json!(format!("{sub}@example.test")));
                claims.insert("email_verified".into(), json!(true));
            }
            "roles" => {
                claims.insert("roles".into(), json!(roles(sub)));
                claims.insert("groups".into(), json!(groups(sub)));
            }
            _ => {}
        }
    }
    claims
}

/// Parses a query string or form body. Empty values count as absent (as in
/// `oidc-provider`); a repeated parameter is an error naming it.
/// The parameters of an endpoint that takes them either way: the form body of a `POST`, else
/// the query (OIDC Core §3.1.2.1, RP-Initiated Logout §2).
pub(super) fn request_params(
    method: &axum::http::Method,
    query: Option<String>,
    body: &[u8],
) -> Result<HashMap<String, String>, String> {
    if method == axum::http::Method::POST {
        parse_params(body)
    } else {
        parse_params(query.unwrap_or_default().as_bytes())
    }
}

pub(super) fn parse_params(raw: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut params = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(raw) {
        if v.is_empty() {
            continue;
        }
        if params.insert(k.to_string(), v.to_string()).is_some() {
            return Err(format!("'{k}' parameter must only be provided once"));
        }
    }
    Ok(params)
}

/// The value of cookie `name`.
pub(super) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Lax`; an empty value deletes the cookie.
pub(super) fn set_cookie(name: &str, value: &str, path: &str) -> String {
    if value.is_empty() {
        format!("{name}=; Path={path}; Max-Age=0; HttpOnly; SameSite=Lax")
    } else {
        format!("{name}={value}; Path={path}; HttpOnly; SameSite=Lax")
    }
}

/// Adds `Set-Cookie` headers to a response.
pub(super) fn with_cookies(mut response: Response, cookies: &[String]) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// Marks a response uncacheable (`Cache-Control: no-store`, `Pragma: no-cache`).
pub(super) fn no_store(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// A JSON OAuth error (RFC 6749 §5.2), uncacheable.
pub(super) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    no_store(
        (
            status,
            axum::Json(json!({"error": error, "error_description": description})),
        )
            .into_response(),
    )
}

/// A JSON OAuth error with `oidc-provider`'s generic `error_description` and the specific
/// reason in `error_detail` (which `oidc-provider` only logs).
pub(super) fn oauth_error_detail(
    status: StatusCode,
    error: &str,
    description: &str,
    detail: &str,
) -> Response {
    json_no_store(
        status,
        json!({"error": error, "error_description": description, "error_detail": detail}),
    )
}

/// A JSON body with `Cache-Control: no-store`.
pub(super) fn json_no_store(status: StatusCode, body: Value) -> Response {
    no_store((status, axum::Json(body)).into_response())
}

/// Escapes text for HTML element content and quoted attribute values.
pub(super) fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
}

/// An HTML page (`body` is already HTML), uncacheable.
pub(super) fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body><h1>{}</h1>\n{body}\n</body></html>\n",
        escape(title),
        escape(title)
    );
    no_store(
        (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            page,
        )
            .into_response(),
    )
}

/// An HTML error page, for errors that cannot go back to the client's `redirect_uri`.
pub(super) fn html_error(status: StatusCode, error: &str, description: &str) -> Response {
    html(
        status,
        "oops! something went wrong",
        &format!(
            "<pre><strong>error</strong>: {}\n<strong>error_description</strong>: {}</pre>",
            escape(error),
            escape(description)
        ),
    )
}
