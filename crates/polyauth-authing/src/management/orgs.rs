//! The `orgs` module (reference: `authing/v2/management/orgs.py`): organizations, the tree of
//! their nodes (departments), the members, roles and authorized resources of a node, JSON
//! import and export, and directory synchronization.
//!
//! Where the reference has two methods for one operation, one method here does it:
//! `create_org` and `create` both send `createOrg` ([`Orgs::create`]); `list`, `find_by_id`
//! and `move_node` with `treeify=True` build the tree client-side, as [`Org::tree`] does here.

use futures::Stream;
use polyauth_core::{Error, ErrorKind, Result, pyjson};
use reqwest::Method;
use serde_json::{Value, json};

use super::ManagementClient;
use super::paging::{self, STREAM_PAGE_SIZE};
use super::roles::non_empty;
use crate::documents::{self as doc, GqlOp};
use crate::transport::PROVIDER;
use crate::types::{
    AuthorizedResource, CommonMessage, NewNode, NodeMembers, NodeTree, Org, OrgNode, OrgTree,
    Paginated, ResourceType, Role, SyncProvider, User,
};

/// The `orgs` module of [`ManagementClient`] (see [`ManagementClient::orgs`]).
///
/// Node ids, organization ids and user ids are Authing's. Errors every method may give
/// besides those it names: as for [`Roles`](super::Roles) (`Unauthenticated`,
/// `Unavailable`/`RateLimited`, `Provider` with Authing's code in
/// [`polyauth_core::Error::provider_code`], `Protocol`). A call refused by Authing keeps its
/// code (`NotFound` for an unknown organization, node or user, `InvalidInput` for a taken
/// code or an impossible move, as Authing's code says).
#[derive(Clone, Copy, Debug)]
pub struct Orgs<'a> {
    pub(super) client: &'a ManagementClient,
}

impl<'a> Orgs<'a> {
    /// Creates an organization and its root node (GraphQL `createOrg`; variables `name`,
    /// `code`, `description`): `name` and `code` are the root node's. The reference's
    /// `create_org` and `create` both make this call (`create` drops an empty code or
    /// description; here `None` is sent as null, which the server reads alike).
    ///
    /// Errors: `InvalidInput` when the code is taken.
    pub async fn create(
        &self,
        name: &str,
        code: Option<&str>,
        description: Option<&str>,
    ) -> Result<Org> {
        let vars = json!({"name": name, "code": code, "description": description});
        self.client.gql(&doc::CREATE_ORG, vars).await
    }

    /// Deletes an organization with all its nodes; their members leave them (GraphQL
    /// `deleteOrg`; variable `id`). Errors: `NotFound` for an unknown organization.
    pub async fn delete_by_id(&self, org_id: &str) -> Result<CommonMessage> {
        self.client
            .gql(&doc::DELETE_ORG, json!({"id": org_id}))
            .await
    }

    /// One page of the pool's organizations, each with its nodes as a flat list (GraphQL
    /// `orgs`; variables `page` from 1, `limit` items a page). Past the last page the list
    /// is empty (`total_count` still counts every organization).
    ///
    /// Errors: `InvalidInput` for page or limit 0 (nothing is sent).
    pub async fn list(&self, page: u32, limit: u32) -> Result<Paginated<Org>> {
        paging::check_page(&doc::ORGS, page, limit)?;
        let vars = json!({"page": page, "limit": limit});
        self.client.gql(&doc::ORGS, vars).await
    }

    /// [`list`](Self::list) with each organization as a tree (the reference's
    /// `list(treeify=True)`; the same request). Errors: as `list`.
    pub async fn list_tree(&self, page: u32, limit: u32) -> Result<Paginated<OrgTree>> {
        let orgs = self.list(page, limit).await?;
        Ok(Paginated {
            total_count: orgs.total_count,
            list: orgs.list.iter().map(Org::tree).collect(),
        })
    }

    /// Every organization, as a stream walking [`list`](Self::list) page by page
    /// ([`STREAM_PAGE_SIZE`] a page). A failed page ends the stream with its error.
    pub fn list_stream(&self) -> impl Stream<Item = Result<Org>> + 'a {
        let orgs = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            orgs.list(page, STREAM_PAGE_SIZE).await
        })
    }

    /// One organization with its nodes (GraphQL `org`; variable `id`); `None` when there is
    /// none. [`Org::tree`] gives the reference's `find_by_id(treeify=True)`.
    pub async fn find_by_id(&self, org_id: &str) -> Result<Option<Org>> {
        self.client.gql(&doc::ORG, json!({"id": org_id})).await
    }

    /// Adds a node under `parent_node_id` (the root node when `None`) and answers the node
    /// (GraphQL `addNodeV2`; variables `orgId`, `name`, `parentNodeId`, `code`).
    ///
    /// Errors: `NotFound` for an unknown organization or parent; `InvalidInput` for an empty
    /// name or a code taken in the organization.
    pub async fn create_node(
        &self,
        org_id: &str,
        parent_node_id: Option<&str>,
        name: &str,
        code: Option<&str>,
    ) -> Result<OrgNode> {
        let vars = json!({
            "orgId": org_id, "name": name, "parentNodeId": parent_node_id, "code": code,
        });
        self.client.gql(&doc::ADD_NODE_V2, vars).await
    }

    /// Adds a node under `parent_node_id` (the root node when `None`) and answers the whole
    /// organization (GraphQL `addNode`; variables `orgId`, `parentNodeId`, `name`, `code`,
    /// `description`, `order`, `nameI18n`, `descriptionI18n`). The reference sends the two
    /// i18n fields as `name_i18n` and `description_i18n`, variables its document does not
    /// declare (so they are lost); they are sent as declared here.
    ///
    /// Errors: as [`create_node`](Self::create_node).
    pub async fn add_node(
        &self,
        org_id: &str,
        parent_node_id: Option<&str>,
        node: &NewNode,
    ) -> Result<Org> {
        let vars = json!({
            "orgId": org_id, "parentNodeId": parent_node_id, "name": node.name,
            "code": node.code, "description": node.description, "order": node.order,
            "nameI18n": node.name_i18n, "descriptionI18n": node.description_i18n,
        });
        self.client.gql(&doc::ADD_NODE, vars).await
    }

    /// One node (GraphQL `nodeById`; variable `id`); `None` when there is none.
    pub async fn get_node_by_id(&self, node_id: &str) -> Result<Option<OrgNode>> {
        self.client
            .gql(&doc::NODE_BY_ID, json!({"id": node_id}))
            .await
    }

    /// Changes a node's name, code and/or description (GraphQL `updateNode`; variables `id`,
    /// `name`, `code`, `description`); `None` leaves a field as it is. The answer's
    /// [`OrgNode::member_count`] counts the node's members.
    ///
    /// Errors: `NotFound` for an unknown node; `InvalidInput` for a code taken in the
    /// organization.
    pub async fn update_node(
        &self,
        node_id: &str,
        name: Option<&str>,
        code: Option<&str>,
        description: Option<&str>,
    ) -> Result<OrgNode> {
        let vars = json!({"id": node_id, "name": name, "code": code, "description": description});
        self.client.gql(&doc::UPDATE_NODE, vars).await
    }

    /// Deletes a node and its descendants; their members leave them (GraphQL `deleteNode`;
    /// variables `orgId`, `nodeId`).
    ///
    /// Errors: `NotFound` for an unknown organization or node; `InvalidInput` for the root
    /// node (delete the organization instead).
    pub async fn delete_node(&self, org_id: &str, node_id: &str) -> Result<CommonMessage> {
        let vars = json!({"orgId": org_id, "nodeId": node_id});
        self.client.gql(&doc::DELETE_NODE, vars).await
    }

    /// Whether the node is its organization's root (GraphQL `isRootNode`; variables `orgId`,
    /// `nodeId`). Errors: `NotFound` for an unknown organization or node.
    pub async fn is_root_node(&self, org_id: &str, node_id: &str) -> Result<bool> {
        let vars = json!({"orgId": org_id, "nodeId": node_id});
        self.client.gql(&doc::IS_ROOT_NODE, vars).await
    }

    /// Moves a node (with its descendants and members) under another node of the same
    /// organization and answers the organization (GraphQL `moveNode`; variables `orgId`,
    /// `nodeId`, `targetParentId`). [`Org::tree`] gives the reference's `treeify=True`.
    ///
    /// Errors: `NotFound` for an unknown organization or node; `InvalidInput` for moving the
    /// root, or moving a node under itself or one of its descendants.
    pub async fn move_node(
        &self,
        org_id: &str,
        node_id: &str,
        target_parent_id: &str,
    ) -> Result<Org> {
        let vars = json!({"orgId": org_id, "nodeId": node_id, "targetParentId": target_parent_id});
        self.client.gql(&doc::MOVE_NODE, vars).await
    }

    /// The node's child nodes (GraphQL `childrenNodes`; variable `nodeId`).
    /// Errors: `NotFound` for an unknown node.
    pub async fn list_children(&self, node_id: &str) -> Result<Vec<OrgNode>> {
        self.client
            .gql(&doc::CHILDREN_NODES, json!({"nodeId": node_id}))
            .await
    }

    /// The organization's root node (GraphQL `rootNode`; variable `orgId`), with its code
    /// and name paths. Errors: `NotFound` for an unknown organization.
    pub async fn root_node(&self, org_id: &str) -> Result<OrgNode> {
        let root: Option<OrgNode> = self
            .client
            .gql(&doc::ROOT_NODE, json!({"orgId": org_id}))
            .await?;
        root.ok_or_else(|| not_found(&doc::ROOT_NODE, "no such organization"))
    }

    /// The nodes whose name contains `keyword`, in every organization (GraphQL
    /// `searchNodes`; variable `keyword`).
    pub async fn search_nodes(&self, keyword: &str) -> Result<Vec<OrgNode>> {
        self.client
            .gql(&doc::SEARCH_NODES, json!({"keyword": keyword}))
            .await
    }

    /// Grants roles to a node (GraphQL `assignRole` with `nodeCodes: [node_id]` and
    /// `roleCodes`, as the reference; `namespace` is the roles' permission group, the
    /// default one when `None`). The node's members hold the roles through it.
    ///
    /// Errors: `InvalidInput` for an empty list (nothing is sent); `NotFound` for an unknown
    /// node or role.
    pub async fn add_roles(
        &self,
        node_id: &str,
        role_codes: &[String],
        namespace: Option<&str>,
    ) -> Result<CommonMessage> {
        self.change_roles(&doc::ASSIGN_ROLE, node_id, role_codes, namespace)
            .await
    }

    /// Revokes roles from a node (GraphQL `revokeRole`; the variables of
    /// [`add_roles`](Self::add_roles)). Errors: as `add_roles`.
    pub async fn remove_roles(
        &self,
        node_id: &str,
        role_codes: &[String],
        namespace: Option<&str>,
    ) -> Result<CommonMessage> {
        self.change_roles(&doc::REVOKE_ROLE, node_id, role_codes, namespace)
            .await
    }

    async fn change_roles(
        &self,
        op: &GqlOp,
        node_id: &str,
        role_codes: &[String],
        namespace: Option<&str>,
    ) -> Result<CommonMessage> {
        non_empty(op, "role codes", role_codes)?;
        let vars = json!({"nodeCodes": [node_id], "roleCodes": role_codes, "namespace": namespace});
        self.client.gql(op, vars).await
    }

    /// The roles granted to a node (GraphQL `getNodeRoles`; variables `id`, `namespace`;
    /// every namespace when `None`).
    ///
    /// Errors: `NotFound` for an unknown node (the reference raises its code 500
    /// "department not exists").
    pub async fn list_roles(
        &self,
        node_id: &str,
        namespace: Option<&str>,
    ) -> Result<Paginated<Role>> {
        let vars = json!({"id": node_id, "namespace": namespace});
        self.client.gql(&doc::GET_NODE_ROLES, vars).await
    }

    /// The resources a node is authorized for, with the allowed actions (GraphQL
    /// `listNodeByIdAuthorizedResources`; variables `id`, `namespace`, `resourceType`, which
    /// narrow them). The reference answers `{totalCount, list}` with empty fields dropped;
    /// this keeps them typed.
    ///
    /// Errors: `NotFound` for an unknown node (the reference's code 500).
    pub async fn list_authorized_resources(
        &self,
        node_id: &str,
        namespace: Option<&str>,
        resource_type: Option<ResourceType>,
    ) -> Result<Paginated<AuthorizedResource>> {
        let vars = json!({"id": node_id, "namespace": namespace, "resourceType": resource_type});
        self.client
            .gql(&doc::LIST_NODE_BY_ID_AUTHORIZED_RESOURCES, vars)
            .await
    }

    /// [`list_authorized_resources`](Self::list_authorized_resources) of the node with code
    /// `code` in organization `org_id` (GraphQL `listNodeByCodeAuthorizedResources`;
    /// variables `orgId`, `code`, `namespace`, `resourceType`).
    ///
    /// Errors: `NotFound` when the organization has no such node.
    pub async fn list_authorized_resources_by_code(
        &self,
        org_id: &str,
        code: &str,
        namespace: Option<&str>,
        resource_type: Option<ResourceType>,
    ) -> Result<Paginated<AuthorizedResource>> {
        let vars = json!({
            "orgId": org_id, "code": code, "namespace": namespace, "resourceType": resource_type,
        });
        self.client
            .gql(&doc::LIST_NODE_BY_CODE_AUTHORIZED_RESOURCES, vars)
            .await
    }

    /// Adds users to a node and answers the node with its first page of members (GraphQL
    /// `addMember`; variables `nodeId`, `userIds`). Members already in it stay; the users
    /// module's [`list_department`](super::Users::list_department) and
    /// [`list_org`](super::Users::list_org) then show the node.
    ///
    /// Errors: `InvalidInput` for an empty list (nothing is sent); `NotFound` for an unknown
    /// node or user (nobody is added).
    pub async fn add_members(&self, node_id: &str, user_ids: &[String]) -> Result<NodeMembers> {
        non_empty(&doc::ADD_MEMBER, "user ids", user_ids)?;
        let vars = json!({"nodeId": node_id, "userIds": user_ids});
        self.client.gql(&doc::ADD_MEMBER, vars).await
    }

    /// One page of a node's members (GraphQL `nodeByIdWithMembers`; variables `id`, `page`
    /// from 1, `limit` a page, `includeChildrenNodes`: the members of its descendants too).
    /// Past the last page the list is empty.
    ///
    /// Errors: `InvalidInput` for page or limit 0 (nothing is sent); `NotFound` for an
    /// unknown node.
    pub async fn list_members(
        &self,
        node_id: &str,
        page: u32,
        limit: u32,
        include_children: bool,
    ) -> Result<Paginated<User>> {
        let op = &doc::NODE_BY_ID_WITH_MEMBERS;
        paging::check_page(op, page, limit)?;
        let vars = json!({
            "id": node_id, "page": page, "limit": limit, "includeChildrenNodes": include_children,
        });
        let node: Option<NodeMembers> = self.client.gql(op, vars).await?;
        match node {
            Some(n) => Ok(n.users),
            None => Err(not_found(op, "no such node")),
        }
    }

    /// Every member of a node, as a stream walking [`list_members`](Self::list_members).
    pub fn list_members_stream(
        &self,
        node_id: &'a str,
        include_children: bool,
    ) -> impl Stream<Item = Result<User>> + 'a {
        let orgs = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            orgs.list_members(node_id, page, STREAM_PAGE_SIZE, include_children)
                .await
        })
    }

    /// Moves users from one node to another (GraphQL `moveMembers`; variables `userIds`,
    /// `targetNodeId`, `sourceNodeId`); a user whose main department was the source gets the
    /// target as main department.
    ///
    /// Errors: `InvalidInput` for an empty list (nothing is sent) or a user who is not a
    /// member of the source; `NotFound` for an unknown node or user.
    pub async fn move_members(
        &self,
        user_ids: &[String],
        target_node_id: &str,
        source_node_id: &str,
    ) -> Result<CommonMessage> {
        non_empty(&doc::MOVE_MEMBERS, "user ids", user_ids)?;
        let vars = json!({
            "userIds": user_ids, "targetNodeId": target_node_id, "sourceNodeId": source_node_id,
        });
        self.client.gql(&doc::MOVE_MEMBERS, vars).await
    }

    /// Removes users from a node and answers the node with its first page of members
    /// (GraphQL `removeMember`; variables `userIds`, `nodeId`).
    ///
    /// Errors: `InvalidInput` for an empty list (nothing is sent); `NotFound` for an unknown
    /// node or user.
    pub async fn delete_members(&self, node_id: &str, user_ids: &[String]) -> Result<NodeMembers> {
        non_empty(&doc::REMOVE_MEMBER, "user ids", user_ids)?;
        let vars = json!({"userIds": user_ids, "nodeId": node_id});
        self.client.gql(&doc::REMOVE_MEMBER, vars).await
    }

    /// Sets the user's main department (GraphQL `setMainDepartment`; variables `userId`,
    /// `departmentId`, a node the user is a member of; `None` clears it).
    ///
    /// Errors: `NotFound` for an unknown user or node; `InvalidInput` when the user is not a
    /// member of the node.
    pub async fn set_main_department(
        &self,
        user_id: &str,
        department_id: Option<&str>,
    ) -> Result<CommonMessage> {
        let vars = json!({"userId": user_id, "departmentId": department_id});
        self.client.gql(&doc::SET_MAIN_DEPARTMENT, vars).await
    }

    /// Imports an organization from a tree: `POST {host}/api/v2/orgs/import` with
    /// `{"filetype": "json", "file": <the tree as JSON text>}` (the reference's `json_str`,
    /// written as Python's `json.dumps` writes it). The tree's root becomes the
    /// organization's root node.
    ///
    /// Errors: `InvalidInput` for a tree Authing refuses (an empty name, a code twice).
    pub async fn import_by_json(&self, tree: &NodeTree) -> Result<()> {
        let op = "import_by_json";
        let file = serde_json::to_value(tree).map_err(|e| {
            Error::invalid_input(format!("the tree is not JSON: {e}")).with_context(PROVIDER, op)
        })?;
        let url = self.client.url(&["api", "v2", "orgs", "import"])?;
        let body = json!({"filetype": "json", "file": pyjson::dumps(&file)});
        let _: Value = self.client.rest(op, Method::POST, url, Some(body)).await?;
        Ok(())
    }

    /// Every organization as a tree: `GET {host}/api/v2/orgs/export` (one [`NodeTree`], the
    /// root node, an organization).
    pub async fn export_all(&self) -> Result<Vec<NodeTree>> {
        let url = self.client.url(&["api", "v2", "orgs", "export"])?;
        self.client.rest("export_all", Method::GET, url, None).await
    }

    /// One organization as a tree: `GET {host}/api/v2/orgs/export?org_id={org_id}` (a list
    /// of one tree, as [`export_all`](Self::export_all) answers).
    ///
    /// Errors: `NotFound` for an unknown organization.
    pub async fn export_by_org_id(&self, org_id: &str) -> Result<Vec<NodeTree>> {
        let mut url = self.client.url(&["api", "v2", "orgs", "export"])?;
        url.query_pairs_mut().append_pair("org_id", org_id);
        self.client
            .rest("export_by_org_id", Method::GET, url, None)
            .await
    }

    /// Starts synchronizing the organizations from a directory (answered at once; the sync
    /// runs on Authing's side): `POST {host}/connections/enterprise/{dingtalk|wechatwork}/start-sync`
    /// with `{}`, or for an AD connector `POST {host}/api/v2/ad/sync` with
    /// `{"connectionId"}`. The reference refuses an AD connector id when given one (an
    /// inverted check) and so always sends a null id; the id is sent here.
    ///
    /// Errors: `InvalidInput` for an empty AD connector id (nothing is sent); `NotFound` for
    /// an unknown connector.
    pub async fn start_sync(&self, provider: &SyncProvider) -> Result<()> {
        let (op, url, body) = match provider {
            SyncProvider::DingTalk | SyncProvider::WeChatWork => {
                let kind = if *provider == SyncProvider::DingTalk {
                    "dingtalk"
                } else {
                    "wechatwork"
                };
                let url = self
                    .client
                    .url(&["connections", "enterprise", kind, "start-sync"])?;
                ("start_sync", url, json!({}))
            }
            SyncProvider::Ad { connector_id } => {
                if connector_id.trim().is_empty() {
                    return Err(Error::invalid_input("an AD sync needs its connector id")
                        .with_context(PROVIDER, "start_sync"));
                }
                let url = self.client.url(&["api", "v2", "ad", "sync"])?;
                ("start_sync", url, json!({"connectionId": connector_id}))
            }
        };
        let _: Value = self.client.rest(op, Method::POST, url, Some(body)).await?;
        Ok(())
    }
}

/// `NotFound` for a call whose answer was null.
fn not_found(op: &GqlOp, what: &'static str) -> Error {
    Error::new(ErrorKind::NotFound, what).with_context(PROVIDER, op.name())
}
