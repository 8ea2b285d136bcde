#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;
mod registry;
mod shared;

pub use config::{ProviderConfig, build, register_provider};
pub use polyauth_core::*;
pub use registry::{
    EXEMPT_ENV_PREFIXES, KNOWN_PROVIDERS, OWNED_ENV_PREFIXES, Registry, compiled_providers,
};

/// Types from other crates that appear in polyauth's public signatures, re-exported so an
/// application need not depend on the same versions by hand: header types from `http` 1.x
/// (the ones reqwest and axum use), `url::Url`, and `serde_json`'s `Map` and `Value`
/// (profiles' raw claims, custom data, management payloads).
pub use ::http::{HeaderMap, HeaderName, HeaderValue};
pub use serde_json::{Map, Value};
pub use url::Url;

/// The crates themselves, for the rest of their API (`polyauth::deps::serde_json::json!`, ...).
pub mod deps {
    pub use ::http;
    pub use serde_json;
    pub use url;
}

/// The local JWT provider (feature `jwt`).
#[cfg(feature = "jwt")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwt")))]
pub use polyauth_jwt as jwt;

/// tower/axum middleware, extractors and guards (feature `axum`).
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use polyauth_axum as axum;

/// The AIGC auth center backend (feature `aigc`).
#[cfg(feature = "aigc")]
#[cfg_attr(docsrs, doc(cfg(feature = "aigc")))]
pub use polyauth_aigc as aigc;

/// Legacy-system user sync for the AIGC auth center (feature `aigc-sync`; its SQL adapter and
/// CLI are the features `sql` and `cli` of `polyauth-aigc-sync`).
#[cfg(feature = "aigc-sync")]
#[cfg_attr(docsrs, doc(cfg(feature = "aigc-sync")))]
pub use polyauth_aigc_sync as aigc_sync;

/// The Authing backend (feature `authing`).
#[cfg(feature = "authing")]
#[cfg_attr(docsrs, doc(cfg(feature = "authing")))]
pub use polyauth_authing as authing;

/// The ShangCloud OAuth 2.0 backend (feature `shangcloud`).
#[cfg(feature = "shangcloud")]
#[cfg_attr(docsrs, doc(cfg(feature = "shangcloud")))]
pub use polyauth_shangcloud as shangcloud;

/// The generic OpenID Connect provider and the OAuth 2.0 / OIDC engine (feature `oidc`).
#[cfg(feature = "oidc")]
#[cfg_attr(docsrs, doc(cfg(feature = "oidc")))]
pub use polyauth_oidc as oidc;

/// Redis-backed shared state (feature `redis`).
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use polyauth_redis as redis;

/// The workspace README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
