//! ShangCloud login example: an axum app with `/login`, `/oauth/callback` and `/me`.
//!
//! ```sh
//! SHANGCLOUD_CLIENT_ID=... SHANGCLOUD_CLIENT_SECRET=... \
//! SHANGCLOUD_REDIRECT_URI=http://127.0.0.1:3000/oauth/callback \
//! POLYAUTH_REDIS_URL=redis://127.0.0.1:6379/   # optional: states in Redis instead of memory
//! cargo run -p polyauth-examples --example shangcloud_login
//! ```
//! Variables may also come from a `.env` file. `PORT` changes the port (default 3000).

use polyauth::env::Env;
use polyauth_examples::shangcloud_login::{client_from_env, router};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    polyauth_examples::report(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    polyauth_examples::init_tracing();
    let env = Env::dotenv()?;
    let client = client_from_env(&env).await?;
    let port: u16 = env.parse("PORT")?.unwrap_or(3000);
    let listener = polyauth_examples::listen(std::net::SocketAddr::from(([127, 0, 0, 1], port)))?;
    println!(
        "ShangCloud login example on http://{}/login (states in {})",
        listener.local_addr()?,
        if polyauth_examples::shangcloud_login::redis_url(&env).is_some() {
            "Redis"
        } else {
            "memory"
        }
    );
    axum::serve(listener, router(client)).await?;
    Ok(())
}
