//! The `polyauth-emulator` program: it serves on the chosen port, prints credentials, a token
//! the emulator accepts and the quickstart's variables, and injects the faults from its flags.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Program(Child);

impl Drop for Program {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the program and returns it with the lines it printed up to the quickstart hint.
fn run(args: &[&str]) -> (Program, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_polyauth-emulator"))
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let program = Program(child);
    let mut lines = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let done = line.contains("cargo run --example quickstart");
        lines.push(line);
        if done {
            break;
        }
    }
    (program, lines)
}

fn after<'a>(lines: &'a [String], marker: &str) -> &'a str {
    let line = lines
        .iter()
        .find(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("no `{marker}` in {lines:#?}"));
    line.rsplit(' ').next().unwrap()
}

#[tokio::test]
async fn aigc_on_a_chosen_port_with_a_fault() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let port_arg = port.to_string();
    let (_program, lines) = run(&[
        "aigc",
        "--port",
        &port_arg,
        "--fault",
        "503@/sdk/token/verify*1",
    ]);
    let base = format!("http://127.0.0.1:{port}");
    assert!(
        lines[0].ends_with(&format!("listening on {base}")),
        "{lines:#?}"
    );
    let token = after(&lines, "token of alice");
    let hint = lines.last().unwrap();
    for var in [
        "POLYAUTH_PROVIDER=aigc",
        "AIGC_AUTH_APP_ID=",
        "AIGC_AUTH_APP_SECRET=",
        &format!("AIGC_AUTH_BASE_URL={base}"),
    ] {
        assert!(hint.contains(var), "{var} missing from {hint}");
    }
    let app_id = hint
        .split("AIGC_AUTH_APP_ID=")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    let secret = hint
        .split("AIGC_AUTH_APP_SECRET=")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();

    let verify = || {
        reqwest::Client::new()
            .post(format!("{base}/sdk/token/verify"))
            .header("x-app-id", app_id)
            .header("x-app-secret", secret)
            .json(&serde_json::json!({ "token": token }))
            .send()
    };
    // The injected fault answers once, then the emulator does.
    assert_eq!(verify().await.unwrap().status(), 503);
    let body: serde_json::Value = verify().await.unwrap().json().await.unwrap();
    assert_eq!(body["code"], 0, "{body}");
    assert_eq!(body["data"]["valid"], true, "{body}");
    assert_eq!(body["data"]["username"], "alice", "{body}");
}

#[tokio::test]
async fn every_provider_starts_and_prints_its_variables() {
    for (provider, variable) in [
        ("authing", "AUTHING_HOST=http://127.0.0.1:"),
        ("shangcloud", "SHANGCLOUD_BASE_URL=http://127.0.0.1:"),
        ("oidc", "POLYAUTH_OIDC_ISSUER=http://127.0.0.1:"),
    ] {
        let (_program, lines) = run(&[provider]);
        assert!(
            lines.last().unwrap().contains(variable),
            "{provider}: {lines:#?}"
        );
        assert!(
            lines.iter().any(|l| l.contains("token")),
            "{provider}: {lines:#?}"
        );
        assert!(
            !lines.iter().any(|l| l.contains("could not")),
            "{provider}: {lines:#?}"
        );
    }
}

#[test]
fn a_taken_port_is_a_clean_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_polyauth-emulator"))
        .args(["aigc", "--port", &port])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: cannot listen on"), "{stderr}");
}
