//! [`InvalidatingHandler`]: the auth center's user events drop cached verifications everywhere.

use std::sync::Arc;

use async_trait::async_trait;
use polyauth_core::{IdentityProvider, Result};
use serde_json::{Value, json};

use super::WebhookHandler;

/// The events after which a user's cached verifications are stale: the user was deleted or
/// disabled, or changed (`user.updated` carries status, role and permission changes; its
/// `updatedFields` names them).
pub const INVALIDATING_EVENTS: &[&str] = &[
    "user.deleted",
    "user.disabled",
    "user.updated",
    "user.status_changed",
    "user.roles_changed",
];

/// A [`WebhookHandler`] that, for the [`INVALIDATING_EVENTS`], drops the user's cached
/// verifications through [`IdentityProvider::invalidate_user`] (with a shared verification
/// cache: on every instance, within milliseconds), then hands the event to the next handler
/// (a legacy-system sync, say), if any.
///
/// The user is the payload's `data.id` (a number or a string; `data.userId` and
/// `data.user_id` are read too), the id the auth center's verification names as subject. An
/// event without one is logged and passed on. When the invalidation fails (the shared
/// tier is unreachable) the handler fails, so the receiver answers 500 and the sender
/// retries the delivery: a revocation is not lost.
///
/// Without a next handler the answer is `{"success": true, "message": "Cache invalidated"}`
/// (or `"Event ignored"` for other events).
#[derive(Clone)]
pub struct InvalidatingHandler {
    provider: Arc<dyn IdentityProvider>,
    next: Option<Arc<dyn WebhookHandler>>,
}

impl std::fmt::Debug for InvalidatingHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InvalidatingHandler")
            .field("provider", &self.provider.name())
            .field("next", &self.next.is_some())
            .finish()
    }
}

impl InvalidatingHandler {
    /// Invalidates through `provider` (the one the application verifies tokens with).
    pub fn new(provider: Arc<dyn IdentityProvider>) -> Self {
        InvalidatingHandler {
            provider,
            next: None,
        }
    }

    /// Hands every event, after the invalidation, to `next`; its answer is the receiver's.
    pub fn then(mut self, next: Arc<dyn WebhookHandler>) -> Self {
        self.next = Some(next);
        self
    }
}

/// The user id of an event's `data`: `id`, `userId` or `user_id`, a string or a number.
fn user_id(data: &Value) -> Option<String> {
    ["id", "userId", "user_id"]
        .iter()
        .find_map(|k| match data.get(k)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
}

#[async_trait]
impl WebhookHandler for InvalidatingHandler {
    async fn handle(&self, event: &str, data: &Value) -> Result<Value> {
        let invalidating = INVALIDATING_EVENTS.contains(&event);
        if invalidating {
            match user_id(data) {
                Some(id) => self.provider.invalidate_user(&id).await?,
                None => tracing::warn!(event, "AIGC webhook names no user id; nothing invalidated"),
            }
        }
        match &self.next {
            Some(next) => next.handle(event, data).await,
            None if invalidating => Ok(json!({"success": true, "message": "Cache invalidated"})),
            None => Ok(json!({"success": true, "message": "Event ignored"})),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_read_from_the_usual_fields() {
        assert_eq!(user_id(&json!({"id": 7})).as_deref(), Some("7"));
        assert_eq!(user_id(&json!({"userId": "u-1"})).as_deref(), Some("u-1"));
        assert_eq!(
            user_id(&json!({"user_id": "u-2", "id": ""})).as_deref(),
            Some("u-2")
        );
        assert_eq!(user_id(&json!({"username": "alice"})), None);
    }
}
