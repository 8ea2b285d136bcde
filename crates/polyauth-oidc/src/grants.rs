//! The calls of [`OAuthClient`] to the server's back-channel endpoints: the code exchange,
//! refresh (with the concurrent-refresh guard), client credentials, pushed authorization
//! requests, revocation, introspection, UserInfo, and the RP-initiated logout URL.

use std::sync::Arc;

use polyauth_core::http::{HttpResponse, Idempotency, bearer_header};
use polyauth_core::{AccessToken, Error, IdToken, RefreshToken, Result, TokenRef, TokenSet};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::client::OAuthClient;
use crate::client_auth::ClientAuth;
use crate::introspection::TokenIntrospection;
use crate::token::{json_object, token_set};

impl OAuthClient {
    /// POSTs `form` with the client's authentication to `endpoint` (a `client_id` the
    /// form already has is not sent twice). Never retried (codes and rotated refresh tokens
    /// are single-use).
    async fn post_form(
        &self,
        operation: &'static str,
        endpoint: &url::Url,
        form: Vec<(&str, String)>,
    ) -> Result<HttpResponse> {
        self.post_form_as(operation, endpoint, form, &self.client_auth())
            .await
    }

    /// As `post_form`, authenticating with `auth`.
    async fn post_form_as(
        &self,
        operation: &'static str,
        endpoint: &url::Url,
        form: Vec<(&str, String)>,
        auth: &ClientAuth,
    ) -> Result<HttpResponse> {
        self.require_client_id()?;
        let inner = &self.inner;
        let audience = inner
            .server
            .issuer
            .clone()
            .unwrap_or_else(|| inner.server.token_endpoint.to_string());
        let request = inner
            .http
            .reqwest()
            .post(endpoint.clone())
            .headers(inner.config.headers.clone())
            .header(
                http::header::ACCEPT,
                http::HeaderValue::from_static("application/json"),
            );
        let mut body: Vec<(String, String)> = Vec::new();
        let request = auth.apply(&inner.config.client_id, &audience, request, &mut body)?;
        for (key, value) in form {
            if key == "client_id" && body.iter().any(|(k, _)| k == "client_id") {
                continue;
            }
            body.push((key.to_owned(), value));
        }
        inner
            .http
            .send(operation, request.form(&body), Idempotency::NonIdempotent)
            .await
    }

    /// Exchanges an authorization code at `POST {token_endpoint}` (RFC 6749 §4.1.3, RFC 7636
    /// §4.5): `grant_type=authorization_code`, `code`, `redirect_uri` (the given one, else the
    /// configured one) and the PKCE `code_verifier` when given; the token set's scope falls
    /// back to `requested_scope`. For callers that keep state, nonce and verifier themselves;
    /// [`finish`](Self::finish) does it all. The ID token is **not** validated here.
    ///
    /// Errors: `ConfigInvalid` without a redirect URI; otherwise as
    /// [`refresh`](Self::refresh).
    pub async fn exchange_code(
        &self,
        code: &str,
        code_verifier: Option<&str>,
        redirect_uri: Option<&str>,
        requested_scope: Option<&str>,
    ) -> Result<TokenSet> {
        let inner = &self.inner;
        let redirect_uri = redirect_uri
            .map(str::to_owned)
            .or_else(|| inner.config.redirect_uri.as_ref().map(url::Url::to_string))
            .ok_or_else(|| Error::config("no redirect_uri is configured or given"))?;
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", redirect_uri),
        ];
        if let Some(verifier) = code_verifier {
            form.push(("code_verifier", verifier.to_owned()));
        }
        let response = self
            .post_form("exchange_code", &inner.server.token_endpoint, form)
            .await?;
        token_set(&response, requested_scope)
    }

    /// Exchanges a refresh token for new tokens (RFC 6749 §6) at `POST {token_endpoint}`.
    ///
    /// **Concurrent-refresh guard**: refreshes of one refresh token that overlap, or follow
    /// within [`refresh_reuse`](crate::OAuthClientConfig::refresh_reuse), make one token
    /// endpoint call and all get its token set (a server that rotates refresh tokens would
    /// refuse every call after the first). A failure is handed to the callers that waited for
    /// it and not kept. When the server sends no new refresh token the old one is kept in the
    /// result; a new ID token is validated (without nonce, OIDC Core §12.2).
    ///
    /// Errors: `InvalidToken` for an unknown, used, expired or revoked refresh token
    /// (`invalid_grant`: log in again); `ConfigInvalid` for rejected client credentials;
    /// `Unavailable` for 5xx, timeouts and connection failures; `RateLimited` for 429;
    /// `Protocol` for an answer that is not a token response.
    pub async fn refresh(&self, refresh_token: &RefreshToken) -> Result<TokenSet> {
        let key: [u8; 32] = Sha256::digest(refresh_token.expose_secret().as_bytes()).into();
        let this = self.clone();
        let rt = refresh_token.clone();
        self.inner
            .refreshes
            .try_get_with(key, async move { this.refresh_uncoalesced(&rt).await })
            .await
            .map_err(|e: Arc<Error>| (*e).clone())
    }

    async fn refresh_uncoalesced(&self, refresh_token: &RefreshToken) -> Result<TokenSet> {
        let inner = &self.inner;
        let ctx = |e: Error| e.with_context(inner.provider, "refresh");
        let form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token.expose_secret().to_owned()),
        ];
        let response = self
            .post_form("refresh", &inner.server.token_endpoint, form)
            .await
            .map_err(ctx)?;
        let mut tokens = token_set(&response, None).map_err(ctx)?;
        if tokens.refresh_token.is_none() {
            tokens.refresh_token = Some(refresh_token.clone());
        }
        if let Some(id_token) = &tokens.id_token
            && inner.id_tokens.has_keys()
        {
            inner
                .id_tokens
                .validate(id_token, None, Some(&tokens.access_token))
                .await
                .map_err(ctx)?;
        }
        Ok(tokens)
    }

    /// Tokens for the client itself (RFC 6749 §4.4), with `scopes` and further form
    /// parameters such as `resource` (RFC 8707) or `audience`.
    ///
    /// Errors: as [`refresh`](Self::refresh) (`invalid_scope` and others are `Provider` with
    /// the code kept).
    pub async fn client_credentials(
        &self,
        scopes: &[&str],
        extra: &[(&str, &str)],
    ) -> Result<TokenSet> {
        let inner = &self.inner;
        let ctx = |e: Error| e.with_context(inner.provider, "client_credentials");
        let mut form = vec![("grant_type", "client_credentials".to_owned())];
        if !scopes.is_empty() {
            form.push(("scope", scopes.join(" ")));
        }
        form.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let response = self
            .post_form("client_credentials", &inner.server.token_endpoint, form)
            .await
            .map_err(ctx)?;
        token_set(&response, None).map_err(ctx)
    }

    /// Pushes the authorization parameters (RFC 9126) and returns the `request_uri`.
    pub(crate) async fn push_authorization(&self, params: &[(&str, &str)]) -> Result<String> {
        let inner = &self.inner;
        let endpoint = inner
            .server
            .pushed_authorization_request_endpoint
            .as_ref()
            .ok_or_else(|| {
                Error::config(
                    "the server requires pushed authorization requests but has no PAR endpoint",
                )
            })?;
        // client_id in the body whatever the client authentication (RFC 9126 §2.1).
        let client_id = [("client_id", inner.config.client_id.clone())];
        let form = client_id
            .into_iter()
            .chain(params.iter().map(|(k, v)| (*k, (*v).to_owned())))
            .collect();
        let response = self
            .post_form("pushed_authorization_request", endpoint, form)
            .await?;
        let map = json_object(&response, "pushed authorization response")?;
        match map.get("request_uri") {
            Some(Value::String(uri)) if !uri.is_empty() => Ok(uri.clone()),
            _ => {
                Err(Error::protocol("the PAR response has no request_uri")
                    .with_status(response.status))
            }
        }
    }

    /// Revokes an access or refresh token (`&AccessToken` or `&RefreshToken`; RFC 7009) at
    /// `POST {revocation_endpoint}`, authenticating with `revocation_auth` when configured
    /// (else the token endpoint's). The form carries `token` and, unless
    /// [`OAuthClientConfig::token_type_hint`](crate::OAuthClientConfig::token_type_hint) is
    /// off, `token_type_hint` from the token's kind. A token the server does not know counts
    /// as revoked (the server answers 200).
    ///
    /// Errors: `InvalidInput` for an id token (RFC 7009 revokes access and refresh tokens;
    /// nothing is sent); `Unsupported` when the server has no revocation endpoint; as
    /// [`refresh`](Self::refresh) otherwise.
    pub async fn revoke<'t>(&self, token: impl Into<TokenRef<'t>>) -> Result<()> {
        let inner = &self.inner;
        let ctx = |e: Error| e.with_context(inner.provider, "revoke");
        let token = token.into();
        let text = access_or_refresh(token, "revoked (RFC 7009)").map_err(ctx)?;
        let endpoint = inner
            .server
            .revocation_endpoint
            .as_ref()
            .ok_or_else(|| Error::unsupported(inner.provider, "revoke"))?;
        let mut form = vec![("token", text.to_owned())];
        if inner.config.token_type_hint {
            form.push(("token_type_hint", token.type_hint().to_owned()));
        }
        let auth = inner
            .config
            .revocation_auth
            .clone()
            .unwrap_or_else(|| self.client_auth());
        let response = self
            .post_form_as("revoke", endpoint, form, &auth)
            .await
            .map_err(ctx)?;
        if response.is_success() {
            return Ok(());
        }
        Err(ctx(json_object(&response, "revocation response")
            .err()
            .unwrap_or_else(|| response.status_error())))
    }

    /// Introspects an access or refresh token (RFC 7662) at `POST {introspection_endpoint}`,
    /// authenticating with `introspection_auth` when configured (else the token endpoint's).
    /// The form carries `token` alone, no `token_type_hint`.
    ///
    /// Errors: `InvalidInput` for an id token (RFC 7662 introspects access and refresh
    /// tokens; nothing is sent); `Unsupported` without an introspection endpoint; `Protocol`
    /// for an answer without a boolean `active`; as [`refresh`](Self::refresh) otherwise.
    pub async fn introspect<'t>(
        &self,
        token: impl Into<TokenRef<'t>>,
    ) -> Result<TokenIntrospection> {
        let inner = &self.inner;
        let ctx = |e: Error| e.with_context(inner.provider, "introspect");
        let token = token.into();
        let text = access_or_refresh(token, "introspected (RFC 7662)").map_err(ctx)?;
        let endpoint = inner
            .server
            .introspection_endpoint
            .as_ref()
            .ok_or_else(|| Error::unsupported(inner.provider, "introspect"))?;
        let form = vec![("token", text.to_owned())];
        let auth = inner
            .config
            .introspection_auth
            .clone()
            .unwrap_or_else(|| self.client_auth());
        let response = self
            .post_form_as("introspect", endpoint, form, &auth)
            .await
            .map_err(ctx)?;
        let claims = json_object(&response, "introspection response").map_err(ctx)?;
        TokenIntrospection::from_claims(claims).map_err(ctx)
    }

    /// The UserInfo claims of `access_token` (OIDC Core §5.3) from `GET {userinfo_endpoint}`.
    ///
    /// Errors: `Unsupported` without a UserInfo endpoint; `InvalidToken` when the server
    /// refuses the token (401); `Protocol` for a body that is not a JSON object (a signed
    /// UserInfo JWT is not read); `Unavailable` for 5xx and transport failures.
    pub async fn userinfo(&self, access_token: &AccessToken) -> Result<Map<String, Value>> {
        let inner = &self.inner;
        let ctx = |e: Error| e.with_context(inner.provider, "userinfo");
        let endpoint = inner
            .server
            .userinfo_endpoint
            .as_ref()
            .ok_or_else(|| Error::unsupported(inner.provider, "userinfo"))?;
        let request = inner
            .http
            .reqwest()
            .get(endpoint.clone())
            .headers(inner.config.headers.clone())
            .header(
                http::header::AUTHORIZATION,
                bearer_header(access_token).map_err(ctx)?,
            );
        let response = inner
            .http
            .send("userinfo", request, Idempotency::Idempotent)
            .await
            .map_err(ctx)?;
        if response.status == 401 {
            return Err(ctx(Error::invalid_token(
                "the server refused the access token",
            )
            .with_status(401)));
        }
        json_object(&response, "UserInfo response").map_err(ctx)
    }

    /// The RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0): the server's
    /// `end_session_endpoint` with `id_token_hint`, `post_logout_redirect_uri` (which must be
    /// registered), `client_id` and `state` when given. Send the user agent there.
    ///
    /// Errors: `Unsupported` when the server has no end-session endpoint.
    pub fn end_session_url(
        &self,
        id_token_hint: Option<&IdToken>,
        post_logout_redirect_uri: Option<&str>,
        state: Option<&str>,
    ) -> Result<url::Url> {
        let inner = &self.inner;
        let mut url = inner
            .server
            .end_session_endpoint
            .clone()
            .ok_or_else(|| Error::unsupported(inner.provider, "end_session_url"))?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(hint) = id_token_hint {
                query.append_pair("id_token_hint", hint.expose_secret());
            }
            if let Some(uri) = post_logout_redirect_uri {
                query.append_pair("post_logout_redirect_uri", uri);
            }
            if id_token_hint.is_none() {
                // The hint names the client; without it the server needs the id.
                query.append_pair("client_id", &inner.config.client_id);
            }
            if let Some(state) = state {
                query.append_pair("state", state);
            }
        }
        Ok(url)
    }
}

/// The text of an access or refresh token, the two kinds RFC 7009 revocation and RFC 7662
/// introspection take. Errors: `InvalidInput` for an id token ("an id token cannot be
/// {done}"), before anything is sent.
fn access_or_refresh<'t>(token: TokenRef<'t>, done: &str) -> Result<&'t str> {
    match token {
        TokenRef::Id(_) => Err(Error::invalid_input(format!(
            "an id token cannot be {done}"
        ))),
        other => Ok(other.expose_secret()),
    }
}
