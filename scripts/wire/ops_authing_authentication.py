"""Authing v2 authentication client: authing 4.5.18 (`authing.v2.authentication`).

Every operation builds a new AuthenticationClient (app id, pool id, app host, AD host and
password key fixed below; no language unless the operation is about `x-authing-lang`). Calls
on a user's behalf first set the client's current token (`set_token(USER_TOKEN)`), as an
application that keeps the user's token in the client does; the Rust side passes a
`UserSession` holding the same token. Operations that need the user's id fetch
`/api/v2/users/me` first (the scripted user carries the same token back). RSA ciphertexts of
passwords are random and masked. The Rust side is
`crates/polyauth-authing/tests/wire_authentication.rs`.
"""

from authing_common import APP_ID, ENC_PUBLIC_KEY, POOL_ID, USER_ID, USER_TOKEN
from record import Op, ok

AREA = "authing-authentication"
APP_SECRET = "wire-app-secret"
OTHER_TOKEN = "wire-other-token"
REDIRECT = "https://app.example.com/callback"
EMAIL = "alice@example.com"
PHONE = "13800000001"
CODE = "123456"
PASSWORD = "Wire-pass-1"
NEW_PASSWORD = "Wire-pass-2"
# Keys in sorted order: the fixture does not depend on a map's iteration order.
CUSTOM_DATA = {"age": 20, "school": "MIT"}
CONTEXT = {"source": "wire", "step": 1}


def clients(base_url):
    from authing.v2.authentication.authing import AuthenticationClient
    from authing.v2.authentication.types import AuthenticationClientOptions

    def new(**overrides):
        settings = dict(
            app_id=APP_ID,
            user_pool_id=POOL_ID,
            app_host=base_url,
            websocket_host=base_url,
            enc_public_key=ENC_PUBLIC_KEY,
            secret=APP_SECRET,
            redirect_uri=REDIRECT,
            token_endpoint_auth_method="client_secret_post",
            introspection_endpoint_auth_method="client_secret_post",
            revocation_endpoint_auth_method="client_secret_post",
        )
        settings.update(overrides)
        return AuthenticationClient(AuthenticationClientOptions(**settings))

    def logged_in(**overrides):
        client = new(**overrides)
        client.set_token(USER_TOKEN)
        return client

    return {"new": new, "user": logged_in}


def gql(root, value):
    return ok({"data": {root: value}})


def rest(data):
    return ok({"code": 200, "message": "ok", "data": data})


USER = {
    "id": USER_ID,
    "arn": "arn:cn:authing:wire-pool:user:wire-user-1",
    "userPoolId": POOL_ID,
    "status": "Activated",
    "username": "alice",
    "email": EMAIL,
    "emailVerified": False,
    "phone": PHONE,
    "phoneVerified": True,
    "nickname": "Alice",
    "photo": "https://files.authing.co/authing-console/default-user-avatar.png",
    "token": USER_TOKEN,
    "tokenExpiredAt": "2026-12-31T00:00:00+00:00",
    "loginsCount": 3,
    "lastLogin": "2026-01-01T00:00:00+00:00",
    "signedUp": "2025-12-01T00:00:00+00:00",
    "blocked": False,
    "isDeleted": False,
    "externalId": None,
    "createdAt": "2025-12-01T00:00:00+00:00",
    "updatedAt": "2026-01-01T00:00:00+00:00",
}
ME = rest(USER)
MESSAGE = {"code": 200, "message": "ok"}
UDV = [
    {"key": "age", "dataType": "NUMBER", "value": "20", "label": "Age"},
    {"key": "school", "dataType": "STRING", "value": "MIT", "label": "School"},
]
ROLES = {"totalCount": 1, "list": [{"code": "admin", "name": "Admin", "namespace": "default",
                                    "arn": "arn:cn:authing:wire-pool:role:admin",
                                    "description": None, "createdAt": None, "updatedAt": None,
                                    "parent": None}]}
TOKENS = {"access_token": "wire-access-token", "id_token": "wire-id-token",
          "refresh_token": "wire-refresh-token", "expires_in": 3600, "token_type": "Bearer",
          "scope": "openid profile"}


# The S256 challenge of the verifier "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq".
PKCE_VERIFIER = "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq"
PKCE_CHALLENGE = "kUaLSjXhsOCVA7wFqR444EX_ec7ltFCcMqGdmw9A7iA"


def visit(url):
    """GET a built URL, as the user agent would: the recorder then holds its path and query."""
    import requests

    requests.get(url)


def user(root):
    return gql(root, USER)


def pw(*paths):
    """Mask the RSA ciphertexts of the first request's GraphQL variables."""
    return ["/0/request/body/json/variables/" + p for p in paths]


OPS = [
    # Register and log in.
    Op(
        "register_by_email",
        lambda c: c["new"]().register_by_email(EMAIL, PASSWORD),
        "register_by_email(email, password)",
        [user("registerByEmail")],
        mask=pw("input/password"),
    ),
    Op(
        "register_by_username",
        lambda c: c["new"]().register_by_username(
            "alice", PASSWORD, profile={"nickname": "Alice"}, force_login=True,
            generate_token=True, client_ip="203.0.113.7", custom_data=CUSTOM_DATA,
            context=CONTEXT),
        "register_by_username(username, password, profile, force_login=True, "
        "generate_token=True, client_ip, custom_data, context)",
        [user("registerByUsername")],
        mask=pw("input/password"),
    ),
    Op(
        "register_by_phone_code",
        lambda c: c["new"]().register_by_phone_code(PHONE, CODE, PASSWORD),
        "register_by_phone_code(phone, code, password)",
        [user("registerByPhoneCode")],
        mask=pw("input/password"),
    ),
    Op(
        "register_by_phone_code_without_password",
        lambda c: c["new"]().register_by_phone_code(PHONE, CODE),
        "register_by_phone_code(phone, code)",
        [user("registerByPhoneCode")],
    ),
    Op(
        "login_by_email",
        lambda c: c["new"]().login_by_email(EMAIL, PASSWORD),
        "login_by_email(email, password)",
        [user("loginByEmail")],
        mask=pw("input/password"),
    ),
    Op(
        "login_by_username",
        lambda c: c["new"]().login_by_username(
            "alice", PASSWORD, auto_register=True, captcha_code="CAPTCHA-OK",
            client_ip="203.0.113.7", custom_data=CUSTOM_DATA, context=CONTEXT),
        "login_by_username(username, password, auto_register=True, captcha_code, client_ip, "
        "custom_data, context)",
        [user("loginByUsername")],
        mask=pw("input/password"),
    ),
    Op(
        "login_by_phone_password",
        lambda c: c["new"]().login_by_phone_password(PHONE, PASSWORD),
        "login_by_phone_password(phone, password)",
        [user("loginByPhonePassword")],
        mask=pw("input/password"),
    ),
    Op(
        "login_by_phone_code",
        lambda c: c["new"]().login_by_phone_code(
            PHONE, CODE, client_ip="203.0.113.7", custom_data=CUSTOM_DATA, context=CONTEXT),
        "login_by_phone_code(phone, code, client_ip, custom_data, context)",
        [user("loginByPhoneCode")],
    ),
    Op(
        "login_by_sub_account",
        lambda c: c["new"]().login_by_sub_account(
            "alice-sub", PASSWORD, captcha_code="CAPTCHA-OK", client_ip="203.0.113.7"),
        "login_by_sub_account(account, password, captcha_code, client_ip)",
        [user("loginBySubAccount")],
        mask=pw("password"),
    ),
    Op(
        "login_by_ldap",
        lambda c: c["new"]().login_by_ldap("alice", PASSWORD),
        "login_by_ldap(username, password)",
        [ME],
    ),
    Op(
        "login_by_ad",
        lambda c: c["new"]().login_by_ad("alice", PASSWORD),
        "login_by_ad(username, password) with websocket_host",
        [ME],
    ),
    Op(
        "get_current_user",
        lambda c: c["new"]().get_current_user(USER_TOKEN),
        "get_current_user(token)",
        [ME],
    ),
    Op(
        "check_logged_in",
        lambda c: c["user"]().check_logged_in(),
        "set_token(token); check_logged_in()",
        [ME],
    ),
    Op(
        "logout",
        lambda c: c["user"]().logout(),
        "set_token(token); logout()",
        [ME, rest(None)],
    ),
    # Codes and passwords.
    Op(
        "send_sms_code",
        lambda c: c["new"]().send_sms_code(PHONE),
        "send_sms_code(phone)",
        [rest(None)],
    ),
    Op(
        "send_email",
        lambda c: c["new"]().send_email(EMAIL, "RESET_PASSWORD"),
        "send_email(email, 'RESET_PASSWORD')",
        [gql("sendEmail", MESSAGE)],
    ),
    Op(
        "reset_password_by_phone_code",
        lambda c: c["new"]().reset_password_by_phone_code(PHONE, CODE, NEW_PASSWORD),
        "reset_password_by_phone_code(phone, code, new_password)",
        [gql("resetPassword", MESSAGE)],
        mask=pw("newPassword"),
    ),
    Op(
        "reset_password_by_email_code",
        lambda c: c["new"]().reset_password_by_email_code(EMAIL, CODE, NEW_PASSWORD),
        "reset_password_by_email_code(email, code, new_password)",
        [gql("resetPassword", MESSAGE)],
        mask=pw("newPassword"),
    ),
    Op(
        "reset_password_by_first_token",
        lambda c: c["new"]().reset_password_by_first_token(USER_TOKEN, NEW_PASSWORD),
        "reset_password_by_first_token(token, password)",
        [gql("resetPasswordByFirstLoginToken", MESSAGE)],
        mask=pw("password"),
    ),
    Op(
        "reset_password_with_force_reset",
        lambda c: c["new"]().reset_password_with_force_reset(USER_TOKEN, PASSWORD, NEW_PASSWORD),
        "reset_password_with_force_reset(token, old_password, new_password)",
        [gql("resetPasswordByForceResetToken", MESSAGE)],
        mask=pw("oldPassword", "newPassword"),
    ),
    Op(
        "check_password_strength",
        lambda c: c["new"]().check_password_strength(PASSWORD),
        "check_password_strength(password)",
        [gql("checkPasswordStrength", {"valid": True, "message": "ok"})],
    ),
    Op(
        "is_user_exists",
        lambda c: c["user"]().is_user_exists(user_name="alice"),
        "set_token(token); is_user_exists(user_name)",
        [gql("isUserExists", True)],
    ),
    Op(
        "is_user_exists_anonymous",
        lambda c: c["new"]().is_user_exists(email=EMAIL),
        "is_user_exists(email=...) without a current user",
        [gql("isUserExists", False)],
    ),
    # The current user's profile and bindings.
    Op(
        "update_profile",
        lambda c: c["user"]().update_profile({"nickname": "Alice B", "company": "Wire"}),
        "set_token(token); update_profile(updates)",
        [ME, user("updateUser")],
    ),
    Op(
        "update_password",
        lambda c: c["user"]().update_password(NEW_PASSWORD, PASSWORD),
        "set_token(token); update_password(new_password, old_password)",
        [user("updatePassword")],
        mask=pw("newPassword", "oldPassword"),
    ),
    Op(
        "bind_phone",
        lambda c: c["user"]().bind_phone(PHONE, CODE),
        "set_token(token); bind_phone(phone, phone_code)",
        [user("bindPhone")],
    ),
    Op(
        "unbind_phone",
        lambda c: c["user"]().unbind_phone(),
        "set_token(token); unbind_phone()",
        [user("unbindPhone")],
    ),
    Op(
        "update_phone",
        lambda c: c["user"]().update_phone("13800000002", CODE, PHONE, "654321"),
        "set_token(token); update_phone(phone, phone_code, old_phone, old_phone_code)",
        [user("updatePhone")],
    ),
    Op(
        "bind_email",
        lambda c: c["user"]().bind_email(EMAIL, CODE),
        "set_token(token); bind_email(email, email_code)",
        [user("bindEmail")],
    ),
    Op(
        "unbind_email",
        lambda c: c["user"]().unbind_email(),
        "set_token(token); unbind_email()",
        [user("unbindEmail")],
    ),
    Op(
        "update_email",
        lambda c: c["user"]().update_email("alice2@example.com", CODE),
        "set_token(token); update_email(email, email_code)",
        [user("updateEmail")],
    ),
    # Custom data.
    Op(
        "get_udf_value",
        lambda c: c["user"]().get_udf_value(),
        "set_token(token); get_udf_value()",
        [ME, gql("udv", UDV)],
    ),
    Op(
        "list_udv",
        lambda c: c["user"]().list_udv(),
        "set_token(token); list_udv()",
        [ME, gql("udv", UDV)],
    ),
    Op(
        "set_udf_value",
        lambda c: c["user"]().set_udf_value(
            {"school": "MIT", "age": 20, "tags": {"a": [1, True, None], "b": 1.5}}),
        "set_token(token); set_udf_value(data)",
        [ME, gql("setUdvBatch", UDV)],
    ),
    Op(
        "remove_udf_value",
        lambda c: c["user"]().remove_udf_value("school"),
        "set_token(token); remove_udf_value(key)",
        [ME, gql("removeUdv", UDV[:1])],
    ),
    Op(
        "set_udv",
        lambda c: c["user"]().set_udv("school", {"name": "MIT", "city": "Cambridge, MA"}),
        "set_token(token); set_udv(key, value)",
        [ME, gql("setUdv", UDV)],
    ),
    Op(
        "remove_udv",
        lambda c: c["user"]().remove_udv("school"),
        "set_token(token); remove_udv(key)",
        [ME, gql("removeUdv", UDV[:1])],
    ),
    # Linked accounts, applications, organizations.
    Op(
        "link_account",
        lambda c: c["user"]().link_account(USER_TOKEN, OTHER_TOKEN),
        "set_token(token); link_account(primary_user_token, secondary_user_token)",
        [rest(None)],
    ),
    Op(
        "unlink_account",
        lambda c: c["user"]().unlink_account(USER_TOKEN, "github"),
        "set_token(token); unlink_account(primary_user_token, provider)",
        [rest(None)],
    ),
    Op(
        "get_security_level",
        lambda c: c["user"]().get_security_level(),
        "set_token(token); get_security_level()",
        [rest({"score": 60, "email": True, "phone": True, "password": True,
               "passwordSecurityLevel": 1, "mfa": False})],
    ),
    Op(
        "list_applications",
        lambda c: c["user"]().list_applications(page=2, limit=5),
        "set_token(token); list_applications(page=2, limit=5)",
        [rest({"totalCount": 0, "list": []})],
    ),
    Op(
        "list_orgs",
        lambda c: c["user"]().list_orgs(),
        "set_token(token); list_orgs()",
        [rest([])],
    ),
    # Roles, departments, resources.
    Op(
        "list_authorized_resources",
        lambda c: c["user"]().list_authorized_resources("default", "API"),
        "set_token(token); list_authorized_resources(namespace, 'API')",
        [ME, gql("user", {"authorizedResources": {"totalCount": 1, "list": [
            {"code": "orders", "type": "API", "actions": ["read"]}]}})],
    ),
    Op(
        "list_roles",
        lambda c: c["user"]().list_roles("default"),
        "set_token(token); list_roles(namespace)",
        [ME, gql("user", {"roles": ROLES})],
    ),
    Op(
        "has_role",
        lambda c: c["user"]().has_role("admin"),
        "set_token(token); has_role(code)",
        [ME, gql("user", {"roles": ROLES})],
    ),
    Op(
        "list_departments",
        lambda c: c["user"]().list_departments(),
        "set_token(token); list_departments()",
        [ME, gql("user", {"departments": {"totalCount": 0, "list": []}})],
    ),
    # Tokens.
    Op(
        "check_login_status",
        lambda c: c["new"]().check_login_status(USER_TOKEN),
        "check_login_status(token)",
        [gql("checkLoginStatus", {"code": 200, "message": "ok", "status": True,
                                  "exp": 4102444800, "iat": 1700000000,
                                  "data": {"id": USER_ID, "userPoolId": POOL_ID, "arn": None}})],
    ),
    Op(
        "refresh_token",
        lambda c: c["user"]().refresh_token(),
        "set_token(token); refresh_token()",
        [gql("refreshToken", {"token": "wire-new-token", "iat": 1700000000,
                              "exp": 4102444800})],
    ),
    Op(
        "validate_ticket_v2",
        lambda c: c["new"]().validate_ticket_v2("ST-123", "https://svc.example.com/cb", "JSON"),
        "validate_ticket_v2(ticket, service, 'JSON')",
        [ok({"serviceResponse": {"authenticationSuccess": {"user": "alice"}}})],
    ),
    Op(
        "track_session",
        lambda c: c["new"]().track_session(),
        "track_session()",
        [ok({"session": None})],
    ),
    Op(
        "wechat_login",
        lambda c: c["new"]().wechat_login("wx-code", country="CN", lang="zh_CN", state="s1"),
        "wechat_login(code, country, lang, state)",
        [rest(USER)],
    ),
    # OIDC / OAuth 2.0.
    Op(
        "get_access_token_by_code",
        lambda c: c["new"]().get_access_token_by_code("wire-code", "wire-verifier"),
        "get_access_token_by_code(code, code_verifier) with client_secret_post",
        [ok(TOKENS)],
    ),
    Op(
        "get_access_token_by_code_basic",
        lambda c: c["new"](token_endpoint_auth_method="client_secret_basic")
        .get_access_token_by_code("wire-code"),
        "get_access_token_by_code(code) with client_secret_basic",
        [ok(TOKENS)],
    ),
    Op(
        "get_access_token_by_code_none",
        lambda c: c["new"](token_endpoint_auth_method="none")
        .get_access_token_by_code("wire-code", "wire-verifier"),
        "get_access_token_by_code(code, code_verifier) with none",
        [ok(TOKENS)],
    ),
    Op(
        "get_access_token_by_code_oauth",
        lambda c: c["new"](protocol="oauth").get_access_token_by_code("wire-code"),
        "get_access_token_by_code(code) with protocol='oauth'",
        [ok(TOKENS)],
    ),
    Op(
        "get_new_access_token_by_refresh_token",
        lambda c: c["new"]().get_new_access_token_by_refresh_token("wire-refresh-token"),
        "get_new_access_token_by_refresh_token(refresh_token)",
        [ok(TOKENS)],
    ),
    Op(
        "get_new_access_token_by_refresh_token_oauth",
        lambda c: c["new"](protocol="oauth", token_endpoint_auth_method="client_secret_basic")
        .get_new_access_token_by_refresh_token("wire-refresh-token"),
        "get_new_access_token_by_refresh_token(refresh_token), oauth and client_secret_basic",
        [ok(TOKENS)],
    ),
    Op(
        "get_access_token_by_client_credentials",
        lambda c: c["new"]().get_access_token_by_client_credentials(
            "read:orders write:orders", "wire-access-key", "wire-access-secret"),
        "get_access_token_by_client_credentials(scope, access_key, access_secret)",
        [ok({"access_token": "wire-m2m-token", "expires_in": 7200, "token_type": "Bearer",
             "scope": "read:orders write:orders"})],
    ),
    Op(
        "introspect_token",
        lambda c: c["new"]().introspect_token("wire-access-token"),
        "introspect_token(token) with client_secret_post",
        [ok({"active": True, "sub": USER_ID, "client_id": APP_ID})],
    ),
    Op(
        "introspect_token_basic",
        lambda c: c["new"](introspection_endpoint_auth_method="client_secret_basic")
        .introspect_token("wire-access-token"),
        "introspect_token(token) with client_secret_basic",
        [ok({"active": False})],
    ),
    Op(
        "introspect_token_oauth",
        lambda c: c["new"](protocol="oauth", introspection_endpoint_auth_method="none")
        .introspect_token("wire-access-token"),
        "introspect_token(token), oauth and none",
        [ok({"active": False})],
    ),
    Op(
        "revoke_token",
        lambda c: c["new"]().revoke_token("wire-access-token"),
        "revoke_token(token) with client_secret_post",
        [ok({})],
    ),
    Op(
        "revoke_token_none",
        lambda c: c["new"](revocation_endpoint_auth_method="none").revoke_token(
            "wire-refresh-token"),
        "revoke_token(token) with none",
        [ok({})],
    ),
    Op(
        "revoke_token_oauth",
        lambda c: c["new"](protocol="oauth", revocation_endpoint_auth_method="client_secret_basic")
        .revoke_token("wire-access-token"),
        "revoke_token(token), oauth and client_secret_basic",
        [ok({})],
    ),
    Op(
        "get_user_info_by_access_token",
        lambda c: c["new"]().get_user_info_by_access_token("wire-access-token"),
        "get_user_info_by_access_token(access_token)",
        [ok({"sub": USER_ID, "name": "Alice", "email": EMAIL})],
    ),
    Op(
        "get_user_info_by_access_token_oauth",
        lambda c: c["new"](protocol="oauth").get_user_info_by_access_token("wire-access-token"),
        "get_user_info_by_access_token(access_token) with protocol='oauth'",
        [ok({"sub": USER_ID, "name": "Alice"})],
    ),
    Op(
        "validate_token",
        lambda c: c["new"]().validate_token(id_token="wire-id-token"),
        "validate_token(id_token=...)",
        [ok({"sub": USER_ID, "aud": APP_ID})],
    ),
    Op(
        "validate_token_access_token",
        lambda c: c["new"]().validate_token(access_token="wire-access-token"),
        "validate_token(access_token=...)",
        [ok({"sub": USER_ID, "scope": "openid"})],
    ),
    # URL builders: no request of their own; the recorded request is a GET of the built URL
    # (what the user agent sends), so the fixture holds its path and query.
    Op(
        "build_authorize_url",
        lambda c: visit(c["new"]().build_authorize_url(
            scope="openid profile offline_access", state="wire-state", nonce="wire-nonce",
            response_mode="form_post")),
        "GET build_authorize_url(scope, state, nonce, response_mode)",
        [ok({})],
    ),
    Op(
        "build_authorize_url_pkce",
        lambda c: visit(c["new"]().build_authorize_url(
            state="wire-state", nonce="wire-nonce", code_challenge_method="S256",
            code_challenge=PKCE_CHALLENGE)),
        "GET build_authorize_url(state, nonce, code_challenge_method='S256', code_challenge)",
        [ok({})],
        # polyauth draws the verifier itself (CSPRNG), so the challenge differs every time.
        mask=["/0/request/query/code_challenge"],
    ),
    Op(
        "build_authorize_url_oauth",
        lambda c: visit(c["new"](protocol="oauth").build_authorize_url(state="wire-state")),
        "GET build_authorize_url(state) with protocol='oauth'",
        [ok({})],
    ),
    Op(
        "build_logout_url",
        lambda c: visit(c["new"]().build_logout_url(redirect_uri=REDIRECT)),
        "GET build_logout_url(redirect_uri=...)",
        [ok({})],
    ),
    Op(
        "build_logout_url_expert",
        lambda c: visit(c["new"]().build_logout_url(
            expert=True, redirect_uri=REDIRECT, id_token="wire-id-token")),
        "GET build_logout_url(expert=True, redirect_uri, id_token)",
        [ok({})],
    ),
    # x-authing-lang with a language set: REST and GraphQL both carry it.
    Op(
        "send_sms_code_lang",
        lambda c: c["new"](lang="en-US").send_sms_code(PHONE),
        "send_sms_code(phone) with lang='en-US'",
        [rest(None)],
    ),
    Op(
        "check_password_strength_lang",
        lambda c: c["new"](lang="en-US").check_password_strength(PASSWORD),
        "check_password_strength(password) with lang='en-US'",
        [gql("checkPasswordStrength", {"valid": True, "message": "ok"})],
    ),
    Op(
        "get_access_token_by_code_lang",
        lambda c: c["new"](lang="en-US").get_access_token_by_code("wire-code"),
        "get_access_token_by_code(code) with lang='en-US'",
        [ok(TOKENS)],
    ),
]
