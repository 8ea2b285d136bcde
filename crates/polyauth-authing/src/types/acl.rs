//! Types of the `acl` module (and the access parts of `applications`): permission groups
//! (namespaces), resources and their actions, authorizations, programmatic access accounts
//! and application access policies.

use polyauth_core::ClientSecret;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{PolicyTargetType, ResourceType};

/// A permission group (`/api/v2/resource-namespace`): the namespace roles and resources live
/// in; an application's id is its own namespace's code. Every field Authing sends that
/// polyauth does not name is kept in `extra`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourceNamespace {
    /// Its numeric id (what update and delete take).
    pub id: i64,
    /// Its code, unique in the pool (what every other acl call names it by).
    pub code: String,
    /// Its display name.
    pub name: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// The pool it belongs to.
    pub user_pool_id: Option<String>,
    /// Every other field, as Authing sends it.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Changes of [`Acl::update_namespace`](crate::Acl::update_namespace); `None`
/// leaves a field as it is (it is not sent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NamespaceUpdate {
    /// A new display name.
    pub name: Option<String>,
    /// A new code (unique in the pool).
    pub code: Option<String>,
    /// A new description.
    pub description: Option<String>,
}

impl NamespaceUpdate {
    /// No change yet; set the public fields.
    pub fn new() -> Self {
        Self::default()
    }
}

/// An action of a resource (`{"name": "read", "description": "read a book"}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResourceAction {
    /// The action: a verb (`read`, `books:edit`).
    pub name: String,
    /// What it allows.
    #[serde(default)]
    pub description: String,
}

impl ResourceAction {
    /// An action with its description.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        ResourceAction {
            name: name.into(),
            description: description.into(),
        }
    }
}

/// A resource of a namespace (`/api/v2/resources`). Every field Authing sends that polyauth
/// does not name is kept in `extra`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Resource {
    /// Its id (what [`Acl::get_resource_by_id`](crate::Acl::get_resource_by_id)
    /// takes).
    pub id: Option<String>,
    /// Its code, unique in its namespace (`books`).
    pub code: String,
    /// `DATA`, `API`, `MENU`, `UI` or `BUTTON`.
    #[serde(rename = "type")]
    pub resource_type: Option<String>,
    /// Its actions.
    #[serde(default)]
    pub actions: Vec<ResourceAction>,
    /// Its description.
    pub description: Option<String>,
    /// The URL of an `API` resource.
    pub api_identifier: Option<String>,
    /// The namespace's code, where Authing sends it.
    pub namespace: Option<String>,
    /// Every other field, as Authing sends it.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A new resource for [`Acl::create_resource`](crate::Acl::create_resource).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewResource {
    /// Its code, unique in the namespace.
    pub code: String,
    /// Its type.
    pub resource_type: ResourceType,
    /// Its actions (at least one).
    pub actions: Vec<ResourceAction>,
    /// Its description.
    pub description: Option<String>,
    /// The URL of an `API` resource (Authing wants it for that type).
    pub api_identifier: Option<String>,
}

impl NewResource {
    /// A resource without description or API URL.
    pub fn new(
        code: impl Into<String>,
        resource_type: ResourceType,
        actions: Vec<ResourceAction>,
    ) -> Self {
        NewResource {
            code: code.into(),
            resource_type,
            actions,
            description: None,
            api_identifier: None,
        }
    }
}

/// Changes of [`Acl::update_resource`](crate::Acl::update_resource); `None`
/// (or an empty action list) leaves a field as it is (it is not sent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResourceUpdate {
    /// A new type.
    pub resource_type: Option<ResourceType>,
    /// New actions (replacing the old ones).
    pub actions: Vec<ResourceAction>,
    /// A new description.
    pub description: Option<String>,
    /// A new API URL.
    pub api_identifier: Option<String>,
}

impl ResourceUpdate {
    /// No change yet; set the public fields.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Who [`Acl::allow`](crate::Acl::allow) lets act on a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowSubject {
    /// A user, by id.
    User(String),
    /// A role of the namespace, by code.
    Role(String),
}

/// One target of an authorization (`AuthorizeResourceOpt`): a user (id), role (code), group
/// (code) or organization node (id) and the actions it gets or loses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuthorizationTarget {
    /// The kind of target.
    pub target_type: PolicyTargetType,
    /// A user id, a role code, a group code or an organization node id.
    pub target_identifier: String,
    /// The actions (`books:read`, `*`).
    pub actions: Vec<String>,
}

impl AuthorizationTarget {
    /// A target with its actions.
    pub fn new(
        target_type: PolicyTargetType,
        target_identifier: impl Into<String>,
        actions: Vec<String>,
    ) -> Self {
        AuthorizationTarget {
            target_type,
            target_identifier: target_identifier.into(),
            actions,
        }
    }
}

/// A target authorized for a resource (`authorizedTargets` list item).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuthorizedTarget {
    /// The kind of target.
    pub target_type: PolicyTargetType,
    /// A user id, a role code, a group code or an organization node id.
    pub target_identifier: String,
    /// The actions it holds on the resource.
    #[serde(default)]
    pub actions: Vec<String>,
}

/// How [`ActionsFilter`] combines its actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ActionsOperator {
    /// Every action.
    And,
    /// Any action.
    Or,
}

/// Which actions a target of
/// [`Acl::get_authorized_targets`](crate::Acl::get_authorized_targets) must hold
/// (`AuthorizedTargetsActionsInput`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ActionsFilter {
    /// All of them or any of them.
    pub op: ActionsOperator,
    /// The actions.
    pub list: Vec<String>,
}

impl ActionsFilter {
    /// A filter.
    pub fn new(op: ActionsOperator, list: Vec<String>) -> Self {
        ActionsFilter { op, list }
    }
}

/// A programmatic access account of an application (an AK/SK pair: its `id` is the key, its
/// `secret` the secret, both used for the client-credentials grant). The secret is a
/// [`ClientSecret`]: redacted in `Debug`. Every field Authing sends that polyauth does not
/// name is kept in `extra`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProgrammaticAccessAccount {
    /// Its id (the access key).
    pub id: String,
    /// The application.
    pub app_id: Option<String>,
    /// Its secret.
    pub secret: Option<ClientSecret>,
    /// Lifetime of the tokens it gets, seconds.
    pub token_lifetime: Option<i64>,
    /// A note.
    pub remark: Option<String>,
    /// Whether it may get tokens.
    pub enabled: Option<bool>,
    /// When it was made (ISO-8601 text).
    pub created_at: Option<String>,
    /// Every other field, as Authing sends it.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Whom an application access policy is about (the body of the
/// `/api/v2/applications/{id}/authorization/*` calls).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessPolicyTargets {
    /// The kind of targets.
    pub target_type: PolicyTargetType,
    /// User ids, role codes, group codes or organization node ids.
    pub target_identifiers: Vec<String>,
    /// The namespace of role targets (`None`: not sent, the server's default).
    pub namespace: Option<String>,
    /// For organization nodes: whether their child nodes are covered too (`None`: not sent).
    pub inherit_by_children: Option<bool>,
}

impl AccessPolicyTargets {
    /// Targets of one kind, without namespace or inheritance.
    pub fn new(target_type: PolicyTargetType, target_identifiers: Vec<String>) -> Self {
        AccessPolicyTargets {
            target_type,
            target_identifiers,
            namespace: None,
            inherit_by_children: None,
        }
    }
}

/// An application's default access strategy (its `permissionStrategy.defaultStrategy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DefaultAccessStrategy {
    /// Every user may use the application unless a policy denies them.
    AllowAll,
    /// No user may use the application unless a policy allows them.
    DenyAll,
}

/// An application access policy (`/api/v2/applications/{id}/authorization/records` item).
/// Every field Authing sends that polyauth does not name is kept in `extra`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApplicationAccessPolicy {
    /// The application.
    pub app_id: Option<String>,
    /// The kind of target.
    pub target_type: Option<PolicyTargetType>,
    /// A user id, role code, group code or organization node id.
    pub target_identifier: Option<String>,
    /// `ALLOW` or `DENY`.
    pub effect: Option<String>,
    /// Whether the policy is in effect.
    pub enabled: Option<bool>,
    /// The namespace of a role target.
    pub namespace: Option<String>,
    /// For organization nodes: whether their child nodes are covered too.
    pub inherit_by_children: Option<bool>,
    /// Every other field, as Authing sends it.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
