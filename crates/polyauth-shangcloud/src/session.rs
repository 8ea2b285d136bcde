//! A logged-in user's session: tokens plus every resource call of the reference SDK's
//! `UserInstance` (user info, user variables, MMO rooms). Sessions are made by the login flow
//! (`login`) and kept with [`SessionPersistence`]; this module depends on `client` only.

use std::fmt;
use std::time::{Duration, SystemTime};

use polyauth_core::http::Idempotency;
use polyauth_core::session::SessionPersistence;
use polyauth_core::{AccessToken, Error, ErrorKind, Result, Secret, TokenSet};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::client::{PROVIDER, ShangCloudClient, UserBasicInfo, authorization_header};

/// User-variables endpoint. The server spells it `varibles`; the spelling is the protocol.
pub const VARIABLES_PATH: &str = "/api/varibles";
/// Header naming the MMO room.
pub const MMO_ROOM_HEADER: &str = "X-MMO-Room";
/// Header naming the MMO protocol. The server spells it `Protoctl`; the spelling is the
/// protocol.
pub const MMO_PROTOCOL_HEADER: &str = "X-MMO-Protoctl";
/// MMO: create a room.
pub const MMO_NEW_PATH: &str = "/api/mmo/room/new";
/// MMO: join a room.
pub const MMO_JOIN_PATH: &str = "/api/mmo/room/join";
/// MMO: configure a room.
pub const MMO_CONFIG_PATH: &str = "/api/mmo/room/config";
/// MMO: set one room data key.
pub const MMO_DATA_SET_PATH: &str = "/api/mmo/room/data/set";
/// MMO: read all room data.
pub const MMO_DATA_GET_PATH: &str = "/api/mmo/room/data/get";
/// MMO: delete one room data key.
pub const MMO_DATA_DELETE_PATH: &str = "/api/mmo/room/data/delete";
/// MMO: remove a user from a room.
pub const MMO_KICK_PATH: &str = "/api/mmo/room/kick";
/// MMO: number of users in a room.
pub const MMO_USER_COUNT_PATH: &str = "/api/mmo/room/usercount";

/// How early [`UserSession::is_expired`] reports expiry (as the reference SDK: 60 s).
pub const EXPIRY_SKEW: Duration = Duration::from_secs(60);

/// A ticket to an MMO room's edge server (from [`UserSession::new_room`] and
/// [`UserSession::join_room`]).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MmoRoomTicket {
    /// Key to present to the edge server (a credential: `Debug` redacts it).
    pub connect_key: Secret,
    /// Edge server URL.
    pub edge_url: String,
    /// Room id.
    pub room_id: String,
    /// Protocol of the room.
    pub protocol: String,
    /// The uid the server assigned in the room (join only; absent when the server sends none).
    pub assigned_uid: Option<String>,
}

#[derive(Deserialize)]
struct TicketWire {
    connect_key: String,
    edge_url: String,
    room_id: String,
    protocol: String,
    #[serde(default)]
    assigned_uid: Option<Value>,
}

/// A logged-in ShangCloud user: the tokens and the client to call the API with (the reference
/// SDK's `UserInstance`). Cheap to clone. `Debug` shows no token.
///
/// Every call checks the access token's expiry first (an expired token fails locally with
/// `Unauthenticated`, without a network call; [`ShangCloudClient::refresh`] makes a new
/// session) and sends `Authorization: {token_type} {access_token}` as the SDK does.
#[derive(Clone)]
pub struct UserSession {
    client: ShangCloudClient,
    tokens: TokenSet,
    return_to: Option<String>,
}

impl fmt::Debug for UserSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserSession")
            .field("tokens", &self.tokens)
            .field("return_to", &self.return_to)
            .finish()
    }
}

impl UserSession {
    pub(crate) fn new(client: ShangCloudClient, tokens: TokenSet) -> Self {
        UserSession {
            client,
            tokens,
            return_to: None,
        }
    }

    pub(crate) fn with_return_to(mut self, return_to: Option<String>) -> Self {
        self.return_to = return_to;
        self
    }

    /// The tokens: access token, refresh token, token type, expiry and scope.
    pub fn tokens(&self) -> &TokenSet {
        &self.tokens
    }

    /// The tokens, by value.
    pub fn into_tokens(self) -> TokenSet {
        self.tokens
    }

    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.tokens.access_token
    }

    /// The `return_to` the login was started with (see
    /// [`ShangCloudClient::authorization_url_with`]), for the callback's redirect.
    pub fn return_to(&self) -> Option<&str> {
        self.return_to.as_deref()
    }

    /// When the access token expires (`None` when the server gave no `expires_in`).
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.tokens.expires_at
    }

    /// Whether the access token expires within 60 s ([`EXPIRY_SKEW`]) or already has, on the
    /// UTC wall clock. Unknown expiry counts as not expired.
    pub fn is_expired(&self) -> bool {
        self.tokens.is_expired(EXPIRY_SKEW)
    }

    /// Saves the tokens under `id` (the reference SDK's `User.save`).
    /// Errors: those of the persistence.
    pub async fn save(&self, persistence: &dyn SessionPersistence, id: &str) -> Result<()> {
        persistence.save(id, &self.tokens).await
    }

    fn authorization(&self, operation: &'static str) -> Result<http::HeaderValue> {
        if self.tokens.is_expired(Duration::ZERO) {
            return Err(Error::new(
                ErrorKind::Unauthenticated,
                "the access token has expired; refresh the session",
            )
            .with_context(PROVIDER, operation));
        }
        authorization_header(&self.tokens.token_type, &self.tokens.access_token)
            .map_err(|e| e.with_context(PROVIDER, operation))
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
        headers: &[(&'static str, &str)],
        body: Value,
        idempotency: Idempotency,
    ) -> Result<T> {
        let auth = self.authorization(operation)?;
        self.client
            .post_json(operation, path, &auth, headers, &body, idempotency)
            .await
    }

    /// The user's profile: `POST /api/user/info` with `{}`.
    ///
    /// Errors: `Unauthenticated` (401, or an expired token), `Unavailable`, `Protocol` when the
    /// answer is not JSON or has no integer `uid`.
    pub async fn basic_info(&self) -> Result<UserBasicInfo> {
        let auth = self.authorization("user_info")?;
        self.client.basic_info_with(&auth).await
    }

    async fn variable(&self, action: &'static str, key: &str, value: &str) -> Result<String> {
        let operation = match action {
            VARIABLE_READ => "get_variable",
            VARIABLE_WRITE => "set_variable",
            _ => "delete_variable",
        };
        if key.is_empty() {
            return Err(
                Error::invalid_input("the variable key is empty").with_context(PROVIDER, operation)
            );
        }
        let idempotency = if action == VARIABLE_READ {
            Idempotency::Idempotent
        } else {
            Idempotency::NonIdempotent
        };
        let answer: Value = self
            .call(
                operation,
                VARIABLES_PATH,
                &[],
                json!({"key": key, "action": action, "value": value}),
                idempotency,
            )
            .await?;
        match &answer {
            Value::Object(map) => {
                if let Some(err) = map.get("error").filter(|e| is_truthy(e)) {
                    let message = match err {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    return Err(Error::provider_error("variable_error", message)
                        .with_context(PROVIDER, operation));
                }
                Ok(match map.get("value") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Null) | None => String::new(),
                    Some(other) => other.to_string(),
                })
            }
            _ => Ok(String::new()),
        }
    }

    /// Reads a user variable: `POST /api/varibles` with `{"key", "action": "read", "value": ""}`
    /// (needs scope `var:io`). A variable never written reads as `""`, as in the SDK.
    ///
    /// Errors: `InvalidInput` for an empty key; `Provider` with `provider_code()`
    /// `"variable_error"` when the server answers `{"error": ..}`; `PermissionDenied` (403, e.g.
    /// scope missing); as [`basic_info`](Self::basic_info).
    pub async fn get_variable(&self, key: &str) -> Result<String> {
        self.variable(VARIABLE_READ, key, "").await
    }

    /// Writes a user variable (`action: "write"`). Errors: as
    /// [`get_variable`](Self::get_variable).
    pub async fn set_variable(&self, key: &str, value: &str) -> Result<()> {
        self.variable(VARIABLE_WRITE, key, value).await.map(|_| ())
    }

    /// Deletes a user variable (`action: "delete"`). Errors: as
    /// [`get_variable`](Self::get_variable).
    pub async fn delete_variable(&self, key: &str) -> Result<()> {
        self.variable(VARIABLE_DELETE, key, "").await.map(|_| ())
    }

    async fn ticket(
        &self,
        operation: &'static str,
        path: &str,
        room_id: &str,
        protocol: &str,
    ) -> Result<MmoRoomTicket> {
        let wire: TicketWire = self
            .call(
                operation,
                path,
                &[(MMO_ROOM_HEADER, room_id), (MMO_PROTOCOL_HEADER, protocol)],
                json!({}),
                Idempotency::NonIdempotent,
            )
            .await?;
        Ok(MmoRoomTicket {
            connect_key: Secret::new(wire.connect_key),
            edge_url: wire.edge_url,
            room_id: wire.room_id,
            protocol: wire.protocol,
            assigned_uid: match wire.assigned_uid {
                Some(Value::String(s)) => Some(s),
                Some(Value::Null) | None => None,
                Some(other) => Some(other.to_string()),
            },
        })
    }

    /// Creates an MMO room: `POST /api/mmo/room/new` with `{}` and, when `protocol` is not
    /// empty, `X-MMO-Protoctl: {protocol}` (needs scope `mmo`).
    ///
    /// Errors: `PermissionDenied` (scope), `Protocol` when a ticket field is missing, as
    /// [`basic_info`](Self::basic_info).
    pub async fn new_room(&self, protocol: &str) -> Result<MmoRoomTicket> {
        self.ticket("mmo_new_room", MMO_NEW_PATH, "", protocol)
            .await
    }

    /// Joins a room: `POST /api/mmo/room/join` with `X-MMO-Room` (and `X-MMO-Protoctl` when
    /// not empty). Errors: `NotFound` for an unknown room; as [`new_room`](Self::new_room).
    pub async fn join_room(&self, room_id: &str, protocol: &str) -> Result<MmoRoomTicket> {
        require_room(room_id, "mmo_join_room")?;
        self.ticket("mmo_join_room", MMO_JOIN_PATH, room_id, protocol)
            .await
    }

    async fn room_call(
        &self,
        operation: &'static str,
        path: &str,
        room_id: &str,
        body: Value,
        idempotency: Idempotency,
    ) -> Result<Value> {
        require_room(room_id, operation)?;
        self.call(
            operation,
            path,
            &[(MMO_ROOM_HEADER, room_id)],
            body,
            idempotency,
        )
        .await
    }

    /// `POST /api/mmo/room/config` with `{"allow_multi_login": bool}`.
    /// Errors: `PermissionDenied` when not the owner; as [`join_room`](Self::join_room).
    pub async fn set_room_config(&self, room_id: &str, allow_multi_login: bool) -> Result<()> {
        self.room_call(
            "mmo_set_room_config",
            MMO_CONFIG_PATH,
            room_id,
            json!({"allow_multi_login": allow_multi_login}),
            Idempotency::NonIdempotent,
        )
        .await
        .map(|_| ())
    }

    /// `POST /api/mmo/room/data/set` with `{"key", "value"}` and `"type"` when `data_type` is
    /// not empty. `value` is any JSON. Errors: as [`join_room`](Self::join_room).
    pub async fn set_room_data(
        &self,
        room_id: &str,
        key: &str,
        value: Value,
        data_type: &str,
    ) -> Result<()> {
        let mut body = json!({"key": key, "value": value});
        if !data_type.is_empty() {
            body["type"] = Value::String(data_type.to_owned());
        }
        self.room_call(
            "mmo_set_room_data",
            MMO_DATA_SET_PATH,
            room_id,
            body,
            Idempotency::NonIdempotent,
        )
        .await
        .map(|_| ())
    }

    /// `POST /api/mmo/room/data/get`: the room's `extra_data` object (empty when absent).
    /// Errors: `Protocol` when `extra_data` is not an object; as [`join_room`](Self::join_room).
    pub async fn get_room_data(&self, room_id: &str) -> Result<Map<String, Value>> {
        let answer = self
            .room_call(
                "mmo_get_room_data",
                MMO_DATA_GET_PATH,
                room_id,
                json!({}),
                Idempotency::Idempotent,
            )
            .await?;
        match answer.get("extra_data") {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(m)) => Ok(m.clone()),
            Some(_) => Err(Error::protocol("`extra_data` is not an object")
                .with_context(PROVIDER, "mmo_get_room_data")),
        }
    }

    /// `POST /api/mmo/room/data/delete` with `{"key"}`. Errors: as [`join_room`](Self::join_room).
    pub async fn delete_room_data(&self, room_id: &str, key: &str) -> Result<()> {
        self.room_call(
            "mmo_delete_room_data",
            MMO_DATA_DELETE_PATH,
            room_id,
            json!({"key": key}),
            Idempotency::NonIdempotent,
        )
        .await
        .map(|_| ())
    }

    /// `POST /api/mmo/room/kick` with `{"target_uid"}` (a string, as the SDK sends).
    /// Errors: `PermissionDenied` when not the owner, `NotFound` for a user not in the room;
    /// as [`join_room`](Self::join_room).
    pub async fn kick_user(&self, room_id: &str, target_uid: &str) -> Result<()> {
        self.room_call(
            "mmo_kick_user",
            MMO_KICK_PATH,
            room_id,
            json!({"target_uid": target_uid}),
            Idempotency::NonIdempotent,
        )
        .await
        .map(|_| ())
    }

    /// `POST /api/mmo/room/usercount`: `user_count` (an integer, or a string of digits as the
    /// SDK's `int()` accepts). Errors: `Protocol` when it is neither; as
    /// [`join_room`](Self::join_room).
    pub async fn room_user_count(&self, room_id: &str) -> Result<u64> {
        let answer = self
            .room_call(
                "mmo_get_room_user_count",
                MMO_USER_COUNT_PATH,
                room_id,
                json!({}),
                Idempotency::Idempotent,
            )
            .await?;
        match answer.get("user_count") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| {
            Error::protocol("`user_count` is missing or not a non-negative integer")
                .with_context(PROVIDER, "mmo_get_room_user_count")
        })
    }
}

/// The `action` of a variable read.
pub const VARIABLE_READ: &str = "read";
/// The `action` of a variable write.
pub const VARIABLE_WRITE: &str = "write";
/// The `action` of a variable delete.
pub const VARIABLE_DELETE: &str = "delete";

fn require_room(room_id: &str, operation: &'static str) -> Result<()> {
    if room_id.is_empty() {
        return Err(Error::invalid_input("the room id is empty").with_context(PROVIDER, operation));
    }
    Ok(())
}

fn is_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}
