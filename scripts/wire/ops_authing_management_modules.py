"""Authing v2 management client, its roles, groups and policies modules: authing 4.5.18
(`authing.v2.management.roles`, `groups`, `policies`). The same area and the same new-client
scheme as `ops_authing_management.py` (whose helpers this uses); the Rust side is
`crates/polyauth-authing/tests/wire_management/modules.rs`.
"""

from ops_authing_management import (  # noqa: F401  (clients: this area's clients)
    CUSTOM_DATA, MESSAGE, OTHER_ID, USER, USER_ID, USER_WITH_CUSTOM_DATA, clients, gql, paged,
    token_then,
)
from record import Op

AREA = "authing-management"

# Roles and groups (`authing/v2/management/roles.py`, `groups.py`).
ROLE_ID = "wire-role-1"
OTHER_ROLE_ID = "wire-role-2"


def roles(c):
    """The roles module of a new client."""
    return c["new"]().roles


def groups(c):
    """The groups module of a new client."""
    return c["new"]().groups


ROLE_FIELDS = {"namespace": "default", "code": "admin", "arn": "arn:cn:authing:wire-pool:role:wire-role-1",
               "description": "Administrators", "createdAt": "2025-12-01T00:00:00+00:00",
               "updatedAt": "2025-12-01T00:00:00+00:00"}
ROLE = dict(ROLE_FIELDS, id=ROLE_ID, parent=None)
CHILD_ROLE = dict(ROLE_FIELDS, id=OTHER_ROLE_ID, code="editor", description="Edits",
                  parent=ROLE_FIELDS)
GROUP = {"code": "developers", "name": "Developers", "description": "Write code",
         "createdAt": "2025-12-01T00:00:00+00:00", "updatedAt": "2025-12-01T00:00:00+00:00"}
RESOURCES = paged([{"code": "books:1", "type": "DATA", "actions": ["books:read"]}])
ROLE_UDF_DATA = {"level": 3, "tags": ["a", "b"], "owner": "ops"}

OPS = [
    Op(
        "roles.list",
        lambda c: roles(c).list(page=2, limit=5, namespace="billing"),
        "roles.list(page, limit, namespace)",
        token_then(gql("roles", paged([dict(ROLE_FIELDS, id=ROLE_ID)]))),
    ),
    Op(
        "roles.list_defaults",
        lambda c: roles(c).list(),
        "roles.list()",
        token_then(gql("roles", paged([]))),
    ),
    Op(
        "roles.create",
        lambda c: roles(c).create("admin", description="Administrators"),
        "roles.create(code, description)",
        token_then(gql("createRole", ROLE)),
    ),
    Op(
        "roles.create_with_parent",
        lambda c: roles(c).create("editor", description="Edits", parentCode="admin",
                                  namespace="cms"),
        "roles.create(code, description, parentCode, namespace)",
        token_then(gql("createRole", CHILD_ROLE)),
    ),
    Op(
        "roles.detail",
        lambda c: roles(c).detail("admin", namespace="cms"),
        "roles.detail(code, namespace)",
        token_then(gql("role", ROLE)),
    ),
    Op(
        "roles.find_by_code",
        lambda c: roles(c).find_by_code("admin"),
        "roles.find_by_code(code)",
        token_then(gql("role", None)),
    ),
    Op(
        "roles.update",
        lambda c: roles(c).update("admin", description="Runs it all", newCode="root",
                                  namespace="cms"),
        "roles.update(code, description, newCode, namespace)",
        token_then(gql("updateRole", dict(ROLE, code="root"))),
    ),
    Op(
        "roles.delete",
        lambda c: roles(c).delete("admin"),
        "roles.delete(code)",
        token_then(gql("deleteRole", MESSAGE)),
    ),
    Op(
        "roles.delete_many",
        lambda c: roles(c).delete_many(["admin", "editor"], namespace="cms"),
        "roles.delete_many(code_list, namespace)",
        token_then(gql("deleteRoles", MESSAGE)),
    ),
    Op(
        "roles.list_users",
        lambda c: roles(c).list_users("admin", page=2, limit=20, namespace="cms"),
        "roles.list_users(code, page, limit, namespace)",
        token_then(gql("role", {"users": paged([USER])})),
    ),
    Op(
        "roles.list_users_with_custom_data",
        lambda c: roles(c).list_users("admin", with_custom_data=True),
        "roles.list_users(code, with_custom_data=True)",
        token_then(gql("role", {"users": paged([USER_WITH_CUSTOM_DATA])})),
    ),
    Op(
        "roles.add_users",
        lambda c: roles(c).add_users("admin", [USER_ID, OTHER_ID], namespace="cms"),
        "roles.add_users(code, userIds, namespace)",
        token_then(gql("assignRole", MESSAGE)),
    ),
    Op(
        "roles.remove_users",
        lambda c: roles(c).remove_users("admin", [USER_ID]),
        "roles.remove_users(code, userIds)",
        token_then(gql("revokeRole", MESSAGE)),
    ),
    Op(
        "roles.list_policies",
        lambda c: roles(c).list_policies("admin", page=1, limit=10),
        "roles.list_policies(code, page, limit)",
        token_then(gql("policyAssignments", paged([
            {"code": "policy-1", "targetType": "ROLE", "targetIdentifier": "admin"}]))),
    ),
    Op(
        "roles.add_policies",
        lambda c: roles(c).add_policies("admin", ["policy-1", "policy-2"]),
        "roles.add_policies(code, policies)",
        token_then(gql("addPolicyAssignments", MESSAGE)),
    ),
    Op(
        "roles.remove_policies",
        lambda c: roles(c).remove_policies("admin", ["policy-1"]),
        "roles.remove_policies(code, policies)",
        token_then(gql("removePolicyAssignments", MESSAGE)),
    ),
    Op(
        "roles.list_authorized_resources",
        lambda c: roles(c).list_authorized_resources("admin", "default", resource_type="DATA"),
        "roles.list_authorized_resources(code, namespace, resource_type='DATA')",
        token_then(gql("role", {"authorizedResources": RESOURCES})),
    ),
    Op(
        "roles.get_udf_value",
        lambda c: roles(c).get_udf_value(ROLE_ID),
        "roles.get_udf_value(id)",
        token_then(gql("udv", CUSTOM_DATA)),
    ),
    Op(
        "roles.get_specific_udf_value",
        lambda c: roles(c).get_specific_udf_value(ROLE_ID, "school"),
        "roles.get_specific_udf_value(id, key)",
        token_then(gql("udv", CUSTOM_DATA)),
    ),
    Op(
        "roles.get_udf_value_batch",
        lambda c: roles(c).get_udf_value_batch([ROLE_ID, OTHER_ROLE_ID]),
        "roles.get_udf_value_batch(ids)",
        token_then(gql("udfValueBatch", [{"targetId": ROLE_ID, "data": CUSTOM_DATA}])),
    ),
    Op(
        "roles.set_udf_value",
        lambda c: roles(c).set_udf_value(ROLE_ID, ROLE_UDF_DATA),
        "roles.set_udf_value(id, data)",
        token_then(gql("setUdvBatch", CUSTOM_DATA)),
    ),
    Op(
        "roles.set_udf_value_batch",
        lambda c: roles(c).set_udf_value_batch(
            {ROLE_ID: {"level": 3, "owner": "ops"}, OTHER_ROLE_ID: {"level": 1}}),
        "roles.set_udf_value_batch(data)",
        token_then(gql("setUdfValueBatch", MESSAGE)),
    ),
    Op(
        "roles.remove_udf_value",
        lambda c: roles(c).remove_udf_value(ROLE_ID, "level"),
        "roles.remove_udf_value(id, key)",
        token_then(gql("removeUdv", [])),
    ),
    Op(
        "groups.list",
        lambda c: groups(c).list(page=3, limit=5),
        "groups.list(page, limit)",
        token_then(gql("groups", paged([GROUP]))),
    ),
    Op(
        "groups.create",
        lambda c: groups(c).create("developers", "Developers", description="Write code"),
        "groups.create(code, name, description)",
        token_then(gql("createGroup", GROUP)),
    ),
    Op(
        "groups.create_without_description",
        lambda c: groups(c).create("qa", "QA"),
        "groups.create(code, name)",
        token_then(gql("createGroup", dict(GROUP, code="qa", name="QA", description=None))),
    ),
    Op(
        "groups.detail",
        lambda c: groups(c).detail("developers"),
        "groups.detail(code)",
        token_then(gql("group", GROUP)),
    ),
    Op(
        "groups.update",
        lambda c: groups(c).update("developers", new_code="engineers", name="Engineers"),
        "groups.update(code, new_code, name)",
        token_then(gql("updateGroup", dict(GROUP, code="engineers", name="Engineers"))),
    ),
    Op(
        "groups.delete",
        lambda c: groups(c).delete("developers"),
        "groups.delete(code)",
        token_then(gql("deleteGroups", MESSAGE)),
    ),
    Op(
        "groups.delete_many",
        lambda c: groups(c).delete_many(["developers", "qa"]),
        "groups.delete_many(code_list)",
        token_then(gql("deleteGroups", MESSAGE)),
    ),
    Op(
        "groups.list_users",
        lambda c: groups(c).list_users("developers", page=2, limit=20),
        "groups.list_users(code, page, limit)",
        token_then(gql("group", {"users": paged([USER])})),
    ),
    Op(
        "groups.list_users_with_custom_data",
        lambda c: groups(c).list_users("developers", with_custom_data=True),
        "groups.list_users(code, with_custom_data=True)",
        token_then(gql("group", {"users": paged([USER_WITH_CUSTOM_DATA])})),
    ),
    Op(
        "groups.add_users",
        lambda c: groups(c).add_users("developers", [USER_ID, OTHER_ID]),
        "groups.add_users(code, user_ids)",
        token_then(gql("addUserToGroup", MESSAGE)),
    ),
    Op(
        "groups.remove_users",
        lambda c: groups(c).remove_users("developers", [USER_ID]),
        "groups.remove_users(code, user_ids)",
        token_then(gql("removeUserFromGroup", MESSAGE)),
    ),
    Op(
        "groups.list_authorized_resources",
        lambda c: groups(c).list_authorized_resources("developers", namespace="default",
                                                      resource_type="API"),
        "groups.list_authorized_resources(code, namespace, resource_type='API')",
        token_then(gql("group", {"authorizedResources": RESOURCES})),
    ),
    Op(
        "groups.list_authorized_resources_defaults",
        lambda c: groups(c).list_authorized_resources("developers"),
        "groups.list_authorized_resources(code)",
        token_then(gql("group", {"authorizedResources": RESOURCES})),
    ),
]


# Policies (`authing/v2/management/policies.py`).
def policies(c):
    """The policies module of a new client."""
    return c["new"]().policies


STATEMENTS = [
    {"resource": "books:*", "actions": ["books:read"], "effect": "ALLOW"},
    {"resource": "books:secret", "actions": ["books:read", "books:write"], "effect": "DENY",
     "condition": [{"param": "AppId", "operator": "StringEquals", "value": "app-1"}]},
]
POLICY = {"namespace": "default", "code": "readers", "isDefault": False,
          "description": "Read books", "statements": STATEMENTS,
          "createdAt": "2025-12-01T00:00:00+00:00", "updatedAt": "2025-12-01T00:00:00+00:00"}

OPS += [
    Op(
        "policies.list",
        lambda c: policies(c).list(page=2, limit=5),
        "policies.list(page, limit)",
        token_then(gql("policies", paged([POLICY]))),
    ),
    Op(
        "policies.create",
        lambda c: policies(c).create("readers", STATEMENTS, description="Read books"),
        "policies.create(code, statements, description)",
        token_then(gql("createPolicy", dict(POLICY, assignmentsCount=0))),
    ),
    Op(
        "policies.detail",
        lambda c: policies(c).detail("readers"),
        "policies.detail(code)",
        token_then(gql("policy", POLICY)),
    ),
    Op(
        "policies.update",
        lambda c: policies(c).update("readers", STATEMENTS[:1]),
        "policies.update(code, statements)",
        token_then(gql("updatePolicy", dict(POLICY, statements=STATEMENTS[:1]))),
    ),
    Op(
        "policies.delete",
        lambda c: policies(c).delete("readers"),
        "policies.delete(code)",
        token_then(gql("deletePolicy", MESSAGE)),
    ),
    Op(
        "policies.delete_many",
        lambda c: policies(c).delete_many(["readers", "writers"]),
        "policies.delete_many(code_list)",
        token_then(gql("deletePolicies", MESSAGE)),
    ),
    Op(
        "policies.list_assignments",
        lambda c: policies(c).list_assignments("readers", page=1, limit=10),
        "policies.list_assignments(code, page, limit)",
        token_then(gql("policyAssignments", paged([
            {"code": "readers", "targetType": "ROLE", "targetIdentifier": "editor"}]))),
    ),
    Op(
        "policies.add_assignments",
        lambda c: policies(c).add_assignments(["readers", "writers"], "ROLE", ["editor"]),
        "policies.add_assignments(policies, targetType, targetIdentifiers)",
        token_then(gql("addPolicyAssignments", MESSAGE)),
    ),
    Op(
        "policies.remove_assignments",
        lambda c: policies(c).remove_assignments(["readers"], "USER", [USER_ID]),
        "policies.remove_assignments(policies, targetType, targetIdentifiers)",
        token_then(gql("removePolicyAssignments", MESSAGE)),
    ),
    Op(
        "policies.enable_assignment",
        lambda c: policies(c).enable_assignment("readers", "GROUP", "staff", namespace="default"),
        "policies.enable_assignment(policy, target_type, target_identifier, namespace)",
        token_then(gql("enablePolicyAssignment", MESSAGE)),
    ),
    Op(
        "policies.disable_assignment",
        lambda c: policies(c).disable_assignment("readers", "ORG", "node-1"),
        "policies.disable_assignment(policy, target_type, target_identifier)",
        token_then(gql("disbalePolicyAssignment", MESSAGE)),
    ),
]
