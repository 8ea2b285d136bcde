//! A JWKS endpoint on loopback: publishes public keys derived from signing keys, supports key
//! rotation, counts fetches (through the [`Emulator`] counters) and injects faults.

use std::sync::{Arc, RwLock};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey};

use crate::server::Emulator;

/// The path the JWKS is served at.
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// A signing key whose public half the server publishes.
#[derive(Clone)]
pub struct SigningKey {
    /// Key id.
    pub kid: String,
    /// Algorithm.
    pub alg: Algorithm,
    /// Private key PEM (to sign test tokens with, e.g. through `polyauth_jwt::TokenIssuer`).
    pub private_pem: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A key from a private PEM.
    pub fn new(kid: impl Into<String>, alg: Algorithm, private_pem: impl Into<String>) -> Self {
        SigningKey {
            kid: kid.into(),
            alg,
            private_pem: private_pem.into(),
        }
    }

    /// The public JWK of this key, with `kid`, `alg` and `use: sig`.
    ///
    /// Panics if the PEM does not fit the algorithm (a test-setup error).
    pub fn public_jwk(&self) -> Jwk {
        use jsonwebtoken::AlgorithmFamily as F;
        let pem = self.private_pem.as_bytes();
        #[allow(clippy::expect_used)]
        let key = match self.alg.family() {
            F::Rsa => EncodingKey::from_rsa_pem(pem),
            F::Ec => EncodingKey::from_ec_pem(pem),
            F::Ed => EncodingKey::from_ed_pem(pem),
            F::Hmac => panic!("a JWKS publishes asymmetric keys only"),
        }
        .expect("test signing key PEM");
        #[allow(clippy::expect_used)]
        let mut jwk = Jwk::from_encoding_key(&key, self.alg).expect("JWK from test key");
        jwk.common.key_id = Some(self.kid.clone());
        jwk.common.public_key_use = Some(jsonwebtoken::jwk::PublicKeyUse::Signature);
        jwk
    }
}

/// A running JWKS server.
#[derive(Debug)]
pub struct JwksServer {
    emulator: Emulator,
    keys: Arc<RwLock<Vec<Jwk>>>,
}

impl JwksServer {
    /// Serves the public halves of `keys` at [`JWKS_PATH`] on loopback.
    pub async fn start(keys: &[SigningKey]) -> JwksServer {
        let keys = Arc::new(RwLock::new(
            keys.iter().map(SigningKey::public_jwk).collect(),
        ));
        let router = Router::new()
            .route(JWKS_PATH, get(serve_jwks))
            .with_state(Arc::clone(&keys));
        JwksServer {
            emulator: Emulator::serve(router).await,
            keys,
        }
    }

    /// The JWKS URL.
    pub fn url(&self) -> url::Url {
        #[allow(clippy::expect_used)]
        format!("{}{}", self.emulator.base_url(), JWKS_PATH)
            .parse()
            .expect("loopback URL")
    }

    /// Replaces the published keys (key rotation).
    pub fn rotate(&self, keys: &[SigningKey]) {
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) =
            keys.iter().map(SigningKey::public_jwk).collect();
    }

    /// How many times the JWKS was fetched.
    pub fn fetches(&self) -> u64 {
        self.emulator.calls(JWKS_PATH)
    }

    /// The underlying emulator, for fault injection.
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }
}

async fn serve_jwks(State(keys): State<Arc<RwLock<Vec<Jwk>>>>) -> Json<JwkSet> {
    let keys = keys.read().unwrap_or_else(|p| p.into_inner()).clone();
    Json(JwkSet { keys })
}
