//! Redis-backed shared state for polyauth: RedisStateStore. Not for direct use; see the polyauth crate.
//!
//! Work in progress: see the project's issues.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
