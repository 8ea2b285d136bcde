//! Real redis-server processes for the tests (no mocks): the shared throwaway server that
//! `scripts/test.sh` starts, and private servers a test can stop and restart.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The URL of the throwaway Redis `scripts/test.sh` started. Fails the test (no silent skip)
/// when it is missing.
pub fn redis_url() -> String {
    std::env::var("POLYAUTH_TEST_REDIS_URL").unwrap_or_else(|_| {
        panic!(
            "POLYAUTH_TEST_REDIS_URL is not set: these tests need a real redis-server. Run them \
             through ./scripts/test.sh (it starts a throwaway one), or start redis-server \
             yourself and export POLYAUTH_TEST_REDIS_URL=redis://127.0.0.1:PORT/ and \
             POLYAUTH_TEST_REDIS_SERVER=$(command -v redis-server)"
        )
    })
}

/// The redis-server binary, for tests that run their own server.
pub fn redis_server_binary() -> String {
    std::env::var("POLYAUTH_TEST_REDIS_SERVER").unwrap_or_else(|_| {
        panic!(
            "POLYAUTH_TEST_REDIS_SERVER is not set: this test starts its own redis-server. Run \
             it through ./scripts/test.sh, or export \
             POLYAUTH_TEST_REDIS_SERVER=$(command -v redis-server)"
        )
    })
}

/// A prefix unique to this test run, so runs sharing one Redis never see each other's keys.
pub fn unique_prefix(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("polyauth-test:{test}:{}:{nanos}:", std::process::id())
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A redis-server child process on a loopback port; killed on drop.
pub struct RedisProcess {
    pub port: u16,
    child: Option<Child>,
}

impl RedisProcess {
    /// Starts redis-server on `port` (no persistence) and waits until it answers PING.
    pub fn start(port: u16) -> RedisProcess {
        let bin = redis_server_binary();
        let child = Command::new(&bin)
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
        let p = RedisProcess {
            port,
            child: Some(child),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ping(port) {
            assert!(
                Instant::now() < deadline,
                "redis-server on port {port} did not answer PING within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        p
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server and waits until the port is closed.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether a Redis on `port` answers PING.
pub fn ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 7];
    matches!(s.read(&mut buf), Ok(n) if n >= 5 && &buf[..5] == b"+PONG")
}
