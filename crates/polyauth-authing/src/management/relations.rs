//! A user's groups, roles, authorized resources, policies, organizations and departments.

use polyauth_core::Result;
use reqwest::Method;
use serde_json::{Value, json};

use super::Users;
use crate::documents::{self as doc, GqlOp};
use crate::types::{
    AuthorizedResource, CommonMessage, Group, Paginated, PolicyAssignment, PolicyTargetType,
    ResourceType, Role, UserDepartment,
};

impl Users<'_> {
    /// The user's groups (GraphQL `getUserGroups`). Errors: `NotFound`.
    pub async fn list_groups(&self, user_id: &str) -> Result<Paginated<Group>> {
        self.client
            .gql(&doc::GET_USER_GROUPS, json!({"id": user_id}))
            .await
    }

    /// Adds the user to a group (GraphQL `addUserToGroup`).
    pub async fn add_group(&self, user_id: &str, code: &str) -> Result<CommonMessage> {
        let vars = json!({"userIds": [user_id], "code": code});
        self.client.gql(&doc::ADD_USER_TO_GROUP, vars).await
    }

    /// Removes the user from a group (GraphQL `removeUserFromGroup`).
    pub async fn remove_group(&self, user_id: &str, code: &str) -> Result<CommonMessage> {
        let vars = json!({"userIds": [user_id], "code": code});
        self.client.gql(&doc::REMOVE_USER_FROM_GROUP, vars).await
    }

    /// The user's roles (GraphQL `getUserRoles`). Errors: `NotFound`.
    pub async fn list_roles(
        &self,
        user_id: &str,
        namespace: Option<&str>,
    ) -> Result<Paginated<Role>> {
        let vars = json!({"id": user_id, "namespace": namespace});
        self.client.gql(&doc::GET_USER_ROLES, vars).await
    }

    /// Assigns roles (GraphQL `assignRole`).
    pub async fn add_roles(
        &self,
        user_id: &str,
        roles: &[String],
        namespace: Option<&str>,
    ) -> Result<CommonMessage> {
        self.change_roles(&doc::ASSIGN_ROLE, user_id, roles, namespace)
            .await
    }

    /// Revokes roles (GraphQL `revokeRole`).
    pub async fn remove_roles(
        &self,
        user_id: &str,
        roles: &[String],
        namespace: Option<&str>,
    ) -> Result<CommonMessage> {
        self.change_roles(&doc::REVOKE_ROLE, user_id, roles, namespace)
            .await
    }

    async fn change_roles(
        &self,
        op: &GqlOp,
        user_id: &str,
        roles: &[String],
        namespace: Option<&str>,
    ) -> Result<CommonMessage> {
        let vars = json!({"userIds": [user_id], "roleCodes": roles, "namespace": namespace});
        self.client.gql(op, vars).await
    }

    /// Whether the user has a role: `GET {host}/api/v2/users/{id}/has-role?code=&namespace=`.
    pub async fn has_role(
        &self,
        user_id: &str,
        role_code: &str,
        namespace: Option<&str>,
    ) -> Result<bool> {
        let mut url = self
            .client
            .url(&["api", "v2", "users", user_id, "has-role"])?;
        url.query_pairs_mut().append_pair("code", role_code);
        if let Some(ns) = namespace {
            url.query_pairs_mut().append_pair("namespace", ns);
        }
        let v: Value = self.client.rest("has_role", Method::GET, url, None).await?;
        Ok(v.as_bool().unwrap_or(false))
    }

    /// Resources the user is authorized for (GraphQL `listUserAuthorizedResources`).
    pub async fn list_authorized_resources(
        &self,
        user_id: &str,
        namespace: &str,
        resource_type: Option<ResourceType>,
    ) -> Result<Paginated<AuthorizedResource>> {
        let vars = json!({"id": user_id, "namespace": namespace, "resourceType": resource_type});
        self.client
            .gql(&doc::LIST_USER_AUTHORIZED_RESOURCES, vars)
            .await
    }

    /// Checks a batch of resource permissions of the user in one call:
    /// `POST {host}/api/v2/acl/check-resource-permission-batch`
    /// `{"userId", "namespace", "resources": [...]}` (each resource as Authing names it, for
    /// example `books:1:read`). Answers the envelope's `data` as Authing sends it (one verdict
    /// per resource); the reference SDK does not type it either.
    ///
    /// Errors: a `code` other than 200 through [`crate::error_from_code`] (`NotFound` for an
    /// unknown user, 2004); transport errors.
    pub async fn check_resource_permission_batch(
        &self,
        user_id: &str,
        namespace: &str,
        resources: &[String],
    ) -> Result<Value> {
        let url = self
            .client
            .url(&["api", "v2", "acl", "check-resource-permission-batch"])?;
        let body = json!({"userId": user_id, "namespace": namespace, "resources": resources});
        self.client
            .rest(
                "check_resource_permission_batch",
                Method::POST,
                url,
                Some(body),
            )
            .await
    }

    /// The user's authorized permissions on one kind of resource (the resources whose code is
    /// `resource` or starts with `resource:`):
    /// `POST {host}/api/v2/acl/get-authorized-resources-of-resource-kind`
    /// `{"userId", "namespace", "resource"}`. Answers the envelope's `data` as Authing sends it;
    /// the reference SDK does not type it either.
    ///
    /// Errors: a `code` other than 200 through [`crate::error_from_code`] (`NotFound` for an
    /// unknown user, 2004); transport errors.
    pub async fn list_authorized_resources_of_resource_kind(
        &self,
        user_id: &str,
        namespace: &str,
        resource: &str,
    ) -> Result<Value> {
        let url = self.client.url(&[
            "api",
            "v2",
            "acl",
            "get-authorized-resources-of-resource-kind",
        ])?;
        let body = json!({"userId": user_id, "namespace": namespace, "resource": resource});
        self.client
            .rest(
                "list_authorized_resources_of_resource_kind",
                Method::POST,
                url,
                Some(body),
            )
            .await
    }

    /// The user's policy assignments (GraphQL `policyAssignments`).
    pub async fn list_policies(
        &self,
        user_id: &str,
        page: u32,
        limit: u32,
    ) -> Result<Paginated<PolicyAssignment>> {
        let vars = json!({"targetType": "USER", "targetIdentifier": user_id, "page": page, "limit": limit});
        self.client.gql(&doc::POLICY_ASSIGNMENTS, vars).await
    }

    /// Assigns policies (GraphQL `addPolicyAssignments` with `targetType: USER`).
    /// Errors: `InvalidInput` for an empty list (nothing is sent); `NotFound` for an unknown
    /// policy or user.
    pub async fn add_policies(&self, user_id: &str, policies: &[String]) -> Result<CommonMessage> {
        self.change_policies(&doc::ADD_POLICY_ASSIGNMENTS, user_id, policies)
            .await
    }

    /// Removes policy assignments (GraphQL `removePolicyAssignments` with
    /// `targetType: USER`). Errors: as [`add_policies`](Self::add_policies).
    pub async fn remove_policies(
        &self,
        user_id: &str,
        policies: &[String],
    ) -> Result<CommonMessage> {
        self.change_policies(&doc::REMOVE_POLICY_ASSIGNMENTS, user_id, policies)
            .await
    }

    async fn change_policies(
        &self,
        op: &GqlOp,
        user_id: &str,
        policies: &[String],
    ) -> Result<CommonMessage> {
        let target = [user_id.to_owned()];
        self.client
            .policies()
            .change_assignments(op, policies, PolicyTargetType::User, &target)
            .await
    }

    /// The user's organizations: `GET {host}/api/v2/users/{id}/orgs` (data as sent).
    pub async fn list_org(&self, user_id: &str) -> Result<Value> {
        let url = self.client.url(&["api", "v2", "users", user_id, "orgs"])?;
        self.client.rest("list_org", Method::GET, url, None).await
    }

    /// The user's departments (GraphQL `getUserDepartments`).
    pub async fn list_department(&self, user_id: &str) -> Result<Paginated<UserDepartment>> {
        self.client
            .gql(&doc::GET_USER_DEPARTMENTS, json!({"id": user_id}))
            .await
    }
}
