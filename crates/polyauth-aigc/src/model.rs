//! What the auth center answers, in typed form, and how its JSON maps into polyauth's model.
//!
//! Field names differ between SDK versions (1.1.45 `is_admin`, 1.1.62 `isAdmin`; batch answers
//! under `users` or `items` or a bare list); the parsers here accept both.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use polyauth_core::{AccessToken, Error, Result, UserProfile};
use serde_json::{Map, Value};

use crate::PROVIDER;

/// The username the auth center gives the placeholder of an unknown id in
/// `batch_get_users_by_ids`.
pub const UNKNOWN_USER_NAME: &str = "未知用户";

/// The first of `keys` present (and not null) in `obj`.
pub(crate) fn field<'a>(obj: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .find_map(|k| obj.get(*k).filter(|v| !v.is_null()))
}

/// A field as text: strings as they are, numbers and booleans printed.
pub(crate) fn text(obj: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    match field(obj, keys)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A field as a boolean (`true`, `1`, `"true"`).
pub(crate) fn flag(obj: &Map<String, Value>, keys: &[&str]) -> bool {
    match field(obj, keys) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64().is_some_and(|n| n != 0),
        Some(Value::String(s)) => matches!(s.as_str(), "true" | "1" | "True"),
        _ => false,
    }
}

/// A list of codes: strings, or objects with a `code` (else `name`).
fn codes(obj: &Map<String, Value>, keys: &[&str]) -> Vec<String> {
    match field(obj, keys) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => text(o, &["code", "name"]),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn protocol(message: &'static str) -> Error {
    Error::protocol(message).with_context(PROVIDER, "parse")
}

/// Maps an auth-center user object (`/user/info`, batch answers, `authorize-by-token`) to a
/// [`UserProfile`]: `id` (required, integer or text), `username`, `nickname`, `email`,
/// `phone`, `avatar`, `roles`, `permissions`, `groups` (codes), `department`, `company`,
/// `isAdmin` or `is_admin`, `status`. `raw` keeps the object unchanged.
///
/// Errors: `Protocol` when the value is not an object or has no id.
pub fn user_from_json(value: &Value) -> Result<UserProfile> {
    user_from_value(value.clone())
}

/// [`user_from_json`] taking the value, which becomes `raw` without a copy.
///
/// Errors: `Protocol` when the value is not an object or has no id.
pub fn user_from_value(value: Value) -> Result<UserProfile> {
    let obj = value
        .as_object()
        .ok_or_else(|| protocol("the user is not a JSON object"))?;
    let id = text(obj, &["id", "userId", "user_id"])
        .ok_or_else(|| protocol("the user object has no id"))?;
    let mut p = UserProfile::new(PROVIDER, id)
        .with_roles(codes(obj, &["roles"]))
        .with_permissions(codes(obj, &["permissions"]));
    p.username = text(obj, &["username"]);
    p.nickname = text(obj, &["nickname"]);
    p.email = text(obj, &["email"]);
    p.phone = text(obj, &["phone"]);
    p.avatar = text(obj, &["avatar"]);
    p.groups = codes(obj, &["groups"]);
    p.department = text(obj, &["department"]);
    p.company = text(obj, &["company"]);
    p.is_admin = flag(obj, &["isAdmin", "is_admin"]);
    p.status = text(obj, &["status"]);
    Ok(p.with_raw(value))
}

/// A list of users from `data`: a bare list, or the first of `keys` holding one.
pub(crate) fn user_list(data: &Value, keys: &[&str]) -> Result<Vec<UserProfile>> {
    let list = match data {
        Value::Array(items) => items,
        Value::Object(obj) => match field(obj, keys) {
            Some(Value::Array(items)) => items,
            Some(_) => return Err(protocol("the user list is not a JSON array")),
            None => return Ok(Vec::new()),
        },
        _ => return Err(protocol("the answer is neither a list nor an object")),
    };
    list.iter().map(user_from_json).collect()
}

/// An expiry given as epoch seconds, epoch milliseconds (values above 10^11) or numeric text.
///
/// `None` ("unknown expiry") for anything else, including values no `Duration` or
/// `SystemTime` can hold (`1e23`, `"1e300"`): the server's answer must never panic the
/// verification.
pub(crate) fn expiry(obj: &Map<String, Value>, keys: &[&str]) -> Option<SystemTime> {
    let n = match field(obj, keys)? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !n.is_finite() || n <= 0.0 {
        return None;
    }
    let seconds = if n > 1e11 { n / 1000.0 } else { n };
    UNIX_EPOCH.checked_add(Duration::try_from_secs_f64(seconds).ok()?)
}

/// The kind of an access key (`keyType`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyType {
    /// A user's personal key: requests act as that user.
    User,
    /// An application key: valid only for the application whose id it names.
    App,
    /// A global key: valid for every application, with administrator rights.
    Global,
    /// Any other type the server named (rejected by the provider).
    Other(String),
}

impl KeyType {
    fn parse(text: &str) -> KeyType {
        match text {
            "user" => KeyType::User,
            "app" => KeyType::App,
            "global" => KeyType::Global,
            other => KeyType::Other(other.to_owned()),
        }
    }
}

/// The answer of `POST /sdk/access-key/verify` for a valid key.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct AccessKeyInfo {
    /// The key type.
    pub key_type: KeyType,
    /// The application the key belongs to (`appId`), as text; for app keys.
    pub app_id: Option<String>,
    /// The key's id (`keyId`, 1.1.62).
    pub key_id: Option<String>,
    /// The key's name (`keyName`, 1.1.62).
    pub key_name: Option<String>,
    /// The user id (`userId`), for user keys.
    pub user_id: Option<String>,
    /// The whole `data` object.
    pub raw: Value,
}

impl AccessKeyInfo {
    /// Parses `data`. `valid: false` is `InvalidToken` ("访问密钥无效或已过期").
    pub(crate) fn from_data(data: &Value) -> Result<AccessKeyInfo> {
        let obj = data
            .as_object()
            .ok_or_else(|| protocol("the access-key answer is not a JSON object"))?;
        if !flag(obj, &["valid"]) {
            return Err(Error::invalid_token("访问密钥无效或已过期")
                .with_context(PROVIDER, "verify_access_key"));
        }
        Ok(AccessKeyInfo {
            key_type: KeyType::parse(&text(obj, &["keyType", "key_type"]).unwrap_or_default()),
            app_id: text(obj, &["appId", "app_id"]),
            key_id: text(obj, &["keyId", "key_id"]),
            key_name: text(obj, &["keyName", "key_name"]),
            user_id: text(obj, &["userId", "user_id"]),
            raw: data.clone(),
        })
    }

    /// The profile a request made with this key acts as (1.1.62 semantics):
    /// - user key: the key's user (`userId`, `username`, `nickname`, `email`, `phone`,
    ///   `avatar`, `status`, `isAdmin`);
    /// - app key: id `0`, username `ak_app_{appId}`, nickname `{keyName or 应用密钥}(App:{appId})`;
    /// - global key: id `0`, username `ak_global`, nickname `{keyName or 全局密钥}(Global)`,
    ///   administrator.
    ///
    /// `raw` is the key answer. Errors: `InvalidToken` for another key type ("访问密钥类型无效"),
    /// `Protocol` for a user key without `userId`.
    pub fn profile(&self) -> Result<UserProfile> {
        let obj = self.raw.as_object().cloned().unwrap_or_default();
        let mut p = match &self.key_type {
            KeyType::User => {
                let id = self
                    .user_id
                    .clone()
                    .ok_or_else(|| protocol("the user access key has no userId"))?;
                let mut p = UserProfile::new(PROVIDER, id);
                p.username = Some(text(&obj, &["username"]).unwrap_or_default());
                p.nickname = text(&obj, &["nickname"]);
                p.email = text(&obj, &["email"]);
                p.phone = text(&obj, &["phone"]);
                p.avatar = text(&obj, &["avatar"]);
                p.status = text(&obj, &["status"]);
                p.is_admin = flag(&obj, &["isAdmin", "is_admin"]);
                p
            }
            KeyType::App => {
                let app = self.app_id.clone().unwrap_or_default();
                let mut p = UserProfile::new(PROVIDER, "0").with_username(format!("ak_app_{app}"));
                let name = self
                    .key_name
                    .clone()
                    .unwrap_or_else(|| "应用密钥".to_owned());
                p.nickname = Some(format!("{name}(App:{app})"));
                p
            }
            KeyType::Global => {
                let mut p = UserProfile::new(PROVIDER, "0").with_username("ak_global");
                let name = self
                    .key_name
                    .clone()
                    .unwrap_or_else(|| "全局密钥".to_owned());
                p.nickname = Some(format!("{name}(Global)"));
                p.is_admin = true;
                p
            }
            KeyType::Other(_) => {
                return Err(Error::invalid_token("访问密钥类型无效")
                    .with_context(PROVIDER, "verify_access_key"));
            }
        };
        p.raw = self.raw.clone();
        Ok(p)
    }
}

/// One entry of `batch_get_users_by_ids`, in request order.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct UserById {
    /// The id that was asked for.
    pub requested_id: i64,
    /// Whether the auth center knows the id. `false` for the server's placeholder (username
    /// [`UNKNOWN_USER_NAME`], or a `placeholder`/`notFound` flag), and for ids missing from the
    /// answer.
    pub found: bool,
    /// The user, or the placeholder (id = the requested id, username [`UNKNOWN_USER_NAME`]).
    pub user: UserProfile,
}

/// The password of a user synced to the auth center: exactly one of the two forms.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SyncPassword {
    /// Plain text (`password`); the auth center hashes it.
    Plain(polyauth_core::Password),
    /// A bcrypt hash (`password_hashed`, `$2b$...`), stored as is.
    Hashed(polyauth_core::Secret),
}

/// A user to create in the auth center with `sync_user_to_auth` (fields in the auth center's
/// names).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SyncUser {
    /// The login name (required).
    pub username: String,
    /// The password.
    pub password: SyncPassword,
    /// Other fields sent as they are: `email`, `nickname`, `phone`, `avatar`, `company`,
    /// `department`, `status`, `roles`, ...
    pub fields: Map<String, Value>,
}

impl SyncUser {
    /// A user with a username and a password.
    pub fn new(username: impl Into<String>, password: SyncPassword) -> Self {
        SyncUser {
            username: username.into(),
            password,
            fields: Map::new(),
        }
    }

    /// Adds a field (`email`, `nickname`, ...). `username`, `password` and
    /// `password_hashed` are ignored here: set them through [`SyncUser::new`].
    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.fields.insert(name.into(), value.into());
        self
    }

    /// The request body. Errors: `InvalidInput` for an empty username or password.
    pub(crate) fn to_json(&self) -> Result<Value> {
        if self.username.trim().is_empty() {
            return Err(Error::invalid_input("the synced user has no username"));
        }
        let mut obj: Map<String, Value> = self
            .fields
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "username" | "password" | "password_hashed"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        obj.insert("username".into(), Value::String(self.username.clone()));
        let (key, secret) = match &self.password {
            SyncPassword::Plain(p) => ("password", p.expose_secret()),
            SyncPassword::Hashed(h) => ("password_hashed", h.expose_secret()),
        };
        if secret.is_empty() {
            return Err(Error::invalid_input("the synced user's password is empty"));
        }
        obj.insert(key.into(), Value::String(secret.to_owned()));
        Ok(Value::Object(obj))
    }
}

/// The answer of `POST /sdk/sync/user`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SyncOutcome {
    /// Whether the call succeeded.
    pub success: bool,
    /// `true` when the user was created, `false` when it already existed.
    pub created: bool,
    /// The auth center's user id, as text.
    pub user_id: Option<String>,
    /// The server's message.
    pub message: Option<String>,
}

impl SyncOutcome {
    pub(crate) fn from_data(data: &Value) -> SyncOutcome {
        let obj = data.as_object().cloned().unwrap_or_default();
        SyncOutcome {
            success: flag(&obj, &["success"]),
            created: flag(&obj, &["created"]),
            user_id: text(&obj, &["user_id", "userId"]),
            message: text(&obj, &["message"]),
        }
    }
}

/// The answer of `POST /sdk/sync/batch`.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct BatchSyncOutcome {
    /// Users sent.
    pub total: u64,
    /// Users created.
    pub success: u64,
    /// Users that failed.
    pub failed: u64,
    /// Users that already existed.
    pub skipped: u64,
    /// One object per failure, as the server sent it.
    pub errors: Vec<Value>,
}

impl BatchSyncOutcome {
    pub(crate) fn from_data(data: &Value) -> BatchSyncOutcome {
        let obj = data.as_object().cloned().unwrap_or_default();
        let n = |k: &str| obj.get(k).and_then(Value::as_u64).unwrap_or(0);
        BatchSyncOutcome {
            total: n("total"),
            success: n("success"),
            failed: n("failed"),
            skipped: n("skipped"),
            errors: obj
                .get("errors")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        }
    }
}

/// The answer of `POST /sdk/webhook/register`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct WebhookRegistration {
    /// The webhook's id (for `unregister_webhook`), as text.
    pub webhook_id: Option<String>,
    /// Whether the server says it succeeded.
    pub success: bool,
}

/// A group of `POST /sdk/groups/list`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Group {
    /// Id, as text.
    pub id: String,
    /// Display name.
    pub name: Option<String>,
    /// Code.
    pub code: Option<String>,
    /// Description.
    pub description: Option<String>,
}

impl Group {
    pub(crate) fn from_json(value: &Value) -> Result<Group> {
        let obj = value
            .as_object()
            .ok_or_else(|| protocol("the group is not a JSON object"))?;
        Ok(Group {
            id: text(obj, &["id"]).ok_or_else(|| protocol("the group has no id"))?,
            name: text(obj, &["name"]),
            code: text(obj, &["code"]),
            description: text(obj, &["description"]),
        })
    }
}

/// The answer of `POST /sdk/access-key/create`. The key is shown once: store it now.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CreatedAccessKey {
    /// The key's id.
    pub key_id: Option<String>,
    /// The key itself (`ak_...`); `Debug` redacts it.
    pub key: AccessToken,
    /// The visible prefix of the key.
    pub key_prefix: Option<String>,
    /// The key type (`user`).
    pub key_type: Option<String>,
    /// The owner's user id.
    pub user_id: Option<String>,
    /// The key's name.
    pub name: Option<String>,
    /// Creation time, as the server wrote it.
    pub created_at: Option<String>,
}

impl CreatedAccessKey {
    pub(crate) fn from_data(data: &Value) -> Result<CreatedAccessKey> {
        let obj = data
            .as_object()
            .ok_or_else(|| protocol("the access-key answer is not a JSON object"))?;
        Ok(CreatedAccessKey {
            key_id: text(obj, &["keyId", "key_id"]),
            key: AccessToken::new(
                text(obj, &["key"]).ok_or_else(|| protocol("the created key is missing"))?,
            ),
            key_prefix: text(obj, &["keyPrefix", "key_prefix"]),
            key_type: text(obj, &["keyType", "key_type"]),
            user_id: text(obj, &["userId", "user_id"]),
            name: text(obj, &["name"]),
            created_at: text(obj, &["createdAt", "created_at"]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_admin_spellings_and_group_objects() {
        let a = user_from_json(&json!({"id": 7, "username": "a", "is_admin": true})).unwrap();
        assert!(a.is_admin);
        assert_eq!(a.id, "7");
        let b = user_from_json(&json!({"id": "8", "isAdmin": true, "is_admin": false,
            "groups": [{"id": 1, "name": "G", "code": "g"}], "roles": ["r", "r"]}))
        .unwrap();
        assert!(b.is_admin, "isAdmin is read first");
        assert_eq!(b.groups, vec!["g"]);
        assert_eq!(b.roles, vec!["r"]);
        assert!(user_from_json(&json!({"username": "x"})).is_err());
        assert!(user_from_json(&Value::Null).is_err());
    }

    #[test]
    fn expiry_units() {
        let o = json!({"s": 2_000_000_000u64, "ms": 2_000_000_000_000u64, "t": "x"});
        let o = o.as_object().unwrap();
        assert_eq!(expiry(o, &["s"]), expiry(o, &["ms"]));
        assert!(expiry(o, &["t"]).is_none());
    }

    #[test]
    fn absurd_expiries_are_unknown_not_a_panic() {
        let o = json!({"big": 1e23, "text": "1e300", "max": f64::MAX, "neg": -5, "zero": 0});
        let o = o.as_object().unwrap();
        for key in ["big", "text", "max", "neg", "zero"] {
            assert!(expiry(o, &[key]).is_none(), "{key}");
        }
    }

    #[test]
    fn sync_body_has_exactly_one_password_form() {
        let u = SyncUser::new(
            "bob",
            SyncPassword::Hashed(polyauth_core::Secret::new("$2b$12$abc")),
        )
        .with_field("password", "sneaky")
        .with_field("email", "b@x");
        let v = u.to_json().unwrap();
        assert_eq!(v["password_hashed"], "$2b$12$abc");
        assert!(v.get("password").is_none());
        assert_eq!(v["email"], "b@x");
    }
}
