//! Dynamic client registration (RFC 7591, `POST /reg`) and client authentication at the
//! token, PAR, introspection and revocation endpoints.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine as _;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value, json};

use super::SCOPES;
use super::store::{
    Client, Data, Shared, json_no_store, now, oauth_error, oauth_error_detail, random_id,
};

const GRANT_TYPES: &[&str] = &["authorization_code", "refresh_token", "client_credentials"];
const AUTH_METHODS: &[&str] = &[
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
    "none",
];
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A registration error: `invalid_client_metadata` or `invalid_redirect_uri`.
#[derive(Debug)]
pub(super) struct MetadataError {
    error: &'static str,
    description: String,
}

impl MetadataError {
    fn metadata(description: impl Into<String>) -> MetadataError {
        MetadataError {
            error: "invalid_client_metadata",
            description: description.into(),
        }
    }

    fn redirect(description: impl Into<String>) -> MetadataError {
        MetadataError {
            error: "invalid_redirect_uri",
            description: description.into(),
        }
    }

    pub(super) fn to_json(&self) -> Value {
        json!({"error": self.error, "error_description": self.description})
    }
}

/// An optional array of strings.
fn strings(metadata: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, MetadataError> {
    match metadata.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()
            .map(Some)
            .ok_or_else(|| MetadataError::metadata(format!("{key} must be an array of strings"))),
        Some(_) => Err(MetadataError::metadata(format!("{key} must be an array"))),
    }
}

/// An optional string.
fn string(metadata: &Map<String, Value>, key: &str) -> Result<Option<String>, MetadataError> {
    match metadata.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(MetadataError::metadata(format!("{key} must be a string"))),
    }
}

/// Checks that `uri` is an absolute URL without fragment.
fn check_uri(uri: &str, key: &str) -> Result<(), MetadataError> {
    match url::Url::parse(uri) {
        Ok(u) if u.fragment().is_none() && !u.cannot_be_a_base() => Ok(()),
        Ok(_) => Err(MetadataError::redirect(format!(
            "{key} must not contain fragments"
        ))),
        Err(_) => Err(MetadataError::redirect(format!(
            "{key} must only contain absolute URLs"
        ))),
    }
}

/// Validates client metadata, stores the client and returns the registration response.
/// `fixed_credentials` honours `client_id` / `client_secret` in the metadata.
pub(super) fn register(
    data: &mut Data,
    metadata: &Value,
    fixed_credentials: bool,
) -> Result<Value, MetadataError> {
    let Some(m) = metadata.as_object() else {
        return Err(MetadataError::metadata(
            "client metadata must be a JSON object",
        ));
    };
    let grant_types =
        strings(m, "grant_types")?.unwrap_or_else(|| vec!["authorization_code".into()]);
    if let Some(g) = grant_types
        .iter()
        .find(|g| !GRANT_TYPES.contains(&g.as_str()))
    {
        return Err(MetadataError::metadata(format!(
            "unsupported grant_type `{g}`"
        )));
    }
    let code_flow = grant_types.iter().any(|g| g == "authorization_code");
    let response_types = strings(m, "response_types")?.unwrap_or_else(|| {
        if code_flow {
            vec!["code".into()]
        } else {
            Vec::new()
        }
    });
    if let Some(r) = response_types.iter().find(|r| *r != "code") {
        return Err(MetadataError::metadata(format!(
            "unsupported response_type `{r}`"
        )));
    }
    if response_types.is_empty() == code_flow {
        return Err(MetadataError::metadata(
            "response_types `code` and grant_types `authorization_code` go together",
        ));
    }
    let auth_method =
        string(m, "token_endpoint_auth_method")?.unwrap_or_else(|| "client_secret_basic".into());
    if !AUTH_METHODS.contains(&auth_method.as_str()) {
        return Err(MetadataError::metadata(format!(
            "unsupported token_endpoint_auth_method `{auth_method}`"
        )));
    }
    if auth_method == "none" && grant_types.iter().any(|g| g == "client_credentials") {
        return Err(MetadataError::metadata(
            "grant_types client_credentials needs client authentication (not `none`)",
        ));
    }
    let redirect_uris = strings(m, "redirect_uris")?.unwrap_or_default();
    if code_flow && redirect_uris.is_empty() {
        return Err(MetadataError::redirect(
            "redirect_uris is mandatory property",
        ));
    }
    for uri in &redirect_uris {
        check_uri(uri, "redirect_uris")?;
    }
    let post_logout = strings(m, "post_logout_redirect_uris")?.unwrap_or_default();
    for uri in &post_logout {
        check_uri(uri, "post_logout_redirect_uris")?;
    }
    let scope = string(m, "scope")?;
    if let Some(s) = scope
        .as_deref()
        .and_then(|s| s.split(' ').find(|s| !SCOPES.contains(s)))
    {
        return Err(MetadataError::metadata(format!(
            "scope `{s}` is not supported"
        )));
    }
    let jwks = match m.get("jwks") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => v
            .get("keys")
            .and_then(|k| serde_json::from_value::<Vec<Jwk>>(k.clone()).ok())
            .ok_or_else(|| MetadataError::metadata("jwks must be a JWK Set"))?,
    };
    if auth_method == "private_key_jwt" && jwks.is_empty() {
        return Err(MetadataError::metadata(
            "jwks is mandatory for private_key_jwt clients",
        ));
    }
    let client_id = match (fixed_credentials, string(m, "client_id")?) {
        (true, Some(id)) => id,
        _ => random_id(16),
    };
    if data.clients.contains_key(&client_id) {
        return Err(MetadataError::metadata("client_id is already registered"));
    }
    let client_secret = match auth_method.as_str() {
        "client_secret_basic" | "client_secret_post" => {
            Some(match (fixed_credentials, string(m, "client_secret")?) {
                (true, Some(secret)) => secret,
                _ => random_id(48),
            })
        }
        _ => None,
    };

    let mut answer = Map::new();
    answer.insert("client_id".into(), json!(client_id));
    answer.insert("client_id_issued_at".into(), json!(now()));
    if let Some(secret) = &client_secret {
        answer.insert("client_secret".into(), json!(secret));
        answer.insert("client_secret_expires_at".into(), json!(0));
    }
    answer.insert("application_type".into(), json!("web"));
    answer.insert("grant_types".into(), json!(grant_types));
    answer.insert("response_types".into(), json!(response_types));
    answer.insert("redirect_uris".into(), json!(redirect_uris));
    answer.insert("post_logout_redirect_uris".into(), json!(post_logout));
    answer.insert("token_endpoint_auth_method".into(), json!(auth_method));
    answer.insert("id_token_signed_response_alg".into(), json!("RS256"));
    answer.insert("subject_type".into(), json!("public"));
    for key in ["scope", "client_name", "jwks"] {
        if let Some(v) = m.get(key).filter(|v| !v.is_null()) {
            answer.insert(key.into(), v.clone());
        }
    }
    data.clients.insert(
        client_id.clone(),
        Client {
            client_id,
            client_secret,
            auth_method,
            redirect_uris,
            post_logout_redirect_uris: post_logout,
            grant_types,
            response_types,
            scope: scope.map(|s| s.split(' ').map(str::to_owned).collect()),
            jwks,
        },
    );
    Ok(Value::Object(answer))
}

pub(super) async fn registration(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let Ok(metadata) = serde_json::from_slice::<Value>(&body) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_client_metadata",
            "the registration body must be JSON client metadata",
        );
    };
    let mut data = s.lock();
    match register(&mut data, &metadata, false) {
        Ok(answer) => json_no_store(StatusCode::CREATED, answer),
        Err(e) => json_no_store(StatusCode::BAD_REQUEST, e.to_json()),
    }
}

/// `invalid_client` (401) with `oidc-provider`'s generic description and the reason in
/// `error_detail`, plus `WWW-Authenticate: Basic` when the request sent an `Authorization`
/// header.
fn invalid_client(issuer: &str, headers: &HeaderMap, detail: &str) -> Response {
    let description = "client authentication failed";
    let mut r = oauth_error_detail(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        description,
        detail,
    );
    if headers.contains_key(header::AUTHORIZATION) {
        let value = format!(
            "Basic realm=\"{issuer}\", error=\"invalid_client\", error_description=\"{description}\""
        );
        if let Ok(v) = HeaderValue::from_str(&value) {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
    }
    r
}

fn invalid_request(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description)
}

/// The `id:secret` of an `Authorization: Basic` header, each both as sent and
/// form-urldecoded: `[(raw_id, raw_secret), (decoded_id, decoded_secret)]`.
fn basic_credentials(headers: &HeaderMap) -> Option<[(String, String); 2]> {
    let (id, secret) = crate::server::basic_credentials(headers)?;
    let decode = |s: &str| -> String {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let decoded = (decode(&id), decode(&secret));
    Some([(id, secret), decoded])
}

/// Authenticates the client of a request to `endpoint` (its path, e.g. `/token`) and returns
/// it, or the error response.
#[allow(clippy::result_large_err)] // an emulator handler helper; the error is the response
pub(super) fn authenticate_client(
    data: &mut Data,
    issuer: &str,
    endpoint: &str,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<Client, Response> {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default());
    let form_id = form.get("client_id");
    let mechanisms = [
        authorization.is_some(),
        form.contains_key("client_assertion"),
        form.contains_key("client_secret"),
    ];
    if mechanisms.iter().filter(|m| **m).count() > 1 {
        return Err(invalid_request(
            "client authentication must only be provided using one mechanism",
        ));
    }
    let fail = |description: &str| invalid_client(issuer, headers, description);
    let client = if let Some(secret) = form.get("client_secret") {
        let id = form_id.ok_or_else(|| invalid_request("client_id is required"))?;
        let client = data
            .clients
            .get(id)
            .ok_or_else(|| fail("client not found"))?;
        if !client.auth_method.starts_with("client_secret_") {
            return Err(fail(
                "the provided authentication mechanism does not match the registered client authentication method",
            ));
        }
        let expected = client.client_secret.as_deref().unwrap_or_default();
        if !polyauth_core::secret::constant_time_eq(expected, secret) {
            return Err(fail("invalid secret provided"));
        }
        client
    } else if authorization.is_some() {
        let pairs = basic_credentials(headers)
            .ok_or_else(|| invalid_request("invalid authorization header value format"))?;
        // The RFC 6749 §2.3.1 encoding first, then the raw `id:secret` many clients send.
        let client = pairs
            .iter()
            .rev()
            .find_map(|(id, secret)| {
                let c = data.clients.get(id)?;
                let expected = c.client_secret.as_deref()?;
                polyauth_core::secret::constant_time_eq(expected, secret).then_some(c)
            })
            .ok_or_else(|| {
                let known = pairs.iter().any(|(id, _)| data.clients.contains_key(id));
                fail(if known {
                    "invalid secret provided"
                } else {
                    "client not found"
                })
            })?;
        if form_id.is_some_and(|id| *id != client.client_id) {
            return Err(invalid_request("client_id mismatch"));
        }
        if !client.auth_method.starts_with("client_secret_") {
            return Err(fail(
                "the provided authentication mechanism does not match the registered client authentication method",
            ));
        }
        client
    } else if let Some(assertion) = form.get("client_assertion") {
        let sub = assertion_subject(assertion)
            .ok_or_else(|| invalid_request("invalid client_assertion format"))?;
        if form.get("client_assertion_type").map(String::as_str) != Some(ASSERTION_TYPE) {
            return Err(invalid_request(&format!(
                "client_assertion_type must have value {ASSERTION_TYPE}"
            )));
        }
        if form_id.is_some_and(|id| *id != sub) {
            return Err(invalid_request("client_id mismatch"));
        }
        let accepted_aud = [
            issuer.to_owned(),
            format!("{issuer}/token"),
            format!("{issuer}{endpoint}"),
        ];
        let client = data
            .clients
            .get(&sub)
            .ok_or_else(|| fail("client not found"))?;
        if client.auth_method != "private_key_jwt" {
            return Err(fail(
                "the provided authentication mechanism does not match the registered client authentication method",
            ));
        }
        let (jti, exp) =
            verify_assertion(client, assertion, &accepted_aud).map_err(|d| fail(&d))?;
        let now = now();
        data.assertion_jtis.retain(|_, exp| *exp > now);
        if data
            .assertion_jtis
            .insert((sub.clone(), jti), exp)
            .is_some()
        {
            return Err(fail("client assertion tokens must only be used once"));
        }
        data.clients
            .get(&sub)
            .ok_or_else(|| fail("client not found"))?
    } else {
        let id = form_id
            .ok_or_else(|| invalid_request("no client authentication mechanism provided"))?;
        let client = data
            .clients
            .get(id)
            .ok_or_else(|| fail("client not found"))?;
        if client.auth_method != "none" {
            return Err(fail(
                "the provided authentication mechanism does not match the registered client authentication method",
            ));
        }
        client
    };
    Ok(client.clone())
}

/// The `sub` of a JWT, read without verification.
fn assertion_subject(jwt: &str) -> Option<String> {
    let payload = jwt.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("sub")?.as_str().map(str::to_owned)
}

/// Verifies a `private_key_jwt` assertion against the client's keys; returns its `jti` and
/// `exp`, or why it failed.
fn verify_assertion(
    client: &Client,
    jwt: &str,
    accepted_aud: &[String],
) -> Result<(String, i64), String> {
    let header =
        jsonwebtoken::decode_header(jwt).map_err(|e| format!("invalid client_assertion: {e}"))?;
    if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
        return Err("alg mismatch".into());
    }
    let mut validation = Validation::new(header.alg);
    validation.set_audience(accepted_aud);
    validation.set_issuer(&[&client.client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.sub = Some(client.client_id.clone());
    validation.leeway = 5;
    let candidates = client.jwks.iter().filter(|k| {
        header.kid.is_none() || k.common.key_id.is_none() || k.common.key_id == header.kid
    });
    let mut last = "no registered key matches the client_assertion".to_owned();
    for jwk in candidates {
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            continue;
        };
        match jsonwebtoken::decode::<Value>(jwt, &key, &validation) {
            Ok(data) => {
                let jti = data
                    .claims
                    .get("jti")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let exp = data
                    .claims
                    .get("exp")
                    .and_then(Value::as_i64)
                    .unwrap_or_default();
                return jti.map(|jti| (jti, exp)).ok_or_else(|| {
                    "unique jti (JWT ID) must be provided in the client_assertion JWT".into()
                });
            }
            Err(e) => last = format!("invalid client_assertion: {e}"),
        }
    }
    Err(last)
}
