//! Emulator of the AIGC auth center's SDK API (feature `aigc`).
//!
//! [`AigcEmulator::start`] serves every `POST /sdk/...` route the AIGC client uses on
//! loopback, with in-memory users, roles, permissions, tokens and access keys. Like the real
//! server it checks `X-App-ID` / `X-App-Secret` on every call and always answers HTTP 200 with
//! the envelope `{"code", "message", "data"}` (code 0 = success, 401 invalid token or app
//! credentials, 403 disabled user, 404 unknown object, 400 bad input). User objects carry both
//! `isAdmin` and `is_admin`; batch answers carry both `users` and `items`, so 1.1.45 and
//! 1.1.62 clients both read them.
//!
//! The underlying [`Emulator`] counts calls per path and injects faults
//! (5xx, delay, malformed JSON, HTML, huge bodies, connection resets); use
//! [`AigcEmulator::path`] for the full path of an endpoint.
//!
//! ```
//! use polyauth_testkit::aigc::AigcEmulator;
//! use polyauth_testkit::server::Fault;
//!
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! let emu = AigcEmulator::start().await;
//! emu.add_user("alice", &["admin"], &["user:read"]);
//! let token = emu.issue_token("alice").unwrap();
//! // Point an AIGC client at emu.base_url() with app id emu.app_id() and secret
//! // emu.app_secret(); then:
//! assert_eq!(emu.calls("/user/info"), 0);
//! emu.server().inject(Fault::status(503).on_path(AigcEmulator::path("/user/info")).times(1));
//! # let _ = token;
//! # });
//! ```

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use serde_json::{Map, Value, json};

use crate::server::Emulator;

mod sync;
use sync::{sync_batch, sync_one};

/// The default application id of the emulator (numeric, as the auth center's are).
pub const APP_ID: &str = "1001";
/// The default application secret of the emulator.
pub const APP_SECRET: &str = "aigc-emulator-secret";

/// A user the emulator knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmulatedUser {
    /// Integer id (assigned by [`AigcEmulator::add_user`]).
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Display name.
    pub nickname: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Role codes.
    pub roles: Vec<String>,
    /// Permission codes (`prefix:*` wildcards honoured by `/permission/check`).
    pub permissions: Vec<String>,
    /// Administrator flag.
    pub is_admin: bool,
    /// `active` or `disabled` (a disabled user's token gets code 403).
    pub status: String,
}

impl EmulatedUser {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "username": self.username,
            "nickname": self.nickname,
            "email": self.email,
            "phone": null,
            "avatar": null,
            "roles": self.roles,
            "permissions": self.permissions,
            "groups": [],
            "department": null,
            "company": null,
            "isAdmin": self.is_admin,
            "is_admin": self.is_admin,
            "status": self.status,
        })
    }
}

/// One upload received on `/sdk/stats/report/batch`.
#[derive(Clone, Debug, PartialEq)]
pub struct StatsReport {
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The `X-App-Id` header.
    pub app_id: Option<String>,
    /// The body (`{"stats": [...]}`).
    pub body: Value,
}

#[derive(Clone, Debug)]
struct KeySeed {
    key_type: String,
    app_id: Option<String>,
    user_id: Option<i64>,
    name: Option<String>,
}

#[derive(Debug, Default)]
struct State0 {
    users: Vec<EmulatedUser>,
    tokens: HashMap<String, (i64, SystemTime)>,
    keys: HashMap<String, KeySeed>,
    stats: Vec<StatsReport>,
    trace_ids: Vec<String>,
    webhooks: HashMap<i64, Value>,
    last_sync_headers: Option<HeaderMap>,
    /// username → index in `users`, so syncing many users stays O(1) per user.
    by_name: HashMap<String, usize>,
    max_id: i64,
    /// username → (`password` or `password_hashed`, value) of users created by a sync call.
    synced_passwords: HashMap<String, (String, String)>,
    /// The application code `/user/info` answers carry, when set.
    app_code: Option<String>,
}

impl State0 {
    fn find(&self, username: &str) -> Option<&EmulatedUser> {
        self.by_name.get(username).and_then(|i| self.users.get(*i))
    }

    fn push(&mut self, user: EmulatedUser) {
        self.max_id = self.max_id.max(user.id);
        self.by_name.insert(user.username.clone(), self.users.len());
        self.users.push(user);
    }
}

#[derive(Debug)]
struct Shared {
    app_id: String,
    app_secret: String,
    seq: AtomicU64,
    state: Mutex<State0>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State0> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn next(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// A running AIGC auth center emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct AigcEmulator {
    server: Emulator,
    shared: Arc<Shared>,
}

impl AigcEmulator {
    /// Starts an emulator with [`APP_ID`] and [`APP_SECRET`].
    pub async fn start() -> Self {
        Self::start_with(APP_ID, APP_SECRET).await
    }

    /// Starts an emulator accepting the given application credentials.
    pub async fn start_with(app_id: &str, app_secret: &str) -> Self {
        let shared = Arc::new(Shared {
            app_id: app_id.to_owned(),
            app_secret: app_secret.to_owned(),
            seq: AtomicU64::new(0),
            state: Mutex::new(State0::default()),
        });
        let router = Router::new()
            .route("/sdk/{*endpoint}", post(dispatch))
            .with_state(shared.clone());
        AigcEmulator {
            server: Emulator::serve(router).await,
            shared,
        }
    }

    /// The API prefix to configure as the client's base URL (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The accepted application id.
    pub fn app_id(&self) -> &str {
        &self.shared.app_id
    }

    /// The accepted application secret.
    pub fn app_secret(&self) -> &str {
        &self.shared.app_secret
    }

    /// The underlying server: fault injection, raw call counters.
    pub fn server(&self) -> &Emulator {
        &self.server
    }

    /// The full path of an endpoint: `path("/user/info")` is `/sdk/user/info`.
    pub fn path(endpoint: &str) -> String {
        format!("/sdk{endpoint}")
    }

    /// Calls received on an endpoint (`"/user/info"`), faulted ones included.
    pub fn calls(&self, endpoint: &str) -> u64 {
        self.server.calls(&Self::path(endpoint))
    }

    /// Adds (or replaces, by username) an active, non-admin user; returns its id.
    pub fn add_user(&self, username: &str, roles: &[&str], permissions: &[&str]) -> i64 {
        self.upsert_user(EmulatedUser {
            id: 0,
            username: username.to_owned(),
            nickname: Some(format!("{username} (nick)")),
            email: Some(format!("{username}@example.com")),
            roles: roles.iter().map(|s| s.to_string()).collect(),
            permissions: permissions.iter().map(|s| s.to_string()).collect(),
            is_admin: false,
            status: "active".to_owned(),
        })
    }

    /// Adds or replaces (by username) a user; an `id` of 0 gets the next free id (an
    /// existing user keeps its id). Returns the id.
    pub fn upsert_user(&self, mut user: EmulatedUser) -> i64 {
        let mut s = self.shared.lock();
        if let Some(i) = s.by_name.get(&user.username).copied()
            && let Some(existing) = s.users.get_mut(i)
        {
            user.id = existing.id;
            *existing = user;
            return existing.id;
        }
        if user.id == 0 {
            user.id = s.max_id + 1;
        }
        let id = user.id;
        s.push(user);
        id
    }

    /// The user named `username`, if known.
    pub fn user(&self, username: &str) -> Option<EmulatedUser> {
        self.shared.lock().find(username).cloned()
    }

    /// How a synced user's password arrived: (`"password"` or `"password_hashed"`, value).
    pub fn synced_password(&self, username: &str) -> Option<(String, String)> {
        self.shared.lock().synced_passwords.get(username).cloned()
    }

    /// Number of users (added or synced through `/sync/user` and `/sync/batch`).
    pub fn user_count(&self) -> usize {
        self.shared.lock().users.len()
    }

    /// Sends a webhook as the auth center does: `POST url` with the body
    /// `{"event": event, "data": data}`, `X-Webhook-Event`, and `X-Webhook-Signature` = lower-case
    /// hex HMAC-SHA256(secret, body) (computed here independently of the client crate).
    /// `url` must be a plain `http://` loopback URL. Returns the HTTP status and the body.
    pub async fn deliver_webhook(
        &self,
        url: &str,
        secret: &str,
        event: &str,
        data: Value,
    ) -> std::io::Result<(u16, String)> {
        let body = serde_json::to_string(&json!({ "event": event, "data": data }))
            .map_err(std::io::Error::other)?;
        let signature = hmac_sha256_hex(secret.as_bytes(), body.as_bytes());
        post_raw(
            url,
            &[
                ("X-Webhook-Signature", &signature),
                ("X-Webhook-Event", event),
            ],
            body.as_bytes(),
        )
        .await
    }

    /// Sets a user's status (`disabled` makes `/user/info` answer code 403).
    pub fn set_status(&self, username: &str, status: &str) {
        let mut s = self.shared.lock();
        if let Some(u) = s.users.iter_mut().find(|u| u.username == username) {
            u.status = status.to_owned();
        }
    }

    /// A token for `username` valid for one hour, or `None` for an unknown user.
    pub fn issue_token(&self, username: &str) -> Option<String> {
        self.issue_token_for(username, Duration::from_secs(3600))
    }

    /// A token for `username` valid for `ttl` (zero gives an already expired token).
    pub fn issue_token_for(&self, username: &str, ttl: Duration) -> Option<String> {
        let id = self.user(username)?.id;
        let token = format!("aigc_tok_{}_{}", self.shared.next(), nanos());
        let expires = SystemTime::now() + ttl;
        self.shared
            .lock()
            .tokens
            .insert(token.clone(), (id, expires));
        Some(token)
    }

    /// Revokes a token.
    pub fn revoke_token(&self, token: &str) {
        self.shared.lock().tokens.remove(token);
    }

    /// Adds an access key of `key_type` (`user`, `app`, `global` or anything else) and returns
    /// it (`ak_...`). `app_id` is the key's application (app keys); `username` its user (user
    /// keys).
    pub fn add_access_key(
        &self,
        key_type: &str,
        app_id: Option<&str>,
        username: Option<&str>,
    ) -> String {
        let user_id = username.and_then(|n| self.user(n)).map(|u| u.id);
        let key = format!("ak_emu{}_{}", self.shared.next(), nanos());
        self.shared.lock().keys.insert(
            key.clone(),
            KeySeed {
                key_type: key_type.to_owned(),
                app_id: app_id.map(str::to_owned),
                user_id,
                name: Some(format!("{key_type} key")),
            },
        );
        key
    }

    /// Revokes an access key.
    pub fn revoke_access_key(&self, key: &str) {
        self.shared.lock().keys.remove(key);
    }

    /// The stats uploads received so far.
    pub fn stats_reports(&self) -> Vec<StatsReport> {
        self.shared.lock().stats.clone()
    }

    /// Every `X-Trace-ID` received, in order.
    pub fn trace_ids(&self) -> Vec<String> {
        self.shared.lock().trace_ids.clone()
    }

    /// The headers of the last `/sync/user` or `/sync/batch` call.
    pub fn last_sync_headers(&self) -> Option<HeaderMap> {
        self.shared.lock().last_sync_headers.clone()
    }

    /// The registered webhooks (`{url, events, secret}` by id).
    pub fn webhooks(&self) -> HashMap<i64, Value> {
        self.shared.lock().webhooks.clone()
    }

    /// Makes `/user/info` answers carry the application's code as `appCode`, `app_code` and
    /// `app: {"code"}` (the shapes `polyauth_aigc::context::current_app_code` reads), or
    /// none of them (`None`, the default: the 1.1.45 answer has no app code).
    pub fn set_app_code(&self, code: Option<&str>) {
        self.shared.lock().app_code = code.map(str::to_owned);
    }
}

/// Lower-case hex HMAC-SHA256 (RFC 2104 over SHA-256), independent of the `hmac` crate.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| block.iter().map(|k| k ^ b).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    outer.iter().map(|b| format!("{b:02x}")).collect()
}

/// A minimal HTTP/1.1 `POST` over a fresh loopback connection; returns status and body.
async fn post_raw(
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let u = url::Url::parse(url).map_err(std::io::Error::other)?;
    let host = u.host_str().unwrap_or("127.0.0.1").to_owned();
    let port = u.port_or_known_default().unwrap_or(80);
    let mut stream = tokio::net::TcpStream::connect((host.as_str(), port)).await?;
    let mut head = format!(
        "POST {} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        u.path(),
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

fn nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

fn ok(data: Value) -> axum::Json<Value> {
    axum::Json(json!({ "code": 0, "message": "success", "data": data }))
}

fn fail(code: i64, message: &str) -> axum::Json<Value> {
    axum::Json(json!({ "code": code, "message": message, "data": null }))
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn permission_matches(held: &str, wanted: &str) -> bool {
    held == wanted
        || held == "*"
        || held
            .strip_suffix('*')
            .is_some_and(|p| p.ends_with(':') && wanted.starts_with(p))
}

async fn dispatch(
    State(shared): State<Arc<Shared>>,
    Path(endpoint): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::Json<Value> {
    if let Some(trace) = header(&headers, "x-trace-id") {
        shared.lock().trace_ids.push(trace);
    }
    let app_ok = header(&headers, "x-app-id").as_deref() == Some(shared.app_id.as_str())
        && header(&headers, "x-app-secret").as_deref() == Some(shared.app_secret.as_str());
    if !app_ok {
        return fail(401, "应用认证失败");
    }
    let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(&body) else {
        return fail(400, "请求体不是 JSON 对象");
    };
    let s = &shared;
    match endpoint.as_str() {
        "token/verify" => token_verify(s, &req),
        "user/info" => user_info(s, &req),
        "permission/check" => permission_check(s, &req),
        "access-key/verify" => access_key_verify(s, &req),
        "access-key/create" => access_key_create(s, &req),
        "users/batch" => users_batch(s, &req),
        "users/batch-by-ids" => users_batch_by_ids(s, &req),
        "users/list" => users_list(s, &req),
        "users/compare-identity" => compare_identity(s, &req),
        "users/authorize-by-token" => authorize_by_token(s, &req),
        "groups/list" => ok(json!({ "items": [
            { "id": 1, "name": "Editors", "code": "editors", "description": "Edit things" },
            { "id": 2, "name": "Viewers", "code": "viewers", "description": null },
        ]})),
        "sync/user" => {
            s.lock().last_sync_headers = Some(headers.clone());
            sync_one(s, &req)
        }
        "sync/batch" => {
            s.lock().last_sync_headers = Some(headers.clone());
            sync_batch(s, &req)
        }
        "webhook/register" => {
            let id = s.next() as i64;
            s.lock().webhooks.insert(id, Value::Object(req));
            ok(json!({ "webhook_id": id, "success": true }))
        }
        "webhook/unregister" => {
            let id = req.get("webhookId").and_then(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|t| t.parse().ok()))
            });
            match id.and_then(|id| s.lock().webhooks.remove(&id)) {
                Some(_) => ok(json!({ "success": true })),
                None => fail(404, "webhook 不存在"),
            }
        }
        "stats/report/batch" => {
            s.lock().stats.push(StatsReport {
                authorization: header(&headers, "authorization"),
                app_id: header(&headers, "x-app-id"),
                body: Value::Object(req),
            });
            ok(json!({ "received": true }))
        }
        _ => fail(404, "接口不存在"),
    }
}

/// The user of a valid, unexpired token.
fn token_user(s: &Shared, token: Option<&Value>) -> Option<(EmulatedUser, SystemTime)> {
    let token = token?.as_str()?;
    let st = s.lock();
    let (id, expires) = *st.tokens.get(token)?;
    if expires <= SystemTime::now() {
        return None;
    }
    st.users
        .iter()
        .find(|u| u.id == id)
        .cloned()
        .map(|u| (u, expires))
}

fn token_verify(s: &Shared, req: &Map<String, Value>) -> axum::Json<Value> {
    match token_user(s, req.get("token")) {
        Some((u, expires)) => ok(json!({
            "valid": true,
            "userId": u.id,
            "username": u.username,
            "expiresAt": expires.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
        })),
        None => ok(json!({ "valid": false })),
    }
}

fn user_info(s: &Shared, req: &Map<String, Value>) -> axum::Json<Value> {
    match token_user(s, req.get("token")) {
        Some((u, _)) if u.status != "active" => fail(403, "用户已被禁用"),
        Some((u, _)) => {
            let mut user = u.to_json();
            if let (Some(code), Value::Object(obj)) = (s.lock().app_code.clone(), &mut user) {
                obj.insert("appCode".into(), json!(code));
                obj.insert("app_code".into(), json!(code));
                obj.insert("app".into(), json!({ "id": s.app_id, "code": code }));
            }
            ok(user)
        }
        None => fail(401, "Token 无效或已过期"),
    }
}

fn permission_check(s: &Shared, req: &Map<String, Value>) -> axum::Json<Value> {
    let Some((u, _)) = token_user(s, req.get("token")) else {
        return fail(401, "Token 无效或已过期");
    };
    let codes = req
        .get("permissionCodes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let results: Map<String, Value> = codes
        .iter()
        .filter_map(Value::as_str)
        .map(|c| {
            let held = u.permissions.iter().any(|p| permission_matches(p, c));
            (c.to_owned(), Value::Bool(held))
        })
        .collect();
    ok(json!({ "results": results }))
}

fn access_key_verify(s: &Shared, req: &Map<String, Value>) -> axum::Json<Value> {
    let key = req
        .get("accessKey")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let st = s.lock();
    let Some(seed) = st.keys.get(key) else {
        return ok(json!({ "valid": false }));
    };
    let user = seed
        .user_id
        .and_then(|id| st.users.iter().find(|u| u.id == id));
    let app_id = seed.app_id.as_ref().map(|a| {
        a.parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(a.clone()))
    });
    ok(json!({
        "valid": true,
        "keyType": seed.key_type,
        "keyId": 1,
        "keyName": seed.name,
        "appId": app_id,
        "userId": user.map(|u| u.id),
        "username": user.map(|u| u.username.clone()),
        "nickname": user.and_then(|u| u.nickname.clone()),
        "email": user.and_then(|u| u.email.clone()),
        "isAdmin": user.is_some_and(|u| u.is_admin),
    }))
}

fn access_key_create(s: &Shared, req: &Map<String, Value>) -> axum::Json<Value> {
    let Some((u, _)) = token_user(s, req.get("token")) else {
        return fail(401, "Token 无效或已过期");
    };
    let n = s.next();
    let key = format!("ak_user{n}_{}", nanos());
    let name = req.get("name").and_then(Value::as_str).map(str::to_owned);
    s.lock().keys.insert(
        key.clone(),
        KeySeed {
            key_type: "user".into(),
            app_id: None,
            user_id: Some(u.id),
            name: name.clone(),
        },
    );
    ok(json!({
        "keyId": n, "key": key, "keyPrefix": &key[..8], "keyType": "user",
        "userId": u.id, "name": name, "createdAt": "2025-01-01T00:00:00Z",
    }))
}

fn users_batch(s: &Shared, req: &Map<String, Value>) -> axum::Json<Value> {
    let names: Vec<String> = req
        .get("usernames")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let st = s.lock();
    let mut users = Vec::new();
    let mut not_found = Vec::new();
    for n in names {
        match st.users.iter().find(|u| u.username == n) {
            Some(u) => users.push(u.to_json()),
            None => not_found.push(Value::String(n)),
        }
    }
    ok(json!({ "users": users, "items": users, "not_found": not_found }))
}

fn users_batch_by_ids(s: &Shared, req: &Map<String, Value>) -> axum::Json<Value> {
    let ids: Vec<i64> = req
        .get("userIds")
        .or_else(|| req.get("user_ids"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let st = s.lock();
    let users: Vec<Value> = ids
        .iter()
        .map(|id| match st.users.iter().find(|u| u.id == *id) {
            Some(u) => u.to_json(),
            None => json!({ "id": id, "username": "未知用户", "nickname": "未知用户",
                            "roles": [], "permissions": [] }),
        })
        .collect();
    ok(json!({ "users": users, "items": users }))
}

fn users_list(s: &Shared, req: &Map<String, Value>) -> axum::Json<Value> {
    let keyword = req
        .get("keyword")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let page = req.get("page").and_then(Value::as_u64).unwrap_or(1).max(1) as usize;
    let size = req
        .get("pageSize")
        .and_then(Value::as_u64)
        .unwrap_or(20)
        .max(1) as usize;
    let st = s.lock();
    let matching: Vec<&EmulatedUser> = st
        .users
        .iter()
        .filter(|u| {
            keyword.is_empty()
                || u.username.contains(keyword)
                || u.nickname.as_deref().is_some_and(|n| n.contains(keyword))
        })
        .collect();
    let items: Vec<Value> = matching
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .map(|u| u.to_json())
        .collect();
    ok(json!({ "total": matching.len(), "items": items }))
}

fn compare_identity(s: &Shared, req: &Map<String, Value>) -> axum::Json<Value> {
    match (
        token_user(s, req.get("sourceToken")),
        token_user(s, req.get("targetToken")),
    ) {
        (Some((a, _)), Some((b, _))) => ok(json!({ "sameUser": a.id == b.id })),
        _ => fail(401, "Token 无效或已过期"),
    }
}

fn authorize_by_token(s: &Shared, req: &Map<String, Value>) -> axum::Json<Value> {
    match token_user(s, req.get("sourceToken")) {
        Some((u, _)) => ok(u.to_json()),
        None => fail(401, "Token 无效或已过期"),
    }
}
