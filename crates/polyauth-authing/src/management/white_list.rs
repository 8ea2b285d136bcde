//! The `white_list` module (reference: `authing/v2/management/white_list.py`): the
//! registration whitelists (usernames, emails, phone numbers allowed to register) and their
//! switches, which are the pool's settings.

use polyauth_core::{Error, Result};
use serde_json::json;

use super::{ManagementClient, UserPool};
use crate::documents::{self as doc, GqlOp};
use crate::transport::PROVIDER;
use crate::types::{Userpool, UserpoolUpdate, WhitelistEntry, WhitelistType};

/// The `white_list` module of [`ManagementClient`] (see [`ManagementClient::white_list`]).
///
/// Errors every method may give besides those it names: as for [`Roles`](super::Roles)
/// (`Unauthenticated`, `Unavailable`/`RateLimited`, `Provider` with Authing's code in
/// [`polyauth_core::Error::provider_code`], `Protocol`).
#[derive(Clone, Copy, Debug)]
pub struct WhiteList<'a> {
    pub(super) client: &'a ManagementClient,
}

/// `InvalidInput` naming `op` for an empty list of values (nothing is sent).
fn has_values(op: &GqlOp, values: &[String]) -> Result<()> {
    if values.is_empty() {
        return Err(
            Error::invalid_input("no whitelist values given").with_context(PROVIDER, op.name())
        );
    }
    Ok(())
}

impl WhiteList<'_> {
    /// The entries of one whitelist (GraphQL `whitelist`; variable `type`).
    pub async fn list(&self, kind: WhitelistType) -> Result<Vec<WhitelistEntry>> {
        self.client
            .gql(&doc::WHITELIST, json!({"type": kind}))
            .await
    }

    /// Adds values to a whitelist (GraphQL `addWhitelist`; variables `type`, `list`);
    /// answers the entries Authing returns.
    ///
    /// Errors: `InvalidInput` for an empty list (nothing is sent) or a value already listed
    /// (Authing code kept).
    pub async fn add(&self, kind: WhitelistType, values: &[String]) -> Result<Vec<WhitelistEntry>> {
        has_values(&doc::ADD_WHITELIST, values)?;
        let vars = json!({"type": kind, "list": values});
        self.client.gql(&doc::ADD_WHITELIST, vars).await
    }

    /// Removes values from a whitelist (GraphQL `removeWhitelist`; variables `type`, `list`);
    /// answers the entries Authing returns.
    ///
    /// Errors: `InvalidInput` for an empty list (nothing is sent); `NotFound` for a value not
    /// listed (Authing code kept).
    pub async fn remove(
        &self,
        kind: WhitelistType,
        values: &[String],
    ) -> Result<Vec<WhitelistEntry>> {
        has_values(&doc::REMOVE_WHITELIST, values)?;
        let vars = json!({"type": kind, "list": values});
        self.client.gql(&doc::REMOVE_WHITELIST, vars).await
    }

    /// Turns a whitelist on (GraphQL `updateUserpool` with
    /// `input: {"whitelist": {"<kind>Enabled": true}}`, as
    /// [`UserPool::update`]); answers the pool's settings after the change.
    pub async fn enable(&self, kind: WhitelistType) -> Result<Userpool> {
        self.switch(kind, true).await
    }

    /// Turns a whitelist off (GraphQL `updateUserpool` with
    /// `input: {"whitelist": {"<kind>Enabled": false}}`); answers the pool's settings.
    pub async fn disable(&self, kind: WhitelistType) -> Result<Userpool> {
        self.switch(kind, false).await
    }

    async fn switch(&self, kind: WhitelistType, on: bool) -> Result<Userpool> {
        let updates = UserpoolUpdate {
            whitelist: Some(kind.switch(on)),
            ..UserpoolUpdate::default()
        };
        UserPool {
            client: self.client,
        }
        .update(&updates)
        .await
    }
}
