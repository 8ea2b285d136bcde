"""Authing v2 management client, its pool-administration modules: authing 4.5.18
(`authing.v2.management.udf`, `user_pool`, `white_list`, `audit_log`,
`principal_authentication`, `applications`). The same area and the same
new-client scheme as `ops_authing_management.py` (whose helpers this uses); the Rust side is
`crates/polyauth-authing/tests/wire_management/admin.rs`.
"""

from ops_authing_management import (  # noqa: F401  (clients: this area's clients)
    MESSAGE, USER_ID, clients, gql, rest, token_then,
)
from record import Op

AREA = "authing-management"

ROLE_ID = "wire-role-1"


def udf(c):
    """The udf module of a new client."""
    return c["new"]().udf


UDF = {"targetType": "USER", "dataType": "STRING", "key": "school", "label": "School",
       "options": None}
UDV = [{"key": "school", "dataType": "STRING", "value": "\"MIT\"", "label": "School"},
       {"key": "age", "dataType": "NUMBER", "value": "20", "label": "Age"}]

def user_pool(c):
    """The user_pool module of a new client."""
    return c["new"]().userPool


def white_list(c):
    """The white_list module of a new client."""
    return c["new"]().whiteList


def audit_log(c):
    """The audit_log module of a new client."""
    return c["new"]().auditLog


def principal(c):
    """The principal_authentication module of a new client."""
    return c["new"]().principalAuth


AUDIT = {"totalCount": 1, "list": [{"operationName": "login",
                                    "operatorArn": "arn:cn:authing:user:wire-user-1",
                                    "clientIp": "10.0.0.1", "appId": "wire-app"}]}
PRINCIPAL = {"type": "P", "name": "Ann Lee", "idCard": "110101199001011234",
             "ext": "6222000011112222"}

def applications(c):
    """The applications module of a new client."""
    return c["new"]().applications


APP = {"id": "wire-app-2", "name": "Shop", "identifier": "shop", "secret": "wire-app-secret",
       "redirectUris": ["https://shop.example.com/callback"], "logo": None,
       "createdAt": "2025-12-01T00:00:00+00:00"}

AGREEMENT = {"id": 7, "appId": "wire-app-2", "title": "Terms", "required": True, "lang": "en-US"}

CHECK = {"timeInterval": 300, "limit": 50, "enabled": False}
USERPOOL = {"id": "wire-pool", "name": "Staff", "domain": "staff", "description": None,
            "logo": None, "createdAt": "2025-12-01T00:00:00+00:00",
            "updatedAt": "2025-12-01T00:00:00+00:00", "emailVerifiedDefault": False,
            "sendWelcomeEmail": False, "registerDisabled": True, "appSsoEnabled": False,
            "allowedOrigins": "", "tokenExpiresAfter": 1296000, "isDeleted": False,
            "frequentRegisterCheck": CHECK, "loginFailCheck": CHECK,
            "loginPasswordFailCheck": CHECK, "loginFailStrategy": "captcha",
            "whitelist": {"phoneEnabled": False, "emailEnabled": True, "usernameEnabled": False},
            "verifyCodeLength": 6}
ENTRIES = [{"value": "ann@example.com", "createdAt": "2025-12-01T00:00:00+00:00",
            "updatedAt": "2025-12-01T00:00:00+00:00"}]

OPS = [
    # Custom-data fields (`udf.py`). The values the reference sends as given; these are
    # JSON-encoded, as polyauth encodes them.
    Op(
        "udf.list",
        lambda c: udf(c).list("USER"),
        "udf.list(targetType)",
        token_then(gql("udf", [UDF])),
    ),
    Op(
        "udf.set",
        lambda c: udf(c).set("USER", "school", "STRING", "School"),
        "udf.set(targetType, key, dataType, label)",
        token_then(gql("setUdf", UDF)),
    ),
    Op(
        "udf.remove",
        lambda c: udf(c).remove("ROLE", "level"),
        "udf.remove(targetType, key)",
        token_then(gql("removeUdf", MESSAGE)),
    ),
    Op(
        "udf.list_udf_value",
        lambda c: udf(c).list_udf_value("ROLE", ROLE_ID),
        "udf.list_udf_value(target_type, target_id)",
        token_then(gql("udv", UDV)),
    ),
    Op(
        "udf.set_udf_value_batch",
        lambda c: udf(c).set_udf_value_batch(
            "USER", USER_ID,
            [{"key": "school", "value": "\"MIT\""}, {"key": "age", "value": "20"}]),
        "udf.set_udf_value_batch(target_type, target_id, udf_value_list)",
        token_then(gql("setUdvBatch", UDV)),
    ),
    # The pool's settings and environment variables (`user_pool.py`).
    Op(
        "user_pool.detail",
        lambda c: user_pool(c).detail(),
        "userPool.detail()",
        token_then(rest(USERPOOL)),
    ),
    Op(
        "user_pool.update",
        lambda c: user_pool(c).update({"name": "Staff", "registerDisabled": True,
                                        "loginFailCheck": {"enabled": True, "limit": 5}}),
        "userPool.update(updates)",
        token_then(gql("updateUserpool", USERPOOL)),
    ),
    Op(
        "user_pool.list_env",
        lambda c: user_pool(c).list_env(),
        "userPool.list_env()",
        token_then(rest([{"key": "region", "value": "cn-north"}])),
    ),
    Op(
        "user_pool.add_env",
        lambda c: user_pool(c).add_env("region", "cn-north"),
        "userPool.add_env(key, value)",
        token_then(rest({"key": "region", "value": "cn-north"})),
    ),
    Op(
        "user_pool.remove_env",
        lambda c: user_pool(c).remove_env("region"),
        "userPool.remove_env(key)",
        token_then(rest(None)),
    ),
    # Registration whitelists (`white_list.py`).
    Op(
        "white_list.list",
        lambda c: white_list(c).list("Email"),
        "whiteList.list(type)",
        token_then(gql("whitelist", ENTRIES)),
    ),
    Op(
        "white_list.add",
        lambda c: white_list(c).add("USERNAME", ["ann", "ben"]),
        "whiteList.add(type, list)",
        token_then(gql("addWhitelist", ENTRIES)),
    ),
    Op(
        "white_list.remove",
        lambda c: white_list(c).remove("Phone", ["13800000000"]),
        "whiteList.remove(type, list)",
        token_then(gql("removeWhitelist", [])),
    ),
    Op(
        "white_list.enable_white_list",
        lambda c: white_list(c).enable_white_list("Email"),
        "whiteList.enable_white_list(type)",
        token_then(gql("updateUserpool", USERPOOL)),
    ),
    Op(
        "white_list.disable_white_list",
        lambda c: white_list(c).disable_white_list("USERNAME"),
        "whiteList.disable_white_list(type)",
        token_then(gql("updateUserpool", USERPOOL)),
    ),
    # The audit log (`audit_log.py`). The reference sends the filters after `clientip` only
    # when operation names are given, and then overwrites `operation_name` with the page and
    # the limit: the second recording shows it, its differences are declared.
    Op(
        "audit_log.list_audit_logs",
        lambda c: audit_log(c).list_audit_logs(client_ip="10.0.0.1"),
        "auditLog.list_audit_logs(client_ip)",
        token_then(rest(AUDIT)),
    ),
    Op(
        "audit_log.list_audit_logs_filtered",
        lambda c: audit_log(c).list_audit_logs(
            client_ip="10.0.0.1", operation_names=["login", "logout"],
            user_ids=[USER_ID], app_ids=["wire-app"], page=2, limit=20),
        "auditLog.list_audit_logs(client_ip, operation_names, user_ids, app_ids, page, limit)",
        token_then(rest(AUDIT)),
    ),
    # Principal authentication (`principal_authentication.py`).
    Op(
        "principal_authentication.detail",
        lambda c: principal(c).detail(USER_ID),
        "principalAuth.detail(user_id)",
        token_then(rest(PRINCIPAL)),
    ),
    Op(
        "principal_authentication.authenticate",
        lambda c: principal(c).authenticate(USER_ID, "P", "Ann Lee", "110101199001011234",
                                            "6222000011112222"),
        "principalAuth.authenticate(user_id, type, name, id_card, ext)",
        token_then(rest(True)),
    ),
    # Applications (`applications.py`).
    Op(
        "applications.list",
        lambda c: applications(c).list(page=2, limit=5),
        "applications.list(page, limit)",
        token_then(rest({"totalCount": 1, "list": [APP]})),
    ),
    Op(
        "applications.create",
        lambda c: applications(c).create("Shop", "shop", ["https://shop.example.com/callback"],
                                          logo="https://shop.example.com/logo.png"),
        "applications.create(name, identifier, redirect_uris, logo)",
        token_then(rest(APP)),
    ),
    Op(
        "applications.create_without_logo",
        lambda c: applications(c).create("Shop", "shop", []),
        "applications.create(name, identifier, redirect_uris)",
        token_then(rest(APP)),
    ),
    Op(
        "applications.delete",
        lambda c: applications(c).delete("wire-app-2"),
        "applications.delete(app_id)",
        token_then(rest(None)),
    ),
    Op(
        "applications.find_by_id",
        lambda c: applications(c).find_by_id("wire-app-2"),
        "applications.find_by_id(app_id)",
        token_then(rest(APP)),
    ),
    Op(
        "applications.refresh_application_secret",
        lambda c: applications(c).refresh_application_secret("wire-app-2"),
        "applications.refresh_application_secret(app_id)",
        token_then(rest(APP)),
    ),
    Op(
        "applications.create_agreement",
        lambda c: applications(c).create_agreement("wire-app-2", "Terms", required=False,
                                                    lang="en-US"),
        "applications.create_agreement(app_id, title, required, lang)",
        token_then(rest(AGREEMENT)),
    ),
    Op(
        "applications.create_agreement_defaults",
        lambda c: applications(c).create_agreement("wire-app-2", "Terms"),
        "applications.create_agreement(app_id, title)",
        token_then(rest(AGREEMENT)),
    ),
    Op(
        "applications.list_agreement",
        lambda c: applications(c).list_agreement("wire-app-2"),
        "applications.list_agreement(app_id)",
        token_then(rest({"totalCount": 1, "list": [AGREEMENT]})),
    ),
    Op(
        "applications.modify_agreement",
        lambda c: applications(c).modify_agreement("wire-app-2", 7, "New terms", required=False,
                                                    lang="en-US"),
        "applications.modify_agreement(app_id, agreement_id, title, required, lang)",
        token_then(rest(AGREEMENT)),
    ),
    Op(
        "applications.delete_agreement",
        lambda c: applications(c).delete_agreement("wire-app-2", 7),
        "applications.delete_agreement(app_id, agreement_id)",
        token_then(rest(None)),
    ),
    Op(
        "applications.sort_agreement",
        lambda c: applications(c).sort_agreement("wire-app-2", [9, 7, 8]),
        "applications.sort_agreement(app_id, order)",
        token_then(rest(None)),
    ),
]
