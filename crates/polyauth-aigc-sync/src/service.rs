//! [`UserSyncService`]: sync-on-login, webhook events and the initial legacy → auth sync.

use std::sync::Arc;

use async_trait::async_trait;
use polyauth_core::{Error, Password, Result, UserProfile};
use serde_json::{Map, Value, json};

use polyauth_aigc::webhook::WebhookHandler;
use polyauth_aigc::{AigcClient, SyncPassword, SyncUser};

use crate::adapter::{LegacyPassword, LegacySystemAdapter, LegacyUser};
use crate::config::{PasswordMode, SyncConfig};
use crate::initial::InitialSyncOptions;
use crate::mapping::{Record, map_auth_to_legacy, map_legacy_to_auth};

/// The webhook events [`UserSyncService::handle_webhook`] acts on.
pub const WEBHOOK_EVENTS: &[&str] = &[
    "user.created",
    "user.updated",
    "user.deleted",
    "user.login",
    "user.init_sync_auth",
];

/// The sync between the auth center and a legacy user table (the reference's
/// `UserSyncService` plus the adapter's `handle_webhook` and `batch_sync_to_auth`).
///
/// Cheap to clone.
#[derive(Clone)]
pub struct UserSyncService {
    pub(crate) adapter: Arc<dyn LegacySystemAdapter>,
    pub(crate) config: Arc<SyncConfig>,
    pub(crate) client: Option<AigcClient>,
}

impl std::fmt::Debug for UserSyncService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserSyncService")
            .field("config", &self.config)
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl UserSyncService {
    /// A service over `adapter`. `client` is needed by the initial sync (and the
    /// `user.init_sync_auth` event) only.
    ///
    /// Errors: `ConfigInvalid` from [`SyncConfig::validate`].
    pub fn new(
        adapter: Arc<dyn LegacySystemAdapter>,
        config: SyncConfig,
        client: Option<AigcClient>,
    ) -> Result<Self> {
        config.validate()?;
        Ok(UserSyncService {
            adapter,
            config: Arc::new(config),
            client,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SyncConfig {
        &self.config
    }

    /// Brings the legacy table up to date with a user who just logged in at the auth center.
    ///
    /// Creates the user when missing (with the configured password); when present, updates
    /// the mapped columns whose values differ (the reference never updates on login). The
    /// legacy password is never changed on update. No call to the auth center is made.
    ///
    /// Returns `{"success": true, "auth_user_id", "legacy_user_id", "created", "message":
    /// "User created" | "User updated" | "User unchanged", "updated_fields": [...]}`;
    /// `{"success": true, "message": "Sync disabled"}` when disabled; `{"success": true,
    /// "skipped": true, "message"}` when the direction forbids writing the legacy table.
    ///
    /// Errors: `InvalidInput` for a missing required field, a failing transform, an over-long
    /// value or a missing unique field; the adapter's errors.
    pub async fn sync_on_login(&self, user: &UserProfile) -> Result<Value> {
        if !self.config.enabled {
            return Ok(json!({ "success": true, "message": "Sync disabled" }));
        }
        if let Some(skip) = self.skip_legacy_write() {
            return Ok(skip);
        }
        let auth = profile_record(user);
        let up = self.upsert(&auth).await?;
        let message = match (up.created, up.updated.is_empty()) {
            (true, _) => "User created",
            (false, false) => "User updated",
            (false, true) => "User unchanged",
        };
        Ok(json!({
            "success": true,
            "auth_user_id": user.id,
            "legacy_user_id": up.user_id,
            "created": up.created,
            "message": message,
            "updated_fields": up.updated,
        }))
    }

    /// Handles one webhook event; `data` is the payload's `data` object in auth field names.
    ///
    /// - `user.created`, `user.updated`, `user.login`: create or update as
    ///   [`sync_on_login`](Self::sync_on_login) → `{"success": true, "message": "User
    ///   created" | "User updated", "created", "user_id", "updated_fields"}`. Unlike the
    ///   reference, an update never resets the legacy password.
    /// - `user.deleted`: disables the user found by the unique field → `{"success": true,
    ///   "message": "User disabled", "found"}`, or `{"success": false, "message": "<field> is
    ///   required for user.deleted event"}` without it.
    /// - `user.init_sync_auth`: [`initial_sync`](Self::initial_sync) with default options →
    ///   `{"success": true, "message": "Batch sync completed: N created, N skipped, N failed",
    ///   "results": {total, success, failed, skipped, errors}}`; `{"success": false, ...}`
    ///   without a client, and `{"success": false, "message": "Batch sync stopped: ...",
    ///   "results"}` when a systemic failure stopped it (see
    ///   [`InitialSyncReport::stopped`](crate::InitialSyncReport::stopped)).
    /// - a write the direction forbids → `{"success": true, "skipped": true, "message"}`;
    ///   sync disabled → `{"success": true, "message": "Sync disabled"}`;
    /// - any other event → `{"success": true, "message": "Event ignored"}`.
    ///
    /// Errors: `InvalidInput` when `data` is not an object or a user cannot be mapped; the
    /// adapter's and the initial sync's errors.
    pub async fn handle_webhook(&self, event: &str, data: &Value) -> Result<Value> {
        if !WEBHOOK_EVENTS.contains(&event) {
            return Ok(json!({ "success": true, "message": "Event ignored" }));
        }
        if !self.config.enabled {
            return Ok(json!({ "success": true, "message": "Sync disabled" }));
        }
        let Some(obj) = data.as_object() else {
            return Err(Error::invalid_input(
                "the webhook's data is not a JSON object",
            ));
        };
        match event {
            "user.deleted" => {
                if let Some(skip) = self.skip_legacy_write() {
                    return Ok(skip);
                }
                let unique = &self.config.unique_field;
                let Some(value) = self.unique_legacy_value(obj)? else {
                    return Ok(json!({
                        "success": false,
                        "message": format!("{unique} is required for user.deleted event"),
                    }));
                };
                let found = self
                    .adapter
                    .disable_user(self.config.unique_legacy_field(), &value)
                    .await?;
                Ok(json!({ "success": true, "message": "User disabled", "found": found }))
            }
            "user.init_sync_auth" => {
                if self.client.is_none() {
                    return Ok(json!({
                        "success": false,
                        "message": "auth_client is required for init_sync_auth event",
                    }));
                }
                let r = self
                    .initial_sync(&InitialSyncOptions::default(), None)
                    .await?;
                if r.skipped_by_direction {
                    return Ok(json!({
                        "success": true,
                        "skipped": true,
                        "message": format!(
                            "Skipped: sync direction {} does not write the auth center",
                            self.config.direction.as_str()
                        ),
                    }));
                }
                if let Some(stop) = &r.stopped {
                    return Ok(json!({
                        "success": false,
                        "message": format!(
                            "Batch sync stopped: {stop} ({} created, {} skipped, {} failed, \
                             {} not sent)",
                            r.created, r.skipped, r.failed, r.not_sent
                        ),
                        "results": r.to_json(),
                    }));
                }
                Ok(json!({
                    "success": true,
                    "message": format!(
                        "Batch sync completed: {} created, {} skipped, {} failed",
                        r.created, r.skipped, r.failed
                    ),
                    "results": r.to_json(),
                }))
            }
            _ => {
                if let Some(skip) = self.skip_legacy_write() {
                    return Ok(skip);
                }
                let up = self.upsert(obj).await?;
                Ok(json!({
                    "success": true,
                    "message": if up.created { "User created" } else { "User updated" },
                    "created": up.created,
                    "user_id": up.user_id,
                    "updated_fields": up.updated,
                }))
            }
        }
    }

    fn skip_legacy_write(&self) -> Option<Value> {
        (!self.config.direction.allows_auth_to_legacy()).then(|| {
            json!({
                "success": true,
                "skipped": true,
                "message": format!(
                    "Skipped: sync direction {} does not write the legacy system",
                    self.config.direction.as_str()
                ),
            })
        })
    }

    /// The legacy value of the unique field in an auth-side object (after the mapping's
    /// transform), or `None` when absent.
    fn unique_legacy_value(&self, auth: &Record) -> Result<Option<Value>> {
        let unique = &self.config.unique_field;
        let Some(raw) = auth.get(unique).filter(|v| !v.is_null()) else {
            return Ok(None);
        };
        let mapping = self
            .config
            .field_mappings
            .iter()
            .find(|m| &m.auth_field == unique);
        let value = match mapping.and_then(|m| m.transform_to_legacy.as_ref()) {
            Some(t) => t.apply(raw.clone()).map_err(|msg| {
                Error::invalid_input(format!(
                    "transform '{}' of field '{unique}' failed: {msg}",
                    t.name()
                ))
            })?,
            None => raw.clone(),
        };
        Ok(Some(value).filter(|v| !v.is_null()))
    }

    /// Creates the legacy user or updates its changed mapped columns (never the password).
    async fn upsert(&self, auth: &Record) -> Result<Upsert> {
        let legacy = map_auth_to_legacy(&self.config.field_mappings, auth)?;
        check_lengths(&legacy, self.config.max_field_chars)?;
        let key = self.config.unique_legacy_field();
        let value = legacy.get(key).cloned().ok_or_else(|| {
            Error::invalid_input(format!(
                "the unique field '{}' is missing",
                self.config.unique_field
            ))
        })?;
        match self.adapter.find_user(key, &value).await? {
            Some(existing) => {
                let changes: Record = legacy
                    .iter()
                    .filter(|(k, v)| k.as_str() != key && existing.fields.get(*k) != Some(*v))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                if !changes.is_empty() {
                    self.adapter.update_user(key, &value, &changes).await?;
                }
                Ok(Upsert {
                    created: false,
                    user_id: self.adapter.user_id(&existing),
                    updated: changes.keys().cloned().collect(),
                })
            }
            None => {
                let password = self.password_for(&LegacyUser::new(legacy.clone()))?;
                let id = self.adapter.create_user(&legacy, Some(&password)).await?;
                Ok(Upsert {
                    created: true,
                    user_id: id,
                    updated: Vec::new(),
                })
            }
        }
    }

    /// The password of a user created on the other side, per [`PasswordMode`].
    ///
    /// Errors: `InvalidInput` when there is none (custom mapping without a mapper result, a
    /// stored password or a unified fallback) or it is empty; the mapper's own errors.
    pub fn password_for(&self, user: &LegacyUser) -> Result<LegacyPassword> {
        let c = &self.config;
        if c.password_mode == PasswordMode::CustomMapping {
            let custom = match &c.password_mapper {
                Some(mapper) => mapper.call(user)?,
                None => user.password.clone(),
            };
            if let Some(p) = custom.filter(|p| !p.is_empty()) {
                return Ok(if c.password_is_hashed {
                    LegacyPassword::Hashed(p)
                } else {
                    LegacyPassword::Plain(Password::new(p.expose_secret()))
                });
            }
        }
        match c.unified_password.as_ref().filter(|p| !p.is_empty()) {
            Some(p) => Ok(LegacyPassword::Plain(p.clone())),
            None => Err(Error::invalid_input(
                "the user has no password to sync and no unified password is configured",
            )),
        }
    }

    /// The auth-center user for a legacy user: mapped fields, length checks and the password
    /// (`password_hashed` when hashed). This is what the initial sync sends.
    ///
    /// Errors: `InvalidInput` for a missing required or `username` field, a failing
    /// transform, an over-long value or no password.
    pub fn prepare_auth_user(&self, user: &LegacyUser) -> Result<SyncUser> {
        let mut auth = map_legacy_to_auth(&self.config.field_mappings, &user.fields)?;
        check_lengths(&auth, self.config.max_field_chars)?;
        let username = match auth.remove("username") {
            Some(Value::String(s)) if !s.trim().is_empty() => s,
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(Error::invalid_input("the user has no username")),
        };
        let password = match self.password_for(user)? {
            LegacyPassword::Plain(p) => SyncPassword::Plain(p),
            LegacyPassword::Hashed(h) => SyncPassword::Hashed(h),
        };
        let mut out = SyncUser::new(username, password);
        out.fields = auth;
        Ok(out)
    }

    /// How a legacy user is named in the report: its username column, else its unique
    /// column, else its id.
    pub(crate) fn display_key(&self, user: &LegacyUser) -> String {
        let username_col = self
            .config
            .field_mappings
            .iter()
            .find(|m| m.auth_field == "username")
            .map(|m| m.legacy_field.as_str());
        let v = username_col
            .and_then(|c| user.fields.get(c))
            .filter(|v| !v.is_null())
            .or_else(|| user.fields.get(self.config.unique_legacy_field()))
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or_else(|| self.adapter.user_id(user));
        match v {
            Value::String(s) => s.chars().take(200).collect(),
            other => other.to_string(),
        }
    }
}

#[async_trait]
impl WebhookHandler for UserSyncService {
    async fn handle(&self, event: &str, data: &Value) -> Result<Value> {
        self.handle_webhook(event, data).await
    }
}

struct Upsert {
    created: bool,
    user_id: Value,
    updated: Vec<String>,
}

/// Errors: `InvalidInput` naming the first text value longer than `max` characters.
fn check_lengths(record: &Record, max: usize) -> Result<()> {
    for (k, v) in record {
        if let Value::String(s) = v
            && s.chars().count() > max
        {
            return Err(Error::invalid_input(format!(
                "field '{k}' is longer than {max} characters"
            )));
        }
    }
    Ok(())
}

/// The reference's auth dict of a logged-in user.
fn profile_record(u: &UserProfile) -> Record {
    let mut m = Map::new();
    m.insert("id".into(), Value::String(u.id.clone()));
    let opt = |v: &Option<String>| v.clone().map_or(Value::Null, Value::String);
    m.insert("username".into(), opt(&u.username));
    m.insert("nickname".into(), opt(&u.nickname));
    m.insert("email".into(), opt(&u.email));
    m.insert("phone".into(), opt(&u.phone));
    m.insert("avatar".into(), opt(&u.avatar));
    m.insert("roles".into(), json!(u.roles));
    m.insert("permissions".into(), json!(u.permissions));
    m.insert("department".into(), opt(&u.department));
    m.insert("company".into(), opt(&u.company));
    m.insert("is_admin".into(), Value::Bool(u.is_admin));
    m.insert("status".into(), opt(&u.status));
    m
}
