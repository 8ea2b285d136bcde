//! The `principal_authentication` module (reference:
//! `authing/v2/management/principal_authentication.py`): a user's real-name (person) or
//! enterprise verification, over REST.

use polyauth_core::{Error, Result};
use reqwest::Method;
use serde_json::Value;

use super::ManagementClient;
use crate::transport::PROVIDER;
use crate::types::{PrincipalDetail, PrincipalType};

/// The `principal_authentication` module of [`ManagementClient`] (see
/// [`ManagementClient::principal_authentication`]).
///
/// Errors every method may give besides those it names: as for [`Roles`](super::Roles)
/// (`Unauthenticated`, `Unavailable`/`RateLimited`, `Provider` with Authing's code in
/// [`polyauth_core::Error::provider_code`], `Protocol`).
#[derive(Clone, Copy, Debug)]
pub struct PrincipalAuthentication<'a> {
    pub(super) client: &'a ManagementClient,
}

impl PrincipalAuthentication<'_> {
    fn url(&self, user_id: &str) -> Result<url::Url> {
        self.client.url(&[
            "api",
            "v2",
            "users",
            user_id,
            "management",
            "principal_authentication",
        ])
    }

    /// A user's principal authentication (REST
    /// `GET /api/v2/users/{user_id}/management/principal_authentication`); `None` when the
    /// user has none.
    ///
    /// Errors: `NotFound` for an unknown user (Authing code `2004` kept).
    pub async fn detail(&self, user_id: &str) -> Result<Option<PrincipalDetail>> {
        let url = self.url(user_id)?;
        self.client
            .rest("principal_authentication_detail", Method::GET, url, None)
            .await
    }

    /// Authenticates a user as a person or an enterprise (REST
    /// `POST /api/v2/users/{user_id}/management/principal_authentication`, the fields in the
    /// query string as the reference sends them: `type` (`P`/`E`), `name`, `idCard` (identity
    /// card number or unified social credit code), `ext` (bank card number or legal
    /// representative)).
    ///
    /// Errors: `InvalidInput` for an empty name or id (nothing is sent) or a user already
    /// authenticated; `NotFound` for an unknown user (Authing codes kept).
    pub async fn authenticate(
        &self,
        user_id: &str,
        kind: PrincipalType,
        name: &str,
        id_card: &str,
        ext: &str,
    ) -> Result<()> {
        if name.is_empty() || id_card.is_empty() {
            return Err(
                Error::invalid_input("a principal authentication needs a name and an id")
                    .with_context(PROVIDER, "principal_authenticate"),
            );
        }
        let mut url = self.url(user_id)?;
        url.query_pairs_mut()
            .append_pair("type", kind.as_str())
            .append_pair("name", name)
            .append_pair("idCard", id_card)
            .append_pair("ext", ext);
        let _: Value = self
            .client
            .rest("principal_authenticate", Method::POST, url, None)
            .await?;
        Ok(())
    }
}
