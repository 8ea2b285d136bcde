//! [`AuthenticationClient`]: the end-user side of Authing v2 (reference: `authing` 4.5.18
//! `authing/v2/authentication/authing.py`), one file per area: `login` (register, log in,
//! passwords), `profile` (profile, bindings, custom data, linked accounts), `tokens` (token
//! checks and the OIDC/OAuth, CAS and WeChat helpers) and `rbac` (roles, departments,
//! authorized resources); `options` holds the settings.

mod login;
mod oauth;
mod options;
mod profile;
mod rbac;
mod tokens;

use std::sync::Arc;

use polyauth_core::{Error, MemoryStateStore, Password, Result, StateStore};
use polyauth_oidc::{IdTokenKeys, OAuthClient};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use options::{
    AuthenticationClientOptions, AuthorizeParams, AuthorizeUrl, DEFAULT_HOST, LoginOptions,
    Protocol, RegisterOptions, TokenEndpointAuthMethod,
};
pub(crate) use tokens::consent_prompt_for;
pub use tokens::{code_challenge_s256, generate_code_verifier};

use crate::crypto::PasswordEncryptor;
use crate::documents::GqlOp;
use crate::transport::{Auth, PROVIDER, Transport, normalize_base};
use crate::types::UserSession;

/// The end-user client of Authing v2. Cheap to clone; one client serves every user (calls on
/// a user's behalf take the user's [`UserSession`]).
///
/// Transport: GraphQL at `{host}/graphql/v2` and REST under `{host}/api/v2` (`host` is
/// `app_host` when configured), with the `x-authing-*` headers. Passwords are RSA-encrypted
/// where Authing expects it (see each method).
#[derive(Clone, Debug)]
pub struct AuthenticationClient {
    options: AuthenticationClientOptions,
    transport: Transport,
    /// The `login_by_ad` host; `None` when not configured and not derivable (see
    /// [`AuthenticationClientOptions::websocket_host`]).
    ws: Option<Transport>,
    encryptor: PasswordEncryptor,
    /// The OIDC/OAuth helpers' engine (no stored states, no ID token keys: the helpers leave
    /// both to the caller), or why it cannot be built.
    oauth: std::result::Result<OAuthClient, Error>,
}

impl AuthenticationClient {
    /// Builds the client. No network call is made.
    ///
    /// Errors: `ConfigInvalid` when neither `app_id` nor `user_pool_id` is set, a host is not an
    /// http(s) URL, or `enc_public_key` is not an RSA public key.
    pub fn new(options: AuthenticationClientOptions) -> Result<Self> {
        if options.app_id.is_none() && options.user_pool_id.is_none() {
            return Err(Error::config(
                "the Authing authentication client needs app_id or user_pool_id",
            ));
        }
        let base = match &options.app_host {
            Some(h) => normalize_base("app_host", h)?,
            None => normalize_base("host", &options.host)?,
        };
        let encryptor = PasswordEncryptor::configured(options.enc_public_key.as_deref())?;
        let transport = Transport::new(
            base.clone(),
            options.user_pool_id.as_deref(),
            options.app_id.as_deref(),
            options.lang.as_deref(),
            options.timeout,
            options.connect_timeout,
        )?
        .with_error_observer(options.on_error.clone());
        let ws_base = match &options.websocket_host {
            Some(h) => Some(normalize_base("websocket_host", h)?),
            None => default_ws_host(&base),
        };
        let ws = ws_base.map(|b| transport.with_base(b));
        let oauth = oauth::oauth_client(
            &options,
            &transport,
            Arc::new(MemoryStateStore::new(1)),
            IdTokenKeys::Custom(Vec::new()),
            |config| config,
        );
        Ok(AuthenticationClient {
            options,
            transport,
            ws,
            encryptor,
            oauth,
        })
    }

    /// The options the client was built with.
    pub fn options(&self) -> &AuthenticationClientOptions {
        &self.options
    }

    /// The password encryptor (the configured key).
    pub fn encryptor(&self) -> &PasswordEncryptor {
        &self.encryptor
    }

    /// A password RSA-encrypted for `op` (an encryption failure names `op`).
    fn encrypt(&self, password: &Password, op: &GqlOp) -> Result<String> {
        self.encryptor
            .encrypt(password)
            .map_err(|e| e.with_context(PROVIDER, op.name()))
    }

    /// One operation of the table (null `variables`: none sent).
    async fn gql<T: DeserializeOwned>(
        &self,
        op: &GqlOp,
        variables: Value,
        auth: Auth<'_>,
    ) -> Result<T> {
        self.transport.graphql(op, variables, auth).await
    }

    /// A table operation on the session user's behalf.
    async fn as_user<T: DeserializeOwned>(
        &self,
        session: &UserSession,
        op: &GqlOp,
        variables: Value,
    ) -> Result<T> {
        self.gql(op, variables, Auth::Bearer(&session.token)).await
    }

    /// A REST `GET` with the session's token.
    async fn rest_as_user<T: DeserializeOwned>(
        &self,
        session: &UserSession,
        op: &'static str,
        url: url::Url,
    ) -> Result<T> {
        let auth = Auth::Bearer(&session.token);
        self.transport.rest(op, Method::GET, url, None, auth).await
    }

    /// The session's user id: the one it carries, or the token's user (one REST call).
    async fn user_id(&self, session: &UserSession) -> Result<String> {
        match &session.user_id {
            Some(id) => Ok(id.clone()),
            None => Ok(self.get_current_user(session).await?.id),
        }
    }

    fn require_app_id(&self, op: &'static str) -> Result<&str> {
        self.options
            .app_id
            .as_deref()
            .ok_or_else(|| Error::config(format!("{op} needs app_id")).with_context(PROVIDER, op))
    }

    /// The OIDC/OAuth engine of the helpers. Errors: `ConfigInvalid` (with `op`) when it
    /// cannot be built (no `app_id`, a method without its secret).
    fn oauth(&self, op: &'static str) -> Result<&OAuthClient> {
        self.oauth
            .as_ref()
            .map_err(|e| e.clone().with_context(PROVIDER, op))
    }

    /// An engine of this client's endpoints and credentials that keeps its states in `states`
    /// for `state_ttl` and validates ID tokens with `keys`: the provider's login flow.
    ///
    /// Errors: as the helpers' engine.
    pub(crate) fn oauth_client_with(
        &self,
        states: Arc<dyn StateStore>,
        keys: IdTokenKeys<'_>,
        state_ttl: std::time::Duration,
    ) -> Result<OAuthClient> {
        let tune = |config: polyauth_oidc::OAuthClientConfig| config.with_state_ttl(state_ttl);
        oauth::oauth_client(&self.options, &self.transport, states, keys, tune)
    }

    fn app_base(&self, op: &'static str) -> Result<&Transport> {
        if self.options.app_host.is_none() {
            return Err(Error::config(format!("{op} needs app_host")).with_context(PROVIDER, op));
        }
        Ok(&self.transport)
    }
}

/// The Authing cloud domain under which the `login_by_ad` host may be derived.
const AUTHING_DOMAIN: &str = "authing.cn";

/// `https://ws.authing.cn` for a host under `authing.cn` (`core.authing.cn`,
/// `{app}.authing.cn`); `None` for every other host, which must configure `websocket_host`
/// (deriving `ws.{host minus its first label}` could leave the operator's domain).
fn default_ws_host(base: &str) -> Option<String> {
    let url = url::Url::parse(base).ok()?;
    let host = url.domain()?.trim_end_matches('.').to_ascii_lowercase();
    let under_authing = host == AUTHING_DOMAIN
        || host
            .strip_suffix(AUTHING_DOMAIN)
            .is_some_and(|rest| rest.ends_with('.'));
    under_authing.then(|| format!("{}://ws.{AUTHING_DOMAIN}", url.scheme()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ws_host_derivation() {
        assert_eq!(
            default_ws_host("https://core.authing.cn").as_deref(),
            Some("https://ws.authing.cn")
        );
        assert_eq!(
            default_ws_host("https://my-app.authing.cn").as_deref(),
            Some("https://ws.authing.cn")
        );
        for foreign in [
            "http://127.0.0.1:8080",
            "https://login.co.uk",
            "https://auth.example.com",
            "https://core.notauthing.cn",
            "https://authing.cn.evil.com",
        ] {
            assert_eq!(default_ws_host(foreign), None, "{foreign}");
        }
    }

    #[test]
    fn options_need_an_identity() {
        let mut o = AuthenticationClientOptions::new("app");
        o.app_id = None;
        assert!(AuthenticationClient::new(o).is_err());
        let mut o = AuthenticationClientOptions::new("app");
        o.host = "ftp://x".into();
        assert!(AuthenticationClient::new(o).is_err());
    }
}
