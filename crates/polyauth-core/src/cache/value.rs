//! What a [`VerifyCache`](super::VerifyCache) holds: values that know their expiry and how
//! they travel through the shared tier.

use std::sync::Arc;
use std::time::SystemTime;

use serde_json::Value;

use crate::model::{UserProfile, VerifiedToken};

/// Something whose freshness ends at a known time (a token's expiry).
pub trait Expiring {
    /// When the value stops being valid, if known.
    fn expires_at(&self) -> Option<SystemTime> {
        None
    }
}

impl Expiring for VerifiedToken {
    fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }
}

impl Expiring for UserProfile {}

/// A verified token with the profile mapped from it: what a provider that maps claims to
/// profiles caches per token (expires with the token).
#[derive(Debug)]
pub struct VerifiedUser {
    /// The verified token.
    pub token: VerifiedToken,
    /// Its user's profile.
    pub profile: std::sync::Arc<UserProfile>,
}

impl Expiring for VerifiedUser {
    fn expires_at(&self) -> Option<SystemTime> {
        self.token.expires_at
    }
}

impl<T: Expiring + ?Sized> Expiring for Arc<T> {
    fn expires_at(&self) -> Option<SystemTime> {
        (**self).expires_at()
    }
}

impl<A: Expiring, B: Expiring> Expiring for (A, B) {
    fn expires_at(&self) -> Option<SystemTime> {
        match (self.0.expires_at(), self.1.expires_at()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// What a [`VerifyCache`](super::VerifyCache) can hold: a verification result that knows its expiry, the user it
/// belongs to (for [`VerifyCache::invalidate_user`](super::VerifyCache::invalidate_user)) and, to be shared between instances, how
/// to write itself as JSON and read itself back.
///
/// The defaults suit a value of an application's own type that stays in process: no subject,
/// and no JSON form (a cache linked to a shared tier then keeps such values in process only).
pub trait CacheValue: Expiring + Clone + Send + Sync + 'static {
    /// The user (the provider's subject id) the value belongs to.
    fn subject(&self) -> Option<&str> {
        None
    }

    /// The value as JSON for the shared tier; `None` when it is not shared.
    fn to_json(&self) -> Option<Value> {
        None
    }

    /// Reads [`to_json`](Self::to_json) output back; `None` for anything else.
    fn from_json(value: Value) -> Option<Self> {
        let _ = value;
        None
    }
}

impl CacheValue for VerifiedToken {
    fn subject(&self) -> Option<&str> {
        Some(&self.subject)
    }
    fn to_json(&self) -> Option<Value> {
        serde_json::to_value(self).ok()
    }
    fn from_json(value: Value) -> Option<Self> {
        serde_json::from_value(value).ok()
    }
}

impl CacheValue for Arc<UserProfile> {
    fn subject(&self) -> Option<&str> {
        Some(&self.id)
    }
    fn to_json(&self) -> Option<Value> {
        serde_json::to_value(&**self).ok()
    }
    fn from_json(value: Value) -> Option<Self> {
        serde_json::from_value(value).ok().map(Arc::new)
    }
}

impl CacheValue for Arc<VerifiedUser> {
    fn subject(&self) -> Option<&str> {
        Some(&self.token.subject)
    }
    fn to_json(&self) -> Option<Value> {
        serde_json::to_value((&self.token, &*self.profile)).ok()
    }
    fn from_json(value: Value) -> Option<Self> {
        let (token, profile): (VerifiedToken, UserProfile) = serde_json::from_value(value).ok()?;
        Some(Arc::new(VerifiedUser {
            token,
            profile: Arc::new(profile),
        }))
    }
}
