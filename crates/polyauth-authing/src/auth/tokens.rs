//! Tokens: the online check and a new token for the session (GraphQL), the OIDC/OAuth
//! helpers (authorization URL, code, refresh and client-credentials grants, introspection,
//! revocation, user info, logout URL), CAS ticket validation and the WeChat mobile callback.

use base64::Engine;
use polyauth_core::{AccessToken, ClientSecret, Error, RefreshToken, Result, Secret};
use reqwest::Method;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{AuthenticationClient, AuthorizeParams, AuthorizeUrl, TokenEndpointAuthMethod};
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
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// 32 CSPRNG bytes, base64url: `state`, `nonce` and PKCE verifiers.
fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
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
    /// `redirect_uri`, `scope`, `response_type`, `state`, `nonce` and, with PKCE, the S256
    /// `code_challenge`. `state`, `nonce` and the verifier come from a CSPRNG.
    ///
    /// Errors: `ConfigInvalid` without `app_host`, `app_id` or a redirect URI.
    pub fn build_authorize_url(&self, params: AuthorizeParams) -> Result<AuthorizeUrl> {
        const OP: &str = "build_authorize_url";
        let t = self.app_base(OP)?;
        let app_id = self.require_app_id(OP)?;
        let redirect_uri = params
            .redirect_uri
            .or_else(|| self.options.redirect_uri.clone())
            .ok_or_else(|| {
                Error::config("no redirect_uri configured").with_context(PROVIDER, OP)
            })?;
        let state = params.state.unwrap_or_else(random_token);
        let nonce = params.nonce.unwrap_or_else(random_token);
        let scope = params
            .scope
            .unwrap_or_else(|| "openid profile email phone address".to_owned());
        let mut url = t.url(&[self.options.protocol.prefix(), "auth"])?;
        let verifier = params.pkce.then(generate_code_verifier);
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("nonce", &nonce)
                .append_pair("state", &state)
                .append_pair("scope", &scope)
                .append_pair("client_id", app_id)
                .append_pair("redirect_uri", &redirect_uri)
                .append_pair(
                    "response_type",
                    params.response_type.as_deref().unwrap_or("code"),
                );
            if let Some(m) = &params.response_mode {
                q.append_pair("response_mode", m);
            }
            if scope.split(' ').any(|s| s == "offline_access") {
                q.append_pair("prompt", "consent");
            }
            if let Some(v) = &verifier {
                q.append_pair("code_challenge", &code_challenge_s256(v))
                    .append_pair("code_challenge_method", "S256");
            }
        }
        Ok(AuthorizeUrl {
            url,
            state,
            nonce,
            code_verifier: verifier.map(Secret::new),
        })
    }

    fn client_auth<'a>(
        &'a self,
        method: TokenEndpointAuthMethod,
        form: &mut Vec<(&'static str, String)>,
        op: &'static str,
    ) -> Result<Auth<'a>> {
        let app_id = self.require_app_id(op)?;
        let secret = || {
            self.options.secret.as_ref().ok_or_else(|| {
                Error::config(format!("{op} needs the app secret")).with_context(PROVIDER, op)
            })
        };
        match method {
            TokenEndpointAuthMethod::ClientSecretPost => {
                form.push(("client_id", app_id.to_owned()));
                form.push(("client_secret", secret()?.expose_secret().to_owned()));
                Ok(Auth::None)
            }
            TokenEndpointAuthMethod::ClientSecretBasic => Ok(Auth::Basic(app_id, secret()?)),
            TokenEndpointAuthMethod::None => {
                form.push(("client_id", app_id.to_owned()));
                Ok(Auth::None)
            }
        }
    }

    async fn token_call(
        &self,
        op: &'static str,
        path: &'static str,
        method: TokenEndpointAuthMethod,
        mut form: Vec<(&'static str, String)>,
    ) -> Result<Value> {
        let auth = self.client_auth(method, &mut form, op)?;
        let url = match path {
            "" => self
                .transport
                .url(&[self.options.protocol.prefix(), "token"])?,
            p => self
                .transport
                .url(&[self.options.protocol.prefix(), "token", p])?,
        };
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.transport.form(op, url, &pairs, auth).await
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
        let redirect_uri = redirect_uri
            .map(str::to_owned)
            .or_else(|| self.options.redirect_uri.clone())
            .ok_or_else(|| {
                Error::config("no redirect_uri configured").with_context(PROVIDER, OP)
            })?;
        let mut form = vec![
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", redirect_uri),
        ];
        if let Some(v) = code_verifier {
            form.push(("code_verifier", v.expose_secret().to_owned()));
        }
        let v = self
            .token_call(OP, "", self.options.token_endpoint_auth_method, form)
            .await?;
        tokens_from(v, OP)
    }

    /// Refreshes tokens: `POST {host}/{oidc|oauth}/token` with `grant_type=refresh_token`.
    /// Errors: `InvalidToken` for a bad refresh token.
    pub async fn get_new_access_token_by_refresh_token(
        &self,
        refresh_token: &RefreshToken,
    ) -> Result<OidcTokens> {
        const OP: &str = "refresh_token_grant";
        let form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", refresh_token.expose_secret().to_owned()),
        ];
        let v = self
            .token_call(OP, "", self.options.token_endpoint_auth_method, form)
            .await?;
        tokens_from(v, OP)
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

    /// RFC 7662 introspection: `POST {host}/{oidc|oauth}/token/introspection` (raw answer;
    /// `active: false` for a dead token).
    pub async fn introspect_token(&self, token: &AccessToken) -> Result<Value> {
        let form = vec![("token", token.expose_secret().to_owned())];
        self.token_call(
            "introspect_token",
            "introspection",
            self.options.introspection_endpoint_auth_method,
            form,
        )
        .await
    }

    /// RFC 7009 revocation: `POST {host}/{oidc|oauth}/token/revocation`.
    pub async fn revoke_token(&self, token: &str) -> Result<()> {
        let form = vec![("token", token.to_owned())];
        self.token_call(
            "revoke_token",
            "revocation",
            self.options.revocation_endpoint_auth_method,
            form,
        )
        .await
        .map(|_| ())
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

    /// Online token validation: `GET {app_host}/api/v2/oidc/validate_token?id_token=` (or
    /// `access_token=` when `is_id_token` is false). Raw answer.
    pub async fn validate_token(&self, token: &str, is_id_token: bool) -> Result<Value> {
        const OP: &str = "validate_token";
        let mut url = self
            .app_base(OP)?
            .url(&["api", "v2", "oidc", "validate_token"])?;
        url.query_pairs_mut().append_pair(
            if is_id_token {
                "id_token"
            } else {
                "access_token"
            },
            token,
        );
        self.transport
            .get_oauth(OP, url, Auth::None, Method::GET)
            .await
    }

    /// The logout URL. Not expert: `{app_host}/login/profile/logout[?redirect_uri=]`. Expert
    /// (needs an id token): `{app_host}/oidc/session/end?id_token_hint=&post_logout_redirect_uri=`.
    /// Values are URL-encoded. Errors: `ConfigInvalid` without `app_host`.
    pub fn build_logout_url(
        &self,
        redirect_uri: Option<&str>,
        id_token: Option<&polyauth_core::IdToken>,
    ) -> Result<url::Url> {
        let t = self.app_base("build_logout_url")?;
        match id_token {
            Some(id) => {
                let mut url = t.url(&["oidc", "session", "end"])?;
                let mut q = url.query_pairs_mut();
                q.append_pair("id_token_hint", id.expose_secret());
                if let Some(r) = redirect_uri {
                    q.append_pair("post_logout_redirect_uri", r);
                }
                drop(q);
                Ok(url)
            }
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
