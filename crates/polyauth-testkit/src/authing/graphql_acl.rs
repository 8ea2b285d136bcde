//! GraphQL resolvers of the acl module (`allow`, `isActionAllowed`, `authorizedResources`,
//! `authorizeResource`, `authorizedTargets`) and what the schema says of their fields,
//! enums and input objects (read by `graphql_schema`).

use serde_json::{Map, Value, json};

use super::acl::{
    RESOURCE_TYPES, change_grant, defined_type, grants_of, is_allowed, namespace_exists,
    namespace_not_found, resource_not_found, targets_of,
};
use super::graphql::{Call, Resolver, message_ok};
use super::rbac::namespace;
use super::store::{Db, Fail, Shared, fail, str_list};

/// The resolvers of this area, by root field.
pub(super) const RESOLVERS: &[(&str, Resolver)] = &[
    ("allow", allow),
    ("isActionAllowed", is_action_allowed),
    ("authorizedResources", authorized_resources),
    ("authorizeResource", authorize_resource),
    ("authorizedTargets", authorized_targets),
];

/// The arguments of the acl fields (`graphql_schema`'s `FieldArgs`).
pub(super) const FIELDS: &[(&str, &[(&str, &str)])] = &[
    (
        "allow",
        &[
            ("resource", "String!"),
            ("action", "String!"),
            ("userId", "String"),
            ("userIds", "[String!]"),
            ("roleCode", "String"),
            ("roleCodes", "[String!]"),
            ("namespace", "String"),
        ],
    ),
    (
        "isActionAllowed",
        &[
            ("resource", "String!"),
            ("action", "String!"),
            ("userId", "String!"),
            ("namespace", "String"),
        ],
    ),
    (
        "authorizedResources",
        &[
            ("targetType", "PolicyAssignmentTargetType"),
            ("targetIdentifier", "String"),
            ("namespace", "String"),
            ("resourceType", "String"),
        ],
    ),
    (
        "authorizeResource",
        &[
            ("namespace", "String"),
            ("resource", "String"),
            ("resourceType", "ResourceType"),
            ("opts", "[AuthorizeResourceOpt]"),
        ],
    ),
    (
        "authorizedTargets",
        &[
            ("namespace", "String!"),
            ("resource", "String!"),
            ("resourceType", "ResourceType!"),
            ("targetType", "PolicyAssignmentTargetType"),
            ("actions", "AuthorizedTargetsActionsInput"),
        ],
    ),
];

/// The fields of the input objects of the acl fields: `(name, [(field, type)])`.
const INPUTS: &[(&str, &[(&str, &str)])] = &[
    (
        "AuthorizeResourceOpt",
        &[
            ("targetType", "PolicyAssignmentTargetType!"),
            ("targetIdentifier", "String!"),
            ("actions", "[String]"),
        ],
    ),
    (
        "AuthorizedTargetsActionsInput",
        &[("op", "Operator!"), ("list", "[String]!")],
    ),
];

/// The values of the enums of the acl fields.
pub(super) fn enum_values(name: &str) -> Option<&'static [&'static str]> {
    match name {
        "ResourceType" => Some(RESOURCE_TYPES),
        "Operator" => Some(&["AND", "OR"]),
        _ => None,
    }
}

/// Whether `value` fits the input object `name` (every required field given, no unknown
/// field, each field's value fitting its type by `fits`); true for a type this table does
/// not know.
pub(super) fn input_fits(value: &Value, name: &str, fits: fn(&Value, &str) -> bool) -> bool {
    let Some((_, fields)) = INPUTS.iter().find(|(n, _)| *n == name) else {
        return true;
    };
    let Some(object) = value.as_object() else {
        return false;
    };
    object.keys().all(|k| fields.iter().any(|(f, _)| f == k))
        && fields
            .iter()
            .all(|(f, t)| fits(object.get(*f).unwrap_or(&Value::Null), t))
}

/// `allow`: adds `action` on `resource` to the user's or role's grant in the namespace
/// (2004 for an unknown user, 404 for an unknown role, 400 without either).
fn allow(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let ns = namespace(call.str("namespace"));
    let (resource, action) = (
        call.str("resource").unwrap_or(""),
        call.str("action").unwrap_or(""),
    );
    let mut targets: Vec<(&str, String)> = Vec::new();
    for (one, many, kind) in [
        ("userId", "userIds", "USER"),
        ("roleCode", "roleCodes", "ROLE"),
    ] {
        targets.extend(call.str(one).map(|t| (kind, t.to_owned())));
        targets.extend(str_list(call.args.get(many)).into_iter().map(|t| (kind, t)));
    }
    if targets.is_empty() {
        return Err(fail(400, "请指定用户或角色"));
    }
    let kind = defined_type(db, &ns, resource).unwrap_or_else(|| "DATA".into());
    for (target_type, target) in targets {
        change_grant(db, &ns, target_type, &target, resource, &kind, |mut a| {
            if !a.iter().any(|x| x == action) {
                a.push(action.to_owned());
            }
            a
        })?;
    }
    Ok(message_ok("授权成功"))
}

fn is_action_allowed(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let ns = namespace(call.str("namespace"));
    let user = call.str("userId").unwrap_or("");
    let allowed = is_allowed(
        db,
        user,
        &ns,
        call.str("resource").unwrap_or(""),
        call.str("action").unwrap_or(""),
    )?;
    Ok(json!(allowed))
}

/// `authorizedResources`: the target's own grants in the namespace, of one type or all.
fn authorized_resources(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let ns = namespace(call.str("namespace"));
    let (target_type, target) = (
        call.str("targetType").unwrap_or("USER"),
        call.str("targetIdentifier").unwrap_or(""),
    );
    let kind = call.str("resourceType");
    let list: Vec<Value> = grants_of(db, &ns, target_type, target)?
        .into_iter()
        .filter(|(_, t, _)| kind.is_none_or(|k| k == t))
        .map(|(code, t, actions)| json!({"code": code, "type": t, "actions": actions}))
        .collect();
    Ok(json!({"totalCount": list.len(), "list": list}))
}

/// `authorizeResource`: each target of `opts` gets exactly its actions on the resource (or
/// an instance of it), which the namespace must define (404 otherwise).
fn authorize_resource(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let ns = namespace(call.str("namespace"));
    if !namespace_exists(s, db, &ns) {
        return Err(namespace_not_found());
    }
    let resource = call.str("resource").unwrap_or("").to_owned();
    let kind = defined_type(db, &ns, &resource).ok_or_else(resource_not_found)?;
    let opts: Vec<Map<String, Value>> = call
        .args
        .get("opts")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|o| o.as_object().cloned()).collect())
        .unwrap_or_default();
    if opts.is_empty() {
        return Err(fail(400, "opts 不能为空"));
    }
    for opt in &opts {
        let text = |k: &str| opt.get(k).and_then(Value::as_str).unwrap_or("");
        let actions = str_list(opt.get("actions"));
        let (target_type, target) = (text("targetType"), text("targetIdentifier"));
        change_grant(db, &ns, target_type, target, &resource, &kind, |_| actions)?;
    }
    Ok(message_ok("授权成功"))
}

/// `authorizedTargets`: the targets holding the resource, of one kind or all, holding all
/// (`AND`) or any (`OR`) of the actions when `actions` is given.
fn authorized_targets(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let ns = namespace(call.str("namespace"));
    if !namespace_exists(s, db, &ns) {
        return Err(namespace_not_found());
    }
    let (resource, kind) = (
        call.str("resource").unwrap_or(""),
        call.str("resourceType").unwrap_or(""),
    );
    let target_type = call.str("targetType");
    let filter = call.args.get("actions").and_then(Value::as_object);
    let wanted = str_list(filter.and_then(|f| f.get("list")));
    let all = filter.and_then(|f| f.get("op")).and_then(Value::as_str) == Some("AND");
    let list: Vec<Value> = targets_of(db, &ns, resource, kind)
        .into_iter()
        .filter(|t| target_type.is_none_or(|k| t["targetType"] == k))
        .filter(|t| {
            let held = str_list(t.get("actions"));
            let has = |a: &String| held.contains(a);
            filter.is_none()
                || if all {
                    wanted.iter().all(has)
                } else {
                    wanted.iter().any(has)
                }
        })
        .collect();
    Ok(json!({"totalCount": list.len(), "list": list}))
}
