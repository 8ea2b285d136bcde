"""AIGC auth center: huace-aigc-auth-client 1.1.45."""

from record import Op, ok

AREA = "aigc"
APP_ID = "wire-app"
APP_SECRET = "wire-app-secret"
TOKEN = "wire-user-token"


def clients(base_url):
    from huace_aigc_auth_client import AigcAuthClient

    return {"client": AigcAuthClient(app_id=APP_ID, app_secret=APP_SECRET, base_url=base_url)}


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


OPS = [
    Op(
        "verify_token",
        lambda c: c["client"].verify_token(TOKEN),
        "AigcAuthClient.verify_token(token)",
        [envelope({"valid": True, "user_id": 7, "username": "alice", "expires_at": None})],
    ),
]
