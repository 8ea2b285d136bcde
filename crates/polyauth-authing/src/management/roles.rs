//! The `roles` module (reference: `authing/v2/management/roles.py`): roles of a permission
//! group (namespace; Authing's `default` when none is given), their members, policies,
//! authorized resources and custom data.

use std::borrow::Borrow;
use std::collections::HashMap;

use futures::Stream;
use polyauth_core::{Error, Result};
use serde_json::{Map, Value, json};

use super::CustomData;
use super::ManagementClient;
use super::paging::{self, STREAM_PAGE_SIZE};
use super::udf::UdfValues;
use crate::documents::{self as doc, GqlOp};
use crate::transport::PROVIDER;
use crate::types::{
    AuthorizedResource, CommonMessage, Paginated, PolicyAssignment, PolicyTargetType, ResourceType,
    Role, User, paged_users, udv_map,
};

/// The `roles` module of [`ManagementClient`] (see [`ManagementClient::roles`]).
///
/// Errors every method may give besides those it names: `Unauthenticated` when the pool
/// secret is refused, `Unavailable`/`RateLimited` when Authing is failing or throttling,
/// `Provider` for another Authing code (kept in [`polyauth_core::Error::provider_code`];
/// `"graphql"` for a document or variables the server refused), `Protocol` for an answer of
/// an unexpected shape.
#[derive(Clone, Copy, Debug)]
pub struct Roles<'a> {
    pub(super) client: &'a ManagementClient,
}

/// `InvalidInput` naming `op` when `items` is empty (nothing is sent).
pub(super) fn non_empty(op: &GqlOp, what: &str, items: &[String]) -> Result<()> {
    if items.is_empty() {
        return Err(
            Error::invalid_input(format!("no {what} given")).with_context(PROVIDER, op.name())
        );
    }
    Ok(())
}

impl<'a> Roles<'a> {
    fn custom_data(&self) -> UdfValues<'a> {
        UdfValues {
            client: self.client,
            target_type: "ROLE",
        }
    }

    /// One page of roles (GraphQL `roles`; variables `page`, `limit`, `namespace`).
    /// `namespace` narrows the list to one permission group; `None` lists every group's.
    /// Past the last page the list is empty (`total_count` still counts every role).
    ///
    /// Errors: `InvalidInput` for page or limit 0.
    pub async fn list(
        &self,
        page: u32,
        limit: u32,
        namespace: Option<&str>,
    ) -> Result<Paginated<Role>> {
        paging::check_page(&doc::ROLES, page, limit)?;
        let vars = json!({"page": page, "limit": limit, "namespace": namespace});
        self.client.gql(&doc::ROLES, vars).await
    }

    /// Every role, as a stream walking [`list`](Self::list) page by page
    /// ([`STREAM_PAGE_SIZE`] a page). A failed page ends the stream with its error.
    pub fn list_stream(&self, namespace: Option<&'a str>) -> impl Stream<Item = Result<Role>> + 'a {
        let roles = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            roles.list(page, STREAM_PAGE_SIZE, namespace).await
        })
    }

    /// Creates a role (GraphQL `createRole`; variables `code`, `description`, `parent`,
    /// `namespace`). `parent_code` is the code of an existing role of the same namespace.
    /// The reference sends the parent as `parentCode`, a variable its document does not
    /// declare, so its parent is never set; this sends the declared `parent`.
    ///
    /// Errors: `InvalidInput` when the code is taken in the namespace (Authing code kept);
    /// `NotFound` for an unknown parent.
    pub async fn create(
        &self,
        code: &str,
        description: Option<&str>,
        parent_code: Option<&str>,
        namespace: Option<&str>,
    ) -> Result<Role> {
        let vars = json!({
            "code": code, "description": description, "parent": parent_code,
            "namespace": namespace,
        });
        self.client.gql(&doc::CREATE_ROLE, vars).await
    }

    /// One role by code (GraphQL `role`; variables `code`, `namespace`); `None` when the
    /// namespace has no such role.
    pub async fn detail(&self, code: &str, namespace: Option<&str>) -> Result<Option<Role>> {
        let vars = json!({"code": code, "namespace": namespace});
        self.client.gql(&doc::ROLE, vars).await
    }

    /// The same as [`detail`](Self::detail) (the reference's `find_by_code` calls it).
    pub async fn find_by_code(&self, code: &str, namespace: Option<&str>) -> Result<Option<Role>> {
        self.detail(code, namespace).await
    }

    /// Changes a role's description and/or code (GraphQL `updateRole`; variables `code`,
    /// `description`, `newCode`, `namespace`); `None` leaves a field as it is. Members keep
    /// the role under its new code.
    ///
    /// Errors: `NotFound` for an unknown role; `InvalidInput` when `new_code` is taken.
    pub async fn update(
        &self,
        code: &str,
        description: Option<&str>,
        new_code: Option<&str>,
        namespace: Option<&str>,
    ) -> Result<Role> {
        let vars = json!({
            "code": code, "description": description, "newCode": new_code,
            "namespace": namespace,
        });
        self.client.gql(&doc::UPDATE_ROLE, vars).await
    }

    /// Deletes a role (GraphQL `deleteRole`; variables `code`, `namespace`); its members
    /// lose it. Errors: `NotFound` for an unknown role.
    pub async fn delete(&self, code: &str, namespace: Option<&str>) -> Result<CommonMessage> {
        let vars = json!({"code": code, "namespace": namespace});
        self.client.gql(&doc::DELETE_ROLE, vars).await
    }

    /// Deletes several roles of a namespace (GraphQL `deleteRoles`; variables `codeList`,
    /// `namespace`). Errors: `InvalidInput` for an empty list (nothing is sent); `NotFound`
    /// when a code is unknown (nothing is deleted).
    pub async fn delete_many(
        &self,
        codes: &[String],
        namespace: Option<&str>,
    ) -> Result<CommonMessage> {
        non_empty(&doc::DELETE_ROLES, "role codes", codes)?;
        let vars = json!({"codeList": codes, "namespace": namespace});
        self.client.gql(&doc::DELETE_ROLES, vars).await
    }

    /// One page of the role's members (GraphQL `roleWithUsers`, or
    /// `roleWithUsersWithCustomData` with [`CustomData::Include`], which fills
    /// [`User::custom_data`]; variables `code`, `namespace`, `page`, `limit`).
    ///
    /// Errors: `NotFound` for an unknown role (the server answers a null role);
    /// `InvalidInput` for page or limit 0.
    pub async fn list_users(
        &self,
        code: &str,
        page: u32,
        limit: u32,
        namespace: Option<&str>,
        custom_data: CustomData,
    ) -> Result<Paginated<User>> {
        let op = custom_data.pick(
            &doc::ROLE_WITH_USERS_WITH_CUSTOM_DATA,
            &doc::ROLE_WITH_USERS,
        );
        paging::check_page(op, page, limit)?;
        let vars = json!({"code": code, "namespace": namespace, "page": page, "limit": limit});
        paged_users(self.client.gql(op, vars).await?)
    }

    /// Every member of the role, as a stream walking [`list_users`](Self::list_users).
    pub fn list_users_stream(
        &self,
        code: &'a str,
        namespace: Option<&'a str>,
        custom_data: CustomData,
    ) -> impl Stream<Item = Result<User>> + 'a {
        let roles = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            roles
                .list_users(code, page, STREAM_PAGE_SIZE, namespace, custom_data)
                .await
        })
    }

    /// Gives the role to users (GraphQL `assignRole`; variables `userIds`,
    /// `roleCodes: [code]`, `namespace`). Users who have it already keep it.
    ///
    /// Errors: `InvalidInput` for an empty list (nothing is sent); `NotFound` for an unknown
    /// role or user.
    pub async fn add_users(
        &self,
        code: &str,
        user_ids: &[String],
        namespace: Option<&str>,
    ) -> Result<CommonMessage> {
        self.change_users(&doc::ASSIGN_ROLE, code, user_ids, namespace)
            .await
    }

    /// Takes the role from users (GraphQL `revokeRole`; the variables of
    /// [`add_users`](Self::add_users)). Errors: as `add_users`.
    pub async fn remove_users(
        &self,
        code: &str,
        user_ids: &[String],
        namespace: Option<&str>,
    ) -> Result<CommonMessage> {
        self.change_users(&doc::REVOKE_ROLE, code, user_ids, namespace)
            .await
    }

    async fn change_users(
        &self,
        op: &GqlOp,
        code: &str,
        user_ids: &[String],
        namespace: Option<&str>,
    ) -> Result<CommonMessage> {
        non_empty(op, "user ids", user_ids)?;
        let vars = json!({"userIds": user_ids, "roleCodes": [code], "namespace": namespace});
        self.client.gql(op, vars).await
    }

    /// One page of the policies assigned to the role (GraphQL `policyAssignments` with
    /// `targetType: ROLE`, `targetIdentifier: code`, `page`, `limit`).
    ///
    /// Errors: `InvalidInput` for page or limit 0.
    pub async fn list_policies(
        &self,
        code: &str,
        page: u32,
        limit: u32,
    ) -> Result<Paginated<PolicyAssignment>> {
        paging::check_page(&doc::POLICY_ASSIGNMENTS, page, limit)?;
        let vars = json!({
            "targetType": "ROLE", "targetIdentifier": code, "page": page, "limit": limit,
        });
        self.client.gql(&doc::POLICY_ASSIGNMENTS, vars).await
    }

    /// Assigns policies (by code) to the role (GraphQL `addPolicyAssignments`; variables
    /// `policies`, `targetType: ROLE`, `targetIdentifiers: [code]`).
    ///
    /// Errors: `InvalidInput` for an empty list (nothing is sent); `NotFound` for an unknown
    /// role.
    pub async fn add_policies(&self, code: &str, policies: &[String]) -> Result<CommonMessage> {
        self.change_policies(&doc::ADD_POLICY_ASSIGNMENTS, code, policies)
            .await
    }

    /// Removes policy assignments from the role (GraphQL `removePolicyAssignments`; the
    /// variables of [`add_policies`](Self::add_policies)). Errors: as `add_policies`.
    pub async fn remove_policies(&self, code: &str, policies: &[String]) -> Result<CommonMessage> {
        self.change_policies(&doc::REMOVE_POLICY_ASSIGNMENTS, code, policies)
            .await
    }

    async fn change_policies(
        &self,
        op: &GqlOp,
        code: &str,
        policies: &[String],
    ) -> Result<CommonMessage> {
        let target = [code.to_owned()];
        self.client
            .policies()
            .change_assignments(op, policies, PolicyTargetType::Role, &target)
            .await
    }

    /// The resources the role is authorized for in a namespace, with the allowed actions
    /// (GraphQL `listRoleAuthorizedResources`; variables `code`, `namespace`,
    /// `resourceType`); `resource_type` narrows them to one type. The reference answers
    /// `{totalCount, list}` with empty fields dropped; this keeps them typed.
    ///
    /// Errors: `NotFound` for an unknown role (the reference raises its code 500 "role not
    /// exists").
    pub async fn list_authorized_resources(
        &self,
        code: &str,
        namespace: &str,
        resource_type: Option<ResourceType>,
    ) -> Result<Paginated<AuthorizedResource>> {
        let vars = json!({"code": code, "namespace": namespace, "resourceType": resource_type});
        self.client
            .gql(&doc::LIST_ROLE_AUTHORIZED_RESOURCES, vars)
            .await
    }

    /// The role's custom data as `{key: typed value}` (GraphQL `udv` with
    /// `targetType: ROLE`, `targetId`: the role's id, see [`Role::id`]).
    ///
    /// Errors: `NotFound` for an unknown role id.
    pub async fn get_udf_value(&self, role_id: &str) -> Result<Map<String, Value>> {
        Ok(udv_map(&self.custom_data().list(role_id).await?))
    }

    /// Custom data of several roles by id (GraphQL `udfValueBatch` with `targetType: ROLE`,
    /// `targetIds`), keyed by role id; unknown ids are absent.
    ///
    /// Errors: `InvalidInput` for an empty list (nothing is sent).
    pub async fn get_udf_value_batch(
        &self,
        role_ids: &[String],
    ) -> Result<HashMap<String, Map<String, Value>>> {
        self.custom_data().get_batch(role_ids).await
    }

    /// One custom-data value of a role (the reference reads [`get_udf_value`](Self::get_udf_value)
    /// and picks `key`); `None` when the role has no such value.
    pub async fn get_specific_udf_value(&self, role_id: &str, key: &str) -> Result<Option<Value>> {
        Ok(self.get_udf_value(role_id).await?.remove(key))
    }

    /// Sets custom-data values of a role (GraphQL `setUdvBatch` with `targetType: ROLE`,
    /// `udvList: [{"key", "value"}]`, each value JSON-encoded as the reference encodes it),
    /// sent in the order `data` yields the pairs (see [`super::Users::set_udf_value`]).
    ///
    /// Errors: `InvalidInput` when `data` is empty; `NotFound` for an unknown role id.
    pub async fn set_udf_value<K, V>(
        &self,
        role_id: &str,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()>
    where
        K: AsRef<str>,
        V: Borrow<Value>,
    {
        self.custom_data().set(role_id, data).await.map(|_| ())
    }

    /// Sets custom data of several roles (GraphQL `setUdfValueBatch` with
    /// `targetType: ROLE`, `input: [{"targetId", "key", "value"}]`): `data` is a sequence of
    /// `(role id, pairs)`, sent in the order given.
    ///
    /// Errors: `InvalidInput` when there is nothing to set.
    pub async fn set_udf_value_batch<U, D, K, V>(
        &self,
        data: impl IntoIterator<Item = (U, D)>,
    ) -> Result<()>
    where
        U: AsRef<str>,
        D: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Borrow<Value>,
    {
        self.custom_data().set_batch(data).await
    }

    /// Removes one custom-data value of a role (GraphQL `removeUdv` with `targetType: ROLE`).
    /// Errors: `NotFound` for an unknown role id.
    pub async fn remove_udf_value(&self, role_id: &str, key: &str) -> Result<()> {
        self.custom_data().remove(role_id, key).await.map(|_| ())
    }
}
