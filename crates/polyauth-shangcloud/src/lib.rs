//! ShangCloud OAuth 2.0 backend for polyauth. Not for direct use; see the polyauth crate.
//!
//! Work in progress: see the project's issues.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
