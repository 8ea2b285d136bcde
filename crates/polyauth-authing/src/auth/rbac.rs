//! The session user's roles, departments and authorized resources (the `user(id:)`
//! relation queries, answered as the relation; an unknown user is `NotFound`).

use polyauth_core::Result;
use serde_json::json;

use super::AuthenticationClient;
use crate::documents as doc;
use crate::types::{
    AuthorizedResource, Paginated, ResourceType, Role, UserDepartment, UserSession,
};

impl AuthenticationClient {
    /// Resources the session user is authorized for in a namespace (GraphQL
    /// `listUserAuthorizedResources`). Errors: `NotFound` when the user does not exist.
    pub async fn list_authorized_resources(
        &self,
        session: &UserSession,
        namespace: &str,
        resource_type: Option<ResourceType>,
    ) -> Result<Paginated<AuthorizedResource>> {
        let id = self.user_id(session).await?;
        let vars = json!({"id": id, "namespace": namespace, "resourceType": resource_type});
        self.as_user(session, &doc::LIST_USER_AUTHORIZED_RESOURCES, vars)
            .await
    }

    /// The session user's roles, optionally in one namespace (GraphQL `getUserRoles`).
    pub async fn list_roles(
        &self,
        session: &UserSession,
        namespace: Option<&str>,
    ) -> Result<Paginated<Role>> {
        let id = self.user_id(session).await?;
        let vars = json!({"id": id, "namespace": namespace});
        self.as_user(session, &doc::GET_USER_ROLES, vars).await
    }

    /// Whether the session user has a role (from [`list_roles`](Self::list_roles)).
    pub async fn has_role(
        &self,
        session: &UserSession,
        code: &str,
        namespace: Option<&str>,
    ) -> Result<bool> {
        Ok(self
            .list_roles(session, namespace)
            .await?
            .list
            .iter()
            .any(|r| r.code == code))
    }

    /// The session user's departments (GraphQL `getUserDepartments`).
    pub async fn list_departments(
        &self,
        session: &UserSession,
    ) -> Result<Paginated<UserDepartment>> {
        let id = self.user_id(session).await?;
        let vars = json!({"id": id});
        self.as_user(session, &doc::GET_USER_DEPARTMENTS, vars)
            .await
    }
}
