//! Types of the `orgs` module: organizations, their nodes (departments), node trees and the
//! JSON trees of import and export.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use super::{Paginated, User, paged_users};

/// A node (department) of an organization, as the `Node` type answers it; every field Authing
/// sends that polyauth does not name is kept in `extra`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OrgNode {
    /// Node id.
    pub id: String,
    /// The organization's id (absent where the document does not select it).
    pub org_id: Option<String>,
    /// Name shown to people.
    pub name: Option<String>,
    /// Names by language (a JSON text, as Authing sends it).
    pub name_i18n: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Descriptions by language (a JSON text).
    pub description_i18n: Option<String>,
    /// Sort order among its siblings.
    pub order: Option<i64>,
    /// Code, unique in its organization.
    pub code: Option<String>,
    /// Whether it is the organization's root node.
    pub root: Option<bool>,
    /// Depth in the tree (the root is 0).
    pub depth: Option<i64>,
    /// Ids from the root to this node (itself included).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub path: Vec<String>,
    /// Codes from the root to this node (where the document selects them).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub code_path: Vec<String>,
    /// Names from the root to this node (where the document selects them).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub name_path: Vec<String>,
    /// Creation time (ISO-8601 text as Authing sends it).
    pub created_at: Option<String>,
    /// Last change (ISO-8601 text).
    pub updated_at: Option<String>,
    /// The ids of its child nodes.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub children: Vec<String>,
    /// How many members the node has, where the document selects `users { totalCount }`
    /// (`updateNode`).
    #[serde(default, rename = "users", deserialize_with = "member_count")]
    pub member_count: Option<u64>,
    /// Every other field, as Authing sends it.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A null list is an empty one.
fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// `users { totalCount }` as the count.
fn member_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Count {
        total_count: Option<u64>,
    }
    Ok(Option::<Count>::deserialize(d)?.and_then(|c| c.total_count))
}

/// An organization: its id, its root node and every node as a flat list (each naming its
/// children's ids); [`Org::tree`] builds the tree.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Org {
    /// Organization id.
    pub id: String,
    /// The root node.
    pub root_node: Option<OrgNode>,
    /// Every node, the root included.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub nodes: Vec<OrgNode>,
    /// Every other field, as Authing sends it.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A node with its child nodes, as [`Org::tree`] builds it.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct OrgTreeNode {
    /// The node (its `children` still lists the ids).
    pub node: OrgNode,
    /// Its child nodes, in the order of the node's `children` ids.
    pub children: Vec<OrgTreeNode>,
}

/// An organization as a tree (the reference's `treeify=True`).
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct OrgTree {
    /// Organization id.
    pub id: String,
    /// The top nodes: the root node, and any node no other node names as a child (a node
    /// the flat list names but does not hold is left out).
    pub roots: Vec<OrgTreeNode>,
}

impl Org {
    /// The organization's nodes as a tree, built from the flat list as the reference's
    /// `treeify` builds it: each node's `children` ids are replaced by those nodes. Unlike
    /// the reference (which would put a `None` in the tree), a child id the list does not
    /// hold is skipped; a node is placed once even if the list is cyclic. No recursion, so
    /// a deep tree is no risk.
    pub fn tree(&self) -> OrgTree {
        let by_id: HashMap<&str, &OrgNode> =
            self.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
        let named: HashSet<&str> = self
            .nodes
            .iter()
            .flat_map(|n| n.children.iter().map(String::as_str))
            .collect();
        let mut placed: HashSet<&str> = HashSet::new();
        // Visit order (parents before children) and each visited node's children.
        let mut order: Vec<(&str, Vec<&str>)> = Vec::new();
        let mut tops: Vec<&str> = Vec::new();
        let starts = self
            .nodes
            .iter()
            .filter(|n| !named.contains(n.id.as_str()))
            .chain(self.nodes.iter());
        for start in starts {
            if !placed.insert(start.id.as_str()) {
                continue;
            }
            tops.push(start.id.as_str());
            let mut stack = vec![start.id.as_str()];
            while let Some(id) = stack.pop() {
                let kids: Vec<&str> = by_id
                    .get(id)
                    .map(|n| n.children.iter().map(String::as_str))
                    .into_iter()
                    .flatten()
                    .filter(|c| by_id.contains_key(c) && placed.insert(c))
                    .collect();
                stack.extend(kids.iter().rev());
                order.push((id, kids));
            }
        }
        let mut built: HashMap<&str, OrgTreeNode> = HashMap::new();
        for (id, kids) in order.into_iter().rev() {
            let children = kids.iter().filter_map(|k| built.remove(k)).collect();
            let node = by_id.get(id).map(|n| (*n).clone()).unwrap_or_default();
            built.insert(id, OrgTreeNode { node, children });
        }
        OrgTree {
            id: self.id.clone(),
            roots: tops.iter().filter_map(|t| built.remove(t)).collect(),
        }
    }
}

/// A node and one page of its members (`addMember`, `removeMember`, `nodeById` with
/// `users`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct NodeMembers {
    /// The node.
    pub node: OrgNode,
    /// One page of its members.
    pub users: Paginated<User>,
}

impl<'de> Deserialize<'de> for NodeMembers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Wire {
            #[serde(default)]
            users: Option<Paginated<Value>>,
            #[serde(flatten)]
            node: OrgNode,
        }
        let wire = Wire::deserialize(d)?;
        let users = wire.users.unwrap_or(Paginated {
            total_count: 0,
            list: Vec::new(),
        });
        let users = paged_users(users).map_err(serde::de::Error::custom)?;
        Ok(NodeMembers {
            node: wire.node,
            users,
        })
    }
}

/// A node of the JSON tree [`Orgs::import_by_json`](crate::management::Orgs) sends and the
/// export answers: the root of an organization with its descendants.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NodeTree {
    /// Name.
    pub name: String,
    /// Code (unique in the organization).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Child nodes.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub children: Vec<NodeTree>,
    /// Every other field, as Authing sends it (sent back as it is).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl NodeTree {
    /// A node without children.
    pub fn new(name: impl Into<String>, code: Option<&str>) -> Self {
        NodeTree {
            name: name.into(),
            code: code.map(str::to_owned),
            ..NodeTree::default()
        }
    }

    /// The node with `child` added under it.
    pub fn child(mut self, child: NodeTree) -> Self {
        self.children.push(child);
        self
    }
}

/// The directory [`Orgs::start_sync`](crate::management::Orgs) synchronizes the
/// organizations from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyncProvider {
    /// DingTalk (`POST /connections/enterprise/dingtalk/start-sync`).
    DingTalk,
    /// WeCom / WeChat Work (`POST /connections/enterprise/wechatwork/start-sync`).
    WeChatWork,
    /// An Active Directory connector, by its id (`POST /api/v2/ad/sync`).
    Ad {
        /// The AD connector's id.
        connector_id: String,
    },
}

/// The fields of a new node ([`Orgs::add_node`](crate::management::Orgs)); `None` fields are
/// sent as null (the server's default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NewNode {
    /// Name (required).
    pub name: String,
    /// Code, unique in the organization.
    pub code: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Sort order among its siblings.
    pub order: Option<i32>,
    /// Names by language (a JSON text, as Authing stores it).
    pub name_i18n: Option<String>,
    /// Descriptions by language (a JSON text).
    pub description_i18n: Option<String>,
}

impl NewNode {
    /// A node of that name, every other field unset.
    pub fn new(name: impl Into<String>) -> Self {
        NewNode {
            name: name.into(),
            ..NewNode::default()
        }
    }
}
