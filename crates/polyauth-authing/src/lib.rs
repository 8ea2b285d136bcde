//! Authing v2 backend for polyauth: authentication client, user management, provider. Not for direct use; see the polyauth crate.
//!
//! Work in progress: see the project's issues.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
