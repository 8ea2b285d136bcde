"""Authing v2 management client: authing 4.5.18 (`authing.v2.management`).

Every operation builds a new ManagementClient, so each one starts with the management token
query (`accessToken`) before its own request, exactly as polyauth does with a new client; the
scripted responses answer the token query first. The Rust side is
`crates/polyauth-authing/tests/wire_management.rs`.
"""

from authing_common import APP_ID, ENC_PUBLIC_KEY, POOL_ID, USER_ID, USER_TOKEN
from record import Op, ok

AREA = "authing-management"
POOL_SECRET = "wire-pool-secret"
MANAGEMENT_TOKEN = "wire-management-token"
OTHER_ID = "wire-user-2"


def clients(base_url):
    from authing.v2.management.authing import ManagementClient
    from authing.v2.management.types import ManagementClientOptions

    def new(lang=None):
        options = ManagementClientOptions(
            user_pool_id=POOL_ID,
            secret=POOL_SECRET,
            host=base_url,
            enc_public_key=ENC_PUBLIC_KEY,
            lang=lang,
        )
        return ManagementClient(options)

    return {"new": new}


def token_reused(c):
    """Two calls on one client: the token is fetched once (its exp is far away)."""
    users = c["new"]().users
    users.list(page=1, limit=10)
    users.delete(USER_ID)


def users(c):
    """The users module of a new client (its first call fetches the management token)."""
    return c["new"]().users


def gql(root, value):
    return ok({"data": {root: value}})


def rest(data):
    return ok({"code": 200, "message": "ok", "data": data})


# The management token: exp far in the future, so a client reuses it.
TOKEN = gql("accessToken", {"accessToken": MANAGEMENT_TOKEN, "exp": 4102444800, "iat": 1700000000})

USER = {
    "id": USER_ID,
    "arn": "arn:cn:authing:wire-pool:user:wire-user-1",
    "userPoolId": POOL_ID,
    "status": "Activated",
    "username": "alice",
    "email": "alice@example.com",
    "emailVerified": False,
    "phone": None,
    "phoneVerified": False,
    "nickname": "Alice",
    "photo": "https://files.authing.co/authing-console/default-user-avatar.png",
    "token": None,
    "tokenExpiredAt": None,
    "loginsCount": 3,
    "lastLogin": "2026-01-01T00:00:00+00:00",
    "signedUp": "2025-12-01T00:00:00+00:00",
    "blocked": False,
    "isDeleted": False,
    "externalId": None,
    "createdAt": "2025-12-01T00:00:00+00:00",
    "updatedAt": "2026-01-01T00:00:00+00:00",
}
CUSTOM_DATA = [
    {"key": "school", "dataType": "STRING", "value": "MIT", "label": "School"},
    {"key": "age", "dataType": "NUMBER", "value": "20", "label": "Age"},
]
USER_WITH_CUSTOM_DATA = dict(USER, customData=CUSTOM_DATA)
USER_IN_LIST = dict(USER, identities=[])
MESSAGE = {"code": 200, "message": "ok"}


def paged(items):
    return {"totalCount": len(items), "list": items}


def token_then(*responses):
    return [TOKEN, *responses]


# A value's JSON encoding is sent as a string; nested values show the encoder's layout.
UDF_DATA = {"school": "MIT", "age": 20, "tags": {"a": [1, True, None]}}

OPS = [
    # The client itself.
    Op(
        "management_token",
        lambda c: c["new"]().tokenProvider.getAccessToken(),
        "ManagementClient.tokenProvider.getAccessToken()",
        [TOKEN],
    ),
    Op(
        "management_token_reused",
        token_reused,
        "users.list(); users.delete(userId) on one client",
        token_then(gql("users", paged([USER_IN_LIST])), gql("deleteUser", MESSAGE)),
    ),
    Op(
        "check_login_status",
        lambda c: c["new"]().check_login_status(USER_TOKEN),
        "ManagementClient.check_login_status(token)",
        [gql("checkLoginStatus", {"code": 200, "message": "ok", "status": True, "exp": 4102444800,
                                  "iat": 1700000000, "data": {"id": USER_ID, "userPoolId": POOL_ID,
                                                              "arn": None}})],
    ),
    Op(
        "send_email",
        lambda c: c["new"]().send_email("alice@example.com", "RESET_PASSWORD"),
        "ManagementClient.send_email(email, 'RESET_PASSWORD')",
        [gql("sendEmail", MESSAGE)],
    ),
    Op(
        "is_password_valid",
        lambda c: c["new"]().is_password_valid("Wire-pass-1"),
        "ManagementClient.is_password_valid(password)",
        token_then(rest({"valid": True, "message": "ok"})),
    ),
    # Users.
    Op(
        "users.create",
        lambda c: users(c).create(
            {"username": "alice", "email": "alice@example.com", "password": "Wire-pass-1"}),
        "users.create(userInfo)",
        token_then(gql("createUser", USER)),
        mask=["/1/request/body/json/variables/userInfo/password"],
    ),
    Op(
        "users.create_with_custom_data",
        lambda c: users(c).create(
            {"username": "alice", "password": "Wire-pass-1"},
            keep_password=True,
            custom_data={"age": 20, "school": "MIT"},
        ),
        "users.create(userInfo, keep_password=True, custom_data={...})",
        token_then(gql("createUser", USER_WITH_CUSTOM_DATA)),
        mask=["/1/request/body/json/variables/userInfo/password"],
    ),
    Op(
        "users.create_with_empty_custom_data",
        lambda c: users(c).create({"username": "bob", "password": ""}, custom_data={}),
        "users.create({'username': 'bob', 'password': ''}, custom_data={})",
        token_then(gql("createUser", dict(USER, username="bob"))),
    ),
    Op(
        "users.update",
        lambda c: users(c).update(USER_ID, {"nickname": "Alice B", "password": "Wire-pass-2"}),
        "users.update(userId, updates)",
        token_then(gql("updateUser", USER)),
        mask=["/1/request/body/json/variables/input/password"],
    ),
    Op(
        "users.detail",
        lambda c: users(c).detail(USER_ID, with_custom_data=True),
        "users.detail(user_id, with_custom_data=True)",
        token_then(rest(USER_WITH_CUSTOM_DATA)),
    ),
    Op(
        "users.detail_without_custom_data",
        lambda c: users(c).detail(USER_ID),
        "users.detail(user_id)",
        token_then(rest(USER)),
    ),
    Op(
        "users.detail_lang",
        lambda c: c["new"](lang="en-US").users.detail(USER_ID),
        "users.detail(user_id) with lang='en-US'",
        token_then(rest(USER)),
    ),
    Op(
        "users.delete",
        lambda c: users(c).delete(USER_ID),
        "users.delete(userId)",
        token_then(gql("deleteUser", MESSAGE)),
    ),
    Op(
        "users.delete_many",
        lambda c: users(c).delete_many([USER_ID, OTHER_ID]),
        "users.delete_many(userIds)",
        token_then(gql("deleteUsers", MESSAGE)),
    ),
    Op(
        "users.batch_get",
        lambda c: users(c).batch_get(["alice", "bob"], query_field="username"),
        "users.batch_get(identifiers, query_field='username')",
        token_then(gql("userBatch", [USER_IN_LIST])),
    ),
    Op(
        "users.batch_get_with_custom_data",
        lambda c: users(c).batch_get([USER_ID], with_custom_data=True),
        "users.batch_get(identifiers, with_custom_data=True)",
        token_then(gql("userBatch", [dict(USER_IN_LIST, customData=CUSTOM_DATA)])),
    ),
    Op(
        "users.list",
        lambda c: users(c).list(page=2, limit=5),
        "users.list(page=2, limit=5)",
        token_then(gql("users", paged([USER_IN_LIST]))),
    ),
    Op(
        "users.list_lang",
        lambda c: c["new"](lang="en-US").users.list(page=1, limit=10),
        "users.list() with lang='en-US'",
        token_then(gql("users", paged([USER_IN_LIST]))),
    ),
    Op(
        "users.list_with_custom_data",
        lambda c: users(c).list(page=1, limit=10, with_custom_data=True),
        "users.list(page=1, limit=10, with_custom_data=True)",
        token_then(gql("users", paged([dict(USER_IN_LIST, customData=CUSTOM_DATA)]))),
    ),
    Op(
        "users.list_archived_users",
        lambda c: users(c).list_archived_users(page=1, limit=20),
        "users.list_archived_users(page=1, limit=20)",
        token_then(gql("archivedUsers", paged([USER]))),
    ),
    Op(
        "users.exists",
        lambda c: users(c).exists(username="alice"),
        "users.exists(username='alice')",
        token_then(gql("isUserExists", True)),
    ),
    Op(
        "users.find",
        lambda c: users(c).find(email="alice@example.com"),
        "users.find(email='alice@example.com')",
        token_then(gql("findUser", USER)),
    ),
    Op(
        "users.find_with_custom_data",
        lambda c: users(c).find(username="alice", with_custom_data=True),
        "users.find(username='alice', with_custom_data=True)",
        token_then(gql("findUser", USER_WITH_CUSTOM_DATA)),
    ),
    Op(
        "users.search",
        lambda c: users(c).search("ali", page=1, limit=10),
        "users.search(query, page=1, limit=10)",
        token_then(gql("searchUser", paged([USER]))),
    ),
    Op(
        "users.search_with_options",
        lambda c: users(c).search(
            "ali",
            page=2,
            limit=20,
            department_opts=[{"departmentId": "dep-1", "includeChildrenDepartments": True}],
            group_opts=[{"code": "staff"}],
            role_opts=[{"code": "admin"}, {"namespace": "billing", "code": "viewer"}],
            with_custom_data=True,
        ),
        "users.search(query, page, limit, department_opts, group_opts, role_opts, with_custom_data=True)",
        token_then(gql("searchUser", paged([USER_WITH_CUSTOM_DATA]))),
    ),
    Op(
        "users.refresh_token",
        lambda c: users(c).refresh_token(USER_ID),
        "users.refresh_token(userId)",
        token_then(gql("refreshToken", {"token": "wire-new-user-token", "iat": 1700000000,
                                        "exp": 1700003600})),
    ),
    Op(
        "users.send_first_login_verify_email",
        lambda c: users(c).send_first_login_verify_email(APP_ID, USER_ID),
        "users.send_first_login_verify_email(app_id, user_id)",
        token_then(gql("sendFirstLoginVerifyEmail", MESSAGE)),
    ),
    Op(
        "users.kick",
        lambda c: users(c).kick([USER_ID, OTHER_ID]),
        "users.kick(user_ids)",
        token_then(rest(None)),
    ),
    Op(
        "users.logout",
        lambda c: users(c).logout(USER_ID, app_id=APP_ID),
        "users.logout(user_id, app_id)",
        token_then(rest(None)),
    ),
    Op(
        "users.logout_everywhere",
        lambda c: users(c).logout(USER_ID),
        "users.logout(user_id)",
        token_then(rest(None)),
    ),
    Op(
        "users.check_login_status",
        lambda c: users(c).check_login_status(USER_ID, app_id=APP_ID, device_id="wire-device"),
        "users.check_login_status(user_id, app_id, device_id)",
        token_then(rest({"isLogin": True})),
    ),
    Op(
        "users.check_login_status_of_user",
        lambda c: users(c).check_login_status(USER_ID),
        "users.check_login_status(user_id)",
        token_then(rest({"isLogin": False})),
    ),
    Op(
        "users.list_user_actions",
        lambda c: users(c).list_user_actions(page=1, limit=10, client_ip="10.0.0.1"),
        "users.list_user_actions(page=1, limit=10, client_ip='10.0.0.1')",
        token_then(rest(paged([{"operationName": "login", "clientIp": "10.0.0.1"}]))),
    ),
    # Custom data.
    Op(
        "users.get_udf_value",
        lambda c: users(c).get_udf_value(USER_ID),
        "users.get_udf_value(user_id)",
        token_then(gql("udv", CUSTOM_DATA)),
    ),
    Op(
        "users.get_udf_value_batch",
        lambda c: users(c).get_udf_value_batch([USER_ID, OTHER_ID]),
        "users.get_udf_value_batch(user_ids)",
        token_then(gql("udfValueBatch", [{"targetId": USER_ID, "data": CUSTOM_DATA}])),
    ),
    Op(
        "users.set_udf_value",
        lambda c: users(c).set_udf_value(USER_ID, UDF_DATA),
        "users.set_udf_value(user_id, data)",
        token_then(gql("setUdvBatch", CUSTOM_DATA)),
    ),
    Op(
        "users.set_udf_value_batch",
        lambda c: users(c).set_udf_value_batch(
            {USER_ID: {"school": "MIT", "age": 20}, OTHER_ID: {"school": "ETH"}}),
        "users.set_udf_value_batch(data)",
        token_then(gql("setUdfValueBatch", MESSAGE)),
    ),
    Op(
        "users.remove_udf_value",
        lambda c: users(c).remove_udf_value(USER_ID, "school"),
        "users.remove_udf_value(user_id, key)",
        token_then(gql("removeUdv", CUSTOM_DATA[1:])),
    ),
    Op(
        "users.list_udv",
        lambda c: users(c).list_udv(USER_ID),
        "users.list_udv(userId)",
        token_then(gql("udv", CUSTOM_DATA)),
    ),
    Op(
        "users.set_udv",
        lambda c: users(c).set_udv(USER_ID, "tags", {"a": [1, True, None]}),
        "users.set_udv(userId, key, value)",
        token_then(gql("setUdv", CUSTOM_DATA)),
    ),
    Op(
        "users.remove_udv",
        lambda c: users(c).remove_udv(USER_ID, "school"),
        "users.remove_udv(userId, key)",
        token_then(gql("removeUdv", CUSTOM_DATA[1:])),
    ),
    # Relations.
    Op(
        "users.list_groups",
        lambda c: users(c).list_groups(USER_ID),
        "users.list_groups(userId)",
        token_then(gql("user", {"groups": paged([{"code": "staff", "name": "Staff",
                                                   "description": None, "createdAt": None,
                                                   "updatedAt": None}])})),
    ),
    Op(
        "users.add_group",
        lambda c: users(c).add_group(USER_ID, "staff"),
        "users.add_group(userId, group)",
        token_then(gql("addUserToGroup", MESSAGE)),
    ),
    Op(
        "users.remove_group",
        lambda c: users(c).remove_group(USER_ID, "staff"),
        "users.remove_group(userId, group)",
        token_then(gql("removeUserFromGroup", MESSAGE)),
    ),
    Op(
        "users.list_roles_default_namespace",
        lambda c: users(c).list_roles(USER_ID),
        "users.list_roles(userId)",
        token_then(gql("user", {"roles": paged([])})),
    ),
    Op(
        "users.list_roles",
        lambda c: users(c).list_roles(USER_ID, namespace="billing"),
        "users.list_roles(userId, namespace)",
        token_then(gql("user", {"roles": paged([{"id": "role-1", "code": "viewer",
                                                  "namespace": "billing", "arn": None,
                                                  "description": None, "createdAt": None,
                                                  "updatedAt": None, "parent": None}])})),
    ),
    Op(
        "users.add_roles",
        lambda c: users(c).add_roles(USER_ID, ["admin", "viewer"]),
        "users.add_roles(userId, roles)",
        token_then(gql("assignRole", MESSAGE)),
    ),
    Op(
        "users.remove_roles",
        lambda c: users(c).remove_roles(USER_ID, ["viewer"], namespace="billing"),
        "users.remove_roles(userId, roles, namespace)",
        token_then(gql("revokeRole", MESSAGE)),
    ),
    Op(
        "users.has_role",
        lambda c: users(c).has_role(USER_ID, "admin"),
        "users.has_role(user_id, role_code)",
        token_then(rest(True)),
    ),
    Op(
        "users.has_role_in_namespace",
        lambda c: users(c).has_role(USER_ID, "viewer", namespace="billing"),
        "users.has_role(user_id, role_code, namespace)",
        token_then(rest(False)),
    ),
    Op(
        "users.list_authorized_resources",
        lambda c: users(c).list_authorized_resources(USER_ID, "default", resource_type="DATA"),
        "users.list_authorized_resources(user_id, namespace, resource_type='DATA')",
        token_then(gql("user", {"authorizedResources": paged([
            {"code": "books:1", "type": "DATA", "actions": ["books:read"]}])})),
    ),
    Op(
        "users.list_policies",
        lambda c: users(c).list_policies(USER_ID, page=1, limit=10),
        "users.list_policies(userId, page, limit)",
        token_then(gql("policyAssignments", paged([
            {"code": "policy-1", "targetType": "USER", "targetIdentifier": USER_ID}]))),
    ),
    Op(
        "users.add_policies",
        lambda c: users(c).add_policies(USER_ID, ["policy-1", "policy-2"]),
        "users.add_policies(userId, policies)",
        token_then(gql("addPolicyAssignments", MESSAGE)),
    ),
    Op(
        "users.remove_policies",
        lambda c: users(c).remove_policies(USER_ID, ["policy-1"]),
        "users.remove_policies(userId, policies)",
        token_then(gql("removePolicyAssignments", MESSAGE)),
    ),
    Op(
        "users.list_org",
        lambda c: users(c).list_org(USER_ID),
        "users.list_org(user_id)",
        token_then(rest([[{"id": "org-1", "name": "Root", "code": "root"}]])),
    ),
    Op(
        "users.list_department",
        lambda c: users(c).list_department(USER_ID),
        "users.list_department(user_id)",
        token_then(gql("user", {"departments": paged([
            {"department": {"id": "dep-1", "orgId": "org-1", "name": "Sales"},
             "isMainDepartment": True, "joinedAt": None}])})),
    ),
    Op(
        "users.check_resource_permission_batch",
        lambda c: users(c).check_resource_permission_batch(
            USER_ID, "default", ["books:1:read", "books:2:write"]),
        "users.check_resource_permission_batch(user_id, namespace, resources)",
        token_then(rest([{"resource": "books:1:read", "action": "read", "allow": True},
                         {"resource": "books:2:write", "action": "write", "allow": False}])),
    ),
    Op(
        "users.list_authorized_resources_of_resource_kind",
        lambda c: users(c).list_authorized_resources_of_resource_kind(USER_ID, "default", "books"),
        "users.list_authorized_resources_of_resource_kind(user_id, namespace, resource)",
        token_then(rest({"totalCount": 1, "list": [
            {"code": "books:1", "type": "DATA", "actions": ["books:read"]}]})),
    ),
]

