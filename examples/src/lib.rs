//! Shared code of the polyauth examples, so the end-to-end tests serve exactly what the
//! examples serve.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod legacy_sync;
pub mod oidc_login;
pub mod quickstart;
pub mod shangcloud_login;
