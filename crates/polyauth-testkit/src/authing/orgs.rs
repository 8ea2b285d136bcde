//! Organizations of the emulated pool: each a tree of nodes (departments) under one root
//! node, the members of the nodes (with each user's main department), and the roles granted
//! to a node. The users module reads the same records (a user's departments and organization
//! paths), a node's authorized resources are its own grants and those of its roles, and
//! `isActionAllowed` follows both for the node's members.
//!
//! Where Authing documents no code, the emulator answers 404 for an unknown organization or
//! node, 400 for a code taken in the organization or an impossible move or deletion, and 2004
//! for an unknown user.

use serde_json::{Value, json};

use super::rbac;
use super::store::{Db, Fail, fail, random_hex, str_field};

/// The time stamps of records the emulator creates.
const STAMP: &str = "2024-01-01T00:00:00.000Z";

/// A node of an organization (`code` unique in the organization when set).
#[derive(Clone, Debug, Default)]
pub(super) struct NodeRec {
    pub(super) id: String,
    pub(super) org_id: String,
    pub(super) name: String,
    pub(super) name_i18n: Option<String>,
    pub(super) description: Option<String>,
    pub(super) description_i18n: Option<String>,
    pub(super) order: Option<i64>,
    pub(super) code: Option<String>,
    /// The parent node's id (`None` for the root).
    pub(super) parent: Option<String>,
    /// Roles granted to the node: (namespace, code).
    pub(super) roles: Vec<(String, String)>,
}

/// A user's membership of a node.
#[derive(Clone, Debug)]
pub(super) struct MemberRec {
    pub(super) user_id: String,
    pub(super) node_id: String,
    pub(super) main: bool,
}

/// The organizations (by id, each with its root node's id), every node, every membership.
#[derive(Debug, Default)]
pub(super) struct OrgDb {
    pub(super) orgs: Vec<(String, String)>,
    pub(super) nodes: Vec<NodeRec>,
    pub(super) members: Vec<MemberRec>,
}

/// The fields of a new node.
#[derive(Debug, Default)]
pub(super) struct NodeFields {
    pub(super) name: String,
    pub(super) name_i18n: Option<String>,
    pub(super) description: Option<String>,
    pub(super) description_i18n: Option<String>,
    pub(super) order: Option<i64>,
    pub(super) code: Option<String>,
}

pub(super) fn org_not_found() -> Fail {
    fail(404, "组织机构不存在")
}

pub(super) fn node_not_found() -> Fail {
    fail(404, "部门不存在")
}

fn code_taken() -> Fail {
    fail(400, "部门 code 已存在")
}

fn new_id(db: &mut Db, prefix: &str) -> String {
    db.next_id += 1;
    format!("{prefix}{:06}{}", db.next_id, random_hex(4))
}

pub(super) fn node_idx(db: &Db, id: &str) -> Option<usize> {
    db.orgs.nodes.iter().position(|n| n.id == id)
}

/// The node's index. Errors: 404 for an unknown node.
pub(super) fn node(db: &Db, id: &str) -> Result<usize, Fail> {
    node_idx(db, id).ok_or_else(node_not_found)
}

/// The root node's id of an organization. Errors: 404 for an unknown organization.
pub(super) fn org_root(db: &Db, org_id: &str) -> Result<String, Fail> {
    db.orgs
        .orgs
        .iter()
        .find(|(o, _)| o == org_id)
        .map(|(_, root)| root.clone())
        .ok_or_else(org_not_found)
}

/// The ids of a node's children, by `order` then creation.
pub(super) fn children(db: &Db, id: &str) -> Vec<String> {
    let mut kids: Vec<&NodeRec> = db
        .orgs
        .nodes
        .iter()
        .filter(|n| n.parent.as_deref() == Some(id))
        .collect();
    kids.sort_by_key(|n| n.order.unwrap_or(i64::MAX));
    kids.into_iter().map(|n| n.id.clone()).collect()
}

/// The node and its descendants' ids, the node first.
pub(super) fn subtree(db: &Db, id: &str) -> Vec<String> {
    let mut out = vec![id.to_owned()];
    let mut i = 0;
    while i < out.len() {
        let kids = children(db, &out[i]);
        out.extend(kids);
        i += 1;
    }
    out
}

/// The nodes from the root to `id` (itself included).
fn path(db: &Db, id: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = node_idx(db, id);
    while let Some(i) = at {
        if out.contains(&i) {
            break;
        }
        out.push(i);
        at = db.orgs.nodes[i]
            .parent
            .as_deref()
            .and_then(|p| node_idx(db, p));
    }
    out.reverse();
    out
}

/// A node as the `Node` type answers it (every field the documents select).
pub(super) fn node_json(db: &Db, n: &NodeRec) -> Value {
    let path = path(db, &n.id);
    let pick = |f: fn(&NodeRec) -> Value| -> Vec<Value> {
        path.iter().map(|i| f(&db.orgs.nodes[*i])).collect()
    };
    json!({
        "id": n.id, "orgId": n.org_id, "name": n.name, "nameI18n": n.name_i18n,
        "description": n.description, "descriptionI18n": n.description_i18n,
        "order": n.order, "code": n.code, "root": n.parent.is_none(),
        "depth": path.len().saturating_sub(1),
        "path": pick(|n| json!(n.id)), "codePath": pick(|n| json!(n.code)),
        "namePath": pick(|n| json!(n.name)),
        "createdAt": STAMP, "updatedAt": STAMP, "children": children(db, &n.id),
    })
}

/// An organization as the `Org` type answers it: its id, root node and every node (the
/// root first, then depth first).
pub(super) fn org_json(db: &Db, org_id: &str) -> Result<Value, Fail> {
    let root = org_root(db, org_id)?;
    let nodes: Vec<Value> = subtree(db, &root)
        .iter()
        .filter_map(|id| node_idx(db, id))
        .map(|i| node_json(db, &db.orgs.nodes[i]))
        .collect();
    let root_node = node_idx(db, &root).map_or(Value::Null, |i| node_json(db, &db.orgs.nodes[i]));
    Ok(json!({"id": org_id, "rootNode": root_node, "nodes": nodes}))
}

/// Whether `code` is free in the organization (`except` a node being renamed).
fn code_free(db: &Db, org_id: &str, code: &str, except: Option<&str>) -> bool {
    !db.orgs.nodes.iter().any(|n| {
        n.org_id == org_id && n.code.as_deref() == Some(code) && Some(n.id.as_str()) != except
    })
}

/// Creates an organization with its root node; answers the organization's id.
/// Errors: 400 for an empty name or a root code another organization's root has.
pub(super) fn create_org(db: &mut Db, root: NodeFields) -> Result<String, Fail> {
    if root.name.trim().is_empty() {
        return Err(fail(400, "组织机构名称不能为空"));
    }
    if let Some(code) = &root.code {
        let roots: Vec<&String> = db.orgs.orgs.iter().map(|(_, r)| r).collect();
        let taken = db
            .orgs
            .nodes
            .iter()
            .any(|n| roots.contains(&&n.id) && n.code.as_ref() == Some(code));
        if taken {
            return Err(fail(400, "组织机构 code 已存在"));
        }
    }
    let org_id = new_id(db, "org");
    let root_id = new_id(db, "node");
    db.orgs
        .nodes
        .push(node_rec(root_id.clone(), org_id.clone(), None, root));
    db.orgs.orgs.push((org_id.clone(), root_id));
    Ok(org_id)
}

fn node_rec(id: String, org_id: String, parent: Option<String>, f: NodeFields) -> NodeRec {
    NodeRec {
        id,
        org_id,
        name: f.name,
        name_i18n: f.name_i18n,
        description: f.description,
        description_i18n: f.description_i18n,
        order: f.order,
        code: f.code,
        parent,
        roles: Vec::new(),
    }
}

/// Adds a node under `parent` (the root when `None`); answers its index.
/// Errors: 404 for an unknown organization or a parent outside it; 400 for an empty name or
/// a taken code.
pub(super) fn add_node(
    db: &mut Db,
    org_id: &str,
    parent: Option<&str>,
    f: NodeFields,
) -> Result<usize, Fail> {
    let root = org_root(db, org_id)?;
    let parent = parent.unwrap_or(&root).to_owned();
    let p = node(db, &parent)?;
    if db.orgs.nodes[p].org_id != org_id {
        return Err(node_not_found());
    }
    if f.name.trim().is_empty() {
        return Err(fail(400, "部门名称不能为空"));
    }
    if let Some(code) = &f.code
        && !code_free(db, org_id, code, None)
    {
        return Err(code_taken());
    }
    let id = new_id(db, "node");
    db.orgs
        .nodes
        .push(node_rec(id, org_id.to_owned(), Some(parent), f));
    Ok(db.orgs.nodes.len() - 1)
}

/// Changes a node's name, code, description. Errors: 404, 400 for a taken code.
pub(super) fn update_node(
    db: &mut Db,
    id: &str,
    name: Option<&str>,
    code: Option<&str>,
    description: Option<&str>,
) -> Result<usize, Fail> {
    let i = node(db, id)?;
    if let Some(code) = code
        && !code_free(db, &db.orgs.nodes[i].org_id, code, Some(id))
    {
        return Err(code_taken());
    }
    let n = &mut db.orgs.nodes[i];
    if let Some(name) = name {
        if name.trim().is_empty() {
            return Err(fail(400, "部门名称不能为空"));
        }
        n.name = name.to_owned();
    }
    if let Some(code) = code {
        n.code = Some(code.to_owned());
    }
    if let Some(d) = description {
        n.description = Some(d.to_owned());
    }
    Ok(i)
}

/// Removes the nodes `ids` and their memberships (policy assignments to them too).
fn remove_nodes(db: &mut Db, ids: &[String]) {
    db.orgs.nodes.retain(|n| !ids.contains(&n.id));
    db.orgs.members.retain(|m| !ids.contains(&m.node_id));
    db.acl.org_grants.retain(|(node, ..)| !ids.contains(node));
    for id in ids {
        rbac::retarget_assignments(db, "ORG", id, None);
    }
}

/// Deletes a node and its descendants. Errors: 404; 400 for the root node.
pub(super) fn delete_node(db: &mut Db, org_id: &str, id: &str) -> Result<(), Fail> {
    let root = org_root(db, org_id)?;
    let i = node(db, id)?;
    if db.orgs.nodes[i].org_id != org_id {
        return Err(node_not_found());
    }
    if root == id {
        return Err(fail(400, "不能删除根节点"));
    }
    let ids = subtree(db, id);
    remove_nodes(db, &ids);
    Ok(())
}

/// Deletes an organization with every node. Errors: 404.
pub(super) fn delete_org(db: &mut Db, org_id: &str) -> Result<(), Fail> {
    let root = org_root(db, org_id)?;
    let ids = subtree(db, &root);
    remove_nodes(db, &ids);
    db.orgs.orgs.retain(|(o, _)| o != org_id);
    Ok(())
}

/// Moves a node under `target`. Errors: 404; 400 for the root, or a target that is the node
/// or one of its descendants, or in another organization.
pub(super) fn move_node(db: &mut Db, org_id: &str, id: &str, target: &str) -> Result<(), Fail> {
    let root = org_root(db, org_id)?;
    let (i, t) = (node(db, id)?, node(db, target)?);
    if db.orgs.nodes[i].org_id != org_id || db.orgs.nodes[t].org_id != org_id {
        return Err(node_not_found());
    }
    if id == root {
        return Err(fail(400, "不能移动根节点"));
    }
    if subtree(db, id).iter().any(|d| d == target) {
        return Err(fail(400, "不能将节点移动到它自己或它的子节点下"));
    }
    db.orgs.nodes[i].parent = Some(target.to_owned());
    Ok(())
}

/// The members of a node (and of its descendants with `deep`), each user once, in the
/// order they joined.
pub(super) fn member_ids(db: &Db, id: &str, deep: bool) -> Vec<String> {
    let nodes = if deep {
        subtree(db, id)
    } else {
        vec![id.to_owned()]
    };
    let mut out: Vec<String> = Vec::new();
    for m in &db.orgs.members {
        if nodes.contains(&m.node_id) && !out.contains(&m.user_id) {
            out.push(m.user_id.clone());
        }
    }
    out
}

/// Checks every user id exists. Errors: 2004 for an unknown one.
fn known_users(db: &Db, ids: &[String]) -> Result<(), Fail> {
    rbac::user_indexes(db, ids).map(|_| ())
}

/// Adds users to a node (members already there stay). Errors: 404, 2004 (nobody added).
pub(super) fn add_members(db: &mut Db, id: &str, users: &[String]) -> Result<(), Fail> {
    node(db, id)?;
    known_users(db, users)?;
    for u in users {
        let member = db
            .orgs
            .members
            .iter()
            .any(|m| &m.user_id == u && m.node_id == id);
        if !member {
            db.orgs.members.push(MemberRec {
                user_id: u.clone(),
                node_id: id.to_owned(),
                main: false,
            });
        }
    }
    Ok(())
}

/// Removes users from a node. Errors: 404, 2004.
pub(super) fn remove_members(db: &mut Db, id: &str, users: &[String]) -> Result<(), Fail> {
    node(db, id)?;
    known_users(db, users)?;
    db.orgs
        .members
        .retain(|m| !(m.node_id == id && users.contains(&m.user_id)));
    Ok(())
}

/// Moves users from `source` to `target` (main department follows). Errors: 404, 2004, 400
/// for a user who is not a member of the source (nobody is moved).
pub(super) fn move_members(
    db: &mut Db,
    users: &[String],
    source: &str,
    target: &str,
) -> Result<(), Fail> {
    node(db, source)?;
    node(db, target)?;
    known_users(db, users)?;
    let is_member = |db: &Db, u: &String, n: &str| {
        db.orgs
            .members
            .iter()
            .any(|m| &m.user_id == u && m.node_id == n)
    };
    if users.iter().any(|u| !is_member(db, u, source)) {
        return Err(fail(400, "用户不在源部门中"));
    }
    for u in users {
        let main = db
            .orgs
            .members
            .iter()
            .any(|m| &m.user_id == u && m.node_id == source && m.main);
        db.orgs
            .members
            .retain(|m| !(&m.user_id == u && m.node_id == source));
        if is_member(db, u, target) {
            for m in db.orgs.members.iter_mut() {
                if &m.user_id == u && m.node_id == target {
                    m.main |= main;
                }
            }
        } else {
            db.orgs.members.push(MemberRec {
                user_id: u.clone(),
                node_id: target.to_owned(),
                main,
            });
        }
    }
    Ok(())
}

/// Sets (or with `None` clears) a user's main department. Errors: 2004, 404, 400 when the
/// user is not a member of the node.
pub(super) fn set_main_department(
    db: &mut Db,
    user: &str,
    node_id: Option<&str>,
) -> Result<(), Fail> {
    known_users(db, &[user.to_owned()])?;
    if let Some(n) = node_id {
        node(db, n)?;
        if !db
            .orgs
            .members
            .iter()
            .any(|m| m.user_id == user && m.node_id == n)
        {
            return Err(fail(400, "用户不在此部门中"));
        }
    }
    for m in db.orgs.members.iter_mut().filter(|m| m.user_id == user) {
        m.main = Some(m.node_id.as_str()) == node_id;
    }
    Ok(())
}

/// A user's memberships as `getUserDepartments` lists them (`orgId` narrows them).
pub(super) fn user_departments(db: &Db, user: &str, org_id: Option<&str>) -> Vec<Value> {
    db.orgs
        .members
        .iter()
        .filter(|m| m.user_id == user)
        .filter_map(|m| node_idx(db, &m.node_id).map(|i| (m, &db.orgs.nodes[i])))
        .filter(|(_, n)| org_id.is_none_or(|o| o == n.org_id))
        .map(|(m, n)| {
            json!({"department": node_json(db, n), "isMainDepartment": m.main, "joinedAt": STAMP})
        })
        .collect()
}

/// A user's organizations as `GET /api/v2/users/{id}/orgs` answers them: per membership, the
/// nodes from the root to the department (`id`, `orgId`, `name`, `code`, ...).
pub(super) fn user_org_paths(db: &Db, user: &str) -> Value {
    let paths: Vec<Value> = db
        .orgs
        .members
        .iter()
        .filter(|m| m.user_id == user)
        .map(|m| {
            let nodes = path(db, &m.node_id);
            Value::Array(
                nodes
                    .iter()
                    .map(|i| node_json(db, &db.orgs.nodes[*i]))
                    .collect(),
            )
        })
        .collect();
    Value::Array(paths)
}

/// `assignRole`/`revokeRole` with `nodeCodes` (node ids, as the SDK sends them): every node
/// must exist (checked before anything changes; the roles were checked by the caller).
/// Errors: 404 for an unknown node.
pub(super) fn change_node_roles(
    db: &mut Db,
    assign: bool,
    ns: &str,
    codes: &[String],
    nodes: &[String],
) -> Result<(), Fail> {
    let idx: Vec<usize> = nodes
        .iter()
        .map(|n| node(db, n))
        .collect::<Result<_, _>>()?;
    for i in idx {
        let roles = &mut db.orgs.nodes[i].roles;
        for c in codes {
            let has = roles.iter().any(|(n, r)| n == ns && r == c);
            if assign && !has {
                roles.push((ns.to_owned(), c.clone()));
            } else if !assign {
                roles.retain(|(n, r)| !(n == ns && r == c));
            }
        }
    }
    Ok(())
}

/// The roles of a node (`namespace` narrows them) as `Role` JSON.
pub(super) fn node_roles(db: &Db, n: &NodeRec, ns: Option<&str>, pool: &str) -> Vec<Value> {
    n.roles
        .iter()
        .filter(|(r_ns, _)| ns.is_none_or(|x| x == r_ns))
        .map(|(r_ns, c)| rbac::membership_role_json(db, r_ns, c, pool))
        .collect()
}

/// The resources a node is authorized for: those granted to the node itself (`acl`'s
/// `authorizeResource` with target type `ORG`) and those of its roles, merged by (code, type).
pub(super) fn node_resources(
    db: &Db,
    n: &NodeRec,
    ns: Option<&str>,
    kind: Option<&str>,
) -> Vec<Value> {
    let direct = db
        .acl
        .org_grants
        .iter()
        .filter(|(node, g_ns, ..)| node == &n.id && ns.is_none_or(|x| x == g_ns))
        .map(|(_, _, c, t, acts)| (c, t, acts));
    let of_roles = n
        .roles
        .iter()
        .filter(|(r_ns, _)| ns.is_none_or(|x| x == r_ns))
        .filter_map(|(r_ns, code)| rbac::role_idx(db, r_ns, code))
        .flat_map(|r| {
            db.roles[r]
                .resources
                .iter()
                .map(|(c, t, acts)| (c, t, acts))
        });
    let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
    for (c, t, acts) in direct.chain(of_roles) {
        if kind.is_some_and(|k| k != t) {
            continue;
        }
        match out
            .iter_mut()
            .find(|(have_code, have_type, _)| have_code == c && have_type == t)
        {
            Some((_, _, have)) => {
                for a in acts {
                    if !have.contains(a) {
                        have.push(a.clone());
                    }
                }
            }
            None => out.push((c.clone(), t.clone(), acts.clone())),
        }
    }
    out.into_iter()
        .map(|(c, t, a)| json!({"code": c, "type": t, "actions": a}))
        .collect()
}

/// Imports one organization from a JSON tree (`{name, code, description, children}`).
/// Errors: 400 for a node without a name or a code twice (nothing is imported).
pub(super) fn import_tree(db: &mut Db, tree: &Value) -> Result<String, Fail> {
    // Check first, so a bad tree leaves nothing behind.
    let mut codes: Vec<&str> = Vec::new();
    let mut stack = vec![tree];
    while let Some(t) = stack.pop() {
        if str_field(t, "name").is_none_or(|n| n.trim().is_empty()) {
            return Err(fail(400, "节点名称不能为空"));
        }
        if let Some(c) = str_field(t, "code") {
            if codes.contains(&c) {
                return Err(code_taken());
            }
            codes.push(c);
        }
        stack.extend(
            t.get("children")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    }
    let fields = |t: &Value| NodeFields {
        name: str_field(t, "name").unwrap_or_default().to_owned(),
        description: str_field(t, "description").map(str::to_owned),
        code: str_field(t, "code").map(str::to_owned),
        ..NodeFields::default()
    };
    let org = create_org(db, fields(tree))?;
    let root = org_root(db, &org)?;
    let mut stack: Vec<(String, &Value)> = tree
        .get("children")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .rev()
        .map(|k| (root.clone(), k))
        .collect();
    while let Some((parent, t)) = stack.pop() {
        let i = add_node(db, &org, Some(&parent), fields(t))?;
        let id = db.orgs.nodes[i].id.clone();
        for k in t
            .get("children")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .rev()
        {
            stack.push((id.clone(), k));
        }
    }
    Ok(org)
}

/// An organization as the export's JSON tree (`{id, name, code, description, children}`).
pub(super) fn export_tree(db: &Db, org_id: &str) -> Result<Value, Fail> {
    let root = org_root(db, org_id)?;
    // Built bottom-up so a deep tree needs no recursion.
    let ids = subtree(db, &root);
    let mut built: Vec<(String, Value)> = Vec::new();
    for id in ids.iter().rev() {
        let Some(i) = node_idx(db, id) else { continue };
        let n = &db.orgs.nodes[i];
        let mut kids = Vec::new();
        for k in children(db, id) {
            if let Some(p) = built.iter().position(|(b, _)| *b == k) {
                kids.push(built.remove(p).1);
            }
        }
        let v = json!({
            "id": n.id, "name": n.name, "code": n.code, "description": n.description,
            "children": kids,
        });
        built.push((id.clone(), v));
    }
    Ok(built.pop().map_or(Value::Null, |(_, v)| v))
}
