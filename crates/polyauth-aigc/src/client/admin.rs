//! The auth center's administrative calls: user sync, webhook registration, the user and group
//! lists, access keys, user comparison and token-based authorization.

use super::*;

impl AigcClient {
    /// Creates a user in the auth center: `POST /sdk/sync/user` with the user's fields and
    /// exactly one of `password` / `password_hashed` → `success`, `created`, `user_id`,
    /// `message`. `extra_headers` are merged last and win (the reference allows this).
    /// Sent once (not retried).
    ///
    /// Errors: `InvalidInput` for an empty username or password (no call).
    pub async fn sync_user_to_auth(
        &self,
        user: &SyncUser,
        extra_headers: Option<&HeaderMap>,
    ) -> Result<SyncOutcome> {
        const OP: &str = "sync_user_to_auth";
        let body = user.to_json().map_err(|e| e.with_context(PROVIDER, OP))?;
        let data = self
            .call(
                OP,
                "/sync/user",
                &body,
                Idempotency::NonIdempotent,
                extra_headers,
            )
            .await?;
        Ok(SyncOutcome::from_data(&data))
    }

    /// Creates many users: `POST /sdk/sync/batch` `{"users": [...]}` → `total`, `success`,
    /// `failed`, `skipped`, `errors`. Sent once.
    ///
    /// Errors: `InvalidInput` when any user has an empty username or password (no call).
    pub async fn batch_sync_users_to_auth(
        &self,
        users: &[SyncUser],
        extra_headers: Option<&HeaderMap>,
    ) -> Result<BatchSyncOutcome> {
        const OP: &str = "batch_sync_users_to_auth";
        let list = users
            .iter()
            .map(SyncUser::to_json)
            .collect::<Result<Vec<_>>>()
            .map_err(|e| e.with_context(PROVIDER, OP))?;
        let data = self
            .call(
                OP,
                "/sync/batch",
                &json!({ "users": list }),
                Idempotency::NonIdempotent,
                extra_headers,
            )
            .await?;
        Ok(BatchSyncOutcome::from_data(&data))
    }

    /// Registers a webhook: `POST /sdk/webhook/register` `{"url", "events", "secret"}` →
    /// `webhook_id`, `success`. Events are names such as `user.created`. Sent once.
    ///
    /// Errors: `InvalidInput` for an empty URL or event list (no call).
    pub async fn register_webhook(
        &self,
        url: &str,
        events: &[String],
        secret: Option<&Secret>,
    ) -> Result<WebhookRegistration> {
        const OP: &str = "register_webhook";
        if url.trim().is_empty() || events.is_empty() {
            return Err(
                Error::invalid_input("a webhook needs a URL and at least one event")
                    .with_context(PROVIDER, OP),
            );
        }
        let body = json!({
            "url": url,
            "events": events,
            "secret": secret.map(|s| s.expose_secret()),
        });
        let data = self
            .call(
                OP,
                "/webhook/register",
                &body,
                Idempotency::NonIdempotent,
                None,
            )
            .await?;
        let obj = data.as_object().cloned().unwrap_or_default();
        Ok(WebhookRegistration {
            webhook_id: text(&obj, &["webhook_id", "webhookId", "id"]),
            success: flag(&obj, &["success"]),
        })
    }

    /// Removes a webhook: `POST /sdk/webhook/unregister` `{"webhookId"}` (a number when `id`
    /// is numeric). Returns the server's free-form `data`. Sent once.
    pub async fn unregister_webhook(&self, id: &str) -> Result<Value> {
        let id_value = id
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(id.to_owned()));
        self.call(
            "unregister_webhook",
            "/webhook/unregister",
            &json!({ "webhookId": id_value }),
            Idempotency::NonIdempotent,
            None,
        )
        .await
    }

    /// One page of users (1.1.62): `POST /sdk/users/list` `{"keyword", "page", "pageSize"}`
    /// (`keyword` null when `None`) → `{total, items}` or a bare list. `page` starts at 1.
    pub async fn list_users(
        &self,
        keyword: Option<&str>,
        page: u32,
        page_size: u32,
    ) -> Result<Page<UserProfile>> {
        const OP: &str = "list_users";
        let page = page.max(1);
        let page_size = page_size.clamp(1, 1000);
        let body = json!({ "keyword": keyword, "page": page, "pageSize": page_size });
        let data = self
            .call(OP, "/users/list", &body, Idempotency::Idempotent, None)
            .await?;
        let items =
            user_list(&data, &["items", "users"]).map_err(|e| e.with_context(PROVIDER, OP))?;
        let total = data.get("total").and_then(Value::as_u64);
        Ok(Page::new(
            items,
            total,
            PageRequest {
                page,
                per_page: page_size,
            },
        ))
    }

    /// The groups (1.1.62): `POST /sdk/groups/list` `{}` → `items` or a bare list of
    /// `{id, name, code, description}`.
    pub async fn list_groups(&self) -> Result<Vec<Group>> {
        const OP: &str = "list_groups";
        let data = self
            .call(
                OP,
                "/groups/list",
                &json!({}),
                Idempotency::Idempotent,
                None,
            )
            .await?;
        let items = match &data {
            Value::Array(items) => items.clone(),
            Value::Object(obj) => obj
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            _ => {
                return Err(
                    Error::protocol("the group list is not a list").with_context(PROVIDER, OP)
                );
            }
        };
        items
            .iter()
            .map(Group::from_json)
            .collect::<Result<_>>()
            .map_err(|e| e.with_context(PROVIDER, OP))
    }

    /// Creates a personal access key for the token's user (1.1.62):
    /// `POST /sdk/access-key/create` `{"token", "name"?, "description"?}` (blank values left
    /// out) → `keyId`, `key`, `keyPrefix`, `keyType`, `userId`, `name`, `createdAt`. Sent once.
    pub async fn create_access_key(
        &self,
        token: &AccessToken,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Result<CreatedAccessKey> {
        const OP: &str = "create_access_key";
        check_token(token, OP)?;
        let mut body = Map::new();
        body.insert(
            "token".into(),
            Value::String(token.expose_secret().to_owned()),
        );
        for (key, value) in [("name", name), ("description", description)] {
            if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) {
                body.insert(key.into(), Value::String(v.to_owned()));
            }
        }
        let data = self
            .call(
                OP,
                "/access-key/create",
                &Value::Object(body),
                Idempotency::NonIdempotent,
                None,
            )
            .await?;
        CreatedAccessKey::from_data(&data).map_err(|e| e.with_context(PROVIDER, OP))
    }

    /// Whether two tokens of two applications belong to the same person (1.1.62):
    /// `POST /sdk/users/compare-identity` `{sourceAppId, sourceToken, targetAppId,
    /// targetToken}` (tokens trimmed) → `sameUser` (or `same_user`).
    ///
    /// Errors: `InvalidInput` for an app id ≤ 0 or an empty token (no call).
    pub async fn compare_users(
        &self,
        source_app_id: i64,
        target_app_id: i64,
        source_token: &AccessToken,
        target_token: &AccessToken,
    ) -> Result<bool> {
        const OP: &str = "compare_users";
        let (src, tgt) = (
            source_token.expose_secret().trim(),
            target_token.expose_secret().trim(),
        );
        if source_app_id <= 0 || target_app_id <= 0 || src.is_empty() || tgt.is_empty() {
            return Err(Error::invalid_input(
                "compare_users needs positive app ids and non-empty tokens",
            )
            .with_context(PROVIDER, OP));
        }
        let body = json!({
            "sourceAppId": source_app_id, "sourceToken": src,
            "targetAppId": target_app_id, "targetToken": tgt,
        });
        let data = self
            .call_object(
                OP,
                "/users/compare-identity",
                &body,
                Idempotency::Idempotent,
            )
            .await?;
        Ok(flag(&data, &["sameUser", "same_user"]))
    }

    /// The user of another application's token, authorized for this application (1.1.62):
    /// `POST /sdk/users/authorize-by-token` `{sourceAppId, sourceToken}` → a user object.
    ///
    /// Errors: `InvalidInput` for an app id ≤ 0 or an empty token (no call).
    pub async fn authorize_user_by_token(
        &self,
        source_app_id: i64,
        source_token: &AccessToken,
    ) -> Result<UserProfile> {
        const OP: &str = "authorize_user_by_token";
        let src = source_token.expose_secret().trim();
        if source_app_id <= 0 || src.is_empty() {
            return Err(Error::invalid_input(
                "authorize_user_by_token needs a positive app id and a token",
            )
            .with_context(PROVIDER, OP));
        }
        let body = json!({ "sourceAppId": source_app_id, "sourceToken": src });
        let data = self
            .call(
                OP,
                "/users/authorize-by-token",
                &body,
                Idempotency::NonIdempotent,
                None,
            )
            .await?;
        user_from_json(&data).map_err(|e| e.with_context(PROVIDER, OP))
    }
}
