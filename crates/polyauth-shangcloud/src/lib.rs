#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod config;
mod factory;
mod provider;
mod session;

pub use client::{
    AUTHORIZE_PATH, BoundAuthorizationStart, PROVIDER, ShangCloudClient, TOKEN_PATH,
    UnboundAuthorizationStart,
};
pub use config::{
    DEFAULT_BASE_URL, DEFAULT_SCOPE, DEFAULT_STATE_TTL, ShangCloudConfig, ShangCloudConfigFile,
};
pub use factory::{LEGACY_STATE_KEY_PREFIX, ShangCloudFactory};
pub use provider::{MAX_TOKEN_BYTES, ShangCloudProvider, profile};
pub use session::{
    EXPIRY_SKEW, MMO_CONFIG_PATH, MMO_DATA_DELETE_PATH, MMO_DATA_GET_PATH, MMO_DATA_SET_PATH,
    MMO_JOIN_PATH, MMO_KICK_PATH, MMO_NEW_PATH, MMO_PROTOCOL_HEADER, MMO_ROOM_HEADER,
    MMO_USER_COUNT_PATH, MemorySessionStore, MmoRoomTicket, SessionPersistence, USER_INFO_PATH,
    UserBasicInfo, UserSession, VARIABLE_DELETE, VARIABLE_READ, VARIABLE_WRITE, VARIABLES_PATH,
};
