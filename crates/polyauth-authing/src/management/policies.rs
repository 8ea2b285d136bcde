//! The `policies` module (reference: `authing/v2/management/policies.py`): policies (named
//! statements of allowed or denied actions on resources) and their assignments to users,
//! roles, groups and organization nodes.

use futures::Stream;
use polyauth_core::{Error, Result};
use serde_json::json;

use super::ManagementClient;
use super::paging::{self, STREAM_PAGE_SIZE};
use super::roles::non_empty;
use crate::documents::{self as doc, GqlOp};
use crate::transport::PROVIDER;
use crate::types::{
    CommonMessage, Paginated, Policy, PolicyAssignment, PolicyStatement, PolicyTargetType,
};

/// The `policies` module of [`ManagementClient`] (see [`ManagementClient::policies`]).
///
/// Errors every method may give besides those it names: as for
/// [`Roles`](super::Roles) (`Unauthenticated`, `Unavailable`/`RateLimited`, `Provider` with
/// Authing's code in [`polyauth_core::Error::provider_code`], `Protocol`).
#[derive(Clone, Copy, Debug)]
pub struct Policies<'a> {
    pub(super) client: &'a ManagementClient,
}

/// `InvalidInput` naming `op` for a policy without statements (nothing is sent).
fn has_statements(op: &GqlOp, statements: &[PolicyStatement]) -> Result<()> {
    if statements.is_empty() {
        return Err(
            Error::invalid_input("a policy needs at least one statement")
                .with_context(PROVIDER, op.name()),
        );
    }
    Ok(())
}

impl<'a> Policies<'a> {
    /// One page of policies (GraphQL `policies`; variables `page`, `limit`). Past the last
    /// page the list is empty.
    ///
    /// Errors: `InvalidInput` for page or limit 0.
    pub async fn list(&self, page: u32, limit: u32) -> Result<Paginated<Policy>> {
        paging::check_page(&doc::POLICIES, page, limit)?;
        let vars = json!({"page": page, "limit": limit});
        self.client.gql(&doc::POLICIES, vars).await
    }

    /// Every policy, as a stream walking [`list`](Self::list) page by page
    /// ([`STREAM_PAGE_SIZE`] a page). A failed page ends the stream with its error.
    pub fn list_stream(&self) -> impl Stream<Item = Result<Policy>> + 'a {
        let policies = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            policies.list(page, STREAM_PAGE_SIZE).await
        })
    }

    /// Creates a policy (GraphQL `createPolicy`; variables `code`, `description`,
    /// `statements` as `PolicyStatementInput`s).
    ///
    /// Errors: `InvalidInput` without statements (nothing is sent) or when the code is taken
    /// (Authing code kept).
    pub async fn create(
        &self,
        code: &str,
        statements: &[PolicyStatement],
        description: Option<&str>,
    ) -> Result<Policy> {
        has_statements(&doc::CREATE_POLICY, statements)?;
        let vars = json!({"code": code, "description": description, "statements": statements});
        self.client.gql(&doc::CREATE_POLICY, vars).await
    }

    /// One policy by code (GraphQL `policy`; variable `code`); `None` when there is none.
    pub async fn detail(&self, code: &str) -> Result<Option<Policy>> {
        self.client.gql(&doc::POLICY, json!({"code": code})).await
    }

    /// Replaces a policy's statements and description (GraphQL `updatePolicy`; variables
    /// `code`, `description`, `statements`; a `None` description is left as it is).
    ///
    /// Errors: `InvalidInput` without statements (nothing is sent); `NotFound` for an
    /// unknown policy.
    pub async fn update(
        &self,
        code: &str,
        statements: &[PolicyStatement],
        description: Option<&str>,
    ) -> Result<Policy> {
        has_statements(&doc::UPDATE_POLICY, statements)?;
        let vars = json!({"code": code, "description": description, "statements": statements});
        self.client.gql(&doc::UPDATE_POLICY, vars).await
    }

    /// Deletes a policy and its assignments (GraphQL `deletePolicy`; variable `code`).
    /// Errors: `NotFound` for an unknown policy.
    pub async fn delete(&self, code: &str) -> Result<CommonMessage> {
        self.client
            .gql(&doc::DELETE_POLICY, json!({"code": code}))
            .await
    }

    /// Deletes several policies and their assignments (GraphQL `deletePolicies`; variable
    /// `codeList`). Errors: `InvalidInput` for an empty list (nothing is sent); `NotFound`
    /// when a code is unknown (nothing is deleted).
    pub async fn delete_many(&self, codes: &[String]) -> Result<CommonMessage> {
        non_empty(&doc::DELETE_POLICIES, "policy codes", codes)?;
        self.client
            .gql(&doc::DELETE_POLICIES, json!({"codeList": codes}))
            .await
    }

    /// One page of a policy's assignments (GraphQL `policyAssignments`; variables `code`,
    /// `page`, `limit`).
    ///
    /// Errors: `InvalidInput` for page or limit 0.
    pub async fn list_assignments(
        &self,
        code: &str,
        page: u32,
        limit: u32,
    ) -> Result<Paginated<PolicyAssignment>> {
        paging::check_page(&doc::POLICY_ASSIGNMENTS, page, limit)?;
        let vars = json!({"code": code, "page": page, "limit": limit});
        self.client.gql(&doc::POLICY_ASSIGNMENTS, vars).await
    }

    /// Every assignment of a policy, as a stream walking
    /// [`list_assignments`](Self::list_assignments).
    pub fn list_assignments_stream(
        &self,
        code: &'a str,
    ) -> impl Stream<Item = Result<PolicyAssignment>> + 'a {
        let policies = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            policies
                .list_assignments(code, page, STREAM_PAGE_SIZE)
                .await
        })
    }

    /// Assigns policies to targets of one type (GraphQL `addPolicyAssignments`; variables
    /// `policies`, `targetType`, `targetIdentifiers`: user ids, role codes, group codes or
    /// organization node ids). Assignments that exist stay.
    ///
    /// Errors: `InvalidInput` for an empty list (nothing is sent); `NotFound` for an unknown
    /// policy, user, role or group.
    pub async fn add_assignments(
        &self,
        policies: &[String],
        target_type: PolicyTargetType,
        target_identifiers: &[String],
    ) -> Result<CommonMessage> {
        self.change_assignments(
            &doc::ADD_POLICY_ASSIGNMENTS,
            policies,
            target_type,
            target_identifiers,
        )
        .await
    }

    /// Removes assignments (GraphQL `removePolicyAssignments`; the variables of
    /// [`add_assignments`](Self::add_assignments)). Errors: as `add_assignments`.
    pub async fn remove_assignments(
        &self,
        policies: &[String],
        target_type: PolicyTargetType,
        target_identifiers: &[String],
    ) -> Result<CommonMessage> {
        self.change_assignments(
            &doc::REMOVE_POLICY_ASSIGNMENTS,
            policies,
            target_type,
            target_identifiers,
        )
        .await
    }

    /// The policy assignments of `addPolicyAssignments`/`removePolicyAssignments`, shared by
    /// the users and roles modules (each names its own target type).
    pub(super) async fn change_assignments(
        &self,
        op: &GqlOp,
        policies: &[String],
        target_type: PolicyTargetType,
        target_identifiers: &[String],
    ) -> Result<CommonMessage> {
        non_empty(op, "policies", policies)?;
        non_empty(op, "targets", target_identifiers)?;
        let vars = json!({
            "policies": policies, "targetType": target_type,
            "targetIdentifiers": target_identifiers,
        });
        self.client.gql(op, vars).await
    }

    /// Turns an assignment back on (GraphQL `enablePolicyAssignment`; variables `policy`,
    /// `targetType`, `targetIdentifier`, `namespace`).
    ///
    /// Errors: `NotFound` when the target has no such assignment.
    pub async fn enable_assignment(
        &self,
        policy: &str,
        target_type: PolicyTargetType,
        target_identifier: &str,
        namespace: Option<&str>,
    ) -> Result<CommonMessage> {
        self.switch_assignment(
            &doc::ENABLE_POLICY_ASSIGNMENT,
            policy,
            target_type,
            target_identifier,
            namespace,
        )
        .await
    }

    /// Turns an assignment off without removing it (GraphQL `disbalePolicyAssignment`, as
    /// Authing's schema spells it; the variables of
    /// [`enable_assignment`](Self::enable_assignment)). Errors: as `enable_assignment`.
    pub async fn disable_assignment(
        &self,
        policy: &str,
        target_type: PolicyTargetType,
        target_identifier: &str,
        namespace: Option<&str>,
    ) -> Result<CommonMessage> {
        self.switch_assignment(
            &doc::DISABLE_POLICY_ASSIGNMENT,
            policy,
            target_type,
            target_identifier,
            namespace,
        )
        .await
    }

    async fn switch_assignment(
        &self,
        op: &GqlOp,
        policy: &str,
        target_type: PolicyTargetType,
        target_identifier: &str,
        namespace: Option<&str>,
    ) -> Result<CommonMessage> {
        let vars = json!({
            "policy": policy, "targetType": target_type,
            "targetIdentifier": target_identifier, "namespace": namespace,
        });
        self.client.gql(op, vars).await
    }
}
