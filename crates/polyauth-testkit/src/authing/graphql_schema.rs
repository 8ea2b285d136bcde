//! What the emulator checks of a request against Authing's schema before resolving it, as a
//! GraphQL server validates: required variables are given, variable values fit their declared
//! types (scalars, lists, the enums below), every variable used is declared, and for the root
//! fields of `FIELDS` (and the fields they select below) the arguments exist, required ones
//! are given and a variable's type fits its argument's. A failure is the message a GraphQL
//! server answers (HTTP 400, `{"errors": [{"message"}]}`).

use graphql_parser::query as q;
use serde_json::{Map, Value};

/// `(field, [(argument, type)])`; nested fields as `Parent.field`.
type FieldArgs = (&'static str, &'static [(&'static str, &'static str)]);

const ROLE_CHANGE: &[(&str, &str)] = &[
    ("namespace", "String"),
    ("roleCode", "String"),
    ("roleCodes", "[String]"),
    ("userIds", "[String!]"),
    ("groupCodes", "[String!]"),
    ("nodeCodes", "[String!]"),
];
const GROUP_MEMBERS: &[(&str, &str)] = &[("userIds", "[String!]!"), ("code", "String")];
const PAGE: &[(&str, &str)] = &[("page", "Int"), ("limit", "Int")];
/// `code` and `namespace`: a role or a policy by code.
const ROLE_BY_CODE: &[(&str, &str)] = &[("code", "String!"), ("namespace", "String")];
const WHITELIST_CHANGE: &[(&str, &str)] = &[("type", "WhitelistType!"), ("list", "[String!]!")];
const SWITCH_ASSIGNMENT: &[(&str, &str)] = &[
    ("policy", "String!"),
    ("targetType", "PolicyAssignmentTargetType!"),
    ("targetIdentifier", "String!"),
    ("namespace", "String"),
];

/// The arguments of the fields the roles, groups and policies modules use.
const FIELDS: &[FieldArgs] = &[
    (
        "roles",
        &[
            ("namespace", "String"),
            ("page", "Int"),
            ("limit", "Int"),
            ("sortBy", "SortByEnum"),
        ],
    ),
    (
        "createRole",
        &[
            ("namespace", "String"),
            ("code", "String!"),
            ("description", "String"),
            ("parent", "String"),
        ],
    ),
    ("role", ROLE_BY_CODE),
    ("Role.users", PAGE),
    ("Role.authorizedResources", &[("resourceType", "String")]),
    (
        "updateRole",
        &[
            ("code", "String!"),
            ("description", "String"),
            ("newCode", "String"),
            ("namespace", "String"),
        ],
    ),
    ("deleteRole", ROLE_BY_CODE),
    (
        "deleteRoles",
        &[("codeList", "[String!]!"), ("namespace", "String")],
    ),
    ("assignRole", ROLE_CHANGE),
    ("revokeRole", ROLE_CHANGE),
    (
        "groups",
        &[
            ("userId", "String"),
            ("page", "Int"),
            ("limit", "Int"),
            ("sortBy", "SortByEnum"),
        ],
    ),
    (
        "createGroup",
        &[
            ("code", "String!"),
            ("name", "String!"),
            ("description", "String"),
        ],
    ),
    ("group", &[("code", "String!")]),
    ("Group.users", PAGE),
    (
        "Group.authorizedResources",
        &[("namespace", "String"), ("resourceType", "String")],
    ),
    (
        "updateGroup",
        &[
            ("code", "String!"),
            ("name", "String"),
            ("description", "String"),
            ("newCode", "String"),
        ],
    ),
    ("deleteGroups", &[("codeList", "[String!]!")]),
    ("addUserToGroup", GROUP_MEMBERS),
    ("removeUserFromGroup", GROUP_MEMBERS),
    (
        "policies",
        &[("page", "Int"), ("limit", "Int"), ("namespace", "String")],
    ),
    (
        "createPolicy",
        &[
            ("namespace", "String"),
            ("code", "String!"),
            ("description", "String"),
            ("statements", "[PolicyStatementInput!]!"),
        ],
    ),
    ("policy", ROLE_BY_CODE),
    (
        "updatePolicy",
        &[
            ("namespace", "String"),
            ("code", "String!"),
            ("description", "String"),
            ("statements", "[PolicyStatementInput!]"),
            ("newCode", "String"),
        ],
    ),
    ("deletePolicy", ROLE_BY_CODE),
    (
        "deletePolicies",
        &[("codeList", "[String!]!"), ("namespace", "String")],
    ),
    (
        "policyAssignments",
        &[
            ("namespace", "String"),
            ("code", "String"),
            ("targetType", "PolicyAssignmentTargetType"),
            ("targetIdentifier", "String"),
            ("page", "Int"),
            ("limit", "Int"),
        ],
    ),
    (
        "addPolicyAssignments",
        &[
            ("policies", "[String!]!"),
            ("targetType", "PolicyAssignmentTargetType!"),
            ("targetIdentifiers", "[String!]"),
            ("inheritByChildren", "Boolean"),
            ("namespace", "String"),
        ],
    ),
    (
        "removePolicyAssignments",
        &[
            ("policies", "[String!]!"),
            ("targetType", "PolicyAssignmentTargetType!"),
            ("targetIdentifiers", "[String!]"),
            ("namespace", "String"),
        ],
    ),
    ("enablePolicyAssignment", SWITCH_ASSIGNMENT),
    ("disbalePolicyAssignment", SWITCH_ASSIGNMENT),
    ("udf", &[("targetType", "UDFTargetType!")]),
    (
        "setUdf",
        &[
            ("targetType", "UDFTargetType!"),
            ("key", "String!"),
            ("dataType", "UDFDataType!"),
            ("label", "String!"),
            ("options", "String"),
        ],
    ),
    (
        "removeUdf",
        &[("targetType", "UDFTargetType!"), ("key", "String!")],
    ),
    ("updateUserpool", &[("input", "UpdateUserpoolInput!")]),
    ("whitelist", &[("type", "WhitelistType!")]),
    ("addWhitelist", WHITELIST_CHANGE),
    ("removeWhitelist", WHITELIST_CHANGE),
];

/// The type a root field answers, for the arguments of the fields it selects.
fn object_of(root: &str) -> Option<&'static str> {
    match root {
        "role" => Some("Role"),
        "group" => Some("Group"),
        other => super::graphql_orgs::object_of(other),
    }
}

/// The values of the enums the checked operations use.
fn enum_values(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "SortByEnum" => &[
            "CREATEDAT_DESC",
            "CREATEDAT_ASC",
            "UPDATEDAT_DESC",
            "UPDATEDAT_ASC",
        ],
        "PolicyAssignmentTargetType" => &["USER", "ROLE", "GROUP", "ORG", "AK_SK"],
        "UDFTargetType" => &[
            "NODE",
            "ORG",
            "USER",
            "USERPOOL",
            "ROLE",
            "PERMISSION",
            "APPLICATION",
        ],
        "UDFDataType" => &["STRING", "NUMBER", "DATETIME", "BOOLEAN", "OBJECT"],
        // Authing's own spelling of the values.
        "WhitelistType" => &["USERNAME", "Email", "Phone"],
        other => return super::graphql_acl::enum_values(other),
    })
}

/// A type as GraphQL writes it (`[String!]!`).
fn type_text(t: &q::Type<'_, String>) -> String {
    match t {
        q::Type::NamedType(n) => n.clone(),
        q::Type::ListType(inner) => format!("[{}]", type_text(inner)),
        q::Type::NonNullType(inner) => format!("{}!", type_text(inner)),
    }
}

/// Whether `value` fits type `t` (`type_text` form) as an input; null fits a nullable type.
fn fits(value: &Value, t: &str) -> bool {
    if let Some(inner) = t.strip_suffix('!') {
        return !value.is_null() && fits(value, inner);
    }
    if value.is_null() {
        return true;
    }
    if let Some(item) = t.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return match value {
            Value::Array(items) => items.iter().all(|i| fits(i, item)),
            // Input coercion takes a single value for a list of one.
            single => fits(single, item),
        };
    }
    match t {
        "String" => value.is_string(),
        "ID" => value.is_string() || value.is_i64(),
        "Int" => value.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
        "Float" => value.is_number(),
        "Boolean" => value.is_boolean(),
        other => match enum_values(other) {
            Some(values) => value.as_str().is_some_and(|v| values.contains(&v)),
            // An input object of the acl fields is checked field by field; any value fits
            // another input object or a scalar the emulator does not know.
            None => super::graphql_acl::input_fits(value, other, fits),
        },
    }
}

/// Whether a variable of type `var` may be used where `arg` is expected: the same named
/// type and list nesting, non-null where the argument is non-null.
fn usable(var: &str, arg: &str) -> bool {
    match (var.strip_suffix('!'), arg.strip_suffix('!')) {
        (Some(v), Some(a)) => usable(v, a),
        (Some(v), None) => usable(v, arg),
        (None, Some(_)) => false,
        (None, None) => {
            let list = |t: &str| {
                t.strip_prefix('[')
                    .and_then(|r| r.strip_suffix(']'))
                    .map(str::to_owned)
            };
            match (list(var), list(arg)) {
                (Some(v), Some(a)) => usable(&v, &a),
                (None, None) => var == arg,
                _ => false,
            }
        }
    }
}

fn field_args(name: &str) -> Option<&'static [(&'static str, &'static str)]> {
    FIELDS
        .iter()
        .chain(super::graphql_orgs::FIELDS)
        .chain(super::graphql_acl::FIELDS)
        .find(|(f, _)| *f == name)
        .map(|(_, a)| *a)
}

/// The variables a value refers to.
fn variables_in<'v>(v: &'v q::Value<'_, String>, out: &mut Vec<&'v str>) {
    match v {
        q::Value::Variable(name) => out.push(name),
        q::Value::List(items) => items.iter().for_each(|i| variables_in(i, out)),
        q::Value::Object(o) => o.values().for_each(|i| variables_in(i, out)),
        _ => {}
    }
}

/// Checks a field's arguments against `schema_name`'s (when the table has it) and that the
/// variables they use are declared; then the fields it selects.
fn check_field(
    field: &q::Field<'_, String>,
    schema_name: &str,
    declared: &[(String, String)],
    operation: &str,
) -> Result<(), String> {
    let known = field_args(schema_name);
    for (arg, value) in &field.arguments {
        let mut used = Vec::new();
        variables_in(value, &mut used);
        for var in used {
            let Some((_, var_type)) = declared.iter().find(|(n, _)| n == var) else {
                return Err(format!(
                    "Variable \"${var}\" is not defined by operation \"{operation}\"."
                ));
            };
            if let Some(arg_type) = known.and_then(|k| k.iter().find(|(a, _)| a == arg))
                && matches!(value, q::Value::Variable(_))
                && !usable(var_type, arg_type.1)
            {
                return Err(format!(
                    "Variable \"${var}\" of type \"{var_type}\" used in position expecting type \"{}\".",
                    arg_type.1
                ));
            }
        }
        if let Some(known) = known
            && !known.iter().any(|(a, _)| a == arg)
        {
            return Err(format!(
                "Unknown argument \"{arg}\" on field \"{}\".",
                field.name
            ));
        }
    }
    for (arg, arg_type) in known.unwrap_or_default() {
        if arg_type.ends_with('!') && !field.arguments.iter().any(|(a, _)| a == arg) {
            return Err(format!(
                "Field \"{}\" argument \"{arg}\" of type \"{arg_type}\" is required, but it was not provided.",
                field.name
            ));
        }
    }
    let object = object_of(schema_name);
    for sub in super::graphql::fields(&field.selection_set) {
        let name = match object {
            Some(o) => format!("{o}.{}", sub.name),
            None => String::new(),
        };
        check_field(sub, &name, declared, operation)?;
    }
    Ok(())
}

/// Checks the first operation of `doc` with `vars`. Errors: the message a GraphQL server
/// answers.
pub(super) fn check(
    doc: &q::Document<'_, String>,
    vars: &Map<String, Value>,
) -> Result<(), String> {
    let op = doc.definitions.iter().find_map(|d| match d {
        q::Definition::Operation(op) => Some(op),
        q::Definition::Fragment(_) => None,
    });
    let (name, definitions, selection) = match op {
        Some(q::OperationDefinition::Query(x)) => {
            (x.name.clone(), &x.variable_definitions, &x.selection_set)
        }
        Some(q::OperationDefinition::Mutation(x)) => {
            (x.name.clone(), &x.variable_definitions, &x.selection_set)
        }
        _ => return Ok(()),
    };
    let mut declared = Vec::new();
    for d in definitions {
        let t = type_text(&d.var_type);
        let value = vars.get(&d.name).unwrap_or(&Value::Null);
        if t.ends_with('!') && value.is_null() && d.default_value.is_none() {
            return Err(format!(
                "Variable \"${}\" of required type \"{t}\" was not provided.",
                d.name
            ));
        }
        if !fits(value, &t) {
            return Err(format!(
                "Variable \"${}\" got invalid value {value}; expected type \"{t}\".",
                d.name
            ));
        }
        declared.push((d.name.clone(), t));
    }
    let operation = name.unwrap_or_default();
    for root in super::graphql::fields(selection) {
        check_field(root, &root.name, &declared, &operation)?;
    }
    Ok(())
}
