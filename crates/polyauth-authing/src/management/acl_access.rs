//! The application side of the `acl` module (reference: `authing/v2/management/acl.py`):
//! programmatic access accounts of an application (AK/SK pairs) and its access policies
//! (which users, roles, groups or organization nodes may use it), on [`Acl`].

use futures::Stream;
use polyauth_core::{ClientSecret, Error, Result};
use reqwest::Method;
use serde_json::{Value, json};

use super::acl::{Acl, required};
use super::paging::{self, STREAM_PAGE_SIZE};
use crate::transport::PROVIDER;
use crate::types::{
    AccessPolicyTargets, Application, DefaultAccessStrategy, Paginated, ProgrammaticAccessAccount,
};

/// The letters of a generated programmatic-access secret (the reference's
/// `get_random_string_secret`: no look-alike characters).
const SECRET_ALPHABET: &[u8] = b"abcdefhijkmnprstwxyz2345678";
/// The length of a generated programmatic-access secret.
pub const PROGRAMMATIC_SECRET_LEN: usize = 32;
/// The token lifetime of a new programmatic access account when none is given (the
/// reference's default), seconds.
pub const DEFAULT_PROGRAMMATIC_TOKEN_LIFETIME: u32 = 600;

/// A fresh secret of [`PROGRAMMATIC_SECRET_LEN`] letters of [`SECRET_ALPHABET`], from the
/// thread's CSPRNG.
fn random_secret() -> ClientSecret {
    let text: String = (0..PROGRAMMATIC_SECRET_LEN)
        .map(|_| {
            let i = rand::random_range(0..SECRET_ALPHABET.len());
            char::from(SECRET_ALPHABET[i])
        })
        .collect();
    ClientSecret::new(text)
}

/// Which access-policy call of an application (`/authorization/{path}`).
#[derive(Clone, Copy)]
enum PolicyCall {
    Enable,
    Disable,
    Delete,
    Allow,
    Deny,
}

impl PolicyCall {
    fn op_and_path(self) -> (&'static str, &'static str) {
        match self {
            PolicyCall::Enable => ("enable_application_access_policies", "enable-effect"),
            PolicyCall::Disable => ("disable_application_access_policies", "disable-effect"),
            PolicyCall::Delete => ("delete_application_access_policies", "revoke"),
            PolicyCall::Allow => ("allow_access_application", "allow"),
            PolicyCall::Deny => ("deny_access_application", "deny"),
        }
    }
}

impl<'a> Acl<'a> {
    /// One page of an application's programmatic access accounts (REST
    /// `GET /api/v2/applications/{app_id}/programmatic-access-accounts?limit&page`). Past the
    /// last page the list is empty.
    ///
    /// Errors: `InvalidInput` for an empty application id or page or limit 0 (nothing is
    /// sent); `NotFound` for an unknown application (Authing code kept).
    pub async fn programmatic_access_account_list(
        &self,
        app_id: &str,
        page: u32,
        limit: u32,
    ) -> Result<Paginated<ProgrammaticAccessAccount>> {
        const OP: &str = "programmatic_access_account_list";
        required(OP, "the application id", app_id)?;
        paging::check_page_of(OP, page, limit)?;
        let mut url = self.url(&["applications", app_id, "programmatic-access-accounts"])?;
        url.query_pairs_mut()
            .append_pair("limit", &limit.to_string())
            .append_pair("page", &page.to_string());
        self.client.rest(OP, Method::GET, url, None).await
    }

    /// Every programmatic access account of an application, as a stream walking
    /// [`programmatic_access_account_list`](Self::programmatic_access_account_list)
    /// ([`STREAM_PAGE_SIZE`] a page).
    pub fn programmatic_access_account_list_stream(
        &self,
        app_id: &'a str,
    ) -> impl Stream<Item = Result<ProgrammaticAccessAccount>> + 'a {
        let acl = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            acl.programmatic_access_account_list(app_id, page, STREAM_PAGE_SIZE)
                .await
        })
    }

    /// Adds a programmatic access account to an application (REST
    /// `POST /api/v2/applications/{app_id}/programmatic-access-accounts` with
    /// `tokenLifetime` (seconds; the reference's default is
    /// [`DEFAULT_PROGRAMMATIC_TOKEN_LIFETIME`]) and `remark`); answers it with its secret.
    ///
    /// Errors: `InvalidInput` for an empty application id or a zero lifetime (nothing is
    /// sent); `NotFound` for an unknown application (Authing code kept).
    pub async fn create_programmatic_access_account(
        &self,
        app_id: &str,
        remark: Option<&str>,
        token_lifetime: u32,
    ) -> Result<ProgrammaticAccessAccount> {
        const OP: &str = "create_programmatic_access_account";
        required(OP, "the application id", app_id)?;
        if token_lifetime == 0 {
            return Err(
                Error::invalid_input("a token lifetime of 0 seconds").with_context(PROVIDER, OP)
            );
        }
        let url = self.url(&["applications", app_id, "programmatic-access-accounts"])?;
        let mut body = json!({"tokenLifetime": token_lifetime});
        if let (Some(remark), Value::Object(map)) = (remark.filter(|r| !r.is_empty()), &mut body) {
            map.insert("remark".into(), json!(remark));
        }
        self.client.rest(OP, Method::POST, url, Some(body)).await
    }

    /// Stops an account from getting tokens (REST
    /// `PATCH /api/v2/applications/programmatic-access-accounts` with `id`,
    /// `enabled: false`); answers the account.
    ///
    /// Errors: `InvalidInput` for an empty id (nothing is sent); `NotFound` for an unknown
    /// account (Authing code kept).
    pub async fn disable_programmatic_access_account(
        &self,
        account_id: &str,
    ) -> Result<ProgrammaticAccessAccount> {
        self.patch_account(
            "disable_programmatic_access_account",
            json!({"id": account_id, "enabled": false}),
        )
        .await
    }

    /// Lets an account get tokens again (REST
    /// `PATCH /api/v2/applications/programmatic-access-accounts` with `id`, `enabled: true`);
    /// answers the account.
    ///
    /// Errors: `InvalidInput` for an empty id (nothing is sent); `NotFound` for an unknown
    /// account (Authing code kept).
    pub async fn enable_programmatic_access_account(
        &self,
        account_id: &str,
    ) -> Result<ProgrammaticAccessAccount> {
        self.patch_account(
            "enable_programmatic_access_account",
            json!({"id": account_id, "enabled": true}),
        )
        .await
    }

    /// Gives an account a new secret (REST
    /// `PATCH /api/v2/applications/programmatic-access-accounts` with `id`, `secret`):
    /// `secret`, or a fresh random one of [`PROGRAMMATIC_SECRET_LEN`] letters for `None`
    /// (the reference draws its default once per process, so every call of a process sets
    /// the same one; this draws one per call). Answers the account with its new secret.
    ///
    /// Errors: `InvalidInput` for an empty id or secret (nothing is sent); `NotFound` for an
    /// unknown account (Authing code kept).
    pub async fn refresh_programmatic_access_account_secret(
        &self,
        account_id: &str,
        secret: Option<&ClientSecret>,
    ) -> Result<ProgrammaticAccessAccount> {
        const OP: &str = "refresh_programmatic_access_account_secret";
        let secret = secret.cloned().unwrap_or_else(random_secret);
        if secret.is_empty() {
            return Err(Error::invalid_input("the secret is empty").with_context(PROVIDER, OP));
        }
        let body = json!({"id": account_id, "secret": secret.expose_secret()});
        self.patch_account(OP, body).await
    }

    async fn patch_account(
        &self,
        op: &'static str,
        body: Value,
    ) -> Result<ProgrammaticAccessAccount> {
        let id = body.get("id").and_then(Value::as_str).unwrap_or_default();
        required(op, "the account id", id)?;
        let url = self.url(&["applications", "programmatic-access-accounts"])?;
        self.client.rest(op, Method::PATCH, url, Some(body)).await
    }

    /// Deletes a programmatic access account (REST
    /// `DELETE /api/v2/applications/programmatic-access-accounts?id`).
    ///
    /// Errors: `InvalidInput` for an empty id (nothing is sent); `NotFound` for an unknown
    /// account (Authing code kept).
    pub async fn delete_programmatic_access_account(&self, account_id: &str) -> Result<()> {
        const OP: &str = "delete_programmatic_access_account";
        required(OP, "the account id", account_id)?;
        let mut url = self.url(&["applications", "programmatic-access-accounts"])?;
        url.query_pairs_mut().append_pair("id", account_id);
        self.rest_unit(OP, Method::DELETE, url, None).await
    }

    async fn access_policy(
        &self,
        call: PolicyCall,
        app_id: &str,
        targets: &AccessPolicyTargets,
    ) -> Result<()> {
        let (op, path) = call.op_and_path();
        required(op, "the application id", app_id)?;
        if targets.target_identifiers.is_empty() {
            return Err(Error::invalid_input("no targets given").with_context(PROVIDER, op));
        }
        let url = self.url(&["applications", app_id, "authorization", path])?;
        let body = json!({
            "targetType": targets.target_type,
            "targetIdentifiers": targets.target_identifiers,
            "namespace": targets.namespace,
            "inheritByChildren": targets.inherit_by_children,
        });
        self.rest_unit(op, Method::POST, url, Some(body)).await
    }

    /// Puts an application's access policies for these targets into effect (REST
    /// `POST /api/v2/applications/{app_id}/authorization/enable-effect` with `targetType`,
    /// `targetIdentifiers`, `namespace`, `inheritByChildren`).
    ///
    /// Errors: `InvalidInput` for an empty application id or target list (nothing is sent);
    /// `NotFound` for an unknown application or a target without a policy (Authing code
    /// kept).
    pub async fn enable_application_access_policies(
        &self,
        app_id: &str,
        targets: &AccessPolicyTargets,
    ) -> Result<()> {
        self.access_policy(PolicyCall::Enable, app_id, targets)
            .await
    }

    /// Suspends an application's access policies for these targets (REST
    /// `POST /api/v2/applications/{app_id}/authorization/disable-effect`, the same body).
    ///
    /// Errors: as [`enable_application_access_policies`](Self::enable_application_access_policies).
    pub async fn disable_application_access_policies(
        &self,
        app_id: &str,
        targets: &AccessPolicyTargets,
    ) -> Result<()> {
        self.access_policy(PolicyCall::Disable, app_id, targets)
            .await
    }

    /// Deletes an application's access policies for these targets (REST
    /// `POST /api/v2/applications/{app_id}/authorization/revoke`, the same body).
    ///
    /// Errors: as [`enable_application_access_policies`](Self::enable_application_access_policies).
    pub async fn delete_application_access_policies(
        &self,
        app_id: &str,
        targets: &AccessPolicyTargets,
    ) -> Result<()> {
        self.access_policy(PolicyCall::Delete, app_id, targets)
            .await
    }

    /// Lets these targets use an application (REST
    /// `POST /api/v2/applications/{app_id}/authorization/allow`, the same body): an `ALLOW`
    /// policy per target, in effect, replacing a `DENY` one.
    ///
    /// Errors: `InvalidInput` for an empty application id or target list (nothing is sent);
    /// `NotFound` for an unknown application (Authing code kept).
    pub async fn allow_access_application(
        &self,
        app_id: &str,
        targets: &AccessPolicyTargets,
    ) -> Result<()> {
        self.access_policy(PolicyCall::Allow, app_id, targets).await
    }

    /// Keeps these targets from using an application (REST
    /// `POST /api/v2/applications/{app_id}/authorization/deny`, the same body): a `DENY`
    /// policy per target, in effect, replacing an `ALLOW` one.
    ///
    /// Errors: as [`allow_access_application`](Self::allow_access_application).
    pub async fn deny_access_application(
        &self,
        app_id: &str,
        targets: &AccessPolicyTargets,
    ) -> Result<()> {
        self.access_policy(PolicyCall::Deny, app_id, targets).await
    }

    /// Sets whom an application lets in when no policy names them (REST
    /// `POST /api/v2/applications/{app_id}` with
    /// `permissionStrategy: {defaultStrategy}`); answers the application.
    ///
    /// Errors: `InvalidInput` for an empty application id (nothing is sent); `NotFound` for
    /// an unknown application (Authing code kept).
    pub async fn update_default_application_access_policy(
        &self,
        app_id: &str,
        strategy: DefaultAccessStrategy,
    ) -> Result<Application> {
        const OP: &str = "update_default_application_access_policy";
        required(OP, "the application id", app_id)?;
        let url = self.url(&["applications", app_id])?;
        let body = json!({"permissionStrategy": {"defaultStrategy": strategy}});
        self.client.rest(OP, Method::POST, url, Some(body)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_fresh_and_of_the_alphabet() {
        let (a, b) = (random_secret(), random_secret());
        assert_eq!(a.len(), PROGRAMMATIC_SECRET_LEN);
        assert!(
            a.expose_secret()
                .bytes()
                .all(|c| SECRET_ALPHABET.contains(&c))
        );
        assert_ne!(a, b);
        assert_eq!(format!("{a:?}"), "ClientSecret([redacted])");
    }
}
