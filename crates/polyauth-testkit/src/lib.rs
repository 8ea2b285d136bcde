#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "aigc")]
pub mod aigc;
#[cfg(feature = "authing")]
pub mod authing;
pub mod conformance;
pub mod jwks;
pub mod keys;
pub mod server;
#[cfg(feature = "shangcloud")]
pub mod shangcloud;

pub use conformance::{
    ConformanceHarness, ConformanceReport, TestUser, provider_conformance,
    shared_state_store_conformance, state_store_conformance,
};
