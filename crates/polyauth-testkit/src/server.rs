//! Emulator scaffolding shared by every provider emulator: serving a router on loopback,
//! per-route call counters, and fault injection.
//!
//! An emulator is an axum [`Router`] wrapped by [`Emulator::serve`], which binds
//! `127.0.0.1:0`, adds the counting and fault-injecting middleware, and returns a handle with
//! the base URL. Tests then script faults:
//!
//! ```
//! use std::time::Duration;
//! use axum::{routing::get, Router};
//! use polyauth_testkit::server::{Emulator, Fault};
//!
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! let emu = Emulator::serve(Router::new().route("/ping", get(|| async { "pong" }))).await;
//! let url = format!("{}/ping", emu.base_url());
//! emu.inject(Fault::status(503).on_path("/ping").times(1));
//! // first call: 503 (injected), second call: 200
//! # let _ = (url, Duration::ZERO);
//! assert_eq!(emu.calls("/ping"), 0);
//! # });
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::sync::watch;
use tokio::task::JoinHandle;

tokio::task_local! {
    /// The address [`Emulator::serve`] binds inside [`bind_to`].
    static BIND_ADDR: SocketAddr;
}

/// Runs `start` (say `AigcEmulator::start()`) so that the emulator it starts listens on `addr`
/// instead of `127.0.0.1:0`: how the `polyauth-emulator` program serves an emulator on a
/// chosen port. Every [`Emulator::serve`] inside `start` binds `addr`, so `start` should start
/// one emulator.
///
/// Panics as [`Emulator::serve`] does when `addr` cannot be bound; check it first for a clean
/// error.
pub async fn bind_to<F: std::future::Future>(addr: SocketAddr, start: F) -> F::Output {
    BIND_ADDR.scope(addr, start).await
}

/// How long [`Emulator::shutdown`] waits for open connections before cutting them off.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What an injected fault does to a matching request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this HTTP status and a small plain-text body.
    Status(u16),
    /// Wait this long, then handle the request normally (to exceed a client's timeout).
    Delay(Duration),
    /// Answer 200 with a truncated JSON body.
    MalformedJson,
    /// Answer 200 with an HTML page (a proxy's error page).
    Html,
    /// Answer 200 with a JSON body of about this many bytes.
    HugeBody(usize),
    /// Start a 200 response, then reset the connection mid-body.
    CloseConnection,
}

/// A fault to inject: what, on which path (all paths when `None`), how many times (forever
/// when `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    /// What the fault does.
    pub kind: FaultKind,
    /// Only requests to this exact path.
    pub path: Option<String>,
    /// How many requests it affects.
    pub remaining: Option<u32>,
}

impl Fault {
    /// A status fault on every path, forever.
    pub fn status(status: u16) -> Fault {
        Fault::new(FaultKind::Status(status))
    }

    /// A fault of any kind on every path, forever.
    pub fn new(kind: FaultKind) -> Fault {
        Fault {
            kind,
            path: None,
            remaining: None,
        }
    }

    /// Restricts the fault to one path.
    pub fn on_path(mut self, path: impl Into<String>) -> Fault {
        self.path = Some(path.into());
        self
    }

    /// Limits the fault to `n` requests.
    pub fn times(mut self, n: u32) -> Fault {
        self.remaining = Some(n);
        self
    }
}

#[derive(Debug)]
struct Control {
    faults: Mutex<Vec<Fault>>,
    calls: Mutex<HashMap<String, u64>>,
    /// Set once the emulator stops: the server stops accepting, open connections close, and
    /// requests held by an injected delay end at once.
    closing: watch::Sender<bool>,
}

impl Default for Control {
    fn default() -> Self {
        Control {
            faults: Mutex::default(),
            calls: Mutex::default(),
            closing: watch::Sender::new(false),
        }
    }
}

impl Control {
    fn count(&self, path: &str) {
        let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
        *calls.entry(path.to_owned()).or_default() += 1;
    }

    fn take_fault(&self, path: &str) -> Option<FaultKind> {
        let mut faults = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        let idx = faults
            .iter()
            .position(|f| f.path.as_deref().is_none_or(|p| p == path))?;
        let kind = faults[idx].kind.clone();
        if let Some(n) = faults[idx].remaining.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                faults.remove(idx);
            }
        }
        Some(kind)
    }
}

/// A running emulator on loopback. Dropping the handle stops the server in the background;
/// [`shutdown`](Emulator::shutdown) stops it and returns once the port is closed.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    control: Arc<Control>,
    /// The accept loop; `None` once [`shutdown`](Emulator::shutdown) has awaited it.
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.control.closing.send_replace(true);
        if let Some(task) = self
            .task
            .get_mut()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            task.abort();
        }
    }
}

impl Emulator {
    /// Serves `router` on `127.0.0.1:0` (or the address of an enclosing [`bind_to`]) with call
    /// counting and fault injection (and the peer's `ConnectInfo<SocketAddr>`, so an
    /// application's own router can be served too).
    ///
    /// Panics if no loopback port can be bound (a test environment failure).
    pub async fn serve(router: Router) -> Emulator {
        let control = Arc::new(Control::default());
        let app = router.layer(middleware::from_fn_with_state(control.clone(), intercept));
        let addr = BIND_ADDR
            .try_with(|addr| *addr)
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)));
        #[allow(clippy::expect_used)]
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .expect("bind a loopback port for the emulator");
        #[allow(clippy::expect_used)]
        let addr = listener.local_addr().expect("emulator address");
        let mut closing = control.closing.subscribe();
        let task = tokio::spawn(async move {
            let stop = async move {
                let _ = closing.wait_for(|closing| *closing).await;
            };
            // With the peer address, for routers that read `ConnectInfo` (an app under test).
            let service = app.into_make_service_with_connect_info::<SocketAddr>();
            let _ = axum::serve(listener, service)
                .with_graceful_shutdown(stop)
                .await;
        });
        Emulator {
            addr,
            control,
            task: Mutex::new(Some(task)),
        }
    }

    /// Stops the server and returns once it is gone: the listener is closed (a new connection
    /// to [`addr`](Self::addr) is refused), open connections are closed (a client's pooled
    /// keep-alive connection cannot reach the emulator any more), and requests held by an
    /// injected [`FaultKind::Delay`] are answered 503 at once. Connections still open after
    /// a few seconds are cut off. Call counters stay readable; calling it again does nothing.
    ///
    /// Use it instead of dropping the handle and sleeping when a test needs the emulator gone.
    pub async fn shutdown(&self) {
        self.control.closing.send_replace(true);
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(mut task) = task
            && tokio::time::timeout(SHUTDOWN_GRACE, &mut task)
                .await
                .is_err()
        {
            task.abort();
            let _ = task.await;
        }
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Adds a fault; the first matching fault in insertion order applies.
    pub fn inject(&self, fault: Fault) {
        self.control
            .faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(fault);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.control
            .faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// How many requests reached `path` (faulted ones included).
    pub fn calls(&self, path: &str) -> u64 {
        self.control
            .calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// Resets every call counter.
    pub fn reset_calls(&self) {
        self.control
            .calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

async fn intercept(State(control): State<Arc<Control>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    control.count(&path);
    match control.take_fault(&path) {
        None => next.run(request).await,
        Some(FaultKind::Delay(d)) => {
            let mut closing = control.closing.subscribe();
            let shut_down = async move {
                // `wait_for`'s guard is not `Send`: drop it here, before any other await.
                let _ = closing.wait_for(|closing| *closing).await;
            };
            tokio::select! {
                () = tokio::time::sleep(d) => next.run(request).await,
                () = shut_down => {
                    (StatusCode::SERVICE_UNAVAILABLE, "emulator shut down").into_response()
                }
            }
        }
        Some(FaultKind::Status(s)) => {
            let status = StatusCode::from_u16(s).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, format!("injected fault: HTTP {s}")).into_response()
        }
        Some(FaultKind::MalformedJson) => {
            json_response(Body::from("{\"code\": 0, \"data\": {\"id\""))
        }
        Some(FaultKind::Html) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, HeaderValue::from_static("text/html"))],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
        )
            .into_response(),
        Some(FaultKind::HugeBody(n)) => {
            let filler = "x".repeat(n);
            json_response(Body::from(format!("{{\"code\":0,\"data\":\"{filler}\"}}")))
        }
        Some(FaultKind::CloseConnection) => {
            let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = vec![
                Ok(bytes::Bytes::from_static(b"{\"code\": 0, \"da")),
                Err(std::io::Error::other("injected connection reset")),
            ];
            json_response(Body::from_stream(futures::stream::iter(chunks)))
        }
    }
}

fn json_response(body: Body) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// The `(id, secret)` of an `Authorization: Basic` header as sent: base64 of `id:secret`, split
/// at the first `:`, nothing url-decoded (an emulator that accepts RFC 6749's form-encoded
/// credentials decodes them itself). `None` when the header is absent or not Basic.
#[cfg(any(feature = "authing", feature = "shangcloud", feature = "oidc"))]
pub fn basic_credentials(headers: &axum::http::HeaderMap) -> Option<(String, String)> {
    use base64::Engine as _;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use axum::routing::get;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn shutdown_closes_the_port_and_pooled_connections_and_ends_delays() {
        let emu = Emulator::serve(
            Router::new()
                .route("/ping", get(|| async { "pong" }))
                .route("/slow", get(|| async { "late" })),
        )
        .await;
        let client = reqwest::Client::new();
        let ping = format!("{}/ping", emu.base_url());
        // A keep-alive connection now sits in the client's pool.
        let pong = client.get(&ping).send().await.unwrap();
        assert_eq!(pong.text().await.unwrap(), "pong");

        emu.inject(Fault::new(FaultKind::Delay(Duration::from_secs(600))).on_path("/slow"));
        let slow = tokio::spawn({
            let (client, url) = (client.clone(), format!("{}/slow", emu.base_url()));
            async move { client.get(url).send().await.unwrap().status() }
        });
        while emu.calls("/slow") == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }

        emu.shutdown().await;
        assert_eq!(
            slow.await.unwrap(),
            StatusCode::SERVICE_UNAVAILABLE,
            "the delayed request is answered at once"
        );
        // Neither the pooled connection nor a new one reaches the emulator.
        let after = client.get(&ping).send().await;
        assert!(
            !after.as_ref().is_ok_and(|r| r.status() == StatusCode::OK),
            "{after:?}"
        );
        // Counters stay readable; a second shutdown does nothing.
        assert_eq!(emu.calls("/ping"), 1);
        emu.shutdown().await;
    }
}
