//! Users: create, read, update, delete, batch lookup, list, search, and their sessions.

use polyauth_core::{Error, ErrorKind, Result};
use reqwest::Method;
use serde_json::{Map, Value, json};

use super::{
    CustomData, MAX_BATCH_IDS, PasswordStorage, QueryField, SearchOptions, UserLookup, Users,
};
use crate::documents::{self as doc, custom_data_params};
use crate::transport::PROVIDER;
use crate::types::{CommonMessage, Paginated, RefreshedToken, User, paged_users};

impl Users<'_> {
    /// Creates a user (GraphQL `createUser`, or `createUserWithCustomData` when custom data is
    /// given). `user_info` holds `CreateUserInput` fields (`username`, `email`, `phone`,
    /// `password`, `nickname`, ...); a `password` is RSA-encrypted before sending (the
    /// caller's map is not changed; an empty one is sent as it is, as the reference does).
    /// `password_storage` says whether Authing hashes the password or keeps it as given
    /// (`keepPassword`, for imported hashes). `custom_data` goes as `params` (the
    /// reference's `json.dumps` of `[{"key", "value"}]`); an empty map counts as none.
    ///
    /// Errors: `InvalidInput` (user exists 2026; password over 117 bytes), `Provider`.
    pub async fn create(
        &self,
        user_info: &Map<String, Value>,
        password_storage: PasswordStorage,
        custom_data: Option<&Map<String, Value>>,
    ) -> Result<User> {
        // An empty map is no custom data (the reference tests the dict's truth).
        let op = if custom_data.is_some_and(|m| !m.is_empty()) {
            &doc::CREATE_USER_WITH_CUSTOM_DATA
        } else {
            &doc::CREATE_USER
        };
        let vars = json!({
            "userInfo": self.client.encrypt_password(user_info, op)?,
            "keepPassword": password_storage == PasswordStorage::AsGiven,
            "params": custom_data_params(custom_data),
        });
        self.client.gql(op, vars).await
    }

    /// Updates a user (GraphQL `updateUser`; a `password` in `updates` is encrypted).
    /// Errors: `NotFound` (2004).
    pub async fn update(&self, user_id: &str, updates: &Map<String, Value>) -> Result<User> {
        let op = &doc::UPDATE_USER;
        let input = self.client.encrypt_password(updates, op)?;
        self.client
            .gql(op, json!({"id": user_id, "input": input}))
            .await
    }

    /// One user: `GET {host}/api/v2/users/{id}?with_custom_data=1|0`. `None` for an unknown or
    /// deleted user.
    pub async fn detail(&self, user_id: &str, custom_data: CustomData) -> Result<Option<User>> {
        let mut url = self.client.url(&["api", "v2", "users", user_id])?;
        url.query_pairs_mut().append_pair(
            "with_custom_data",
            match custom_data {
                CustomData::Include => "1",
                CustomData::Omit => "0",
            },
        );
        match self
            .client
            .rest::<Option<User>>("user_detail", Method::GET, url, None)
            .await
        {
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            other => other,
        }
    }

    /// Deletes a user (GraphQL `deleteUser`). Errors: `NotFound` (2004).
    pub async fn delete(&self, user_id: &str) -> Result<CommonMessage> {
        self.client
            .gql(&doc::DELETE_USER, json!({"id": user_id}))
            .await
    }

    /// Deletes several users (GraphQL `deleteUsers`).
    pub async fn delete_many(&self, user_ids: &[String]) -> Result<CommonMessage> {
        self.client
            .gql(&doc::DELETE_USERS, json!({"ids": user_ids}))
            .await
    }

    /// Users by identifiers (GraphQL `userBatch`), matched on `query_field`; unknown
    /// identifiers are simply absent.
    ///
    /// Errors: `InvalidInput` for more than [`MAX_BATCH_IDS`] (80) identifiers.
    pub async fn batch_get(
        &self,
        identifiers: &[String],
        query_field: QueryField,
        custom_data: CustomData,
    ) -> Result<Vec<User>> {
        let op = custom_data.pick(&doc::USER_BATCH_WITH_CUSTOM_DATA, &doc::USER_BATCH);
        if identifiers.len() > MAX_BATCH_IDS {
            return Err(Error::invalid_input(format!(
                "batch_get takes at most {MAX_BATCH_IDS} identifiers per call, got {}",
                identifiers.len()
            ))
            .with_context(PROVIDER, op.name()));
        }
        if identifiers.is_empty() {
            return Ok(Vec::new());
        }
        let vars = json!({"ids": identifiers, "type": query_field.wire()});
        self.client.gql(op, vars).await
    }

    /// One page of users (GraphQL `users`; page from 1).
    pub async fn list(
        &self,
        page: u32,
        limit: u32,
        custom_data: CustomData,
    ) -> Result<Paginated<User>> {
        let op = custom_data.pick(&doc::USERS_WITH_CUSTOM_DATA, &doc::USERS);
        paged_users(
            self.client
                .gql(op, json!({"page": page, "limit": limit}))
                .await?,
        )
    }

    /// One page of archived users (GraphQL `archivedUsers`).
    pub async fn list_archived_users(&self, page: u32, limit: u32) -> Result<Paginated<User>> {
        let vars = json!({"page": page, "limit": limit});
        paged_users(self.client.gql(&doc::ARCHIVED_USERS, vars).await?)
    }

    /// Whether a user exists (GraphQL `isUserExists`). Errors: `InvalidInput` without any
    /// identifier.
    pub async fn exists(&self, lookup: &UserLookup) -> Result<bool> {
        let op = &doc::IS_USER_EXISTS;
        let found: Option<bool> = self.client.gql(op, lookup.variables(op)?).await?;
        Ok(found.unwrap_or(false))
    }

    /// Finds a user (GraphQL `findUser`); `None` when nobody matches.
    pub async fn find(&self, lookup: &UserLookup, custom_data: CustomData) -> Result<Option<User>> {
        let op = custom_data.pick(&doc::FIND_USER_WITH_CUSTOM_DATA, &doc::FIND_USER);
        self.client.gql(op, lookup.variables(op)?).await
    }

    /// Searches users by text with department, group and role filters (GraphQL `searchUser`;
    /// `searchUserWithCustomData` with `options.custom_data`). The filters travel as the
    /// reference sends them: `departmentOpts` `[{departmentId, includeChildrenDepartments}]`,
    /// `groupOpts` `[{code}]`, `roleOpts` `[{code}]` or `[{namespace, code}]`, each `null` when
    /// empty (see [`SearchOptions`]). Page from 1.
    ///
    /// Errors: `Provider` and transport errors.
    pub async fn search(
        &self,
        query: &str,
        page: u32,
        limit: u32,
        options: &SearchOptions,
    ) -> Result<Paginated<User>> {
        let op = options
            .custom_data
            .pick(&doc::SEARCH_USER_WITH_CUSTOM_DATA, &doc::SEARCH_USER);
        let vars = json!({
            "query": query, "page": page, "limit": limit,
            "departmentOpts": options.department_opts(),
            "groupOpts": options.group_opts(),
            "roleOpts": options.role_opts(),
        });
        paged_users(self.client.gql(op, vars).await?)
    }

    /// A new login token for the user (GraphQL `refreshToken` with `id`).
    pub async fn refresh_token(&self, user_id: &str) -> Result<RefreshedToken> {
        self.client
            .gql(&doc::REFRESH_TOKEN, json!({"id": user_id}))
            .await
    }

    /// Sends the first-login verification e-mail (GraphQL `sendFirstLoginVerifyEmail`).
    pub async fn send_first_login_verify_email(
        &self,
        user_id: &str,
        app_id: &str,
    ) -> Result<CommonMessage> {
        let vars = json!({"userId": user_id, "appId": app_id});
        self.client
            .gql(&doc::SEND_FIRST_LOGIN_VERIFY_EMAIL, vars)
            .await
    }

    /// Forces users offline: `POST {host}/api/v2/users/kick {userIds}`.
    pub async fn kick(&self, user_ids: &[String]) -> Result<()> {
        let url = self.client.url(&["api", "v2", "users", "kick"])?;
        let body = Some(json!({"userIds": user_ids}));
        let _: Value = self.client.rest("kick", Method::POST, url, body).await?;
        Ok(())
    }

    /// Logs a user out of an application (or all): `GET {host}/logout?appId=&userId=`
    /// (answer checked).
    pub async fn logout(&self, user_id: &str, app_id: Option<&str>) -> Result<()> {
        let mut url = self.client.url(&["logout"])?;
        if let Some(a) = app_id {
            url.query_pairs_mut().append_pair("appId", a);
        }
        url.query_pairs_mut().append_pair("userId", user_id);
        let _: Value = self
            .client
            .rest("user_logout", Method::GET, url, None)
            .await?;
        Ok(())
    }

    /// The user's login status in an application:
    /// `GET {host}/api/v2/users/login-status?appId=&userId=&deviceId=` (data as sent).
    /// Errors: `NotFound` (2004) for an unknown user.
    pub async fn check_login_status(
        &self,
        user_id: &str,
        app_id: Option<&str>,
        device_id: Option<&str>,
    ) -> Result<Value> {
        let mut url = self.client.url(&["api", "v2", "users", "login-status"])?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(a) = app_id {
                q.append_pair("appId", a);
            }
            q.append_pair("userId", user_id);
            if let Some(d) = device_id {
                q.append_pair("deviceId", d);
            }
        }
        self.client
            .rest("user_login_status", Method::GET, url, None)
            .await
    }

    /// The pool's user-action log:
    /// `GET {host}/api/v2/analysis/user-action?page=&limit=&clientip=&operation_name=&operator_arn=`.
    pub async fn list_user_actions(
        &self,
        page: u32,
        limit: u32,
        client_ip: Option<&str>,
        operation_name: Option<&str>,
        operator_arn: Option<&str>,
    ) -> Result<Value> {
        let mut url = self.client.url(&["api", "v2", "analysis", "user-action"])?;
        url.query_pairs_mut()
            .append_pair("page", &page.to_string())
            .append_pair("limit", &limit.to_string())
            .append_pair("clientip", client_ip.unwrap_or(""))
            .append_pair("operation_name", operation_name.unwrap_or(""))
            .append_pair("operator_arn", operator_arn.unwrap_or(""));
        self.client
            .rest("list_user_actions", Method::GET, url, None)
            .await
    }
}
