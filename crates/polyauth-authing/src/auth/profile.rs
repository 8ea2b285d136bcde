//! The session user's profile, password, phone and e-mail bindings, custom data, linked
//! accounts, applications and organizations.

use polyauth_core::{AccessToken, Error, Password, Result, VerificationCode};
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::AuthenticationClient;
use crate::documents as doc;
use crate::transport::{Auth, PROVIDER};
use crate::types::{Paginated, SecurityLevel, UdvItem, User, UserSession, udv_map};

impl AuthenticationClient {
    /// Updates profile fields (GraphQL `updateUser` with the session user's id).
    ///
    /// Errors: `InvalidInput` when `updates` holds `password` (the reference would send it in
    /// plaintext; use [`update_password`](Self::update_password)).
    pub async fn update_profile(
        &self,
        session: &UserSession,
        updates: &Map<String, Value>,
    ) -> Result<User> {
        let op = &doc::UPDATE_USER;
        if updates.contains_key("password") {
            return Err(Error::invalid_input(
                "update_profile does not change passwords; use update_password",
            )
            .with_context(PROVIDER, op.name()));
        }
        let id = self.user_id(session).await?;
        self.as_user(session, op, json!({"id": id, "input": updates}))
            .await
    }

    /// Changes the password (GraphQL `updatePassword`; both passwords encrypted).
    /// Errors: `Unauthenticated` for a wrong old password.
    pub async fn update_password(
        &self,
        session: &UserSession,
        new_password: &Password,
        old_password: Option<&Password>,
    ) -> Result<User> {
        let op = &doc::UPDATE_PASSWORD;
        let old = match old_password {
            Some(p) => Some(self.encrypt(p, op)?),
            None => None,
        };
        let vars = json!({"newPassword": self.encrypt(new_password, op)?, "oldPassword": old});
        self.as_user(session, op, vars).await
    }

    /// Binds a phone (GraphQL `bindPhone`). Errors: `Unauthenticated` for a wrong code.
    pub async fn bind_phone(
        &self,
        session: &UserSession,
        phone: &str,
        code: &VerificationCode,
    ) -> Result<User> {
        let vars = json!({"phone": phone, "phoneCode": code.expose_secret()});
        self.as_user(session, &doc::BIND_PHONE, vars).await
    }

    /// Unbinds the phone (GraphQL `unbindPhone`, no variables).
    pub async fn unbind_phone(&self, session: &UserSession) -> Result<User> {
        self.as_user(session, &doc::UNBIND_PHONE, Value::Null).await
    }

    /// Changes the phone (GraphQL `updatePhone`); the old phone and code when the pool
    /// requires them.
    pub async fn update_phone(
        &self,
        session: &UserSession,
        phone: &str,
        code: &VerificationCode,
        old_phone: Option<&str>,
        old_code: Option<&VerificationCode>,
    ) -> Result<User> {
        let vars = json!({
            "phone": phone, "phoneCode": code.expose_secret(),
            "oldPhone": old_phone, "oldPhoneCode": old_code.map(|c| c.expose_secret()),
        });
        self.as_user(session, &doc::UPDATE_PHONE, vars).await
    }

    /// Binds an e-mail (GraphQL `bindEmail`).
    pub async fn bind_email(
        &self,
        session: &UserSession,
        email: &str,
        code: &VerificationCode,
    ) -> Result<User> {
        let vars = json!({"email": email, "emailCode": code.expose_secret()});
        self.as_user(session, &doc::BIND_EMAIL, vars).await
    }

    /// Unbinds the e-mail (GraphQL `unbindEmail`, no variables).
    pub async fn unbind_email(&self, session: &UserSession) -> Result<User> {
        self.as_user(session, &doc::UNBIND_EMAIL, Value::Null).await
    }

    /// Changes the e-mail (GraphQL `updateEmail`).
    pub async fn update_email(
        &self,
        session: &UserSession,
        email: &str,
        code: &VerificationCode,
        old_email: Option<&str>,
        old_code: Option<&VerificationCode>,
    ) -> Result<User> {
        let vars = json!({
            "email": email, "emailCode": code.expose_secret(),
            "oldEmail": old_email, "oldEmailCode": old_code.map(|c| c.expose_secret()),
        });
        self.as_user(session, &doc::UPDATE_EMAIL, vars).await
    }

    /// The session user's custom data as `{key: typed value}` (GraphQL `udv`).
    pub async fn get_udf_value(&self, session: &UserSession) -> Result<Map<String, Value>> {
        Ok(udv_map(&self.list_udv(session).await?))
    }

    /// The session user's custom data as a typed list (GraphQL `udv`).
    pub async fn list_udv(&self, session: &UserSession) -> Result<Vec<UdvItem>> {
        let id = self.user_id(session).await?;
        let vars = json!({"targetType": "USER", "targetId": id});
        self.as_user(session, &doc::UDV, vars).await
    }

    /// Sets several custom-data values of the session user (GraphQL `setUdvBatch` with
    /// `udvList: [{"key", "value"}]`, each value JSON-encoded as the reference encodes it).
    ///
    /// `data` is any sequence of `(key, value)` pairs, sent in the order it yields them: a
    /// list such as `[("school", json!("MIT")), ("age", json!(20))]` keeps the caller's order
    /// (the reference sends its dict's insertion order); a `&serde_json::Map` yields its keys
    /// sorted.
    ///
    /// Errors: `InvalidInput` when `data` is empty; `Provider` and transport errors.
    pub async fn set_udf_value<K, V>(
        &self,
        session: &UserSession,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()>
    where
        K: AsRef<str>,
        V: std::borrow::Borrow<Value>,
    {
        let list = doc::udv_list(data)?;
        let id = self.user_id(session).await?;
        let vars = json!({"targetType": "USER", "targetId": id, "udvList": list});
        let _: Vec<UdvItem> = self.as_user(session, &doc::SET_UDV_BATCH, vars).await?;
        Ok(())
    }

    /// Removes one custom-data value (GraphQL `removeUdv`).
    pub async fn remove_udf_value(&self, session: &UserSession, key: &str) -> Result<()> {
        self.remove_udv(session, key).await.map(|_| ())
    }

    /// Sets one custom-data value (GraphQL `setUdv`, the value JSON-encoded as the reference's
    /// `json.dumps` writes it); answers the list.
    pub async fn set_udv(
        &self,
        session: &UserSession,
        key: &str,
        value: &Value,
    ) -> Result<Vec<UdvItem>> {
        let id = self.user_id(session).await?;
        let value = polyauth_core::pyjson::dumps(value);
        let vars = json!({"targetType": "USER", "targetId": id, "key": key, "value": value});
        self.as_user(session, &doc::SET_UDV, vars).await
    }

    /// Removes one custom-data value (GraphQL `removeUdv`); answers the remaining list.
    pub async fn remove_udv(&self, session: &UserSession, key: &str) -> Result<Vec<UdvItem>> {
        let id = self.user_id(session).await?;
        let vars = json!({"targetType": "USER", "targetId": id, "key": key});
        self.as_user(session, &doc::REMOVE_UDV, vars).await
    }

    /// Links a social account to a primary account: `POST {host}/api/v2/users/link
    /// {primaryUserToken, secondaryUserToken}`, authorized with the session's token (the
    /// reference sends its current user's token). The answer is checked (the reference
    /// ignores it).
    pub async fn link_account(
        &self,
        session: &UserSession,
        primary_user_token: &AccessToken,
        secondary_user_token: &AccessToken,
    ) -> Result<()> {
        let body = json!({
            "primaryUserToken": primary_user_token.expose_secret(),
            "secondaryUserToken": secondary_user_token.expose_secret(),
        });
        self.link_call(session, "link_account", "link", body).await
    }

    /// Unlinks a social provider from a primary account: `POST {host}/api/v2/users/unlink
    /// {primaryUserToken, provider}`, authorized with the session's token (as
    /// [`link_account`](Self::link_account)).
    pub async fn unlink_account(
        &self,
        session: &UserSession,
        primary_user_token: &AccessToken,
        provider: &str,
    ) -> Result<()> {
        let body =
            json!({"primaryUserToken": primary_user_token.expose_secret(), "provider": provider});
        self.link_call(session, "unlink_account", "unlink", body)
            .await
    }

    async fn link_call(
        &self,
        session: &UserSession,
        op: &'static str,
        path: &str,
        body: Value,
    ) -> Result<()> {
        let url = self.transport.url(&["api", "v2", "users", path])?;
        let auth = Auth::Bearer(&session.token);
        let _: Value = self
            .transport
            .rest(op, Method::POST, url, Some(body), auth)
            .await?;
        Ok(())
    }

    /// The session user's security level: `GET {host}/api/v2/users/me/security-level`.
    pub async fn get_security_level(&self, session: &UserSession) -> Result<SecurityLevel> {
        let url = self
            .transport
            .url(&["api", "v2", "users", "me", "security-level"])?;
        self.rest_as_user(session, "get_security_level", url).await
    }

    /// Applications the session user may access:
    /// `GET {host}/api/v2/users/me/applications/allowed?page=&limit=` (page from 1).
    pub async fn list_applications(
        &self,
        session: &UserSession,
        page: u32,
        limit: u32,
    ) -> Result<Paginated<Value>> {
        let mut url =
            self.transport
                .url(&["api", "v2", "users", "me", "applications", "allowed"])?;
        url.query_pairs_mut()
            .append_pair("page", &page.to_string())
            .append_pair("limit", &limit.to_string());
        self.rest_as_user(session, "list_applications", url).await
    }

    /// The session user's organizations: `GET {host}/api/v2/users/me/orgs` (the data as sent:
    /// a list of department paths).
    pub async fn list_orgs(&self, session: &UserSession) -> Result<Value> {
        let url = self.transport.url(&["api", "v2", "users", "me", "orgs"])?;
        self.rest_as_user(session, "list_orgs", url).await
    }
}
