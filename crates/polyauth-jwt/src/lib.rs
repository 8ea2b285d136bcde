#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod config;
mod factory;
mod issuer;
mod keys;
mod provider;

pub use config::{
    ClaimNames, ENV_KEYS, JwksOptions, JwtConfig, JwtConfigFile, KeySource, parse_algorithm,
};
pub use factory::{JwtFactory, factory};
pub use issuer::{TokenClaims, TokenIssuer, generate_secret};
pub use jsonwebtoken::Algorithm;
pub use provider::{JwtProvider, MAX_TOKEN_BYTES, profile_from_claims};
