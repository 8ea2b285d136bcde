//! Our GraphQL documents (selection sets as in Authing's v2 SDK codegen), sent as-is: no
//! schema introspection round trip.

macro_rules! user49 {
    () => {
        "id arn userPoolId status username email emailVerified phone phoneVerified unionid openid nickname registerSource photo password oauth token tokenExpiredAt loginsCount lastLogin lastIP signedUp blocked isDeleted device browser company name givenName familyName middleName profile preferredUsername website gender birthdate zoneinfo locale address formatted streetAddress locality region postalCode city province country createdAt updatedAt"
    };
}
macro_rules! user50 {
    () => {
        concat!(user49!(), " externalId")
    };
}
macro_rules! ident {
    () => {
        "identities { openid userIdInIdp userId connectionId isSocial provider type userPoolId }"
    };
}
macro_rules! cd {
    () => {
        "customData { key value dataType label }"
    };
}
macro_rules! udv_sel {
    () => {
        "{ key dataType value label }"
    };
}
macro_rules! msg {
    () => {
        "{ message code }"
    };
}

pub(crate) const REGISTER_BY_EMAIL: &str = concat!(
    "mutation registerByEmail($input: RegisterByEmailInput!) { registerByEmail(input: $input) { ",
    user50!(),
    " } }"
);
pub(crate) const REGISTER_BY_USERNAME: &str = concat!(
    "mutation registerByUsername($input: RegisterByUsernameInput!) { registerByUsername(input: $input) { ",
    user50!(),
    " } }"
);
pub(crate) const REGISTER_BY_PHONE_CODE: &str = concat!(
    "mutation registerByPhoneCode($input: RegisterByPhoneCodeInput!) { registerByPhoneCode(input: $input) { ",
    user50!(),
    " } }"
);
pub(crate) const LOGIN_BY_EMAIL: &str = concat!(
    "mutation loginByEmail($input: LoginByEmailInput!) { loginByEmail(input: $input) { ",
    user50!(),
    " } }"
);
pub(crate) const LOGIN_BY_USERNAME: &str = concat!(
    "mutation loginByUsername($input: LoginByUsernameInput!) { loginByUsername(input: $input) { ",
    user50!(),
    " } }"
);
pub(crate) const LOGIN_BY_PHONE_CODE: &str = concat!(
    "mutation loginByPhoneCode($input: LoginByPhoneCodeInput!) { loginByPhoneCode(input: $input) { ",
    user50!(),
    " } }"
);
pub(crate) const LOGIN_BY_PHONE_PASSWORD: &str = concat!(
    "mutation loginByPhonePassword($input: LoginByPhonePasswordInput!) { loginByPhonePassword(input: $input) { ",
    user50!(),
    " } }"
);
pub(crate) const LOGIN_BY_SUB_ACCOUNT: &str = concat!(
    "mutation loginBySubAccount($account: String!, $password: String!, $captchaCode: String, $clientIp: String) { loginBySubAccount(account: $account, password: $password, captchaCode: $captchaCode, clientIp: $clientIp) { ",
    user50!(),
    " } }"
);
pub(crate) const SEND_EMAIL: &str = concat!(
    "mutation sendEmail($email: String!, $scene: EmailScene!) { sendEmail(email: $email, scene: $scene) ",
    msg!(),
    " }"
);
pub(crate) const UDV: &str = concat!(
    "query udv($targetType: UDFTargetType!, $targetId: String!) { udv(targetType: $targetType, targetId: $targetId) ",
    udv_sel!(),
    " }"
);
pub(crate) const UDF_VALUE_BATCH: &str = concat!(
    "query udfValueBatch($targetType: UDFTargetType!, $targetIds: [String!]!) { udfValueBatch(targetType: $targetType, targetIds: $targetIds) { targetId data ",
    udv_sel!(),
    " } }"
);
pub(crate) const SET_UDV_BATCH: &str = concat!(
    "mutation setUdvBatch($targetType: UDFTargetType!, $targetId: String!, $udvList: [UserDefinedDataInput!]) { setUdvBatch(targetType: $targetType, targetId: $targetId, udvList: $udvList) ",
    udv_sel!(),
    " }"
);
pub(crate) const SET_UDF_VALUE_BATCH: &str = concat!(
    "mutation setUdfValueBatch($targetType: UDFTargetType!, $input: [SetUdfValueBatchInput!]!) { setUdfValueBatch(targetType: $targetType, input: $input) ",
    msg!(),
    " }"
);
pub(crate) const SET_UDV: &str = concat!(
    "mutation setUdv($targetType: UDFTargetType!, $targetId: String!, $key: String!, $value: String!) { setUdv(targetType: $targetType, targetId: $targetId, key: $key, value: $value) ",
    udv_sel!(),
    " }"
);
pub(crate) const REMOVE_UDV: &str = concat!(
    "mutation removeUdv($targetType: UDFTargetType!, $targetId: String!, $key: String!) { removeUdv(targetType: $targetType, targetId: $targetId, key: $key) ",
    udv_sel!(),
    " }"
);
pub(crate) const CHECK_LOGIN_STATUS: &str = "query checkLoginStatus($token: String) { checkLoginStatus(token: $token) { code message status exp iat data { id userPoolId arn } } }";
pub(crate) const RESET_PASSWORD: &str = concat!(
    "mutation resetPassword($phone: String, $email: String, $code: String!, $newPassword: String!) { resetPassword(phone: $phone, email: $email, code: $code, newPassword: $newPassword) ",
    msg!(),
    " }"
);
pub(crate) const RESET_PASSWORD_BY_FIRST_LOGIN_TOKEN: &str = concat!(
    "mutation resetPasswordByFirstLoginToken($token: String!, $password: String!) { resetPasswordByFirstLoginToken(token: $token, password: $password) ",
    msg!(),
    " }"
);
pub(crate) const RESET_PASSWORD_BY_FORCE_RESET_TOKEN: &str = concat!(
    "mutation resetPasswordByForceResetToken($token: String!, $oldPassword: String!, $newPassword: String!) { resetPasswordByForceResetToken(token: $token, oldPassword: $oldPassword, newPassword: $newPassword) ",
    msg!(),
    " }"
);
pub(crate) const UPDATE_USER: &str = concat!(
    "mutation updateUser($id: String, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { ",
    user50!(),
    " } }"
);
pub(crate) const UPDATE_PASSWORD: &str = concat!(
    "mutation updatePassword($newPassword: String!, $oldPassword: String) { updatePassword(newPassword: $newPassword, oldPassword: $oldPassword) { ",
    user49!(),
    " } }"
);
pub(crate) const BIND_PHONE: &str = concat!(
    "mutation bindPhone($phone: String!, $phoneCode: String!) { bindPhone(phone: $phone, phoneCode: $phoneCode) { ",
    user49!(),
    " } }"
);
pub(crate) const UNBIND_PHONE: &str =
    concat!("mutation unbindPhone { unbindPhone { ", user49!(), " } }");
pub(crate) const UPDATE_PHONE: &str = concat!(
    "mutation updatePhone($phone: String!, $phoneCode: String!, $oldPhone: String, $oldPhoneCode: String) { updatePhone(phone: $phone, phoneCode: $phoneCode, oldPhone: $oldPhone, oldPhoneCode: $oldPhoneCode) { ",
    user49!(),
    " } }"
);
pub(crate) const BIND_EMAIL: &str = concat!(
    "mutation bindEmail($email: String!, $emailCode: String!) { bindEmail(email: $email, emailCode: $emailCode) { ",
    user49!(),
    " } }"
);
pub(crate) const UNBIND_EMAIL: &str =
    concat!("mutation unbindEmail { unbindEmail { ", user49!(), " } }");
pub(crate) const UPDATE_EMAIL: &str = concat!(
    "mutation updateEmail($email: String!, $emailCode: String!, $oldEmail: String, $oldEmailCode: String) { updateEmail(email: $email, emailCode: $emailCode, oldEmail: $oldEmail, oldEmailCode: $oldEmailCode) { ",
    user49!(),
    " } }"
);
pub(crate) const CHECK_PASSWORD_STRENGTH: &str = "query checkPasswordStrength($password: String!) { checkPasswordStrength(password: $password) { valid message } }";
pub(crate) const REFRESH_TOKEN: &str =
    "mutation refreshToken($id: String) { refreshToken(id: $id) { token iat exp } }";
pub(crate) const GET_USER_ROLES: &str = "query getUserRoles($id: String!, $namespace: String) { user(id: $id) { roles(namespace: $namespace) { totalCount list { id code namespace arn description createdAt updatedAt parent { code namespace arn description createdAt updatedAt } } } } }";
pub(crate) const GET_USER_GROUPS: &str = "query getUserGroups($id: String!) { user(id: $id) { groups { totalCount list { code name description createdAt updatedAt } } } }";
pub(crate) const GET_USER_DEPARTMENTS: &str = "query getUserDepartments($id: String!, $orgId: String) { user(id: $id) { departments(orgId: $orgId) { totalCount list { department { id orgId name nameI18n description descriptionI18n order code root depth path codePath namePath createdAt updatedAt children } isMainDepartment joinedAt } } } }";
pub(crate) const LIST_USER_AUTHORIZED_RESOURCES: &str = "query listUserAuthorizedResources($id: String!, $namespace: String, $resourceType: String) { user(id: $id) { authorizedResources(namespace: $namespace, resourceType: $resourceType) { totalCount list { code type actions } } } }";
pub(crate) const IS_USER_EXISTS: &str = "query isUserExists($email: String, $phone: String, $username: String, $externalId: String) { isUserExists(email: $email, phone: $phone, username: $username, externalId: $externalId) }";
pub(crate) const ACCESS_TOKEN: &str = "query accessToken($userPoolId: String!, $secret: String!) { accessToken(userPoolId: $userPoolId, secret: $secret) { accessToken exp iat } }";
pub(crate) const CREATE_USER: &str = concat!(
    "mutation createUser($userInfo: CreateUserInput!, $params: String, $keepPassword: Boolean) { createUser(userInfo: $userInfo, params: $params, keepPassword: $keepPassword) { ",
    user50!(),
    " } }"
);
pub(crate) const CREATE_USER_WITH_CUSTOM_DATA: &str = concat!(
    "mutation createUserWithCustomData($userInfo: CreateUserInput!, $keepPassword: Boolean, $params: String) { createUser(userInfo: $userInfo, keepPassword: $keepPassword, params: $params) { ",
    user50!(),
    " ",
    cd!(),
    " } }"
);
pub(crate) const DELETE_USER: &str = concat!(
    "mutation deleteUser($id: String!) { deleteUser(id: $id) ",
    msg!(),
    " }"
);
pub(crate) const DELETE_USERS: &str = concat!(
    "mutation deleteUsers($ids: [String!]!) { deleteUsers(ids: $ids) ",
    msg!(),
    " }"
);
pub(crate) const USER_BATCH: &str = concat!(
    "query userBatch($ids: [String!]!, $type: String) { userBatch(ids: $ids, type: $type) { ",
    ident!(),
    " ",
    user50!(),
    " } }"
);
pub(crate) const USER_BATCH_WITH_CUSTOM_DATA: &str = concat!(
    "query userBatchWithCustomData($ids: [String!]!, $type: String) { userBatch(ids: $ids, type: $type) { ",
    ident!(),
    " ",
    user50!(),
    " ",
    cd!(),
    " } }"
);
pub(crate) const USERS: &str = concat!(
    "query users($page: Int, $limit: Int) { users(page: $page, limit: $limit) { totalCount list { ",
    ident!(),
    " ",
    user50!(),
    " } } }"
);
pub(crate) const USERS_WITH_CUSTOM_DATA: &str = concat!(
    "query usersWithCustomData($page: Int, $limit: Int) { users(page: $page, limit: $limit) { totalCount list { ",
    ident!(),
    " ",
    user50!(),
    " ",
    cd!(),
    " } } }"
);
pub(crate) const ARCHIVED_USERS: &str = concat!(
    "query archivedUsers($page: Int, $limit: Int) { archivedUsers(page: $page, limit: $limit) { totalCount list { ",
    user50!(),
    " } } }"
);
pub(crate) const FIND_USER: &str = concat!(
    "query findUser($email: String, $phone: String, $username: String, $externalId: String) { findUser(email: $email, phone: $phone, username: $username, externalId: $externalId) { ",
    user50!(),
    " } }"
);
pub(crate) const FIND_USER_WITH_CUSTOM_DATA: &str = concat!(
    "query findUserWithCustomData($email: String, $phone: String, $username: String, $externalId: String) { findUser(email: $email, phone: $phone, username: $username, externalId: $externalId) { ",
    user50!(),
    " ",
    cd!(),
    " } }"
);
pub(crate) const SEARCH_USER: &str = concat!(
    "query searchUser($query: String!, $page: Int, $limit: Int, $departmentOpts: [SearchUserDepartmentOpt], $groupOpts: [SearchUserGroupOpt], $roleOpts: [SearchUserRoleOpt]) { searchUser(query: $query, page: $page, limit: $limit, departmentOpts: $departmentOpts, groupOpts: $groupOpts, roleOpts: $roleOpts) { totalCount list { ",
    user50!(),
    " } } }"
);
pub(crate) const SEARCH_USER_WITH_CUSTOM_DATA: &str = concat!(
    "query searchUserWithCustomData($query: String!, $page: Int, $limit: Int, $departmentOpts: [SearchUserDepartmentOpt], $groupOpts: [SearchUserGroupOpt], $roleOpts: [SearchUserRoleOpt]) { searchUser(query: $query, page: $page, limit: $limit, departmentOpts: $departmentOpts, groupOpts: $groupOpts, roleOpts: $roleOpts) { totalCount list { ",
    user50!(),
    " ",
    cd!(),
    " } } }"
);
pub(crate) const ADD_USER_TO_GROUP: &str = concat!(
    "mutation addUserToGroup($userIds: [String!]!, $code: String) { addUserToGroup(userIds: $userIds, code: $code) ",
    msg!(),
    " }"
);
pub(crate) const REMOVE_USER_FROM_GROUP: &str = concat!(
    "mutation removeUserFromGroup($userIds: [String!]!, $code: String) { removeUserFromGroup(userIds: $userIds, code: $code) ",
    msg!(),
    " }"
);
pub(crate) const ASSIGN_ROLE: &str = concat!(
    "mutation assignRole($namespace: String, $roleCodes: [String], $userIds: [String!]) { assignRole(namespace: $namespace, roleCodes: $roleCodes, userIds: $userIds) ",
    msg!(),
    " }"
);
pub(crate) const REVOKE_ROLE: &str = concat!(
    "mutation revokeRole($namespace: String, $roleCodes: [String], $userIds: [String!]) { revokeRole(namespace: $namespace, roleCodes: $roleCodes, userIds: $userIds) ",
    msg!(),
    " }"
);
pub(crate) const POLICY_ASSIGNMENTS: &str = "query policyAssignments($targetType: PolicyAssignmentTargetType, $targetIdentifier: String, $page: Int, $limit: Int) { policyAssignments(targetType: $targetType, targetIdentifier: $targetIdentifier, page: $page, limit: $limit) { totalCount list { code targetType targetIdentifier } } }";
pub(crate) const ADD_POLICY_ASSIGNMENTS: &str = concat!(
    "mutation addPolicyAssignments($policies: [String!]!, $targetType: PolicyAssignmentTargetType!, $targetIdentifiers: [String!]) { addPolicyAssignments(policies: $policies, targetType: $targetType, targetIdentifiers: $targetIdentifiers) ",
    msg!(),
    " }"
);
pub(crate) const REMOVE_POLICY_ASSIGNMENTS: &str = concat!(
    "mutation removePolicyAssignments($policies: [String!]!, $targetType: PolicyAssignmentTargetType!, $targetIdentifiers: [String!]) { removePolicyAssignments(policies: $policies, targetType: $targetType, targetIdentifiers: $targetIdentifiers) ",
    msg!(),
    " }"
);
pub(crate) const SEND_FIRST_LOGIN_VERIFY_EMAIL: &str = concat!(
    "mutation sendFirstLoginVerifyEmail($userId: String!, $appId: String!) { sendFirstLoginVerifyEmail(userId: $userId, appId: $appId) ",
    msg!(),
    " }"
);
