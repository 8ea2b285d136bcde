//! [`SyncConfig`]: what is synced, in which direction, and with which password.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use polyauth_core::{Error, Password, Result, Secret};
use serde::Deserialize;

use polyauth_aigc::webhook::WebhookSender;

use crate::adapter::LegacyUser;
use crate::mapping::{FieldMapping, create_default_field_mappings};

/// How the password of a user created on the other side is chosen (the reference's
/// `PasswordMode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PasswordMode {
    /// Every created user gets [`SyncConfig::unified_password`] (sent as plain text).
    #[default]
    Unified,
    /// The password comes from [`SyncConfig::password_mapper`] or, without one, from the
    /// adapter's password source ([`LegacyUser::password`]); it is a hash when
    /// [`SyncConfig::password_is_hashed`]. A user with neither falls back to the unified
    /// password (as the reference does) or, without one, is a per-user error.
    CustomMapping,
}

/// Which writes a sync may make (the reference stores this and never reads it; polyauth
/// honours it). A write the direction forbids is skipped and reported as skipped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncDirection {
    /// Auth center → legacy only: sync-on-login and webhooks write the legacy table; the
    /// initial sync to the auth center is skipped.
    #[default]
    AuthToLegacy,
    /// Legacy → auth center only: the initial sync runs; sync-on-login and webhooks leave the
    /// legacy table alone.
    LegacyToAuth,
    /// Both.
    Bidirectional,
}

impl SyncDirection {
    /// Whether writes to the legacy table are allowed.
    pub fn allows_auth_to_legacy(self) -> bool {
        matches!(
            self,
            SyncDirection::AuthToLegacy | SyncDirection::Bidirectional
        )
    }

    /// Whether writes to the auth center are allowed.
    pub fn allows_legacy_to_auth(self) -> bool {
        matches!(
            self,
            SyncDirection::LegacyToAuth | SyncDirection::Bidirectional
        )
    }

    /// The reference's name: `auth_to_legacy`, `legacy_to_auth` or `bidirectional`.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncDirection::AuthToLegacy => "auth_to_legacy",
            SyncDirection::LegacyToAuth => "legacy_to_auth",
            SyncDirection::Bidirectional => "bidirectional",
        }
    }
}

/// A password chosen for a user by a [`PasswordMapper`].
pub type PasswordMapperFn = dyn Fn(&LegacyUser) -> Result<Option<Secret>> + Send + Sync;

/// The reference's `password_mapper`: a function from a legacy user (its columns, and the
/// adapter's password when it has one) to the password to send, or `None` when it has none.
#[derive(Clone)]
pub struct PasswordMapper(Arc<PasswordMapperFn>);

impl PasswordMapper {
    /// Wraps a function. An `Err` becomes a per-user error of the sync.
    pub fn new(f: impl Fn(&LegacyUser) -> Result<Option<Secret>> + Send + Sync + 'static) -> Self {
        PasswordMapper(Arc::new(f))
    }

    /// Calls the mapper.
    pub fn call(&self, user: &LegacyUser) -> Result<Option<Secret>> {
        (self.0)(user)
    }
}

impl fmt::Debug for PasswordMapper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordMapper(..)")
    }
}

/// Settings of a legacy-system sync (the reference's `SyncConfig`; the webhook settings make
/// the [`WebhookSender`] of [`SyncConfig::webhook_sender`]).
///
/// Defaults ([`SyncConfig::default`]): enabled, [`SyncDirection::AuthToLegacy`], the
/// [`create_default_field_mappings`], unique field `username`, [`PasswordMode::Unified`] with
/// **no** unified password (the reference ships `"Abc@123456"`; polyauth makes you choose
/// one), 3 webhook attempts, 10 s webhook timeout, 1024-character field limit.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SyncConfig {
    /// When false, sync-on-login answers "Sync disabled" and writes nothing.
    pub enabled: bool,
    /// Which writes are allowed.
    pub direction: SyncDirection,
    /// The field mappings.
    pub field_mappings: Vec<FieldMapping>,
    /// The auth-center field that identifies a user on both sides (default `username`). The
    /// legacy column is the one it maps to (or the same name when no mapping names it).
    pub unique_field: String,
    /// How created users get their password.
    pub password_mode: PasswordMode,
    /// The password of [`PasswordMode::Unified`] (and the fallback of custom mapping).
    pub unified_password: Option<Password>,
    /// The custom password source of [`PasswordMode::CustomMapping`].
    pub password_mapper: Option<PasswordMapper>,
    /// Whether custom-mapped passwords are already bcrypt hashes (sent as
    /// `password_hashed`, stored as they are) rather than plain text.
    pub password_is_hashed: bool,
    /// Longest accepted text value of a mapped field, in characters; a longer value is a
    /// per-user error.
    pub max_field_chars: usize,
    /// Where the [`WebhookSender`] posts (no URL = no sender).
    pub webhook_url: Option<String>,
    /// The HMAC key of outgoing webhooks.
    pub webhook_secret: Option<Secret>,
    /// Attempts per webhook (at least 1).
    pub webhook_retry_count: u32,
    /// Timeout of one webhook attempt.
    pub webhook_timeout: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            enabled: true,
            direction: SyncDirection::default(),
            field_mappings: create_default_field_mappings(),
            unique_field: "username".to_owned(),
            password_mode: PasswordMode::Unified,
            unified_password: None,
            password_mapper: None,
            password_is_hashed: false,
            max_field_chars: 1024,
            webhook_url: None,
            webhook_secret: None,
            webhook_retry_count: 3,
            webhook_timeout: Duration::from_secs(10),
        }
    }
}

impl SyncConfig {
    /// The default configuration with `direction`.
    pub fn new(direction: SyncDirection) -> Self {
        SyncConfig {
            direction,
            ..SyncConfig::default()
        }
    }

    /// Replaces the field mappings.
    pub fn with_mappings(mut self, mappings: Vec<FieldMapping>) -> Self {
        self.field_mappings = mappings;
        self
    }

    /// Sets the unique auth-center field.
    pub fn with_unique_field(mut self, field: impl Into<String>) -> Self {
        self.unique_field = field.into();
        self
    }

    /// Uses [`PasswordMode::Unified`] with `password`.
    pub fn with_unified_password(mut self, password: Password) -> Self {
        self.password_mode = PasswordMode::Unified;
        self.unified_password = Some(password);
        self
    }

    /// Uses [`PasswordMode::CustomMapping`]; `mapper` may be `None` to take the adapter's
    /// password source; `hashed` says whether the passwords are bcrypt hashes.
    pub fn with_custom_passwords(mut self, mapper: Option<PasswordMapper>, hashed: bool) -> Self {
        self.password_mode = PasswordMode::CustomMapping;
        self.password_mapper = mapper;
        self.password_is_hashed = hashed;
        self
    }

    /// The legacy column holding [`unique_field`](Self::unique_field).
    pub fn unique_legacy_field(&self) -> &str {
        self.field_mappings
            .iter()
            .find(|m| m.auth_field == self.unique_field)
            .map_or(self.unique_field.as_str(), |m| m.legacy_field.as_str())
    }

    /// The [`WebhookSender`] of this configuration: it posts to
    /// [`webhook_url`](Self::webhook_url), signed with [`webhook_secret`](Self::webhook_secret),
    /// in at most [`webhook_retry_count`](Self::webhook_retry_count) attempts of at most
    /// [`webhook_timeout`](Self::webhook_timeout) each. `None` when there is no URL.
    ///
    /// Errors: `ConfigInvalid` for a URL that is not http(s) or an HTTP client that cannot be
    /// built.
    pub fn webhook_sender(&self) -> Result<Option<WebhookSender>> {
        match self.webhook_url.as_deref().filter(|u| !u.is_empty()) {
            Some(url) => WebhookSender::new(
                url,
                self.webhook_secret.clone(),
                self.webhook_retry_count,
                self.webhook_timeout,
            )
            .map(Some),
            None => Ok(None),
        }
    }

    /// Sets the outgoing webhooks' target and HMAC key (see
    /// [`webhook_sender`](Self::webhook_sender)).
    pub fn with_webhook(mut self, url: impl Into<String>, secret: Option<Secret>) -> Self {
        self.webhook_url = Some(url.into());
        self.webhook_secret = secret;
        self
    }

    /// Checks the configuration. Errors: `ConfigInvalid` for an empty unique field, no
    /// mappings, unified mode without a unified password, or a webhook retry count of 0.
    pub fn validate(&self) -> Result<()> {
        if self.unique_field.trim().is_empty() {
            return Err(Error::config("sync: the unique field is empty"));
        }
        if self.field_mappings.is_empty() {
            return Err(Error::config("sync: no field mappings"));
        }
        if self.password_mode == PasswordMode::Unified
            && self
                .unified_password
                .as_ref()
                .is_none_or(Password::is_empty)
        {
            return Err(Error::config(
                "sync: password mode `unified` needs a non-empty unified password",
            ));
        }
        if self.webhook_retry_count == 0 {
            return Err(Error::config(
                "sync: webhook_retry_count must be at least 1",
            ));
        }
        Ok(())
    }
}
