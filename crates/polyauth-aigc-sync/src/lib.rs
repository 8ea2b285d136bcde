#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod adapter;
mod config;
mod initial;
mod mapping;
mod service;
#[cfg(feature = "sql")]
#[cfg_attr(docsrs, doc(cfg(feature = "sql")))]
pub mod sql;

pub use adapter::{LegacyPage, LegacyPassword, LegacySystemAdapter, LegacyUser, UnreadableRow};
pub use config::{PasswordMapper, PasswordMapperFn, PasswordMode, SyncConfig, SyncDirection};
pub use initial::{
    DEFAULT_MAX_CONSECUTIVE_FAILURES, InitialSyncOptions, InitialSyncReport, MAX_RATE_LIMIT_WAIT,
    MAX_RATE_LIMIT_WAITS, ProgressFn, StopReason, SyncProgress, SyncStop, UserSyncError,
};
pub use mapping::{
    BUILTIN_TRANSFORMS, FieldMapping, FieldMappingSpec, Record, Transform, TransformFn,
    create_default_field_mappings, map_auth_to_legacy, map_legacy_to_auth,
};
/// The auth-center side of a synced user (from `polyauth-aigc`), as
/// [`UserSyncService::prepare_auth_user`] returns it.
pub use polyauth_aigc::{SyncPassword, SyncUser};
pub use service::{UserSyncService, WEBHOOK_EVENTS};
#[cfg(feature = "sql")]
#[cfg_attr(docsrs, doc(cfg(feature = "sql")))]
pub use sql::{DEFAULT_BCRYPT_COST, SqlAdapter, SqlAdapterConfig};

/// The crate's reference (its `docs.md`): cargo features, the mapping file, the
/// `aigc-legacy-sync` tool and the deliberate differences from the reference's
/// `legacy_adapter`. Documentation only: this module has no items.
pub mod _docs {
    #![doc = include_str!("../docs.md")]
}
