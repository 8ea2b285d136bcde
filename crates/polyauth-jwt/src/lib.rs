#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod config;
mod factory;
mod issuer;
mod keys;
mod provider;

pub use config::{ClaimNames, JwksOptions, JwtConfig, JwtConfigFile, KeySource, parse_algorithm};
pub use factory::JwtFactory;
pub use issuer::{TokenClaims, TokenIssuer, generate_secret};
pub use jsonwebtoken::Algorithm;
pub use provider::{JwtProvider, MAX_TOKEN_BYTES};
