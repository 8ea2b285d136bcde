//! The polyauth quickstart: an axum server on 127.0.0.1 (port from `PORT`, default 3000)
//! whose routes are protected by the provider chosen by configuration.
//!
//! With no configuration it runs the embedded JWT provider with a freshly generated development
//! key and prints a demo token and ready-to-paste curl lines:
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! To use another provider, set `POLYAUTH_PROVIDER` and its variables (or `POLYAUTH_CONFIG` to a
//! TOML file), in the environment or a `.env` file.

use std::net::SocketAddr;

use polyauth_examples::quickstart::{self, DevSetup};

/// mimalloc rather than the system allocator: under load, glibc's malloc and free took about a
/// fifth of the quickstart's CPU (BENCHMARKS.md, "Load"). An application's choice, not the
/// library's: polyauth works with any global allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    polyauth_examples::report(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    polyauth_examples::init_tracing();

    let port: u16 = match std::env::var("PORT") {
        Ok(p) => p
            .parse()
            .map_err(|_| format!("PORT must be a port number, got `{p}`"))?,
        Err(_) => 3000,
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));

    let (provider, extra, dev) = match quickstart::configured().await? {
        Some(configured) => {
            println!(
                "polyauth quickstart: provider `{}` from configuration",
                configured.provider.name()
            );
            if configured.webhooks.is_some() {
                println!("polyauth quickstart: AIGC webhooks at POST /webhook/auth");
            }
            (configured.provider, configured.webhooks, None)
        }
        None => {
            let dev = DevSetup::generate()?;
            (dev.provider.clone(), None, Some(dev))
        }
    };

    let listener = polyauth_examples::listen(addr)?;
    let base = format!("http://{}", listener.local_addr()?);
    println!("polyauth quickstart listening on {base}");
    if let Some(dev) = &dev {
        let demo = dev.demo_token()?;
        let guest = dev.guest_token()?;
        println!();
        println!("No provider configured: using the embedded JWT provider with a generated");
        println!("development key (HS256, valid until this process exits).");
        println!();
        println!("Demo token (user \"demo\", role admin, permission user:read):");
        println!("  {}", demo.expose_secret());
        println!();
        println!("Try:");
        println!("  export TOKEN={}", demo.expose_secret());
        println!("  curl -s {base}/health");
        println!("  curl -s {base}/metrics                    # Prometheus text");
        println!("  curl -s -H \"Authorization: Bearer $TOKEN\" {base}/me");
        println!("  curl -s -H \"Authorization: Bearer $TOKEN\" {base}/admin");
        println!("  curl -s -H \"Authorization: Bearer $TOKEN\" {base}/users");
        println!("  curl -s -H \"Authorization: Bearer $TOKEN\" {base}/whoami-deep");
        println!("  curl -s -i {base}/me                      # 401: no token");
        println!(
            "  curl -s -i -H \"Authorization: Bearer {}\" {base}/admin   # 403: guest has no admin role",
            guest.expose_secret()
        );
        println!();
    }

    axum::serve(
        listener,
        quickstart::router_with(provider, extra)
            .into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
