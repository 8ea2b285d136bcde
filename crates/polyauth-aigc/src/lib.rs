#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
pub mod config;
pub mod context;
mod factory;
pub mod model;
mod outbound;
mod provider;
pub mod stats;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod web;
pub mod webhook;

pub use client::{AigcClient, MAX_BATCH};
pub use config::{AigcConfig, AigcConfigFile};
pub use factory::{AigcFactory, factory};
pub use model::{
    AccessKeyInfo, BatchSyncOutcome, CreatedAccessKey, Group, KeyType, SyncOutcome, SyncPassword,
    SyncUser, UserById, WebhookRegistration, user_from_json, user_from_value,
};
pub use outbound::{AuthRequestClient, DEFAULT_OUTBOUND_TIMEOUT, OutboundConfig, OutboundRequest};
pub use provider::{ACCESS_KEY_PREFIX, AigcProvider};
pub use stats::{ApiStat, StatsCollector, StatsConfig, StatsCounters};

/// The provider name stamped on errors and profiles: `"aigc"`.
pub const PROVIDER: &str = "aigc";

/// The backend's reference (the crate's `docs.md`): the capability checklist against the
/// reference SDK, configuration keys, caching, access keys, statistics, webhooks and the
/// deliberate differences. Documentation only: this module has no items.
pub mod _docs {
    #![doc = include_str!("../docs.md")]
}
