//! A generic OpenID Provider on loopback (feature `oidc`): an OAuth 2.0 authorization server
//! with OpenID Connect, following the wire behaviour of panva's
//! [`oidc-provider`](https://github.com/panva/node-oidc-provider) (the certified Node
//! provider) with its development interactions, so the same test suite runs against either.
//!
//! The issuer is the base URL, `http://127.0.0.1:PORT` (no trailing slash). Routes (the paths
//! `oidc-provider` uses):
//!
//! | route | what it does |
//! |---|---|
//! | `GET /.well-known/openid-configuration` | discovery document |
//! | `GET /jwks` | the public RS256 signing key (`kid`); [`OidcEmulator::rotate_keys`](crate::oidc::OidcEmulator::rotate_keys) swaps it |
//! | `POST /reg` | open dynamic client registration (RFC 7591), `201` with `client_id` (and `client_secret` unless `none` / `private_key_jwt`) |
//! | `GET /auth` | authorization request (`response_type=code`, PKCE `S256` mandatory for public clients, `state`, `nonce`, `prompt`, `login_hint`, `resource`, `request_uri` from PAR); answers `303` to the interaction, or straight to `redirect_uri?code=..&state=..&iss=..` in auto-consent mode or when the browser's session already consented |
//! | `POST /request` | pushed authorization request (RFC 9126): `201 {"request_uri", "expires_in": 60}` |
//! | `GET /interaction/{uid}` | HTML login form (`login`, `password`; any password), then the consent form |
//! | `POST /interaction/{uid}/login`, `POST /interaction/{uid}/confirm` | submit login / consent (`303` back to the interaction / to `/auth/{uid}`); `POST /interaction/{uid}` with `prompt=login` or `prompt=consent` (the form `oidc-provider` 9 posts) does the same |
//! | `GET` or `POST /interaction/{uid}/abort` | `303` to `/auth/{uid}`, then `redirect_uri?error=access_denied&..` |
//! | `GET /auth/{uid}` | resumes a finished interaction: `303` to the client's `redirect_uri` |
//! | `POST /token` | grants `authorization_code`, `refresh_token` (rotating), `client_credentials` |
//! | `GET` or `POST /me` | userinfo for a Bearer access token |
//! | `POST /token/introspection` | RFC 7662 |
//! | `POST /token/revocation` | RFC 7009 |
//! | `GET` or `POST /session/end` | RP-initiated logout: checks `id_token_hint` and `post_logout_redirect_uri`, then `303` to it with `state` (`oidc-provider` first shows a confirmation page; the emulator does not) |
//! | `POST /__test/rotate-keys` | emulator-only: [`OidcEmulator::rotate_keys`](crate::oidc::OidcEmulator::rotate_keys) over HTTP, answers `{"kid"}` |
//!
//! Client authentication at `/token`, `/request`, `/token/introspection` and
//! `/token/revocation`: `client_secret_basic` (the RFC 6749 §2.3.1 form-urlencoded id and
//! secret, and also the raw unencoded `id:secret`), `client_secret_post`, `private_key_jwt`
//! (RFC 7523, an RS256 or ES256 assertion signed with a key of the client's registered
//! `jwks`, `aud` the issuer or the endpoint's URL, single-use `jti`) and `none` (public
//! clients: `client_id` in the form, PKCE mandatory). Failures answer
//! `401 {"error": "invalid_client"}` (with `WWW-Authenticate: Basic` when an `Authorization`
//! header was sent); other token errors `400` per RFC 6749 §5.2.
//!
//! Accounts: every login name is an account. `sub` is the login, `email`
//! `<login>@example.test` (verified), `name` the login capitalised, `roles`
//! `["admin", "reader"]` for `alice` and `["reader"]` otherwise, `groups` `["staff"]`. Scope
//! `profile` grants `name`, `email` grants `email` and `email_verified`, `roles` grants
//! `roles` and `groups`; the claims of granted scopes are in the ID token and at userinfo
//! (`oidc-provider` keeps them out of code-flow ID tokens unless `conformIdTokenClaims` is
//! off).
//!
//! Tokens: ID tokens are RS256 with `kid`, `iss`, `sub`, `aud` = `azp` = the client id,
//! `exp` ([`ID_TOKEN_TTL`](crate::oidc::ID_TOKEN_TTL)), `iat`, `auth_time`, `nonce` (when the authorization request had
//! one) and `at_hash`. Access tokens live [`ACCESS_TOKEN_TTL`](crate::oidc::ACCESS_TOKEN_TTL); they are opaque, except that a
//! request for the resource [`RESOURCE`](crate::oidc::RESOURCE) (at `/auth` or `/token`) gets an RFC 9068 JWT
//! (`typ: at+jwt`, `aud` = [`RESOURCE`](crate::oidc::RESOURCE), `client_id`, `jti`, `scope`, and `roles` / `groups`
//! for user tokens). A refresh token is issued whenever the client's `grant_types` include
//! `refresh_token`; each use returns a new one and the old one is dead (using it again
//! answers `invalid_grant` and revokes the whole grant, as does replaying an authorization
//! code). Revoking an access or refresh token revokes every token of its grant, as
//! `oidc-provider` does.
//!
//! Browser state is cookies: `_interaction` (`Path=/`) and `_interaction_resume` name the
//! interaction, `_session` the signed-in account after a login. A later `/auth` with that
//! `_session` skips the login, and skips the consent too when the client already got the
//! requested scopes (unless `prompt=login` / `prompt=consent`).
//!
//! The handle counts calls per path and injects faults through [`OidcEmulator::server`](crate::oidc::OidcEmulator::server).
//!
//! ```
//! use polyauth_testkit::oidc::OidcEmulator;
//! use serde_json::json;
//!
//! # tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
//! let op = OidcEmulator::start().await;
//! let client = op.register_client(json!({
//!     "redirect_uris": ["http://127.0.0.1:9/callback"],
//!     "grant_types": ["authorization_code", "refresh_token"],
//! }));
//! assert!(client["client_secret"].is_string());
//! op.set_auto_consent(Some("alice")); // `/auth` now answers with a code for alice at once
//! assert_eq!(op.token_calls(), 0);
//! # });
//! ```

mod authorize;
mod clients;
mod discovery;
mod interaction;
mod store;
mod token;
mod token_use;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use serde_json::Value;

use crate::server::Emulator;
use store::Shared;

/// The resource indicator (RFC 8707) whose access tokens are RFC 9068 JWTs.
pub const RESOURCE: &str = "https://api.polyauth.test";
/// Lifetime of access tokens (`expires_in`): 600 seconds.
pub const ACCESS_TOKEN_TTL: Duration = Duration::from_secs(600);
/// Lifetime of ID tokens: 600 seconds.
pub const ID_TOKEN_TTL: Duration = Duration::from_secs(600);
/// Lifetime of refresh tokens: 14 days (`oidc-provider`'s default).
pub const REFRESH_TOKEN_TTL: Duration = Duration::from_secs(14 * 24 * 3600);
/// Lifetime of authorization codes: 60 seconds.
pub const CODE_TTL: Duration = Duration::from_secs(60);
/// Lifetime of a pushed authorization request's `request_uri`: 60 seconds.
pub const PAR_TTL: Duration = Duration::from_secs(60);
/// Lifetime of an interaction (login and consent pages): one hour.
pub const INTERACTION_TTL: Duration = Duration::from_secs(3600);
/// The scopes the provider knows (`scopes_supported`).
pub const SCOPES: &[&str] = &[
    "openid",
    "profile",
    "email",
    "offline_access",
    "roles",
    "api:read",
];
/// The `client_id` claim of tokens from [`OidcEmulator::issue_access_token_jwt`] (no client
/// with this id is registered).
pub const DIRECT_CLIENT_ID: &str = "polyauth-testkit";

/// A running OpenID Provider emulator on loopback. Dropping it stops the server.
#[derive(Debug)]
pub struct OidcEmulator {
    server: Emulator,
    shared: Arc<Shared>,
}

impl OidcEmulator {
    /// Starts the provider on `127.0.0.1:0` with no clients, interactive logins (no
    /// auto-consent) and the signing key [`crate::keys::RSA_PRIVATE_PEM`].
    pub async fn start() -> OidcEmulator {
        let shared = Arc::new(Shared::new());
        let router = Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(discovery::configuration),
            )
            .route("/jwks", get(discovery::jwks))
            .route("/__test/rotate-keys", post(discovery::rotate_keys))
            .route("/reg", post(clients::registration))
            .route(
                "/auth",
                get(authorize::authorize).post(authorize::authorize),
            )
            .route("/auth/{uid}", get(authorize::resume))
            .route("/request", post(authorize::pushed_request))
            .route(
                "/interaction/{uid}",
                get(interaction::interaction_page).post(interaction::interaction_submit),
            )
            .route("/interaction/{uid}/login", post(interaction::login))
            .route("/interaction/{uid}/confirm", post(interaction::confirm))
            .route(
                "/interaction/{uid}/abort",
                get(interaction::abort).post(interaction::abort),
            )
            .route("/token", post(token::token))
            .route("/me", get(token_use::userinfo).post(token_use::userinfo))
            .route("/token/introspection", post(token_use::introspection))
            .route("/token/revocation", post(token_use::revocation))
            .route(
                "/session/end",
                get(token_use::end_session).post(token_use::end_session),
            )
            .with_state(shared.clone());
        let server = Emulator::serve(router).await;
        shared.set_issuer(server.base_url());
        OidcEmulator { server, shared }
    }

    /// The issuer identifier: the base URL `http://127.0.0.1:PORT`, no trailing slash.
    pub fn issuer(&self) -> String {
        self.shared.issuer()
    }

    /// The underlying server: call counters (`calls("/token")`) and fault injection.
    pub fn server(&self) -> &Emulator {
        &self.server
    }

    /// How many requests reached `path` (e.g. `"/token"`).
    pub fn calls(&self, path: &str) -> u64 {
        self.server.calls(path)
    }

    /// How many requests reached the token endpoint.
    pub fn token_calls(&self) -> u64 {
        self.server.calls("/token")
    }

    /// Registers a client as `POST /reg` does and returns the registration response (with
    /// `client_id`, and `client_secret` unless the method is `none` or `private_key_jwt`), or,
    /// when the metadata is invalid, the error object
    /// `{"error": "invalid_client_metadata" | "invalid_redirect_uri", "error_description"}`.
    ///
    /// Unlike `POST /reg`, this also honours `client_id` and `client_secret` in `metadata`,
    /// to register a client with fixed credentials (as `oidc-provider`'s static `clients`).
    pub fn register_client(&self, metadata: Value) -> Value {
        let mut data = self.shared.lock();
        match clients::register(&mut data, &metadata, true) {
            Ok(registered) => registered,
            Err(e) => e.to_json(),
        }
    }

    /// With `Some(login)`, `GET /auth` skips the interaction and answers straight with a code
    /// for the account `login` (after the usual request checks); `None` restores the
    /// interactive login and consent pages.
    pub fn set_auto_consent(&self, login: Option<&str>) {
        self.shared.lock().auto_consent = login.map(str::to_owned);
    }

    /// Switches the signing key to the other test RSA key ([`crate::keys::RSA2_PRIVATE_PEM`]
    /// after [`crate::keys::RSA_PRIVATE_PEM`], and back) under a new `kid`, which it returns.
    /// The JWKS then lists only the new key; tokens signed before stop verifying against it.
    pub fn rotate_keys(&self) -> String {
        self.shared.lock().rotate_keys()
    }

    /// The `kid` of the current signing key.
    pub fn current_kid(&self) -> String {
        self.shared.lock().key.kid.clone()
    }

    /// Issues an RFC 9068 access token (a JWT for [`RESOURCE`]) for the account `sub` with
    /// `scope` (space-separated), valid for `ttl` (whole seconds; zero gives an already
    /// expired token), without an OAuth round trip. Its `client_id` is [`DIRECT_CLIENT_ID`];
    /// userinfo and introspection know it.
    pub fn issue_access_token_jwt(&self, sub: &str, scope: &str, ttl: Duration) -> String {
        let issuer = self.shared.issuer();
        let mut data = self.shared.lock();
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        token::mint_access_token(
            &mut data,
            &issuer,
            token::AccessTokenSpec {
                client_id: DIRECT_CLIENT_ID,
                sub: Some(sub),
                scope,
                resource: Some(RESOURCE),
                grant_id: None,
                ttl,
            },
        )
    }

    /// Stops the server and returns once the port is closed (see [`Emulator::shutdown`]).
    pub async fn shutdown(&self) {
        self.server.shutdown().await;
    }
}
