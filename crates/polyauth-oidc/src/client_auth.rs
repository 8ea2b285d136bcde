//! [`ClientAuth`]: how the client authenticates at the token, PAR, introspection and revocation
//! endpoints (RFC 6749 §2.3, OIDC Core §9, RFC 7523).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use polyauth_core::http::sensitive_header;
use polyauth_core::{ClientSecret, Error, Result, Secret};
use serde::Serialize;

/// How long a `private_key_jwt` client assertion is valid, in seconds.
const ASSERTION_LIFETIME_SECONDS: u64 = 60;

/// How the client id and secret are put into an HTTP Basic header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum BasicEncoding {
    /// RFC 6749 §2.3.1: each of id and secret `application/x-www-form-urlencoded` first, then
    /// `base64(id ":" secret)`. The standard, and the default.
    #[default]
    FormUrlEncoded,
    /// `base64(id ":" secret)` of the raw values, as some servers and SDKs send it (the
    /// ShangCloud reference SDK does). Identical to the standard for ids and secrets made of
    /// letters, digits and `*-._`.
    Raw,
}

/// A private key that signs `private_key_jwt` client assertions (RFC 7523 §2.2).
#[derive(Clone)]
pub struct PrivateKeyJwt {
    key: EncodingKey,
    algorithm: Algorithm,
    kid: Option<String>,
}

impl std::fmt::Debug for PrivateKeyJwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKeyJwt")
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl PrivateKeyJwt {
    /// A signer from a PEM private key (PKCS#8 or the key type's own PEM) for `algorithm`
    /// (`RS256`…`RS512`, `PS256`…`PS512`, `ES256`, `ES384`), naming `kid` in the assertion's
    /// header when the server needs it to pick the key.
    ///
    /// Errors: `ConfigInvalid` when the PEM does not hold a key of the algorithm's family
    /// (the message never quotes the key).
    pub fn from_pem(pem: &Secret, algorithm: Algorithm, kid: Option<String>) -> Result<Self> {
        let bytes = pem.expose_secret().as_bytes();
        let key = match algorithm {
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512 => EncodingKey::from_rsa_pem(bytes),
            Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(bytes),
            _ => {
                return Err(Error::config(format!(
                    "{algorithm:?} is not an algorithm for private_key_jwt (use RS256, PS256 \
                     or ES256)"
                )));
            }
        }
        .map_err(|_| {
            Error::config(format!(
                "the private key is not a PEM key for {algorithm:?} client assertions"
            ))
        })?;
        Ok(PrivateKeyJwt {
            key,
            algorithm,
            kid,
        })
    }

    /// A signed assertion for `client_id` addressed to `audience` (a fresh `jti`, valid for 60
    /// seconds).
    fn assertion(&self, client_id: &str, audience: &str) -> Result<String> {
        #[derive(Serialize)]
        struct Claims<'a> {
            iss: &'a str,
            sub: &'a str,
            aud: &'a str,
            jti: String,
            iat: u64,
            exp: u64,
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs();
        let mut header = Header::new(self.algorithm);
        header.kid = self.kid.clone();
        let claims = Claims {
            iss: client_id,
            sub: client_id,
            aud: audience,
            jti: polyauth_core::secret::random_base64url(16),
            iat: now,
            exp: now + ASSERTION_LIFETIME_SECONDS,
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|_| Error::config("the client assertion could not be signed"))
    }
}

/// How the client authenticates to the authorization server.
///
/// `Debug` never shows a secret or a key.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `client_secret_basic`: HTTP Basic with the client id and secret.
    ClientSecretBasic {
        /// The client secret.
        secret: ClientSecret,
        /// How id and secret are encoded in the header.
        encoding: BasicEncoding,
    },
    /// `client_secret_post`: `client_id` and `client_secret` in the form body.
    ClientSecretPost(ClientSecret),
    /// `private_key_jwt` (RFC 7523): a signed assertion in the form body.
    PrivateKeyJwt(PrivateKeyJwt),
    /// `none`: a public client (a browser or native app); sends `client_id` only and relies on
    /// PKCE.
    None,
}

impl ClientAuth {
    /// `client_secret_basic` with the standard encoding.
    pub fn basic(secret: ClientSecret) -> Self {
        ClientAuth::ClientSecretBasic {
            secret,
            encoding: BasicEncoding::FormUrlEncoded,
        }
    }

    /// The method's registered name (`client_secret_basic`, `client_secret_post`,
    /// `private_key_jwt`, `none`).
    pub fn method(&self) -> &'static str {
        match self {
            ClientAuth::ClientSecretBasic { .. } => "client_secret_basic",
            ClientAuth::ClientSecretPost(_) => "client_secret_post",
            ClientAuth::PrivateKeyJwt(_) => "private_key_jwt",
            ClientAuth::None => "none",
        }
    }

    /// Authenticates a form request: adds the header or the form fields of the method;
    /// `audience` is the `aud` of a `private_key_jwt` assertion (the server's issuer
    /// identifier, as draft-ietf-oauth-rfc7523bis asks, or its token endpoint when it has
    /// none). Errors: `ConfigInvalid` when the credentials cannot be sent (a secret with
    /// bytes a header cannot carry, a key that cannot sign).
    pub(crate) fn apply(
        &self,
        client_id: &str,
        audience: &str,
        request: reqwest::RequestBuilder,
        form: &mut Vec<(String, String)>,
    ) -> Result<reqwest::RequestBuilder> {
        match self {
            ClientAuth::ClientSecretBasic { secret, encoding } => {
                let (id, secret) = match encoding {
                    BasicEncoding::FormUrlEncoded => {
                        (form_encode(client_id), form_encode(secret.expose_secret()))
                    }
                    BasicEncoding::Raw => (client_id.to_owned(), secret.expose_secret().to_owned()),
                };
                let credentials =
                    base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
                let header = sensitive_header(&format!("Basic {credentials}")).map_err(|_| {
                    Error::config("the client credentials cannot be sent in a header")
                })?;
                Ok(request.header(http::header::AUTHORIZATION, header))
            }
            ClientAuth::ClientSecretPost(secret) => {
                form.push(("client_id".to_owned(), client_id.to_owned()));
                form.push((
                    "client_secret".to_owned(),
                    secret.expose_secret().to_owned(),
                ));
                Ok(request)
            }
            ClientAuth::PrivateKeyJwt(signer) => {
                form.push(("client_id".to_owned(), client_id.to_owned()));
                form.push((
                    "client_assertion_type".to_owned(),
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
                ));
                form.push((
                    "client_assertion".to_owned(),
                    signer.assertion(client_id, audience)?,
                ));
                Ok(request)
            }
            ClientAuth::None => {
                form.push(("client_id".to_owned(), client_id.to_owned()));
                Ok(request)
            }
        }
    }
}

fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_encodings_differ_only_for_reserved_characters() {
        assert_eq!(form_encode("a-b_c.d*"), "a-b_c.d*");
        assert_eq!(form_encode("~"), "%7E");
        assert_eq!(form_encode("a:b c"), "a%3Ab+c");
    }

    #[test]
    fn debug_shows_no_secret() {
        let auth = ClientAuth::basic(ClientSecret::new("s3cret"));
        assert!(!format!("{auth:?}").contains("s3cret"));
        assert_eq!(auth.method(), "client_secret_basic");
    }
}
