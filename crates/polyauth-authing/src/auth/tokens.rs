//! Tokens: the online check and a new token for the session (GraphQL), the OIDC/OAuth
//! helpers (authorization URL, code, refresh and client-credentials grants, introspection,
//! revocation, user info, logout URL), CAS ticket validation and the WeChat mobile callback.

use polyauth_core::{AccessToken, ClientSecret, Error, RefreshToken, Result, Secret, TokenRef};
use reqwest::Method;
use serde_json::{Map, Value, json};

use polyauth_oidc::{AuthorizationParams, TokenIntrospection, pkce_challenge, random_token};

use super::{AuthenticationClient, AuthorizeParams, AuthorizeUrl, Protocol};
use crate::documents as doc;
use crate::transport::{Auth, PROVIDER};
use crate::types::{LoginStatus, OidcTokens, RefreshedToken, UserSession};

/// The CAS ticket validation answer format (JSON only: the XML format is for browsers).
const CAS_FORMAT: &str = "JSON";

/// A fresh PKCE code verifier: 32 CSPRNG bytes, base64url (43 characters).
pub fn generate_code_verifier() -> String {
    random_token()
}

/// The S256 code challenge of a verifier: `base64url(SHA-256(verifier))` without padding.
///
/// ```
/// assert_eq!(
///     polyauth_authing::code_challenge_s256("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq"),
///     "kUaLSjXhsOCVA7wFqR444EX_ec7ltFCcMqGdmw9A7iA"
/// );
/// ```
pub fn code_challenge_s256(verifier: &str) -> String {
    pkce_challenge(verifier)
}

/// The reference SDK's `prompt=consent` for a scope with `offline_access` (Authing issues a
/// refresh token only then).
pub(crate) fn consent_prompt_for(scope: &str) -> Option<String> {
    scope
        .split(' ')
        .any(|s| s == "offline_access")
        .then(|| "consent".to_owned())
}

impl AuthenticationClient {
    /// Online token check (GraphQL `checkLoginStatus`; the token travels in the variables,
    /// no Authorization header). A dead token is an answer (`status: false`), not an error.
    pub async fn check_login_status(&self, token: &AccessToken) -> Result<LoginStatus> {
        let vars = json!({"token": token.expose_secret()});
        self.gql(&doc::CHECK_LOGIN_STATUS, vars, Auth::None).await
    }

    /// A new token for the session (GraphQL `refreshToken`, no variables). The caller keeps
    /// the new token (nothing is stored in the client).
    pub async fn refresh_token(&self, session: &UserSession) -> Result<RefreshedToken> {
        self.as_user(session, &doc::REFRESH_TOKEN, Value::Null)
            .await
    }

    /// Validates a CAS ticket: `GET {app_host}/cas-idp/{app_id}/serviceValidate?service=&ticket=&format=JSON`
    /// (JSON format; the XML format is for browsers). Answers the raw JSON.
    pub async fn validate_ticket_v2(&self, ticket: &str, service: &str) -> Result<Value> {
        let app_id = self.require_app_id("validate_ticket_v2")?;
        let mut url = self
            .transport
            .url(&["cas-idp", app_id, "serviceValidate"])?;
        url.query_pairs_mut()
            .append_pair("service", service)
            .append_pair("ticket", ticket)
            .append_pair("format", CAS_FORMAT);
        self.transport.get_json("validate_ticket_v2", url).await
    }

    /// The CAS session of the caller: `GET {app_host}/cas/session` (raw JSON; anonymous
    /// without the browser's cookies).
    pub async fn track_session(&self) -> Result<Value> {
        let url = self.transport.url(&["cas", "session"])?;
        self.transport.get_json("track_session", url).await
    }

    /// Finishes a WeChat mobile login:
    /// `GET {host}/connection/social/wechat:mobile/{user_pool_id}/callback?code=&country=&lang=&state=`
    /// (values URL-encoded, unlike the reference). Answers the raw JSON.
    /// Errors: `ConfigInvalid` without `user_pool_id`.
    pub async fn wechat_login(
        &self,
        code: &str,
        country: Option<&str>,
        lang: Option<&str>,
        state: Option<&str>,
    ) -> Result<Value> {
        let pool = self.options.user_pool_id.as_deref().ok_or_else(|| {
            Error::config("wechat_login needs user_pool_id").with_context(PROVIDER, "wechat_login")
        })?;
        let mut url =
            self.transport
                .url(&["connection", "social", "wechat:mobile", pool, "callback"])?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("code", code);
            for (k, v) in [("country", country), ("lang", lang), ("state", state)] {
                if let Some(v) = v {
                    q.append_pair(k, v);
                }
            }
        }
        self.transport.get_json("wechat_login", url).await
    }

    /// The authorization URL: `{app_host}/{oidc|oauth}/auth?...` with `client_id`,
    /// `response_type`, `state`, `redirect_uri`, `scope` and, with PKCE, the S256
    /// `code_challenge` (built by polyauth-oidc's engine). With [`Protocol::Oidc`] also
    /// `nonce`, `prompt=consent` for the `offline_access` scope and `response_mode` when
    /// given, the default scope being `openid profile email phone address`; with
    /// [`Protocol::OAuth`] none of those (as the reference), the default scope being `user`.
    /// `state`, `nonce` and the verifier come from a CSPRNG unless given; nothing is stored:
    /// keep them for the callback.
    ///
    /// [`Protocol::Oidc`]: super::Protocol::Oidc
    /// [`Protocol::OAuth`]: super::Protocol::OAuth
    ///
    /// Errors: `ConfigInvalid` without `app_host`, `app_id` or a redirect URI.
    pub fn build_authorize_url(&self, params: AuthorizeParams) -> Result<AuthorizeUrl> {
        const OP: &str = "build_authorize_url";
        self.app_base(OP)?;
        let oauth = self.oauth(OP)?;
        let redirect_uri = params
            .redirect_uri
            .or_else(|| self.options.redirect_uri.clone())
            .ok_or_else(|| {
                Error::config("no redirect_uri configured").with_context(PROVIDER, OP)
            })?;
        let oidc = self.options.protocol == Protocol::Oidc;
        let state = params.state.unwrap_or_else(random_token);
        let nonce = oidc.then(|| params.nonce.unwrap_or_else(random_token));
        let default_scope = if oidc {
            "openid profile email phone address"
        } else {
            "user"
        };
        let scope = params.scope.unwrap_or_else(|| default_scope.to_owned());
        let verifier = params.pkce.then(generate_code_verifier);
        let mut request = AuthorizationParams::new(state.clone(), redirect_uri, scope.clone());
        if let Some(response_type) = params.response_type {
            request.response_type = response_type;
        }
        request.nonce = nonce.clone();
        request.code_challenge = verifier.as_deref().map(pkce_challenge);
        if oidc {
            request.prompt = consent_prompt_for(&scope);
            if let Some(mode) = params.response_mode {
                request.extra.push(("response_mode".to_owned(), mode));
            }
        }
        Ok(AuthorizeUrl {
            url: oauth.authorization_url(&request),
            state,
            nonce,
            code_verifier: verifier.map(Secret::new),
        })
    }

    /// Exchanges an authorization code: `POST {host}/{oidc|oauth}/token` with
    /// `grant_type=authorization_code`, `code`, `redirect_uri`, `code_verifier` (PKCE) and the
    /// configured client authentication.
    ///
    /// Errors: `InvalidToken` for a bad or used code (`invalid_grant`), `PermissionDenied` for
    /// bad client credentials, `ConfigInvalid` without a redirect URI or secret.
    pub async fn get_access_token_by_code(
        &self,
        code: &str,
        code_verifier: Option<&Secret>,
        redirect_uri: Option<&str>,
    ) -> Result<OidcTokens> {
        const OP: &str = "get_access_token_by_code";
        let oauth = self.oauth(OP)?;
        if redirect_uri.is_none() && self.options.redirect_uri.is_none() {
            return Err(Error::config("no redirect_uri configured").with_context(PROVIDER, OP));
        }
        let verifier = code_verifier.map(Secret::expose_secret);
        oauth
            .exchange_code(code, verifier, redirect_uri, None)
            .await
            .map(OidcTokens::from)
            .map_err(|e| self.transport.observed(e.with_context(PROVIDER, OP)))
    }

    /// Refreshes tokens: `POST {host}/{oidc|oauth}/token` with `grant_type=refresh_token`.
    /// Errors: `InvalidToken` for a bad refresh token.
    pub async fn get_new_access_token_by_refresh_token(
        &self,
        refresh_token: &RefreshToken,
    ) -> Result<OidcTokens> {
        const OP: &str = "refresh_token_grant";
        self.oauth(OP)?
            .refresh(refresh_token)
            .await
            .map(OidcTokens::from)
            .map_err(|e| self.transport.observed(e.with_context(PROVIDER, OP)))
    }

    /// A machine token: `POST {host}/{oidc|oauth}/token` with `grant_type=client_credentials`,
    /// a programmatic access account's key and secret and a scope.
    /// Errors: `InvalidInput` for an empty scope; `PermissionDenied` for bad credentials.
    pub async fn get_access_token_by_client_credentials(
        &self,
        scope: &str,
        access_key: &str,
        secret_key: &ClientSecret,
    ) -> Result<OidcTokens> {
        const OP: &str = "client_credentials";
        if scope.trim().is_empty() {
            return Err(
                Error::invalid_input("client_credentials needs a scope").with_context(PROVIDER, OP)
            );
        }
        let url = self
            .transport
            .url(&[self.options.protocol.prefix(), "token"])?;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", access_key),
            ("client_secret", secret_key.expose_secret()),
            ("scope", scope),
        ];
        let v = self.transport.form(OP, url, &form, Auth::None).await?;
        tokens_from(v, OP)
    }

    /// RFC 7662 introspection: `POST {host}/{oidc|oauth}/token/introspection` with `token`
    /// and the configured introspection client authentication. The answer's `active` is
    /// `false` for a dead token; its claims are kept whole in
    /// [`TokenIntrospection::claims`].
    ///
    /// Errors: `ConfigInvalid` without the OAuth settings; `Protocol` for an answer without a
    /// boolean `active`; as the shared OAuth engine's `introspect` otherwise.
    pub async fn introspect_token(&self, token: &AccessToken) -> Result<TokenIntrospection> {
        const OP: &str = "introspect_token";
        self.oauth(OP)?
            .introspect(token)
            .await
            .map_err(|e| self.transport.observed(e.with_context(PROVIDER, OP)))
    }

    /// RFC 7009 revocation of an access or refresh token (`&AccessToken` or `&RefreshToken`):
    /// `POST {host}/{oidc|oauth}/token/revocation` with `token` (no `token_type_hint`, as the
    /// reference) and the configured revocation client authentication.
    ///
    /// Errors: `InvalidInput` for an id token (RFC 7009 revokes access and refresh tokens;
    /// nothing is sent); `ConfigInvalid` without the OAuth settings; as the shared OAuth engine's
    /// `revoke` otherwise.
    pub async fn revoke_token<'t>(&self, token: impl Into<TokenRef<'t>>) -> Result<()> {
        const OP: &str = "revoke_token";
        self.oauth(OP)?
            .revoke(token)
            .await
            .map_err(|e| self.transport.observed(e.with_context(PROVIDER, OP)))
    }

    /// OIDC user info: `POST {host}/{oidc|oauth}/me` with `Bearer {access_token}` (the raw
    /// claims: `sub`, `name`, `email`, ...). Errors: `InvalidToken`/`Unauthenticated`.
    pub async fn get_user_info_by_access_token(
        &self,
        access_token: &AccessToken,
    ) -> Result<Map<String, Value>> {
        const OP: &str = "get_user_info_by_access_token";
        let url = self
            .transport
            .url(&[self.options.protocol.prefix(), "me"])?;
        let v = self
            .transport
            .get_oauth(OP, url, Auth::Bearer(access_token), Method::POST)
            .await?;
        match v {
            Value::Object(m) if m.contains_key("sub") => Ok(m),
            _ => Err(Error::protocol("the user info has no `sub`").with_context(PROVIDER, OP)),
        }
    }

    /// Online validation of an id token or an access token (`&IdToken` or `&AccessToken`):
    /// `GET {app_host}/api/v2/oidc/validate_token?id_token=` or `?access_token=`, by the
    /// token's kind. The token's claims (`sub`, `exp`, ...), as Authing answers them.
    ///
    /// Errors: `InvalidInput` for a refresh token (the endpoint validates id and access
    /// tokens; nothing is sent); `ConfigInvalid` without `app_host`; `InvalidToken` /
    /// `Unauthenticated` for a token Authing refuses; `Protocol` for an answer that is not a
    /// JSON object.
    pub async fn validate_token<'t>(
        &self,
        token: impl Into<TokenRef<'t>>,
    ) -> Result<Map<String, Value>> {
        const OP: &str = "validate_token";
        let token = token.into();
        if let TokenRef::Refresh(_) = token {
            return Err(Error::invalid_input(
                "validate_token takes an id token or an access token",
            )
            .with_context(PROVIDER, OP));
        }
        let mut url = self
            .app_base(OP)?
            .url(&["api", "v2", "oidc", "validate_token"])?;
        url.query_pairs_mut()
            .append_pair(token.type_hint(), token.expose_secret());
        match self
            .transport
            .get_oauth(OP, url, Auth::None, Method::GET)
            .await?
        {
            Value::Object(claims) => Ok(claims),
            _ => Err(
                Error::protocol("the validation answer is not a JSON object")
                    .with_context(PROVIDER, OP),
            ),
        }
    }

    /// The logout URL. Not expert: `{app_host}/login/profile/logout[?redirect_uri=]`. Expert
    /// (needs an id token): `{app_host}/oidc/session/end?id_token_hint=&post_logout_redirect_uri=`.
    /// Values are URL-encoded. Errors: `ConfigInvalid` without `app_host`.
    pub fn build_logout_url(
        &self,
        redirect_uri: Option<&str>,
        id_token: Option<&polyauth_core::IdToken>,
    ) -> Result<url::Url> {
        const OP: &str = "build_logout_url";
        let t = self.app_base(OP)?;
        match id_token {
            Some(id) => self
                .oauth(OP)?
                .end_session_url(Some(id), redirect_uri, None)
                .map_err(|e| e.with_context(PROVIDER, OP)),
            None => {
                let mut url = t.url(&["login", "profile", "logout"])?;
                if let Some(r) = redirect_uri {
                    url.query_pairs_mut().append_pair("redirect_uri", r);
                }
                Ok(url)
            }
        }
    }
}

fn tokens_from(v: Value, op: &'static str) -> Result<OidcTokens> {
    serde_json::from_value(v).map_err(|e| {
        Error::protocol("the token answer has no access_token")
            .with_source(e)
            .with_context(PROVIDER, op)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_vector() {
        assert_eq!(
            code_challenge_s256("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq"),
            "kUaLSjXhsOCVA7wFqR444EX_ec7ltFCcMqGdmw9A7iA"
        );
        let v = generate_code_verifier();
        assert_eq!(v.len(), 43);
        assert_ne!(v, generate_code_verifier());
    }
}
