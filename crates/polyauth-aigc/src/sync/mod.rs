//! Legacy-system sync (the reference's `legacy_adapter`): keep an application's own user
//! table and the auth center in step.
//!
//! - [`LegacySystemAdapter`]: the application's user table (find by the unique field, create,
//!   update, disable, read page by page); [`sql::SqlAdapter`] (feature `sql`) implements it
//!   over a SQLite or Postgres table.
//! - [`SyncConfig`]: [`FieldMapping`]s with transforms, the unique field, the
//!   [`SyncDirection`] (honoured: a forbidden write is skipped and reported), the
//!   [`PasswordMode`] and the webhook target.
//! - [`UserSyncService`]: sync-on-login, webhook events, and the initial legacy → auth sync
//!   through `/sdk/sync/batch` with bounded concurrency and a per-user fallback.

mod adapter;
mod config;
mod mapping;
mod service;
#[cfg(feature = "sql")]
pub mod sql;

pub use adapter::{LegacyPage, LegacyPassword, LegacySystemAdapter, LegacyUser, UnreadableRow};
pub use config::{PasswordMapper, PasswordMapperFn, PasswordMode, SyncConfig, SyncDirection};
pub use mapping::{
    BUILTIN_TRANSFORMS, FieldMapping, FieldMappingSpec, Record, Transform, TransformFn,
    create_default_field_mappings, map_auth_to_legacy, map_legacy_to_auth,
};
pub use service::{
    InitialSyncOptions, InitialSyncReport, ProgressFn, SyncProgress, UserSyncError,
    UserSyncService, WEBHOOK_EVENTS,
};
