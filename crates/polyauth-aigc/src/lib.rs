#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
pub mod config;
pub mod context;
mod factory;
pub mod model;
mod outbound;
mod provider;
pub mod stats;
pub mod sync;
#[cfg(feature = "axum")]
pub mod web;
pub mod webhook;

pub use client::{AigcClient, MAX_BATCH};
pub use config::{AigcConfig, AigcConfigFile};
pub use factory::AigcFactory;
pub use model::{
    AccessKeyInfo, BatchSyncOutcome, CreatedAccessKey, Group, KeyType, SyncOutcome, SyncPassword,
    SyncUser, UserById, WebhookRegistration, user_from_json,
};
pub use outbound::{AuthRequestClient, DEFAULT_OUTBOUND_TIMEOUT, OutboundConfig, OutboundRequest};
pub use provider::{ACCESS_KEY_PREFIX, AigcProvider};
pub use stats::{ApiStat, StatsCollector, StatsConfig, StatsCounters};

/// The provider name stamped on errors and profiles: `"aigc"`.
pub const PROVIDER: &str = "aigc";
