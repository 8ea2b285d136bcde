//! The GraphQL endpoint: a document is parsed with a real GraphQL parser, dispatched on its
//! root field to a resolver of the operation's area (the authentication resolvers answer for
//! themselves who may call them; every management resolver needs the management token), and
//! the answer is projected onto the selection set.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use graphql_parser::query as q;
use serde_json::{Map, Value, json};

use super::store::{Db, Fail, Principal, Shared, UserRec, fail, principal, require_management};
use super::{
    graphql_acl, graphql_admin, graphql_auth, graphql_groups, graphql_management, graphql_orgs,
    graphql_policies, graphql_roles, graphql_schema,
};

/// What a resolver is given of one request: who calls, the root field, its arguments (the
/// variables substituted) and selection, and the request's variables; `'d` is the
/// document's text.
pub(super) struct Call<'a, 'd> {
    pub(super) principal: &'a Principal,
    pub(super) root: &'a str,
    pub(super) args: &'a Map<String, Value>,
    pub(super) field: &'a q::Field<'d, String>,
    pub(super) vars: &'a Map<String, Value>,
}

impl Call<'_, '_> {
    /// A string argument.
    pub(super) fn str(&self, name: &str) -> Option<&str> {
        self.args.get(name).and_then(Value::as_str)
    }

    /// Whether `u` has one of the identifiers given (`username`, `email`, `phone`,
    /// `externalId`), as `isUserExists` and `findUser` match.
    pub(super) fn lookup_matches(&self, u: &UserRec) -> bool {
        [
            ("username", &u.username),
            ("email", &u.email),
            ("phone", &u.phone),
            ("externalId", &u.external_id),
        ]
        .into_iter()
        .any(|(arg, theirs)| self.str(arg).is_some() && theirs.as_deref() == self.str(arg))
    }

    /// The `input` argument (an empty object when absent).
    pub(super) fn input(&self) -> Map<String, Value> {
        self.args
            .get("input")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }
}

/// Resolves one root field against the store.
pub(super) type Resolver = fn(&Shared, &mut Db, &Call<'_, '_>) -> Result<Value, Fail>;

/// The resolver of a root field in a table of `(root field, resolver)` rows.
fn find(table: &[(&str, Resolver)], root: &str) -> Option<Resolver> {
    table.iter().find(|(r, _)| *r == root).map(|(_, f)| *f)
}

fn resolve(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    if let Some(resolver) = find(graphql_auth::RESOLVERS, call.root) {
        return resolver(s, db, call);
    }
    require_management(call.principal)?;
    let management = [
        graphql_management::RESOLVERS,
        graphql_roles::RESOLVERS,
        graphql_groups::RESOLVERS,
        graphql_policies::RESOLVERS,
        graphql_admin::RESOLVERS,
        graphql_acl::RESOLVERS,
        graphql_orgs::RESOLVERS,
    ];
    match management.iter().find_map(|table| find(table, call.root)) {
        Some(resolver) => resolver(s, db, call),
        None => Err(fail(400, &format!("Cannot query field \"{}\"", call.root))),
    }
}

/// How the emulator reads a GraphQL document to dispatch it: the operation's type and name
/// (the name [`op_calls`](super::AuthingEmulator::op_calls) counts) and its root field (the
/// resolver). A client can check its own documents against it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OperationRead {
    /// `mutation` rather than `query` (or an anonymous selection set).
    pub is_mutation: bool,
    /// The operation's name, if it has one.
    pub name: Option<String>,
    /// The first root field.
    pub root: String,
    /// The root field's alias, if it has one (the answer's key).
    pub root_alias: Option<String>,
    /// The first field selected under the root, if any.
    pub first_selected: Option<String>,
}

/// The first operation of a document and its first root field, or what the emulator would
/// answer instead (a syntax error, no operation, an empty selection).
fn first_operation<'a>(
    doc: &'a q::Document<'a, String>,
) -> Result<(bool, Option<String>, &'a q::Field<'a, String>), &'static str> {
    let op = doc.definitions.iter().find_map(|d| match d {
        q::Definition::Operation(op) => Some(op),
        q::Definition::Fragment(_) => None,
    });
    let (is_mutation, name, sel) = match op {
        Some(q::OperationDefinition::Query(x)) => (false, x.name.clone(), &x.selection_set),
        Some(q::OperationDefinition::Mutation(x)) => (true, x.name.clone(), &x.selection_set),
        Some(q::OperationDefinition::SelectionSet(x)) => (false, None, x),
        _ => return Err("no operation in the document"),
    };
    let root = fields(sel).next().ok_or("empty selection")?;
    Ok((is_mutation, name, root))
}

/// Reads `document` as the emulator does. Errors: the message the emulator would answer.
pub fn read_operation(document: &str) -> Result<OperationRead, String> {
    let doc = q::parse_query::<String>(document).map_err(|e| format!("Syntax Error: {e}"))?;
    let (is_mutation, name, root) = first_operation(&doc).map_err(str::to_owned)?;
    Ok(OperationRead {
        is_mutation,
        name,
        root: root.name.clone(),
        root_alias: root.alias.clone(),
        first_selected: fields(&root.selection_set).next().map(|f| f.name.clone()),
    })
}

pub(super) async fn graphql(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"errors": [{"message": "Body is not JSON"}]})),
        )
            .into_response();
    };
    let query = body.get("query").and_then(Value::as_str).unwrap_or("");
    let vars = body
        .get("variables")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let doc = match q::parse_query::<String>(query) {
        Ok(d) => d,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"errors": [{"message": format!("Syntax Error: {e}")}]})),
            )
                .into_response();
        }
    };
    let (name, root) = match first_operation(&doc) {
        Ok((_, name, root)) => (name, root),
        Err(message) => return Json(json!({"errors": [{"message": message}]})).into_response(),
    };
    if let Err(message) = graphql_schema::check(&doc, &vars) {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"errors": [{"message": message}]})),
        )
            .into_response();
    }
    let args = args_of(root, &vars);
    let counter = name.unwrap_or_else(|| root.name.clone());
    let result = {
        let mut db = s.db();
        *db.calls.entry(counter.clone()).or_default() += 1;
        db.last_vars.insert(counter, Value::Object(vars.clone()));
        let principal = principal(&db, &headers);
        let call = Call {
            principal: &principal,
            root: &root.name,
            args: &args,
            field: root,
            vars: &vars,
        };
        resolve(&s, &mut db, &call)
    };
    match result {
        Ok(v) => {
            let key = root.alias.clone().unwrap_or_else(|| root.name.clone());
            Json(json!({"data": {key: project(&v, &root.selection_set)}})).into_response()
        }
        Err((code, msg)) => graphql_error(code, &msg),
    }
}

fn graphql_error(code: i64, message: &str) -> Response {
    Json(json!({"errors": [{"message": {"code": code, "message": message}}], "data": null}))
        .into_response()
}

pub(super) fn to_json(v: &q::Value<'_, String>, vars: &Map<String, Value>) -> Value {
    match v {
        q::Value::Variable(name) => vars.get(name).cloned().unwrap_or(Value::Null),
        q::Value::Int(i) => json!(i.as_i64()),
        q::Value::Float(f) => json!(f),
        q::Value::String(s) => json!(s),
        q::Value::Boolean(b) => json!(b),
        q::Value::Null => Value::Null,
        q::Value::Enum(e) => json!(e),
        q::Value::List(l) => Value::Array(l.iter().map(|x| to_json(x, vars)).collect()),
        q::Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), to_json(x, vars)))
                .collect(),
        ),
    }
}

pub(super) fn fields<'a, 'b>(
    sel: &'b q::SelectionSet<'a, String>,
) -> impl Iterator<Item = &'b q::Field<'a, String>> {
    sel.items.iter().filter_map(|s| match s {
        q::Selection::Field(f) => Some(f),
        _ => None,
    })
}

pub(super) fn args_of(
    field: &q::Field<'_, String>,
    vars: &Map<String, Value>,
) -> Map<String, Value> {
    field
        .arguments
        .iter()
        .map(|(k, v)| (k.clone(), to_json(v, vars)))
        .collect()
}

/// Keeps the selected fields only (recursively).
fn project(v: &Value, sel: &q::SelectionSet<'_, String>) -> Value {
    if sel.items.is_empty() {
        return v.clone();
    }
    match v {
        Value::Array(items) => Value::Array(items.iter().map(|i| project(i, sel)).collect()),
        Value::Object(m) => {
            let mut out = Map::new();
            for f in fields(sel) {
                let key = f.alias.clone().unwrap_or_else(|| f.name.clone());
                let val = m
                    .get(&f.name)
                    .map_or(Value::Null, |x| project(x, &f.selection_set));
                out.insert(key, val);
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// A `CommonMessage` answer.
pub(super) fn message_ok(message: &str) -> Value {
    json!({"code": 200, "message": message})
}

/// One page of `list` (page from 1, 10 a page by default) with the total count.
pub(super) fn paged(list: Vec<Value>, page: Option<i64>, limit: Option<i64>) -> Value {
    let total = list.len();
    let limit = limit.unwrap_or(10).max(1) as usize;
    let page = page.unwrap_or(1).max(1) as usize;
    let items: Vec<Value> = list
        .into_iter()
        .skip((page - 1) * limit)
        .take(limit)
        .collect();
    json!({"totalCount": total, "list": items})
}
