//! The `user_pool` module (reference: `authing/v2/management/user_pool.py`): the pool's
//! settings (read over REST, changed over GraphQL) and its environment variables (REST).

use polyauth_core::{Error, Result};
use reqwest::Method;
use serde_json::{Value, json};

use super::ManagementClient;
use crate::documents as doc;
use crate::transport::PROVIDER;
use crate::types::{EnvVariable, Userpool, UserpoolUpdate};

/// The `user_pool` module of [`ManagementClient`] (see [`ManagementClient::user_pool`]).
///
/// Errors every method may give besides those it names: as for [`Roles`](super::Roles)
/// (`Unauthenticated`, `Unavailable`/`RateLimited`, `Provider` with Authing's code in
/// [`polyauth_core::Error::provider_code`], `Protocol`).
#[derive(Clone, Copy, Debug)]
pub struct UserPool<'a> {
    pub(super) client: &'a ManagementClient,
}

impl UserPool<'_> {
    /// The pool's settings (REST `GET /api/v2/userpools/detail`).
    pub async fn detail(&self) -> Result<Userpool> {
        let url = self.client.url(&["api", "v2", "userpools", "detail"])?;
        self.client
            .rest("userpool_detail", Method::GET, url, None)
            .await
    }

    /// Changes the pool's settings (GraphQL `updateUserpool`; variable `input`: the fields of
    /// `updates` that are set); answers the settings after the change.
    ///
    /// Errors: `InvalidInput` when nothing is set (nothing is sent).
    pub async fn update(&self, updates: &UserpoolUpdate) -> Result<Userpool> {
        if updates.is_empty() {
            return Err(Error::invalid_input("no setting to change")
                .with_context(PROVIDER, doc::UPDATE_USERPOOL.name()));
        }
        let vars = json!({"input": updates});
        self.client.gql(&doc::UPDATE_USERPOOL, vars).await
    }

    /// The pool's environment variables (REST `GET /api/v2/env`).
    pub async fn list_env(&self) -> Result<Vec<EnvVariable>> {
        let url = self.client.url(&["api", "v2", "env"])?;
        self.client.rest("list_env", Method::GET, url, None).await
    }

    /// Adds an environment variable (REST `POST /api/v2/env` with `{key, value}`; the value
    /// any JSON value).
    ///
    /// Errors: `InvalidInput` for an empty key (nothing is sent) or a key already taken
    /// (Authing code kept).
    pub async fn add_env(&self, key: &str, value: &Value) -> Result<()> {
        if key.is_empty() {
            return Err(Error::invalid_input("an environment variable needs a key")
                .with_context(PROVIDER, "add_env"));
        }
        let url = self.client.url(&["api", "v2", "env"])?;
        let body = json!({"key": key, "value": value});
        let _: Value = self
            .client
            .rest("add_env", Method::POST, url, Some(body))
            .await?;
        Ok(())
    }

    /// Removes an environment variable (REST `DELETE /api/v2/env/{key}`).
    ///
    /// Errors: `InvalidInput` for an empty key (nothing is sent); `NotFound` for an unknown
    /// key (Authing code kept).
    pub async fn remove_env(&self, key: &str) -> Result<()> {
        if key.is_empty() {
            return Err(Error::invalid_input("an environment variable needs a key")
                .with_context(PROVIDER, "remove_env"));
        }
        let url = self.client.url(&["api", "v2", "env", key])?;
        let _: Value = self
            .client
            .rest("remove_env", Method::DELETE, url, None)
            .await?;
        Ok(())
    }
}
