//! Load benchmark: the quickstart server with the AIGC provider (configured through
//! `POLYAUTH_PROVIDER=aigc`) against the loopback AIGC emulator.
//!
//! ```sh
//! cargo bench -p polyauth-tests --bench aigc_load
//! ```
//!
//! Mixes, each a fixed number of `GET /me` requests from 64 concurrent client tasks:
//! - cached: 100 tokens, each looked up once up front, then reused;
//! - uncached: a fresh token per request, so every request costs one `/sdk/user/info` call;
//! - with `POLYAUTH_TEST_REDIS_URL` set, three instances of the quickstart (one process, each
//!   its own provider, caches and Redis connections), every new token requested once on each
//!   instance: first with per-instance caches, then with `[cache] shared` on that Redis.
//!
//! Prints requests/s, p50 and p99 latency, and upstream `/sdk/user/info` calls per 1000
//! requests. Loopback only; bounded by the request counts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use polyauth::env::Env;
use polyauth_examples::quickstart;
use polyauth_testkit::aigc::AigcEmulator;

const CONCURRENCY: usize = 64;
const CACHED_REQUESTS: usize = 20_000;
const UNCACHED_REQUESTS: usize = 5_000;

async fn serve(emu: &AigcEmulator, extra: &[(&str, String)]) -> String {
    let mut vars = vec![
        ("POLYAUTH_PROVIDER", "aigc".to_owned()),
        ("AIGC_AUTH_APP_ID", emu.app_id().to_owned()),
        ("AIGC_AUTH_APP_SECRET", emu.app_secret().to_owned()),
        ("AIGC_AUTH_BASE_URL", emu.base_url()),
    ];
    vars.extend(extra.iter().cloned());
    let env = Env::from_pairs(vars);
    let provider = quickstart::configured_provider_from(&env)
        .await
        .unwrap()
        .unwrap();
    let app = quickstart::router(provider);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    base
}

/// Sends one request per token with `CONCURRENCY` workers, request `i` to `bases[i % n]`;
/// returns the sorted latencies and the wall time.
async fn run(bases: &[String], tokens: Vec<String>) -> (Vec<Duration>, Duration) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .build()
        .unwrap();
    let tokens = Arc::new(tokens);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let urls: Arc<Vec<String>> = Arc::new(bases.iter().map(|b| format!("{b}/me")).collect());
    let started = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (client, tokens, next, urls) =
                (client.clone(), tokens.clone(), next.clone(), urls.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(token) = tokens.get(i) else { break };
                    let t = Instant::now();
                    let url = &urls[i % urls.len()];
                    let resp = client.get(url).bearer_auth(token).send().await.unwrap();
                    assert_eq!(resp.status(), 200);
                    let _ = resp.bytes().await.unwrap();
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let wall = started.elapsed();
    all.sort();
    (all, wall)
}

fn report(name: &str, latencies: &[Duration], wall: Duration, upstream: u64) {
    let n = latencies.len();
    let pct = |p: f64| latencies[((n as f64 * p) as usize).min(n - 1)];
    println!(
        "{name:<10} requests {n:>6}  {:>8.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  upstream /user/info per 1000 requests {:>7.1}",
        n as f64 / wall.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        upstream as f64 * 1000.0 / n as f64,
    );
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let emu = AigcEmulator::start().await;
        emu.add_user("demo", &["admin"], &["user:read"]);
        let base = [serve(&emu, &[]).await];

        // Cached mix: 100 tokens, warmed up, then reused.
        let hot: Vec<String> = (0..100).map(|_| emu.issue_token("demo").unwrap()).collect();
        run(&base[..], hot.clone()).await;
        emu.server().reset_calls();
        let tokens: Vec<String> = (0..CACHED_REQUESTS)
            .map(|i| hot[i % hot.len()].clone())
            .collect();
        let (lat, wall) = run(&base[..], tokens).await;
        report("cached", &lat, wall, emu.calls("/user/info"));

        // Uncached mix: a new token per request.
        let tokens: Vec<String> = (0..UNCACHED_REQUESTS)
            .map(|_| emu.issue_token("demo").unwrap())
            .collect();
        emu.server().reset_calls();
        let (lat, wall) = run(&base[..], tokens).await;
        report("uncached", &lat, wall, emu.calls("/user/info"));

        // Three instances, each new token requested once on each of them.
        let Ok(redis) = std::env::var("POLYAUTH_TEST_REDIS_URL") else {
            println!("3 instances: skipped (set POLYAUTH_TEST_REDIS_URL to a Redis)");
            return;
        };
        let prefix = format!("polyauth-bench:{}:", std::process::id());
        let shared = [
            ("POLYAUTH_REDIS_URL", redis),
            ("POLYAUTH_CACHE_SHARED", "true".to_owned()),
            (
                "POLYAUTH_CACHE_KEY_SECRET",
                "a-deployment-wide-32-byte-secret".to_owned(),
            ),
            ("POLYAUTH_CACHE_KEY_PREFIX", prefix),
        ];
        for (name, extra) in [("3 x local", &[][..]), ("3 x shared", &shared[..])] {
            let mut bases = Vec::new();
            for _ in 0..3 {
                bases.push(serve(&emu, extra).await);
            }
            let tokens: Vec<String> = (0..UNCACHED_REQUESTS / 3)
                .flat_map(|_| {
                    let t = emu.issue_token("demo").unwrap();
                    [t.clone(), t.clone(), t]
                })
                .collect();
            emu.server().reset_calls();
            let (lat, wall) = run(&bases, tokens).await;
            report(name, &lat, wall, emu.calls("/user/info"));
        }
    });
}
