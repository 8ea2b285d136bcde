//! Field mappings between the auth center's user fields and a legacy user table's columns.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use polyauth_core::{Error, Result};
use serde::Deserialize;
use serde_json::{Map, Value};

/// A user as a JSON object: auth-center field names on one side, legacy column names on the
/// other.
pub type Record = Map<String, Value>;

/// The function behind a [`Transform`]: takes the value (JSON `null` when the source has none
/// and the mapping has no default) and returns the converted value (`null` = write nothing) or
/// a message saying why the value cannot be converted.
pub type TransformFn = dyn Fn(Value) -> std::result::Result<Value, String> + Send + Sync;

/// A named value conversion applied by a [`FieldMapping`] in one direction.
///
/// Build one from a closure with [`Transform::new`] or pick a built-in by name with
/// [`Transform::named`] (the names a TOML mapping file uses).
#[derive(Clone)]
pub struct Transform {
    name: Cow<'static, str>,
    f: Arc<TransformFn>,
}

impl fmt::Debug for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Transform").field(&self.name).finish()
    }
}

/// The built-in transform names accepted by [`Transform::named`].
pub const BUILTIN_TRANSFORMS: &[&str] = &[
    "trim",
    "lowercase",
    "uppercase",
    "string",
    "integer",
    "boolean",
    "empty_as_null",
];

impl Transform {
    /// A transform called `name` (used in error messages) running `f`.
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        f: impl Fn(Value) -> std::result::Result<Value, String> + Send + Sync + 'static,
    ) -> Self {
        Transform {
            name: name.into(),
            f: Arc::new(f),
        }
    }

    /// A built-in transform. `null` passes through every one of them unchanged.
    ///
    /// - `trim`, `lowercase`, `uppercase`: text only (other values fail);
    /// - `string`: numbers and booleans to text, text unchanged;
    /// - `integer`: integers unchanged, integral text (`" 42 "`) parsed, booleans to 0/1;
    /// - `boolean`: booleans unchanged, 0/1 and `true`/`false`/`yes`/`no`/`1`/`0` text;
    /// - `empty_as_null`: an empty or blank text becomes `null` (so nothing is written).
    ///
    /// Errors: `InvalidInput` for an unknown name.
    pub fn named(name: &str) -> Result<Self> {
        let f: fn(Value) -> std::result::Result<Value, String> = match name {
            "trim" => |v| text_op(v, |s| s.trim().to_owned()),
            "lowercase" => |v| text_op(v, |s| s.to_lowercase()),
            "uppercase" => |v| text_op(v, |s| s.to_uppercase()),
            "string" => |v| match v {
                Value::Number(n) => Ok(Value::String(n.to_string())),
                Value::Bool(b) => Ok(Value::String(b.to_string())),
                Value::Null | Value::String(_) => Ok(v),
                _ => Err("not a scalar value".to_owned()),
            },
            "integer" => |v| match v {
                Value::Number(ref n) if n.is_i64() || n.is_u64() => Ok(v),
                Value::String(s) => s
                    .trim()
                    .parse::<i64>()
                    .map(Value::from)
                    .map_err(|_| "not an integer".to_owned()),
                Value::Bool(b) => Ok(Value::from(i64::from(b))),
                Value::Null => Ok(Value::Null),
                _ => Err("not an integer".to_owned()),
            },
            "boolean" => |v| match v {
                Value::Bool(_) | Value::Null => Ok(v),
                Value::Number(n) if n.as_i64() == Some(0) => Ok(Value::Bool(false)),
                Value::Number(n) if n.as_i64() == Some(1) => Ok(Value::Bool(true)),
                Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                    "true" | "yes" | "1" => Ok(Value::Bool(true)),
                    "false" | "no" | "0" => Ok(Value::Bool(false)),
                    _ => Err("not a boolean".to_owned()),
                },
                _ => Err("not a boolean".to_owned()),
            },
            "empty_as_null" => |v| match v {
                Value::String(s) if s.trim().is_empty() => Ok(Value::Null),
                other => Ok(other),
            },
            _ => {
                return Err(Error::invalid_input(format!(
                    "unknown transform {name:?} (known: {})",
                    BUILTIN_TRANSFORMS.join(", ")
                )));
            }
        };
        Ok(Transform::new(name.to_owned(), f))
    }

    /// The transform's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Applies the transform. Errors: the transform's message.
    pub fn apply(&self, value: Value) -> std::result::Result<Value, String> {
        (self.f)(value)
    }
}

fn text_op(v: Value, op: impl Fn(&str) -> String) -> std::result::Result<Value, String> {
    match v {
        Value::String(s) => Ok(Value::String(op(&s))),
        Value::Null => Ok(Value::Null),
        _ => Err("not a text value".to_owned()),
    }
}

/// How one auth-center field corresponds to one legacy column (the reference's
/// `FieldMapping`).
///
/// Mapping rules, the same in both directions (only source and destination swap):
/// 1. read the source field; an absent field and JSON `null` are the same;
/// 2. when it has no value: a `required` mapping without a default is an error, otherwise the
///    value becomes the default (or `null`);
/// 3. the direction's transform, when set, runs on the value (even on a default or `null`);
/// 4. the destination field is written only when the result is not `null`.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FieldMapping {
    /// The auth center's field name (`username`, `email`, ...).
    pub auth_field: String,
    /// The legacy column name.
    pub legacy_field: String,
    /// Conversion when writing the legacy side (auth → legacy).
    pub transform_to_legacy: Option<Transform>,
    /// Conversion when writing the auth side (legacy → auth).
    pub transform_to_auth: Option<Transform>,
    /// Whether a user without this field is an error (unless there is a default).
    pub required: bool,
    /// The value used when the source has none.
    pub default_value: Option<Value>,
}

impl FieldMapping {
    /// An optional mapping without transforms or default.
    pub fn new(auth_field: impl Into<String>, legacy_field: impl Into<String>) -> Self {
        FieldMapping {
            auth_field: auth_field.into(),
            legacy_field: legacy_field.into(),
            transform_to_legacy: None,
            transform_to_auth: None,
            required: false,
            default_value: None,
        }
    }

    /// Marks the mapping required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Sets the default value.
    pub fn with_default(mut self, value: impl Into<Value>) -> Self {
        self.default_value = Some(value.into());
        self
    }

    /// Sets the auth → legacy transform.
    pub fn with_transform_to_legacy(mut self, t: Transform) -> Self {
        self.transform_to_legacy = Some(t);
        self
    }

    /// Sets the legacy → auth transform.
    pub fn with_transform_to_auth(mut self, t: Transform) -> Self {
        self.transform_to_auth = Some(t);
        self
    }
}

/// The reference's default mappings, all identity: `username` (required), `email`,
/// `nickname`, `phone`, `avatar`, `company`, `department`.
pub fn create_default_field_mappings() -> Vec<FieldMapping> {
    let mut v = vec![FieldMapping::new("username", "username").required()];
    for f in [
        "email",
        "nickname",
        "phone",
        "avatar",
        "company",
        "department",
    ] {
        v.push(FieldMapping::new(f, f));
    }
    v
}

/// Maps an auth-center user (auth field names) to legacy columns.
///
/// Errors: `InvalidInput` naming the field when a required field is missing or a transform
/// fails.
pub fn map_auth_to_legacy(mappings: &[FieldMapping], auth: &Record) -> Result<Record> {
    map(mappings, auth, true)
}

/// Maps a legacy user (column names) to auth-center fields.
///
/// Errors: `InvalidInput` naming the column when a required column is missing or a transform
/// fails.
pub fn map_legacy_to_auth(mappings: &[FieldMapping], legacy: &Record) -> Result<Record> {
    map(mappings, legacy, false)
}

fn map(mappings: &[FieldMapping], src: &Record, to_legacy: bool) -> Result<Record> {
    let mut out = Record::new();
    for m in mappings {
        let (from, to, transform) = if to_legacy {
            (&m.auth_field, &m.legacy_field, &m.transform_to_legacy)
        } else {
            (&m.legacy_field, &m.auth_field, &m.transform_to_auth)
        };
        let mut value = match src.get(from) {
            Some(v) if !v.is_null() => v.clone(),
            _ => match (&m.default_value, m.required) {
                (Some(d), _) => d.clone(),
                (None, true) => {
                    return Err(Error::invalid_input(format!(
                        "required field '{from}' is missing"
                    )));
                }
                (None, false) => Value::Null,
            },
        };
        if let Some(t) = transform {
            value = t.apply(value).map_err(|msg| {
                Error::invalid_input(format!(
                    "transform '{}' of field '{from}' failed: {msg}",
                    t.name()
                ))
            })?;
        }
        if !value.is_null() {
            out.insert(to.clone(), value);
        }
    }
    Ok(out)
}

/// A [`FieldMapping`] as written in a configuration file (TOML or JSON):
///
/// ```toml
/// [[mapping]]
/// auth = "username"
/// legacy = "login_name"
/// required = true
/// to_auth = "lowercase"      # a built-in transform name (see Transform::named)
/// # to_legacy = "trim"
/// # default = "n/a"
/// ```
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct FieldMappingSpec {
    /// The auth center's field name.
    pub auth: String,
    /// The legacy column name.
    pub legacy: String,
    /// Whether the field is required.
    #[serde(default)]
    pub required: bool,
    /// The default value.
    #[serde(default)]
    pub default: Option<Value>,
    /// A built-in transform name for legacy → auth.
    #[serde(default)]
    pub to_auth: Option<String>,
    /// A built-in transform name for auth → legacy.
    #[serde(default)]
    pub to_legacy: Option<String>,
}

impl FieldMappingSpec {
    /// The mapping. Errors: `InvalidInput` for an empty field name or an unknown transform.
    pub fn into_mapping(self) -> Result<FieldMapping> {
        if self.auth.trim().is_empty() || self.legacy.trim().is_empty() {
            return Err(Error::invalid_input(
                "a field mapping needs non-empty `auth` and `legacy` names",
            ));
        }
        let mut m = FieldMapping::new(self.auth, self.legacy);
        m.required = self.required;
        m.default_value = self.default;
        m.transform_to_auth = self.to_auth.as_deref().map(Transform::named).transpose()?;
        m.transform_to_legacy = self
            .to_legacy
            .as_deref()
            .map(Transform::named)
            .transpose()?;
        Ok(m)
    }
}
