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

/// Client settings that fail fast (500 ms timeouts, one reconnect try), for outage tests.
pub fn fast_options(prefix: &str) -> polyauth_redis::RedisOptions {
    polyauth_redis::RedisOptions {
        key_prefix: prefix.to_owned(),
        connect_timeout: Duration::from_millis(500),
        response_timeout: Duration::from_millis(500),
        reconnect_retries: 1,
    }
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
        Self::start_with(port, &["--save", "", "--appendonly", "no"], None)
    }

    /// Starts redis-server on `port` with `args`, in `dir` (for its data and cluster files)
    /// when given, and waits until it answers PING.
    pub fn start_with(port: u16, args: &[&str], dir: Option<&std::path::Path>) -> RedisProcess {
        let bin = redis_server_binary();
        let mut command = Command::new(&bin);
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(args);
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        Self::spawn(command, port)
    }

    /// Spawns `command` (a redis-server listening on `port`) and waits until it answers PING.
    fn spawn(mut command: Command, port: u16) -> RedisProcess {
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
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

    /// Starts a Sentinel on `port` (its config file, which it rewrites, in `dir`) watching the
    /// master on `master_port` as `mymaster` (quorum 1, down after 1 s).
    pub fn start_sentinel(port: u16, master_port: u16, dir: &std::path::Path) -> RedisProcess {
        let conf = dir.join(format!("sentinel-{port}.conf"));
        std::fs::write(
            &conf,
            format!(
                "port {port}\nbind 127.0.0.1\nsentinel monitor mymaster 127.0.0.1 {master_port} 1\n\
                 sentinel down-after-milliseconds mymaster 1000\n\
                 sentinel failover-timeout mymaster 5000\n"
            ),
        )
        .unwrap();
        let mut command = Command::new(redis_server_binary());
        command.arg(&conf).arg("--sentinel").current_dir(dir);
        Self::spawn(command, port)
    }

    /// Freezes (`SIGSTOP`) or thaws (`SIGCONT`) the server: it keeps its connections open
    /// and answers nothing meanwhile, as a Redis stuck in a long command or a paused VM.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().map(|c| c.id().to_string()).unwrap();
        let status = Command::new("kill").args([signal, &pid]).status().unwrap();
        assert!(status.success(), "kill {signal} {pid}");
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

/// A private Redis Cluster of three masters (no replicas), each persisting every write
/// (`appendfsync always`) in its own directory, so a killed master restarted on its port
/// comes back with its slots and its acknowledged keys.
pub struct RedisCluster {
    pub nodes: Vec<RedisProcess>,
    dirs: Vec<std::path::PathBuf>,
    /// Holds the nodes' directories; removed after the nodes stop.
    _root: tempfile::TempDir,
}

impl RedisCluster {
    const ARGS: &[&str] = &[
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        "nodes.conf",
        "--cluster-node-timeout",
        "2000",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--save",
        "",
    ];

    /// Starts three nodes on free ports below 45000 (the bus is the port + 10000) and joins
    /// them with `redis-cli --cluster create` (POLYAUTH_TEST_REDIS_CLI), waiting until every
    /// node says `cluster_state:ok`.
    pub fn start() -> RedisCluster {
        let root = tempfile::tempdir().unwrap();
        let mut nodes = Vec::new();
        let mut dirs = Vec::new();
        while nodes.len() < 3 {
            let port = 20_000 + free_port() % 25_000;
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_err()
                || std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_err()
            {
                continue;
            }
            let dir = root.path().join(port.to_string());
            std::fs::create_dir_all(&dir).unwrap();
            nodes.push(RedisProcess::start_with(port, Self::ARGS, Some(&dir)));
            dirs.push(dir);
        }
        let cli = std::env::var("POLYAUTH_TEST_REDIS_CLI").unwrap_or_else(|_| {
            panic!("POLYAUTH_TEST_REDIS_CLI is not set: run the tests through ./scripts/test.sh")
        });
        let addresses: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let out = Command::new(&cli)
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .unwrap_or_else(|e| panic!("cannot run {cli}: {e}"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let cluster = RedisCluster {
            nodes,
            dirs,
            _root: root,
        };
        cluster.wait_ok(Duration::from_secs(20));
        cluster
    }

    /// The `redis+cluster://` URL of the nodes.
    pub fn url(&self) -> String {
        let list: Vec<String> = self
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        format!("redis+cluster://{}/", list.join(","))
    }

    /// Moves `slots` hash slots from node `from` to node `to` with `redis-cli --cluster
    /// reshard` (clients meanwhile get `MOVED` and `ASK` redirections). Blocking: run it on a
    /// blocking thread.
    pub fn reshard(&self, from: usize, to: usize, slots: u32) {
        let id = |i: usize| -> String {
            let client = redis::Client::open(self.nodes[i].url()).unwrap();
            let mut conn = client.get_connection().unwrap();
            redis::cmd("CLUSTER").arg("MYID").query(&mut conn).unwrap()
        };
        let cli = std::env::var("POLYAUTH_TEST_REDIS_CLI").unwrap();
        let out = Command::new(&cli)
            .args([
                "--cluster",
                "reshard",
                &format!("127.0.0.1:{}", self.nodes[0].port),
            ])
            .args(["--cluster-from", &id(from), "--cluster-to", &id(to)])
            .args(["--cluster-slots", &slots.to_string(), "--cluster-yes"])
            .args(["--cluster-pipeline", "10"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    /// Kills node `i` (SIGKILL: no shutdown, no final save).
    pub fn kill(&mut self, i: usize) {
        self.nodes[i].stop();
    }

    /// Restarts node `i` on its port from its directory, and waits for the cluster.
    pub fn restart(&mut self, i: usize) {
        let port = self.nodes[i].port;
        self.nodes[i] = RedisProcess::start_with(port, Self::ARGS, Some(&self.dirs[i]));
        self.wait_ok(Duration::from_secs(30));
    }

    fn wait_ok(&self, within: Duration) {
        let deadline = Instant::now() + within;
        for node in &self.nodes {
            loop {
                let client = redis::Client::open(node.url()).unwrap();
                let info: Option<String> = client
                    .get_connection()
                    .ok()
                    .and_then(|mut c| redis::cmd("CLUSTER").arg("INFO").query(&mut c).ok());
                if info.is_some_and(|i| i.contains("cluster_state:ok")) {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "the cluster is not ok after {within:?}"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

impl Drop for RedisCluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.stop();
        }
    }
}
