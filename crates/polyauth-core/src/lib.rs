#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod binding;
pub mod cache;
pub mod context;
pub mod env;
pub mod error;
pub mod factory;
#[cfg(feature = "http")]
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub mod http;
pub mod model;
pub mod provider;
pub mod pyjson;
pub mod secret;
pub mod session;
pub mod state;
pub mod telemetry;

pub use async_trait::async_trait;
pub use cache::{CacheConfig, CacheValue, Expiring, SharedCache, VerifiedUser, VerifyCache};
pub use context::RequestContext;
pub use error::{Error, ErrorKind, Result};
pub use factory::{BuildContext, CacheSettings, FnFactory, ProviderFactory, StateConfig};
pub use model::{
    AuthorizationCallback, AuthorizationRequest, AuthorizationStart, BatchLookup, Credentials,
    LoginIdentifier, NewUser, Page, PageRequest, Session, TokenSet, UserProfile, UserQuery,
    UserUpdate, VerifiedToken,
};
pub use provider::{Capabilities, DirectoryCapabilities, IdentityProvider, UserDirectory};
pub use secret::{
    AccessToken, AuthorizationCode, ClientSecret, IdToken, Password, RefreshToken, Secret,
    TokenRef, VerificationCode,
};
pub use session::{MemorySessionStore, SessionPersistence};
pub use state::{MemoryStateStore, StateStore};
