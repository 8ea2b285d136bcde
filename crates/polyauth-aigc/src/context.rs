//! Context parity with the reference's `user_context`: the current user and request, readable
//! anywhere in the request's task.
//!
//! The values live in polyauth's task-local [`RequestContext`],
//! filled by the `AuthLayer` of polyauth-axum for each request and gone when the request
//! ends; concurrent requests never see each other's values (the reference's thread-local
//! fallback could leak). Outside a request every getter returns `None` (or `false`).
//!
//! | reference (`user_context`) | here |
//! |---|---|
//! | `get_current_user()` | [`current_user`] |
//! | `get_current_user_id()` (reads a key the middleware never sets) | [`current_user_id`] (works) |
//! | `get_current_username()` | [`current_username`] |
//! | `get_current_app_id()` | [`current_app_id`] |
//! | `is_current_user_admin()` | [`is_current_user_admin`] |
//! | `get_current_app_code()` | [`current_app_code`] |
//! | `get_client_ip()` / `get_user_agent()` / `get_request_id()` / `get_trace_id()` | [`client_ip`] / [`user_agent`] / [`request_id`] / [`trace_id`] |
//! | `get_request_token()` | [`request_token`] |
//! | `set_request_context(...)` for jobs | [`scope`] / [`job_context`]; [`propagate`] into `tokio::spawn` |
//!
//! ```
//! use std::sync::Arc;
//! use polyauth_aigc::context;
//! use polyauth_core::{AccessToken, UserProfile};
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let user = UserProfile::new("aigc", "7").with_username("alice").with_roles(["admin"]);
//! let ctx = context::job_context(Some(user), Some(AccessToken::new("t")), "nightly-sync-1");
//! context::scope(ctx, async {
//!     assert_eq!(context::current_user_id().as_deref(), Some("7"));
//!     assert_eq!(context::trace_id().as_deref(), Some("nightly-sync-1"));
//! }).await;
//! assert!(context::current_user_id().is_none());
//! # });
//! ```

use std::sync::Arc;

use polyauth_core::{AccessToken, RequestContext, UserProfile};
use serde_json::Value;

pub use polyauth_core::context::{
    client_ip, current, current_token as request_token, current_user, propagate, request_id, scope,
    scope_shared, trace_id,
};

use crate::model::text;

/// The current user's id.
pub fn current_user_id() -> Option<String> {
    current_user().map(|u| u.id.clone())
}

/// The current user's username.
pub fn current_username() -> Option<String> {
    current_user().and_then(|u| u.username.clone())
}

/// The current user's role codes (empty outside a request or without a user).
pub fn current_roles() -> Vec<String> {
    current_user().map(|u| u.roles.clone()).unwrap_or_default()
}

/// The current user's permission codes (empty outside a request or without a user).
pub fn current_permissions() -> Vec<String> {
    current_user()
        .map(|u| u.permissions.clone())
        .unwrap_or_default()
}

/// Whether the current user is an administrator (false without a user).
pub fn is_current_user_admin() -> bool {
    current_user().is_some_and(|u| u.is_admin)
}

/// The AIGC application id the current user was authenticated for: the `appId` of the user
/// object (the client adds its own app id there when the server gives none) or of an app
/// access key.
pub fn current_app_id() -> Option<String> {
    let user = current_user()?;
    let obj = user.raw.as_object()?;
    text(obj, &["appId", "app_id"])
}

/// The code of the AIGC application the current user was authenticated for (the reference's
/// `get_current_app_code`): the user object's `appCode` or `app_code`, else the `code` of its
/// `app` object. `None` outside a request, without a user, or when the auth center's answer
/// has no app code (the 1.1.45 answer has none, and the reference's middleware never sets
/// one either; a job sets it in the user's `raw`, as the reference's
/// `set_current_user({"app_code": ..})`).
pub fn current_app_code() -> Option<String> {
    let user = current_user()?;
    let obj = user.raw.as_object()?;
    text(obj, &["appCode", "app_code"]).or_else(|| {
        obj.get("app")
            .and_then(Value::as_object)
            .and_then(|app| text(app, &["code"]))
    })
}

/// The current request's `User-Agent`.
pub fn user_agent() -> Option<String> {
    current().and_then(|c| c.user_agent.clone())
}

/// A context for a background job (no HTTP request): an optional user and token, and a trace
/// id that is sent as `X-Trace-ID` on every auth-center call made inside it. Run the job with
/// [`scope`]`(job_context(..), job)`.
pub fn job_context(
    user: Option<UserProfile>,
    token: Option<AccessToken>,
    trace_id: impl Into<String>,
) -> RequestContext {
    let trace_id = trace_id.into();
    RequestContext {
        user: user.map(Arc::new),
        token,
        request_id: Some(trace_id.clone()),
        trace_id: Some(trace_id),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    async fn app_code_of(raw: Value) -> Option<String> {
        let user = UserProfile::new("aigc", "7").with_raw(raw);
        scope(job_context(Some(user), None, "t"), async {
            current_app_code()
        })
        .await
    }

    #[tokio::test]
    async fn app_code_is_read_from_each_shape() {
        assert_eq!(
            app_code_of(json!({"appCode": "a1"})).await.as_deref(),
            Some("a1")
        );
        assert_eq!(
            app_code_of(json!({"app_code": "a2"})).await.as_deref(),
            Some("a2")
        );
        let nested = json!({"app": {"id": 1, "code": "a3"}});
        assert_eq!(app_code_of(nested).await.as_deref(), Some("a3"));
        let both = json!({"app_code": "flat", "app": {"code": "nested"}});
        assert_eq!(app_code_of(both).await.as_deref(), Some("flat"));
        assert_eq!(app_code_of(json!({"appId": "1001"})).await, None);
        assert_eq!(current_app_code(), None, "outside a request");
    }
}
