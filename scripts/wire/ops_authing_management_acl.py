"""Authing v2 management client, its access-control module: authing 4.5.18
(`authing.v2.management.acl`) and the parts of `applications` that delegate to it or name an
application's access (`list_resources`, `create_resource`, `update_resource`,
`delete_resource`, `get_access_policies`, `active_users`). The same area and the same
new-client scheme as `ops_authing_management.py` (whose helpers this uses); the Rust side is
`crates/polyauth-authing/tests/wire_management/acl.rs`.

The operations are a table: (fixture name, module, method, positional arguments, keyword
arguments, scripted response after the token query).
"""

from ops_authing_management import (  # noqa: F401  (clients: this area's clients)
    MESSAGE, USER_ID, clients, gql, paged, rest, token_then,
)
from record import Op

AREA = "authing-management"

APP_ID = "wire-app-2"
ACCOUNT_ID = "wire-account-1"
SECRET = "abcdefhijkmnprstwxyz2345678abcde"
ACTIONS = [{"name": "books:read", "description": "read a book"},
           {"name": "books:edit", "description": "edit a book"}]
NAMESPACE = {"id": 7, "code": "library", "name": "Library", "description": "books",
             "userPoolId": "wire-pool"}
RESOURCE = {"id": "wire-resource-1", "code": "books", "type": "DATA", "actions": ACTIONS,
            "description": "catalogue", "apiIdentifier": None, "namespace": "library"}
AUTHORIZED = paged([{"code": "books", "type": "DATA", "actions": ["books:read"]}])
TARGETS = paged([{"targetType": "USER", "targetIdentifier": USER_ID, "actions": ["books:read"]}])
ACCOUNT = {"id": ACCOUNT_ID, "appId": APP_ID, "secret": SECRET, "tokenLifetime": 3600,
           "remark": "ci", "enabled": True}
POLICY = {"appId": APP_ID, "targetType": "USER", "targetIdentifier": USER_ID,
          "effect": "ALLOW", "enabled": True, "namespace": "default",
          "inheritByChildren": False}
APP = {"id": APP_ID, "name": "Shop", "identifier": "shop", "redirectUris": [],
       "permissionStrategy": {"defaultStrategy": "DENY_ALL"}}
ACTIVE = paged([{"id": USER_ID, "username": "alice"}])
OPTS = [{"targetType": "USER", "targetIdentifier": USER_ID, "actions": ["books:read"]},
        {"targetType": "ROLE", "targetIdentifier": "reader", "actions": ["books:read",
                                                                           "books:edit"]}]
USERS = ["wire-user-1", "wire-user-2"]


def call(module, method, args, kwargs):
    """A call of `module.method(*args, **kwargs)` on a new client."""
    def run(c):
        return getattr(getattr(c["new"](), module), method)(*args, **kwargs)
    return run


def reference(module, method, args, kwargs):
    """The call as the fixture documents it."""
    shown = [repr(a) for a in args] + ["%s=%r" % kv for kv in kwargs.items()]
    return "%s.%s(%s)" % (module, method, ", ".join(shown))


def policy_args(target_type, ids, namespace, inherit):
    return (APP_ID, target_type, ids, namespace, inherit)


# (fixture, module, method, args, kwargs, response after the token query[, masked pointers])
TABLE = [
    ("acl.allow_user", "acl", "allow", ("books:1", "books:read", "library"),
     {"user_id": USER_ID}, gql("allow", MESSAGE)),
    ("acl.allow_role", "acl", "allow", ("books:1", "books:read", "library"),
     {"role": "editor"}, gql("allow", MESSAGE)),
    ("acl.is_allowed", "acl", "is_allowed", (USER_ID, "books:read", "books:1", "library"), {},
     gql("isActionAllowed", True)),
    ("acl.create_namespace", "acl", "create_namespace", ("library", "Library"),
     {"description": "books"}, rest(NAMESPACE)),
    ("acl.create_namespace_without_description", "acl", "create_namespace",
     ("library", "Library"), {}, rest(NAMESPACE)),
    ("acl.update_namespace", "acl", "update_namespace", (7,),
     {"name": "City library", "code": "city-library"}, rest(NAMESPACE)),
    ("acl.list_namespaces", "acl", "list_namespaces", (), {"page": 2, "limit": 5},
     rest(paged([NAMESPACE]))),
    ("acl.delete_namespace", "acl", "delete_namespace", (7,), {}, rest(None)),
    ("acl.create_resource", "acl", "create_resource", ("library", "books", "DATA", ACTIONS),
     {"description": "catalogue"}, rest(RESOURCE)),
    ("acl.create_resource_api", "acl", "create_resource",
     ("library", "loans", "API", ACTIONS[:1]),
     {"api_identifier": "https://library.example.com/api/loans"}, rest(RESOURCE)),
    ("acl.update_resource", "acl", "update_resource", ("library", "books"),
     {"resource_type": "MENU", "actions": ACTIONS[1:], "description": "the catalogue",
      "api_identifier": "https://library.example.com/books"}, rest(RESOURCE)),
    ("acl.update_resource_description", "acl", "update_resource", ("library", "books"),
     {"description": "the catalogue"}, rest(RESOURCE)),
    ("acl.list_resources", "acl", "list_resources", ("library",),
     {"resource_type": "API", "page": 2, "limit": 5}, rest(paged([RESOURCE]))),
    ("acl.list_resources_all_types", "acl", "list_resources", ("library",), {},
     rest(paged([RESOURCE]))),
    ("acl.delete_resource", "acl", "delete_resource", ("library", "books"), {}, rest(None)),
    ("acl.list_authorized_resources", "acl", "list_authorized_resources",
     ("library", "ROLE", "reader"), {"resource_type": "DATA"},
     gql("authorizedResources", AUTHORIZED)),
    ("acl.list_authorized_resources_all_types", "acl", "list_authorized_resources",
     ("library", "USER", USER_ID), {}, gql("authorizedResources", AUTHORIZED)),
    ("acl.revoke_resource", "acl", "revoke_resource", ("library", "books", OPTS), {},
     rest(True)),
    ("acl.authorize_resource", "acl", "authorize_resource", ("library", "books", OPTS), {},
     gql("authorizeResource", MESSAGE)),
    ("acl.get_authorized_targets", "acl", "get_authorized_targets",
     ("library", "DATA", "books"),
     {"actions": {"op": "OR", "list": ["books:read", "books:edit"]}, "target_type": "USER"},
     gql("authorizedTargets", TARGETS)),
    ("acl.get_authorized_targets_any", "acl", "get_authorized_targets",
     ("library", "DATA", "books"), {}, gql("authorizedTargets", TARGETS)),
    ("acl.programmatic_access_account_list", "acl", "programmatic_access_account_list",
     (APP_ID,), {"page": 2, "limit": 5}, rest(paged([ACCOUNT]))),
    ("acl.create_programmatic_access_account", "acl", "create_programmatic_access_account",
     (APP_ID,), {"remark": "ci", "token_lifetime": 3600}, rest(ACCOUNT)),
    ("acl.create_programmatic_access_account_defaults", "acl",
     "create_programmatic_access_account", (APP_ID,), {}, rest(ACCOUNT)),
    ("acl.disable_programmatic_access_account", "acl", "disable_programmatic_access_account",
     (ACCOUNT_ID,), {}, rest(ACCOUNT)),
    ("acl.enable_programmatic_access_account", "acl", "enable_programmatic_access_account",
     (ACCOUNT_ID,), {}, rest(ACCOUNT)),
    ("acl.delete_programmatic_access_account", "acl", "delete_programmatic_access_account",
     (ACCOUNT_ID,), {}, rest(True)),
    ("acl.refresh_programmatic_access_account_secret", "acl",
     "refresh_programmatic_access_account_secret", (ACCOUNT_ID,), {"secret": SECRET},
     rest(ACCOUNT)),
    # The default secret is random (drawn once per process by the reference, per call by
    # polyauth): masked.
    ("acl.refresh_programmatic_access_account_secret_default", "acl",
     "refresh_programmatic_access_account_secret", (ACCOUNT_ID,), {}, rest(ACCOUNT),
     ["/1/request/body/json/secret"]),
    ("acl.get_resource_by_id", "acl", "get_resource_by_id", ("wire-resource-1",), {},
     rest(RESOURCE)),
    ("acl.get_resource_by_code", "acl", "get_resource_by_code", ("library", "books"), {},
     rest(RESOURCE)),
    ("acl.enable_application_access_policies", "acl", "enable_application_access_policies",
     policy_args("USER", USERS, "default", False), {}, rest(True)),
    ("acl.disable_application_access_policies", "acl", "disable_application_access_policies",
     policy_args("ROLE", ["admin"], "default", False), {}, rest(True)),
    ("acl.delete_application_access_policies", "acl", "delete_application_access_policies",
     policy_args("GROUP", ["staff"], None, None), {}, rest(True)),
    ("acl.allow_access_application", "acl", "allow_access_application",
     policy_args("ORG", ["node-1"], None, True), {}, rest(True)),
    ("acl.deny_access_application", "acl", "deny_access_application",
     policy_args("USER", USERS[:1], "default", False), {}, rest(True)),
    ("acl.update_default_application_access_policy", "acl",
     "update_default_application_access_policy", (APP_ID, "DENY_ALL"), {}, rest(APP)),
    # The applications module's access calls.
    ("applications.list_resources", "applications", "list_resources", (APP_ID,),
     {"page": 2, "limit": 5, "resource_type": "DATA"}, rest(paged([RESOURCE]))),
    ("applications.create_resource", "applications", "create_resource",
     (APP_ID, "books", "DATA", ACTIONS), {"description": "catalogue"}, rest(RESOURCE)),
    ("applications.update_resource", "applications", "update_resource", (APP_ID, "books"),
     {"resource_type": "MENU", "description": "the catalogue"}, rest(RESOURCE)),
    ("applications.delete_resource", "applications", "delete_resource", (APP_ID, "books"), {},
     rest(None)),
    ("applications.get_access_policies", "applications", "get_access_policies", (APP_ID,),
     {"page": 2, "limit": 5}, rest(paged([POLICY]))),
    ("applications.active_users", "applications", "active_users", (APP_ID,),
     {"page": 2, "limit": 5}, rest(ACTIVE)),
]

OPS = [
    Op(row[0], call(*row[1:5]), reference(*row[1:5]), token_then(row[5]),
       mask=row[6] if len(row) > 6 else ())
    for row in TABLE
]
