//! Rows of the roles, groups and policies modules (`authing/v2/management/roles.py`,
//! `groups.py` and `policies.py`), each document as the reference SDK's `QUERY` table holds
//! it.

use super::GqlOp;

/// The selection of a role without its parent (`roles` list items, `parent`).
macro_rules! role_fields {
    () => {
        "namespace code arn description createdAt updatedAt"
    };
}
/// The selection of one role: [`role_fields!`] with its id and its parent.
macro_rules! role_selection {
    () => {
        concat!(
            "{ id ",
            role_fields!(),
            " parent { ",
            role_fields!(),
            " } }"
        )
    };
}
/// The selection of a group.
macro_rules! group_selection {
    () => {
        "{ code name description createdAt updatedAt }"
    };
}
/// The members page of a role or group (`users(page:, limit:)`), with `extra` fields after
/// the user's scalar fields.
macro_rules! members_selection {
    ($extra:expr) => {
        concat!(
            "users(page: $page, limit: $limit) { totalCount list { id arn status userPoolId ",
            user_fields_from_username!(),
            " externalId",
            $extra,
            " } }"
        )
    };
}
/// The authorized-resources page of a role or group.
macro_rules! authorized_resources_page {
    () => {
        "{ totalCount list { code type actions } }"
    };
}

/// The selection of a policy's statements.
macro_rules! statements_selection {
    () => {
        "statements { resource actions effect condition { param operator value } }"
    };
}

operations! {
    // Roles.
    ROLES = concat!(
    "query roles($namespace: String, $page: Int, $limit: Int, $sortBy: SortByEnum) { roles(namespace: $namespace, page: $page, limit: $limit, sortBy: $sortBy) { totalCount list { id ",
    role_fields!(),
    " } } }"
);
    CREATE_ROLE = concat!(
    "mutation createRole($namespace: String, $code: String!, $description: String, $parent: String) { createRole(namespace: $namespace, code: $code, description: $description, parent: $parent) ",
    role_selection!(),
    " }"
);
    ROLE = concat!(
    "query role($code: String!, $namespace: String) { role(code: $code, namespace: $namespace) ",
    role_selection!(),
    " }"
);
    UPDATE_ROLE = concat!(
    "mutation updateRole($code: String!, $description: String, $newCode: String, $namespace: String) { updateRole(code: $code, description: $description, newCode: $newCode, namespace: $namespace) ",
    role_selection!(),
    " }"
);
    DELETE_ROLE = concat!(
    "mutation deleteRole($code: String!, $namespace: String) { deleteRole(code: $code, namespace: $namespace) ",
    common_message_selection!(),
    " }"
);
    DELETE_ROLES = concat!(
    "mutation deleteRoles($codeList: [String!]!, $namespace: String) { deleteRoles(codeList: $codeList, namespace: $namespace) ",
    common_message_selection!(),
    " }"
);
    ROLE_WITH_USERS [nested] = concat!(
    "query roleWithUsers($code: String!, $namespace: String, $page: Int, $limit: Int) { role(code: $code, namespace: $namespace) { ",
    members_selection!(""),
    " } }"
);
    ROLE_WITH_USERS_WITH_CUSTOM_DATA [nested] = concat!(
    "query roleWithUsersWithCustomData($code: String!, $namespace: String, $page: Int, $limit: Int) { role(code: $code, namespace: $namespace) { ",
    members_selection!(concat!(" ", custom_data_field!())),
    " } }"
);
    LIST_ROLE_AUTHORIZED_RESOURCES [nested] = concat!(
    "query listRoleAuthorizedResources($code: String!, $namespace: String, $resourceType: String) { role(code: $code, namespace: $namespace) { authorizedResources(resourceType: $resourceType) ",
    authorized_resources_page!(),
    " } }"
);
    // Groups.
    GROUPS = concat!(
    "query groups($userId: String, $page: Int, $limit: Int, $sortBy: SortByEnum) { groups(userId: $userId, page: $page, limit: $limit, sortBy: $sortBy) { totalCount list ",
    group_selection!(),
    " } }"
);
    CREATE_GROUP = concat!(
    "mutation createGroup($code: String!, $name: String!, $description: String) { createGroup(code: $code, name: $name, description: $description) ",
    group_selection!(),
    " }"
);
    GROUP = concat!(
    "query group($code: String!) { group(code: $code) ",
    group_selection!(),
    " }"
);
    UPDATE_GROUP = concat!(
    "mutation updateGroup($code: String!, $name: String, $description: String, $newCode: String) { updateGroup(code: $code, name: $name, description: $description, newCode: $newCode) ",
    group_selection!(),
    " }"
);
    DELETE_GROUPS = concat!(
    "mutation deleteGroups($codeList: [String!]!) { deleteGroups(codeList: $codeList) ",
    common_message_selection!(),
    " }"
);
    GROUP_WITH_USERS [nested] = concat!(
    "query groupWithUsers($code: String!, $page: Int, $limit: Int) { group(code: $code) { ",
    members_selection!(""),
    " } }"
);
    GROUP_WITH_USERS_WITH_CUSTOM_DATA [nested] = concat!(
    "query groupWithUsersWithCustomData($code: String!, $page: Int, $limit: Int) { group(code: $code) { ",
    members_selection!(concat!(" ", custom_data_field!())),
    " } }"
);
    LIST_GROUP_AUTHORIZED_RESOURCES [nested] = concat!(
    "query listGroupAuthorizedResources($code: String!, $namespace: String, $resourceType: String) { group(code: $code) { authorizedResources(namespace: $namespace, resourceType: $resourceType) ",
    authorized_resources_page!(),
    " } }"
);
    // Policies (`authing/v2/management/policies.py`); their assignments use the users rows
    // `policyAssignments`, `addPolicyAssignments` and `removePolicyAssignments`.
    POLICIES = concat!(
    "query policies($page: Int, $limit: Int, $namespace: String) { policies(page: $page, limit: $limit, namespace: $namespace) { totalCount list { namespace code description createdAt updatedAt ",
    statements_selection!(),
    " } } }"
);
    CREATE_POLICY = concat!(
    "mutation createPolicy($namespace: String, $code: String!, $description: String, $statements: [PolicyStatementInput!]!) { createPolicy(namespace: $namespace, code: $code, description: $description, statements: $statements) { namespace code isDefault description ",
    statements_selection!(),
    " createdAt updatedAt assignmentsCount } }"
);
    POLICY = concat!(
    "query policy($namespace: String, $code: String!) { policy(code: $code, namespace: $namespace) { namespace code isDefault description ",
    statements_selection!(),
    " createdAt updatedAt } }"
);
    UPDATE_POLICY = concat!(
    "mutation updatePolicy($namespace: String, $code: String!, $description: String, $statements: [PolicyStatementInput!], $newCode: String) { updatePolicy(namespace: $namespace, code: $code, description: $description, statements: $statements, newCode: $newCode) { namespace code description ",
    statements_selection!(),
    " createdAt updatedAt } }"
);
    DELETE_POLICY = concat!(
    "mutation deletePolicy($code: String!, $namespace: String) { deletePolicy(code: $code, namespace: $namespace) ",
    common_message_selection!(),
    " }"
);
    DELETE_POLICIES = concat!(
    "mutation deletePolicies($codeList: [String!]!, $namespace: String) { deletePolicies(codeList: $codeList, namespace: $namespace) ",
    common_message_selection!(),
    " }"
);
    ENABLE_POLICY_ASSIGNMENT = concat!(
    "mutation enablePolicyAssignment($policy: String!, $targetType: PolicyAssignmentTargetType!, $targetIdentifier: String!, $namespace: String) { enablePolicyAssignment(policy: $policy, targetType: $targetType, targetIdentifier: $targetIdentifier, namespace: $namespace) ",
    common_message_selection!(),
    " }"
);
    // Authing's schema names this field (and the reference its operation)
    // `disbalePolicyAssignment`, misspelt; the row keeps the schema's name.
    DISABLE_POLICY_ASSIGNMENT = concat!(
    "mutation disbalePolicyAssignment($policy: String!, $targetType: PolicyAssignmentTargetType!, $targetIdentifier: String!, $namespace: String) { disbalePolicyAssignment(policy: $policy, targetType: $targetType, targetIdentifier: $targetIdentifier, namespace: $namespace) ",
    common_message_selection!(),
    " }"
);
}
