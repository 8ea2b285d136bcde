//! The token endpoint (`POST /token`): the `authorization_code`, `refresh_token` and
//! `client_credentials` grants, and minting access, refresh and ID tokens.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::clients::authenticate_client;
use super::store::{
    Client, Data, Shared, TokenKind, TokenRecord, groups, json_no_store, now, oauth_error,
    oauth_error_detail, parse_params, random_id, roles, scope_claims, secs,
};
use super::{ACCESS_TOKEN_TTL, ID_TOKEN_TTL, REFRESH_TOKEN_TTL, RESOURCE, SCOPES};

/// What an access token is for.
#[derive(Debug)]
pub(super) struct AccessTokenSpec<'a> {
    pub(super) client_id: &'a str,
    /// The account; `None` for `client_credentials`.
    pub(super) sub: Option<&'a str>,
    pub(super) scope: &'a str,
    /// [`RESOURCE`] for an RFC 9068 JWT; `None` for an opaque token.
    pub(super) resource: Option<&'a str>,
    pub(super) grant_id: Option<&'a str>,
    /// Lifetime in seconds.
    pub(super) ttl: i64,
}

/// Mints and records an access token: an RFC 9068 JWT when it has a resource, else opaque.
pub(super) fn mint_access_token(
    data: &mut Data,
    issuer: &str,
    spec: AccessTokenSpec<'_>,
) -> String {
    let iat = now();
    let exp = iat.saturating_add(spec.ttl);
    let token = match spec.resource {
        Some(resource) => {
            let mut claims = json!({
                "iss": issuer,
                "sub": spec.sub.unwrap_or(spec.client_id),
                "aud": resource,
                "client_id": spec.client_id,
                "exp": exp,
                "iat": iat,
                "jti": random_id(16),
                "scope": spec.scope,
            });
            if let Some(sub) = spec.sub {
                claims["roles"] = json!(roles(sub));
                claims["groups"] = json!(groups(sub));
            }
            data.key.sign("at+jwt", &claims)
        }
        None => random_id(32),
    };
    data.tokens.insert(
        token.clone(),
        TokenRecord {
            kind: TokenKind::Access,
            client_id: spec.client_id.to_owned(),
            sub: spec.sub.map(str::to_owned),
            scope: spec.scope.to_owned(),
            resource: spec.resource.map(str::to_owned),
            grant_id: spec.grant_id.map(str::to_owned),
            auth_time: None,
            iat,
            exp,
            consumed: false,
        },
    );
    token
}

/// A user grant to issue tokens for.
struct UserGrant<'a> {
    sub: &'a str,
    /// The scope of the access and ID tokens.
    scope: &'a str,
    /// The scope the new refresh token carries (the original grant's).
    refresh_scope: &'a str,
    resource: Option<&'a str>,
    grant_id: &'a str,
    auth_time: i64,
    nonce: Option<&'a str>,
}

/// The token response of a user grant: access token, ID token (scope `openid`) and refresh
/// token (when the client may use the `refresh_token` grant).
fn issue(data: &mut Data, issuer: &str, client: &Client, g: UserGrant<'_>) -> Value {
    let access = mint_access_token(
        data,
        issuer,
        AccessTokenSpec {
            client_id: &client.client_id,
            sub: Some(g.sub),
            scope: g.scope,
            resource: g.resource,
            grant_id: Some(g.grant_id),
            ttl: secs(ACCESS_TOKEN_TTL),
        },
    );
    let mut body = json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_TTL.as_secs(),
        "scope": g.scope,
    });
    let iat = now();
    if g.scope.split(' ').any(|s| s == "openid") {
        let digest = Sha256::digest(access.as_bytes());
        let mut claims = json!({
            "iss": issuer,
            "sub": g.sub,
            "aud": client.client_id,
            "azp": client.client_id,
            "exp": iat + secs(ID_TOKEN_TTL),
            "iat": iat,
            "auth_time": g.auth_time,
            "at_hash": base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16]),
        });
        if let Some(nonce) = g.nonce {
            claims["nonce"] = json!(nonce);
        }
        if let Value::Object(m) = &mut claims {
            m.extend(scope_claims(g.sub, g.scope));
        }
        body["id_token"] = json!(data.key.sign("JWT", &claims));
    }
    if client.allows_grant("refresh_token") {
        let refresh = random_id(32);
        data.tokens.insert(
            refresh.clone(),
            TokenRecord {
                kind: TokenKind::Refresh,
                client_id: client.client_id.clone(),
                sub: Some(g.sub.to_owned()),
                scope: g.refresh_scope.to_owned(),
                resource: g.resource.map(str::to_owned),
                grant_id: Some(g.grant_id.to_owned()),
                auth_time: Some(g.auth_time),
                iat,
                exp: iat + secs(REFRESH_TOKEN_TTL),
                consumed: false,
            },
        );
        body["refresh_token"] = json!(refresh);
    }
    body
}

fn bad(error: &str, description: &str) -> Response {
    if error == "invalid_grant" {
        // `oidc-provider` answers every invalid grant with the same description.
        return oauth_error_detail(
            StatusCode::BAD_REQUEST,
            error,
            "grant request is invalid",
            description,
        );
    }
    oauth_error(StatusCode::BAD_REQUEST, error, description)
}

/// The `resource` of a token request: absent, or [`RESOURCE`] (else `invalid_target`).
#[allow(clippy::result_large_err)]
fn resource_param(form: &HashMap<String, String>) -> Result<Option<&str>, Response> {
    match form.get("resource").map(String::as_str) {
        Some(r) if r != RESOURCE => Err(bad(
            "invalid_target",
            "resource indicator is missing, or unknown",
        )),
        r => Ok(r),
    }
}

#[allow(clippy::result_large_err)]
fn authorization_code(
    data: &mut Data,
    issuer: &str,
    client: &Client,
    form: &HashMap<String, String>,
) -> Result<Value, Response> {
    let Some(value) = form.get("code") else {
        return Err(bad("invalid_request", "missing required parameter 'code'"));
    };
    let redirect_uri = match form.get("redirect_uri") {
        Some(r) => r.clone(),
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => {
            return Err(bad(
                "invalid_request",
                "missing required parameter 'redirect_uri'",
            ));
        }
    };
    let Some(code) = data.codes.get(value) else {
        return Err(bad("invalid_grant", "authorization code not found"));
    };
    if code.used {
        let grant_id = code.grant_id.clone();
        data.revoke_grant(&grant_id);
        return Err(bad(
            "invalid_grant",
            "authorization code already used (the tokens issued from it are revoked)",
        ));
    }
    if code.expires_at <= now() {
        return Err(bad("invalid_grant", "authorization code is expired"));
    }
    if code.request.client_id != client.client_id {
        return Err(bad("invalid_grant", "client mismatch"));
    }
    let verifier = form.get("code_verifier");
    let pkce_ok = match (&code.request.code_challenge, verifier) {
        (None, None) => true,
        (Some(challenge), Some(verifier)) => {
            let digest = Sha256::digest(verifier.as_bytes());
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest) == *challenge
        }
        _ => false,
    };
    if !pkce_ok {
        return Err(bad("invalid_grant", "PKCE verification failed"));
    }
    if code.request.redirect_uri != redirect_uri {
        return Err(bad(
            "invalid_grant",
            "authorization code redirect_uri mismatch",
        ));
    }
    let resource = match (resource_param(form)?, code.request.resource.as_deref()) {
        (Some(asked), Some(bound)) if asked != bound => {
            return Err(bad(
                "invalid_target",
                "resource does not match the authorization request",
            ));
        }
        (asked, bound) => asked.or(bound).map(str::to_owned),
    };
    let (sub, scope, grant_id, auth_time, nonce) = (
        code.sub.clone(),
        code.request.scope.clone(),
        code.grant_id.clone(),
        code.auth_time,
        code.request.nonce.clone(),
    );
    if let Some(code) = data.codes.get_mut(value) {
        code.used = true;
    }
    Ok(issue(
        data,
        issuer,
        client,
        UserGrant {
            sub: &sub,
            scope: &scope,
            refresh_scope: &scope,
            resource: resource.as_deref(),
            grant_id: &grant_id,
            auth_time,
            nonce: nonce.as_deref(),
        },
    ))
}

#[allow(clippy::result_large_err)]
fn refresh_token(
    data: &mut Data,
    issuer: &str,
    client: &Client,
    form: &HashMap<String, String>,
) -> Result<Value, Response> {
    let Some(value) = form.get("refresh_token") else {
        return Err(bad(
            "invalid_request",
            "missing required parameter 'refresh_token'",
        ));
    };
    let Some(old) = data
        .tokens
        .get(value)
        .filter(|t| t.kind == TokenKind::Refresh)
        .cloned()
    else {
        return Err(bad("invalid_grant", "refresh token not found"));
    };
    if old.client_id != client.client_id {
        return Err(bad("invalid_grant", "client mismatch"));
    }
    let (Some(sub), Some(grant_id)) = (old.sub.clone(), old.grant_id.clone()) else {
        return Err(bad("invalid_grant", "refresh token not found"));
    };
    if old.consumed {
        data.revoke_grant(&grant_id);
        return Err(bad(
            "invalid_grant",
            "refresh token already used (the tokens of its grant are revoked)",
        ));
    }
    if old.exp <= now() {
        return Err(bad("invalid_grant", "refresh token is expired"));
    }
    let scope = match form.get("scope") {
        None => old.scope.clone(),
        Some(asked) => {
            let asked: Vec<&str> = asked.split(' ').filter(|s| !s.is_empty()).collect();
            if let Some(s) = asked
                .iter()
                .find(|s| !old.scope.split(' ').any(|o| o == **s))
            {
                return Err(bad(
                    "invalid_scope",
                    &format!("refresh token missing requested scope `{s}`"),
                ));
            }
            asked.join(" ")
        }
    };
    let resource = resource_param(form)?
        .map(str::to_owned)
        .or(old.resource.clone());
    if let Some(t) = data.tokens.get_mut(value) {
        t.consumed = true;
    }
    Ok(issue(
        data,
        issuer,
        client,
        UserGrant {
            sub: &sub,
            scope: &scope,
            refresh_scope: &old.scope,
            resource: resource.as_deref(),
            grant_id: &grant_id,
            auth_time: old.auth_time.unwrap_or(old.iat),
            nonce: None,
        },
    ))
}

#[allow(clippy::result_large_err)]
fn client_credentials(
    data: &mut Data,
    issuer: &str,
    client: &Client,
    form: &HashMap<String, String>,
) -> Result<Value, Response> {
    let asked = form.get("scope").map(String::as_str).unwrap_or_default();
    let mut scopes: Vec<&str> = Vec::new();
    for s in asked.split(' ').filter(|s| !s.is_empty()) {
        let allowed = SCOPES.contains(&s)
            && !["openid", "offline_access"].contains(&s)
            && client.allows_scope(s);
        if !allowed {
            return Err(bad(
                "invalid_scope",
                &format!("requested scope `{s}` is not allowed"),
            ));
        }
        if !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    let scope = scopes.join(" ");
    let resource = resource_param(form)?;
    let token = mint_access_token(
        data,
        issuer,
        AccessTokenSpec {
            client_id: &client.client_id,
            sub: None,
            scope: &scope,
            resource,
            grant_id: None,
            ttl: secs(ACCESS_TOKEN_TTL),
        },
    );
    let mut body = json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_TTL.as_secs(),
    });
    if !scope.is_empty() {
        body["scope"] = json!(scope);
    }
    Ok(body)
}

/// `POST /token`.
pub(super) async fn token(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let issuer = s.issuer();
    let form = match parse_params(&body) {
        Ok(f) => f,
        Err(d) => return bad("invalid_request", &d),
    };
    let mut data = s.lock();
    let client = match authenticate_client(&mut data, &issuer, "/token", &headers, &form) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let Some(grant_type) = form.get("grant_type").map(String::as_str) else {
        return bad("invalid_request", "missing required parameter 'grant_type'");
    };
    if !["authorization_code", "refresh_token", "client_credentials"].contains(&grant_type) {
        return bad("unsupported_grant_type", "unsupported grant_type requested");
    }
    if !client.allows_grant(grant_type) {
        return bad(
            "unauthorized_client",
            "requested grant type is not allowed for this client",
        );
    }
    let answer = match grant_type {
        "authorization_code" => authorization_code(&mut data, &issuer, &client, &form),
        "refresh_token" => refresh_token(&mut data, &issuer, &client, &form),
        _ => client_credentials(&mut data, &issuer, &client, &form),
    };
    match answer {
        Ok(body) => json_no_store(StatusCode::OK, body),
        Err(r) => r,
    }
}
