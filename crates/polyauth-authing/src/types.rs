//! Typed answers of Authing calls.

use polyauth_core::{AccessToken, Error, IdToken, RefreshToken, Result};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

mod acl;
mod admin;
mod apps;
mod orgs;
pub use acl::{
    AccessPolicyTargets, ActionsFilter, ActionsOperator, AllowSubject, ApplicationAccessPolicy,
    AuthorizationTarget, AuthorizedTarget, DefaultAccessStrategy, NamespaceUpdate, NewResource,
    ProgrammaticAccessAccount, Resource, ResourceAction, ResourceNamespace, ResourceUpdate,
};
pub use admin::{
    AuditLogEntry, AuditLogFilter, EnvVariable, FrequencyCheck, PrincipalDetail, PrincipalType,
    UdfDataType, UdfDefinition, UdfTargetType, Userpool, UserpoolUpdate, WhitelistEntry,
    WhitelistSwitches, WhitelistType,
};
pub use apps::{Agreement, Application};
pub use orgs::{NewNode, NodeMembers, NodeTree, Org, OrgNode, OrgTree, OrgTreeNode, SyncProvider};

/// An Authing user (the v2 `User` type: its 49 scalar fields and `externalId`, plus
/// `identities` and `customData` where the call selects them).
///
/// `token` is the user's login token (a JWT) when the call returned one; it is redacted in
/// `Debug` and absent from [`raw`](Self::raw). `custom_data` is the `customData` list turned
/// into a `{key: typed value}` map (see [`UdvItem::typed_value`]).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct User {
    /// User id.
    pub id: String,
    /// Authing resource name.
    pub arn: Option<String>,
    /// User pool id.
    pub user_pool_id: Option<String>,
    /// `Activated`, `Suspended`, `Deactivated`, `Archived`.
    pub status: Option<String>,
    /// Login name.
    pub username: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Whether the e-mail is verified.
    pub email_verified: Option<bool>,
    /// Phone number.
    pub phone: Option<String>,
    /// Whether the phone is verified.
    pub phone_verified: Option<bool>,
    /// Nickname.
    pub nickname: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Avatar URL.
    pub photo: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// External id (from a synchronised directory).
    pub external_id: Option<String>,
    /// Whether the user is blocked.
    pub blocked: Option<bool>,
    /// The login token, when the call issued one.
    pub token: Option<AccessToken>,
    /// When `token` expires (ISO-8601 text as Authing sends it).
    pub token_expired_at: Option<String>,
    /// Number of logins.
    pub logins_count: Option<i64>,
    /// Creation time (ISO-8601 text).
    pub created_at: Option<String>,
    /// Custom data (`customData`), when selected.
    pub custom_data: Option<Map<String, Value>>,
    /// The whole user object as Authing sent it, minus `token` and `password`.
    pub raw: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserFields {
    id: String,
    arn: Option<String>,
    user_pool_id: Option<String>,
    status: Option<String>,
    username: Option<String>,
    email: Option<String>,
    email_verified: Option<bool>,
    phone: Option<String>,
    phone_verified: Option<bool>,
    nickname: Option<String>,
    name: Option<String>,
    photo: Option<String>,
    company: Option<String>,
    external_id: Option<String>,
    blocked: Option<bool>,
    token: Option<String>,
    token_expired_at: Option<String>,
    logins_count: Option<i64>,
    created_at: Option<String>,
    custom_data: Option<Vec<UdvItem>>,
}

impl User {
    /// Builds a user from Authing's JSON. Errors: `Protocol` when `id` is missing.
    pub fn from_json(value: Value) -> Result<User> {
        let fields: UserFields = serde_json::from_value(value.clone()).map_err(|e| {
            Error::protocol("the user object has an unexpected shape").with_source(e)
        })?;
        let mut raw = value;
        if let Value::Object(m) = &mut raw {
            m.remove("token");
            m.remove("password");
        }
        let custom_data = fields.custom_data.map(|items| udv_map(&items));
        if let (Value::Object(m), Some(cd)) = (&mut raw, &custom_data) {
            m.insert("customData".into(), Value::Object(cd.clone()));
        }
        Ok(User {
            id: fields.id,
            arn: fields.arn,
            user_pool_id: fields.user_pool_id,
            status: fields.status,
            username: fields.username,
            email: fields.email,
            email_verified: fields.email_verified,
            phone: fields.phone,
            phone_verified: fields.phone_verified,
            nickname: fields.nickname,
            name: fields.name,
            photo: fields.photo,
            company: fields.company,
            external_id: fields.external_id,
            blocked: fields.blocked,
            token: fields.token.filter(|t| !t.is_empty()).map(AccessToken::new),
            token_expired_at: fields.token_expired_at,
            logins_count: fields.logins_count,
            created_at: fields.created_at,
            custom_data,
            raw,
        })
    }

    /// The explicit session handle of this user: its token and id. `None` when the call
    /// issued no token.
    pub fn session(&self) -> Option<UserSession> {
        self.token
            .clone()
            .map(|t| UserSession::new(t).with_user_id(self.id.clone()))
    }
}

impl<'de> Deserialize<'de> for User {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        User::from_json(v).map_err(|e| serde::de::Error::custom(e.message().to_owned()))
    }
}

/// The end user's session, passed explicitly to every call made on the user's behalf (no
/// "current user" is kept in the client, so one client serves any number of users).
///
/// `user_id` saves the `GET /api/v2/users/me` round trip the calls that need the user's id
/// would otherwise make; build it with [`User::session`] after a login, or with
/// [`UserSession::new`] from a bare token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSession {
    /// The user's token (redacted in `Debug`).
    pub token: AccessToken,
    /// The user's id, when known.
    pub user_id: Option<String>,
}

impl UserSession {
    /// A session from a token alone.
    pub fn new(token: AccessToken) -> Self {
        UserSession {
            token,
            user_id: None,
        }
    }

    /// Records the user id.
    pub fn with_user_id(mut self, id: impl Into<String>) -> Self {
        self.user_id = Some(id.into());
        self
    }
}

impl From<AccessToken> for UserSession {
    fn from(token: AccessToken) -> Self {
        UserSession::new(token)
    }
}

/// `CommonMessage`: `{message, code}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct CommonMessage {
    /// Message text.
    pub message: Option<String>,
    /// Code (200 on success).
    pub code: Option<i64>,
}

/// One user-defined value (`UserDefinedData`). `value` is the wire text; see
/// [`typed_value`](Self::typed_value).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UdvItem {
    /// Key.
    pub key: String,
    /// `STRING`, `NUMBER`, `BOOLEAN`, `DATETIME` or `OBJECT`.
    pub data_type: String,
    /// The value as text on the wire.
    pub value: String,
    /// Label.
    pub label: Option<String>,
}

impl UdvItem {
    /// The value decoded by type: NUMBER, BOOLEAN and OBJECT (and any value that is valid
    /// JSON, since writers JSON-encode every value) are parsed as JSON; DATETIME as a number of
    /// milliseconds when numeric; anything else stays a string.
    pub fn typed_value(&self) -> Value {
        match serde_json::from_str::<Value>(&self.value) {
            Ok(v) if self.data_type != "STRING" || v.is_string() => v,
            _ => Value::String(self.value.clone()),
        }
    }
}

/// The `{key: typed value}` map of a UDV list.
pub fn udv_map(items: &[UdvItem]) -> Map<String, Value> {
    items
        .iter()
        .map(|i| (i.key.clone(), i.typed_value()))
        .collect()
}

/// `JwtTokenStatus`: the answer of `checkLoginStatus`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LoginStatus {
    /// Code (200 when logged in).
    pub code: Option<i64>,
    /// Message.
    pub message: Option<String>,
    /// Whether the token is a live login.
    pub status: Option<bool>,
    /// Expiry, unix seconds.
    pub exp: Option<i64>,
    /// Issue time, unix seconds.
    pub iat: Option<i64>,
    /// Whose token it is.
    pub data: Option<LoginStatusData>,
}

/// The user part of [`LoginStatus`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LoginStatusData {
    /// User id.
    pub id: Option<String>,
    /// User pool id.
    pub user_pool_id: Option<String>,
    /// Resource name.
    pub arn: Option<String>,
}

/// A refreshed user token: `{token, iat, exp}` (unix seconds).
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct RefreshedToken {
    /// The new token.
    pub token: AccessToken,
    /// Issue time, unix seconds.
    pub iat: Option<i64>,
    /// Expiry, unix seconds.
    pub exp: Option<i64>,
}

/// `checkPasswordStrength` and the management `POST /api/v2/password/check`: `{valid, message}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct PasswordStrength {
    /// Whether the password meets the pool's policy.
    pub valid: bool,
    /// Explanation.
    pub message: Option<String>,
}

/// A page: `{totalCount, list}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Paginated<T> {
    /// Total number of items.
    #[serde(default)]
    pub total_count: u64,
    /// The items.
    #[serde(default = "Vec::new")]
    pub list: Vec<T>,
}

/// A role.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Role {
    /// Id.
    pub id: Option<String>,
    /// Role code.
    pub code: String,
    /// Permission group (namespace).
    pub namespace: Option<String>,
    /// Resource name.
    pub arn: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Parent role.
    pub parent: Option<Box<Role>>,
    /// Creation time (ISO-8601 text as Authing sends it).
    pub created_at: Option<String>,
    /// Last change (ISO-8601 text).
    pub updated_at: Option<String>,
}

/// A group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Group {
    /// Group code.
    pub code: String,
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Creation time (ISO-8601 text as Authing sends it).
    pub created_at: Option<String>,
    /// Last change (ISO-8601 text).
    pub updated_at: Option<String>,
}

/// A resource the user is authorized for, with the allowed actions (`order:read`, `order:*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AuthorizedResource {
    /// Resource code.
    pub code: String,
    /// `DATA`, `API`, `MENU`, `UI` or `BUTTON`.
    #[serde(rename = "type")]
    pub resource_type: Option<String>,
    /// Allowed actions.
    #[serde(default)]
    pub actions: Vec<String>,
}

/// Resource types of [`AuthorizedResource`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResourceType {
    /// Data.
    Data,
    /// API.
    Api,
    /// Menu.
    Menu,
    /// UI.
    Ui,
    /// Button.
    Button,
}

/// A department membership (`getUserDepartments` list item).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserDepartment {
    /// The department (`id`, `orgId`, `name`, `code`, `path`, ... as Authing sends them).
    pub department: Map<String, Value>,
    /// Whether it is the user's main department.
    pub is_main_department: Option<bool>,
    /// When the user joined (ISO-8601 text).
    pub joined_at: Option<String>,
}

/// A policy assignment.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PolicyAssignment {
    /// Policy code.
    pub code: String,
    /// `USER`, `ROLE`, ...
    pub target_type: Option<String>,
    /// The target (a user id, a role code).
    pub target_identifier: Option<String>,
}

/// Whom a policy is assigned to (`PolicyAssignmentTargetType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PolicyTargetType {
    /// A user, by id.
    User,
    /// A role, by code.
    Role,
    /// A group, by code.
    Group,
    /// An organization node, by id.
    Org,
}

/// Whether a policy statement allows or denies its actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PolicyEffect {
    /// The actions are allowed.
    Allow,
    /// The actions are denied.
    Deny,
}

/// A condition of a policy statement (`{param, operator, value}`, for example
/// `{"AppId", "StringEquals", "app-1"}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PolicyCondition {
    /// The request parameter tested.
    pub param: String,
    /// The comparison.
    pub operator: String,
    /// The value compared with.
    pub value: String,
}

impl PolicyCondition {
    /// A condition.
    pub fn new(
        param: impl Into<String>,
        operator: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        PolicyCondition {
            param: param.into(),
            operator: operator.into(),
            value: value.into(),
        }
    }
}

/// One statement of a policy: the actions on a resource it allows or denies (both the
/// `PolicyStatementInput` sent and the statement answered). Unset fields are not sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PolicyStatement {
    /// The resource (`books:*`).
    pub resource: String,
    /// The actions (`books:read`).
    pub actions: Vec<String>,
    /// Allow or deny (Authing's default is allow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<PolicyEffect>,
    /// Conditions under which the statement applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Vec<PolicyCondition>>,
}

impl PolicyStatement {
    /// A statement on `resource` with these actions and no effect or condition set.
    pub fn new(resource: impl Into<String>, actions: &[&str]) -> Self {
        PolicyStatement {
            resource: resource.into(),
            actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            effect: None,
            condition: None,
        }
    }

    /// The same statement with an effect.
    pub fn with_effect(mut self, effect: PolicyEffect) -> Self {
        self.effect = Some(effect);
        self
    }

    /// The same statement with a condition added.
    pub fn with_condition(mut self, condition: PolicyCondition) -> Self {
        self.condition.get_or_insert_with(Vec::new).push(condition);
        self
    }
}

/// A policy: named statements that can be assigned to users, roles, groups and
/// organization nodes.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Policy {
    /// Policy code.
    pub code: String,
    /// Permission group (namespace).
    pub namespace: Option<String>,
    /// Whether it is one of Authing's built-in policies (not selected by every call).
    pub is_default: Option<bool>,
    /// Description.
    pub description: Option<String>,
    /// The statements.
    #[serde(default)]
    pub statements: Vec<PolicyStatement>,
    /// How many assignments it has (answered by `createPolicy` only).
    pub assignments_count: Option<u64>,
    /// Creation time (ISO-8601 text as Authing sends it).
    pub created_at: Option<String>,
    /// Last change (ISO-8601 text).
    pub updated_at: Option<String>,
}

/// One entry of `udfValueBatch`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UdfValueBatchItem {
    /// The target's id (a user id, a role id).
    pub target_id: String,
    /// Its values.
    #[serde(default)]
    pub data: Vec<UdvItem>,
}

/// E-mail scenes of `sendEmail`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EmailScene {
    /// Reset-password code.
    ResetPassword,
    /// E-mail verification link.
    VerifyEmail,
    /// Change-e-mail code.
    ChangeEmail,
    /// MFA code.
    MfaVerify,
    /// A general verification code (bind e-mail, ...).
    VerifyCode,
}

/// An OAuth 2.0 / OIDC token endpoint answer.
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct OidcTokens {
    /// Access token.
    pub access_token: AccessToken,
    /// OIDC id token.
    pub id_token: Option<IdToken>,
    /// Refresh token (with the `offline_access` scope).
    pub refresh_token: Option<RefreshToken>,
    /// Lifetime of the access token, seconds.
    pub expires_in: Option<u64>,
    /// Normally `Bearer`.
    pub token_type: Option<String>,
    /// Granted scopes.
    pub scope: Option<String>,
}

impl From<polyauth_core::TokenSet> for OidcTokens {
    /// The engine's token set in the reference SDK's shape; `expires_in` is counted from now
    /// (whole seconds, rounded up).
    fn from(t: polyauth_core::TokenSet) -> Self {
        let expires_in = t.expires_at.map(|at| {
            let left = at
                .duration_since(std::time::SystemTime::now())
                .unwrap_or_default();
            left.as_millis().div_ceil(1000) as u64
        });
        OidcTokens {
            access_token: t.access_token,
            id_token: t.id_token,
            refresh_token: t.refresh_token,
            expires_in,
            token_type: Some(t.token_type),
            scope: t.scope,
        }
    }
}

/// The state of a user's security settings (`GET /api/v2/users/me/security-level`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SecurityLevel {
    /// Score.
    pub score: Option<i64>,
    /// E-mail bound.
    pub email: Option<bool>,
    /// Phone bound.
    pub phone: Option<bool>,
    /// Password set.
    pub password: Option<bool>,
    /// Password strength level.
    pub password_security_level: Option<i64>,
    /// MFA enabled.
    pub mfa: Option<bool>,
}

pub(crate) fn paged_users(p: Paginated<Value>) -> Result<Paginated<User>> {
    Ok(Paginated {
        total_count: p.total_count,
        list: p
            .list
            .into_iter()
            .map(User::from_json)
            .collect::<Result<Vec<_>>>()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn udv_values_decode_by_type() {
        let item = |t: &str, v: &str| UdvItem {
            key: "k".into(),
            data_type: t.into(),
            value: v.into(),
            label: None,
        };
        assert_eq!(item("NUMBER", "12").typed_value(), serde_json::json!(12));
        assert_eq!(
            item("BOOLEAN", "true").typed_value(),
            serde_json::json!(true)
        );
        assert_eq!(
            item("STRING", "\"abc\"").typed_value(),
            serde_json::json!("abc")
        );
        assert_eq!(
            item("STRING", "abc").typed_value(),
            serde_json::json!("abc")
        );
        assert_eq!(item("STRING", "12").typed_value(), serde_json::json!("12"));
        assert_eq!(
            item("OBJECT", "{\"a\":1}").typed_value(),
            serde_json::json!({"a": 1})
        );
    }

    #[test]
    fn user_hides_token_and_password() {
        let u = User::from_json(serde_json::json!({
            "id": "u1", "token": "tok-secret", "password": "hash",
            "customData": [{"key": "age", "dataType": "NUMBER", "value": "3", "label": null}]
        }))
        .unwrap();
        assert!(!format!("{u:?}").contains("tok-secret"));
        assert!(u.raw.get("token").is_none() && u.raw.get("password").is_none());
        assert_eq!(u.custom_data.as_ref().unwrap()["age"], 3);
        assert_eq!(u.session().unwrap().user_id.as_deref(), Some("u1"));
    }
}
