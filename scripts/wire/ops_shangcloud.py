"""ShangCloud OAuth 2.0: shangcloud-sdk 1.2.0."""

import urllib.request

from record import Op, ok

AREA = "shangcloud"
CLIENT_ID = "wire-client"
CLIENT_SECRET = "wire-client-secret"
REDIRECT_URI = "https://app.example.com/callback"
STATE = "wire-state"
ACCESS_TOKEN = "wire-access-token"
ROOM = "wire-room"

TOKENS = ok(
    {
        "access_token": ACCESS_TOKEN,
        "refresh_token": "wire-refresh-token",
        "token_type": "Bearer",
        "expires_in": 3600,
    }
)
USER = ok({"uid": "u-1", "nickname": "Alice", "mail": "alice@example.com", "avatar": "https://a/1.png"})
TICKET = ok(
    {
        "connect_key": "ck-1",
        "edge_url": "wss://edge.example.com",
        "room_id": ROOM,
        "protocol": "json",
        "assigned_uid": "u-1",
    }
)


def clients(base_url):
    from shangcloud import Client
    from shangcloud.user import UserInstance

    client = Client.init_client(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)
    client.base_url = base_url
    user = UserInstance()
    user.init_user(ACCESS_TOKEN, "wire-refresh-token", "Bearer", 3600, client)
    return {"client": client, "user": user}


def exchange_code(c):
    c["client"].kv_storage.set_temp_variable(STATE, "0")
    c["client"].generate_user_instance("wire-code", STATE)


OPS = [
    Op(
        "authorization_url",
        lambda c: urllib.request.urlopen(c["client"].generate_oauth_url()).read(),
        "Client.generate_oauth_url(), then the browser's GET of it",
        mask=["/0/request/query/state"],
    ),
    Op("exchange_code", exchange_code, "Client.generate_user_instance(code, state)", [TOKENS]),
    Op("basic_info", lambda c: c["user"].get_basic_info(), "UserInstance.get_basic_info()", [USER]),
    Op(
        "get_variable",
        lambda c: c["user"].get_variable("score"),
        "UserInstance.get_variable(key)",
        [ok({"value": "42"})],
    ),
    Op(
        "set_variable",
        lambda c: c["user"].set_variable("score", "43"),
        "UserInstance.set_variable(key, value)",
        [ok({})],
    ),
    Op(
        "delete_variable",
        lambda c: c["user"].delete_variable("score"),
        "UserInstance.delete_variable(key)",
        [ok({})],
    ),
    Op("new_room", lambda c: c["user"].new_room("json"), "UserInstance.new_room(protocol)", [TICKET]),
    Op(
        "join_room",
        lambda c: c["user"].join_room(ROOM, "json"),
        "UserInstance.join_room(room_id, protocol)",
        [TICKET],
    ),
    Op(
        "set_room_config",
        lambda c: c["user"].set_room_config(ROOM, True),
        "UserInstance.set_room_config(room_id, allow_multi_login)",
        [ok({})],
    ),
    Op(
        "set_room_data",
        lambda c: c["user"].set_room_data(ROOM, "level", 3, "int"),
        "UserInstance.set_room_data(room_id, key, value, data_type)",
        [ok({})],
    ),
    Op(
        "get_room_data",
        lambda c: c["user"].get_room_data(ROOM),
        "UserInstance.get_room_data(room_id)",
        [ok({"extra_data": {"level": 3}})],
    ),
    Op(
        "delete_room_data",
        lambda c: c["user"].delete_room_data(ROOM, "level"),
        "UserInstance.delete_room_data(room_id, key)",
        [ok({})],
    ),
    Op(
        "kick_user",
        lambda c: c["user"].kick_user(ROOM, "u-2"),
        "UserInstance.kick_user(room_id, target_uid)",
        [ok({})],
    ),
    Op(
        "room_user_count",
        lambda c: c["user"].get_room_user_count(ROOM),
        "UserInstance.get_room_user_count(room_id)",
        [ok({"user_count": 2})],
    ),
]
