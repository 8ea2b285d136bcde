//! GraphQL resolvers of the policies module: `policies`, `createPolicy`, `policy`,
//! `updatePolicy`, `deletePolicy`, `deletePolicies`, and the assignments of policies to users,
//! roles, groups and organization nodes (`policyAssignments`, `addPolicyAssignments`,
//! `removePolicyAssignments`, `enablePolicyAssignment`, `disbalePolicyAssignment` as the
//! schema spells it). Deleting a policy deletes its assignments.

use serde_json::{Value, json};

use super::graphql::{Call, Resolver, message_ok, paged};
use super::rbac::{
    AssignmentRec, PolicyRec, group_idx, group_not_found, namespace, role_idx, role_not_found,
    user_not_found,
};
use super::store::{Db, Fail, Shared, fail, find_idx, str_list};

/// The resolvers of this area, by root field.
pub(super) const RESOLVERS: &[(&str, Resolver)] = &[
    ("policies", policies),
    ("createPolicy", create_policy),
    ("policy", policy),
    ("updatePolicy", update_policy),
    ("deletePolicy", delete_policies),
    ("deletePolicies", delete_policies),
    ("policyAssignments", policy_assignments),
    ("addPolicyAssignments", change_assignments),
    ("removePolicyAssignments", change_assignments),
    ("enablePolicyAssignment", switch_assignment),
    ("disbalePolicyAssignment", switch_assignment),
];

const STAMP: &str = "2024-01-01T00:00:00.000Z";

fn policy_not_found() -> Fail {
    fail(404, "策略不存在")
}

fn policy_idx(db: &Db, code: &str) -> Option<usize> {
    db.policies.iter().position(|p| p.code == code)
}

fn policy_json(db: &Db, p: &PolicyRec) -> Value {
    let count = db.assignments.iter().filter(|a| a.policy == p.code).count();
    json!({
        "namespace": "default", "code": p.code, "isDefault": false,
        "description": p.description, "statements": p.statements,
        "createdAt": STAMP, "updatedAt": STAMP, "assignmentsCount": count,
    })
}

fn page(call: &Call<'_, '_>, list: Vec<Value>) -> Value {
    let int = |k: &str| call.args.get(k).and_then(Value::as_i64);
    paged(list, int("page"), int("limit"))
}

fn policies(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let list = db.policies.iter().map(|p| policy_json(db, p)).collect();
    Ok(page(call, list))
}

/// Statements must be a non-empty list of objects with a resource and actions.
fn statements(call: &Call<'_, '_>) -> Result<Value, Fail> {
    let list = call.args.get("statements").cloned().unwrap_or(Value::Null);
    let valid = list.as_array().is_some_and(|items| {
        !items.is_empty()
            && items
                .iter()
                .all(|i| i.get("resource").is_some_and(Value::is_string) && i["actions"].is_array())
    });
    if !valid {
        return Err(fail(400, "策略语句不合法"));
    }
    Ok(list)
}

fn create_policy(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let code = call.str("code").unwrap_or("").to_owned();
    if code.is_empty() {
        return Err(fail(400, "策略 code 不能为空"));
    }
    if policy_idx(db, &code).is_some() {
        return Err(fail(400, "策略 code 已存在"));
    }
    let p = PolicyRec {
        code,
        description: call.str("description").map(str::to_owned),
        statements: statements(call)?,
    };
    let v = policy_json(db, &p);
    db.policies.push(p);
    Ok(v)
}

fn policy(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    Ok(policy_idx(db, call.str("code").unwrap_or(""))
        .map_or(Value::Null, |i| policy_json(db, &db.policies[i])))
}

fn update_policy(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let i = policy_idx(db, call.str("code").unwrap_or("")).ok_or_else(policy_not_found)?;
    if call.args.get("statements").is_some_and(|s| !s.is_null()) {
        db.policies[i].statements = statements(call)?;
    }
    if let Some(d) = call.str("description") {
        db.policies[i].description = Some(d.to_owned());
    }
    Ok(policy_json(db, &db.policies[i]))
}

/// `deletePolicy(code)`, `deletePolicies(codeList)`: all known, or nothing is deleted.
fn delete_policies(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let codes = if call.root == "deletePolicy" {
        vec![call.str("code").unwrap_or("").to_owned()]
    } else {
        str_list(call.args.get("codeList"))
    };
    if codes.iter().any(|c| policy_idx(db, c).is_none()) {
        return Err(policy_not_found());
    }
    db.policies.retain(|p| !codes.contains(&p.code));
    db.assignments.retain(|a| !codes.contains(&a.policy));
    Ok(message_ok("删除成功"))
}

/// `policyAssignments`: filtered by policy `code`, `targetType`, `targetIdentifier`.
fn policy_assignments(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let (code, kind, target) = (
        call.str("code"),
        call.str("targetType"),
        call.str("targetIdentifier"),
    );
    if kind == Some("ROLE") {
        let ns = namespace(call.str("namespace"));
        role_idx(db, &ns, target.unwrap_or("")).ok_or_else(role_not_found)?;
    }
    let list = db
        .assignments
        .iter()
        .filter(|a| code.is_none_or(|c| c == a.policy))
        .filter(|a| kind.is_none_or(|k| k == a.target_type))
        .filter(|a| target.is_none_or(|t| t == a.target))
        .map(|a| json!({"code": a.policy, "targetType": a.target_type, "targetIdentifier": a.target}))
        .collect();
    Ok(page(call, list))
}

/// Checks that a target of a type exists (organization nodes are not kept: any id).
fn check_target(db: &Db, call: &Call<'_, '_>, kind: &str, target: &str) -> Result<(), Fail> {
    match kind {
        "USER" => find_idx(db, |u| u.id == target)
            .map(|_| ())
            .ok_or_else(user_not_found),
        "ROLE" => role_idx(db, &namespace(call.str("namespace")), target)
            .map(|_| ())
            .ok_or_else(role_not_found),
        "GROUP" => group_idx(db, target)
            .map(|_| ())
            .ok_or_else(group_not_found),
        _ => Ok(()),
    }
}

/// `addPolicyAssignments`, `removePolicyAssignments`: every policy and target must exist,
/// otherwise nothing changes.
fn change_assignments(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let policies = str_list(call.args.get("policies"));
    let targets = str_list(call.args.get("targetIdentifiers"));
    let kind = call.str("targetType").unwrap_or("").to_owned();
    if policies.iter().any(|p| policy_idx(db, p).is_none()) {
        return Err(policy_not_found());
    }
    for t in &targets {
        check_target(db, call, &kind, t)?;
    }
    let add = call.root == "addPolicyAssignments";
    for p in &policies {
        for t in &targets {
            let same =
                |a: &AssignmentRec| a.policy == *p && a.target_type == kind && a.target == *t;
            if !add {
                db.assignments.retain(|a| !same(a));
            } else if !db.assignments.iter().any(same) {
                db.assignments.push(AssignmentRec {
                    policy: p.clone(),
                    target_type: kind.clone(),
                    target: t.clone(),
                    enabled: true,
                });
            }
        }
    }
    Ok(message_ok("操作成功"))
}

/// `enablePolicyAssignment`, `disbalePolicyAssignment`: the assignment must exist.
fn switch_assignment(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let (policy, kind, target) = (
        call.str("policy").unwrap_or(""),
        call.str("targetType").unwrap_or(""),
        call.str("targetIdentifier").unwrap_or(""),
    );
    let a = db
        .assignments
        .iter_mut()
        .find(|a| a.policy == policy && a.target_type == kind && a.target == target)
        .ok_or_else(|| fail(404, "策略授权不存在"))?;
    a.enabled = call.root == "enablePolicyAssignment";
    Ok(message_ok("操作成功"))
}
