//! The `acl` module (reference: `authing/v2/management/acl.py`): permission groups
//! (namespaces), their resources and actions, authorizations of resources to users, roles,
//! groups and organization nodes, and the `allow`/`isActionAllowed` checks. The application
//! side of access control (programmatic access accounts, application access policies) is in
//! `acl_access`, on the same [`Acl`] type.

use futures::Stream;
use polyauth_core::{Error, Result};
use reqwest::Method;
use serde_json::{Value, json};

use super::ManagementClient;
use super::paging::{self, STREAM_PAGE_SIZE};
use crate::documents::{self as doc, GqlOp};
use crate::transport::PROVIDER;
use crate::types::{
    ActionsFilter, AllowSubject, AuthorizationTarget, AuthorizedResource, AuthorizedTarget,
    CommonMessage, NamespaceUpdate, NewResource, Paginated, PolicyTargetType, Resource,
    ResourceNamespace, ResourceType, ResourceUpdate,
};

/// The `acl` module of [`ManagementClient`] (see [`ManagementClient::acl`]).
///
/// Namespaces are named by their code everywhere but in
/// [`update_namespace`](Self::update_namespace) and [`delete_namespace`](Self::delete_namespace),
/// which take the numeric id Authing gives them; an application's id is the code of its own
/// namespace. Targets are users (by id), roles (by code, in the namespace), groups (by code)
/// and organization nodes (by id).
///
/// Errors every method may give besides those it names: `Unauthenticated` when the pool
/// secret is refused, `Unavailable`/`RateLimited` when Authing is failing or throttling,
/// `Provider` for another Authing code (kept in [`polyauth_core::Error::provider_code`];
/// `"graphql"` for a document or variables the server refused), `Protocol` for an answer of
/// an unexpected shape.
#[derive(Clone, Copy, Debug)]
pub struct Acl<'a> {
    pub(super) client: &'a ManagementClient,
}

/// `InvalidInput` naming `op` when `value` (an id or code that goes into a path or names the
/// object) is empty (nothing is sent).
pub(super) fn required(op: &'static str, what: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_input(format!("{what} is empty")).with_context(PROVIDER, op));
    }
    Ok(())
}

/// `InvalidInput` naming `op` when there are no authorization targets (nothing is sent).
fn has_targets(op: &'static str, targets: &[AuthorizationTarget]) -> Result<()> {
    if targets.is_empty() {
        return Err(
            Error::invalid_input("no authorization targets given").with_context(PROVIDER, op)
        );
    }
    Ok(())
}

impl<'a> Acl<'a> {
    pub(super) fn url(&self, segments: &[&str]) -> Result<url::Url> {
        let mut all = vec!["api", "v2"];
        all.extend_from_slice(segments);
        self.client.url(&all)
    }

    /// A REST call whose answer's `data` means nothing (a flag, null).
    pub(super) async fn rest_unit(
        &self,
        op: &'static str,
        method: Method,
        url: url::Url,
        body: Option<Value>,
    ) -> Result<()> {
        let _: Value = self.client.rest(op, method, url, body).await?;
        Ok(())
    }

    /// Lets a user, or every holder of a role, do `action` on `resource` in `namespace`
    /// (GraphQL `allow`; variables `resource`, `action`, `userId` or `roleCode`, `namespace`).
    /// `resource` is a resource code or an instance of one (`books:1`); `action` a verb of it
    /// (`books:read`).
    ///
    /// Errors: `NotFound` for an unknown user or role (Authing code kept).
    pub async fn allow(
        &self,
        resource: &str,
        action: &str,
        namespace: &str,
        subject: &AllowSubject,
    ) -> Result<CommonMessage> {
        let (user_id, role) = match subject {
            AllowSubject::User(id) => (Some(id.as_str()), None),
            AllowSubject::Role(code) => (None, Some(code.as_str())),
        };
        let vars = json!({
            "userId": user_id, "resource": resource, "action": action,
            "namespace": namespace, "roleCode": role,
        });
        self.client.gql(&doc::ALLOW, vars).await
    }

    /// Whether a user may do `action` on `resource` in `namespace` (GraphQL
    /// `isActionAllowed`; variables `userId`, `resource`, `action`, `namespace`): through a
    /// grant of their own, of a role they hold or of a group they are in.
    ///
    /// Errors: `NotFound` for an unknown user (Authing code kept).
    pub async fn is_allowed(
        &self,
        user_id: &str,
        action: &str,
        resource: &str,
        namespace: &str,
    ) -> Result<bool> {
        let vars = json!({
            "userId": user_id, "resource": resource, "action": action, "namespace": namespace,
        });
        self.client.gql(&doc::IS_ACTION_ALLOWED, vars).await
    }

    /// Creates a permission group (REST `POST /api/v2/resource-namespace/{userPoolId}` with
    /// `name`, `code` (unique in the pool), `description`). Roles and resources of different
    /// groups never clash, whatever their codes.
    ///
    /// Errors: `InvalidInput` for an empty code or name (nothing is sent) or a code already
    /// taken (Authing code kept).
    pub async fn create_namespace(
        &self,
        code: &str,
        name: &str,
        description: Option<&str>,
    ) -> Result<ResourceNamespace> {
        const OP: &str = "create_namespace";
        required(OP, "the namespace code", code)?;
        required(OP, "the namespace name", name)?;
        let url = self.url(&["resource-namespace", &self.client.inner.user_pool_id])?;
        let body = json!({"name": name, "code": code, "description": description});
        self.client.rest(OP, Method::POST, url, Some(body)).await
    }

    /// Changes a permission group (REST `PUT /api/v2/resource-namespace/{userPoolId}/{id}`
    /// with the fields of `update` that are set), by its numeric id.
    ///
    /// Errors: `InvalidInput` when nothing is to change (nothing is sent) or the new code is
    /// taken; `NotFound` for an unknown id (Authing codes kept).
    pub async fn update_namespace(
        &self,
        id: i64,
        update: &NamespaceUpdate,
    ) -> Result<ResourceNamespace> {
        const OP: &str = "update_namespace";
        if update.name.is_none() && update.code.is_none() && update.description.is_none() {
            return Err(Error::invalid_input("nothing to change").with_context(PROVIDER, OP));
        }
        let id = id.to_string();
        let url = self.url(&["resource-namespace", &self.client.inner.user_pool_id, &id])?;
        let body = json!({
            "name": update.name, "code": update.code, "description": update.description,
        });
        self.client.rest(OP, Method::PUT, url, Some(body)).await
    }

    /// One page of the pool's permission groups (REST
    /// `GET /api/v2/resource-namespace/{userPoolId}?page&limit`). Past the last page the
    /// list is empty.
    ///
    /// Errors: `InvalidInput` for page or limit 0 (nothing is sent).
    pub async fn list_namespaces(
        &self,
        page: u32,
        limit: u32,
    ) -> Result<Paginated<ResourceNamespace>> {
        const OP: &str = "list_namespaces";
        paging::check_page_of(OP, page, limit)?;
        let mut url = self.url(&["resource-namespace", &self.client.inner.user_pool_id])?;
        url.query_pairs_mut()
            .append_pair("page", &page.to_string())
            .append_pair("limit", &limit.to_string());
        self.client.rest(OP, Method::GET, url, None).await
    }

    /// Every permission group, as a stream walking [`list_namespaces`](Self::list_namespaces)
    /// ([`STREAM_PAGE_SIZE`] a page). A failed page ends the stream with its error.
    pub fn list_namespaces_stream(&self) -> impl Stream<Item = Result<ResourceNamespace>> + 'a {
        let acl = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            acl.list_namespaces(page, STREAM_PAGE_SIZE).await
        })
    }

    /// Deletes a permission group by its numeric id (REST
    /// `DELETE /api/v2/resource-namespace/{userPoolId}/{id}`), with its resources.
    ///
    /// Errors: `NotFound` for an unknown id (Authing code kept).
    pub async fn delete_namespace(&self, id: i64) -> Result<()> {
        let id = id.to_string();
        let url = self.url(&["resource-namespace", &self.client.inner.user_pool_id, &id])?;
        self.rest_unit("delete_namespace", Method::DELETE, url, None)
            .await
    }

    /// Creates a resource in a namespace (REST `POST /api/v2/resources` with `code`, `type`,
    /// `actions` (`[{name, description}]`), `namespace`, `description`, `apiIdentifier`).
    ///
    /// Errors: `InvalidInput` for an empty code or action list (nothing is sent) or a code
    /// already taken in the namespace; `NotFound` for an unknown namespace (Authing codes
    /// kept).
    pub async fn create_resource(
        &self,
        namespace: &str,
        resource: &NewResource,
    ) -> Result<Resource> {
        const OP: &str = "create_resource";
        required(OP, "the resource code", &resource.code)?;
        if resource.actions.is_empty() {
            return Err(Error::invalid_input("a resource needs actions").with_context(PROVIDER, OP));
        }
        let url = self.url(&["resources"])?;
        let body = json!({
            "code": resource.code, "type": resource.resource_type, "actions": resource.actions,
            "namespace": namespace, "description": resource.description,
            "apiIdentifier": resource.api_identifier,
        });
        self.client.rest(OP, Method::POST, url, Some(body)).await
    }

    /// Changes a resource of a namespace (REST `POST /api/v2/resources/{code}` with
    /// `namespace` and the fields of `update` that are set; new actions replace the old).
    ///
    /// Errors: `InvalidInput` for an empty code (nothing is sent); `NotFound` for an unknown
    /// resource or namespace (Authing code kept).
    pub async fn update_resource(
        &self,
        namespace: &str,
        code: &str,
        update: &ResourceUpdate,
    ) -> Result<Resource> {
        const OP: &str = "update_resource";
        required(OP, "the resource code", code)?;
        let mut body = serde_json::Map::new();
        body.insert("namespace".into(), json!(namespace));
        if let Some(d) = update.description.as_deref().filter(|d| !d.is_empty()) {
            body.insert("description".into(), json!(d));
        }
        if !update.actions.is_empty() {
            body.insert("actions".into(), json!(update.actions));
        }
        if let Some(t) = update.resource_type {
            body.insert("type".into(), json!(t));
        }
        if let Some(a) = update.api_identifier.as_deref().filter(|a| !a.is_empty()) {
            body.insert("apiIdentifier".into(), json!(a));
        }
        let url = self.url(&["resources", code])?;
        self.client
            .rest(OP, Method::POST, url, Some(Value::Object(body)))
            .await
    }

    /// One page of a namespace's resources, of one type or of all (REST
    /// `GET /api/v2/resources?namespace&type&page&limit`). Past the last page the list is
    /// empty.
    ///
    /// Errors: `InvalidInput` for page or limit 0 (nothing is sent); `NotFound` for an
    /// unknown namespace (Authing code kept).
    pub async fn list_resources(
        &self,
        namespace: &str,
        resource_type: Option<ResourceType>,
        page: u32,
        limit: u32,
    ) -> Result<Paginated<Resource>> {
        const OP: &str = "list_resources";
        paging::check_page_of(OP, page, limit)?;
        let mut url = self.url(&["resources"])?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("namespace", namespace);
            if let Some(t) = resource_type {
                query.append_pair("type", resource_type_text(t));
            }
            query
                .append_pair("page", &page.to_string())
                .append_pair("limit", &limit.to_string());
        }
        self.client.rest(OP, Method::GET, url, None).await
    }

    /// Every resource of a namespace, as a stream walking
    /// [`list_resources`](Self::list_resources) ([`STREAM_PAGE_SIZE`] a page).
    pub fn list_resources_stream(
        &self,
        namespace: &'a str,
        resource_type: Option<ResourceType>,
    ) -> impl Stream<Item = Result<Resource>> + 'a {
        let acl = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            acl.list_resources(namespace, resource_type, page, STREAM_PAGE_SIZE)
                .await
        })
    }

    /// Deletes a resource of a namespace (REST `DELETE /api/v2/resources/{code}?namespace`);
    /// its authorizations go with it.
    ///
    /// Errors: `InvalidInput` for an empty code (nothing is sent); `NotFound` for an unknown
    /// resource (Authing code kept).
    pub async fn delete_resource(&self, namespace: &str, code: &str) -> Result<()> {
        const OP: &str = "delete_resource";
        required(OP, "the resource code", code)?;
        let mut url = self.url(&["resources", code])?;
        url.query_pairs_mut().append_pair("namespace", namespace);
        self.rest_unit(OP, Method::DELETE, url, None).await
    }

    /// The resources of a namespace a target holds, with their actions (GraphQL
    /// `authorizedResources`; variables `targetType`, `targetIdentifier`, `namespace`,
    /// `resourceType`): what was authorized to the target itself (not through its roles).
    ///
    /// Errors: `NotFound` for an unknown target (Authing code kept).
    pub async fn list_authorized_resources(
        &self,
        namespace: &str,
        target_type: PolicyTargetType,
        target_identifier: &str,
        resource_type: Option<ResourceType>,
    ) -> Result<Paginated<AuthorizedResource>> {
        let vars = json!({
            "targetType": target_type, "targetIdentifier": target_identifier,
            "namespace": namespace, "resourceType": resource_type,
        });
        self.client.gql(&doc::AUTHORIZED_RESOURCES, vars).await
    }

    /// Takes actions on a resource away from targets (REST `POST /api/v2/acl/revoke-resource`
    /// with `namespace`, `resource`, `opts: [{targetType, targetIdentifier, actions}]`). A
    /// target left without actions loses the resource.
    ///
    /// Errors: `InvalidInput` for an empty target list (nothing is sent); `NotFound` for an
    /// unknown target (Authing code kept).
    pub async fn revoke_resource(
        &self,
        namespace: &str,
        resource: &str,
        targets: &[AuthorizationTarget],
    ) -> Result<()> {
        const OP: &str = "revoke_resource";
        has_targets(OP, targets)?;
        let url = self.url(&["acl", "revoke-resource"])?;
        let body = json!({"namespace": namespace, "resource": resource, "opts": targets});
        self.rest_unit(OP, Method::POST, url, Some(body)).await
    }

    /// Authorizes targets for a resource (or an instance of one, `books:1`), each with its
    /// actions (GraphQL `authorizeResource`; variables `namespace`, `resource`,
    /// `opts: [{targetType, targetIdentifier, actions}]`). A later authorization of the same
    /// target replaces its actions.
    ///
    /// Errors: `InvalidInput` for an empty target list (nothing is sent); `NotFound` for an
    /// unknown resource or target (Authing code kept).
    pub async fn authorize_resource(
        &self,
        namespace: &str,
        resource: &str,
        targets: &[AuthorizationTarget],
    ) -> Result<()> {
        has_targets(doc::AUTHORIZE_RESOURCE.name(), targets)?;
        let vars = json!({"namespace": namespace, "resource": resource, "opts": targets});
        let _: CommonMessage = self.client.gql(&doc::AUTHORIZE_RESOURCE, vars).await?;
        Ok(())
    }

    /// The targets authorized for a resource (GraphQL `authorizedTargets`; variables
    /// `namespace`, `resourceType`, `resource`, `targetType` (`None`: every kind), `actions`
    /// (`None`: any action; else all or any of a list)).
    pub async fn get_authorized_targets(
        &self,
        namespace: &str,
        resource_type: ResourceType,
        resource: &str,
        actions: Option<&ActionsFilter>,
        target_type: Option<PolicyTargetType>,
    ) -> Result<Paginated<AuthorizedTarget>> {
        let op: &GqlOp = &doc::AUTHORIZED_TARGETS;
        if let Some(filter) = actions
            && filter.list.is_empty()
        {
            return Err(Error::invalid_input("the actions filter lists no action")
                .with_context(PROVIDER, op.name()));
        }
        let vars = json!({
            "namespace": namespace, "resourceType": resource_type, "resource": resource,
            "targetType": target_type, "actions": actions,
        });
        self.client.gql(op, vars).await
    }

    /// One resource by its id (REST `GET /api/v2/resources/detail?id`).
    ///
    /// Errors: `InvalidInput` for an empty id (nothing is sent); `NotFound` for an unknown
    /// one (Authing code kept).
    pub async fn get_resource_by_id(&self, id: &str) -> Result<Resource> {
        const OP: &str = "get_resource_by_id";
        required(OP, "the resource id", id)?;
        let mut url = self.url(&["resources", "detail"])?;
        url.query_pairs_mut().append_pair("id", id);
        self.client.rest(OP, Method::GET, url, None).await
    }

    /// One resource by namespace and code (REST
    /// `GET /api/v2/resources/detail?namespace&code`).
    ///
    /// Errors: `InvalidInput` for an empty code (nothing is sent); `NotFound` for an unknown
    /// one (Authing code kept).
    pub async fn get_resource_by_code(&self, namespace: &str, code: &str) -> Result<Resource> {
        const OP: &str = "get_resource_by_code";
        required(OP, "the resource code", code)?;
        let mut url = self.url(&["resources", "detail"])?;
        url.query_pairs_mut()
            .append_pair("namespace", namespace)
            .append_pair("code", code);
        self.client.rest(OP, Method::GET, url, None).await
    }
}

/// A resource type as the REST query writes it (`DATA`).
pub(super) fn resource_type_text(t: ResourceType) -> &'static str {
    match t {
        ResourceType::Data => "DATA",
        ResourceType::Api => "API",
        ResourceType::Menu => "MENU",
        ResourceType::Ui => "UI",
        ResourceType::Button => "BUTTON",
    }
}
