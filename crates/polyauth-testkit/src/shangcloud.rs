//! Emulator of the ShangCloud OAuth 2.0 server (feature `shangcloud`), faithful to the wire
//! facts of the reference SDK `shangcloud_sdk` 1.2.0 (PyPI `shangcloud-sdk`):
//!
//! | route | what it does |
//! |---|---|
//! | `GET /oauth/authorize` | `response_type=code`, `client_id`, `redirect_uri`, `scope`, `state` (and PKCE `code_challenge` + `code_challenge_method=S256`): logs the consenting user in and answers `302` to `redirect_uri?code=..&state=..` |
//! | `POST /oauth/token` | form body; HTTP Basic client authentication in the reference SDK's **raw** form, `base64("{client_id}:{client_secret}")` with nothing url-encoded (as the reference SDK's token request sends it; the RFC 6749 §2.3.1 url-encoded form is refused for ids or secrets it changes); grants `authorization_code` (codes single-use, bound to client, redirect URI and PKCE challenge) and `refresh_token` (refresh tokens rotate) |
//! | `POST /api/user/info` | `{"uid", "nickname", "mail", "avatar"}` |
//! | `POST /api/varibles` (sic) | `{"key", "action": "read" / "write" / "delete", "value"}`; needs scope `var:io`; business errors are `200 {"error": ".."}` as the SDK expects |
//! | `POST /api/mmo/room/{new,join,config,data/set,data/get,data/delete,kick,usercount}` | MMO rooms; needs scope `mmo`; headers `X-MMO-Room` and `X-MMO-Protoctl` (sic) |
//!
//! Resource calls take `Authorization: {token_type} {access_token}` (scheme case-insensitive).
//! Unknown or expired tokens get `401 {"error": "invalid_token"}`, missing scopes
//! `403 {"error": "insufficient_scope"}`.
//!
//! The user who "consents" at `/oauth/authorize` is the one named by the emulator-only query
//! parameter `login_as` (a nickname), else the one set with
//! [`ShangCloudEmulator::set_consenting_user`], else the first user.
//!
//! The handle counts calls per path and injects faults through [`ShangCloudEmulator::server`].

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::server::Emulator;

/// The client id registered at start.
pub const CLIENT_ID: &str = "shangcloud-test-client";
/// The client secret registered at start.
pub const CLIENT_SECRET: &str = "shangcloud-test-secret";
/// How long an authorization code is valid.
pub const CODE_TTL: Duration = Duration::from_secs(60);

/// A user of the emulator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmulatedUser {
    /// ShangCloud user id.
    pub uid: u64,
    /// Display name (unique in the emulator; `login_as` names users by it).
    pub nickname: String,
    /// E-mail.
    pub mail: String,
    /// Avatar URL.
    pub avatar: String,
}

#[derive(Debug)]
struct CodeGrant {
    client_id: String,
    uid: u64,
    redirect_uri: String,
    scope: String,
    challenge: Option<String>,
    issued: Instant,
}

#[derive(Debug, Clone)]
struct AccessGrant {
    uid: u64,
    scope: String,
    expires: Instant,
}

#[derive(Debug, Clone)]
struct RefreshGrant {
    client_id: String,
    uid: u64,
    scope: String,
}

#[derive(Debug, Default)]
struct Room {
    owner: u64,
    protocol: String,
    allow_multi_login: bool,
    members: Vec<u64>,
    extra_data: Map<String, Value>,
}

#[derive(Debug, Default)]
struct Data {
    clients: HashMap<String, String>,
    users: BTreeMap<u64, EmulatedUser>,
    consenting: Option<u64>,
    codes: HashMap<String, CodeGrant>,
    access: HashMap<String, AccessGrant>,
    refresh: HashMap<String, RefreshGrant>,
    variables: HashMap<(u64, String), String>,
    rooms: HashMap<String, Room>,
    token_ttl: Duration,
}

#[derive(Debug)]
struct Shared {
    data: Mutex<Data>,
    counter: AtomicU64,
    seed: u64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn random(&self, prefix: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let digest = Sha256::digest(format!("{}:{n}", self.seed).as_bytes());
        let tail = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..18]);
        format!("{prefix}{n}{tail}")
    }

    fn issue(&self, data: &mut Data, client_id: &str, uid: u64, scope: &str) -> Value {
        let access = self.random("sc-at-");
        let refresh = self.random("sc-rt-");
        data.access.insert(
            access.clone(),
            AccessGrant {
                uid,
                scope: scope.to_owned(),
                expires: Instant::now() + data.token_ttl,
            },
        );
        data.refresh.insert(
            refresh.clone(),
            RefreshGrant {
                client_id: client_id.to_owned(),
                uid,
                scope: scope.to_owned(),
            },
        );
        json!({
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": data.token_ttl.as_secs(),
            "scope": scope,
        })
    }
}

/// A running ShangCloud emulator on loopback. Dropping it stops the server.
#[derive(Debug)]
pub struct ShangCloudEmulator {
    server: Emulator,
    shared: Arc<Shared>,
}

impl ShangCloudEmulator {
    /// Starts the emulator with the client [`CLIENT_ID`] / [`CLIENT_SECRET`] registered, no
    /// users and a token lifetime of one hour.
    pub async fn start() -> ShangCloudEmulator {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(7)
            ^ u64::from(std::process::id());
        let mut data = Data {
            token_ttl: Duration::from_secs(3600),
            ..Data::default()
        };
        data.clients
            .insert(CLIENT_ID.to_owned(), CLIENT_SECRET.to_owned());
        let shared = Arc::new(Shared {
            data: Mutex::new(data),
            counter: AtomicU64::new(1),
            seed,
        });
        let router = Router::new()
            .route("/oauth/authorize", get(authorize))
            .route("/oauth/token", post(token))
            .route("/api/user/info", post(user_info))
            .route("/api/varibles", post(variables))
            .route("/api/mmo/room/new", post(mmo_new))
            .route("/api/mmo/room/join", post(mmo_join))
            .route("/api/mmo/room/config", post(mmo_config))
            .route("/api/mmo/room/data/set", post(mmo_data_set))
            .route("/api/mmo/room/data/get", post(mmo_data_get))
            .route("/api/mmo/room/data/delete", post(mmo_data_delete))
            .route("/api/mmo/room/kick", post(mmo_kick))
            .route("/api/mmo/room/usercount", post(mmo_user_count))
            .with_state(shared.clone());
        ShangCloudEmulator {
            server: Emulator::serve(router).await,
            shared,
        }
    }

    /// `http://127.0.0.1:PORT`, the `base_url` to configure.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The underlying server: call counters (`calls("/oauth/token")`) and fault injection.
    pub fn server(&self) -> &Emulator {
        &self.server
    }

    /// How many requests reached `path`.
    pub fn calls(&self, path: &str) -> u64 {
        self.server.calls(path)
    }

    /// Registers (or re-keys) an OAuth client.
    pub fn register_client(&self, client_id: &str, client_secret: &str) {
        self.shared
            .lock()
            .clients
            .insert(client_id.to_owned(), client_secret.to_owned());
    }

    /// Adds a user (or returns the existing one with this nickname).
    pub fn add_user(&self, nickname: &str, mail: &str) -> EmulatedUser {
        let mut data = self.shared.lock();
        if let Some(u) = data.users.values().find(|u| u.nickname == nickname) {
            return u.clone();
        }
        let uid = 10_000 + data.users.len() as u64 + 1;
        let user = EmulatedUser {
            uid,
            nickname: nickname.to_owned(),
            mail: mail.to_owned(),
            avatar: format!("https://avatars.example/{uid}.png"),
        };
        data.users.insert(uid, user.clone());
        user
    }

    /// Makes `uid` the user who consents at `/oauth/authorize` when no `login_as` is given.
    pub fn set_consenting_user(&self, uid: u64) {
        self.shared.lock().consenting = Some(uid);
    }

    /// Sets the lifetime of access tokens issued from now on (`expires_in`).
    pub fn set_token_ttl(&self, ttl: Duration) {
        self.shared.lock().token_ttl = ttl;
    }

    /// Issues tokens for `uid` directly (no OAuth round trip): `(access_token, refresh_token)`.
    /// A zero `ttl` gives an already expired access token.
    pub fn issue_tokens(&self, uid: u64, scope: &str, ttl: Duration) -> (String, String) {
        let mut data = self.shared.lock();
        let old = std::mem::replace(&mut data.token_ttl, ttl);
        let v = self.shared.issue(&mut data, CLIENT_ID, uid, scope);
        data.token_ttl = old;
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
        (s("access_token"), s("refresh_token"))
    }

    /// Revokes an access token (it answers 401 from now on).
    pub fn revoke_access_token(&self, access_token: &str) {
        self.shared.lock().access.remove(access_token);
    }

    /// The stored value of a user variable.
    pub fn variable(&self, uid: u64, key: &str) -> Option<String> {
        self.shared
            .lock()
            .variables
            .get(&(uid, key.to_owned()))
            .cloned()
    }

    /// Members of a room, in join order.
    pub fn room_members(&self, room_id: &str) -> Vec<u64> {
        self.shared
            .lock()
            .rooms
            .get(room_id)
            .map(|r| r.members.clone())
            .unwrap_or_default()
    }

    /// Whether a room allows multiple logins (set by `/api/mmo/room/config`).
    pub fn room_allows_multi_login(&self, room_id: &str) -> Option<bool> {
        self.shared
            .lock()
            .rooms
            .get(room_id)
            .map(|r| r.allow_multi_login)
    }

    /// Number of authorization codes issued and not yet redeemed.
    pub fn pending_codes(&self) -> usize {
        self.shared.lock().codes.len()
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({"error": message}))).into_response()
}

#[derive(Debug, Deserialize)]
struct AuthorizeQuery {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    login_as: Option<String>,
}

async fn authorize(State(s): State<Arc<Shared>>, Query(q): Query<AuthorizeQuery>) -> Response {
    let mut data = s.lock();
    let Some(client_id) = q.client_id.filter(|c| data.clients.contains_key(c)) else {
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    };
    let Some(mut redirect) = q
        .redirect_uri
        .as_deref()
        .and_then(|r| url::Url::parse(r).ok())
    else {
        return (StatusCode::BAD_REQUEST, "missing or invalid redirect_uri").into_response();
    };
    let redirect_uri = redirect.to_string();
    let state = q.state.unwrap_or_default();
    if q.response_type.as_deref() != Some("code") {
        redirect
            .query_pairs_mut()
            .append_pair("error", "unsupported_response_type")
            .append_pair("state", &state);
        return Redirect::to(redirect.as_str()).into_response();
    }
    if q.code_challenge.is_some() && q.code_challenge_method.as_deref() != Some("S256") {
        redirect
            .query_pairs_mut()
            .append_pair("error", "invalid_request")
            .append_pair("error_description", "only S256 PKCE is supported")
            .append_pair("state", &state);
        return Redirect::to(redirect.as_str()).into_response();
    }
    let uid = match q.login_as {
        Some(name) => data
            .users
            .values()
            .find(|u| u.nickname == name)
            .map(|u| u.uid),
        None => data
            .consenting
            .or_else(|| data.users.keys().next().copied()),
    };
    let Some(uid) = uid else {
        return (StatusCode::BAD_REQUEST, "no such user to log in").into_response();
    };
    let code = s.random("sc-code-");
    data.codes.insert(
        code.clone(),
        CodeGrant {
            client_id,
            uid,
            redirect_uri,
            scope: q.scope.unwrap_or_default(),
            challenge: q.code_challenge,
            issued: Instant::now(),
        },
    );
    redirect
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &state);
    Redirect::to(redirect.as_str()).into_response()
}

/// The client id of a valid `Authorization: Basic` header, or `None`. The credentials are
/// compared exactly as sent, `base64("{client_id}:{client_secret}")` without url-decoding, as
/// the reference server does (the id ends at the first `:`; the secret may contain `:`).
fn basic_client(data: &Data, headers: &HeaderMap) -> Option<String> {
    let (id, secret) = crate::server::basic_credentials(headers)?;
    let id = id.as_str();
    let secret = secret.as_str();
    let expected = data.clients.get(id)?;
    polyauth_core::secret::constant_time_eq(expected, secret).then(|| id.to_owned())
}

async fn token(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut data = s.lock();
    let Some(client_id) = basic_client(&data, &headers) else {
        let mut r = oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Basic realm=\"shangcloud\""),
        );
        return r;
    };
    let field = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    match field("grant_type") {
        "authorization_code" => {
            let Some(grant) = data.codes.remove(field("code")) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "unknown, expired or already used code",
                );
            };
            if grant.issued.elapsed() > CODE_TTL
                || grant.client_id != client_id
                || grant.redirect_uri != field("redirect_uri")
            {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "code expired, issued to another client or redirect_uri mismatch",
                );
            }
            if let Some(challenge) = &grant.challenge {
                let verifier = field("code_verifier");
                let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(Sha256::digest(verifier.as_bytes()));
                if verifier.is_empty() || &computed != challenge {
                    return oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_grant",
                        "PKCE verification failed",
                    );
                }
            }
            let body = s.issue(&mut data, &client_id, grant.uid, &grant.scope);
            axum::Json(body).into_response()
        }
        "refresh_token" => {
            let Some(grant) = data.refresh.remove(field("refresh_token")) else {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "unknown or already used refresh token",
                );
            };
            if grant.client_id != client_id {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "refresh token issued to another client",
                );
            }
            let body = s.issue(&mut data, &client_id, grant.uid, &grant.scope);
            axum::Json(body).into_response()
        }
        "" => oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is required",
        ),
        _ => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "unsupported grant_type",
        ),
    }
}

/// The grant of the request's access token, or the error response.
#[allow(clippy::result_large_err)] // an emulator handler helper; the error is the response
fn authenticate(
    data: &Data,
    headers: &HeaderMap,
    needed_scope: Option<&str>,
) -> Result<AccessGrant, Response> {
    let unauthorized = || error(StatusCode::UNAUTHORIZED, "invalid_token");
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(unauthorized)?;
    let (scheme, token) = value.split_once(' ').ok_or_else(unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(unauthorized());
    }
    let grant = data.access.get(token).ok_or_else(unauthorized)?;
    if grant.expires <= Instant::now() {
        return Err(unauthorized());
    }
    if let Some(scope) = needed_scope
        && !grant.scope.split(' ').any(|s| s == scope)
    {
        return Err(error(StatusCode::FORBIDDEN, "insufficient_scope"));
    }
    Ok(grant.clone())
}

async fn user_info(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let data = s.lock();
    let grant = match authenticate(&data, &headers, None) {
        Ok(g) => g,
        Err(r) => return r,
    };
    match data.users.get(&grant.uid) {
        Some(u) => axum::Json(json!({
            "uid": u.uid,
            "nickname": u.nickname,
            "mail": u.mail,
            "avatar": u.avatar,
        }))
        .into_response(),
        None => error(StatusCode::NOT_FOUND, "user not found"),
    }
}

#[derive(Debug, Deserialize)]
struct VariableBody {
    #[serde(default)]
    key: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    value: String,
}

/// Largest variable value the emulator stores, in bytes.
pub const MAX_VARIABLE_BYTES: usize = 64 * 1024;

async fn variables(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let mut data = s.lock();
    let grant = match authenticate(&data, &headers, Some("var:io")) {
        Ok(g) => g,
        Err(r) => return r,
    };
    let Ok(body) = serde_json::from_slice::<VariableBody>(&body) else {
        return error(StatusCode::BAD_REQUEST, "invalid JSON body");
    };
    if body.key.is_empty() {
        return axum::Json(json!({"error": "key is required"})).into_response();
    }
    let slot = (grant.uid, body.key);
    match body.action.as_str() {
        "read" => {
            let value = data.variables.get(&slot).cloned().unwrap_or_default();
            axum::Json(json!({"value": value})).into_response()
        }
        "write" => {
            if body.value.len() > MAX_VARIABLE_BYTES {
                return axum::Json(json!({"error": "value too large"})).into_response();
            }
            data.variables.insert(slot, body.value);
            axum::Json(json!({"ok": true})).into_response()
        }
        "delete" => {
            data.variables.remove(&slot);
            axum::Json(json!({"ok": true})).into_response()
        }
        other => axum::Json(json!({"error": format!("unknown action `{other}`")})).into_response(),
    }
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
}

/// Authenticates an MMO call and finds its room (from `X-MMO-Room`).
#[allow(clippy::result_large_err)]
/// Authenticates an `mmo` grant, finds the room of the `X-MMO-Room` header and runs `handler`
/// on them under the emulator's lock; a missing grant, header or room answers the error.
fn in_room(
    s: &Shared,
    headers: &HeaderMap,
    handler: impl FnOnce(&AccessGrant, &str, &mut Room) -> Response,
) -> Response {
    let mut data = s.lock();
    let grant = match authenticate(&data, headers, Some("mmo")) {
        Ok(grant) => grant,
        Err(response) => return response,
    };
    let Some(room_id) = header_str(headers, "X-MMO-Room") else {
        return error(StatusCode::BAD_REQUEST, "X-MMO-Room header is required");
    };
    match data.rooms.get_mut(room_id) {
        Some(room) => handler(&grant, room_id, room),
        None => error(StatusCode::NOT_FOUND, "room not found"),
    }
}

fn ticket(s: &Shared, room_id: &str, protocol: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("connect_key".into(), json!(s.random("sc-ck-")));
    m.insert(
        "edge_url".into(),
        json!(format!("wss://edge.shangcloud.invalid/{room_id}")),
    );
    m.insert("room_id".into(), json!(room_id));
    m.insert("protocol".into(), json!(protocol));
    m
}

async fn mmo_new(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let mut data = s.lock();
    let grant = match authenticate(&data, &headers, Some("mmo")) {
        Ok(g) => g,
        Err(r) => return r,
    };
    let protocol = header_str(&headers, "X-MMO-Protoctl")
        .unwrap_or("default")
        .to_owned();
    let room_id = s.random("room-");
    data.rooms.insert(
        room_id.clone(),
        Room {
            owner: grant.uid,
            protocol: protocol.clone(),
            members: vec![grant.uid],
            ..Room::default()
        },
    );
    axum::Json(Value::Object(ticket(&s, &room_id, &protocol))).into_response()
}

async fn mmo_join(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    in_room(&s, &headers, |grant, room_id, room| {
        let protocol = header_str(&headers, "X-MMO-Protoctl")
            .map(str::to_owned)
            .unwrap_or_else(|| room.protocol.clone());
        if !room.members.contains(&grant.uid) || room.allow_multi_login {
            room.members.push(grant.uid);
        }
        let mut t = ticket(&s, room_id, &protocol);
        t.insert("assigned_uid".into(), json!(grant.uid.to_string()));
        axum::Json(Value::Object(t)).into_response()
    })
}

async fn mmo_config(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    in_room(&s, &headers, |grant, _, room| {
        if room.owner != grant.uid {
            return error(
                StatusCode::FORBIDDEN,
                "only the room owner may configure it",
            );
        }
        let Some(allow) = body.get("allow_multi_login").and_then(Value::as_bool) else {
            return error(
                StatusCode::BAD_REQUEST,
                "allow_multi_login must be a boolean",
            );
        };
        room.allow_multi_login = allow;
        axum::Json(json!({})).into_response()
    })
}

async fn mmo_data_set(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    in_room(&s, &headers, |_, _, room| {
        let Some(key) = body
            .get("key")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty())
        else {
            return error(StatusCode::BAD_REQUEST, "key is required");
        };
        let mut value = body.get("value").cloned().unwrap_or(Value::Null);
        if let Some(t) = body.get("type").and_then(Value::as_str) {
            value = json!({"type": t, "value": value});
        }
        room.extra_data.insert(key.to_owned(), value);
        axum::Json(json!({})).into_response()
    })
}

async fn mmo_data_get(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    in_room(&s, &headers, |_, _, room| {
        axum::Json(json!({"extra_data": room.extra_data})).into_response()
    })
}

async fn mmo_data_delete(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    in_room(&s, &headers, |_, _, room| {
        let key = body.get("key").and_then(Value::as_str).unwrap_or_default();
        room.extra_data.remove(key);
        axum::Json(json!({})).into_response()
    })
}

async fn mmo_kick(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    in_room(&s, &headers, |grant, _, room| {
        if room.owner != grant.uid {
            return error(StatusCode::FORBIDDEN, "only the room owner may kick");
        }
        let target = body
            .get("target_uid")
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<u64>().ok());
        let Some(target) = target.filter(|t| room.members.contains(t)) else {
            return error(StatusCode::NOT_FOUND, "target_uid is not in the room");
        };
        room.members.retain(|m| *m != target);
        axum::Json(json!({})).into_response()
    })
}

async fn mmo_user_count(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    in_room(&s, &headers, |_, _, room| {
        axum::Json(json!({"user_count": room.members.len()})).into_response()
    })
}
