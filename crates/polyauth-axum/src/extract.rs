//! Extractors for the authenticated user: [`CurrentUser`], `Option<CurrentUser>` and
//! [`MaybeUser`].

use std::convert::Infallible;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use http::request::Parts;
use polyauth_core::UserProfile;

use crate::rejection::{AuthRejection, RejectionReason};

/// What the [`AuthLayer`](crate::AuthLayer) left in the request extensions about itself: that
/// it ran, and whether the path was excluded from authentication.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LayerMark {
    pub(crate) excluded: bool,
}

/// The user the [`AuthLayer`](crate::AuthLayer) authenticated; dereferences to
/// [`UserProfile`].
///
/// As an extractor it reads the request extension the layer sets. Without a user it rejects:
///
/// | case | answer |
/// |---|---|
/// | an anonymous request under [`allow_anonymous`](crate::AuthLayer::allow_anonymous) | 401 `missing_token` |
/// | a path excluded from the layer (`exclude_path` / `exclude_prefix`) | 500 `internal_error`, logged at `error` |
/// | no `AuthLayer` above the route | 500 `internal_error`, logged at `error` |
///
/// The last two are mistakes in the router, not in the request, so they are not reported as
/// a missing token while the client did send one. Rejections are shaped by the layer's
/// responder if one is set. Routes that serve anonymous callers too take
/// `Option<CurrentUser>` (or [`MaybeUser`]).
///
/// ```
/// use polyauth_axum::CurrentUser;
///
/// async fn me(user: CurrentUser) -> String {
///     format!("hello {}", user.username.as_deref().unwrap_or(&user.id))
/// }
/// # let _ = axum::Router::<()>::new().route("/me", axum::routing::get(me));
/// ```
#[derive(Clone, Debug)]
pub struct CurrentUser(pub Arc<UserProfile>);

impl Deref for CurrentUser {
    type Target = UserProfile;

    fn deref(&self) -> &UserProfile {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AuthRejection> {
        let problem = match Found::in_parts(parts) {
            Found::User(user) => return Ok(user),
            Found::Anonymous => {
                return Err(AuthRejection::missing_token().with_layer_responder(&parts.extensions));
            }
            Found::Excluded => {
                "the route requires CurrentUser but its path is excluded from the AuthLayer"
            }
            Found::NoLayer => "the route requires CurrentUser but no AuthLayer runs above it",
        };
        Err(misconfigured(parts, problem))
    }
}

/// `Option<CurrentUser>`: `Some` when the layer authenticated the request, `None` for an
/// anonymous request (under [`allow_anonymous`](crate::AuthLayer::allow_anonymous)) or on a
/// path excluded from the layer (excluded paths are never verified). Rejects only when no
/// `AuthLayer` runs above the route (500 `internal_error`, logged at `error`).
///
/// ```
/// use polyauth_axum::CurrentUser;
///
/// async fn greet(user: Option<CurrentUser>) -> String {
///     match user {
///         Some(user) => format!("hello {}", user.id),
///         None => "hello stranger".to_owned(),
///     }
/// }
/// # let _ = axum::Router::<()>::new().route("/", axum::routing::get(greet));
/// ```
impl<S: Send + Sync> OptionalFromRequestParts<S> for CurrentUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, AuthRejection> {
        match Found::in_parts(parts) {
            Found::User(user) => Ok(Some(user)),
            Found::Anonymous | Found::Excluded => Ok(None),
            Found::NoLayer => Err(misconfigured(
                parts,
                "the route takes Option<CurrentUser> but no AuthLayer runs above it",
            )),
        }
    }
}

/// What the request extensions say about the user.
enum Found {
    User(CurrentUser),
    Anonymous,
    Excluded,
    NoLayer,
}

impl Found {
    fn in_parts(parts: &Parts) -> Found {
        if let Some(user) = parts.extensions.get::<CurrentUser>() {
            return Found::User(user.clone());
        }
        match parts.extensions.get::<LayerMark>() {
            Some(LayerMark { excluded: false }) => Found::Anonymous,
            Some(LayerMark { excluded: true }) => Found::Excluded,
            None => Found::NoLayer,
        }
    }
}

/// A mistake in the router, not in the request: logged, and answered 500.
fn misconfigured(parts: &Parts, problem: &'static str) -> AuthRejection {
    tracing::error!(path = parts.uri.path(), "{problem}");
    AuthRejection::new(
        RejectionReason::InternalError,
        "authentication is not configured for this route",
    )
    .with_layer_responder(&parts.extensions)
}

/// The authenticated user, if there is one; never rejects (the same as `Option<CurrentUser>`
/// except that a missing `AuthLayer` is `None` too). For routes that serve anonymous callers
/// too (see [`AuthLayer::allow_anonymous`](crate::AuthLayer::allow_anonymous)); on a path
/// excluded from the layer it is always `None`: excluded paths are not verified.
#[derive(Clone, Debug, Default)]
pub struct MaybeUser(pub Option<Arc<UserProfile>>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(MaybeUser(
            parts.extensions.get::<CurrentUser>().map(|u| u.0.clone()),
        ))
    }
}
