//! The `groups` module (reference: `authing/v2/management/groups.py`): user groups, their
//! members and authorized resources.

use futures::Stream;
use polyauth_core::Result;
use serde_json::json;

use super::paging::{self, STREAM_PAGE_SIZE};
use super::roles::non_empty;
use super::{CustomData, ManagementClient};
use crate::documents::{self as doc, GqlOp};
use crate::types::{
    AuthorizedResource, CommonMessage, Group, Paginated, ResourceType, User, paged_users,
};

/// The `groups` module of [`ManagementClient`] (see [`ManagementClient::groups`]).
///
/// Errors every method may give besides those it names: as for
/// [`Roles`](super::Roles) (`Unauthenticated`, `Unavailable`/`RateLimited`, `Provider` with
/// Authing's code in [`polyauth_core::Error::provider_code`], `Protocol`).
#[derive(Clone, Copy, Debug)]
pub struct Groups<'a> {
    pub(super) client: &'a ManagementClient,
}

impl<'a> Groups<'a> {
    /// One page of groups (GraphQL `groups`; variables `page`, `limit`). Past the last
    /// page the list is empty (`total_count` still counts every group).
    ///
    /// Errors: `InvalidInput` for page or limit 0.
    pub async fn list(&self, page: u32, limit: u32) -> Result<Paginated<Group>> {
        paging::check_page(&doc::GROUPS, page, limit)?;
        let vars = json!({"page": page, "limit": limit});
        self.client.gql(&doc::GROUPS, vars).await
    }

    /// Every group, as a stream walking [`list`](Self::list) page by page
    /// ([`STREAM_PAGE_SIZE`] a page). A failed page ends the stream with its error.
    pub fn list_stream(&self) -> impl Stream<Item = Result<Group>> + 'a {
        let groups = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            groups.list(page, STREAM_PAGE_SIZE).await
        })
    }

    /// Creates a group (GraphQL `createGroup`; variables `code`, `name`, `description`).
    /// `code` identifies the group (`developers`), `name` is shown to people.
    ///
    /// Errors: `InvalidInput` when the code is taken (Authing code kept).
    pub async fn create(&self, code: &str, name: &str, description: Option<&str>) -> Result<Group> {
        let vars = json!({"code": code, "description": description, "name": name});
        self.client.gql(&doc::CREATE_GROUP, vars).await
    }

    /// One group by code (GraphQL `group`; variable `code`); `None` when there is none.
    pub async fn detail(&self, code: &str) -> Result<Option<Group>> {
        self.client.gql(&doc::GROUP, json!({"code": code})).await
    }

    /// Changes a group's code, name and/or description (GraphQL `updateGroup`; variables
    /// `code`, `description`, `newCode`, `name`); `None` leaves a field as it is. Members
    /// stay members under the new code.
    ///
    /// Errors: `NotFound` for an unknown group; `InvalidInput` when `new_code` is taken.
    pub async fn update(
        &self,
        code: &str,
        new_code: Option<&str>,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Result<Group> {
        let vars = json!({
            "code": code, "description": description, "newCode": new_code, "name": name,
        });
        self.client.gql(&doc::UPDATE_GROUP, vars).await
    }

    /// Deletes a group (GraphQL `deleteGroups` with `codeList: [code]`, as the reference);
    /// its members leave it. Errors: `NotFound` for an unknown group.
    pub async fn delete(&self, code: &str) -> Result<CommonMessage> {
        let vars = json!({"codeList": [code]});
        self.client.gql(&doc::DELETE_GROUPS, vars).await
    }

    /// Deletes several groups (GraphQL `deleteGroups`; variable `codeList`).
    /// Errors: `InvalidInput` for an empty list (nothing is sent); `NotFound` when a code is
    /// unknown (nothing is deleted).
    pub async fn delete_many(&self, codes: &[String]) -> Result<CommonMessage> {
        non_empty(&doc::DELETE_GROUPS, "group codes", codes)?;
        let vars = json!({"codeList": codes});
        self.client.gql(&doc::DELETE_GROUPS, vars).await
    }

    /// One page of the group's members (GraphQL `groupWithUsers`, or
    /// `groupWithUsersWithCustomData` with [`CustomData::Include`], which fills
    /// [`User::custom_data`]; variables `code`, `page`, `limit`).
    ///
    /// Errors: `NotFound` for an unknown group (the server answers a null group);
    /// `InvalidInput` for page or limit 0.
    pub async fn list_users(
        &self,
        code: &str,
        page: u32,
        limit: u32,
        custom_data: CustomData,
    ) -> Result<Paginated<User>> {
        let op = custom_data.pick(
            &doc::GROUP_WITH_USERS_WITH_CUSTOM_DATA,
            &doc::GROUP_WITH_USERS,
        );
        paging::check_page(op, page, limit)?;
        let vars = json!({"code": code, "page": page, "limit": limit});
        paged_users(self.client.gql(op, vars).await?)
    }

    /// Every member of the group, as a stream walking [`list_users`](Self::list_users).
    pub fn list_users_stream(
        &self,
        code: &'a str,
        custom_data: CustomData,
    ) -> impl Stream<Item = Result<User>> + 'a {
        let groups = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            groups
                .list_users(code, page, STREAM_PAGE_SIZE, custom_data)
                .await
        })
    }

    /// Adds users to the group (GraphQL `addUserToGroup`; variables `userIds`, `code`).
    /// Members already in it stay.
    ///
    /// Errors: `InvalidInput` for an empty list (nothing is sent); `NotFound` for an unknown
    /// group or user.
    pub async fn add_users(&self, code: &str, user_ids: &[String]) -> Result<CommonMessage> {
        self.change_users(&doc::ADD_USER_TO_GROUP, code, user_ids)
            .await
    }

    /// Removes users from the group (GraphQL `removeUserFromGroup`; the variables of
    /// [`add_users`](Self::add_users)). Errors: as `add_users`.
    pub async fn remove_users(&self, code: &str, user_ids: &[String]) -> Result<CommonMessage> {
        self.change_users(&doc::REMOVE_USER_FROM_GROUP, code, user_ids)
            .await
    }

    async fn change_users(
        &self,
        op: &GqlOp,
        code: &str,
        user_ids: &[String],
    ) -> Result<CommonMessage> {
        non_empty(op, "user ids", user_ids)?;
        let vars = json!({"userIds": user_ids, "code": code});
        self.client.gql(op, vars).await
    }

    /// The resources the group is authorized for, with the allowed actions (GraphQL
    /// `listGroupAuthorizedResources`; variables `code`, `namespace`, `resourceType`);
    /// `namespace` and `resource_type` narrow them. The reference answers
    /// `{totalCount, list}` with empty fields dropped; this keeps them typed.
    ///
    /// Errors: `NotFound` for an unknown group (the reference raises its code 500 "group not
    /// exists").
    pub async fn list_authorized_resources(
        &self,
        code: &str,
        namespace: Option<&str>,
        resource_type: Option<ResourceType>,
    ) -> Result<Paginated<AuthorizedResource>> {
        let vars = json!({"code": code, "namespace": namespace, "resourceType": resource_type});
        self.client
            .gql(&doc::LIST_GROUP_AUTHORIZED_RESOURCES, vars)
            .await
    }
}
