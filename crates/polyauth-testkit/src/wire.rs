//! Wire fidelity: compare the requests a client sends with requests recorded from a reference
//! SDK.
//!
//! A fixture (one JSON file per operation, written by `scripts/record-reference-wire.sh` from
//! the reference Python SDK) holds the requests the SDK sent for one call with fixed inputs,
//! each reduced to what a provider sees (method, path, query, meaningful headers, parsed body),
//! and the responses the recorder answered with. [`WireCheck`] replays those responses from a
//! loopback [`Recorder`], lets the test drive the same operation through a native client,
//! reduces its requests the same way and compares them with the fixture. Differences that are
//! deliberate are declared with their reason in the area's `deviations.toml`; anything else,
//! and any declaration that no longer matches a difference, fails the check.
//!
//! The reduction (the same in `scripts/wire/recorder.py`):
//! - header names lowercased; `accept`, `accept-encoding`, `connection`, `content-length`,
//!   `host` and `user-agent` dropped (they belong to the HTTP client); a repeated header keeps
//!   its last value;
//! - query and form bodies as `name -> value` (a list when a name repeats);
//! - a body is `null` when empty, `{"json": value}` for JSON (a GraphQL `query` string
//!   normalized to its tokens, one space apart), `{"form": {...}}` for a form, `{"text": s}`
//!   otherwise;
//! - object keys compare as sets (a `null` value and an absent key are different); arrays in
//!   order.
//!
//! ```no_run
//! # async fn demo() {
//! use polyauth_testkit::wire::WireCheck;
//!
//! let mut check = WireCheck::new("../../tests/wire-fixtures/aigc").await;
//! let base_url = check.base_url();
//! // build the native client against `base_url`, then, per operation:
//! check.run("verify_token", || async { /* client.verify_token("...").await */ }).await;
//! check.finish(); // panics with a report of undeclared differences
//! # }
//! ```

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::server::Emulator;

/// What stands in a fixture for a volatile value (a ciphertext, a random state, a clock).
pub const MASK: &str = "<masked>";

/// Headers that belong to the HTTP client, not to the provider protocol.
const TRANSPORT_HEADERS: [&str; 6] = [
    "accept",
    "accept-encoding",
    "connection",
    "content-length",
    "host",
    "user-agent",
];

#[derive(Default)]
struct Tape {
    exchanges: Vec<Value>,
    responses: VecDeque<Value>,
}

/// A loopback HTTP server that records every request (reduced as the module describes) and
/// answers with the scripted responses, in order, the last one repeating (`200 {}` when none
/// is scripted).
pub struct Recorder {
    emulator: Emulator,
    tape: Arc<Mutex<Tape>>,
}

impl Recorder {
    /// Serves on `127.0.0.1:0`.
    pub async fn start() -> Recorder {
        let tape = Arc::new(Mutex::new(Tape::default()));
        let router = Router::new().fallback(record).with_state(tape.clone());
        Recorder {
            emulator: Emulator::serve(router).await,
            tape,
        }
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.emulator.base_url()
    }

    /// Starts an operation: forgets what was recorded and queues its responses, each
    /// `{"status": <u16>, "body": <json>}`.
    pub fn script(&self, responses: impl IntoIterator<Item = Value>) {
        let mut tape = self.tape.lock().unwrap_or_else(PoisonError::into_inner);
        tape.exchanges.clear();
        tape.responses = responses.into_iter().collect();
    }

    /// The exchanges recorded since [`script`](Self::script), each `{"request", "response"}`.
    pub fn take(&self) -> Vec<Value> {
        let mut tape = self.tape.lock().unwrap_or_else(PoisonError::into_inner);
        std::mem::take(&mut tape.exchanges)
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

async fn record(State(tape): State<Arc<Mutex<Tape>>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let query = parts
        .uri
        .query()
        .map(|q| multimap(url::form_urlencoded::parse(q.as_bytes()).into_owned()))
        .unwrap_or_default();
    let reduced = json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": query,
        "headers": reduce_headers(&parts.headers),
        "body": reduce_body(&parts.headers, &bytes),
    });
    let response = {
        let mut tape = tape.lock().unwrap_or_else(PoisonError::into_inner);
        let response = if tape.responses.len() > 1 {
            tape.responses.pop_front()
        } else {
            tape.responses.front().cloned()
        }
        .unwrap_or_else(|| json!({"status": 200, "body": {}}));
        tape.exchanges
            .push(json!({"request": reduced, "response": response.clone()}));
        response
    };
    let status = response["status"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let body = serde_json::to_vec(&response["body"]).unwrap_or_default();
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        Body::from(body),
    )
        .into_response()
}

fn reduce_headers(headers: &HeaderMap) -> Map<String, Value> {
    headers
        .iter()
        .filter(|(name, _)| !TRANSPORT_HEADERS.contains(&name.as_str()))
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), Value::String(value))
        })
        .collect()
}

fn reduce_body(headers: &HeaderMap, bytes: &Bytes) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let text = String::from_utf8_lossy(bytes).into_owned();
    if media == "application/json" || media.ends_with("+json") {
        return match serde_json::from_str::<Value>(&text) {
            Ok(mut value) => {
                if let Some(query) = value.get_mut("query")
                    && let Some(text) = query.as_str()
                {
                    *query = Value::String(normalize_graphql(text));
                }
                json!({ "json": value })
            }
            Err(_) => json!({ "text": text }),
        };
    }
    if media == "application/x-www-form-urlencoded" {
        return json!({ "form": multimap(url::form_urlencoded::parse(bytes).into_owned()) });
    }
    json!({ "text": text })
}

/// `name -> value`, or `name -> [values]` when a name repeats.
fn multimap(pairs: impl IntoIterator<Item = (String, String)>) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in pairs {
        match out.get_mut(&name) {
            Some(Value::Array(values)) => values.push(Value::String(value)),
            Some(first) => {
                let first = first.take();
                out.insert(name, Value::Array(vec![first, Value::String(value)]));
            }
            None => {
                out.insert(name, Value::String(value));
            }
        }
    }
    out
}

/// A GraphQL document as its tokens, one space apart: formatting, commas and comments do not
/// count.
pub fn normalize_graphql(document: &str) -> String {
    let chars: Vec<char> = document.chars().collect();
    let mut tokens: Vec<String> = Vec::new();
    let mut i = 0;
    let is_name_start = |c: char| c == '_' || c.is_ascii_alphabetic();
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c == '#' {
            while i < chars.len() && chars[i] != '\n' && chars[i] != '\r' {
                i += 1;
            }
            continue;
        }
        if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(chars.len());
        } else if chars[i..].starts_with(&['.', '.', '.']) {
            i += 3;
        } else if is_name_start(c) {
            while i < chars.len() && (chars[i] == '_' || chars[i].is_ascii_alphanumeric()) {
                i += 1;
            }
        } else if c.is_ascii_digit()
            || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || ".eE+-".contains(chars[i])) {
                i += 1;
            }
        } else if "!$()[]{}:=@|&".contains(c) {
            i += 1;
        } else {
            i += 1;
            continue;
        }
        tokens.push(chars[start..i].iter().collect());
    }
    tokens.join(" ")
}

/// One recorded operation of a reference SDK (a file of the fixture folder).
#[derive(Clone, Debug, serde::Deserialize)]
pub struct Fixture {
    /// The operation's name (the file name without `.json`).
    pub operation: String,
    /// The reference SDK call, for people.
    pub reference: String,
    /// JSON pointers into the exchanges whose values are volatile and masked.
    #[serde(default)]
    pub masked: Vec<String>,
    /// What was sent and answered, in order: `[{"request", "response"}]`.
    pub exchanges: Vec<Value>,
}

/// A difference between a fixture and what the native client sent: at `pointer` (into the
/// list of exchanges, e.g. `/0/request/headers/x-authing-lang`), the reference's value and
/// ours (`None` = absent).
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// The operation.
    pub operation: String,
    /// JSON pointer into the list of exchanges (`/0/request/...`).
    pub pointer: String,
    /// The reference's value (`None` when the reference has no such field).
    pub reference: Option<Value>,
    /// The native client's value (`None` when it has no such field).
    pub native: Option<Value>,
}

/// A declared deliberate difference (an entry of `deviations.toml`).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// The operation, or `*` for every operation of the area.
    pub operation: String,
    /// JSON pointer into the list of exchanges (`/0/request/...`).
    pub pointer: String,
    /// Why polyauth sends something else.
    pub reason: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviationFile {
    #[serde(default)]
    deviation: Vec<Deviation>,
}

/// Applies a fixture's masks to recorded exchanges (pointers that match nothing are left).
pub fn mask(exchanges: &mut [Value], pointers: &[String]) {
    let mut list = Value::Array(exchanges.to_vec());
    for pointer in pointers {
        if let Some(value) = list.pointer_mut(pointer) {
            *value = Value::String(MASK.to_owned());
        }
    }
    if let Value::Array(masked) = list {
        for (slot, value) in exchanges.iter_mut().zip(masked) {
            *slot = value;
        }
    }
}

/// The differences between the fixture's requests and the native exchanges (masked first).
pub fn compare(fixture: &Fixture, native: &[Value]) -> Vec<Difference> {
    let mut native = native.to_vec();
    mask(&mut native, &fixture.masked);
    // Responses are the fixture's own; only requests are compared.
    let requests = |exchanges: &[Value]| {
        let requests = exchanges.iter().map(|e| json!({"request": e["request"]}));
        Value::Array(requests.collect())
    };
    let mut out = Vec::new();
    diff(
        &fixture.operation,
        String::new(),
        Some(&requests(&fixture.exchanges)),
        Some(&requests(&native)),
        &mut out,
    );
    out
}

fn diff(
    operation: &str,
    pointer: String,
    reference: Option<&Value>,
    native: Option<&Value>,
    out: &mut Vec<Difference>,
) {
    let escape = |key: &str| key.replace('~', "~0").replace('/', "~1");
    match (reference, native) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let at = format!("{pointer}/{}", escape(key));
                diff(operation, at, a.get(key), b.get(key), out);
            }
        }
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            for i in 0..a.len().max(b.len()) {
                diff(operation, format!("{pointer}/{i}"), a.get(i), b.get(i), out);
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(Difference {
            operation: operation.to_owned(),
            pointer,
            reference: a.cloned(),
            native: b.cloned(),
        }),
    }
}

/// Drives a native client through the operations of one fixture folder and checks its
/// requests against the fixtures and the folder's `deviations.toml`.
pub struct WireCheck {
    folder: PathBuf,
    fixtures: BTreeMap<String, Fixture>,
    deviations: Vec<Deviation>,
    recorder: Recorder,
    ran: BTreeSet<String>,
    unknown: Vec<String>,
    differences: Vec<Difference>,
}

impl std::fmt::Debug for WireCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WireCheck")
            .field("folder", &self.folder)
            .field("recorder", &self.recorder)
            .finish_non_exhaustive()
    }
}

impl WireCheck {
    /// Loads every `*.json` fixture of `folder` and its `deviations.toml` (optional), and
    /// starts a [`Recorder`].
    ///
    /// Panics (it is a test helper) when a file does not parse.
    pub async fn new(folder: impl AsRef<Path>) -> WireCheck {
        let folder = folder.as_ref().to_path_buf();
        let mut fixtures = BTreeMap::new();
        let entries = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("reading {}: {e}", folder.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
                let fixture: Fixture = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()));
                fixtures.insert(fixture.operation.clone(), fixture);
            }
        }
        let deviations = match std::fs::read_to_string(folder.join("deviations.toml")) {
            Ok(text) => {
                toml::from_str::<DeviationFile>(&text)
                    .unwrap_or_else(|e| panic!("parsing {}/deviations.toml: {e}", folder.display()))
                    .deviation
            }
            Err(_) => Vec::new(),
        };
        WireCheck {
            folder,
            fixtures,
            deviations,
            recorder: Recorder::start().await,
            ran: BTreeSet::new(),
            unknown: Vec::new(),
            differences: Vec::new(),
        }
    }

    /// The recorder's base URL, to build the native clients with.
    pub fn base_url(&self) -> String {
        self.recorder.base_url()
    }

    /// Runs one operation: scripts the fixture's responses, awaits `call` (its result does not
    /// matter: the requests do) and records the differences.
    pub async fn run<F, Fut>(&mut self, operation: &str, call: F)
    where
        F: FnOnce() -> Fut,
        Fut: Future,
    {
        let Some(fixture) = self.fixtures.get(operation) else {
            self.unknown.push(operation.to_owned());
            return;
        };
        self.recorder
            .script(fixture.exchanges.iter().map(|e| e["response"].clone()));
        let _ = call().await;
        let native = self.recorder.take();
        self.differences.extend(compare(fixture, &native));
        self.ran.insert(operation.to_owned());
    }

    /// The differences found so far.
    pub fn differences(&self) -> &[Difference] {
        &self.differences
    }

    /// Panics with a report unless every fixture ran, every operation had a fixture, every
    /// difference is declared and every declaration matched a difference.
    pub fn finish(self) {
        let mut report = String::new();
        let not_run: Vec<&String> = self
            .fixtures
            .keys()
            .filter(|op| !self.ran.contains(*op))
            .collect();
        if !not_run.is_empty() {
            let _ = writeln!(report, "fixtures no test drove: {not_run:?}");
        }
        if !self.unknown.is_empty() {
            let _ = writeln!(report, "operations without a fixture: {:?}", self.unknown);
        }
        let declared = |d: &Difference, v: &Deviation| {
            (v.operation == "*" || v.operation == d.operation) && v.pointer == d.pointer
        };
        for d in &self.differences {
            if !self.deviations.iter().any(|v| declared(d, v)) {
                let _ = writeln!(
                    report,
                    "{} {}: reference {} / polyauth {}",
                    d.operation,
                    d.pointer,
                    shown(&d.reference),
                    shown(&d.native)
                );
            }
        }
        for v in &self.deviations {
            if !self.differences.iter().any(|d| declared(d, v)) {
                let _ = writeln!(
                    report,
                    "declared deviation no longer seen: {} {} ({})",
                    v.operation, v.pointer, v.reason
                );
            }
        }
        assert!(
            report.is_empty(),
            "wire check of {} failed:\n{report}",
            self.folder.display()
        );
    }
}

fn shown(value: &Option<Value>) -> String {
    value
        .as_ref()
        .map_or_else(|| "(absent)".to_owned(), Value::to_string)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn graphql_normalization_ignores_layout_commas_and_comments() {
        let a = "query  getUser($id: String!) {\n  user(id: $id) { id, email } # who\n}";
        let b = "query getUser($id:String!){user(id:$id){id email}}";
        assert_eq!(normalize_graphql(a), normalize_graphql(b));
        assert_eq!(
            normalize_graphql(b),
            "query getUser ( $ id : String ! ) { user ( id : $ id ) { id email } }"
        );
        assert_ne!(
            normalize_graphql("{ a(x: 1) }"),
            normalize_graphql("{ a(x: -1) }")
        );
    }

    #[test]
    fn compare_tells_null_from_absent_and_masks() {
        let fixture = Fixture {
            operation: "op".into(),
            reference: String::new(),
            masked: vec!["/0/request/body/json/password".into()],
            exchanges: vec![json!({"request": {"body": {"json": {"password": MASK, "a": null}}}})],
        };
        let same = vec![json!({"request": {"body": {"json": {"password": "x", "a": null}}}})];
        assert!(compare(&fixture, &same).is_empty());
        let absent = vec![json!({"request": {"body": {"json": {"password": "x"}}}})];
        let found = compare(&fixture, &absent);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].pointer, "/0/request/body/json/a");
        assert_eq!(found[0].reference, Some(Value::Null));
        assert_eq!(found[0].native, None);
    }
}
