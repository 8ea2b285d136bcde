#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
mod client_auth;
mod config;
mod grants;
mod id_token;
mod introspection;
mod metadata;
mod provider;
mod token;

pub use client::{
    AuthorizationParams, Authorized, Expect, IdTokenKeys, MAX_STATE_LEN, OAuthClient,
    OAuthClientConfig, pkce_challenge, random_token,
};
pub use client_auth::{BasicEncoding, ClientAuth, PrivateKeyJwt};
pub use config::{ENV_KEYS, OidcConfig, TokenMode};
pub use introspection::TokenIntrospection;
pub use metadata::{DISCOVERY_PATH, ServerMetadata};
pub use provider::{OidcFactory, OidcProvider, PROVIDER};

/// The crate's reference (its `docs.md`): configuration keys and variables, Keycloak, Auth0 and
/// Azure AD settings, opaque tokens, the behaviour worth knowing, testing. Documentation only:
/// this module has no items.
pub mod _docs {
    #![doc = include_str!("../docs.md")]
}
