//! Password encryption: RSA PKCS#1 v1.5 + standard base64, as Authing v2 expects.

use base64::Engine;
use polyauth_core::{Error, Password, Result};
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Encrypt, RsaPublicKey};

/// Authing's published password-encryption key (RSA-1024, e=65537), used when no
/// `enc_public_key` is configured. Private deployments must configure their own key.
pub const DEFAULT_ENC_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC4xKeUgQ+Aoz7TLfAfs9+paePb
5KIofVthEopwrXFkp8OCeocaTHt9ICjTT2QeJh6cZaDaArfZ873GPUn00eOIZ7Ae
+TiA2BKHbCvloW3w5Lnqm70iSsUi5Fmu9/2+68GZRH9L7Mlh8cFksCicW2Y2W2uM
GKl64GDcIq3au+aqJQIDAQAB
-----END PUBLIC KEY-----
";

/// Encrypts passwords for the wire with an RSA public key (PKCS#1 v1.5 padding, random, so
/// two encryptions of one password differ), output as standard base64 with padding.
#[derive(Clone)]
pub struct PasswordEncryptor {
    key: RsaPublicKey,
}

impl std::fmt::Debug for PasswordEncryptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordEncryptor")
            .field("bits", &(self.key.size() * 8))
            .finish()
    }
}

impl PasswordEncryptor {
    /// From a `BEGIN PUBLIC KEY` (SubjectPublicKeyInfo) PEM. Errors: `ConfigInvalid` when the
    /// PEM is not an RSA public key.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let key = RsaPublicKey::from_public_key_pem(pem.trim()).map_err(|_| {
            Error::config("enc_public_key is not an RSA public key PEM (BEGIN PUBLIC KEY)")
        })?;
        Ok(PasswordEncryptor { key })
    }

    /// The encryptor a client's `enc_public_key` option asks for: that PEM, or the public
    /// cloud's [`DEFAULT_ENC_PUBLIC_KEY`] when `None`. Errors: as [`from_pem`](Self::from_pem).
    pub fn configured(enc_public_key: Option<&str>) -> Result<Self> {
        Self::from_pem(enc_public_key.unwrap_or(DEFAULT_ENC_PUBLIC_KEY))
    }

    /// The largest plaintext this key carries, in bytes (117 for RSA-1024).
    pub fn max_plaintext_bytes(&self) -> usize {
        self.key.size().saturating_sub(11)
    }

    /// Encrypts a password (UTF-8 bytes). Errors: `InvalidInput` when it is longer than
    /// [`max_plaintext_bytes`](Self::max_plaintext_bytes) (the message gives the limit, never
    /// the password).
    pub fn encrypt(&self, password: &Password) -> Result<String> {
        let bytes = password.expose_secret().as_bytes();
        let max = self.max_plaintext_bytes();
        if bytes.len() > max {
            return Err(Error::invalid_input(format!(
                "the password is {} bytes long; RSA-{} PKCS#1 v1.5 encryption carries at most {max} bytes",
                bytes.len(),
                self.key.size() * 8
            )));
        }
        let mut rng = rsa::rand_core::OsRng;
        let cipher = self
            .key
            .encrypt(&mut rng, Pkcs1v15Encrypt, bytes)
            .map_err(|_| Error::invalid_input("the password could not be encrypted"))?;
        Ok(base64::engine::general_purpose::STANDARD.encode(cipher))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_key_is_rsa_1024_and_limits_length() {
        let e = PasswordEncryptor::from_pem(DEFAULT_ENC_PUBLIC_KEY).unwrap();
        assert_eq!(e.max_plaintext_bytes(), 117);
        let a = e.encrypt(&Password::new("secret")).unwrap();
        let b = e.encrypt(&Password::new("secret")).unwrap();
        assert_ne!(a, b, "PKCS#1 v1.5 padding is random");
        assert_eq!(a.len(), 172, "128 bytes of ciphertext in base64");
        let long = "p".repeat(118);
        let err = e.encrypt(&Password::new(long.clone())).unwrap_err();
        assert_eq!(err.kind(), polyauth_core::ErrorKind::InvalidInput);
        assert!(!err.to_string().contains(&long));
        assert!(e.encrypt(&Password::new("p".repeat(117))).is_ok());
        assert!(PasswordEncryptor::from_pem("not a key").is_err());
    }
}
