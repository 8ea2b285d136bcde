//! AIGC auth center backend for polyauth (huace-aigc-auth-client parity). Not for direct use; see the polyauth crate.
//!
//! Work in progress: see the project's issues.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
