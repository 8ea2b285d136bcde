//! A small in-memory provider and request helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use http::Request;
use polyauth_core::{
    AccessToken, Capabilities, Error, ErrorKind, IdentityProvider, Result, UserProfile,
    VerifiedToken, async_trait,
};
use serde_json::Value;
use tower::ServiceExt;

/// Tokens → profiles; `down` is an outage, `denied` a refusal, `weird` an unsupported call,
/// anything else an invalid token. Counts `user_info` calls.
#[derive(Debug, Default)]
pub struct TestProvider {
    users: HashMap<String, Arc<UserProfile>>,
    pub calls: AtomicUsize,
}

impl TestProvider {
    pub fn new() -> Self {
        TestProvider::default()
            .with_user(
                "t-alice",
                UserProfile::new("test", "alice")
                    .with_username("alice")
                    .with_roles(["admin"])
                    .with_permissions(["order:*", "user:read"]),
            )
            .with_user(
                "t-bob",
                UserProfile::new("test", "bob")
                    .with_username("bob")
                    .with_roles(["dev"])
                    .with_permissions(["user:read"]),
            )
    }

    pub fn with_user(mut self, token: &str, profile: UserProfile) -> Self {
        self.users.insert(token.to_owned(), Arc::new(profile));
        self
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl IdentityProvider for TestProvider {
    fn name(&self) -> &'static str {
        "test"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            verify: true,
            user_info: true,
            roles: true,
            permissions: true,
            ..Default::default()
        }
    }

    async fn verify(&self, token: &AccessToken) -> Result<VerifiedToken> {
        Ok(VerifiedToken::new(self.user_info(token).await?.id.clone()))
    }

    async fn user_info(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        tokio::task::yield_now().await;
        match token.expose_secret() {
            "down" => {
                Err(Error::unavailable("connection refused").with_context("test", "user_info"))
            }
            "denied" => Err(Error::new(ErrorKind::PermissionDenied, "user disabled")),
            "weird" => Err(Error::unsupported("test", "user_info")),
            t => self.users.get(t).cloned().ok_or_else(|| {
                Error::invalid_token("unknown token").with_context("test", "user_info")
            }),
        }
    }
}

/// A GET request with the given headers.
pub fn get(path: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut builder = Request::get(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(Body::empty()).unwrap()
}

/// Sends one request through the router.
pub async fn send(app: &Router, req: Request<Body>) -> Response {
    app.clone().oneshot(req).await.unwrap()
}

/// The body as text.
pub async fn text(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The body as JSON.
pub async fn json(response: Response) -> Value {
    serde_json::from_str(&text(response).await).unwrap()
}
