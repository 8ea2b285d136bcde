//! Register, log in and out, codes, passwords.

use polyauth_core::{AccessToken, Error, Password, Result, VerificationCode};
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{AuthenticationClient, LoginOptions, RegisterOptions};
use crate::documents::{self as doc, GqlOp, custom_data_params, json_string};
use crate::transport::{Auth, PROVIDER};
use crate::types::{CommonMessage, EmailScene, PasswordStrength, User, UserSession};

/// The input of a register operation: the identifier and credentials, then the options.
fn register_input(mut input: Map<String, Value>, o: &RegisterOptions) -> Value {
    input.insert(
        "profile".into(),
        o.profile.clone().map_or(Value::Null, Value::Object),
    );
    input.insert("forceLogin".into(), Value::Bool(o.force_login));
    input.insert("generateToken".into(), Value::Bool(o.generate_token));
    input.insert("clientIp".into(), json!(o.client_ip));
    input.insert("params".into(), custom_data_params(o.custom_data.as_ref()));
    input.insert("context".into(), json_string(o.context.as_ref()));
    json!({ "input": input })
}

/// The input of a login operation; `password` logins also carry `autoRegister` and the
/// captcha answer.
fn login_input(mut input: Map<String, Value>, o: &LoginOptions, password: bool) -> Value {
    if password {
        input.insert("autoRegister".into(), Value::Bool(o.auto_register));
        input.insert("captchaCode".into(), json!(o.captcha_code));
    }
    input.insert("clientIp".into(), json!(o.client_ip));
    input.insert("params".into(), custom_data_params(o.custom_data.as_ref()));
    input.insert("context".into(), json_string(o.context.as_ref()));
    json!({ "input": input })
}

impl AuthenticationClient {
    /// `{identifier: value, "password": encrypted}`: the credentials of a password operation.
    fn credentials(
        &self,
        op: &GqlOp,
        identifier: &str,
        value: &str,
        password: Option<&Password>,
    ) -> Result<Map<String, Value>> {
        let mut input = Map::new();
        input.insert(identifier.into(), json!(value));
        if let Some(p) = password {
            input.insert("password".into(), json!(self.encrypt(p, op)?));
        }
        Ok(input)
    }

    async fn register(
        &self,
        op: &GqlOp,
        input: Map<String, Value>,
        options: &RegisterOptions,
    ) -> Result<User> {
        self.gql(op, register_input(input, options), Auth::None)
            .await
    }

    async fn password_login(
        &self,
        op: &GqlOp,
        identifier: &str,
        value: &str,
        password: &Password,
        options: &LoginOptions,
    ) -> Result<User> {
        let input = self.credentials(op, identifier, value, Some(password))?;
        self.gql(op, login_input(input, options, true), Auth::None)
            .await
    }

    /// Registers with e-mail and password (GraphQL `registerByEmail`; password encrypted).
    /// Errors: `InvalidInput` (user exists, 2026; password over 117 bytes), `Provider`.
    pub async fn register_by_email(
        &self,
        email: &str,
        password: &Password,
        options: RegisterOptions,
    ) -> Result<User> {
        let op = &doc::REGISTER_BY_EMAIL;
        let input = self.credentials(op, "email", email, Some(password))?;
        self.register(op, input, &options).await
    }

    /// Registers with username and password (GraphQL `registerByUsername`; password
    /// encrypted). Errors: as [`register_by_email`](Self::register_by_email).
    pub async fn register_by_username(
        &self,
        username: &str,
        password: &Password,
        options: RegisterOptions,
    ) -> Result<User> {
        let op = &doc::REGISTER_BY_USERNAME;
        let input = self.credentials(op, "username", username, Some(password))?;
        self.register(op, input, &options).await
    }

    /// Registers with a phone and an SMS code, optionally setting a password (GraphQL
    /// `registerByPhoneCode`; password encrypted). Errors: `Unauthenticated` for a wrong code
    /// (2001), as [`register_by_email`](Self::register_by_email).
    pub async fn register_by_phone_code(
        &self,
        phone: &str,
        code: &VerificationCode,
        password: Option<&Password>,
        options: RegisterOptions,
    ) -> Result<User> {
        let op = &doc::REGISTER_BY_PHONE_CODE;
        let mut input = self.credentials(op, "phone", phone, password)?;
        input.insert("code".into(), json!(code.expose_secret()));
        input.entry("password").or_insert(Value::Null);
        self.register(op, input, &options).await
    }

    /// Logs in with e-mail and password (GraphQL `loginByEmail`; password encrypted). The
    /// returned user carries `token`; [`User::session`] makes the session handle.
    ///
    /// Errors: `Unauthenticated` (wrong password 2333), `NotFound` (2004), `Provider` with
    /// `provider_code()` `"2000"` when a captcha is required, `InvalidInput` for a password over
    /// 117 bytes.
    pub async fn login_by_email(
        &self,
        email: &str,
        password: &Password,
        options: LoginOptions,
    ) -> Result<User> {
        self.password_login(&doc::LOGIN_BY_EMAIL, "email", email, password, &options)
            .await
    }

    /// Logs in with username and password (GraphQL `loginByUsername`; password encrypted).
    /// Errors: as [`login_by_email`](Self::login_by_email).
    pub async fn login_by_username(
        &self,
        username: &str,
        password: &Password,
        options: LoginOptions,
    ) -> Result<User> {
        let op = &doc::LOGIN_BY_USERNAME;
        self.password_login(op, "username", username, password, &options)
            .await
    }

    /// Logs in with phone and password (GraphQL `loginByPhonePassword`; password encrypted).
    /// Errors: as [`login_by_email`](Self::login_by_email).
    pub async fn login_by_phone_password(
        &self,
        phone: &str,
        password: &Password,
        options: LoginOptions,
    ) -> Result<User> {
        let op = &doc::LOGIN_BY_PHONE_PASSWORD;
        self.password_login(op, "phone", phone, password, &options)
            .await
    }

    /// Logs in with a phone and an SMS code (GraphQL `loginByPhoneCode`).
    /// Errors: `Unauthenticated` for a wrong code (2001), `NotFound` (2004).
    pub async fn login_by_phone_code(
        &self,
        phone: &str,
        code: &VerificationCode,
        options: LoginOptions,
    ) -> Result<User> {
        let mut input = Map::new();
        input.insert("phone".into(), json!(phone));
        input.insert("code".into(), json!(code.expose_secret()));
        let vars = login_input(input, &options, false);
        self.gql(&doc::LOGIN_BY_PHONE_CODE, vars, Auth::None).await
    }

    /// Logs in to a sub-account (GraphQL `loginBySubAccount`; password encrypted).
    /// Errors: as [`login_by_email`](Self::login_by_email).
    pub async fn login_by_sub_account(
        &self,
        account: &str,
        password: &Password,
        captcha_code: Option<&str>,
        client_ip: Option<&str>,
    ) -> Result<User> {
        let op = &doc::LOGIN_BY_SUB_ACCOUNT;
        let vars = json!({
            "account": account,
            "password": self.encrypt(password, op)?,
            "captchaCode": captcha_code,
            "clientIp": client_ip,
        });
        self.gql(op, vars, Auth::None).await
    }

    /// Logs in against the pool's LDAP directory: `POST {host}/api/v2/ldap/verify-user`.
    /// **The password travels in plaintext** (inside TLS), as Authing's endpoint expects.
    /// Errors: the envelope's code (2333 → `Unauthenticated`, ...).
    pub async fn login_by_ldap(&self, username: &str, password: &Password) -> Result<User> {
        let url = self.transport.url(&["api", "v2", "ldap", "verify-user"])?;
        let body = json!({"username": username, "password": password.expose_secret()});
        self.transport
            .rest("login_by_ldap", Method::POST, url, Some(body), Auth::None)
            .await
    }

    /// Logs in against the pool's Active Directory: `POST {websocket_host}/api/v2/ad/verify-user`.
    /// **The password travels in plaintext** (inside TLS), as Authing's endpoint expects, so
    /// the host is never guessed outside `authing.cn`: for any other host
    /// [`websocket_host`](super::AuthenticationClientOptions::websocket_host) must be configured.
    ///
    /// Errors: `ConfigInvalid` (before any request) when `websocket_host` is unset and the
    /// host is not under `authing.cn`; otherwise as [`login_by_ldap`](Self::login_by_ldap).
    pub async fn login_by_ad(&self, username: &str, password: &Password) -> Result<User> {
        const OP: &str = "login_by_ad";
        let ws = self.ws.as_ref().ok_or_else(|| {
            Error::config(
                "login_by_ad sends the password in plaintext and needs an explicit \
                 websocket_host when the host is not under authing.cn",
            )
            .with_context(PROVIDER, OP)
        })?;
        let url = ws.url(&["api", "v2", "ad", "verify-user"])?;
        let body = json!({"username": username, "password": password.expose_secret()});
        ws.rest(OP, Method::POST, url, Some(body), Auth::None).await
    }

    /// The session's user: `GET {host}/api/v2/users/me` with the user's token.
    /// Errors: `Unauthenticated` (2020), `InvalidToken` (2206).
    pub async fn get_current_user(&self, session: &UserSession) -> Result<User> {
        let url = self.transport.url(&["api", "v2", "users", "me"])?;
        self.rest_as_user(session, "get_current_user", url).await
    }

    /// Like [`get_current_user`](Self::get_current_user): the user when the session is
    /// logged in, `Unauthenticated`/`InvalidToken` otherwise.
    pub async fn check_logged_in(&self, session: &UserSession) -> Result<User> {
        self.get_current_user(session).await
    }

    /// Ends the session: `GET {host}/api/v2/logout?app_id=` with the user's token. Unlike the
    /// reference, the answer is checked. Errors: the envelope's code.
    pub async fn logout(&self, session: &UserSession) -> Result<()> {
        let mut url = self.transport.url(&["api", "v2", "logout"])?;
        if let Some(app) = &self.options.app_id {
            url.query_pairs_mut().append_pair("app_id", app);
        }
        let _: Value = self.rest_as_user(session, "logout", url).await?;
        Ok(())
    }

    /// Sends an SMS code: `POST {host}/api/v2/sms/send {phone}`. Errors: the envelope's code
    /// (checked, unlike the reference).
    pub async fn send_sms_code(&self, phone: &str) -> Result<()> {
        let url = self.transport.url(&["api", "v2", "sms", "send"])?;
        let body = Some(json!({"phone": phone}));
        let _: Value = self
            .transport
            .rest("send_sms_code", Method::POST, url, body, Auth::None)
            .await?;
        Ok(())
    }

    /// Sends an e-mail of a scene (GraphQL `sendEmail`).
    pub async fn send_email(&self, email: &str, scene: EmailScene) -> Result<CommonMessage> {
        let vars = json!({"email": email, "scene": scene});
        self.gql(&doc::SEND_EMAIL, vars, Auth::None).await
    }

    /// Resets a password with an SMS code (GraphQL `resetPassword`; new password encrypted).
    /// Errors: `Unauthenticated` for a wrong code (2001).
    pub async fn reset_password_by_phone_code(
        &self,
        phone: &str,
        code: &VerificationCode,
        new_password: &Password,
    ) -> Result<CommonMessage> {
        self.reset_password("phone", phone, code, new_password)
            .await
    }

    /// Resets a password with an e-mail code (GraphQL `resetPassword`; new password encrypted).
    pub async fn reset_password_by_email_code(
        &self,
        email: &str,
        code: &VerificationCode,
        new_password: &Password,
    ) -> Result<CommonMessage> {
        self.reset_password("email", email, code, new_password)
            .await
    }

    async fn reset_password(
        &self,
        identifier: &str,
        value: &str,
        code: &VerificationCode,
        new_password: &Password,
    ) -> Result<CommonMessage> {
        let op = &doc::RESET_PASSWORD;
        let vars = json!({
            identifier: value,
            "code": code.expose_secret(),
            "newPassword": self.encrypt(new_password, op)?,
        });
        self.gql(op, vars, Auth::None).await
    }

    /// Sets the password with a first-login token (GraphQL `resetPasswordByFirstLoginToken`;
    /// password encrypted).
    pub async fn reset_password_by_first_token(
        &self,
        token: &AccessToken,
        password: &Password,
    ) -> Result<CommonMessage> {
        let op = &doc::RESET_PASSWORD_BY_FIRST_LOGIN_TOKEN;
        let vars = json!({"token": token.expose_secret(), "password": self.encrypt(password, op)?});
        self.gql(op, vars, Auth::None).await
    }

    /// Changes the password with a force-reset token (GraphQL
    /// `resetPasswordByForceResetToken`; both passwords encrypted).
    pub async fn reset_password_with_force_reset(
        &self,
        token: &AccessToken,
        old_password: &Password,
        new_password: &Password,
    ) -> Result<CommonMessage> {
        let op = &doc::RESET_PASSWORD_BY_FORCE_RESET_TOKEN;
        let vars = json!({
            "token": token.expose_secret(),
            "oldPassword": self.encrypt(old_password, op)?,
            "newPassword": self.encrypt(new_password, op)?,
        });
        self.gql(op, vars, Auth::None).await
    }

    /// Checks a password against the pool's policy (GraphQL `checkPasswordStrength`).
    /// **The password travels in plaintext** (inside TLS), as Authing's schema expects.
    pub async fn check_password_strength(&self, password: &Password) -> Result<PasswordStrength> {
        let vars = json!({"password": password.expose_secret()});
        self.gql(&doc::CHECK_PASSWORD_STRENGTH, vars, Auth::None)
            .await
    }

    /// Whether a user with any of the given identifiers exists (GraphQL `isUserExists`),
    /// authorized with the session's token when one is given (the reference sends its current
    /// user's token, none without one). Errors: `InvalidInput` when no identifier is given.
    pub async fn is_user_exists(
        &self,
        session: Option<&UserSession>,
        username: Option<&str>,
        email: Option<&str>,
        phone: Option<&str>,
        external_id: Option<&str>,
    ) -> Result<bool> {
        let op = &doc::IS_USER_EXISTS;
        let vars = doc::user_lookup_variables(op, username, email, phone, external_id)?;
        let auth = session.map_or(Auth::None, |s| Auth::Bearer(&s.token));
        let found: Option<bool> = self.gql(op, vars, auth).await?;
        Ok(found.unwrap_or(false))
    }
}
