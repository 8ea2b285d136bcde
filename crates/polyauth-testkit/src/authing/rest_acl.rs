//! The REST routes of the acl module (management token): permission groups
//! (`/api/v2/resource-namespace/{pool}`), resources (`/api/v2/resources`), revoking
//! authorizations (`/api/v2/acl/revoke-resource`); the application side (programmatic access
//! accounts, access policies) is in `rest_acl_apps`. [`routes`] adds them all.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::acl::{
    NamespaceRec, RESOURCE_TYPES, ResourceRec, change_grant, drop_grants, namespace_exists,
    namespace_json, resource_idx, resource_json,
};
use super::graphql::paged;
use super::rest::managed;
use super::rest_acl_apps as apps;
use super::store::{Db, Fail, Shared, str_field, str_list};

/// Adds the acl module's routes.
pub(super) fn routes(router: Router<Arc<Shared>>) -> Router<Arc<Shared>> {
    router
        .route(
            "/api/v2/resource-namespace/{pool}",
            get(list_namespaces).post(create_namespace),
        )
        .route(
            "/api/v2/resource-namespace/{pool}/{id}",
            axum::routing::put(update_namespace).delete(delete_namespace),
        )
        .route(
            "/api/v2/resources",
            get(list_resources).post(create_resource),
        )
        .route("/api/v2/resources/detail", get(resource_detail))
        .route(
            "/api/v2/resources/{code}",
            post(update_resource).delete(delete_resource),
        )
        .route("/api/v2/acl/revoke-resource", post(revoke_resource))
        .route(
            "/api/v2/applications/{id}/programmatic-access-accounts",
            get(apps::list_accounts).post(apps::create_account),
        )
        .route(
            "/api/v2/applications/programmatic-access-accounts",
            axum::routing::patch(apps::patch_account).delete(apps::delete_account),
        )
        .route(
            "/api/v2/applications/{id}/authorization/records",
            get(apps::policy_records),
        )
        .route(
            "/api/v2/applications/{id}/authorization/{action}",
            post(apps::change_policies),
        )
        .route("/api/v2/applications/{id}", post(apps::default_strategy))
        .route(
            "/api/v2/applications/{id}/active-users",
            get(apps::active_users),
        )
}

/// `page` and `limit` of a query (10 a page by default). Errors: 400 for 0 or garbage.
pub(super) fn page_query(q: &HashMap<String, String>) -> Result<(Option<i64>, Option<i64>), Fail> {
    let number = |k: &str| q.get(k).map(|v| v.parse::<i64>().unwrap_or(0));
    let (page, limit) = (number("page"), number("limit"));
    if page.is_some_and(|p| p < 1) || limit.is_some_and(|l| l < 1) {
        return Err((400, "page 和 limit 须大于 0".into()));
    }
    Ok((page, limit))
}

fn check_pool(s: &Shared, pool: &str) -> Result<(), Fail> {
    if pool == s.options.user_pool_id {
        Ok(())
    } else {
        Err((404, "用户池不存在".into()))
    }
}

fn namespace_code_taken(db: &Db, code: &str, except: Option<i64>) -> bool {
    db.acl
        .namespaces
        .iter()
        .any(|n| n.code == code && Some(n.id) != except)
}

/// `POST /api/v2/resource-namespace/{pool}` `{name, code, description}`: 400 for an empty
/// code or name or a code taken.
async fn create_namespace(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(pool): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    managed(&s, &headers, |db| {
        check_pool(&s, &pool)?;
        let (code, name) = (
            str_field(&body, "code").unwrap_or(""),
            str_field(&body, "name").unwrap_or(""),
        );
        if code.is_empty() || name.is_empty() {
            return Err((400, "权限分组 code 和名称不能为空".into()));
        }
        if namespace_code_taken(db, code, None) || namespace_exists(&s, db, code) {
            return Err((400, "权限分组 code 已存在".into()));
        }
        db.next_id += 1;
        let rec = NamespaceRec {
            id: db.next_id as i64,
            code: code.to_owned(),
            name: name.to_owned(),
            description: str_field(&body, "description").map(str::to_owned),
        };
        db.acl.namespaces.push(rec.clone());
        Ok(namespace_json(&rec, &pool))
    })
}

fn namespace_position(db: &Db, id: &str) -> Result<usize, Fail> {
    let id = id.parse::<i64>().ok();
    db.acl
        .namespaces
        .iter()
        .position(|n| Some(n.id) == id)
        .ok_or_else(super::acl::namespace_not_found)
}

/// `PUT /api/v2/resource-namespace/{pool}/{id}` `{name, code, description}`: 404 for an
/// unknown id, 400 for a code taken. A new code moves the namespace's resources and grants.
async fn update_namespace(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((pool, id)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    managed(&s, &headers, |db| {
        check_pool(&s, &pool)?;
        let i = namespace_position(db, &id)?;
        let own = db.acl.namespaces[i].id;
        if let Some(code) = str_field(&body, "code") {
            if code.is_empty() || namespace_code_taken(db, code, Some(own)) {
                return Err((400, "权限分组 code 已存在".into()));
            }
            let old = std::mem::replace(&mut db.acl.namespaces[i].code, code.to_owned());
            rename_namespace(db, &old, code);
        }
        let n = &mut db.acl.namespaces[i];
        if let Some(name) = str_field(&body, "name") {
            n.name = name.to_owned();
        }
        if let Some(d) = str_field(&body, "description") {
            n.description = Some(d.to_owned());
        }
        Ok(namespace_json(n, &pool))
    })
}

/// Moves a namespace's resources, roles and grants to a new code.
fn rename_namespace(db: &mut Db, old: &str, new: &str) {
    let rename = |n: &mut String| {
        if n == old {
            *n = new.to_owned();
        }
    };
    db.acl
        .resources
        .iter_mut()
        .for_each(|r| rename(&mut r.namespace));
    db.roles.iter_mut().for_each(|r| rename(&mut r.namespace));
    for u in &mut db.users {
        u.resources.iter_mut().for_each(|g| rename(&mut g.0));
        u.roles.iter_mut().for_each(|r| rename(&mut r.0));
    }
    for g in &mut db.groups {
        g.resources.iter_mut().for_each(|x| rename(&mut x.0));
    }
    db.acl.org_grants.iter_mut().for_each(|g| rename(&mut g.1));
}

/// `GET /api/v2/resource-namespace/{pool}?page&limit`: the namespaces created, paged.
async fn list_namespaces(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(pool): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    managed(&s, &headers, |db| {
        check_pool(&s, &pool)?;
        let (page, limit) = page_query(&q)?;
        let list = db
            .acl
            .namespaces
            .iter()
            .map(|n| namespace_json(n, &pool))
            .collect();
        Ok(paged(list, page, limit))
    })
}

/// `DELETE /api/v2/resource-namespace/{pool}/{id}`: 404 for an unknown id; its resources
/// and every grant in it go too.
async fn delete_namespace(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path((pool, id)): Path<(String, String)>,
) -> Response {
    managed(&s, &headers, |db| {
        check_pool(&s, &pool)?;
        let i = namespace_position(db, &id)?;
        let code = db.acl.namespaces.remove(i).code;
        db.acl.resources.retain(|r| r.namespace != code);
        drop_grants(db, &code, None);
        Ok(Value::Null)
    })
}

/// The `actions` of a resource body: a list of `{name, description}` with a non-empty name.
fn actions_of(body: &Value) -> Result<Value, Fail> {
    let list = body.get("actions").and_then(Value::as_array);
    let valid = list.is_some_and(|l| {
        l.iter()
            .all(|a| str_field(a, "name").is_some_and(|n| !n.is_empty()))
    });
    match list {
        Some(l) if valid => Ok(Value::Array(l.clone())),
        _ => Err((400, "actions 须为 [{name, description}]".into())),
    }
}

fn resource_type_of(body: &Value) -> Result<Option<String>, Fail> {
    match str_field(body, "type") {
        None => Ok(None),
        Some(t) if RESOURCE_TYPES.contains(&t) => Ok(Some(t.to_owned())),
        Some(t) => Err((400, format!("不支持的资源类型: {t}"))),
    }
}

/// `POST /api/v2/resources` `{code, type, actions, namespace, description, apiIdentifier}`:
/// 404 for an unknown namespace, 400 for a code taken or a malformed field.
async fn create_resource(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let pool = s.options.user_pool_id.clone();
    managed(&s, &headers, |db| {
        let ns = str_field(&body, "namespace").unwrap_or("");
        let code = str_field(&body, "code").unwrap_or("");
        if !namespace_exists(&s, db, ns) {
            return Err(super::acl::namespace_not_found());
        }
        let kind = resource_type_of(&body)?.ok_or((400, "资源类型不能为空".to_owned()))?;
        let actions = actions_of(&body)?;
        if code.is_empty() || code.contains(':') {
            return Err((400, "资源 code 不合法".into()));
        }
        if resource_idx(db, ns, code).is_some() {
            return Err((400, "资源 code 已存在".into()));
        }
        db.next_id += 1;
        let rec = ResourceRec {
            id: format!("res{:06}", db.next_id),
            namespace: ns.to_owned(),
            code: code.to_owned(),
            kind,
            actions,
            description: str_field(&body, "description").map(str::to_owned),
            api_identifier: str_field(&body, "apiIdentifier").map(str::to_owned),
        };
        db.acl.resources.push(rec.clone());
        Ok(resource_json(&rec, &pool))
    })
}

/// `POST /api/v2/resources/{code}` `{namespace, type?, actions?, description?,
/// apiIdentifier?}`: 404 for an unknown resource.
async fn update_resource(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let pool = s.options.user_pool_id.clone();
    managed(&s, &headers, |db| {
        let ns = str_field(&body, "namespace").unwrap_or("");
        let i = resource_idx(db, ns, &code).ok_or_else(super::acl::resource_not_found)?;
        let kind = resource_type_of(&body)?;
        let actions = body.get("actions").map(|_| actions_of(&body)).transpose()?;
        let r = &mut db.acl.resources[i];
        if let Some(kind) = kind {
            r.kind = kind;
        }
        if let Some(actions) = actions {
            r.actions = actions;
        }
        if let Some(d) = str_field(&body, "description") {
            r.description = Some(d.to_owned());
        }
        if let Some(a) = str_field(&body, "apiIdentifier") {
            r.api_identifier = Some(a.to_owned());
        }
        Ok(resource_json(r, &pool))
    })
}

/// `GET /api/v2/resources?namespace&type&page&limit`: 400 without a namespace, 404 for an
/// unknown one.
async fn list_resources(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let pool = s.options.user_pool_id.clone();
    managed(&s, &headers, |db| {
        let (page, limit) = page_query(&q)?;
        let ns = q
            .get("namespace")
            .ok_or((400, "namespace 不能为空".to_owned()))?;
        if !namespace_exists(&s, db, ns) {
            return Err(super::acl::namespace_not_found());
        }
        let kind = q.get("type");
        let list = db
            .acl
            .resources
            .iter()
            .filter(|r| &r.namespace == ns && kind.is_none_or(|k| k == &r.kind))
            .map(|r| resource_json(r, &pool))
            .collect();
        Ok(paged(list, page, limit))
    })
}

/// `DELETE /api/v2/resources/{code}?namespace`: 404 for an unknown resource; its grants go
/// too.
async fn delete_resource(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(code): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    managed(&s, &headers, |db| {
        let ns = q.get("namespace").map_or("", String::as_str);
        let i = resource_idx(db, ns, &code).ok_or_else(super::acl::resource_not_found)?;
        db.acl.resources.remove(i);
        drop_grants(db, ns, Some(&code));
        Ok(Value::Null)
    })
}

/// `GET /api/v2/resources/detail?id` or `?namespace&code`: 404 for an unknown resource.
async fn resource_detail(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let pool = s.options.user_pool_id.clone();
    managed(&s, &headers, |db| {
        let found = match q.get("id") {
            Some(id) => db.acl.resources.iter().find(|r| &r.id == id),
            None => {
                let (ns, code) = (q.get("namespace"), q.get("code"));
                db.acl
                    .resources
                    .iter()
                    .find(|r| Some(&r.namespace) == ns && Some(&r.code) == code)
            }
        };
        found
            .map(|r| resource_json(r, &pool))
            .ok_or_else(super::acl::resource_not_found)
    })
}

/// `POST /api/v2/acl/revoke-resource` `{namespace, resource, opts}`: each target loses the
/// actions listed (all of them when none is); 400 for empty `opts`, 2004/404 for an unknown
/// target.
async fn revoke_resource(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    managed(&s, &headers, |db| {
        let ns = str_field(&body, "namespace").unwrap_or(super::rbac::DEFAULT_NAMESPACE);
        let resource = str_field(&body, "resource").unwrap_or("");
        let opts = body
            .get("opts")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if opts.is_empty() {
            return Err((400, "opts 不能为空".into()));
        }
        for opt in &opts {
            let (t, id) = (
                str_field(opt, "targetType").unwrap_or(""),
                str_field(opt, "targetIdentifier").unwrap_or(""),
            );
            let gone = str_list(opt.get("actions"));
            change_grant(db, ns, t, id, resource, "DATA", |held| {
                if gone.is_empty() {
                    Vec::new()
                } else {
                    held.into_iter().filter(|a| !gone.contains(a)).collect()
                }
            })?;
        }
        Ok(json!(true))
    })
}
