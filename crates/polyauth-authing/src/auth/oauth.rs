//! Authing's OpenID Connect / OAuth 2.0 endpoints as polyauth-oidc's engine
//! ([`OAuthClient`]): `{host}/{oidc|oauth}/auth`, `/token`, `/token/introspection`,
//! `/token/revocation` and `{host}/oidc/session/end`, the configured client authentication
//! per endpoint, and the `x-authing-*` headers on every back-channel call.

use std::sync::Arc;

use polyauth_core::{ClientSecret, Error, Result, StateStore};
use polyauth_oidc::{ClientAuth, IdTokenKeys, OAuthClient, OAuthClientConfig, ServerMetadata};

use super::{AuthenticationClientOptions, TokenEndpointAuthMethod};
use crate::transport::{PROVIDER, Transport};

/// The engine for `options` over `transport`, keeping states in `states`, validating ID
/// tokens with `keys`, its configuration finished by `tune`.
///
/// Errors: `ConfigInvalid` without `app_id` (the OAuth client id), or when a configured
/// method needs the app secret and none is set.
pub(crate) fn oauth_client(
    options: &AuthenticationClientOptions,
    transport: &Transport,
    states: Arc<dyn StateStore>,
    keys: IdTokenKeys<'_>,
    tune: impl FnOnce(OAuthClientConfig) -> OAuthClientConfig,
) -> Result<OAuthClient> {
    let app_id = options
        .app_id
        .clone()
        .ok_or_else(|| Error::config("the OIDC calls need app_id"))?;
    let prefix = options.protocol.prefix();
    let server = ServerMetadata::new(
        transport.url(&[prefix, "auth"])?,
        transport.url(&[prefix, "token"])?,
    )
    .with_introspection_endpoint(transport.url(&[prefix, "token", "introspection"])?)
    .with_revocation_endpoint(transport.url(&[prefix, "token", "revocation"])?)
    .with_end_session_endpoint(transport.url(&["oidc", "session", "end"])?);
    let auth = |method| client_auth(method, options.secret.as_ref());
    let mut config = OAuthClientConfig::new(app_id, auth(options.token_endpoint_auth_method)?)
        .with_headers(transport.headers().clone());
    config.introspection_auth = Some(auth(options.introspection_endpoint_auth_method)?);
    config.revocation_auth = Some(auth(options.revocation_endpoint_auth_method)?);
    // The reference sends no token_type_hint.
    config.token_type_hint = false;
    if let Some(uri) = &options.redirect_uri {
        let uri = url::Url::parse(uri)
            .map_err(|_| Error::config("the Authing redirect_uri is not a valid URL"))?;
        config = config.with_redirect_uri(uri);
    }
    OAuthClient::new(
        PROVIDER,
        transport.http().clone(),
        server,
        tune(config),
        states,
        keys,
    )
}

/// The engine's client authentication for an Authing method: the reference SDK sends the raw
/// `Basic base64("{app_id}:{secret}")`.
fn client_auth(
    method: TokenEndpointAuthMethod,
    secret: Option<&ClientSecret>,
) -> Result<ClientAuth> {
    let secret = || {
        secret.cloned().ok_or_else(|| {
            Error::config("the configured client authentication needs the app secret")
        })
    };
    Ok(match method {
        TokenEndpointAuthMethod::ClientSecretPost => ClientAuth::ClientSecretPost(secret()?),
        TokenEndpointAuthMethod::ClientSecretBasic => ClientAuth::ClientSecretBasic {
            secret: secret()?,
            encoding: polyauth_oidc::BasicEncoding::Raw,
        },
        TokenEndpointAuthMethod::None => ClientAuth::None,
    })
}
