//! The request context: who is calling, from where, under which request and trace id,
//! readable anywhere in the request's call tree without passing it down.
//!
//! The HTTP middleware (`polyauth-axum`) runs each request's handler inside [`scope_shared`]; code
//! called from the handler, however deep, reads [`current_user`] or [`current`]. The context is
//! bound to the request's future: it ends, and is gone, when the request ends, and requests
//! running concurrently on the same threads never see each other's context.
//!
//! `tokio::spawn` starts a new task *outside* the scope. To carry the context into a spawned
//! task or a background job, wrap its future with [`propagate`] (or open your own [`scope`]):
//!
//! ```
//! use std::sync::Arc;
//! use polyauth_core::context::{self, RequestContext};
//! use polyauth_core::UserProfile;
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let ctx = RequestContext {
//!     user: Some(Arc::new(UserProfile::new("jwt", "42").with_username("alice"))),
//!     trace_id: Some("trace-1".into()),
//!     ..Default::default()
//! };
//! assert!(context::current_user().is_none());
//! context::scope(ctx, async {
//!     let deep = || context::current_user().map(|u| u.id.clone());
//!     assert_eq!(deep().as_deref(), Some("42"));
//!     // A spawned job sees the context only when it is propagated.
//!     let job = tokio::spawn(context::propagate(async { context::trace_id() }));
//!     assert_eq!(job.await.unwrap().as_deref(), Some("trace-1"));
//! }).await;
//! assert!(context::current_user().is_none());
//! # });
//! ```

use std::future::Future;
use std::sync::Arc;

use crate::model::UserProfile;
use crate::secret::AccessToken;

/// What is known about the request being served.
#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    /// The authenticated user, when the request carried a valid token.
    pub user: Option<Arc<UserProfile>>,
    /// The bearer token the request carried (for calls made on the user's behalf).
    pub token: Option<AccessToken>,
    /// The client's IP address, from the configured trusted proxy headers or the peer address.
    pub client_ip: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// The request id (`X-Request-ID`, or generated).
    pub request_id: Option<String>,
    /// The trace id (`X-Trace-ID`, else the trace id of a W3C `traceparent`, else the request id).
    pub trace_id: Option<String>,
    /// HTTP method.
    pub method: Option<String>,
    /// Request path (without the query string, which may carry secrets).
    pub path: Option<String>,
}

tokio::task_local! {
    static CONTEXT: Arc<RequestContext>;
}

/// Runs `fut` with `ctx` as the current context. The context is visible to everything `fut`
/// awaits and disappears when `fut` completes (or is dropped).
pub async fn scope<F: Future>(ctx: RequestContext, fut: F) -> F::Output {
    CONTEXT.scope(Arc::new(ctx), fut).await
}

/// Runs `fut` with an already shared context.
pub async fn scope_shared<F: Future>(ctx: Arc<RequestContext>, fut: F) -> F::Output {
    CONTEXT.scope(ctx, fut).await
}

/// Runs a synchronous closure with `ctx` as the current context.
pub fn sync_scope<R>(ctx: RequestContext, f: impl FnOnce() -> R) -> R {
    CONTEXT.sync_scope(Arc::new(ctx), f)
}

/// Wraps `fut` so that it runs in the *current* context, wherever it is polled (for
/// `tokio::spawn` and job queues). Outside any context, `fut` runs without one.
pub fn propagate<F: Future>(fut: F) -> impl Future<Output = F::Output> {
    let ctx = current();
    async move {
        match ctx {
            Some(ctx) => CONTEXT.scope(ctx, fut).await,
            None => fut.await,
        }
    }
}

/// The current request context, if the caller runs inside one.
pub fn current() -> Option<Arc<RequestContext>> {
    CONTEXT.try_with(Arc::clone).ok()
}

/// The current authenticated user, if any.
pub fn current_user() -> Option<Arc<UserProfile>> {
    CONTEXT.try_with(|c| c.user.clone()).ok().flatten()
}

/// The current request's bearer token, if any.
pub fn current_token() -> Option<AccessToken> {
    CONTEXT.try_with(|c| c.token.clone()).ok().flatten()
}

/// The current trace id, if any.
pub fn trace_id() -> Option<String> {
    CONTEXT.try_with(|c| c.trace_id.clone()).ok().flatten()
}

/// The current request id, if any.
pub fn request_id() -> Option<String> {
    CONTEXT.try_with(|c| c.request_id.clone()).ok().flatten()
}

/// The current client IP, if known.
pub fn client_ip() -> Option<String> {
    CONTEXT.try_with(|c| c.client_ip.clone()).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_scopes_do_not_leak() {
        let mut tasks = Vec::new();
        for i in 0..300 {
            tasks.push(tokio::spawn(async move {
                let ctx = RequestContext {
                    user: Some(Arc::new(UserProfile::new("t", i.to_string()))),
                    ..Default::default()
                };
                scope(ctx, async move {
                    for _ in 0..5 {
                        tokio::task::yield_now().await;
                        assert_eq!(current_user().map(|u| u.id.clone()), Some(i.to_string()));
                    }
                })
                .await;
                assert!(current().is_none());
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    }
}
