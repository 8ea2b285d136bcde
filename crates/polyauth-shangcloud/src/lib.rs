#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// Module graph (acyclic): `client` (the client, HTTP plumbing, user info) ← `session` (a
// logged-in user's calls) ← `login` (the OAuth flow, which makes sessions); `provider` and
// `factory` sit on top.
mod client;
mod config;
mod factory;
mod login;
mod provider;
mod session;

/// The backend's reference (the crate's `docs.md`): capability checklist, binding the state to
/// the browser, configuration keys, error mapping and the deliberate differences from the
/// reference SDK. Documentation only: this module has no items.
pub mod _docs {
    #![doc = include_str!("../docs.md")]
}

pub use client::{PROVIDER, ShangCloudClient, USER_INFO_PATH, UserBasicInfo};
pub use config::{
    DEFAULT_BASE_URL, DEFAULT_SCOPE, DEFAULT_STATE_TTL, ENV_KEYS, ShangCloudConfig,
    ShangCloudConfigFile,
};
pub use factory::{LEGACY_STATE_KEY_PREFIX, ShangCloudFactory, factory};
pub use login::{AUTHORIZE_PATH, BoundAuthorizationStart, TOKEN_PATH, UnboundAuthorizationStart};
pub use polyauth_core::session::{MemorySessionStore, SessionPersistence};
pub use provider::{MAX_TOKEN_BYTES, ShangCloudProvider, profile};
pub use session::{
    EXPIRY_SKEW, MMO_CONFIG_PATH, MMO_DATA_DELETE_PATH, MMO_DATA_GET_PATH, MMO_DATA_SET_PATH,
    MMO_JOIN_PATH, MMO_KICK_PATH, MMO_NEW_PATH, MMO_PROTOCOL_HEADER, MMO_ROOM_HEADER,
    MMO_USER_COUNT_PATH, MmoRoomTicket, UserSession, VARIABLE_DELETE, VARIABLE_READ,
    VARIABLE_WRITE, VARIABLES_PATH,
};
