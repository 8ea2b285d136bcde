//! The quickstart application: an axum server whose routes are protected by whichever provider
//! the configuration selects (the embedded JWT provider with a generated development key when
//! nothing is configured).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use axum::routing::get;
use axum::{Json, Router};
use polyauth::axum::{AuthLayer, CurrentUser, require_permission, require_role};
use polyauth::context;
use polyauth::env::Env;
use polyauth::jwt::{JwtConfig, JwtProvider, TokenClaims, TokenIssuer, generate_secret};
use polyauth::{AccessToken, IdentityProvider, ProviderConfig, Result, UserProfile};
use serde_json::{Value, json};

/// Issuer and audience of the development tokens.
pub const DEV_ISSUER: &str = "polyauth-quickstart";

/// The embedded development setup: a JWT provider with a fresh random HS256 key, and the
/// issuer that mints tokens it accepts.
#[derive(Debug)]
pub struct DevSetup {
    /// The provider (HS256, issuer and audience [`DEV_ISSUER`]).
    pub provider: Arc<dyn IdentityProvider>,
    /// Mints tokens the provider accepts.
    pub issuer: TokenIssuer,
}

impl DevSetup {
    /// A fresh development key pair. Errors: none in practice (`ConfigInvalid` if the
    /// generated key were unusable).
    pub fn generate() -> Result<Self> {
        let secret = generate_secret();
        let provider = JwtProvider::new(
            JwtConfig::hs256(secret.clone())
                .with_issuer(DEV_ISSUER)
                .with_audience(DEV_ISSUER),
        )?;
        let issuer = TokenIssuer::hs256(&secret)
            .with_issuer(DEV_ISSUER)
            .with_audience(DEV_ISSUER)
            .with_ttl(Duration::from_secs(12 * 3600));
        Ok(DevSetup {
            provider: Arc::new(polyauth::telemetry::Instrumented::new(provider)),
            issuer,
        })
    }

    /// The demo token: user `demo`, role `admin`, permission `user:read`, valid 12 h.
    pub fn demo_token(&self) -> Result<AccessToken> {
        self.issuer.issue(
            &TokenClaims::new("demo")
                .username("demo")
                .name("Demo User")
                .email("demo@example.com")
                .roles(["admin"])
                .permissions(["user:read"]),
        )
    }

    /// A token without role or permission (user `guest`), to see the guards answer 403.
    pub fn guest_token(&self) -> Result<AccessToken> {
        self.issuer
            .issue(&TokenClaims::new("guest").username("guest"))
    }
}

/// The provider from configuration (`POLYAUTH_CONFIG` TOML file, or `POLYAUTH_PROVIDER` and
/// the backend's variables, from the environment or `.env`), or `None` when nothing is
/// configured.
pub async fn configured_provider() -> Result<Option<Arc<dyn IdentityProvider>>> {
    configured_provider_from(&Env::dotenv()?).await
}

/// [`configured_provider`] from the given variables.
pub async fn configured_provider_from(env: &Env) -> Result<Option<Arc<dyn IdentityProvider>>> {
    Ok(configured_from(env).await?.map(|c| c.provider))
}

/// What the configuration describes: the provider and the routes that go with it.
#[derive(Debug)]
pub struct Configured {
    /// The provider.
    pub provider: Arc<dyn IdentityProvider>,
    /// For the AIGC auth center with `AIGC_AUTH_WEBHOOK_SECRET` set: its webhook receiver,
    /// `POST /webhook/auth` (see [`aigc_webhooks`]).
    pub webhooks: Option<Router>,
}

/// [`configured_from`] over the process environment or `.env`.
pub async fn configured() -> Result<Option<Configured>> {
    configured_from(&Env::dotenv()?).await
}

/// The configured provider and its routes, or `None` when nothing is configured.
///
/// Errors: as `ProviderConfig::load_from` and `polyauth::build`; as [`aigc_webhooks`].
pub async fn configured_from(env: &Env) -> Result<Option<Configured>> {
    let Some(config) = ProviderConfig::load_from(env)? else {
        return Ok(None);
    };
    let provider = polyauth::build(&config).await?;
    let webhooks = aigc_webhooks(env, &config, &provider).await?;
    Ok(Some(Configured { provider, webhooks }))
}

/// The AIGC auth center's webhook receiver (`POST /webhook/auth`), when `config` selects the
/// AIGC provider and `AIGC_AUTH_WEBHOOK_SECRET` is set: user deletions, status and role
/// changes drop the user's cached verifications (on every instance with `[cache] shared`),
/// and in the stricter mode (`AIGC_AUTH_WEBHOOK_REPLAY_WINDOW_SECONDS`) each delivery is
/// accepted once across instances, remembered in the configured state store (`[state]`).
///
/// Errors: `ConfigInvalid` for an invalid replay window; as `ProviderConfig::state_store`.
pub async fn aigc_webhooks(
    env: &Env,
    config: &ProviderConfig,
    provider: &Arc<dyn IdentityProvider>,
) -> Result<Option<Router>> {
    use polyauth_aigc::webhook::receiver::webhook_router;
    use polyauth_aigc::webhook::{InvalidatingHandler, WebhookReceiverConfig};
    let receiver = WebhookReceiverConfig::from_env(env)?;
    if config.provider_name() != polyauth_aigc::PROVIDER || receiver.secret.is_none() {
        return Ok(None);
    }
    let receiver = receiver.with_replay_store(config.state_store().await?);
    let handler = InvalidatingHandler::new(provider.clone());
    Ok(Some(webhook_router(
        "/webhook",
        receiver,
        Arc::new(handler),
    )))
}

/// [`router`] with the configuration's extra routes (outside the [`AuthLayer`]: the webhook
/// receiver checks its own signatures).
pub fn router_with(provider: Arc<dyn IdentityProvider>, extra: Option<Router>) -> Router {
    match extra {
        Some(extra) => router(provider).merge(extra),
        None => router(provider),
    }
}

/// The process's Prometheus recorder for polyauth's metrics (see [`polyauth::telemetry`]),
/// installed on first use; `None` when another recorder was installed first. Its upkeep
/// (draining histogram samples) runs every 5 seconds on the current tokio runtime.
pub fn prometheus() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(handle) => {
                polyauth::telemetry::describe();
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    let upkeep = handle.clone();
                    runtime.spawn(async move {
                        let mut every = tokio::time::interval(Duration::from_secs(5));
                        loop {
                            every.tick().await;
                            upkeep.run_upkeep();
                        }
                    });
                }
                Some(handle)
            }
            Err(error) => {
                tracing::warn!(%error, "no Prometheus recorder: /metrics stays empty");
                None
            }
        })
        .as_ref()
}

/// The application router: `/health` and `/metrics` (Prometheus text, public), `/me`,
/// `/admin` (role `admin`), `/users` (permission `user:read`) and `/whoami-deep`, all behind
/// [`AuthLayer`].
pub fn router(provider: Arc<dyn IdentityProvider>) -> Router {
    let handle = prometheus();
    Router::new()
        .route("/health", get(health))
        .route(
            "/metrics",
            get(move || async move { handle.map(PrometheusHandle::render).unwrap_or_default() }),
        )
        .route("/me", get(me))
        .route("/admin", get(admin).route_layer(require_role("admin")))
        .route(
            "/users",
            get(users).route_layer(require_permission("user:read")),
        )
        .route("/whoami-deep", get(whoami_deep))
        .layer(
            AuthLayer::new(provider)
                .exclude_path("/health")
                .exclude_path("/metrics")
                .trusted_proxy_headers(["x-forwarded-for", "x-real-ip"]),
        )
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn me(CurrentUser(user): CurrentUser) -> Json<Arc<UserProfile>> {
    // The shared profile itself (serde's `rc`), not a copy of it.
    Json(user)
}

async fn admin(CurrentUser(user): CurrentUser) -> Json<Value> {
    Json(json!({
        "message": format!("welcome to the admin area, {}", display_name(&user)),
        "roles": user.roles,
    }))
}

/// The app's own user records, readable with the `user:read` permission.
async fn users() -> Json<Value> {
    Json(json!({
        "users": [
            { "id": 1, "username": "demo", "email": "demo@example.com" },
            { "id": 2, "username": "guest", "email": "guest@example.com" },
        ]
    }))
}

/// Reads the caller three calls deep without passing it down.
async fn whoami_deep() -> Json<Value> {
    Json(service_layer().await)
}

async fn service_layer() -> Value {
    repository_layer().await
}

async fn repository_layer() -> Value {
    tokio::task::yield_now().await;
    audit_layer()
}

fn audit_layer() -> Value {
    let ctx = context::current();
    match context::current_user() {
        Some(user) => json!({
            "id": user.id,
            "username": user.username,
            "roles": user.roles,
            "depth": 3,
            "request_id": ctx.as_ref().and_then(|c| c.request_id.clone()),
            "client_ip": ctx.as_ref().and_then(|c| c.client_ip.clone()),
        }),
        None => json!({ "id": null, "depth": 3 }),
    }
}

fn display_name(user: &UserProfile) -> &str {
    user.nickname
        .as_deref()
        .or(user.username.as_deref())
        .unwrap_or(&user.id)
}
