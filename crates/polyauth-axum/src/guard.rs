//! Role and permission guards for single routes: [`RequireLayer`] and [`RequireService`].

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::response::{IntoResponse, Response};
use http::Request;
use tower::{Layer, Service};

use crate::extract::CurrentUser;
use crate::rejection::{AuthRejection, ErrorResponder};

/// What a guard checks.
#[derive(Clone, Debug)]
enum Requirement {
    Role(String),
    AnyRole(Vec<String>),
    Permission(String),
    AnyPermission(Vec<String>),
    AllPermissions(Vec<String>),
}

impl Requirement {
    fn is_met(&self, user: &CurrentUser) -> bool {
        match self {
            Requirement::Role(role) => user.has_role(role),
            Requirement::AnyRole(roles) => user.has_any_role(roles),
            Requirement::Permission(p) => user.has_permission(p),
            Requirement::AnyPermission(ps) => user.has_any_permission(ps),
            Requirement::AllPermissions(ps) => user.has_all_permissions(ps),
        }
    }
}

/// ``requires role `admin` ``, ``requires any of the roles `a`, `b` ``, ...
impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[String]| {
            v.iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Requirement::Role(r) => write!(f, "requires role `{r}`"),
            Requirement::AnyRole(rs) => write!(f, "requires any of the roles {}", list(rs)),
            Requirement::Permission(p) => write!(f, "requires permission `{p}`"),
            Requirement::AnyPermission(ps) => {
                write!(f, "requires any of the permissions {}", list(ps))
            }
            Requirement::AllPermissions(ps) => {
                write!(f, "requires all of the permissions {}", list(ps))
            }
        }
    }
}

fn owned<I, T>(items: I) -> Vec<String>
where
    I: IntoIterator<Item = T>,
    T: Into<String>,
{
    items.into_iter().map(Into::into).collect()
}

/// A guard requiring role `role` (exact, case-sensitive). See [`RequireLayer`].
pub fn require_role(role: impl Into<String>) -> RequireLayer {
    RequireLayer::new(Requirement::Role(role.into()))
}

/// A guard requiring at least one of `roles` (an empty list is never met). See
/// [`RequireLayer`].
pub fn require_any_role<I, T>(roles: I) -> RequireLayer
where
    I: IntoIterator<Item = T>,
    T: Into<String>,
{
    RequireLayer::new(Requirement::AnyRole(owned(roles)))
}

/// A guard requiring permission `permission`; held wildcards count (`order:*` grants
/// `order:read`, `*` grants everything). See [`RequireLayer`].
pub fn require_permission(permission: impl Into<String>) -> RequireLayer {
    RequireLayer::new(Requirement::Permission(permission.into()))
}

/// A guard requiring at least one of `permissions`, wildcards included (an empty list is
/// never met). See [`RequireLayer`].
pub fn require_any_permission<I, T>(permissions: I) -> RequireLayer
where
    I: IntoIterator<Item = T>,
    T: Into<String>,
{
    RequireLayer::new(Requirement::AnyPermission(owned(permissions)))
}

/// A guard requiring every one of `permissions`, wildcards included (an empty list is always
/// met). See [`RequireLayer`].
pub fn require_all_permissions<I, T>(permissions: I) -> RequireLayer
where
    I: IntoIterator<Item = T>,
    T: Into<String>,
{
    RequireLayer::new(Requirement::AllPermissions(owned(permissions)))
}

/// A tower layer checking a role or permission requirement of the user the
/// [`AuthLayer`](crate::AuthLayer) put into the request; built with [`require_role`],
/// [`require_any_role`], [`require_permission`], [`require_any_permission`] or
/// [`require_all_permissions`].
///
/// Use it per route with `Router::route_layer`, inside an `AuthLayer`:
///
/// * no authenticated user in the request extensions → 401 `missing_token`;
/// * requirement not met → 403
///   `{"code":403,"error":"forbidden","message":"requires role `admin`"}`;
/// * otherwise the inner service answers.
///
/// Rejections are shaped by the guard's own [`error_responder`](RequireLayer::error_responder),
/// else by the `AuthLayer`'s, else by [`AuthRejection::default_response`].
///
/// ```
/// use axum::{Router, routing::get};
/// use polyauth_axum::{require_any_role, require_permission};
///
/// let app: Router = Router::new()
///     .route("/orders", get(|| async { "orders" }).route_layer(require_permission("order:read")))
///     .route("/admin", get(|| async { "admin" }).route_layer(require_any_role(["admin", "ops"])));
/// // ... then `.layer(AuthLayer::new(provider))` around all of it.
/// ```
#[derive(Clone)]
pub struct RequireLayer {
    requirement: Arc<Requirement>,
    responder: Option<ErrorResponder>,
}

impl RequireLayer {
    fn new(requirement: Requirement) -> Self {
        RequireLayer {
            requirement: Arc::new(requirement),
            responder: None,
        }
    }

    /// Shapes this guard's 401 and 403 answers with `responder`.
    pub fn error_responder(mut self, responder: ErrorResponder) -> Self {
        self.responder = Some(responder);
        self
    }
}

impl fmt::Debug for RequireLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireLayer")
            .field("requirement", &self.requirement)
            .field("custom_responder", &self.responder.is_some())
            .finish()
    }
}

impl<S> Layer<S> for RequireLayer {
    type Service = RequireService<S>;

    fn layer(&self, inner: S) -> RequireService<S> {
        RequireService {
            inner,
            guard: self.clone(),
        }
    }
}

/// The service of a [`RequireLayer`]: answers 401/403 itself or forwards the request to `S`.
#[derive(Clone, Debug)]
pub struct RequireService<S> {
    inner: S,
    guard: RequireLayer,
}

impl<S, B> Service<Request<B>> for RequireService<S>
where
    S: Service<Request<B>, Response = Response>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let rejection = match req.extensions().get::<CurrentUser>() {
            None => AuthRejection::missing_token(),
            Some(user) if !self.guard.requirement.is_met(user) => {
                tracing::debug!(
                    user_id = %user.id,
                    path = %req.uri().path(),
                    requirement = %self.guard.requirement,
                    "polyauth guard refused request"
                );
                AuthRejection::forbidden(self.guard.requirement.to_string())
            }
            Some(_) => return Box::pin(self.inner.call(req)),
        };
        let rejection = match &self.guard.responder {
            Some(responder) => rejection.with_responder(responder.clone()),
            None => rejection.with_layer_responder(req.extensions()),
        };
        let response = rejection.into_response();
        Box::pin(async move { Ok(response) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_requirement() {
        assert_eq!(
            Requirement::Role("admin".into()).to_string(),
            "requires role `admin`"
        );
        assert_eq!(
            Requirement::AnyPermission(owned(["a:b", "c"])).to_string(),
            "requires any of the permissions `a:b`, `c`"
        );
    }
}
