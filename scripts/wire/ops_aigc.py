"""AIGC auth center: huace-aigc-auth-client 1.1.45 (and 1.1.62 for the calls 1.1.45 lacks).

Every `AigcAuthClient` call polyauth implements, the outbound helpers of `auth_request.py`
(`auth_request` with a query, a form and a JSON body, `AuthSession`) and the statistics
upload of `api_stats_collector.py` (one record collected directly, one made by
`auth_request`). The Rust side is `crates/polyauth-aigc/tests/wire.rs`; the inputs here and
there must stay the same.

polyauth also implements calls that appeared after 1.1.45 (`list_users`, `list_groups`,
`create_access_key`, `compare_users`, `authorize_user_by_token`, and 1.1.62's
`check_permissions`, which checks on the user info); their fixtures come from
1.1.62, which `reference_1162` downloads with pip and loads beside 1.1.45 under another
module name (it needs only `requests`; its own imports are relative).

The outbound calls go to the recorder itself (`{base_url}/third/...`), a loopback origin: the
fixture shows what a third-party service receives.
"""

from record import Op, ok

AREA = "aigc"
APP_ID = "wire-app"
APP_SECRET = "wire-app-secret"
TOKEN = "wire-user-token"
# The reference caches answers per token and URL: operations that repeat a URL use their own.
TRACED_TOKEN = "wire-traced-token"
ACCESS_KEY = "ak_wire_user_key"
TRACE_ID = "wire-trace-1"
CLIENT_IP = "203.0.113.9"
USER_AGENT = "wire-agent/1.0"
WEBHOOK_SECRET = "wire-webhook-secret"

LATER = "1.1.62"

BASE = {}


def reference_1162():
    """huace-aigc-auth-client 1.1.62 as the module `huace_aigc_auth_client_1_1_62`."""
    import atexit
    import glob
    import os
    import shutil
    import subprocess
    import sys
    import tempfile
    import zipfile

    folder = tempfile.mkdtemp(prefix="aigc-wire-")
    atexit.register(shutil.rmtree, folder, True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--disable-pip-version-check", "-d", folder, "huace-aigc-auth-client==" + LATER],
        check=True,
    )
    src = os.path.join(folder, "src")
    with zipfile.ZipFile(glob.glob(os.path.join(folder, "*.whl"))[0]) as wheel:
        wheel.extractall(src)
    os.rename(
        os.path.join(src, "huace_aigc_auth_client"),
        os.path.join(src, "huace_aigc_auth_client_1_1_62"),
    )
    sys.path.insert(0, src)
    import huace_aigc_auth_client_1_1_62 as later

    assert later.__version__ == LATER, later.__version__
    return later


def clients(base_url):
    from huace_aigc_auth_client import AigcAuthClient

    BASE["url"] = base_url
    later = reference_1162()
    return {
        "client": AigcAuthClient(app_id=APP_ID, app_secret=APP_SECRET, base_url=base_url),
        "later": later.AigcAuthClient(app_id=APP_ID, app_secret=APP_SECRET, base_url=base_url),
    }


USER = {
    "id": 7,
    "username": "alice",
    "nickname": "Alice",
    "email": "alice@example.com",
    "phone": None,
    "avatar": None,
    "roles": ["admin"],
    "permissions": ["user:read"],
    "department": None,
    "company": None,
    "is_admin": True,
    "status": "active",
}


def envelope(data):
    return ok({"code": 0, "message": "success", "data": data})


def in_context(call, **context):
    """Runs `call` with the request context the reference middleware would have set."""

    def run(clients_):
        from huace_aigc_auth_client import clear_request_context, set_request_context

        set_request_context(**context)
        try:
            return call(clients_)
        finally:
            clear_request_context()

    return run


IDENTITY = {"ip_address": CLIENT_IP, "user_agent": USER_AGENT, "trace_id": TRACE_ID}
# What the reference middleware adds for an authenticated request (`_extract_token`).
SESSION = dict(IDENTITY, token=TOKEN, app_id=APP_ID, app_secret=APP_SECRET)


def third(path):
    return BASE["url"] + "/third" + path


def with_collector(call):
    """Runs `call` with the global statistics collector started, then stops it (the upload)."""

    def run(clients_):
        from huace_aigc_auth_client import init_api_stats_collector, stop_api_stats_collector

        init_api_stats_collector(
            api_url=BASE["url"] + "/sdk",
            app_id=APP_ID,
            app_secret=APP_SECRET,
            batch_size=10,
            flush_interval=60.0,
        )
        try:
            return call(clients_)
        finally:
            stop_api_stats_collector()

    return run


def auth_request_get(_):
    from huace_aigc_auth_client import auth_request

    return auth_request("GET", third("/orders"), params={"page": 1, "q": "wire"})


def auth_request_form(_):
    from huace_aigc_auth_client import auth_request

    return auth_request("POST", third("/upload"), data={"field1": "value1", "field2": "value 2"})


def auth_request_json(_):
    from huace_aigc_auth_client import auth_request_post

    return auth_request_post(third("/orders"), json={"amount": 3, "currency": "CNY"})


def auth_session_get(_):
    from huace_aigc_auth_client import AuthSession

    with AuthSession() as session:
        return session.get(third("/orders"), params={"page": 2})


def webhook_send(_):
    from huace_aigc_auth_client import WebhookSender, create_sync_config

    config = create_sync_config(webhook_url=third("/webhook"), webhook_secret=WEBHOOK_SECRET)
    # Keys in sorted order: polyauth's JSON maps may sort theirs.
    data = {"email": "carol@example.com", "id": 8, "nickname": "卡罗尔", "username": "carol"}
    return WebhookSender(config).send("user.created", data)


def collect_api_stat(_):
    from huace_aigc_auth_client import collect_api_stat as collect

    collect(
        api_path="/api/orders",
        api_method="GET",
        status_code=200,
        response_time=0.25,
        token=TOKEN,
        error_message=None,
        request_params={
            "headers": {"user-agent": USER_AGENT, "x-trace-id": TRACE_ID},
            "query_params": {"page": "1"},
        },
    )


THIRD_PARTY_OK = ok({"ok": True})
STATS_OK = envelope({"received": True})

OPS = [
    Op(
        "verify_token",
        lambda c: c["client"].verify_token(TOKEN),
        "AigcAuthClient.verify_token(token)",
        [envelope({"valid": True, "userId": 7, "username": "alice", "expiresAt": None})],
    ),
    Op(
        "get_user_info",
        lambda c: c["client"].get_user_info(TOKEN),
        "AigcAuthClient.get_user_info(token)",
        [envelope(USER)],
    ),
    Op(
        "check_permissions",
        lambda c: c["client"].check_permissions(TOKEN, ["user:read", "user:write"]),
        "AigcAuthClient.check_permissions(token, permission_codes)",
        [envelope({"results": {"user:read": True, "user:write": False}})],
    ),
    Op(
        "verify_access_key",
        lambda c: c["client"].verify_access_key(ACCESS_KEY),
        "AigcAuthClient.verify_access_key(access_key)",
        [
            envelope(
                {
                    "valid": True,
                    "keyType": "user",
                    "appId": None,
                    "userId": 7,
                    "username": "alice",
                    "nickname": "Alice",
                    "email": "alice@example.com",
                    "isAdmin": False,
                }
            )
        ],
    ),
    Op(
        "batch_get_users",
        lambda c: c["client"].batch_get_users(["alice", "bob"]),
        "AigcAuthClient.batch_get_users(usernames)",
        [envelope({"users": [USER], "not_found": ["bob"]})],
    ),
    Op(
        "batch_get_users_by_ids",
        lambda c: c["client"].batch_get_users_by_ids([7, 999]),
        "AigcAuthClient.batch_get_users_by_ids(user_ids)",
        [envelope({"users": [USER, {"id": 999, "username": "未知用户"}]})],
    ),
    Op(
        "sync_user_to_auth",
        lambda c: c["client"].sync_user_to_auth(
            {
                "username": "carol",
                "password": "carol-password",
                "email": "carol@example.com",
                "nickname": "Carol",
            },
            headers={"X-Sync-Source": "legacy"},
        ),
        "AigcAuthClient.sync_user_to_auth(user_data, headers)",
        [envelope({"success": True, "created": True, "user_id": 8, "message": "User created"})],
    ),
    Op(
        "batch_sync_users_to_auth",
        lambda c: c["client"].batch_sync_users_to_auth(
            [
                {"username": "dave", "password_hashed": "$2b$12$wirewirewirewirewirewu"},
                {"username": "erin", "password": "erin-password", "email": "erin@example.com"},
            ]
        ),
        "AigcAuthClient.batch_sync_users_to_auth(users, headers)",
        [envelope({"total": 2, "success": 2, "failed": 0, "skipped": 0, "errors": []})],
    ),
    Op(
        "register_webhook",
        lambda c: c["client"].register_webhook(
            "https://legacy.example.com/webhook/auth",
            ["user.created", "user.updated"],
            secret=WEBHOOK_SECRET,
        ),
        "AigcAuthClient.register_webhook(webhook_url, events, secret)",
        [envelope({"webhook_id": 12, "success": True})],
    ),
    Op(
        "unregister_webhook",
        # The id as register_webhook returned it (a number).
        lambda c: c["client"].unregister_webhook(12),
        "AigcAuthClient.unregister_webhook(webhook_id)",
        [envelope({"success": True})],
    ),
    # Calls 1.1.45 does not have, recorded from 1.1.62.
    Op(
        "list_users",
        lambda c: c["later"].list_users(keyword="ali", page=2, page_size=50),
        "AigcAuthClient.list_users(keyword, page, page_size) (1.1.62)",
        [envelope({"total": 51, "items": [USER]})],
    ),
    Op(
        "has_any_permission",
        lambda c: c["later"].check_permissions(TOKEN, ["user:read", "user:write"]),
        "AigcAuthClient.check_permissions(token, required_permissions, require_all=False) "
        "(1.1.62: checked on the user info)",
        [envelope(USER)],
    ),
    Op(
        "list_groups",
        lambda c: c["later"].list_groups(),
        "AigcAuthClient.list_groups() (1.1.62)",
        [envelope({"items": [{"id": 1, "name": "Editors", "code": "editors"}]})],
    ),
    Op(
        "create_access_key",
        lambda c: c["later"].create_access_key(TOKEN, name=" ci key ", description="  "),
        "AigcAuthClient.create_access_key(token, name, description) (1.1.62)",
        [
            envelope(
                {
                    "keyId": 3,
                    "key": "ak_wire_created",
                    "keyPrefix": "ak_wire",
                    "keyType": "user",
                    "userId": 7,
                    "name": "ci key",
                    "createdAt": "2026-12-01T00:00:00Z",
                }
            )
        ],
    ),
    Op(
        "compare_users",
        lambda c: c["later"].compare_users(1001, 1002, " source-token ", "target-token"),
        "AigcAuthClient.compare_users(source_app_id, target_app_id, source_token, "
        "target_token) (1.1.62)",
        [envelope({"sameUser": True})],
    ),
    Op(
        "authorize_user_by_token",
        lambda c: c["later"].authorize_user_by_token(1001, "source-token"),
        "AigcAuthClient.authorize_user_by_token(source_app_id, source_token) (1.1.62)",
        [envelope(USER)],
    ),
    Op(
        "trace_id_header",
        in_context(lambda c: c["client"].verify_token(TRACED_TOKEN), trace_id=TRACE_ID),
        "set_request_context(trace_id=...); AigcAuthClient.verify_token(token)",
        [envelope({"valid": True, "userId": 7, "username": "alice", "expiresAt": None})],
    ),
    Op(
        "auth_request_get",
        in_context(auth_request_get, **IDENTITY),
        "auth_request('GET', url, params={...}) (identity headers only)",
        [THIRD_PARTY_OK],
    ),
    Op(
        "auth_request_form",
        in_context(auth_request_form, **IDENTITY),
        "auth_request('POST', url, data={...}) (a form body, identity headers only)",
        [THIRD_PARTY_OK],
    ),
    Op(
        "auth_request_json",
        in_context(auth_request_json, **IDENTITY),
        "auth_request_post(url, json={...}) (identity headers only)",
        [THIRD_PARTY_OK],
    ),
    Op(
        "auth_session_get",
        in_context(auth_session_get, **SESSION),
        "AuthSession().get(url, params={...}) (app credentials and the caller's token)",
        [THIRD_PARTY_OK],
    ),
    Op(
        "webhook_send",
        webhook_send,
        "WebhookSender(create_sync_config(webhook_url, webhook_secret)).send(event, data) "
        "(the signature covers the body's bytes)",
        [THIRD_PARTY_OK],
    ),
    Op(
        "collect_api_stat",
        with_collector(collect_api_stat),
        "init_api_stats_collector(...); collect_api_stat(...); stop_api_stats_collector()",
        [STATS_OK],
    ),
    Op(
        "auth_request_stats",
        with_collector(in_context(auth_request_get, **SESSION)),
        "init_api_stats_collector(...); auth_request('GET', url, params={...}); "
        "stop_api_stats_collector()",
        [THIRD_PARTY_OK, STATS_OK],
        # The recorder's port is in the recorded URL; the duration is measured.
        mask=[
            "/1/request/body/json/stats/0/api_path",
            "/1/request/body/json/stats/0/response_time",
        ],
    ),
]
