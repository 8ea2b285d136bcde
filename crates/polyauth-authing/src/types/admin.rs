//! Types of the pool-administration modules: custom-data field definitions (`udf`).

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
