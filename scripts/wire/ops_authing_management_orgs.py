"""Authing v2 management client, its orgs module: authing 4.5.18
(`authing.v2.management.orgs`). The same area and the same new-client scheme as
`ops_authing_management.py` (whose helpers this uses); the Rust side is
`crates/polyauth-authing/tests/wire_management/orgs.rs`.

The operations are one table: (fixture name, the call on `orgs`, the root field the scripted
GraphQL answer sits under or None for a REST answer, the answer).
"""

import json

from ops_authing_management import (  # noqa: F401  (clients: this area's clients)
    MESSAGE, OTHER_ID, USER, USER_ID, clients, gql, paged, rest, token_then,
)
from record import Op

AREA = "authing-management"

ORG_ID = "wire-org-1"
ROOT_ID = "wire-node-root"
NODE_ID = "wire-node-1"
CHILD_ID = "wire-node-2"
STAMP = "2025-12-01T00:00:00+00:00"


def node(node_id, name, code, children=(), root=False, depth=1):
    return {"id": node_id, "orgId": ORG_ID, "name": name, "nameI18n": None,
            "description": None, "descriptionI18n": None, "order": None, "code": code,
            "root": root, "depth": depth, "path": [ROOT_ID, node_id] if not root else [ROOT_ID],
            "codePath": [code], "namePath": [name], "createdAt": STAMP, "updatedAt": STAMP,
            "children": list(children)}


ROOT = node(ROOT_ID, "Acme", "acme", [NODE_ID], root=True, depth=0)
SALES = node(NODE_ID, "Sales", "sales", [CHILD_ID])
EMEA = node(CHILD_ID, "EMEA", "emea", depth=2)
ORG = {"id": ORG_ID, "rootNode": ROOT, "nodes": [ROOT, SALES, EMEA]}
MEMBERS = dict(SALES, users=paged([USER]))
RESOURCES = paged([{"code": "books:1", "type": "DATA", "actions": ["books:read"]}])
ROLES = paged([{"id": "wire-role-1", "code": "seller", "namespace": "default",
                "arn": "arn:cn:authing:wire-pool:role:wire-role-1", "description": None,
                "createdAt": STAMP, "updatedAt": STAMP}])
# Keys in sorted order: polyauth writes the tree's JSON text with sorted keys.
TREE = {"children": [{"children": [], "code": "sales", "name": "Sales"}],
        "code": "acme", "name": "Acme"}
EXPORT = [dict(TREE, id=ROOT_ID, description=None)]

TABLE = [
    ("orgs.create_org", lambda o: o.create_org("Acme", code="acme", description="HQ"),
     "create_org(name, code, description)", "createOrg", ORG),
    ("orgs.create_org_name_only", lambda o: o.create_org("Acme"),
     "create_org(name)", "createOrg", ORG),
    ("orgs.create", lambda o: o.create("Acme", code="acme", description="HQ"),
     "create(name, code, description)", "createOrg", ORG),
    ("orgs.delete_by_id", lambda o: o.delete_by_id(ORG_ID), "delete_by_id(id)", "deleteOrg",
     MESSAGE),
    ("orgs.list", lambda o: o.list(page=2, limit=5), "list(page, limit)", "orgs", paged([ORG])),
    ("orgs.list_treeify", lambda o: o.list(page=1, limit=10, treeify=True),
     "list(page, limit, treeify=True)", "orgs", paged([ORG])),
    ("orgs.find_by_id", lambda o: o.find_by_id(ORG_ID), "find_by_id(org_id)", "org", ORG),
    ("orgs.find_by_id_treeify", lambda o: o.find_by_id(ORG_ID, treeify=True),
     "find_by_id(org_id, treeify=True)", "org", ORG),
    ("orgs.create_node", lambda o: o.create_node("EMEA", ORG_ID, NODE_ID, code="emea"),
     "create_node(name, org_id, parent_node_id, code)", "addNodeV2", EMEA),
    ("orgs.add_node", lambda o: o.add_node(ORG_ID, "APAC", NODE_ID, code="apac",
                                           description="Asia", order=1),
     "add_node(org_id, name, parent_node_id, code, description, order)", "addNode", ORG),
    ("orgs.add_node_i18n", lambda o: o.add_node(ORG_ID, "APAC", None,
                                                name_i18n="{\"en\": \"APAC\"}"),
     "add_node(org_id, name, None, name_i18n)", "addNode", ORG),
    ("orgs.get_node_by_id", lambda o: o.get_node_by_id(NODE_ID), "get_node_by_id(node_id)",
     "nodeById", SALES),
    ("orgs.update_node", lambda o: o.update_node(NODE_ID, name="Sales EU", code="sales-eu"),
     "update_node(node_id, name, code)", "updateNode", dict(SALES, users={"totalCount": 1})),
    ("orgs.delete_node", lambda o: o.delete_node(ORG_ID, NODE_ID), "delete_node(org_id, node_id)",
     "deleteNode", MESSAGE),
    ("orgs.is_root_node", lambda o: o.is_root_node(ORG_ID, ROOT_ID),
     "is_root_node(org_id, node_id)", "isRootNode", True),
    ("orgs.move_node", lambda o: o.move_node(ORG_ID, CHILD_ID, ROOT_ID),
     "move_node(org_id, node_id, target_parent_id)", "moveNode", ORG),
    ("orgs.list_children", lambda o: o.list_children(NODE_ID), "list_children(node_id)",
     "childrenNodes", [EMEA]),
    ("orgs.root_node", lambda o: o.root_node(ORG_ID), "root_node(org_id)", "rootNode", ROOT),
    ("orgs.search_nodes", lambda o: o.search_nodes("EM"), "search_nodes(keyword)",
     "searchNodes", [EMEA]),
    ("orgs.add_roles", lambda o: o.add_roles(NODE_ID, ["seller", "auditor"], namespace="cms"),
     "add_roles(node_id, role_list, namespace)", "assignRole", MESSAGE),
    ("orgs.remove_roles", lambda o: o.remove_roles(NODE_ID, ["seller"]),
     "remove_roles(node_id, role_list)", "revokeRole", MESSAGE),
    ("orgs.list_roles", lambda o: o.list_roles(NODE_ID, namespace="default"),
     "list_roles(node_id, namespace)", "nodeById", {"roles": ROLES}),
    ("orgs.list_authorized_resources",
     lambda o: o.list_authorized_resources(NODE_ID, namespace="default", resource_type="DATA"),
     "list_authorized_resources(node_id, namespace, resource_type)", "nodeById",
     {"authorizedResources": RESOURCES}),
    ("orgs.list_authorized_resources_by_code",
     lambda o: o.list_authorized_resources_by_code(ORG_ID, "sales", namespace="default"),
     "list_authorized_resources_by_code(org_id, code, namespace)", "nodeByCode",
     {"authorizedResources": RESOURCES}),
    ("orgs.add_members", lambda o: o.add_members(NODE_ID, [USER_ID, OTHER_ID]),
     "add_members(node_id, user_ids)", "addMember", MEMBERS),
    ("orgs.list_members", lambda o: o.list_members(NODE_ID, page=2, limit=20,
                                                   include_children_nodes=True),
     "list_members(node_id, page, limit, include_children_nodes)", "nodeById", MEMBERS),
    ("orgs.move_members", lambda o: o.move_members([USER_ID], CHILD_ID, NODE_ID),
     "move_members(user_ids, target_node_id, source_node_id)", "moveMembers", MESSAGE),
    ("orgs.delete_members", lambda o: o.delete_members(NODE_ID, [USER_ID]),
     "delete_members(node_id, user_ids)", "removeMember", MEMBERS),
    ("orgs.set_main_department", lambda o: o.set_main_department(USER_ID, NODE_ID),
     "set_main_department(user_id, department_id)", "setMainDepartment", MESSAGE),
    ("orgs.import_by_json", lambda o: o.import_by_json(json.dumps(TREE)),
     "import_by_json(json.dumps(tree))", None, {"id": ORG_ID}),
    ("orgs.export_all", lambda o: o.export_all(), "export_all()", None, EXPORT),
    ("orgs.export_by_org_id", lambda o: o.export_by_org_id(ORG_ID), "export_by_org_id(org_id)",
     None, EXPORT),
    ("orgs.start_sync_dingtalk", lambda o: o.start_sync("dingtalk"), "start_sync('dingtalk')",
     None, None),
    ("orgs.start_sync_wechatwork", lambda o: o.start_sync("wechatwork"),
     "start_sync('wechatwork')", None, None),
    # The reference refuses a connector id for AD (an inverted check), so it can only send
    # none; polyauth sends the id (declared in deviations.toml).
    ("orgs.start_sync_ad", lambda o: o.start_sync("ad"), "start_sync('ad')", None, None),
]


def orgs_call(call):
    """`call` on the orgs module of a new client."""
    return lambda c: call(c["new"]().org)


OPS = [
    Op(name, orgs_call(call), "orgs." + reference,
       token_then(gql(root, answer) if root else rest(answer)))
    for name, call, reference, root, answer in TABLE
]
