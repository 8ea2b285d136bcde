//! The emulator's state: the user pool, sessions and codes ([`Db`]), the keys ([`Shared`]),
//! the JSON shape of a user, and who is calling ([`Principal`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{HeaderMap, header};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Map, Value, json};

use super::{EmulatorOptions, KID};
use crate::jwks::SigningKey;

#[derive(Clone, Debug, Default)]
pub(super) struct UserRec {
    pub(super) id: String,
    pub(super) username: Option<String>,
    pub(super) email: Option<String>,
    pub(super) phone: Option<String>,
    pub(super) password: Option<String>,
    pub(super) nickname: Option<String>,
    pub(super) photo: Option<String>,
    pub(super) company: Option<String>,
    pub(super) external_id: Option<String>,
    pub(super) status: String,
    pub(super) created_at: String,
    pub(super) archived: bool,
    pub(super) logins: i64,
    pub(super) roles: Vec<(String, String)>,
    pub(super) groups: Vec<String>,
    pub(super) udv: Udv,
    pub(super) resources: Vec<(String, String, String, Vec<String>)>,
    pub(super) extra: Map<String, Value>,
}

/// Custom data: key → (data type, value as JSON text).
pub(super) type Udv = BTreeMap<String, (String, String)>;

#[derive(Clone, Debug)]
pub(super) struct AuthCode {
    pub(super) user_id: String,
    pub(super) redirect_uri: String,
    pub(super) challenge: Option<String>,
    pub(super) scope: String,
    pub(super) nonce: Option<String>,
}

#[derive(Debug, Default)]
pub(super) struct Db {
    pub(super) users: Vec<UserRec>,
    /// The pool's roles (members are in [`UserRec::roles`]).
    pub(super) roles: Vec<super::rbac::RoleRec>,
    /// The pool's groups (members are in [`UserRec::groups`]).
    pub(super) groups: Vec<super::rbac::GroupRec>,
    /// The pool's policies.
    pub(super) policies: Vec<super::rbac::PolicyRec>,
    /// Policy assignments to users, roles, groups and organization nodes.
    pub(super) assignments: Vec<super::rbac::AssignmentRec>,
    /// Organizations, their nodes, members and node roles.
    pub(super) orgs: super::orgs::OrgDb,
    /// Namespaces, resources, programmatic access accounts, application access policies.
    pub(super) acl: super::acl::AclState,
    /// Custom-data field definitions.
    pub(super) udfs: Vec<super::graphql_admin::UdfRec>,
    /// The pool's settings as `updateUserpool` left them (over the defaults of
    /// `graphql_admin::userpool_json`).
    pub(super) userpool: Map<String, Value>,
    /// Environment variables, in the order added.
    pub(super) env: Vec<(String, Value)>,
    /// Whitelist entries: (`WhitelistType`, value, created at).
    pub(super) whitelist: Vec<(String, String, String)>,
    /// Audit-log entries (`operationName`, `operatorArn`, `clientIp`, `appId`, `createdAt`),
    /// oldest first.
    pub(super) audit: Vec<Value>,
    /// Principal authentications by user id (`type`, `name`, `idCard`, `ext`, `createdAt`).
    pub(super) principals: HashMap<String, Value>,
    /// The pool's applications as answered (`id`, `name`, `identifier`, `secret`, ...).
    pub(super) applications: Vec<Value>,
    /// Whether the emulator's own application was added to `applications` yet.
    pub(super) apps_seeded: bool,
    /// Applications' login agreements (`id`, `appId`, `title`, `required`, `lang`), in
    /// their order.
    pub(super) agreements: Vec<Value>,
    pub(super) sessions: HashMap<String, (String, i64)>,
    pub(super) mgmt_tokens: HashMap<String, i64>,
    pub(super) sms_codes: HashMap<String, String>,
    pub(super) email_codes: HashMap<String, String>,
    pub(super) auth_codes: HashMap<String, AuthCode>,
    pub(super) refresh_tokens: HashMap<String, (String, String)>,
    pub(super) captcha_required: bool,
    pub(super) calls: HashMap<String, u64>,
    pub(super) last_vars: HashMap<String, Value>,
    pub(super) next_id: u64,
    /// Claims merged over every id_token the OIDC token endpoint issues.
    pub(super) id_token_overrides: Map<String, Value>,
    /// The `exp` the `accessToken` query answers with instead of the real one.
    pub(super) management_exp_override: Option<i64>,
    /// Canned answers: path → (HTTP status, JSON body), served instead of the route.
    pub(super) json_faults: HashMap<String, (u16, Value)>,
    /// Every user token the emulator ever issued (logged out or expired ones included).
    pub(super) issued: HashSet<String>,
    /// `checkLoginStatus` requests about a token in `issued`.
    pub(super) issued_checks: u64,
    /// Every request received, in order (method, path, headers).
    pub(super) received: Vec<super::ReceivedRequest>,
}

pub(super) struct Shared {
    pub(super) options: EmulatorOptions,
    pub(super) db: Mutex<Db>,
    pub(super) enc_key: rsa::RsaPrivateKey,
    pub(super) signing: SigningKey,
    pub(super) encoding: EncodingKey,
    pub(super) base: Mutex<String>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

pub(super) type Fail = (i64, String);

pub(super) fn fail(code: i64, msg: &str) -> Fail {
    (code, msg.to_owned())
}

pub(super) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub(super) fn random_hex(n: usize) -> String {
    (0..n)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

impl Shared {
    pub(super) fn db(&self) -> MutexGuard<'_, Db> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn decrypt(&self, cipher: &str) -> Result<String, Fail> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(cipher)
            .map_err(|_| fail(400, "password is not base64"))?;
        let plain = self
            .enc_key
            .decrypt(rsa::Pkcs1v15Encrypt, &bytes)
            .map_err(|_| fail(400, "password could not be decrypted"))?;
        String::from_utf8(plain).map_err(|_| fail(400, "password is not UTF-8"))
    }

    pub(super) fn sign(&self, user_id: &str, ttl: i64, extra: Map<String, Value>) -> String {
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

    pub(super) fn issue_session(&self, db: &mut Db, user_id: &str, ttl: i64) -> String {
        let token = self.sign(user_id, ttl, Map::new());
        db.issued.insert(token.clone());
        db.sessions
            .insert(token.clone(), (user_id.to_owned(), now() + ttl));
        token
    }
}

pub(super) fn user_json(u: &UserRec, token: Option<&str>, pool: &str) -> Value {
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
        "customData": udv_list(&u.udv),
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

pub(super) fn udv_list(udv: &Udv) -> Value {
    Value::Array(
        udv.iter()
            .map(|(k, (t, v))| json!({"key": k, "dataType": t, "value": v, "label": k}))
            .collect(),
    )
}

pub(super) fn data_type_of(wire: &str) -> &'static str {
    match serde_json::from_str::<Value>(wire) {
        Ok(Value::Number(_)) => "NUMBER",
        Ok(Value::Bool(_)) => "BOOLEAN",
        Ok(Value::Object(_)) | Ok(Value::Array(_)) => "OBJECT",
        _ => "STRING",
    }
}

/// A fresh user id (`u` with a sequence number and random hex).
pub(super) fn new_user(db: &mut Db) -> String {
    db.next_id += 1;
    format!("u{:06}{}", db.next_id, random_hex(4))
}

pub(super) fn fresh_user(id: &str) -> UserRec {
    UserRec {
        id: id.to_owned(),
        status: "Activated".into(),
        created_at: "2024-01-01T00:00:00.000Z".into(),
        ..Default::default()
    }
}

#[derive(Debug, Clone)]
pub(super) enum Principal {
    None,
    Management,
    User(String),
    Expired,
    Unknown,
}

pub(super) fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::to_owned)
}

pub(super) fn principal(db: &Db, headers: &HeaderMap) -> Principal {
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

pub(super) fn require_management(p: &Principal) -> Result<(), Fail> {
    match p {
        Principal::Management => Ok(()),
        Principal::Expired => Err(fail(2206, "登录信息已过期")),
        Principal::User(_) => Err(fail(403, "没有权限")),
        _ => Err(fail(2020, "尚未登录，无访问权限")),
    }
}

/// The acting user: a logged-in user, or the management principal acting on `target`.
pub(super) fn acting_user(p: &Principal, target: Option<&str>) -> Result<Option<String>, Fail> {
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

pub(super) fn str_arg<'a>(args: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    args.get(k).and_then(Value::as_str)
}

pub(super) fn find_idx(db: &Db, pred: impl Fn(&UserRec) -> bool) -> Option<usize> {
    db.users.iter().position(|u| !u.archived && pred(u))
}

pub(super) fn set_udv(udv: &mut Udv, key: &str, wire: &str) {
    udv.insert(
        key.to_owned(),
        (data_type_of(wire).to_owned(), wire.to_owned()),
    );
}

pub(super) fn str_field<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

pub(super) fn apply_params(u: &mut UserRec, params: Option<&str>) {
    let Some(list) = params.and_then(|p| serde_json::from_str::<Vec<Value>>(p).ok()) else {
        return;
    };
    for item in list {
        if let (Some(k), Some(v)) = (str_field(&item, "key"), item.get("value")) {
            set_udv(&mut u.udv, k, &v.to_string());
        }
    }
}

pub(super) fn apply_fields(u: &mut UserRec, m: &Map<String, Value>) {
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

pub(super) fn str_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
