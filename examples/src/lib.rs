//! Shared code of the polyauth examples, so the end-to-end tests serve exactly what the
//! examples serve.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod legacy_sync;
pub mod oidc_login;
pub mod quickstart;
pub mod shangcloud_login;

use std::net::SocketAddr;
use std::process::ExitCode;

/// The listen backlog when `LISTEN_BACKLOG` is not set: bursts of a thousand connections fit
/// (the OS default of 128 overflows; uvicorn uses 2048 too). The kernel caps it at
/// `net.core.somaxconn`.
pub const DEFAULT_BACKLOG: u32 = 2048;

/// Logs to standard error: `RUST_LOG` when set, else `info` (one line per upstream call, at
/// `debug`, is too much under load; `RUST_LOG=info,polyauth=debug` shows them).
pub fn init_tracing() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
}

/// A listener on `addr` with the backlog from `LISTEN_BACKLOG` (default
/// [`DEFAULT_BACKLOG`]), built with [`tokio::net::TcpSocket`] because
/// `TcpListener::bind` fixes the backlog at 1024 or less. `SO_REUSEADDR` is set so a restart
/// does not wait for `TIME_WAIT`.
///
/// Errors: `LISTEN_BACKLOG` that is not a number (`InvalidInput`), or the socket's own
/// errors (address in use, permission denied).
pub fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let backlog = match std::env::var("LISTEN_BACKLOG") {
        Ok(text) => text.trim().parse().map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("LISTEN_BACKLOG must be a whole number, got `{text}`"),
            )
        })?,
        Err(_) => DEFAULT_BACKLOG,
    };
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

/// The exit of an example's `main`: on error, `error: <message>` (the `Display` text, not
/// `Debug`) on standard error and exit status 1.
pub fn report(result: Result<(), Box<dyn std::error::Error>>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
