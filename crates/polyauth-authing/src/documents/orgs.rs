//! Rows of the `orgs` module (`authing/v2/management/orgs.py`): organizations, their node
//! trees, the members, roles and authorized resources of a node. Each document is the
//! reference SDK's `QUERY` table entry (`authing/v2/common/codegen.py`) with its white space
//! collapsed; some operations are named otherwise than their table key (`getChildrenNodes`
//! sends `childrenNodes`, `getMembersById` sends `nodeByIdWithMembers`, `removeMembers` sends
//! `removeMember`).

use super::GqlOp;

operations! {
    /// `createOrg` of the reference's `QUERY` table.
    CREATE_ORG = "mutation createOrg($name: String!, $code: String, $description: String) { createOrg(name: $name, code: $code, description: $description) { id rootNode { id orgId name nameI18n description descriptionI18n order code root depth path createdAt updatedAt children } nodes { id orgId name nameI18n description descriptionI18n order code root depth path createdAt updatedAt children } } }";
    /// `addNodeV2` of the reference's `QUERY` table.
    ADD_NODE_V2 = "mutation addNodeV2($orgId: String!, $parentNodeId: String, $name: String!, $nameI18n: String, $description: String, $descriptionI18n: String, $order: Int, $code: String) { addNodeV2(orgId: $orgId, parentNodeId: $parentNodeId, name: $name, nameI18n: $nameI18n, description: $description, descriptionI18n: $descriptionI18n, order: $order, code: $code) { id orgId name nameI18n description descriptionI18n order code root depth path createdAt updatedAt children } }";
    /// `addNode` of the reference's `QUERY` table.
    ADD_NODE = "mutation addNode($orgId: String!, $parentNodeId: String, $name: String!, $nameI18n: String, $description: String, $descriptionI18n: String, $order: Int, $code: String) { addNode(orgId: $orgId, parentNodeId: $parentNodeId, name: $name, nameI18n: $nameI18n, description: $description, descriptionI18n: $descriptionI18n, order: $order, code: $code) { id rootNode { id orgId name nameI18n description descriptionI18n order code root depth path createdAt updatedAt children } nodes { id orgId name nameI18n description descriptionI18n order code root depth path createdAt updatedAt children } } }";
    /// `orgs` of the reference's `QUERY` table.
    ORGS = "query orgs($page: Int, $limit: Int, $sortBy: SortByEnum) { orgs(page: $page, limit: $limit, sortBy: $sortBy) { totalCount list { id rootNode { id name nameI18n path description descriptionI18n order code root depth createdAt updatedAt children } nodes { id name path nameI18n description descriptionI18n order code root depth createdAt updatedAt children } } } }";
    /// `org` of the reference's `QUERY` table.
    ORG = "query org($id: String!) { org(id: $id) { id rootNode { id orgId name nameI18n description descriptionI18n order code root depth path createdAt updatedAt children } nodes { id orgId name nameI18n description descriptionI18n order code root depth path createdAt updatedAt children } } }";
    /// `deleteOrg` of the reference's `QUERY` table.
    DELETE_ORG = "mutation deleteOrg($id: String!) { deleteOrg(id: $id) { message code } }";
    /// `nodeById` of the reference's `QUERY` table.
    NODE_BY_ID = "query nodeById($id: String!) { nodeById(id: $id) { id orgId name nameI18n description descriptionI18n order code root depth path createdAt updatedAt children } }";
    /// `updateNode` of the reference's `QUERY` table.
    UPDATE_NODE = "mutation updateNode($page: Int, $limit: Int, $sortBy: SortByEnum, $includeChildrenNodes: Boolean, $id: String!, $name: String, $code: String, $description: String) { updateNode(id: $id, name: $name, code: $code, description: $description) { id orgId name nameI18n description descriptionI18n order code root depth path createdAt updatedAt children users(page: $page, limit: $limit, sortBy: $sortBy, includeChildrenNodes: $includeChildrenNodes) { totalCount } } }";
    /// `deleteNode` of the reference's `QUERY` table.
    DELETE_NODE = "mutation deleteNode($orgId: String!, $nodeId: String!) { deleteNode(orgId: $orgId, nodeId: $nodeId) { message code } }";
    /// `isRootNode` of the reference's `QUERY` table.
    IS_ROOT_NODE = "query isRootNode($nodeId: String!, $orgId: String!) { isRootNode(nodeId: $nodeId, orgId: $orgId) }";
    /// `moveNode` of the reference's `QUERY` table.
    MOVE_NODE = "mutation moveNode($orgId: String!, $nodeId: String!, $targetParentId: String!) { moveNode(orgId: $orgId, nodeId: $nodeId, targetParentId: $targetParentId) { id rootNode { id orgId name nameI18n description descriptionI18n order code root depth path createdAt updatedAt children } nodes { id orgId name nameI18n description descriptionI18n order code root depth path createdAt updatedAt children } } }";
    /// `getChildrenNodes` of the reference's `QUERY` table.
    CHILDREN_NODES = "query childrenNodes($nodeId: String!) { childrenNodes(nodeId: $nodeId) { id orgId name nameI18n description descriptionI18n order code root depth path createdAt updatedAt children } }";
    /// `rootNode` of the reference's `QUERY` table.
    ROOT_NODE = "query rootNode($orgId: String!) { rootNode(orgId: $orgId) { id orgId name nameI18n description descriptionI18n order code root depth path codePath namePath createdAt updatedAt children } }";
    /// `searchNodes` of the reference's `QUERY` table.
    SEARCH_NODES = "query searchNodes($keyword: String!) { searchNodes(keyword: $keyword) { id orgId name nameI18n description descriptionI18n order code root depth path codePath namePath createdAt updatedAt children } }";
    /// `getNodeRoles` of the reference's `QUERY` table.
    GET_NODE_ROLES [nested] = "query getNodeRoles($id: String!, $namespace: String) { nodeById(id: $id) { roles(namespace: $namespace) { totalCount list { id code namespace arn description createdAt updatedAt } } } }";
    /// `listNodeByIdAuthorizedResources` of the reference's `QUERY` table.
    LIST_NODE_BY_ID_AUTHORIZED_RESOURCES [nested] = "query listNodeByIdAuthorizedResources($id: String!, $namespace: String, $resourceType: String) { nodeById(id: $id) { authorizedResources(namespace: $namespace, resourceType: $resourceType) { totalCount list { code type actions } } } }";
    /// `listNodeByCodeAuthorizedResources` of the reference's `QUERY` table.
    LIST_NODE_BY_CODE_AUTHORIZED_RESOURCES [nested] = "query listNodeByCodeAuthorizedResources($orgId: String!, $code: String!, $namespace: String, $resourceType: String) { nodeByCode(orgId: $orgId, code: $code) { authorizedResources(namespace: $namespace, resourceType: $resourceType) { totalCount list { code type actions } } } }";
    /// `addMember` of the reference's `QUERY` table.
    ADD_MEMBER = "mutation addMember($page: Int, $limit: Int, $sortBy: SortByEnum, $includeChildrenNodes: Boolean, $nodeId: String, $orgId: String, $nodeCode: String, $userIds: [String!]!, $isLeader: Boolean) { addMember(nodeId: $nodeId, orgId: $orgId, nodeCode: $nodeCode, userIds: $userIds, isLeader: $isLeader) { id orgId name nameI18n description descriptionI18n order code root depth path createdAt updatedAt children users(page: $page, limit: $limit, sortBy: $sortBy, includeChildrenNodes: $includeChildrenNodes) { totalCount list { id arn userPoolId username status email emailVerified phone phoneVerified unionid openid nickname registerSource photo password oauth token tokenExpiredAt loginsCount lastLogin lastIP signedUp blocked isDeleted device browser company name givenName familyName middleName profile preferredUsername website gender birthdate zoneinfo locale address formatted streetAddress locality region postalCode city province country createdAt updatedAt externalId } } } }";
    /// `getMembersById` of the reference's `QUERY` table.
    NODE_BY_ID_WITH_MEMBERS = "query nodeByIdWithMembers($page: Int, $limit: Int, $sortBy: SortByEnum, $includeChildrenNodes: Boolean, $id: String!) { nodeById(id: $id) { id orgId name nameI18n description descriptionI18n order code root depth createdAt updatedAt children users(page: $page, limit: $limit, sortBy: $sortBy, includeChildrenNodes: $includeChildrenNodes) { totalCount list { id arn userPoolId status username email emailVerified phone phoneVerified unionid openid nickname registerSource photo password oauth token tokenExpiredAt loginsCount lastLogin lastIP signedUp blocked isDeleted device browser company name givenName familyName middleName profile preferredUsername website gender birthdate zoneinfo locale address formatted streetAddress locality region postalCode city province country createdAt updatedAt externalId } } } }";
    /// `moveMembers` of the reference's `QUERY` table.
    MOVE_MEMBERS = "mutation moveMembers($userIds: [String!]!, $sourceNodeId: String!, $targetNodeId: String!) { moveMembers(userIds: $userIds, sourceNodeId: $sourceNodeId, targetNodeId: $targetNodeId) { code message } }";
    /// `removeMembers` of the reference's `QUERY` table.
    REMOVE_MEMBER = "mutation removeMember($page: Int, $limit: Int, $sortBy: SortByEnum, $includeChildrenNodes: Boolean, $nodeId: String, $orgId: String, $nodeCode: String, $userIds: [String!]!) { removeMember(nodeId: $nodeId, orgId: $orgId, nodeCode: $nodeCode, userIds: $userIds) { id name nameI18n description descriptionI18n order code root depth createdAt updatedAt children users(page: $page, limit: $limit, sortBy: $sortBy, includeChildrenNodes: $includeChildrenNodes) { totalCount list { id arn userPoolId status username email emailVerified phone phoneVerified unionid openid nickname registerSource photo password oauth token tokenExpiredAt loginsCount lastLogin lastIP signedUp blocked isDeleted device browser company name givenName familyName middleName profile preferredUsername website gender birthdate zoneinfo locale address formatted streetAddress locality region postalCode city province country createdAt updatedAt } } } }";
    /// `setMainDepartment` of the reference's `QUERY` table.
    SET_MAIN_DEPARTMENT = "mutation setMainDepartment($userId: String!, $departmentId: String) { setMainDepartment(userId: $userId, departmentId: $departmentId) { message code } }";
}
