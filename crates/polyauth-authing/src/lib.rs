#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod auth;
mod config;
mod crypto;
mod documents;
pub mod error;
mod factory;
mod management;
mod observer;
mod provider;
mod transport;
pub mod types;

pub use auth::{
    AuthenticationClient, AuthenticationClientOptions, AuthorizeParams, AuthorizeUrl, DEFAULT_HOST,
    LoginOptions, Protocol, RegisterOptions, TokenEndpointAuthMethod, code_challenge_s256,
    generate_code_verifier,
};
pub use config::{AuthingConfig, AuthingConfigFile, ENV_KEYS, VerificationMode};
pub use crypto::{DEFAULT_ENC_PUBLIC_KEY, PasswordEncryptor};
pub use error::error_from_code;
pub use factory::{AuthingFactory, factory};
pub use management::{
    Acl, Applications, AuditLog, CustomData, DEFAULT_PROGRAMMATIC_TOKEN_LIFETIME, Groups,
    MAX_BATCH_IDS, MAX_MANAGEMENT_TOKEN_LIFETIME, ManagementClient, ManagementClientOptions, Orgs,
    PROGRAMMATIC_SECRET_LEN, PasswordStorage, Policies, PrincipalAuthentication, QueryField, Roles,
    STREAM_PAGE_SIZE, SearchOptions, Udf, UserLookup, UserPool, Users, WhiteList,
};
pub use observer::ErrorObserver;
/// The typed RFC 7662 answer of [`AuthenticationClient::introspect_token`], from the shared
/// OAuth 2.0 engine.
pub use polyauth_oidc::TokenIntrospection;
pub use provider::{AuthingDirectory, AuthingProvider, MAX_TOKEN_BYTES, profile_from_user};
pub use types::{EmailScene, ResourceType, User, UserSession};

/// The backend's reference (the crate's `docs.md`): the capability checklist against the
/// reference SDK's authentication and management clients, configuration keys, error mapping
/// and the deliberate differences. Documentation only: this module has no items.
pub mod _docs {
    #![doc = include_str!("../docs.md")]
}
