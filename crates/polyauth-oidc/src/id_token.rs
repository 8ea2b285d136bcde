//! ID token validation (OpenID Connect Core 1.0 §3.1.3.7): signature through polyauth-jwt's
//! JWKS cache, then the claims a relying party must check itself.

use base64::Engine as _;
use jsonwebtoken::Algorithm;
use polyauth_core::secret::constant_time_eq;
use polyauth_core::{AccessToken, Error, IdToken, IdentityProvider, Result};
use polyauth_jwt::JwtProvider;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha384, Sha512};

/// Validates the ID tokens of one client at one issuer.
#[derive(Debug)]
pub(crate) struct IdTokenValidator {
    /// Verify the signature, `iss`, `aud` (the client id), `exp` and `nbf` with the leeway;
    /// the one that accepts the token's algorithm is used.
    verifiers: Vec<JwtProvider>,
    client_id: String,
}

impl IdTokenValidator {
    pub(crate) fn new(verifiers: Vec<JwtProvider>, client_id: String) -> Self {
        IdTokenValidator {
            verifiers,
            client_id,
        }
    }

    /// Whether any key can verify ID tokens.
    pub(crate) fn has_keys(&self) -> bool {
        !self.verifiers.is_empty()
    }

    /// The ID token's claims once it passed every check: signature, issuer, audience
    /// containing the client id, `exp`/`nbf` with leeway, `iat` present, `azp` equal to the
    /// client id when present (and present when there are several audiences), `nonce` equal
    /// to the one sent when one was sent, `at_hash` matching `access_token` when both are
    /// present.
    ///
    /// Errors: `InvalidToken` naming the failed check (never a token's text); `Unavailable`
    /// when the signing keys cannot be fetched.
    pub(crate) async fn validate(
        &self,
        id_token: &IdToken,
        nonce: Option<&str>,
        access_token: Option<&AccessToken>,
    ) -> Result<Map<String, Value>> {
        let raw = id_token.expose_secret();
        let invalid = |message: &'static str| Error::invalid_token(message);
        let alg = jsonwebtoken::decode_header(raw)
            .map_err(|_| invalid("the ID token is not a well-formed JWT"))?
            .alg;
        let jwt = self
            .verifiers
            .iter()
            .find(|v| v.algorithms().contains(&alg))
            .ok_or_else(|| invalid("no key is configured for the ID token's algorithm"))?;
        let verified = jwt
            .verify(&AccessToken::new(raw))
            .await
            .map_err(|e| match e.kind() {
                polyauth_core::ErrorKind::InvalidToken => {
                    Error::invalid_token(format!("the ID token is not valid: {}", e.message()))
                }
                _ => e,
            })?;
        let claims = verified.claims;
        if !matches!(claims.get("iat"), Some(Value::Number(_))) {
            return Err(invalid("the ID token has no iat"));
        }
        let several_audiences = matches!(claims.get("aud"), Some(Value::Array(a)) if a.len() > 1);
        match claims.get("azp") {
            Some(Value::String(azp)) if azp == &self.client_id => {}
            Some(_) => return Err(invalid("the ID token's azp is not this client")),
            None if several_audiences => {
                return Err(invalid("the ID token has several audiences and no azp"));
            }
            None => {}
        }
        if let Some(expected) = nonce {
            match claims.get("nonce") {
                Some(Value::String(found)) if constant_time_eq(found, expected) => {}
                Some(_) => return Err(invalid("the ID token's nonce is not the one sent")),
                None => return Err(invalid("the ID token has no nonce")),
            }
        }
        if let (Some(Value::String(at_hash)), Some(access_token)) =
            (claims.get("at_hash"), access_token)
        {
            let expected = left_half_hash(alg, access_token.expose_secret())
                .ok_or_else(|| invalid("the ID token's algorithm has no at_hash rule"))?;
            if !constant_time_eq(at_hash, &expected) {
                return Err(invalid(
                    "the ID token's at_hash does not match the access token",
                ));
            }
        }
        Ok(claims)
    }
}

/// base64url of the left half of the hash that goes with `alg` (OIDC Core §3.1.3.6).
fn left_half_hash(alg: Algorithm, value: &str) -> Option<String> {
    let digest: Vec<u8> = match alg {
        Algorithm::RS256 | Algorithm::PS256 | Algorithm::ES256 | Algorithm::HS256 => {
            Sha256::digest(value.as_bytes()).to_vec()
        }
        Algorithm::RS384 | Algorithm::PS384 | Algorithm::ES384 | Algorithm::HS384 => {
            Sha384::digest(value.as_bytes()).to_vec()
        }
        Algorithm::RS512 | Algorithm::PS512 | Algorithm::HS512 | Algorithm::EdDSA => {
            Sha512::digest(value.as_bytes()).to_vec()
        }
        #[allow(unreachable_patterns)]
        _ => return None,
    };
    let half = digest.get(..digest.len() / 2)?;
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(half))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_follows_the_spec_example() {
        // OpenID Connect Core 1.0, Appendix A.3: at_hash of "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y".
        assert_eq!(
            left_half_hash(
                Algorithm::RS256,
                "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
            )
            .as_deref(),
            Some("77QmUPtjPfzWtF2AnpK9RQ")
        );
    }
}
