//! Discovery (`/.well-known/openid-configuration`), the JWKS (`/jwks`) and the emulator-only
//! key rotation (`POST /__test/rotate-keys`).

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::SCOPES;
use super::store::Shared;

/// The claims the provider can release.
const CLAIMS: &[&str] = &[
    "sub",
    "name",
    "email",
    "email_verified",
    "roles",
    "groups",
    "auth_time",
    "iss",
];

pub(super) async fn configuration(State(s): State<Arc<Shared>>) -> Response {
    let issuer = s.issuer();
    axum::Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/me"),
        "jwks_uri": format!("{issuer}/jwks"),
        "registration_endpoint": format!("{issuer}/reg"),
        "introspection_endpoint": format!("{issuer}/token/introspection"),
        "revocation_endpoint": format!("{issuer}/token/revocation"),
        "end_session_endpoint": format!("{issuer}/session/end"),
        "pushed_authorization_request_endpoint": format!("{issuer}/request"),
        "scopes_supported": SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported":
            ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
        "introspection_endpoint_auth_methods_supported":
            ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "revocation_endpoint_auth_methods_supported":
            ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "authorization_response_iss_parameter_supported": true,
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "require_pushed_authorization_requests": false,
        "claims_supported": CLAIMS,
    }))
    .into_response()
}

pub(super) async fn jwks(State(s): State<Arc<Shared>>) -> Response {
    let jwk = s.lock().key.jwk.clone();
    (
        [(axum::http::header::CONTENT_TYPE, "application/jwk-set+json")],
        axum::Json(json!({"keys": [jwk]})),
    )
        .into_response()
}

pub(super) async fn rotate_keys(State(s): State<Arc<Shared>>) -> Response {
    let kid = s.lock().rotate_keys();
    axum::Json(json!({"kid": kid})).into_response()
}
