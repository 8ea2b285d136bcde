//! The table of GraphQL operations: one row per Authing v2 operation we send, the document
//! as-is (selection sets as in the reference SDK's `QUERY` table, `authing` 4.5.18
//! `authing/v2/common/codegen.py`), no schema introspection round trip.
//!
//! A row holds only its document: the operation's name (the error context and the name the
//! server counts), its root field (where the answer sits in `data`) and whether it is a query
//! (idempotent, retried) or a mutation (sent once) are read from the document by a `const fn`
//! at compile time, so a row cannot name another operation than the one it sends and a
//! malformed document does not compile. The clients' methods are thin typed wrappers that build
//! the variables and name a row; adding an operation is adding a row.

use std::borrow::Borrow;

use polyauth_core::http::Idempotency;
use polyauth_core::{Error, Result};
use serde_json::{Map, Value, json};

use crate::transport::PROVIDER;
use polyauth_core::pyjson;

/// The scalar fields of the v2 `User` type from `username` on (the reference's documents
/// select `id arn userPoolId status` before them in varying orders).
macro_rules! user_fields_from_username {
    () => {
        "username email emailVerified phone phoneVerified unionid openid nickname registerSource photo password oauth token tokenExpiredAt loginsCount lastLogin lastIP signedUp blocked isDeleted device browser company name givenName familyName middleName profile preferredUsername website gender birthdate zoneinfo locale address formatted streetAddress locality region postalCode city province country createdAt updatedAt"
    };
}
/// The 49 scalar fields of the v2 `User` type (every field but `externalId`).
macro_rules! user_fields {
    () => {
        concat!("id arn userPoolId status ", user_fields_from_username!())
    };
}
/// [`user_fields!`] and `externalId` (the id from a synchronised directory).
macro_rules! user_fields_with_external_id {
    () => {
        concat!(user_fields!(), " externalId")
    };
}
/// The user's linked identities (social and enterprise connections).
macro_rules! identities_field {
    () => {
        "identities { openid userIdInIdp userId connectionId isSocial provider type userPoolId }"
    };
}
/// The user's custom data as `customData` on a `User`.
macro_rules! custom_data_field {
    () => {
        "customData { key value dataType label }"
    };
}
/// The selection of a `UserDefinedData` list (`udv`, `setUdv`, ...).
macro_rules! user_defined_data_selection {
    () => {
        "{ key dataType value label }"
    };
}
/// The selection of a `CommonMessage` answer.
macro_rules! common_message_selection {
    () => {
        "{ message code }"
    };
}

/// Whether an operation reads (`query`) or changes state (`mutation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OpKind {
    /// `query`: no side effect, may be retried.
    Query,
    /// `mutation`: sent once.
    Mutation,
}

/// One GraphQL operation: its document and what the document says about itself.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GqlOp {
    document: &'static str,
    kind: OpKind,
    name: &'static str,
    root: &'static str,
    /// The first field selected under the root (`roles` in `user(id:) { roles { ... } }`),
    /// empty when the root selects nothing.
    first_selected: &'static str,
    /// Whether the answer is `data[root][first_selected]` (the `user(id:)` relation queries)
    /// rather than `data[root]`.
    nested: bool,
}

impl GqlOp {
    /// Reads a document of one named operation: `query|mutation name(vars) { root(args) ... }`.
    /// Panics (a compile error in a `const`) for any other shape.
    pub(crate) const fn parse(document: &'static str) -> GqlOp {
        let b = document.as_bytes();
        let mut i = skip_space(b, 0);
        let kind = if keyword_at(b, i, b"query") {
            i += 5;
            OpKind::Query
        } else if keyword_at(b, i, b"mutation") {
            i += 8;
            OpKind::Mutation
        } else {
            panic!("a GraphQL operation starts with `query` or `mutation`")
        };
        i = skip_space(b, i);
        let name_end = name_end(b, i);
        if name_end == i {
            panic!("a GraphQL operation of the table is named");
        }
        let name = slice(document, i, name_end);
        i = skip_space(b, skip_parentheses(b, skip_space(b, name_end)));
        if i >= b.len() || b[i] != b'{' {
            panic!("a GraphQL operation has a selection set");
        }
        let (root, after_root) = field_at(document, i + 1);
        i = skip_space(b, skip_parentheses(b, skip_space(b, after_root)));
        let first_selected = if i < b.len() && b[i] == b'{' {
            field_at(document, i + 1).0
        } else {
            ""
        };
        GqlOp {
            document,
            kind,
            name,
            root,
            first_selected,
            nested: false,
        }
    }

    /// The answer is the first field selected under the root, and a null root means the
    /// object does not exist (`NotFound`): `user(id:) { roles { ... } }` answers the roles.
    pub(crate) const fn nested(self) -> GqlOp {
        if self.first_selected.is_empty() {
            panic!("a nested answer needs a field selected under the root");
        }
        GqlOp {
            nested: true,
            ..self
        }
    }

    /// The document sent as `query`.
    pub(crate) fn document(&self) -> &'static str {
        self.document
    }

    /// The operation's name (`getUserRoles`): the error context of every failure.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// The root field (`user`): the answer is `data[root]`.
    pub(crate) fn root(&self) -> &'static str {
        self.root
    }

    /// For a nested answer, the field under the root that is the answer.
    pub(crate) fn nested_field(&self) -> Option<&'static str> {
        self.nested.then_some(self.first_selected)
    }

    /// Queries may be retried, mutations are sent once.
    pub(crate) fn idempotency(&self) -> Idempotency {
        match self.kind {
            OpKind::Query => Idempotency::Idempotent,
            OpKind::Mutation => Idempotency::NonIdempotent,
        }
    }
}

const fn is_name_byte(c: u8, first: bool) -> bool {
    c == b'_' || c.is_ascii_alphabetic() || (!first && c.is_ascii_digit())
}

/// GraphQL ignores white space and commas.
const fn skip_space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | b',') {
        i += 1;
    }
    i
}

const fn keyword_at(b: &[u8], i: usize, keyword: &[u8]) -> bool {
    if i + keyword.len() > b.len() {
        return false;
    }
    let mut k = 0;
    while k < keyword.len() {
        if b[i + k] != keyword[k] {
            return false;
        }
        k += 1;
    }
    let end = i + keyword.len();
    end == b.len() || !is_name_byte(b[end], false)
}

/// The end of the GraphQL name starting at `i` (`i` itself when there is none).
const fn name_end(b: &[u8], start: usize) -> usize {
    let mut i = start;
    while i < b.len() && is_name_byte(b[i], i == start) {
        i += 1;
    }
    i
}

/// Past a parenthesised list (variable definitions, arguments) starting at `i`, if any.
const fn skip_parentheses(b: &[u8], mut i: usize) -> usize {
    if i >= b.len() || b[i] != b'(' {
        return i;
    }
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            b'"' => panic!("string literals are not read by the table's parser"),
            _ => {}
        }
        i += 1;
    }
    panic!("unbalanced parentheses in a GraphQL document")
}

/// The field name at `i` and the index past it.
const fn field_at(document: &'static str, i: usize) -> (&'static str, usize) {
    let b = document.as_bytes();
    let start = skip_space(b, i);
    let end = name_end(b, start);
    if end == start {
        panic!("a selection set starts with a field");
    }
    let colon = skip_space(b, end);
    if colon < b.len() && b[colon] == b':' {
        // The answer sits under the alias; the table looks it up under the field's name.
        panic!("the table's documents select their fields without aliases");
    }
    (slice(document, start, end), end)
}

const fn slice(s: &'static str, start: usize, end: usize) -> &'static str {
    let (head, _) = s.as_bytes().split_at(end);
    let (_, part) = head.split_at(start);
    match std::str::from_utf8(part) {
        Ok(part) => part,
        Err(_) => panic!("a GraphQL name is ASCII"),
    }
}

/// `NAME = document;` rows, `NAME [nested] = document;` for a nested answer
/// ([`GqlOp::nested`]); defines one `GqlOp` constant per row and, for the tests, `ALL`.
macro_rules! operations {
    ($($(#[$meta:meta])* $name:ident $([$modifier:ident])? = $document:expr;)*) => {
        $(
            $(#[$meta])*
            pub(crate) const $name: GqlOp = GqlOp::parse($document) $(.$modifier())?;
        )*
        /// Every row of the table.
        #[cfg(test)]
        pub(crate) const ALL: &[GqlOp] = &[$($name),*];
    };
}

operations! {
    // Register, log in, reset passwords (`authing/v2/authentication/authing.py`).
    REGISTER_BY_EMAIL = concat!(
    "mutation registerByEmail($input: RegisterByEmailInput!) { registerByEmail(input: $input) { ",
    user_fields_with_external_id!(),
    " } }"
);
    REGISTER_BY_USERNAME = concat!(
    "mutation registerByUsername($input: RegisterByUsernameInput!) { registerByUsername(input: $input) { ",
    user_fields_with_external_id!(),
    " } }"
);
    REGISTER_BY_PHONE_CODE = concat!(
    "mutation registerByPhoneCode($input: RegisterByPhoneCodeInput!) { registerByPhoneCode(input: $input) { ",
    user_fields_with_external_id!(),
    " } }"
);
    LOGIN_BY_EMAIL = concat!(
    "mutation loginByEmail($input: LoginByEmailInput!) { loginByEmail(input: $input) { ",
    "id arn status userPoolId ",
    user_fields_from_username!(),
    " externalId",
    " } }"
);
    LOGIN_BY_USERNAME = concat!(
    "mutation loginByUsername($input: LoginByUsernameInput!) { loginByUsername(input: $input) { ",
    user_fields_with_external_id!(),
    " } }"
);
    LOGIN_BY_PHONE_CODE = concat!(
    "mutation loginByPhoneCode($input: LoginByPhoneCodeInput!) { loginByPhoneCode(input: $input) { ",
    user_fields_with_external_id!(),
    " } }"
);
    LOGIN_BY_PHONE_PASSWORD = concat!(
    "mutation loginByPhonePassword($input: LoginByPhonePasswordInput!) { loginByPhonePassword(input: $input) { ",
    user_fields_with_external_id!(),
    " } }"
);
    LOGIN_BY_SUB_ACCOUNT = concat!(
    "mutation loginBySubAccount($account: String!, $password: String!, $captchaCode: String, $clientIp: String) { loginBySubAccount(account: $account, password: $password, captchaCode: $captchaCode, clientIp: $clientIp) { ",
    "id arn status userPoolId ",
    user_fields_from_username!(),
    " externalId",
    " } }"
);
    SEND_EMAIL = concat!(
    "mutation sendEmail($email: String!, $scene: EmailScene!) { sendEmail(email: $email, scene: $scene) ",
    common_message_selection!(),
    " }"
);
    RESET_PASSWORD = concat!(
    "mutation resetPassword($phone: String, $email: String, $code: String!, $newPassword: String!) { resetPassword(phone: $phone, email: $email, code: $code, newPassword: $newPassword) ",
    common_message_selection!(),
    " }"
);
    RESET_PASSWORD_BY_FIRST_LOGIN_TOKEN = concat!(
    "mutation resetPasswordByFirstLoginToken($token: String!, $password: String!) { resetPasswordByFirstLoginToken(token: $token, password: $password) ",
    common_message_selection!(),
    " }"
);
    RESET_PASSWORD_BY_FORCE_RESET_TOKEN = concat!(
    "mutation resetPasswordByForceResetToken($token: String!, $oldPassword: String!, $newPassword: String!) { resetPasswordByForceResetToken(token: $token, oldPassword: $oldPassword, newPassword: $newPassword) ",
    common_message_selection!(),
    " }"
);
    CHECK_PASSWORD_STRENGTH = "query checkPasswordStrength($password: String!) { checkPasswordStrength(password: $password) { valid message } }";
    IS_USER_EXISTS = "query isUserExists($email: String, $phone: String, $username: String, $externalId: String) { isUserExists(email: $email, phone: $phone, username: $username, externalId: $externalId) }";
    // Tokens: the online check, a user's new token, the management token.
    CHECK_LOGIN_STATUS = "query checkLoginStatus($token: String) { checkLoginStatus(token: $token) { code message status exp iat data { id userPoolId arn } } }";
    REFRESH_TOKEN = "mutation refreshToken($id: String) { refreshToken(id: $id) { token iat exp } }";
    ACCESS_TOKEN = "query accessToken($userPoolId: String!, $secret: String!) { accessToken(userPoolId: $userPoolId, secret: $secret) { accessToken exp iat } }";
    // Profile and bindings.
    UPDATE_USER = concat!(
    "mutation updateUser($id: String, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { ",
    user_fields_with_external_id!(),
    " } }"
);
    UPDATE_PASSWORD = concat!(
    "mutation updatePassword($newPassword: String!, $oldPassword: String) { updatePassword(newPassword: $newPassword, oldPassword: $oldPassword) { ",
    user_fields!(),
    " } }"
);
    BIND_PHONE = concat!(
    "mutation bindPhone($phone: String!, $phoneCode: String!) { bindPhone(phone: $phone, phoneCode: $phoneCode) { ",
    user_fields!(),
    " } }"
);
    UNBIND_PHONE = concat!("mutation unbindPhone { unbindPhone { ", user_fields!(), " } }");
    UPDATE_PHONE = concat!(
    "mutation updatePhone($phone: String!, $phoneCode: String!, $oldPhone: String, $oldPhoneCode: String) { updatePhone(phone: $phone, phoneCode: $phoneCode, oldPhone: $oldPhone, oldPhoneCode: $oldPhoneCode) { ",
    user_fields!(),
    " } }"
);
    BIND_EMAIL = concat!(
    "mutation bindEmail($email: String!, $emailCode: String!) { bindEmail(email: $email, emailCode: $emailCode) { ",
    user_fields!(),
    " } }"
);
    UNBIND_EMAIL = concat!("mutation unbindEmail { unbindEmail { ", user_fields!(), " } }");
    UPDATE_EMAIL = concat!(
    "mutation updateEmail($email: String!, $emailCode: String!, $oldEmail: String, $oldEmailCode: String) { updateEmail(email: $email, emailCode: $emailCode, oldEmail: $oldEmail, oldEmailCode: $oldEmailCode) { ",
    user_fields!(),
    " } }"
);
    // Custom data (user-defined values).
    UDV = concat!(
    "query udv($targetType: UDFTargetType!, $targetId: String!) { udv(targetType: $targetType, targetId: $targetId) ",
    user_defined_data_selection!(),
    " }"
);
    UDF_VALUE_BATCH = concat!(
    "query udfValueBatch($targetType: UDFTargetType!, $targetIds: [String!]!) { udfValueBatch(targetType: $targetType, targetIds: $targetIds) { targetId data ",
    user_defined_data_selection!(),
    " } }"
);
    SET_UDV_BATCH = concat!(
    "mutation setUdvBatch($targetType: UDFTargetType!, $targetId: String!, $udvList: [UserDefinedDataInput!]) { setUdvBatch(targetType: $targetType, targetId: $targetId, udvList: $udvList) ",
    user_defined_data_selection!(),
    " }"
);
    SET_UDF_VALUE_BATCH = "mutation setUdfValueBatch($targetType: UDFTargetType!, $input: [SetUdfValueBatchInput!]!) { setUdfValueBatch(targetType: $targetType, input: $input) { code message } }";
    SET_UDV = concat!(
    "mutation setUdv($targetType: UDFTargetType!, $targetId: String!, $key: String!, $value: String!) { setUdv(targetType: $targetType, targetId: $targetId, key: $key, value: $value) ",
    user_defined_data_selection!(),
    " }"
);
    REMOVE_UDV = concat!(
    "mutation removeUdv($targetType: UDFTargetType!, $targetId: String!, $key: String!) { removeUdv(targetType: $targetType, targetId: $targetId, key: $key) ",
    user_defined_data_selection!(),
    " }"
);
    // A user's relations: `user(id:) { relation }`, answered as the relation.
    GET_USER_ROLES [nested] = "query getUserRoles($id: String!, $namespace: String) { user(id: $id) { roles(namespace: $namespace) { totalCount list { id code namespace arn description createdAt updatedAt parent { code namespace arn description createdAt updatedAt } } } } }";
    GET_USER_GROUPS [nested] = "query getUserGroups($id: String!) { user(id: $id) { groups { totalCount list { code name description createdAt updatedAt } } } }";
    GET_USER_DEPARTMENTS [nested] = "query getUserDepartments($id: String!, $orgId: String) { user(id: $id) { departments(orgId: $orgId) { totalCount list { department { id orgId name nameI18n description descriptionI18n order code root depth path codePath namePath createdAt updatedAt children } isMainDepartment joinedAt } } } }";
    LIST_USER_AUTHORIZED_RESOURCES [nested] = "query listUserAuthorizedResources($id: String!, $namespace: String, $resourceType: String) { user(id: $id) { authorizedResources(namespace: $namespace, resourceType: $resourceType) { totalCount list { code type actions } } } }";
    // Groups, roles and policies (`authing/v2/management/users.py`).
    ADD_USER_TO_GROUP = concat!(
    "mutation addUserToGroup($userIds: [String!]!, $code: String) { addUserToGroup(userIds: $userIds, code: $code) ",
    common_message_selection!(),
    " }"
);
    REMOVE_USER_FROM_GROUP = concat!(
    "mutation removeUserFromGroup($userIds: [String!]!, $code: String) { removeUserFromGroup(userIds: $userIds, code: $code) ",
    common_message_selection!(),
    " }"
);
    ASSIGN_ROLE = concat!(
    "mutation assignRole($namespace: String, $roleCode: String, $roleCodes: [String], $userIds: [String!], $groupCodes: [String!], $nodeCodes: [String!]) { assignRole(namespace: $namespace, roleCode: $roleCode, roleCodes: $roleCodes, userIds: $userIds, groupCodes: $groupCodes, nodeCodes: $nodeCodes) ",
    common_message_selection!(),
    " }"
);
    REVOKE_ROLE = concat!(
    "mutation revokeRole($namespace: String, $roleCode: String, $roleCodes: [String], $userIds: [String!], $groupCodes: [String!], $nodeCodes: [String!]) { revokeRole(namespace: $namespace, roleCode: $roleCode, roleCodes: $roleCodes, userIds: $userIds, groupCodes: $groupCodes, nodeCodes: $nodeCodes) ",
    common_message_selection!(),
    " }"
);
    POLICY_ASSIGNMENTS = "query policyAssignments($namespace: String, $code: String, $targetType: PolicyAssignmentTargetType, $targetIdentifier: String, $page: Int, $limit: Int) { policyAssignments(namespace: $namespace, code: $code, targetType: $targetType, targetIdentifier: $targetIdentifier, page: $page, limit: $limit) { totalCount list { code targetType targetIdentifier } } }";
    ADD_POLICY_ASSIGNMENTS = concat!(
    "mutation addPolicyAssignments($policies: [String!]!, $targetType: PolicyAssignmentTargetType!, $targetIdentifiers: [String!], $inheritByChildren: Boolean, $namespace: String) { addPolicyAssignments(policies: $policies, targetType: $targetType, targetIdentifiers: $targetIdentifiers, inheritByChildren: $inheritByChildren, namespace: $namespace) ",
    common_message_selection!(),
    " }"
);
    REMOVE_POLICY_ASSIGNMENTS = concat!(
    "mutation removePolicyAssignments($policies: [String!]!, $targetType: PolicyAssignmentTargetType!, $targetIdentifiers: [String!], $namespace: String) { removePolicyAssignments(policies: $policies, targetType: $targetType, targetIdentifiers: $targetIdentifiers, namespace: $namespace) ",
    common_message_selection!(),
    " }"
);
    // User management (`authing/v2/management/users.py`).
    CREATE_USER = concat!(
    "mutation createUser($userInfo: CreateUserInput!, $params: String, $identity: CreateUserIdentityInput, $keepPassword: Boolean, $resetPasswordOnFirstLogin: Boolean) { createUser(userInfo: $userInfo, params: $params, identity: $identity, keepPassword: $keepPassword, resetPasswordOnFirstLogin: $resetPasswordOnFirstLogin) { ",
    user_fields_with_external_id!(),
    " } }"
);
    CREATE_USER_WITH_CUSTOM_DATA = concat!(
    "mutation createUserWithCustomData($userInfo: CreateUserInput!, $keepPassword: Boolean, $params: String) { createUser(userInfo: $userInfo, keepPassword: $keepPassword, params: $params) { ",
    user_fields_with_external_id!(),
    " ",
    custom_data_field!(),
    " } }"
);
    DELETE_USER = concat!(
    "mutation deleteUser($id: String!) { deleteUser(id: $id) ",
    common_message_selection!(),
    " }"
);
    DELETE_USERS = concat!(
    "mutation deleteUsers($ids: [String!]!) { deleteUsers(ids: $ids) ",
    common_message_selection!(),
    " }"
);
    USER_BATCH = concat!(
    "query userBatch($ids: [String!]!, $type: String) { userBatch(ids: $ids, type: $type) { ",
    identities_field!(),
    " ",
    user_fields_with_external_id!(),
    " } }"
);
    USER_BATCH_WITH_CUSTOM_DATA = concat!(
    "query userBatchWithCustomData($ids: [String!]!, $type: String) { userBatch(ids: $ids, type: $type) { ",
    identities_field!(),
    " ",
    user_fields_with_external_id!(),
    " ",
    custom_data_field!(),
    " } }"
);
    USERS = concat!(
    "query users($page: Int, $limit: Int, $sortBy: SortByEnum, $excludeUsersInOrg: Boolean) { users(page: $page, limit: $limit, sortBy: $sortBy, excludeUsersInOrg: $excludeUsersInOrg) { totalCount list { ",
    identities_field!(),
    " ",
    user_fields_with_external_id!(),
    " } } }"
);
    USERS_WITH_CUSTOM_DATA = concat!(
    "query usersWithCustomData($page: Int, $limit: Int, $sortBy: SortByEnum, $excludeUsersInOrg: Boolean) { users(page: $page, limit: $limit, sortBy: $sortBy, excludeUsersInOrg: $excludeUsersInOrg) { totalCount list { id ",
    identities_field!(),
    " arn userPoolId status ",
    user_fields_from_username!(),
    " externalId ",
    custom_data_field!(),
    " } } }"
);
    ARCHIVED_USERS = concat!(
    "query archivedUsers($page: Int, $limit: Int) { archivedUsers(page: $page, limit: $limit) { totalCount list { id arn status userPoolId ",
    user_fields_from_username!(),
    " externalId } } }"
);
    FIND_USER = concat!(
    "query findUser($email: String, $phone: String, $username: String, $externalId: String, $identity: FindUserByIdentityInput) { findUser(email: $email, phone: $phone, username: $username, externalId: $externalId, identity: $identity) { ",
    user_fields_with_external_id!(),
    " } }"
);
    FIND_USER_WITH_CUSTOM_DATA = concat!(
    "query findUserWithCustomData($email: String, $phone: String, $username: String, $externalId: String) { findUser(email: $email, phone: $phone, username: $username, externalId: $externalId) { ",
    user_fields_with_external_id!(),
    " ",
    custom_data_field!(),
    " } }"
);
    SEARCH_USER = concat!(
    "query searchUser($query: String!, $fields: [String], $page: Int, $limit: Int, $departmentOpts: [SearchUserDepartmentOpt], $groupOpts: [SearchUserGroupOpt], $roleOpts: [SearchUserRoleOpt]) { searchUser(query: $query, fields: $fields, page: $page, limit: $limit, departmentOpts: $departmentOpts, groupOpts: $groupOpts, roleOpts: $roleOpts) { totalCount list { ",
    user_fields_with_external_id!(),
    " } } }"
);
    SEARCH_USER_WITH_CUSTOM_DATA = concat!(
    "query searchUserWithCustomData($query: String!, $fields: [String], $page: Int, $limit: Int, $departmentOpts: [SearchUserDepartmentOpt], $groupOpts: [SearchUserGroupOpt], $roleOpts: [SearchUserRoleOpt]) { searchUser(query: $query, fields: $fields, page: $page, limit: $limit, departmentOpts: $departmentOpts, groupOpts: $groupOpts, roleOpts: $roleOpts) { totalCount list { ",
    user_fields_with_external_id!(),
    " ",
    custom_data_field!(),
    " } } }"
);
    SEND_FIRST_LOGIN_VERIFY_EMAIL = concat!(
    "mutation sendFirstLoginVerifyEmail($userId: String!, $appId: String!) { sendFirstLoginVerifyEmail(userId: $userId, appId: $appId) ",
    common_message_selection!(),
    " }"
);
}

// The roles and groups modules' rows (the macros above are in scope there).
mod acl;
mod admin;
mod orgs;
mod rbac;
pub(crate) use acl::*;
pub(crate) use admin::*;
pub(crate) use orgs::*;
pub(crate) use rbac::*;

// ----- Variables several clients build alike -----

/// `params` of the register, login and `createUser` operations: the custom data as a JSON
/// string of `[{"key": k, "value": v}]` (written as the reference's `json.dumps` writes it), or
/// null when there is none (absent or empty, as the reference).
pub(crate) fn custom_data_params(custom_data: Option<&Map<String, Value>>) -> Value {
    match custom_data {
        Some(m) if !m.is_empty() => {
            let list: Vec<Value> = m
                .iter()
                .map(|(k, v)| json!({"key": k, "value": v}))
                .collect();
            Value::String(pyjson::dumps(&Value::Array(list)))
        }
        _ => Value::Null,
    }
}

/// A map sent as a JSON string (`context`, written as the reference's `json.dumps` writes
/// it), or null when absent or empty.
pub(crate) fn json_string(map: Option<&Map<String, Value>>) -> Value {
    match map {
        Some(m) if !m.is_empty() => Value::String(pyjson::dumps(&Value::Object(m.clone()))),
        _ => Value::Null,
    }
}

/// The `udvList` of [`SET_UDV_BATCH`]: `[{"key", "value"}]` in the order `data` yields the
/// pairs (a `serde_json::Map` yields its keys sorted; a list keeps the caller's order, as the
/// reference keeps its dict's), each value JSON-encoded (as `json.dumps` writes it).
/// Errors: `InvalidInput` when there is nothing to set.
pub(crate) fn udv_list<K: AsRef<str>, V: Borrow<Value>>(
    data: impl IntoIterator<Item = (K, V)>,
) -> Result<Vec<Value>> {
    let list: Vec<Value> = data
        .into_iter()
        .map(|(k, v)| json!({"key": k.as_ref(), "value": pyjson::dumps(v.borrow())}))
        .collect();
    if list.is_empty() {
        return Err(Error::invalid_input("no custom data to set")
            .with_context(PROVIDER, SET_UDV_BATCH.name()));
    }
    Ok(list)
}

/// The variables of [`IS_USER_EXISTS`] and [`FIND_USER`]: the identifiers to match.
/// Errors: `InvalidInput` (naming `op`) when none is given.
pub(crate) fn user_lookup_variables(
    op: &GqlOp,
    username: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
    external_id: Option<&str>,
) -> Result<Value> {
    if username.is_none() && email.is_none() && phone.is_none() && external_id.is_none() {
        return Err(
            Error::invalid_input("give a username, e-mail, phone or external id")
                .with_context(PROVIDER, op.name()),
        );
    }
    Ok(json!({"username": username, "email": email, "phone": phone, "externalId": external_id}))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use polyauth_testkit::authing::read_operation;

    use super::*;

    /// The `const fn` reading agrees with a real GraphQL parser (the emulator's, which
    /// dispatches on the same root field and counts calls under the same name) on every row.
    #[test]
    fn every_row_reads_as_a_graphql_parser_reads_it() {
        let mut names = HashSet::new();
        for op in ALL
            .iter()
            .chain(rbac::ALL)
            .chain(admin::ALL)
            .chain(orgs::ALL)
            .chain(acl::ALL)
        {
            let read =
                read_operation(op.document()).unwrap_or_else(|e| panic!("{}: {e}", op.name()));
            assert_eq!(read.name.as_deref(), Some(op.name()));
            assert_eq!(read.root, op.root(), "{}", op.name());
            assert_eq!(read.root_alias, None, "{}", op.name());
            assert_eq!(
                read.is_mutation,
                op.kind == OpKind::Mutation,
                "{}",
                op.name()
            );
            if let Some(field) = op.nested_field() {
                assert_eq!(read.first_selected.as_deref(), Some(field), "{}", op.name());
            }
            assert!(names.insert(op.name()), "two rows named {}", op.name());
        }
    }

    #[test]
    fn kind_name_root_and_nested_field_come_from_the_document() {
        const ROLES: GqlOp =
            GqlOp::parse(" query\n getUserRoles ( $id : String! ) {\n  user(id: $id, x: [1, 2]) , { roles { code } } }")
                .nested();
        assert_eq!(
            (ROLES.name(), ROLES.root(), ROLES.nested_field()),
            ("getUserRoles", "user", Some("roles"))
        );
        assert_eq!(ROLES.idempotency(), Idempotency::Idempotent);
        const BARE: GqlOp = GqlOp::parse("mutation unbindPhone { unbindPhone { id } }");
        assert_eq!((BARE.name(), BARE.root()), ("unbindPhone", "unbindPhone"));
        assert_eq!(BARE.nested_field(), None);
        assert_eq!(BARE.idempotency(), Idempotency::NonIdempotent);
        const SCALAR: GqlOp =
            GqlOp::parse("query queryUser2($e: String) { isUserExists(email: $e) }");
        assert_eq!(
            (SCALAR.name(), SCALAR.root()),
            ("queryUser2", "isUserExists")
        );
        assert_eq!(CREATE_USER_WITH_CUSTOM_DATA.root(), "createUser");
        assert_eq!(
            LIST_USER_AUTHORIZED_RESOURCES.nested_field(),
            Some("authorizedResources")
        );
    }

    /// In a `const` these are compile errors; at run time they panic.
    #[test]
    fn documents_the_table_cannot_hold_are_refused() {
        for document in [
            "subscription s { s }",
            "{ user { id } }",
            "query { user { id } }",
            "query q($a: Int { user }",
            "query q { a: user { id } }",
            "query q { user(name: \"x\") { id } }",
            "query q",
        ] {
            let parsed = std::panic::catch_unwind(|| GqlOp::parse(document));
            assert!(parsed.is_err(), "{document}");
        }
        let scalar = std::panic::catch_unwind(|| IS_USER_EXISTS.nested());
        assert!(
            scalar.is_err(),
            "isUserExists selects nothing under its root"
        );
    }
}
