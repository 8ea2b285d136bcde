#![forbid(unsafe_code)]
//! Legacy sync: an axum app on 127.0.0.1 (port from `PORT`, default 3001) in front of a real
//! SQLite legacy user table with bcrypt password hashes, kept in step with the AIGC auth
//! center by sync-on-login (`GET /me`) and signed webhooks (`POST /webhook/auth`).
//!
//! ```text
//! cargo run -p polyauth-examples --example legacy_sync
//! ```
//!
//! - Auth center: with `AIGC_AUTH_APP_ID`, `AIGC_AUTH_APP_SECRET` and `AIGC_AUTH_BASE_URL`
//!   set, the real one; otherwise the testkit's AIGC **emulator**, started in-process on
//!   loopback with a demo user whose token is printed.
//! - Webhook secret: `AIGC_AUTH_WEBHOOK_SECRET` (and `AIGC_AUTH_WEBHOOK_REPLAY_WINDOW_SECONDS`
//!   for the stricter mode); with the emulator and no secret set, a random demo secret.
//! - Legacy database: `LEGACY_DATABASE_URL` (`sqlite://path/to/users.db`; `LEGACY_DB_URL` is
//!   an alias), default
//!   `polyauth-legacy-sync.db` in the system temp directory, created and seeded with two
//!   legacy users (bcrypt cost 4: demo speed, not a production cost) when missing.
//!
//! Variables may also come from a `.env` file.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use polyauth::Secret;
use polyauth::env::Env;
use polyauth_aigc::AigcProvider;
use polyauth_aigc::config::{ENV_APP_ID, ENV_APP_SECRET, ENV_BASE_URL};
use polyauth_aigc::webhook::{
    WEBHOOK_SECRET_ENV, WebhookReceiverConfig, sign_webhook, sign_webhook_timestamped,
};
use polyauth_examples::legacy_sync::{self, DEMO_BCRYPT_COST, LegacySync, SEED_USERS};
use polyauth_testkit::aigc::{AigcEmulator, EmulatedUser};
use serde_json::json;

/// What the in-process emulator needs to stay alive and what the demo prints.
struct Demo {
    _emulator: AigcEmulator,
    base_url: String,
    token: String,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    polyauth_examples::report(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    polyauth_examples::init_tracing();

    let env = Env::dotenv()?;
    let port: u16 = env.parse("PORT")?.unwrap_or(3001);

    // The auth center: configured, or the in-process emulator.
    let (client, demo) = match legacy_sync::aigc_client_from_env(&env)? {
        Some(client) => (client, None),
        None => {
            let emulator = AigcEmulator::start().await;
            emulator.upsert_user(EmulatedUser {
                id: 0,
                username: "demo".to_owned(),
                nickname: Some("Demo User".to_owned()),
                email: Some("demo@example.com".to_owned()),
                roles: vec!["user".to_owned()],
                permissions: vec!["user:read".to_owned()],
                is_admin: false,
                status: "active".to_owned(),
            });
            let token = emulator
                .issue_token_for("demo", Duration::from_secs(12 * 3600))
                .ok_or("the emulator did not issue a demo token")?;
            let emulator_env = Env::from_pairs([
                (ENV_APP_ID, emulator.app_id().to_owned()),
                (ENV_APP_SECRET, emulator.app_secret().to_owned()),
                (ENV_BASE_URL, emulator.base_url()),
            ]);
            let client =
                legacy_sync::aigc_client_from_env(&emulator_env)?.ok_or("emulator client")?;
            let base_url = emulator.base_url();
            let demo = Demo {
                _emulator: emulator,
                base_url,
                token,
            };
            (client, Some(demo))
        }
    };

    // The webhook secret: configured, or (emulator only) a random demo value.
    let mut webhook = WebhookReceiverConfig::from_env(&env)?;
    let mut demo_secret = None;
    if webhook.secret.is_none() && demo.is_some() {
        let secret = format!("whsec_demo_{:032x}", rand::random::<u128>());
        webhook.secret = Some(Secret::new(secret.clone()));
        demo_secret = Some(secret);
    }

    // The legacy table.
    let db = legacy_sync::db_options_from_env(&env)?;
    let db_file = db.get_filename().display().to_string();
    let pool = legacy_sync::open_legacy_db(db).await?;
    let seeded = legacy_sync::seed_legacy_users(&pool, &SEED_USERS, DEMO_BCRYPT_COST).await?;
    let legacy = LegacySync::new(pool, Some(client.clone()), DEMO_BCRYPT_COST)?;

    let provider = std::sync::Arc::new(AigcProvider::from_client(client));
    let app = legacy_sync::router(provider, legacy, webhook.clone());

    let listener = polyauth_examples::listen(SocketAddr::from(([127, 0, 0, 1], port)))?;
    let base = format!("http://{}", listener.local_addr()?);
    println!("polyauth legacy-sync example listening on {base}");
    println!();
    println!("Legacy table: SQLite file {db_file}");
    println!(
        "  {seeded} legacy user(s) seeded now (alice, bob; bcrypt cost {DEMO_BCRYPT_COST}: demo speed only)"
    );
    match &demo {
        Some(d) => {
            println!();
            println!(
                "No AIGC_AUTH_APP_ID / AIGC_AUTH_APP_SECRET / AIGC_AUTH_BASE_URL set: the auth"
            );
            println!("center is the testkit's AIGC EMULATOR running in this process at");
            println!(
                "{} (not a real auth center; it stops with this process).",
                d.base_url
            );
            println!();
            println!("Demo token of emulator user \"demo\" (a demo value, valid 12 h):");
            println!("  {}", d.token);
        }
        None => {
            println!(
                "Auth center: {} (from the environment)",
                env.get(ENV_BASE_URL).unwrap_or_default()
            );
        }
    }
    if let Some(secret) = &demo_secret {
        println!();
        println!("Webhook secret (a random demo value, {WEBHOOK_SECRET_ENV} was not set):");
        println!("  {secret}");
    }

    println!();
    println!("Try:");
    match &demo {
        Some(d) => println!("  export TOKEN={}", d.token),
        None => println!("  export TOKEN=<a token issued by your auth center>"),
    }
    println!("  curl -s {base}/health");
    println!(
        "  curl -s -H \"Authorization: Bearer $TOKEN\" {base}/me          # 1st: \"User created\" (legacy row created)"
    );
    println!(
        "  curl -s -H \"Authorization: Bearer $TOKEN\" {base}/me          # 2nd: \"User unchanged\" (no-op)"
    );
    println!("  curl -s -H \"Authorization: Bearer $TOKEN\" {base}/legacy/users");
    println!("  curl -s -i {base}/legacy/users                          # 401: no token");
    println!(
        "(On a database kept from an earlier run the first /me already says \"User unchanged\".)"
    );

    // A signed `user.updated` webhook, as the auth center would send it.
    let body = serde_json::to_string(&json!({
        "event": "user.updated",
        "data": {
            "username": "demo",
            "email": "demo@example.com",
            "nickname": "Demo User (renamed by webhook)",
        },
    }))?;
    let url = format!("{base}{}", legacy_sync::WEBHOOK_PATH);
    println!();
    match (&webhook.secret, &demo_secret) {
        (Some(secret), Some(_)) => {
            let (signature, timestamp) = match webhook.replay_window {
                None => (sign_webhook(secret, body.as_bytes()), None),
                Some(_) => {
                    let ts = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
                    (
                        sign_webhook_timestamped(secret, ts, body.as_bytes()),
                        Some(ts),
                    )
                }
            };
            println!(
                "A signed user.updated webhook (then GET /legacy/users shows the new display name):"
            );
            let ts_header = timestamp
                .map(|t| format!(" -H 'X-Webhook-Timestamp: {t}'"))
                .unwrap_or_default();
            println!(
                "  curl -s -X POST {url} -H 'Content-Type: application/json' -H 'X-Webhook-Event: user.updated' -H 'X-Webhook-Signature: {signature}'{ts_header} --data-raw '{body}'"
            );
            if webhook.replay_window.is_some() {
                println!("  (stricter mode: accepted once, within the replay window)");
            }
            println!(
                "  (the next /me writes the auth center's own nickname back: on login it wins)"
            );
        }
        (Some(_), None) => {
            println!(
                "A signed user.updated webhook (signed in your shell with ${WEBHOOK_SECRET_ENV}):"
            );
            println!("  BODY='{body}'");
            println!(
                "  SIG=$(printf '%s' \"$BODY\" | openssl dgst -sha256 -hmac \"${WEBHOOK_SECRET_ENV}\" | sed 's/^.* //')"
            );
            println!(
                "  curl -s -X POST {url} -H 'Content-Type: application/json' -H 'X-Webhook-Event: user.updated' -H \"X-Webhook-Signature: $SIG\" --data-raw \"$BODY\""
            );
            if webhook.replay_window.is_some() {
                println!(
                    "  (stricter mode is on: also sign \"$TS.$BODY\" and send X-Webhook-Timestamp: $TS)"
                );
            }
        }
        (None, _) => {
            println!("{WEBHOOK_SECRET_ENV} is not set: {url} refuses every webhook (401).");
        }
    }
    println!();

    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
