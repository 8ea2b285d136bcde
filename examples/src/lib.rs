//! Shared code of the polyauth examples, so the end-to-end tests serve exactly what the
//! examples serve.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod legacy_sync;
pub mod oidc_login;
pub mod quickstart;
pub mod shangcloud_login;

/// Logs to standard error: `RUST_LOG` when set, else `info` with polyauth's own events at
/// `debug` (the examples' shared start-up).
pub fn init_tracing() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,polyauth=debug".into()),
        )
        .init();
}
