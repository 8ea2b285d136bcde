#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod conformance;
pub mod jwks;
pub mod keys;
pub mod server;

pub use conformance::{
    ConformanceHarness, ConformanceReport, TestUser, provider_conformance,
    shared_state_store_conformance, state_store_conformance,
};
