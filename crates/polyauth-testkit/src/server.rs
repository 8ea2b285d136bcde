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
use tokio::task::JoinHandle;

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

#[derive(Debug, Default)]
struct Control {
    faults: Mutex<Vec<Fault>>,
    calls: Mutex<HashMap<String, u64>>,
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

/// A running emulator on loopback. Dropping the handle stops the server.
#[derive(Debug)]
pub struct Emulator {
    addr: SocketAddr,
    control: Arc<Control>,
    task: JoinHandle<()>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Emulator {
    /// Serves `router` on `127.0.0.1:0` with call counting and fault injection.
    ///
    /// Panics if no loopback port can be bound (a test environment failure).
    pub async fn serve(router: Router) -> Emulator {
        let control = Arc::new(Control::default());
        let app = router.layer(middleware::from_fn_with_state(control.clone(), intercept));
        #[allow(clippy::expect_used)]
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port for the emulator");
        #[allow(clippy::expect_used)]
        let addr = listener.local_addr().expect("emulator address");
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Emulator {
            addr,
            control,
            task,
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
            tokio::time::sleep(d).await;
            next.run(request).await
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
