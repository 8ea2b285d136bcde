//! Extractors for the authenticated user: [`CurrentUser`] and [`MaybeUser`].

use std::convert::Infallible;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use http::request::Parts;
use polyauth_core::UserProfile;

use crate::rejection::AuthRejection;

/// The user the [`AuthLayer`](crate::AuthLayer) authenticated; dereferences to
/// [`UserProfile`].
///
/// As an extractor it reads the request extension the layer sets. Without one (no layer, an
/// excluded path, or an anonymous request under
/// [`allow_anonymous`](crate::AuthLayer::allow_anonymous)) it rejects with 401
/// `missing_token` ([`AuthRejection::missing_token`], shaped by the layer's responder if one
/// is set).
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
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or_else(|| AuthRejection::missing_token().with_layer_responder(&parts.extensions))
    }
}

/// The authenticated user, if there is one; never rejects. For routes that serve anonymous
/// callers too (see [`AuthLayer::allow_anonymous`](crate::AuthLayer::allow_anonymous)).
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
