//! [`LegacySystemAdapter`]: what an application implements over its own user table.

use async_trait::async_trait;
use polyauth_core::{Error, Password, Result, Secret};
use serde_json::Value;

use crate::mapping::Record;

/// A user read from the legacy table.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct LegacyUser {
    /// The columns, by legacy column name (the password column is not among them).
    pub fields: Record,
    /// The stored password (usually a bcrypt hash), when the adapter has a password source.
    pub password: Option<Secret>,
}

impl LegacyUser {
    /// A user with these columns and no password.
    pub fn new(fields: Record) -> Self {
        LegacyUser {
            fields,
            password: None,
        }
    }

    /// Sets the stored password.
    pub fn with_password(mut self, password: Secret) -> Self {
        self.password = Some(password);
        self
    }
}

/// The password of a user created in the legacy table.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum LegacyPassword {
    /// Plain text: the adapter hashes it before storing it.
    Plain(Password),
    /// Already a hash (bcrypt): stored as it is.
    Hashed(Secret),
}

/// A legacy row that could not be read (invalid UTF-8, an unsupported type): reported as a
/// per-user error while the sync goes on.
#[derive(Debug)]
#[non_exhaustive]
pub struct UnreadableRow {
    /// The row's key as text (its id), for the report.
    pub key: String,
    /// Why it could not be read.
    pub error: Error,
}

impl UnreadableRow {
    /// A row `key` that failed with `error`.
    pub fn new(key: impl Into<String>, error: Error) -> Self {
        UnreadableRow {
            key: key.into(),
            error,
        }
    }
}

/// One page of [`LegacySystemAdapter::fetch_page`].
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct LegacyPage {
    /// The rows, in key order.
    pub rows: Vec<std::result::Result<LegacyUser, UnreadableRow>>,
    /// The cursor of the next page (the last row's key), `None` when this was the last page.
    pub next: Option<Value>,
}

impl LegacyPage {
    /// A page of `rows` followed by the page after `next`.
    pub fn new(
        rows: Vec<std::result::Result<LegacyUser, UnreadableRow>>,
        next: Option<Value>,
    ) -> Self {
        LegacyPage { rows, next }
    }
}

/// An application's own user table, as the sync sees it (the reference's
/// `LegacySystemAdapter`, with the unique field honoured instead of hard-coded `username`).
///
/// `field` arguments are legacy column names and `value` the JSON value to match; fields are
/// always legacy column names. Errors are the adapter's own (a database error should become
/// `Unavailable`, bad input `InvalidInput`); the sync reports them per user and goes on.
///
/// `SqlAdapter` (feature `sql`) implements it over a SQL table.
#[async_trait]
pub trait LegacySystemAdapter: Send + Sync {
    /// The user whose `field` equals `value`, or `None`.
    async fn find_user(&self, field: &str, value: &Value) -> Result<Option<LegacyUser>>;

    /// Creates a user with these columns and, when given, this password; returns its id.
    async fn create_user(
        &self,
        fields: &Record,
        password: Option<&LegacyPassword>,
    ) -> Result<Value>;

    /// Sets `changes` (columns) on the user whose `field` equals `value`; `false` when no such
    /// user exists. Never called with a password.
    async fn update_user(&self, field: &str, value: &Value, changes: &Record) -> Result<bool>;

    /// Disables (or deletes, as the application prefers) the user whose `field` equals
    /// `value`; `false` when no such user exists.
    async fn disable_user(&self, field: &str, value: &Value) -> Result<bool>;

    /// At most `limit` users whose key is after `after` (from the start when `None`), in key
    /// order: keyset pagination, so the whole table is never in memory. An error ends the
    /// initial sync (the rows before it are already counted).
    async fn fetch_page(&self, after: Option<&Value>, limit: usize) -> Result<LegacyPage>;

    /// The legacy id of a user, for result objects (default: its `id` column).
    fn user_id(&self, user: &LegacyUser) -> Value {
        user.fields.get("id").cloned().unwrap_or(Value::Null)
    }
}
