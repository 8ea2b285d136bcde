//! Rows of the `acl` module (`authing/v2/management/acl.py`), each document as the reference
//! SDK's `QUERY` table holds it.

use super::GqlOp;

operations! {
    ALLOW = concat!(
    "mutation allow($resource: String!, $action: String!, $userId: String, $userIds: [String!], $roleCode: String, $roleCodes: [String!], $namespace: String) { allow(resource: $resource, action: $action, userId: $userId, userIds: $userIds, roleCode: $roleCode, roleCodes: $roleCodes, namespace: $namespace) ",
    common_message_selection!(),
    " }"
);
    IS_ACTION_ALLOWED = "query isActionAllowed($resource: String!, $action: String!, $userId: String!, $namespace: String) { isActionAllowed(resource: $resource, action: $action, userId: $userId, namespace: $namespace) }";
    AUTHORIZED_RESOURCES = "query authorizedResources($targetType: PolicyAssignmentTargetType, $targetIdentifier: String, $namespace: String, $resourceType: String) { authorizedResources(targetType: $targetType, targetIdentifier: $targetIdentifier, namespace: $namespace, resourceType: $resourceType) { totalCount list { code type actions } } }";
    // `code` before `message`, as the reference selects them here.
    AUTHORIZE_RESOURCE = "mutation authorizeResource($namespace: String, $resource: String, $resourceType: ResourceType, $opts: [AuthorizeResourceOpt]) { authorizeResource(namespace: $namespace, resource: $resource, resourceType: $resourceType, opts: $opts) { code message } }";
    AUTHORIZED_TARGETS = "query authorizedTargets($namespace: String!, $resourceType: ResourceType!, $resource: String!, $targetType: PolicyAssignmentTargetType, $actions: AuthorizedTargetsActionsInput) { authorizedTargets(namespace: $namespace, resource: $resource, resourceType: $resourceType, targetType: $targetType, actions: $actions) { totalCount list { targetType targetIdentifier actions } } }";
}
