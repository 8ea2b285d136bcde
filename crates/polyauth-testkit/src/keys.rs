//! Fixed key pairs for tests. **Never use them for anything real**: the private halves are
//! published in this crate's source.

/// RSA-2048 private key (PKCS#8 PEM).
pub const RSA_PRIVATE_PEM: &str = include_str!("keys/rsa_private.pem");
/// The public half of [`RSA_PRIVATE_PEM`] (SPKI PEM).
pub const RSA_PUBLIC_PEM: &str = include_str!("keys/rsa_public.pem");
/// A second RSA-2048 private key (for rotation and wrong-key tests).
pub const RSA2_PRIVATE_PEM: &str = include_str!("keys/rsa2_private.pem");
/// The public half of [`RSA2_PRIVATE_PEM`].
pub const RSA2_PUBLIC_PEM: &str = include_str!("keys/rsa2_public.pem");
/// EC P-256 private key (PKCS#8 PEM).
pub const EC_PRIVATE_PEM: &str = include_str!("keys/ec_private.pem");
/// The public half of [`EC_PRIVATE_PEM`].
pub const EC_PUBLIC_PEM: &str = include_str!("keys/ec_public.pem");
/// Ed25519 private key (PKCS#8 PEM).
pub const ED_PRIVATE_PEM: &str = include_str!("keys/ed_private.pem");
/// The public half of [`ED_PRIVATE_PEM`].
pub const ED_PUBLIC_PEM: &str = include_str!("keys/ed_public.pem");
