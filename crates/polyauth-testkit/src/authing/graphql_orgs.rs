//! GraphQL resolvers of the orgs module: organizations (`createOrg`, `orgs`, `org`,
//! `deleteOrg`), their nodes (`addNode`, `addNodeV2`, `nodeById` and `nodeByCode` with the
//! `roles`, `authorizedResources` and `users` they select, `updateNode`, `deleteNode`,
//! `isRootNode`, `moveNode`, `childrenNodes`, `rootNode`, `searchNodes`) and members
//! (`addMember`, `removeMember`, `moveMembers`, `setMainDepartment`), over the records of
//! [`orgs`](super::orgs). The argument types the schema check reads are [`FIELDS`].

use serde_json::{Map, Value, json};

use super::graphql::{Call, Resolver, args_of, fields, message_ok, paged};
use super::orgs::{self as o, NodeFields};
use super::rbac::members_json;
use super::store::{Db, Fail, Shared, str_arg, str_list};

/// The resolvers of this area, by root field.
pub(super) const RESOLVERS: &[(&str, Resolver)] = &[
    ("createOrg", create_org),
    ("orgs", orgs),
    ("org", org),
    ("deleteOrg", delete_org),
    ("addNode", add_node),
    ("addNodeV2", add_node),
    ("nodeById", node_by),
    ("nodeByCode", node_by),
    ("updateNode", update_node),
    ("deleteNode", delete_node),
    ("isRootNode", is_root_node),
    ("moveNode", move_node),
    ("childrenNodes", children_nodes),
    ("rootNode", root_node),
    ("searchNodes", search_nodes),
    ("addMember", members),
    ("removeMember", members),
    ("moveMembers", move_members),
    ("setMainDepartment", set_main_department),
];

const NODE_USERS: &[(&str, &str)] = &[
    ("page", "Int"),
    ("limit", "Int"),
    ("sortBy", "SortByEnum"),
    ("includeChildrenNodes", "Boolean"),
];
const NODE_CHANGE: &[(&str, &str)] = &[
    ("orgId", "String!"),
    ("parentNodeId", "String"),
    ("name", "String!"),
    ("nameI18n", "String"),
    ("description", "String"),
    ("descriptionI18n", "String"),
    ("order", "Int"),
    ("code", "String"),
];
const ORG_NODE: &[(&str, &str)] = &[("orgId", "String!"), ("nodeId", "String!")];
const MEMBER_CHANGE: &[(&str, &str)] = &[
    ("nodeId", "String"),
    ("orgId", "String"),
    ("nodeCode", "String"),
    ("userIds", "[String!]!"),
    ("isLeader", "Boolean"),
];
const RESOURCES: &[(&str, &str)] = &[("namespace", "String"), ("resourceType", "String")];

/// The arguments of the orgs module's fields (nested ones as `Node.field`), for the schema
/// check.
pub(super) const FIELDS: &[(&str, &[(&str, &str)])] = &[
    (
        "createOrg",
        &[
            ("name", "String!"),
            ("code", "String"),
            ("description", "String"),
        ],
    ),
    (
        "orgs",
        &[("page", "Int"), ("limit", "Int"), ("sortBy", "SortByEnum")],
    ),
    ("org", &[("id", "String!")]),
    ("deleteOrg", &[("id", "String!")]),
    ("addNode", NODE_CHANGE),
    ("addNodeV2", NODE_CHANGE),
    ("nodeById", &[("id", "String!")]),
    ("nodeByCode", &[("orgId", "String!"), ("code", "String!")]),
    ("Node.users", NODE_USERS),
    ("Node.roles", &[("namespace", "String")]),
    ("Node.authorizedResources", RESOURCES),
    (
        "updateNode",
        &[
            ("id", "String!"),
            ("name", "String"),
            ("code", "String"),
            ("description", "String"),
        ],
    ),
    ("deleteNode", ORG_NODE),
    ("isRootNode", ORG_NODE),
    (
        "moveNode",
        &[
            ("orgId", "String!"),
            ("nodeId", "String!"),
            ("targetParentId", "String!"),
        ],
    ),
    ("childrenNodes", &[("nodeId", "String!")]),
    ("rootNode", &[("orgId", "String!")]),
    ("searchNodes", &[("keyword", "String!")]),
    ("addMember", MEMBER_CHANGE),
    (
        "removeMember",
        &[
            ("nodeId", "String"),
            ("orgId", "String"),
            ("nodeCode", "String"),
            ("userIds", "[String!]!"),
        ],
    ),
    (
        "moveMembers",
        &[
            ("userIds", "[String!]!"),
            ("sourceNodeId", "String!"),
            ("targetNodeId", "String!"),
        ],
    ),
    (
        "setMainDepartment",
        &[("userId", "String!"), ("departmentId", "String")],
    ),
];

/// The type a root field of this area answers, for the arguments of the fields it selects.
pub(super) fn object_of(root: &str) -> Option<&'static str> {
    match root {
        "nodeById" | "nodeByCode" | "addMember" | "removeMember" | "updateNode" => Some("Node"),
        _ => None,
    }
}

fn int(args: &Map<String, Value>, k: &str) -> Option<i64> {
    args.get(k).and_then(Value::as_i64)
}

fn create_org(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let root = NodeFields {
        name: call.str("name").unwrap_or_default().to_owned(),
        code: call.str("code").map(str::to_owned),
        description: call.str("description").map(str::to_owned),
        ..NodeFields::default()
    };
    let id = o::create_org(db, root)?;
    o::org_json(db, &id)
}

fn orgs(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let ids: Vec<String> = db.orgs.orgs.iter().map(|(id, _)| id.clone()).collect();
    let list = ids
        .iter()
        .map(|id| o::org_json(db, id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(paged(list, int(call.args, "page"), int(call.args, "limit")))
}

/// `org(id)`: null for an unknown organization.
fn org(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    Ok(o::org_json(db, call.str("id").unwrap_or_default()).unwrap_or(Value::Null))
}

fn delete_org(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    o::delete_org(db, call.str("id").unwrap_or_default())?;
    Ok(message_ok("删除成功"))
}

/// `addNode` answers the organization, `addNodeV2` the new node.
fn add_node(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let org_id = call.str("orgId").unwrap_or_default().to_owned();
    let f = NodeFields {
        name: call.str("name").unwrap_or_default().to_owned(),
        name_i18n: call.str("nameI18n").map(str::to_owned),
        description: call.str("description").map(str::to_owned),
        description_i18n: call.str("descriptionI18n").map(str::to_owned),
        order: int(call.args, "order"),
        code: call.str("code").map(str::to_owned),
    };
    let i = o::add_node(db, &org_id, call.str("parentNodeId"), f)?;
    if call.root == "addNodeV2" {
        Ok(o::node_json(db, &db.orgs.nodes[i]))
    } else {
        o::org_json(db, &org_id)
    }
}

/// A node with the `users`, `roles` and `authorizedResources` its selection asks for.
fn node_with_selection(s: &Shared, db: &Db, i: usize, call: &Call<'_, '_>) -> Value {
    let n = &db.orgs.nodes[i];
    let mut v = o::node_json(db, n);
    let Value::Object(m) = &mut v else {
        return v;
    };
    let pool = &s.options.user_pool_id;
    for f in fields(&call.field.selection_set) {
        let a = args_of(f, call.vars);
        let ns = str_arg(&a, "namespace");
        let page = match f.name.as_str() {
            "users" => {
                let deep = a.get("includeChildrenNodes").and_then(Value::as_bool) == Some(true);
                let ids = o::member_ids(db, &n.id, deep);
                let users = ids
                    .iter()
                    .filter_map(|id| db.users.iter().find(|u| &u.id == id));
                paged(members_json(users, pool), int(&a, "page"), int(&a, "limit"))
            }
            "roles" => {
                let list = o::node_roles(db, n, ns, pool);
                json!({"totalCount": list.len(), "list": list})
            }
            "authorizedResources" => {
                let list = o::node_resources(db, n, ns, str_arg(&a, "resourceType"));
                json!({"totalCount": list.len(), "list": list})
            }
            _ => continue,
        };
        m.insert(f.name.clone(), page);
    }
    v
}

/// `nodeById(id)`, `nodeByCode(orgId, code)`: null for an unknown node.
fn node_by(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let i = if call.root == "nodeById" {
        o::node_idx(db, call.str("id").unwrap_or_default())
    } else {
        let (org, code) = (call.str("orgId"), call.str("code"));
        db.orgs
            .nodes
            .iter()
            .position(|n| Some(n.org_id.as_str()) == org && n.code.as_deref() == code)
    };
    Ok(i.map_or(Value::Null, |i| node_with_selection(s, db, i, call)))
}

fn update_node(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let i = o::update_node(
        db,
        call.str("id").unwrap_or_default(),
        call.str("name"),
        call.str("code"),
        call.str("description"),
    )?;
    Ok(node_with_selection(s, db, i, call))
}

fn delete_node(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let (org, node) = (call.str("orgId"), call.str("nodeId"));
    o::delete_node(db, org.unwrap_or_default(), node.unwrap_or_default())?;
    Ok(message_ok("删除成功"))
}

fn is_root_node(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let root = o::org_root(db, call.str("orgId").unwrap_or_default())?;
    let node = call.str("nodeId").unwrap_or_default();
    o::node(db, node)?;
    Ok(json!(root == node))
}

fn move_node(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let org = call.str("orgId").unwrap_or_default().to_owned();
    let (node, target) = (call.str("nodeId"), call.str("targetParentId"));
    o::move_node(
        db,
        &org,
        node.unwrap_or_default(),
        target.unwrap_or_default(),
    )?;
    o::org_json(db, &org)
}

fn children_nodes(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let id = call.str("nodeId").unwrap_or_default();
    o::node(db, id)?;
    let list = o::children(db, id)
        .iter()
        .filter_map(|c| o::node_idx(db, c))
        .map(|i| o::node_json(db, &db.orgs.nodes[i]))
        .collect();
    Ok(Value::Array(list))
}

fn root_node(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let root = o::org_root(db, call.str("orgId").unwrap_or_default())?;
    let i = o::node(db, &root)?;
    Ok(o::node_json(db, &db.orgs.nodes[i]))
}

/// `searchNodes(keyword)`: the nodes whose name contains the keyword.
fn search_nodes(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let keyword = call.str("keyword").unwrap_or_default();
    let list = db
        .orgs
        .nodes
        .iter()
        .filter(|n| n.name.contains(keyword))
        .map(|n| o::node_json(db, n))
        .collect();
    Ok(Value::Array(list))
}

/// `addMember`, `removeMember`: the node by `nodeId`, or by `orgId` and `nodeCode`.
fn members(s: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let id = match (call.str("nodeId"), call.str("orgId"), call.str("nodeCode")) {
        (Some(id), _, _) => id.to_owned(),
        (None, Some(org), Some(code)) => db
            .orgs
            .nodes
            .iter()
            .find(|n| n.org_id == org && n.code.as_deref() == Some(code))
            .map(|n| n.id.clone())
            .ok_or_else(o::node_not_found)?,
        _ => return Err(o::node_not_found()),
    };
    let users = str_list(call.args.get("userIds"));
    if call.root == "addMember" {
        o::add_members(db, &id, &users)?;
    } else {
        o::remove_members(db, &id, &users)?;
    }
    let i = o::node(db, &id)?;
    Ok(node_with_selection(s, db, i, call))
}

fn move_members(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let users = str_list(call.args.get("userIds"));
    let (source, target) = (call.str("sourceNodeId"), call.str("targetNodeId"));
    o::move_members(
        db,
        &users,
        source.unwrap_or_default(),
        target.unwrap_or_default(),
    )?;
    Ok(message_ok("移动成功"))
}

fn set_main_department(_: &Shared, db: &mut Db, call: &Call<'_, '_>) -> Result<Value, Fail> {
    let user = call.str("userId").unwrap_or_default();
    o::set_main_department(db, user, call.str("departmentId"))?;
    Ok(message_ok("设置成功"))
}
