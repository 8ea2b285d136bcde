//! Types of the pool-administration modules: custom-data field definitions (`udf`), the
//! pool's settings and environment variables (`user_pool`), the registration whitelist
//! (`white_list`), the audit log (`audit_log`) and principal authentication.

use serde::{Deserialize, Serialize};

/// What a custom-data field belongs to (Authing's `UDFTargetType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UdfTargetType {
    /// Users (values by user id).
    User,
    /// Roles (values by role id).
    Role,
    /// Organization nodes.
    Node,
    /// Organizations.
    Org,
    /// The user pool itself.
    Userpool,
    /// Permissions.
    Permission,
    /// Applications.
    Application,
}

impl UdfTargetType {
    /// The name Authing gives the type on the wire (`USER`, `ROLE`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "USER",
            Self::Role => "ROLE",
            Self::Node => "NODE",
            Self::Org => "ORG",
            Self::Userpool => "USERPOOL",
            Self::Permission => "PERMISSION",
            Self::Application => "APPLICATION",
        }
    }
}

/// The type of a custom-data field's values (Authing's `UDFDataType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UdfDataType {
    /// Text.
    String,
    /// A number.
    Number,
    /// A date and time.
    Datetime,
    /// A boolean.
    Boolean,
    /// A JSON object.
    Object,
}

/// A custom-data field definition (`UserDefinedField`): the `udf` list item and what
/// `setUdf` answers.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UdfDefinition {
    /// What the field belongs to.
    pub target_type: UdfTargetType,
    /// The type of its values.
    pub data_type: UdfDataType,
    /// The field's key (unique per target type).
    pub key: String,
    /// Its human-readable label.
    pub label: Option<String>,
    /// Options text (for example the choices of a select field), as Authing keeps it.
    pub options: Option<String>,
}

/// A frequency check of the pool's settings (`loginFailCheck`, `frequentRegisterCheck`,
/// ...): at most `limit` attempts from one IP within `time_interval` seconds when `enabled`.
/// In an update, fields left `None` are not sent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FrequencyCheck {
    /// The window, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_interval: Option<i64>,
    /// Attempts allowed in the window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    /// Whether the check is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// Which registration whitelists are on (`whitelist` of the pool's settings). In an update,
/// fields left `None` are not sent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WhitelistSwitches {
    /// The phone-number whitelist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_enabled: Option<bool>,
    /// The email whitelist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_enabled: Option<bool>,
    /// The username whitelist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username_enabled: Option<bool>,
}

/// The user pool's settings (`UserPool`), as `userpools/detail` and `updateUserpool` answer
/// them: the common settings typed, every other field Authing sends in `extra`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Userpool {
    /// The pool id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// The second-level domain of its application panel.
    pub domain: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// Its logo URL.
    pub logo: Option<String>,
    /// When it was made (ISO-8601 text).
    pub created_at: Option<String>,
    /// When it last changed.
    pub updated_at: Option<String>,
    /// New users' email counts as verified.
    pub email_verified_default: Option<bool>,
    /// A welcome email goes to new users.
    pub send_welcome_email: Option<bool>,
    /// Only administrators create accounts.
    pub register_disabled: Option<bool>,
    /// Single sign-on between the pool's applications.
    pub app_sso_enabled: Option<bool>,
    /// The origins allowed to call Authing from JavaScript, one per line.
    pub allowed_origins: Option<String>,
    /// Token lifetime, in seconds.
    pub token_expires_after: Option<i64>,
    /// Repeated registration from one IP.
    pub frequent_register_check: Option<FrequencyCheck>,
    /// Repeated failed logins from one IP.
    pub login_fail_check: Option<FrequencyCheck>,
    /// Repeated wrong passwords.
    pub login_password_fail_check: Option<FrequencyCheck>,
    /// What happens after failed logins (`captcha`, `block-account`, ...).
    pub login_fail_strategy: Option<String>,
    /// Which registration whitelists are on.
    pub whitelist: Option<WhitelistSwitches>,
    /// The length of verification codes.
    pub verify_code_length: Option<i64>,
    /// Every other field Authing sends (secrets, strategies, types, custom SMS provider,
    /// ...), as it sends them.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Changes to the pool's settings (`UpdateUserpoolInput`); fields left `None` are not sent
/// and stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserpoolUpdate {
    /// Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Logo URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo: Option<String>,
    /// Second-level domain of the application panel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New users' email counts as verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_verified_default: Option<bool>,
    /// Single sign-on between the pool's applications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_sso_enabled: Option<bool>,
    /// A welcome email goes to new users.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_welcome_email: Option<bool>,
    /// Only administrators create accounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub register_disabled: Option<bool>,
    /// Allowed origins, one per line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_origins: Option<String>,
    /// Registration whitelists to switch on or off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub whitelist: Option<WhitelistSwitches>,
    /// Token lifetime, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_expires_after: Option<i64>,
    /// Repeated failed logins from one IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_fail_check: Option<FrequencyCheck>,
    /// Repeated registration from one IP.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequent_register_check: Option<FrequencyCheck>,
}

impl UserpoolUpdate {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// An environment variable of the pool (`/api/v2/env`), usable from pipeline functions.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct EnvVariable {
    /// Its key.
    pub key: String,
    /// Its value (any JSON value).
    pub value: serde_json::Value,
}

/// The kind of a registration whitelist (Authing's `WhitelistType`, whose values are spelt
/// `USERNAME`, `Email` and `Phone`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WhitelistType {
    /// Usernames.
    #[serde(rename = "USERNAME")]
    Username,
    /// Email addresses.
    #[serde(rename = "Email")]
    Email,
    /// Phone numbers.
    #[serde(rename = "Phone")]
    Phone,
}

impl WhitelistType {
    /// The switch of the pool's settings that turns this whitelist on or off.
    pub fn switch(self, on: bool) -> WhitelistSwitches {
        let mut s = WhitelistSwitches::default();
        match self {
            Self::Username => s.username_enabled = Some(on),
            Self::Email => s.email_enabled = Some(on),
            Self::Phone => s.phone_enabled = Some(on),
        }
        s
    }
}

/// A whitelist entry (`WhiteList`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WhitelistEntry {
    /// The username, email address or phone number allowed.
    pub value: String,
    /// When it was added.
    pub created_at: Option<String>,
    /// When it last changed.
    pub updated_at: Option<String>,
}

/// Filters of the audit log (`GET /api/v2/analysis/audit`); empty filters are not sent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditLogFilter {
    /// The client IP of the requests (`clientip`).
    pub client_ip: Option<String>,
    /// Operation names (`operation_name`, one query pair each).
    pub operation_names: Vec<String>,
    /// The operators' user ids (sent as `operator_arn=arn:cn:authing:user:<id>`).
    pub user_ids: Vec<String>,
    /// Application ids (`app_id`).
    pub app_ids: Vec<String>,
}

/// An audit-log entry: who did what from where; every field Authing sends that polyauth
/// does not name is kept in `extra`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuditLogEntry {
    /// The operation (`operationName`).
    pub operation_name: Option<String>,
    /// The operator (`operatorArn`, `arn:cn:authing:user:<id>`).
    pub operator_arn: Option<String>,
    /// The client IP.
    pub client_ip: Option<String>,
    /// The application.
    pub app_id: Option<String>,
    /// When it happened (ISO-8601 text).
    pub created_at: Option<String>,
    /// Every other field, as Authing sends it.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Whom a principal authentication proves: a person or an enterprise (sent as `P` or `E`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PrincipalType {
    /// A person: `id_card` is the identity card number, `ext` a bank card number.
    #[serde(rename = "P")]
    Person,
    /// An enterprise: `id_card` is the unified social credit code, `ext` the legal
    /// representative's name.
    #[serde(rename = "E")]
    Enterprise,
}

impl PrincipalType {
    /// `P` or `E`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "P",
            Self::Enterprise => "E",
        }
    }
}

/// A user's principal authentication (real-name or enterprise verification); every field
/// Authing sends that polyauth does not name is kept in `extra`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PrincipalDetail {
    /// Person or enterprise.
    #[serde(rename = "type")]
    pub kind: Option<PrincipalType>,
    /// The person's or enterprise's name.
    pub name: Option<String>,
    /// The identity card number or credit code.
    pub id_card: Option<String>,
    /// The bank card number or legal representative.
    pub ext: Option<String>,
    /// When it was made.
    pub created_at: Option<String>,
    /// Every other field, as Authing sends it.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}
