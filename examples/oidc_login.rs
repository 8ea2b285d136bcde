//! OpenID Connect login example: a web app that logs users in with any OpenID Connect issuer
//! (Keycloak, Auth0, Okta, Azure AD, Google, …), keeps them in a session cookie, shows their
//! profile and logs them out. The app itself is `examples/src/oidc_login.rs`.
//!
//! Configuration comes from `POLYAUTH_OIDC_*` variables (or a `.env` file); `PORT` changes the
//! port (default 3000, on 127.0.0.1). The app only logs users in, it verifies no API tokens, so
//! set `POLYAUTH_OIDC_TOKEN_MODE=userinfo` (or give your API's `POLYAUTH_OIDC_AUDIENCE`). The
//! redirect URI must be the app's `/callback`, and the app's `/` must be registered as a
//! post-logout redirect URI where the issuer supports RP-initiated logout.
//!
//! # Against the test provider (panva's oidc-provider, as the tests use it)
//!
//! ```sh
//! (cd tests/fixtures/oidc-provider && npm ci && PORT=4000 node provider.mjs) &
//! # Register a client (open dynamic registration); note client_id and client_secret.
//! curl -s http://127.0.0.1:4000/reg -H 'content-type: application/json' -d '{
//!   "redirect_uris": ["http://127.0.0.1:3000/callback"],
//!   "post_logout_redirect_uris": ["http://127.0.0.1:3000/"],
//!   "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
//!   "scope": "openid profile email roles"}'
//! POLYAUTH_OIDC_ISSUER=http://127.0.0.1:4000 \
//! POLYAUTH_OIDC_CLIENT_ID=<client_id> POLYAUTH_OIDC_CLIENT_SECRET=<client_secret> \
//! POLYAUTH_OIDC_REDIRECT_URI=http://127.0.0.1:3000/callback \
//! POLYAUTH_OIDC_SCOPES="openid profile email roles" POLYAUTH_OIDC_TOKEN_MODE=userinfo \
//! cargo run -p polyauth-examples --example oidc_login
//! ```
//!
//! Open <http://127.0.0.1:3000/> and log in with any name and any password (`alice` has the
//! role `admin`). The provider's clients live in its memory: register again after a restart.
//!
//! # Against Keycloak
//!
//! In your realm, create an OpenID Connect client with client authentication on, the valid
//! redirect URI `http://127.0.0.1:3000/callback` and the valid post-logout redirect URI
//! `http://127.0.0.1:3000/`. Realm roles are in the `realm_access.roles` claim, in the ID token
//! when the client's "roles" scope mapper has "Add to ID token" on.
//!
//! ```sh
//! POLYAUTH_OIDC_ISSUER=https://sso.example.com/realms/acme \
//! POLYAUTH_OIDC_CLIENT_ID=my-app POLYAUTH_OIDC_CLIENT_SECRET=... \
//! POLYAUTH_OIDC_REDIRECT_URI=http://127.0.0.1:3000/callback \
//! POLYAUTH_OIDC_TOKEN_MODE=userinfo POLYAUTH_OIDC_ROLES_CLAIM=realm_access.roles \
//! cargo run -p polyauth-examples --example oidc_login
//! ```
//!
//! Served anywhere but plain http on a loopback address, the redirect URI is https and the
//! cookies are `Secure`.

use polyauth::env::Env;
use polyauth_examples::oidc_login::LoginApp;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    polyauth_examples::report(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    polyauth_examples::init_tracing();
    let env = Env::dotenv()?;
    // Discovers the issuer: a wrong issuer or client configuration fails here, at start-up.
    let app = LoginApp::from_env(&env).await?;
    let port: u16 = env.parse("PORT")?.unwrap_or(3000);
    let listener = polyauth_examples::listen(std::net::SocketAddr::from(([127, 0, 0, 1], port)))?;
    println!(
        "OpenID Connect login example on http://{}/",
        listener.local_addr()?
    );
    axum::serve(listener, app.router()).await?;
    Ok(())
}
