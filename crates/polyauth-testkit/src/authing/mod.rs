//! An emulator of Authing v2 on loopback: GraphQL at `/graphql/v2` (documents parsed with a
//! real GraphQL parser and dispatched on the root field, answers projected onto the selection
//! set), the REST routes under `/api/v2`, and the OIDC endpoints under `/oidc`.
//!
//! - An in-memory user pool with roles, groups, custom data (UDV), authorized resources and
//!   policies.
//! - Passwords arrive RSA PKCS#1 v1.5 encrypted; the emulator decrypts them with
//!   [`ENC_PRIVATE_PEM`], so clients must be configured with [`ENC_PUBLIC_PEM`].
//! - User tokens are JWTs (RS256 with kid [`KID`] by default, published at
//!   `/oidc/.well-known/jwks.json`; or HS256 with a configured secret) and are tracked as
//!   sessions, so logouts are visible to online checks.
//! - A per-operation call counter ([`AuthingEmulator::op_calls`]), the last variables per
//!   operation, and fault injection through [`AuthingEmulator::emulator`].
//!
//! Error codes follow Authing: 2000 captcha required, 2001 wrong code, 2004 user not found,
//! 2020 not logged in, 2026 user exists, 2206 login expired, 2333 wrong password.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use graphql_parser::query as q;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::jwks::SigningKey;
use crate::server::Emulator;

/// Private half of the emulator's password-encryption key (RSA-1024, PKCS#8 PEM).
pub const ENC_PRIVATE_PEM: &str = include_str!("../keys/authing_private.pem");
/// Public half: configure clients with it as `enc_public_key`.
pub const ENC_PUBLIC_PEM: &str = include_str!("../keys/authing_public.pem");
/// Key id of the RS256 token-signing key.
pub const KID: &str = "authing-emulator";
/// The captcha answer the emulator accepts when captchas are required.
pub const CAPTCHA_ANSWER: &str = "CAPTCHA-OK";

/// Settings of an [`AuthingEmulator`].
#[derive(Clone, Debug)]
pub struct EmulatorOptions {
    /// Application id (OIDC client id, token audience).
    pub app_id: String,
    /// Application secret.
    pub app_secret: String,
    /// User pool id.
    pub user_pool_id: String,
    /// User pool secret (for the management token).
    pub pool_secret: String,
    /// Management token lifetime, seconds.
    pub management_token_ttl_seconds: i64,
    /// User token lifetime, seconds.
    pub user_token_ttl_seconds: i64,
    /// Sign user tokens with HS256 and this secret instead of RS256.
    pub hs256_secret: Option<String>,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            app_id: "emu-app".into(),
            app_secret: "emu-app-secret".into(),
            user_pool_id: "emu-pool".into(),
            pool_secret: "emu-pool-secret".into(),
            management_token_ttl_seconds: 7200,
            user_token_ttl_seconds: 3600,
            hs256_secret: None,
        }
    }
}

/// A user to seed the pool with.
#[derive(Clone, Debug, Default)]
pub struct SeedUser {
    /// Username.
    pub username: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Plaintext password.
    pub password: Option<String>,
    /// Role codes (namespace `default`).
    pub roles: Vec<String>,
    /// Actions of one authorized resource in namespace `default` (permissions).
    pub permissions: Vec<String>,
    /// Group codes.
    pub groups: Vec<String>,
}

#[derive(Clone, Debug, Default)]
struct UserRec {
    id: String,
    username: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    password: Option<String>,
    nickname: Option<String>,
    photo: Option<String>,
    company: Option<String>,
    external_id: Option<String>,
    status: String,
    created_at: String,
    archived: bool,
    logins: i64,
    roles: Vec<(String, String)>,
    groups: Vec<String>,
    udv: BTreeMap<String, (String, String)>,
    resources: Vec<(String, String, String, Vec<String>)>,
    policies: Vec<String>,
    extra: Map<String, Value>,
}

#[derive(Clone, Debug)]
struct AuthCode {
    user_id: String,
    redirect_uri: String,
    challenge: Option<String>,
    scope: String,
    nonce: Option<String>,
}

#[derive(Debug, Default)]
struct Db {
    users: Vec<UserRec>,
    sessions: HashMap<String, (String, i64)>,
    mgmt_tokens: HashMap<String, i64>,
    sms_codes: HashMap<String, String>,
    email_codes: HashMap<String, String>,
    auth_codes: HashMap<String, AuthCode>,
    refresh_tokens: HashMap<String, (String, String)>,
    captcha_required: bool,
    calls: HashMap<String, u64>,
    last_vars: HashMap<String, Value>,
    next_id: u64,
    /// Claims merged over every id_token the OIDC token endpoint issues.
    id_token_overrides: Map<String, Value>,
    /// The `exp` the `accessToken` query answers with instead of the real one.
    management_exp_override: Option<i64>,
    /// Canned answers: path → (HTTP status, JSON body), served instead of the route.
    json_faults: HashMap<String, (u16, Value)>,
    /// Every user token the emulator ever issued (logged out or expired ones included).
    issued: HashSet<String>,
    /// `checkLoginStatus` requests about a token in `issued`.
    issued_checks: u64,
}

struct Shared {
    options: EmulatorOptions,
    db: Mutex<Db>,
    enc_key: rsa::RsaPrivateKey,
    signing: SigningKey,
    encoding: EncodingKey,
    base: Mutex<String>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

type Fail = (i64, String);

fn fail(code: i64, msg: &str) -> Fail {
    (code, msg.to_owned())
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn random_hex(n: usize) -> String {
    (0..n)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

impl Shared {
    fn db(&self) -> MutexGuard<'_, Db> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn decrypt(&self, cipher: &str) -> Result<String, Fail> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(cipher)
            .map_err(|_| fail(400, "password is not base64"))?;
        let plain = self
            .enc_key
            .decrypt(rsa::Pkcs1v15Encrypt, &bytes)
            .map_err(|_| fail(400, "password could not be decrypted"))?;
        String::from_utf8(plain).map_err(|_| fail(400, "password is not UTF-8"))
    }

    fn sign(&self, user_id: &str, ttl: i64, extra: Map<String, Value>) -> String {
        let iat = now();
        let mut claims = json!({
            "sub": user_id, "aud": self.options.app_id,
            "iss": format!("{}/oidc", self.base.lock().unwrap_or_else(|p| p.into_inner())),
            "iat": iat, "exp": iat + ttl,
            "data": {"id": user_id, "userPoolId": self.options.user_pool_id},
            "jti": random_hex(8),
        });
        if let Value::Object(m) = &mut claims {
            m.extend(extra);
        }
        let (header, key) = match &self.options.hs256_secret {
            Some(s) => (
                Header::new(Algorithm::HS256),
                EncodingKey::from_secret(s.as_bytes()),
            ),
            None => {
                let mut h = Header::new(Algorithm::RS256);
                h.kid = Some(KID.to_owned());
                (h, self.encoding.clone())
            }
        };
        jsonwebtoken::encode(&header, &claims, &key).unwrap_or_default()
    }

    fn issue_session(&self, db: &mut Db, user_id: &str, ttl: i64) -> String {
        let token = self.sign(user_id, ttl, Map::new());
        db.issued.insert(token.clone());
        db.sessions
            .insert(token.clone(), (user_id.to_owned(), now() + ttl));
        token
    }
}

fn user_json(u: &UserRec, token: Option<&str>, pool: &str) -> Value {
    let mut v = json!({
        "id": u.id, "arn": format!("arn:cn:authing:{pool}:user:{}", u.id), "userPoolId": pool,
        "status": u.status, "username": u.username, "email": u.email, "emailVerified": false,
        "phone": u.phone, "phoneVerified": false, "unionid": null, "openid": null,
        "nickname": u.nickname, "registerSource": ["import:manual"], "photo": u.photo,
        "password": u.password.as_ref().map(|_| "hashed"), "oauth": null, "token": token,
        "tokenExpiredAt": null, "loginsCount": u.logins, "lastLogin": null, "lastIP": null,
    });
    let more = json!({
        "signedUp": u.created_at, "blocked": false, "isDeleted": false, "device": null,
        "browser": null, "company": u.company, "name": null, "givenName": null,
        "familyName": null, "middleName": null, "profile": null, "preferredUsername": null,
        "website": null, "gender": "U", "birthdate": null, "zoneinfo": null, "locale": null,
        "address": null, "formatted": null, "streetAddress": null, "locality": null,
        "region": null, "postalCode": null, "city": null, "province": null, "country": null,
        "createdAt": u.created_at, "updatedAt": u.created_at, "externalId": u.external_id,
        "identities": [],
        "customData": udv_list(u),
    });
    if let (Value::Object(m), Value::Object(more)) = (&mut v, more) {
        m.extend(more);
    }
    if let Value::Object(m) = &mut v {
        for (k, val) in &u.extra {
            m.insert(k.clone(), val.clone());
        }
    }
    v
}

fn udv_list(u: &UserRec) -> Value {
    Value::Array(
        u.udv
            .iter()
            .map(|(k, (t, v))| json!({"key": k, "dataType": t, "value": v, "label": k}))
            .collect(),
    )
}

fn data_type_of(wire: &str) -> &'static str {
    match serde_json::from_str::<Value>(wire) {
        Ok(Value::Number(_)) => "NUMBER",
        Ok(Value::Bool(_)) => "BOOLEAN",
        Ok(Value::Object(_)) | Ok(Value::Array(_)) => "OBJECT",
        _ => "STRING",
    }
}

/// A running Authing emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct AuthingEmulator {
    emulator: Emulator,
    shared: Arc<Shared>,
}

impl AuthingEmulator {
    /// Starts with default options.
    pub async fn start() -> AuthingEmulator {
        Self::start_with(EmulatorOptions::default()).await
    }

    /// Starts with `options`. Panics when the built-in test keys do not parse (a broken
    /// test kit).
    #[allow(clippy::expect_used)]
    pub async fn start_with(options: EmulatorOptions) -> AuthingEmulator {
        use rsa::pkcs8::DecodePrivateKey;
        let enc_key =
            rsa::RsaPrivateKey::from_pkcs8_pem(ENC_PRIVATE_PEM).expect("emulator RSA key");
        let signing = SigningKey::new(KID, Algorithm::RS256, crate::keys::RSA_PRIVATE_PEM);
        let encoding = EncodingKey::from_rsa_pem(crate::keys::RSA_PRIVATE_PEM.as_bytes())
            .expect("signing key");
        let shared = Arc::new(Shared {
            options,
            db: Mutex::new(Db::default()),
            enc_key,
            signing,
            encoding,
            base: Mutex::new(String::new()),
        });
        let router = Router::new()
            .route("/graphql/v2", post(graphql))
            .route("/api/v2/users/me", get(rest_me))
            .route("/api/v2/logout", get(rest_logout))
            .route("/api/v2/sms/send", post(rest_sms))
            .route("/api/v2/ldap/verify-user", post(rest_directory_login))
            .route("/api/v2/ad/verify-user", post(rest_directory_login))
            .route("/api/v2/users/link", post(rest_link))
            .route("/api/v2/users/unlink", post(rest_link))
            .route("/api/v2/users/me/security-level", get(rest_security_level))
            .route(
                "/api/v2/users/me/applications/allowed",
                get(rest_applications),
            )
            .route("/api/v2/users/me/orgs", get(rest_my_orgs))
            .route("/api/v2/users/kick", post(rest_kick))
            .route("/api/v2/users/login-status", get(rest_login_status))
            .route("/api/v2/users/{id}", get(rest_user_detail))
            .route("/api/v2/users/{id}/has-role", get(rest_has_role))
            .route("/api/v2/users/{id}/orgs", get(rest_user_orgs))
            .route("/api/v2/analysis/user-action", get(rest_user_actions))
            .route("/logout", get(rest_mgmt_logout))
            .route("/cas-idp/{app}/serviceValidate", get(rest_cas_validate))
            .route("/cas/session", get(rest_cas_session))
            .route(
                "/connection/social/{conn}/{pool}/callback",
                get(rest_wechat),
            )
            .route("/oidc/auth", get(oidc_auth))
            .route("/oidc/token", post(oidc_token))
            .route("/oidc/token/introspection", post(oidc_introspect))
            .route("/oidc/token/revocation", post(oidc_revoke))
            .route("/oidc/me", get(oidc_me).post(oidc_me))
            .route("/oidc/.well-known/jwks.json", get(oidc_jwks))
            .route("/api/v2/oidc/validate_token", get(oidc_validate))
            .with_state(shared.clone())
            .layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                json_fault_layer,
            ));
        let emulator = Emulator::serve(router).await;
        *shared.base.lock().unwrap_or_else(|p| p.into_inner()) = emulator.base_url();
        AuthingEmulator { emulator, shared }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.emulator.base_url()
    }

    /// The underlying emulator (per-path counters, fault injection).
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// The options.
    pub fn options(&self) -> &EmulatorOptions {
        &self.shared.options
    }

    /// Adds a user; returns its id.
    pub fn add_user(&self, seed: SeedUser) -> String {
        let mut db = self.shared.db();
        let id = new_user(&mut db);
        let rec = UserRec {
            id: id.clone(),
            username: seed.username,
            email: seed.email,
            phone: seed.phone,
            password: seed.password,
            roles: seed
                .roles
                .into_iter()
                .map(|r| ("default".into(), r))
                .collect(),
            groups: seed.groups,
            resources: if seed.permissions.is_empty() {
                Vec::new()
            } else {
                vec![(
                    "default".into(),
                    "resource".into(),
                    "DATA".into(),
                    seed.permissions,
                )]
            },
            ..fresh_user(&id)
        };
        db.users.push(rec);
        id
    }

    /// The id of the user with this username.
    pub fn user_id(&self, username: &str) -> Option<String> {
        self.shared
            .db()
            .users
            .iter()
            .find(|u| u.username.as_deref() == Some(username))
            .map(|u| u.id.clone())
    }

    /// Issues a login token for a user, valid for `ttl_seconds` (negative: already expired).
    pub fn issue_token(&self, user_id: &str, ttl_seconds: i64) -> String {
        let mut db = self.shared.db();
        self.shared.issue_session(&mut db, user_id, ttl_seconds)
    }

    /// The last SMS code sent to a phone.
    pub fn sms_code(&self, phone: &str) -> Option<String> {
        self.shared.db().sms_codes.get(phone).cloned()
    }

    /// Sets an SMS code for a phone (as if one was sent).
    pub fn set_sms_code(&self, phone: &str, code: &str) {
        self.shared.db().sms_codes.insert(phone.into(), code.into());
    }

    /// The last e-mail code sent to an address.
    pub fn email_code(&self, email: &str) -> Option<String> {
        self.shared.db().email_codes.get(email).cloned()
    }

    /// Makes password logins demand a captcha (code 2000) unless `captchaCode` is
    /// [`CAPTCHA_ANSWER`].
    pub fn require_captcha(&self, required: bool) {
        self.shared.db().captcha_required = required;
    }

    /// Forgets every management token (the next management call fails with 2020 once).
    pub fn expire_management_tokens(&self) {
        self.shared.db().mgmt_tokens.clear();
    }

    /// Merges `claims` over every id_token issued from now on (for example a foreign `nonce`
    /// or `aud`, to check that clients verify id_tokens); an empty map stops it.
    pub fn set_id_token_overrides(&self, claims: Map<String, Value>) {
        self.shared.db().id_token_overrides = claims;
    }

    /// Makes the `accessToken` query answer with this `exp` (unix seconds) instead of the
    /// real expiry (`None` restores it). The token itself stays valid for the configured TTL.
    pub fn set_management_token_exp(&self, exp: Option<i64>) {
        self.shared.db().management_exp_override = exp;
    }

    /// Answers every request to `path` with `status` and the JSON `body` (an outage page of
    /// the Authing gateway, a canned GraphQL answer) until [`clear_json_faults`] is called.
    /// The request is not handled, but it is counted per path by [`emulator`](Self::emulator).
    ///
    /// [`clear_json_faults`]: Self::clear_json_faults
    pub fn fail_with_json(&self, path: &str, status: u16, body: Value) {
        self.shared
            .db()
            .json_faults
            .insert(path.to_owned(), (status, body));
    }

    /// Removes every [`fail_with_json`](Self::fail_with_json) answer.
    pub fn clear_json_faults(&self) {
        self.shared.db().json_faults.clear();
    }

    /// How many GraphQL requests named this operation (or, for anonymous documents, this
    /// root field) arrived.
    pub fn op_calls(&self, operation: &str) -> u64 {
        self.shared.db().calls.get(operation).copied().unwrap_or(0)
    }

    /// How many `checkLoginStatus` requests asked about a token this emulator issued (as
    /// opposed to garbage a client could not check locally): zero when every real token was
    /// verified locally.
    pub fn online_checks_of_issued_tokens(&self) -> u64 {
        self.shared.db().issued_checks
    }

    /// The variables of the last request of an operation.
    pub fn last_variables(&self, operation: &str) -> Option<Value> {
        self.shared.db().last_vars.get(operation).cloned()
    }

    /// The plaintext password the emulator stores for a user (to check decryption).
    pub fn stored_password(&self, user_id: &str) -> Option<String> {
        self.shared
            .db()
            .users
            .iter()
            .find(|u| u.id == user_id)
            .and_then(|u| u.password.clone())
    }

    /// Sets a custom-data value directly.
    pub fn set_custom_data(&self, user_id: &str, key: &str, value: &Value) {
        if let Some(u) = self.shared.db().users.iter_mut().find(|u| u.id == user_id) {
            let wire = value.to_string();
            u.udv.insert(key.into(), (data_type_of(&wire).into(), wire));
        }
    }
}

async fn json_fault_layer(
    State(s): State<Arc<Shared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let canned = s.db().json_faults.get(request.uri().path()).cloned();
    match canned {
        Some((status, body)) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Json(body),
        )
            .into_response(),
        None => next.run(request).await,
    }
}

fn new_user(db: &mut Db) -> String {
    db.next_id += 1;
    format!("u{:06}{}", db.next_id, random_hex(4))
}

fn fresh_user(id: &str) -> UserRec {
    UserRec {
        id: id.to_owned(),
        status: "Activated".into(),
        created_at: "2024-01-01T00:00:00.000Z".into(),
        ..Default::default()
    }
}

// ---------- GraphQL ----------

fn gql_error(code: i64, message: &str) -> Response {
    Json(json!({"errors": [{"message": {"code": code, "message": message}}], "data": null}))
        .into_response()
}

fn gql_to_json(v: &q::Value<'_, String>, vars: &Map<String, Value>) -> Value {
    match v {
        q::Value::Variable(name) => vars.get(name).cloned().unwrap_or(Value::Null),
        q::Value::Int(i) => json!(i.as_i64()),
        q::Value::Float(f) => json!(f),
        q::Value::String(s) => json!(s),
        q::Value::Boolean(b) => json!(b),
        q::Value::Null => Value::Null,
        q::Value::Enum(e) => json!(e),
        q::Value::List(l) => Value::Array(l.iter().map(|x| gql_to_json(x, vars)).collect()),
        q::Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), gql_to_json(x, vars)))
                .collect(),
        ),
    }
}

fn fields<'a, 'b>(
    sel: &'b q::SelectionSet<'a, String>,
) -> impl Iterator<Item = &'b q::Field<'a, String>> {
    sel.items.iter().filter_map(|s| match s {
        q::Selection::Field(f) => Some(f),
        _ => None,
    })
}

fn args_of(field: &q::Field<'_, String>, vars: &Map<String, Value>) -> Map<String, Value> {
    field
        .arguments
        .iter()
        .map(|(k, v)| (k.clone(), gql_to_json(v, vars)))
        .collect()
}

/// Keeps the selected fields only (recursively).
fn project(v: &Value, sel: &q::SelectionSet<'_, String>) -> Value {
    if sel.items.is_empty() {
        return v.clone();
    }
    match v {
        Value::Array(items) => Value::Array(items.iter().map(|i| project(i, sel)).collect()),
        Value::Object(m) => {
            let mut out = Map::new();
            for f in fields(sel) {
                let key = f.alias.clone().unwrap_or_else(|| f.name.clone());
                let val = m
                    .get(&f.name)
                    .map_or(Value::Null, |x| project(x, &f.selection_set));
                out.insert(key, val);
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

#[derive(Debug, Clone)]
enum Principal {
    None,
    Management,
    User(String),
    Expired,
    Unknown,
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::to_owned)
}

fn principal(db: &Db, headers: &HeaderMap) -> Principal {
    let Some(t) = bearer(headers) else {
        return Principal::None;
    };
    if let Some(exp) = db.mgmt_tokens.get(&t) {
        return if *exp > now() {
            Principal::Management
        } else {
            Principal::Expired
        };
    }
    match db.sessions.get(&t) {
        Some((id, exp)) if *exp > now() => Principal::User(id.clone()),
        Some(_) => Principal::Expired,
        None => Principal::Unknown,
    }
}

fn need_mgmt(p: &Principal) -> Result<(), Fail> {
    match p {
        Principal::Management => Ok(()),
        Principal::Expired => Err(fail(2206, "登录信息已过期")),
        Principal::User(_) => Err(fail(403, "没有权限")),
        _ => Err(fail(2020, "尚未登录，无访问权限")),
    }
}

/// The acting user: a logged-in user, or the management principal acting on `target`.
fn need_user(p: &Principal, target: Option<&str>) -> Result<Option<String>, Fail> {
    match p {
        Principal::Management => Ok(target.map(str::to_owned)),
        Principal::User(id) => match target {
            Some(t) if t != id => Err(fail(403, "没有权限")),
            _ => Ok(Some(id.clone())),
        },
        Principal::Expired => Err(fail(2206, "登录信息已过期")),
        _ => Err(fail(2020, "尚未登录，无访问权限")),
    }
}

async fn graphql(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"errors": [{"message": "Body is not JSON"}]})),
        )
            .into_response();
    };
    let query = body.get("query").and_then(Value::as_str).unwrap_or("");
    let vars = body
        .get("variables")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let doc = match q::parse_query::<String>(query) {
        Ok(d) => d,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"errors": [{"message": format!("Syntax Error: {e}")}]})),
            )
                .into_response();
        }
    };
    let op = doc.definitions.iter().find_map(|d| match d {
        q::Definition::Operation(op) => Some(op),
        _ => None,
    });
    let (name, sel) = match op {
        Some(q::OperationDefinition::Query(x)) => (x.name.clone(), &x.selection_set),
        Some(q::OperationDefinition::Mutation(x)) => (x.name.clone(), &x.selection_set),
        Some(q::OperationDefinition::SelectionSet(x)) => (None, x),
        _ => {
            return Json(json!({"errors": [{"message": "no operation in the document"}]}))
                .into_response();
        }
    };
    let Some(root) = fields(sel).next() else {
        return Json(json!({"errors": [{"message": "empty selection"}]})).into_response();
    };
    let args = args_of(root, &vars);
    let counter = name.clone().unwrap_or_else(|| root.name.clone());
    let result = {
        let mut db = s.db();
        *db.calls.entry(counter.clone()).or_default() += 1;
        db.last_vars.insert(counter, Value::Object(vars.clone()));
        let p = principal(&db, &headers);
        resolve(&s, &mut db, &p, &root.name, &args, root, &vars)
    };
    match result {
        Ok(v) => {
            let key = root.alias.clone().unwrap_or_else(|| root.name.clone());
            Json(json!({"data": {key: project(&v, &root.selection_set)}})).into_response()
        }
        Err((code, msg)) => gql_error(code, &msg),
    }
}

fn s_arg<'a>(args: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    args.get(k).and_then(Value::as_str)
}

fn find_idx(db: &Db, pred: impl Fn(&UserRec) -> bool) -> Option<usize> {
    db.users.iter().position(|u| !u.archived && pred(u))
}

fn msg_ok(message: &str) -> Value {
    json!({"code": 200, "message": message})
}

fn paged(list: Vec<Value>, page: Option<i64>, limit: Option<i64>) -> Value {
    let total = list.len();
    let limit = limit.unwrap_or(10).max(1) as usize;
    let page = page.unwrap_or(1).max(1) as usize;
    let items: Vec<Value> = list
        .into_iter()
        .skip((page - 1) * limit)
        .take(limit)
        .collect();
    json!({"totalCount": total, "list": items})
}

fn user_relations(
    u: &UserRec,
    sel: &q::Field<'_, String>,
    vars: &Map<String, Value>,
    pool: &str,
) -> Value {
    let mut v = user_json(u, None, pool);
    let Value::Object(m) = &mut v else { return v };
    for f in fields(&sel.selection_set) {
        let a = args_of(f, vars);
        let ns = s_arg(&a, "namespace");
        match f.name.as_str() {
            "roles" => {
                let list: Vec<Value> = u
                    .roles
                    .iter()
                    .filter(|(n, _)| ns.is_none_or(|x| x == n))
                    .map(|(n, c)| json!({"id": format!("role-{c}"), "code": c, "namespace": n, "arn": format!("arn:role:{c}"), "description": null, "createdAt": null, "updatedAt": null, "parent": null}))
                    .collect();
                m.insert(
                    "roles".into(),
                    json!({"totalCount": list.len(), "list": list}),
                );
            }
            "groups" => {
                let list: Vec<Value> = u.groups.iter().map(|g| json!({"code": g, "name": g, "description": null, "createdAt": null, "updatedAt": null})).collect();
                m.insert(
                    "groups".into(),
                    json!({"totalCount": list.len(), "list": list}),
                );
            }
            "authorizedResources" => {
                let rt = s_arg(&a, "resourceType");
                let list: Vec<Value> = u
                    .resources
                    .iter()
                    .filter(|(n, _, t, _)| ns.is_none_or(|x| x == n) && rt.is_none_or(|x| x == t))
                    .map(|(_, c, t, acts)| json!({"code": c, "type": t, "actions": acts}))
                    .collect();
                m.insert(
                    "authorizedResources".into(),
                    json!({"totalCount": list.len(), "list": list}),
                );
            }
            "departments" => {
                m.insert("departments".into(), json!({"totalCount": 1, "list": [{"department": {"id": "dep-root", "orgId": "org-1", "name": "Root", "code": "root", "root": true, "depth": 0, "path": ["dep-root"]}, "isMainDepartment": true, "joinedAt": "2024-01-01T00:00:00.000Z"}]}));
            }
            _ => {}
        }
    }
    v
}

fn set_udv(u: &mut UserRec, key: &str, wire: &str) {
    u.udv.insert(
        key.to_owned(),
        (data_type_of(wire).to_owned(), wire.to_owned()),
    );
}

#[allow(clippy::too_many_lines)]
fn resolve(
    s: &Shared,
    db: &mut Db,
    p: &Principal,
    root: &str,
    args: &Map<String, Value>,
    field: &q::Field<'_, String>,
    vars: &Map<String, Value>,
) -> Result<Value, Fail> {
    let pool = s.options.user_pool_id.clone();
    let ttl = s.options.user_token_ttl_seconds;
    let input = args
        .get("input")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    match root {
        "accessToken" => {
            if s_arg(args, "userPoolId") != Some(pool.as_str())
                || s_arg(args, "secret") != Some(s.options.pool_secret.as_str())
            {
                return Err(fail(2021, "用户池密钥错误"));
            }
            let token = format!("mgmt-{}", random_hex(16));
            let exp = now() + s.options.management_token_ttl_seconds;
            db.mgmt_tokens.insert(token.clone(), exp);
            let exp = db.management_exp_override.unwrap_or(exp);
            Ok(json!({"accessToken": token, "exp": exp, "iat": now()}))
        }
        "registerByEmail" | "registerByUsername" | "registerByPhoneCode" => {
            let (key, value) = match root {
                "registerByEmail" => ("email", s_arg(&input, "email")),
                "registerByUsername" => ("username", s_arg(&input, "username")),
                _ => ("phone", s_arg(&input, "phone")),
            };
            let value = value
                .ok_or_else(|| fail(400, "missing identifier"))?
                .to_owned();
            if root == "registerByPhoneCode"
                && db.sms_codes.get(&value).map(String::as_str) != s_arg(&input, "code")
            {
                return Err(fail(2001, "验证码错误"));
            }
            let exists = find_idx(db, |u| match key {
                "email" => u.email.as_deref() == Some(&value),
                "username" => u.username.as_deref() == Some(&value),
                _ => u.phone.as_deref() == Some(&value),
            });
            if exists.is_some() {
                return Err(fail(2026, "用户已存在"));
            }
            let password = match s_arg(&input, "password") {
                Some(c) => Some(s.decrypt(c)?),
                None => None,
            };
            let id = new_user(db);
            let mut u = fresh_user(&id);
            match key {
                "email" => u.email = Some(value),
                "username" => u.username = Some(value),
                _ => u.phone = Some(value),
            }
            u.password = password;
            if let Some(Value::Object(profile)) = input.get("profile") {
                u.nickname = profile
                    .get("nickname")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                u.company = profile
                    .get("company")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
            }
            apply_params(&mut u, s_arg(&input, "params"));
            let login = input
                .get("forceLogin")
                .and_then(Value::as_bool)
                .unwrap_or(false)
                || input
                    .get("generateToken")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
            db.users.push(u.clone());
            let token = login.then(|| s.issue_session(db, &id, ttl));
            Ok(user_json(&u, token.as_deref(), &pool))
        }
        "loginByEmail" | "loginByUsername" | "loginByPhonePassword" | "loginBySubAccount" => {
            let src = if root == "loginBySubAccount" {
                args.clone()
            } else {
                input.clone()
            };
            let ident = match root {
                "loginByEmail" => s_arg(&src, "email"),
                "loginByUsername" => s_arg(&src, "username"),
                "loginByPhonePassword" => s_arg(&src, "phone"),
                _ => s_arg(&src, "account"),
            }
            .unwrap_or("")
            .to_owned();
            if db.captcha_required && s_arg(&src, "captchaCode") != Some(CAPTCHA_ANSWER) {
                return Err(fail(2000, "请输入图形验证码"));
            }
            let password = s.decrypt(s_arg(&src, "password").unwrap_or(""))?;
            let idx = find_idx(db, |u| {
                [&u.email, &u.username, &u.phone]
                    .iter()
                    .any(|f| f.as_deref() == Some(ident.as_str()))
            });
            let idx = match idx {
                Some(i) => i,
                None if src.get("autoRegister").and_then(Value::as_bool) == Some(true) => {
                    let id = new_user(db);
                    let mut u = fresh_user(&id);
                    u.username = Some(ident.clone());
                    u.password = Some(password.clone());
                    db.users.push(u);
                    db.users.len() - 1
                }
                None => return Err(fail(2004, "用户不存在")),
            };
            if db.users[idx].password.as_deref() != Some(password.as_str()) {
                return Err(fail(2333, "账号或密码错误"));
            }
            db.users[idx].logins += 1;
            let id = db.users[idx].id.clone();
            let token = s.issue_session(db, &id, ttl);
            Ok(user_json(&db.users[idx], Some(&token), &pool))
        }
        "loginByPhoneCode" => {
            let phone = s_arg(&input, "phone").unwrap_or("").to_owned();
            if db.sms_codes.get(&phone).map(String::as_str) != s_arg(&input, "code") {
                return Err(fail(2001, "验证码错误"));
            }
            let idx = find_idx(db, |u| u.phone.as_deref() == Some(phone.as_str()))
                .ok_or_else(|| fail(2004, "用户不存在"))?;
            let id = db.users[idx].id.clone();
            let token = s.issue_session(db, &id, ttl);
            Ok(user_json(&db.users[idx], Some(&token), &pool))
        }
        "sendEmail" => {
            let email = s_arg(args, "email").unwrap_or("").to_owned();
            db.email_codes
                .insert(email, format!("{:06}", rand::random::<u32>() % 1_000_000));
            Ok(msg_ok("发送成功"))
        }
        "checkLoginStatus" => {
            let token = s_arg(args, "token").unwrap_or("");
            if db.issued.contains(token) {
                db.issued_checks += 1;
            }
            Ok(match db.sessions.get(token) {
                Some((id, exp)) if *exp > now() => {
                    json!({"code": 200, "message": "已登录", "status": true, "exp": exp, "iat": exp - ttl, "data": {"id": id, "userPoolId": pool, "arn": null}})
                }
                Some(_) => {
                    json!({"code": 2206, "message": "登录信息已过期", "status": false, "exp": null, "iat": null, "data": null})
                }
                None => {
                    json!({"code": 2020, "message": "尚未登录", "status": false, "exp": null, "iat": null, "data": null})
                }
            })
        }
        "checkPasswordStrength" => {
            let ok = s_arg(args, "password").is_some_and(|p| p.len() >= 6);
            Ok(json!({"valid": ok, "message": if ok { "密码强度符合要求" } else { "密码太弱" }}))
        }
        "isUserExists" => {
            let exists = find_idx(db, |u| {
                (s_arg(args, "username").is_some()
                    && u.username.as_deref() == s_arg(args, "username"))
                    || (s_arg(args, "email").is_some()
                        && u.email.as_deref() == s_arg(args, "email"))
                    || (s_arg(args, "phone").is_some()
                        && u.phone.as_deref() == s_arg(args, "phone"))
                    || (s_arg(args, "externalId").is_some()
                        && u.external_id.as_deref() == s_arg(args, "externalId"))
            });
            Ok(json!(exists.is_some()))
        }
        "resetPassword" => {
            let code = s_arg(args, "code");
            let idx = if let Some(phone) = s_arg(args, "phone") {
                if db.sms_codes.get(phone).map(String::as_str) != code {
                    return Err(fail(2001, "验证码错误"));
                }
                find_idx(db, |u| u.phone.as_deref() == Some(phone))
            } else {
                let email = s_arg(args, "email").unwrap_or("");
                if db.email_codes.get(email).map(String::as_str) != code {
                    return Err(fail(2001, "验证码错误"));
                }
                find_idx(db, |u| u.email.as_deref() == Some(email))
            }
            .ok_or_else(|| fail(2004, "用户不存在"))?;
            db.users[idx].password = Some(s.decrypt(s_arg(args, "newPassword").unwrap_or(""))?);
            Ok(msg_ok("重置密码成功"))
        }
        "resetPasswordByFirstLoginToken" | "resetPasswordByForceResetToken" => {
            let token = s_arg(args, "token").unwrap_or("");
            let id = match db.sessions.get(token) {
                Some((id, exp)) if *exp > now() => id.clone(),
                _ => return Err(fail(2206, "token 已失效")),
            };
            let idx = find_idx(db, |u| u.id == id).ok_or_else(|| fail(2004, "用户不存在"))?;
            let new = if root == "resetPasswordByFirstLoginToken" {
                s.decrypt(s_arg(args, "password").unwrap_or(""))?
            } else {
                let old = s.decrypt(s_arg(args, "oldPassword").unwrap_or(""))?;
                if db.users[idx].password.as_deref() != Some(old.as_str()) {
                    return Err(fail(2333, "账号或密码错误"));
                }
                s.decrypt(s_arg(args, "newPassword").unwrap_or(""))?
            };
            db.users[idx].password = Some(new);
            Ok(msg_ok("重置密码成功"))
        }
        "user" => {
            let id = need_user(p, s_arg(args, "id"))?.unwrap_or_default();
            match find_idx(db, |u| u.id == id) {
                Some(i) => Ok(user_relations(&db.users[i], field, vars, &pool)),
                None => Ok(Value::Null),
            }
        }
        "udv" | "setUdvBatch" | "setUdv" | "removeUdv" => {
            let target = s_arg(args, "targetId").unwrap_or("").to_owned();
            need_user(p, Some(&target))?;
            let idx = find_idx(db, |u| u.id == target).ok_or_else(|| fail(2004, "用户不存在"))?;
            let u = &mut db.users[idx];
            match root {
                "setUdvBatch" => {
                    for item in args
                        .get("udvList")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        if let (Some(k), Some(v)) = (s_arg_v(item, "key"), s_arg_v(item, "value")) {
                            set_udv(u, k, v);
                        }
                    }
                }
                "setUdv" => set_udv(
                    u,
                    s_arg(args, "key").unwrap_or(""),
                    s_arg(args, "value").unwrap_or(""),
                ),
                "removeUdv" => {
                    u.udv.remove(s_arg(args, "key").unwrap_or(""));
                }
                _ => {}
            }
            Ok(udv_list(u))
        }
        "updateUser" => {
            let id = need_user(p, s_arg(args, "id"))?.unwrap_or_default();
            let idx = find_idx(db, |u| u.id == id).ok_or_else(|| fail(2004, "用户不存在"))?;
            let mut upd = input.clone();
            if let Some(Value::String(c)) = upd.remove("password") {
                let plain = if matches!(p, Principal::Management) {
                    s.decrypt(&c)?
                } else {
                    c
                };
                db.users[idx].password = Some(plain);
            }
            apply_fields(&mut db.users[idx], &upd);
            Ok(user_json(&db.users[idx], None, &pool))
        }
        "updatePassword" | "bindPhone" | "unbindPhone" | "updatePhone" | "bindEmail"
        | "unbindEmail" | "updateEmail" => {
            let Some(id) = need_user(p, None)? else {
                return Err(fail(2020, "尚未登录"));
            };
            let idx = find_idx(db, |u| u.id == id).ok_or_else(|| fail(2004, "用户不存在"))?;
            match root {
                "updatePassword" => {
                    if let Some(old) = s_arg(args, "oldPassword") {
                        let old = s.decrypt(old)?;
                        if db.users[idx].password.as_deref() != Some(old.as_str()) {
                            return Err(fail(2333, "旧密码错误"));
                        }
                    }
                    db.users[idx].password =
                        Some(s.decrypt(s_arg(args, "newPassword").unwrap_or(""))?);
                }
                "bindPhone" | "updatePhone" => {
                    let phone = s_arg(args, "phone").unwrap_or("").to_owned();
                    if db.sms_codes.get(&phone).map(String::as_str) != s_arg(args, "phoneCode") {
                        return Err(fail(2001, "验证码错误"));
                    }
                    db.users[idx].phone = Some(phone);
                }
                "bindEmail" | "updateEmail" => {
                    let email = s_arg(args, "email").unwrap_or("").to_owned();
                    if db.email_codes.get(&email).map(String::as_str) != s_arg(args, "emailCode") {
                        return Err(fail(2001, "验证码错误"));
                    }
                    db.users[idx].email = Some(email);
                }
                "unbindPhone" => db.users[idx].phone = None,
                _ => db.users[idx].email = None,
            }
            Ok(user_json(&db.users[idx], None, &pool))
        }
        "refreshToken" => {
            let id = need_user(p, s_arg(args, "id"))?.ok_or_else(|| fail(400, "id required"))?;
            find_idx(db, |u| u.id == id).ok_or_else(|| fail(2004, "用户不存在"))?;
            let token = s.issue_session(db, &id, ttl);
            Ok(json!({"token": token, "iat": now(), "exp": now() + ttl}))
        }
        _ => {
            need_mgmt(p)?;
            resolve_mgmt(s, db, root, args)
        }
    }
}

fn s_arg_v<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn apply_params(u: &mut UserRec, params: Option<&str>) {
    let Some(list) = params.and_then(|p| serde_json::from_str::<Vec<Value>>(p).ok()) else {
        return;
    };
    for item in list {
        if let (Some(k), Some(v)) = (s_arg_v(&item, "key"), item.get("value")) {
            set_udv(u, k, &v.to_string());
        }
    }
}

fn apply_fields(u: &mut UserRec, m: &Map<String, Value>) {
    for (k, v) in m {
        let sv = v.as_str().map(str::to_owned);
        match k.as_str() {
            "username" => u.username = sv,
            "email" => u.email = sv,
            "phone" => u.phone = sv,
            "nickname" => u.nickname = sv,
            "photo" => u.photo = sv,
            "company" => u.company = sv,
            "externalId" => u.external_id = sv,
            _ => {
                u.extra.insert(k.clone(), v.clone());
            }
        }
    }
}

fn str_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn resolve_mgmt(
    s: &Shared,
    db: &mut Db,
    root: &str,
    args: &Map<String, Value>,
) -> Result<Value, Fail> {
    let pool = s.options.user_pool_id.clone();
    let page = args.get("page").and_then(Value::as_i64);
    let limit = args.get("limit").and_then(Value::as_i64);
    match root {
        "createUser" => {
            let info = args
                .get("userInfo")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let clash = find_idx(db, |u| {
                ["username", "email", "phone"].iter().any(|k| {
                    let theirs = match *k {
                        "username" => &u.username,
                        "email" => &u.email,
                        _ => &u.phone,
                    };
                    s_arg(&info, k).is_some() && theirs.as_deref() == s_arg(&info, k)
                })
            });
            if clash.is_some() {
                return Err(fail(2026, "用户已存在"));
            }
            let id = new_user(db);
            let mut u = fresh_user(&id);
            let mut info = info;
            if let Some(Value::String(c)) = info.remove("password") {
                u.password = Some(s.decrypt(&c)?);
            }
            apply_fields(&mut u, &info);
            apply_params(&mut u, s_arg(args, "params"));
            db.users.push(u.clone());
            Ok(user_json(&u, None, &pool))
        }
        "deleteUser" | "deleteUsers" => {
            let ids = if root == "deleteUser" {
                vec![s_arg(args, "id").unwrap_or("").to_owned()]
            } else {
                str_list(args.get("ids"))
            };
            if root == "deleteUser" && find_idx(db, |u| u.id == ids[0]).is_none() {
                return Err(fail(2004, "用户不存在"));
            }
            db.users.retain(|u| !ids.contains(&u.id));
            Ok(msg_ok("删除成功"))
        }
        "userBatch" => {
            let ids = str_list(args.get("ids"));
            let kind = s_arg(args, "type").unwrap_or("id");
            let list = db
                .users
                .iter()
                .filter(|u| !u.archived)
                .filter(|u| {
                    let f = match kind {
                        "username" => u.username.clone(),
                        "email" => u.email.clone(),
                        "phone" => u.phone.clone(),
                        "externalId" => u.external_id.clone(),
                        _ => Some(u.id.clone()),
                    };
                    f.is_some_and(|f| ids.contains(&f))
                })
                .map(|u| user_json(u, None, &pool))
                .collect();
            Ok(Value::Array(list))
        }
        "users" | "archivedUsers" => {
            let archived = root == "archivedUsers";
            let list = db
                .users
                .iter()
                .filter(|u| u.archived == archived)
                .map(|u| user_json(u, None, &pool))
                .collect();
            Ok(paged(list, page, limit))
        }
        "findUser" => {
            let idx = find_idx(db, |u| {
                (s_arg(args, "username").is_some()
                    && u.username.as_deref() == s_arg(args, "username"))
                    || (s_arg(args, "email").is_some()
                        && u.email.as_deref() == s_arg(args, "email"))
                    || (s_arg(args, "phone").is_some()
                        && u.phone.as_deref() == s_arg(args, "phone"))
                    || (s_arg(args, "externalId").is_some()
                        && u.external_id.as_deref() == s_arg(args, "externalId"))
            });
            Ok(idx.map_or(Value::Null, |i| user_json(&db.users[i], None, &pool)))
        }
        "searchUser" => {
            let text = s_arg(args, "query").unwrap_or("").to_owned();
            let groups: Vec<String> = args
                .get("groupOpts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|g| s_arg_v(g, "code").map(str::to_owned))
                .collect();
            let roles: Vec<String> = args
                .get("roleOpts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|g| s_arg_v(g, "code").map(str::to_owned))
                .collect();
            let list = db
                .users
                .iter()
                .filter(|u| !u.archived)
                .filter(|u| {
                    text.is_empty()
                        || [&u.username, &u.email, &u.phone, &u.nickname]
                            .iter()
                            .any(|f| f.as_deref().is_some_and(|f| f.contains(&text)))
                })
                .filter(|u| groups.iter().all(|g| u.groups.contains(g)))
                .filter(|u| roles.iter().all(|r| u.roles.iter().any(|(_, c)| c == r)))
                .map(|u| user_json(u, None, &pool))
                .collect();
            Ok(paged(list, page, limit))
        }
        "addUserToGroup" | "removeUserFromGroup" | "assignRole" | "revokeRole" => {
            let ids = str_list(args.get("userIds"));
            let ns = s_arg(args, "namespace").unwrap_or("default").to_owned();
            let codes = if root.ends_with("Group") {
                vec![s_arg(args, "code").unwrap_or("").to_owned()]
            } else {
                str_list(args.get("roleCodes"))
            };
            for u in db.users.iter_mut().filter(|u| ids.contains(&u.id)) {
                for c in &codes {
                    match root {
                        "addUserToGroup" if !u.groups.contains(c) => u.groups.push(c.clone()),
                        "removeUserFromGroup" => u.groups.retain(|g| g != c),
                        "assignRole" if !u.roles.iter().any(|(n, r)| n == &ns && r == c) => {
                            u.roles.push((ns.clone(), c.clone()))
                        }
                        "revokeRole" => u.roles.retain(|(n, r)| !(n == &ns && r == c)),
                        _ => {}
                    }
                }
            }
            Ok(msg_ok("操作成功"))
        }
        "policyAssignments" => {
            let target = s_arg(args, "targetIdentifier").unwrap_or("");
            let list = db
                .users
                .iter()
                .filter(|u| u.id == target)
                .flat_map(|u| {
                    u.policies
                        .iter()
                        .map(|c| json!({"code": c, "targetType": "USER", "targetIdentifier": u.id}))
                })
                .collect();
            Ok(paged(list, page, limit))
        }
        "addPolicyAssignments" | "removePolicyAssignments" => {
            let ids = str_list(args.get("targetIdentifiers"));
            let pol = str_list(args.get("policies"));
            for u in db.users.iter_mut().filter(|u| ids.contains(&u.id)) {
                if root == "addPolicyAssignments" {
                    for c in &pol {
                        if !u.policies.contains(c) {
                            u.policies.push(c.clone());
                        }
                    }
                } else {
                    u.policies.retain(|c| !pol.contains(c));
                }
            }
            Ok(msg_ok("操作成功"))
        }
        "sendFirstLoginVerifyEmail" => {
            find_idx(db, |u| Some(u.id.as_str()) == s_arg(args, "userId"))
                .ok_or_else(|| fail(2004, "用户不存在"))?;
            Ok(msg_ok("发送成功"))
        }
        "udfValueBatch" => {
            let ids = args.get("targetIds").ok_or_else(|| {
                fail(
                    400,
                    "Variable \"$targetIds\" of required type \"[String!]!\" was not provided.",
                )
            })?;
            let ids = str_list(Some(ids));
            Ok(Value::Array(
                db.users
                    .iter()
                    .filter(|u| ids.contains(&u.id))
                    .map(|u| json!({"targetId": u.id, "data": udv_list(u)}))
                    .collect(),
            ))
        }
        "setUdfValueBatch" => {
            for item in args
                .get("input")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let (Some(t), Some(k), Some(v)) = (
                    s_arg_v(item, "targetId"),
                    s_arg_v(item, "key"),
                    s_arg_v(item, "value"),
                ) else {
                    continue;
                };
                if let Some(u) = db.users.iter_mut().find(|u| u.id == t) {
                    set_udv(u, k, v);
                }
            }
            Ok(msg_ok("设置成功"))
        }
        other => Err(fail(400, &format!("Cannot query field \"{other}\""))),
    }
}

// ---------- REST ----------

fn env_ok(data: Value) -> Response {
    Json(json!({"code": 200, "message": "ok", "data": data})).into_response()
}

fn env_err(code: i64, message: &str) -> Response {
    Json(json!({"code": code, "message": message, "data": null})).into_response()
}

fn with_user(
    s: &Shared,
    headers: &HeaderMap,
    f: impl FnOnce(&mut Db, usize) -> Response,
) -> Response {
    let mut db = s.db();
    match principal(&db, headers) {
        Principal::User(id) => match find_idx(&db, |u| u.id == id) {
            Some(i) => f(&mut db, i),
            None => env_err(2004, "用户不存在"),
        },
        Principal::Expired => env_err(2206, "登录信息已过期"),
        _ => env_err(2020, "尚未登录"),
    }
}

fn with_mgmt(s: &Shared, headers: &HeaderMap, f: impl FnOnce(&mut Db) -> Response) -> Response {
    let mut db = s.db();
    match principal(&db, headers) {
        Principal::Management => f(&mut db),
        Principal::Expired => env_err(2206, "登录信息已过期"),
        _ => env_err(2020, "尚未登录"),
    }
}

async fn rest_me(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let token = bearer(&headers);
    let pool = s.options.user_pool_id.clone();
    with_user(&s, &headers, |db, i| {
        env_ok(user_json(&db.users[i], token.as_deref(), &pool))
    })
}

async fn rest_logout(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let token = bearer(&headers).unwrap_or_default();
    with_user(&s, &headers, |db, _| {
        db.sessions.remove(&token);
        env_ok(Value::Null)
    })
}

async fn rest_sms(State(s): State<Arc<Shared>>, Json(body): Json<Value>) -> Response {
    let Some(phone) = s_arg_v(&body, "phone") else {
        return env_err(400, "phone required");
    };
    let code = format!("{:06}", rand::random::<u32>() % 1_000_000);
    s.db().sms_codes.insert(phone.to_owned(), code);
    env_ok(Value::Null)
}

async fn rest_directory_login(State(s): State<Arc<Shared>>, Json(body): Json<Value>) -> Response {
    let (Some(name), Some(pw)) = (s_arg_v(&body, "username"), s_arg_v(&body, "password")) else {
        return env_err(400, "username and password required");
    };
    let mut db = s.db();
    let Some(i) = find_idx(&db, |u| u.username.as_deref() == Some(name)) else {
        return env_err(2004, "用户不存在");
    };
    if db.users[i].password.as_deref() != Some(pw) {
        return env_err(2333, "账号或密码错误");
    }
    let id = db.users[i].id.clone();
    let token = s.issue_session(&mut db, &id, s.options.user_token_ttl_seconds);
    env_ok(user_json(
        &db.users[i],
        Some(&token),
        &s.options.user_pool_id,
    ))
}

async fn rest_link(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    with_user(&s, &headers, |db, _| {
        let primary = s_arg_v(&body, "primaryUserToken").unwrap_or("");
        if !db.sessions.contains_key(primary) {
            return env_err(2020, "primary token invalid");
        }
        if let Some(sec) = s_arg_v(&body, "secondaryUserToken")
            && !db.sessions.contains_key(sec)
        {
            return env_err(2020, "secondary token invalid");
        }
        env_ok(Value::Null)
    })
}

async fn rest_security_level(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    with_user(&s, &headers, |db, i| {
        let u = &db.users[i];
        env_ok(
            json!({"score": 70, "email": u.email.is_some(), "phone": u.phone.is_some(), "password": u.password.is_some(), "passwordSecurityLevel": 1, "mfa": false}),
        )
    })
}

async fn rest_applications(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let app = s.options.app_id.clone();
    with_user(&s, &headers, |_, _| {
        env_ok(json!({"totalCount": 1, "list": [{"id": app, "name": "Emulated app"}]}))
    })
}

async fn rest_my_orgs(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    with_user(&s, &headers, |_, _| {
        env_ok(json!([[{"id": "org-1", "name": "Root", "code": "root"}]]))
    })
}

async fn rest_kick(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    with_mgmt(&s, &headers, |db| {
        let ids = str_list(body.get("userIds"));
        db.sessions.retain(|_, (id, _)| !ids.contains(id));
        env_ok(Value::Null)
    })
}

async fn rest_login_status(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    with_mgmt(&s, &headers, |db| {
        let id = qs.get("userId").cloned().unwrap_or_default();
        if find_idx(db, |u| u.id == id).is_none() {
            return env_err(2004, "用户不存在");
        }
        let live = db
            .sessions
            .values()
            .any(|(u, exp)| u == &id && *exp > now());
        env_ok(json!({"isLogin": live}))
    })
}

async fn rest_user_detail(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let pool = s.options.user_pool_id.clone();
    with_mgmt(&s, &headers, |db| match find_idx(db, |u| u.id == id) {
        Some(i) => {
            let mut v = user_json(&db.users[i], None, &pool);
            if qs.get("with_custom_data").map(String::as_str) != Some("1")
                && let Value::Object(m) = &mut v
            {
                m.remove("customData");
            }
            env_ok(v)
        }
        None => env_ok(Value::Null),
    })
}

async fn rest_has_role(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    with_mgmt(&s, &headers, |db| {
        let code = qs.get("code").cloned().unwrap_or_default();
        let ns = qs.get("namespace").cloned();
        match find_idx(db, |u| u.id == id) {
            Some(i) => env_ok(json!(
                db.users[i]
                    .roles
                    .iter()
                    .any(|(n, c)| c == &code && ns.as_ref().is_none_or(|x| x == n))
            )),
            None => env_err(2004, "用户不存在"),
        }
    })
}

async fn rest_user_orgs(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_mgmt(&s, &headers, |db| match find_idx(db, |u| u.id == id) {
        Some(_) => env_ok(json!([[{"id": "org-1", "name": "Root", "code": "root"}]])),
        None => env_err(2004, "用户不存在"),
    })
}

async fn rest_user_actions(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    with_mgmt(&s, &headers, |_| {
        let op = qs.get("operation_name").cloned().unwrap_or_default();
        env_ok(
            json!({"totalCount": 1, "list": [{"operationName": if op.is_empty() { "login".to_owned() } else { op }, "clientIp": "127.0.0.1"}]}),
        )
    })
}

async fn rest_mgmt_logout(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    with_mgmt(&s, &headers, |db| {
        let id = qs.get("userId").cloned().unwrap_or_default();
        db.sessions.retain(|_, (u, _)| u != &id);
        env_ok(Value::Null)
    })
}

async fn rest_cas_validate(Query(qs): Query<HashMap<String, String>>) -> Response {
    let ok = qs.get("ticket").is_some_and(|t| t.starts_with("ST-"));
    if ok {
        Json(json!({"serviceResponse": {"authenticationSuccess": {"user": "emulated", "service": qs.get("service")}}})).into_response()
    } else {
        Json(json!({"serviceResponse": {"authenticationFailure": {"code": "INVALID_TICKET", "description": "ticket not recognized"}}})).into_response()
    }
}

async fn rest_cas_session() -> Response {
    Json(json!({"session": null})).into_response()
}

async fn rest_wechat(
    Path((conn, pool)): Path<(String, String)>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    Json(json!({"code": 200, "message": "ok", "data": {"connection": conn, "userPoolId": pool, "code": qs.get("code")}})).into_response()
}

// ---------- OIDC ----------

fn oauth_error(code: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": code, "error_description": description})),
    )
        .into_response()
}

async fn oidc_auth(
    State(s): State<Arc<Shared>>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    if qs.get("client_id") != Some(&s.options.app_id) {
        return oauth_error("invalid_client", "unknown client_id");
    }
    let (Some(redirect), Some(state)) = (qs.get("redirect_uri"), qs.get("state")) else {
        return oauth_error("invalid_request", "redirect_uri and state are required");
    };
    let user = qs.get("login_hint").cloned().unwrap_or_default();
    let mut db = s.db();
    let Some(i) = find_idx(&db, |u| u.username.as_deref() == Some(user.as_str())) else {
        return oauth_error("access_denied", "no such user (pass login_hint)");
    };
    if qs.contains_key("code_challenge")
        && qs.get("code_challenge_method").map(String::as_str) != Some("S256")
    {
        return oauth_error("invalid_request", "only S256 is supported");
    }
    let code = random_hex(16);
    let user_id = db.users[i].id.clone();
    db.auth_codes.insert(
        code.clone(),
        AuthCode {
            user_id,
            redirect_uri: redirect.clone(),
            challenge: qs.get("code_challenge").cloned(),
            scope: qs.get("scope").cloned().unwrap_or_default(),
            nonce: qs.get("nonce").cloned(),
        },
    );
    let Ok(mut url) = url::Url::parse(redirect) else {
        return oauth_error("invalid_request", "redirect_uri is not a URL");
    };
    url.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", state);
    Redirect::to(url.as_str()).into_response()
}

#[allow(clippy::result_large_err)]
fn client_ok(
    s: &Shared,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<bool, Response> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let (id, secret) = match basic {
        Some(pair) => {
            let (i, s) = pair.split_once(':').unwrap_or((pair.as_str(), ""));
            (Some(i.to_owned()), Some(s.to_owned()))
        }
        None => (
            form.get("client_id").cloned(),
            form.get("client_secret").cloned(),
        ),
    };
    if id.as_deref() != Some(s.options.app_id.as_str()) {
        return Err(oauth_error("invalid_client", "unknown client"));
    }
    match secret {
        Some(sec) if sec == s.options.app_secret => Ok(true),
        Some(_) => Err(oauth_error("invalid_client", "bad client secret")),
        None => Ok(false),
    }
}

fn issue_oidc(s: &Shared, db: &mut Db, user_id: &str, scope: &str, nonce: Option<String>) -> Value {
    let ttl = s.options.user_token_ttl_seconds;
    let access = s.issue_session(db, user_id, ttl);
    let mut extra = Map::new();
    // The nonce the client sent to /oidc/auth travels into the id_token of that code.
    if let Some(n) = nonce {
        extra.insert("nonce".into(), json!(n));
    }
    extra.extend(db.id_token_overrides.clone());
    let id_token = s.sign(user_id, ttl, extra);
    let mut v = json!({"access_token": access, "id_token": id_token, "expires_in": ttl, "token_type": "Bearer", "scope": scope});
    if scope.split(' ').any(|x| x == "offline_access") {
        let rt = random_hex(20);
        db.refresh_tokens
            .insert(rt.clone(), (user_id.to_owned(), scope.to_owned()));
        v["refresh_token"] = json!(rt);
    }
    v
}

async fn oidc_token(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let grant = form.get("grant_type").cloned().unwrap_or_default();
    if grant == "client_credentials" {
        if form.get("client_id") != Some(&s.options.app_id)
            || form.get("client_secret") != Some(&s.options.app_secret)
        {
            return oauth_error("invalid_client", "bad programmatic access key");
        }
        if form.get("scope").is_none_or(|x| x.is_empty()) {
            return oauth_error("invalid_scope", "scope required");
        }
        let token = s.sign(&s.options.app_id, 3600, Map::new());
        return Json(json!({"access_token": token, "expires_in": 3600, "token_type": "Bearer", "scope": form.get("scope")})).into_response();
    }
    let authenticated = match client_ok(&s, &headers, &form) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let mut db = s.db();
    match grant.as_str() {
        "authorization_code" => {
            let Some(code) = form.get("code").and_then(|c| db.auth_codes.remove(c)) else {
                return oauth_error("invalid_grant", "unknown or used code");
            };
            if form.get("redirect_uri") != Some(&code.redirect_uri) {
                return oauth_error("invalid_grant", "redirect_uri mismatch");
            }
            match (&code.challenge, form.get("code_verifier")) {
                (Some(ch), Some(v)) => {
                    let digest = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .encode(Sha256::digest(v.as_bytes()));
                    if &digest != ch {
                        return oauth_error("invalid_grant", "PKCE verification failed");
                    }
                }
                (Some(_), None) => return oauth_error("invalid_grant", "code_verifier required"),
                (None, _) if !authenticated => {
                    return oauth_error("invalid_client", "client authentication required");
                }
                _ => {}
            }
            let v = issue_oidc(&s, &mut db, &code.user_id, &code.scope, code.nonce);
            Json(v).into_response()
        }
        "refresh_token" => {
            let Some((user, scope)) = form
                .get("refresh_token")
                .and_then(|r| db.refresh_tokens.remove(r))
            else {
                return oauth_error("invalid_grant", "unknown refresh token");
            };
            let v = issue_oidc(&s, &mut db, &user, &scope, None);
            Json(v).into_response()
        }
        _ => oauth_error("unsupported_grant_type", "unsupported grant_type"),
    }
}

async fn oidc_introspect(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = client_ok(&s, &headers, &form) {
        return r;
    }
    let db = s.db();
    let token = form.get("token").cloned().unwrap_or_default();
    match db.sessions.get(&token) {
        Some((id, exp)) if *exp > now() => {
            Json(json!({"active": true, "sub": id, "exp": exp, "client_id": s.options.app_id}))
                .into_response()
        }
        _ => Json(json!({"active": false})).into_response(),
    }
}

async fn oidc_revoke(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if let Err(r) = client_ok(&s, &headers, &form) {
        return r;
    }
    let mut db = s.db();
    let token = form.get("token").cloned().unwrap_or_default();
    db.sessions.remove(&token);
    db.refresh_tokens.remove(&token);
    Json(json!({})).into_response()
}

async fn oidc_me(State(s): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let db = s.db();
    match principal(&db, &headers) {
        Principal::User(id) => match find_idx(&db, |u| u.id == id) {
            Some(i) => {
                let u = &db.users[i];
                Json(json!({"sub": u.id, "preferred_username": u.username, "email": u.email, "phone_number": u.phone, "name": u.nickname})).into_response()
            }
            None => (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "invalid_token", "error_description": "user gone"})),
            )
                .into_response(),
        },
        _ => (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_token", "error_description": "token is not valid"})),
        )
            .into_response(),
    }
}

async fn oidc_jwks(State(s): State<Arc<Shared>>) -> Response {
    Json(json!({"keys": [s.signing.public_jwk()]})).into_response()
}

async fn oidc_validate(
    State(s): State<Arc<Shared>>,
    Query(qs): Query<HashMap<String, String>>,
) -> Response {
    let token = qs
        .get("id_token")
        .or_else(|| qs.get("access_token"))
        .cloned()
        .unwrap_or_default();
    let db = s.db();
    match db.sessions.get(&token) {
        Some((id, exp)) if *exp > now() => {
            Json(json!({"sub": id, "exp": exp, "aud": s.options.app_id})).into_response()
        }
        _ => Json(json!({"code": 400, "message": "token 无效"})).into_response(),
    }
}
