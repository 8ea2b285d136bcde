//! `polyauth-emulator`: serves one provider's emulator on a chosen port, seeds demo users,
//! prints the credentials and tokens it accepts and the variables that point an application
//! (or polyauth's quickstart) at it, and injects faults from flags.
//!
//! ```text
//! polyauth-emulator aigc --port 8081
//! polyauth-emulator authing --port 8082 --fault 503@/graphql/v2*2
//! polyauth-emulator shangcloud --fault delay=3000
//! polyauth-emulator oidc --port 8084
//! ```
//!
//! Stops on Ctrl-C. State lives in memory and is gone when it stops.

#![forbid(unsafe_code)]

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use polyauth_testkit::aigc::AigcEmulator;
use polyauth_testkit::authing::{AuthingEmulator, SeedUser};
use polyauth_testkit::oidc::{OidcEmulator, RESOURCE};
use polyauth_testkit::server::{Emulator, Fault, FaultKind, bind_to};
use polyauth_testkit::shangcloud::{CLIENT_ID, CLIENT_SECRET, ShangCloudEmulator};

/// How long the printed sample tokens stay valid: one day.
const TOKEN_TTL: Duration = Duration::from_secs(24 * 3600);

#[derive(Parser, Debug)]
#[command(
    name = "polyauth-emulator",
    version,
    about = "Serve a polyauth provider emulator on loopback (or a chosen address) for manual testing."
)]
struct Args {
    /// Which provider to emulate.
    provider: Provider,
    /// TCP port (0: any free port, printed at start).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to listen on. Anything but loopback exposes a test server with known secrets.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// A fault to inject, repeatable: `KIND[@PATH][*TIMES]`. KIND is an HTTP status (`503`),
    /// `delay=MILLISECONDS`, `malformed-json`, `html`, `huge=BYTES` or `close`; PATH limits
    /// it to one exact path; TIMES to that many requests (forever without).
    #[arg(long = "fault", value_name = "SPEC", value_parser = parse_fault)]
    faults: Vec<Fault>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Provider {
    /// The AIGC auth center (`/sdk/...`).
    Aigc,
    /// Authing v2 (GraphQL, REST, OIDC).
    Authing,
    /// ShangCloud OAuth 2.0.
    Shangcloud,
    /// A generic OpenID Provider (discovery, JWKS, authorization code, introspection, ...).
    Oidc,
}

/// Parses `KIND[@PATH][*TIMES]` into a [`Fault`].
fn parse_fault(spec: &str) -> Result<Fault, String> {
    let (rest, times) = match spec.rsplit_once('*') {
        Some((rest, times)) => {
            let times: u32 = times
                .parse()
                .map_err(|_| format!("`{times}` is not a number of requests"))?;
            (rest, Some(times))
        }
        None => (spec, None),
    };
    let (kind, path) = match rest.split_once('@') {
        Some((kind, path)) if path.starts_with('/') => (kind, Some(path)),
        Some((_, path)) => return Err(format!("the path `{path}` must start with `/`")),
        None => (rest, None),
    };
    let number = |text: &str, what: &str| {
        text.parse::<u64>()
            .map_err(|_| format!("`{text}` is not a number of {what}"))
    };
    let kind = match kind.split_once('=') {
        Some(("delay", ms)) => FaultKind::Delay(Duration::from_millis(number(ms, "milliseconds")?)),
        Some(("huge", bytes)) => {
            let bytes = number(bytes, "bytes")?;
            FaultKind::HugeBody(usize::try_from(bytes).map_err(|_| "too many bytes".to_owned())?)
        }
        Some(_) => return Err(format!("unknown fault `{kind}`")),
        None => match kind {
            "malformed-json" => FaultKind::MalformedJson,
            "html" => FaultKind::Html,
            "close" => FaultKind::CloseConnection,
            status => match status.parse::<u16>() {
                Ok(code) if (100..=599).contains(&code) => FaultKind::Status(code),
                _ => {
                    return Err(format!(
                        "unknown fault `{status}` (an HTTP status, delay=MS, malformed-json, html, huge=BYTES or close)"
                    ));
                }
            },
        },
    };
    let mut fault = Fault::new(kind);
    if let Some(path) = path {
        fault = fault.on_path(path);
    }
    if let Some(times) = times {
        fault = fault.times(times);
    }
    Ok(fault)
}

/// A running emulator of any kind, kept alive until Ctrl-C.
enum Running {
    Aigc(AigcEmulator),
    Authing(AuthingEmulator),
    Shangcloud(ShangCloudEmulator),
    Oidc(OidcEmulator),
}

impl Running {
    fn server(&self) -> &Emulator {
        match self {
            Running::Aigc(e) => e.server(),
            Running::Authing(e) => e.emulator(),
            Running::Shangcloud(e) => e.server(),
            Running::Oidc(e) => e.server(),
        }
    }
}

async fn start(provider: Provider) -> Running {
    match provider {
        Provider::Aigc => Running::Aigc(AigcEmulator::start().await),
        Provider::Authing => Running::Authing(AuthingEmulator::start().await),
        Provider::Shangcloud => Running::Shangcloud(ShangCloudEmulator::start().await),
        Provider::Oidc => Running::Oidc(OidcEmulator::start().await),
    }
}

/// Seeds demo users and prints what to configure. Returns the lines to print.
fn describe(running: &Running) -> Vec<String> {
    let base = running.server().base_url();
    let mut out = Vec::new();
    let mut env: Vec<(&str, String)> = Vec::new();
    match running {
        Running::Aigc(emu) => {
            emu.add_user("alice", &["admin", "dev"], &["user:read", "order:*"]);
            emu.add_user("bob", &["dev"], &["user:read"]);
            out.push(format!(
                "app id {} / app secret {}",
                emu.app_id(),
                emu.app_secret()
            ));
            for (user, what) in [
                ("alice", "roles admin, dev; permissions user:read, order:*"),
                ("bob", "role dev; permission user:read"),
            ] {
                if let Some(token) = emu.issue_token_for(user, TOKEN_TTL) {
                    out.push(format!("token of {user} ({what}): {token}"));
                }
            }
            env.push(("POLYAUTH_PROVIDER", "aigc".into()));
            env.push(("AIGC_AUTH_APP_ID", emu.app_id().into()));
            env.push(("AIGC_AUTH_APP_SECRET", emu.app_secret().into()));
            env.push(("AIGC_AUTH_BASE_URL", base.clone()));
        }
        Running::Authing(emu) => {
            let options = emu.options();
            let id = emu.add_user(SeedUser {
                username: Some("alice".into()),
                email: Some("alice@example.com".into()),
                password: Some("alice-password".into()),
                roles: vec!["admin".into()],
                permissions: vec!["read".into()],
                ..SeedUser::default()
            });
            out.push(format!(
                "app id {} / app secret {}; user pool {} / pool secret {}",
                options.app_id, options.app_secret, options.user_pool_id, options.pool_secret
            ));
            out.push(
                "user alice (e-mail alice@example.com, password alice-password, role admin)".into(),
            );
            let ttl = i64::try_from(TOKEN_TTL.as_secs()).unwrap_or(i64::MAX);
            out.push(format!("token of alice: {}", emu.issue_token(&id, ttl)));
            env.push(("POLYAUTH_PROVIDER", "authing".into()));
            env.push(("AUTHING_APP_ID", options.app_id.clone()));
            env.push(("AUTHING_APP_SECRET", options.app_secret.clone()));
            env.push(("AUTHING_USER_POOL_ID", options.user_pool_id.clone()));
            env.push(("AUTHING_POOL_SECRET", options.pool_secret.clone()));
            env.push(("AUTHING_HOST", base.clone()));
            env.push(("AUTHING_APP_HOST", base.clone()));
        }
        Running::Shangcloud(emu) => {
            let alice = emu.add_user("alice", "alice@example.com");
            out.push(format!(
                "client id {CLIENT_ID} / client secret {CLIENT_SECRET}"
            ));
            let (access, refresh) = emu.issue_tokens(alice.uid, "user:basic", TOKEN_TTL);
            out.push(format!(
                "access token of alice (uid {}): {access}",
                alice.uid
            ));
            out.push(format!("refresh token of alice: {refresh}"));
            env.push(("POLYAUTH_PROVIDER", "shangcloud".into()));
            env.push(("SHANGCLOUD_CLIENT_ID", CLIENT_ID.into()));
            env.push(("SHANGCLOUD_CLIENT_SECRET", CLIENT_SECRET.into()));
            env.push((
                "SHANGCLOUD_REDIRECT_URI",
                "http://127.0.0.1:3000/oauth/callback".into(),
            ));
            env.push(("SHANGCLOUD_BASE_URL", base.clone()));
        }
        Running::Oidc(emu) => {
            let client = emu.register_client(serde_json::json!({
                "client_id": "polyauth-demo",
                "client_secret": "polyauth-demo-secret",
                "redirect_uris": ["http://127.0.0.1:3000/callback"],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
            }));
            if let Some(error) = client.get("error") {
                out.push(format!("could not register the demo client: {error}"));
            }
            out.push("client id polyauth-demo / client secret polyauth-demo-secret (redirect URI http://127.0.0.1:3000/callback)".into());
            out.push(format!(
                "JWT access token of alice for {RESOURCE}: {}",
                emu.issue_access_token_jwt("alice", "openid profile email", TOKEN_TTL)
            ));
            env.push(("POLYAUTH_PROVIDER", "oidc".into()));
            env.push(("POLYAUTH_OIDC_ISSUER", emu.issuer()));
            env.push(("POLYAUTH_OIDC_CLIENT_ID", "polyauth-demo".into()));
            env.push(("POLYAUTH_OIDC_CLIENT_SECRET", "polyauth-demo-secret".into()));
            env.push(("POLYAUTH_OIDC_TOKEN_MODE", "jwt".into()));
            env.push(("POLYAUTH_OIDC_AUDIENCE", RESOURCE.into()));
        }
    }
    let exports: Vec<String> = env.iter().map(|(k, v)| format!("{k}={v}")).collect();
    out.push(String::new());
    out.push("Point the quickstart at it:".into());
    out.push(format!(
        "  {} cargo run --example quickstart",
        exports.join(" ")
    ));
    out
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let addr = SocketAddr::new(args.host, args.port);
    // Checked first, for a clean error instead of the emulator's panic.
    if let Err(error) = std::net::TcpListener::bind(addr) {
        eprintln!("error: cannot listen on {addr}: {error}");
        return ExitCode::FAILURE;
    }
    let running = bind_to(addr, start(args.provider)).await;
    for fault in args.faults {
        running.server().inject(fault);
    }
    let name = args
        .provider
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default();
    println!(
        "polyauth-emulator: {name} listening on {}",
        running.server().base_url()
    );
    for line in describe(&running) {
        println!("{line}");
    }
    let _ = tokio::signal::ctrl_c().await;
    running.server().shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_specs_parse() {
        let fault = parse_fault("503@/sdk/token/verify*2").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fault.kind, FaultKind::Status(503));
        assert_eq!(fault.path.as_deref(), Some("/sdk/token/verify"));
        assert_eq!(fault.remaining, Some(2));
        let fault = parse_fault("delay=1500").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fault.kind, FaultKind::Delay(Duration::from_millis(1500)));
        assert_eq!((fault.path, fault.remaining), (None, None));
        assert!(parse_fault("teapot").is_err());
        assert!(parse_fault("503@sdk").is_err());
        assert!(parse_fault("503*x").is_err());
        assert!(parse_fault("999").is_err());
    }
}
