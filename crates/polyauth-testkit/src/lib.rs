#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "aigc")]
#[cfg_attr(docsrs, doc(cfg(feature = "aigc")))]
pub mod aigc;
#[cfg(feature = "authing")]
#[cfg_attr(docsrs, doc(cfg(feature = "authing")))]
pub mod authing;
pub mod conformance;
pub mod jwks;
pub mod keys;
/// A generic OpenID Provider (authorization server with OpenID Connect) on loopback, usable
/// in place of panva's `oidc-provider` in tests.
#[cfg(feature = "oidc")]
#[cfg_attr(docsrs, doc(cfg(feature = "oidc")))]
pub mod oidc;
pub mod server;
#[cfg(feature = "shangcloud")]
#[cfg_attr(docsrs, doc(cfg(feature = "shangcloud")))]
pub mod shangcloud;
pub mod wire;

pub use conformance::{
    ConformanceHarness, ConformanceReport, TestUser, provider_conformance,
    shared_state_store_conformance, state_store_conformance,
};
