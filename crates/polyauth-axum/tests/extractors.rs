//! `Option<CurrentUser>`, router mistakes (no layer, an excluded path) and `?` on polyauth
//! errors in handlers ([`AuthError`]), driven through an axum `Router` with `oneshot`.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::response::IntoResponse;
use axum::routing::get;
use common::{TestProvider, get as req, json, send, text};
use http::StatusCode;
use polyauth_axum::{AuthError, AuthLayer, AuthRejection, CurrentUser, ErrorResponder, MaybeUser};
use polyauth_core::{Error, ErrorKind};

const ALICE: (&str, &str) = ("authorization", "Bearer t-alice");

async fn optional(user: Option<CurrentUser>) -> String {
    user.map_or_else(|| "anonymous".to_owned(), |u| u.id.clone())
}

async fn required(user: CurrentUser) -> String {
    user.id.clone()
}

async fn maybe(MaybeUser(user): MaybeUser) -> String {
    user.map_or_else(|| "anonymous".to_owned(), |u| u.id.clone())
}

/// A handler that uses `?` on polyauth results.
async fn lookup(_caller: CurrentUser, Path(kind): Path<String>) -> Result<String, AuthError> {
    let kind = match kind.as_str() {
        "missing" => ErrorKind::NotFound,
        "bad" => ErrorKind::InvalidInput,
        "down" => ErrorKind::Unavailable,
        "denied" => ErrorKind::PermissionDenied,
        _ => return Ok("found".to_owned()),
    };
    Err(Error::new(kind, "from the provider"))?;
    Ok("unreachable".to_owned())
}

fn routes() -> Router {
    Router::new()
        .route("/optional", get(optional))
        .route("/required", get(required))
        .route("/maybe", get(maybe))
        .route("/public/optional", get(optional))
        .route("/public/required", get(required))
        .route("/lookup/{kind}", get(lookup))
}

fn with_layer(configure: impl FnOnce(AuthLayer) -> AuthLayer) -> Router {
    let layer = configure(AuthLayer::new(Arc::new(TestProvider::new())).exclude_prefix("/public/"));
    routes().layer(layer)
}

async fn error_of(response: axum::response::Response) -> (u16, String) {
    let status = response.status().as_u16();
    (
        status,
        json(response).await["error"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn option_current_user_is_some_with_a_token_and_none_without() {
    let app = with_layer(AuthLayer::allow_anonymous);
    let response = send(&app, req("/optional", &[ALICE])).await;
    assert_eq!(text(response).await, "alice");
    let response = send(&app, req("/optional", &[])).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(text(response).await, "anonymous");
    // A presented bad token is still refused by the layer.
    let response = send(&app, req("/optional", &[("authorization", "Bearer nope")])).await;
    assert_eq!(error_of(response).await, (401, "invalid_token".to_owned()));
}

#[tokio::test]
async fn excluded_paths_are_unverified_and_current_user_there_is_a_router_mistake() {
    let app = with_layer(|l| l);
    // Excluded means unverified: no user even with a good token.
    let response = send(&app, req("/public/optional", &[ALICE])).await;
    assert_eq!(text(response).await, "anonymous");
    // Requiring a user on an excluded path is a 500, not "no token was presented".
    let response = send(&app, req("/public/required", &[ALICE])).await;
    assert_eq!(error_of(response).await, (500, "internal_error".to_owned()));
}

#[tokio::test]
async fn current_user_without_a_layer_is_500_not_401() {
    let app = routes();
    let response = send(&app, req("/required", &[ALICE])).await;
    assert_eq!(error_of(response).await, (500, "internal_error".to_owned()));
    let response = send(&app, req("/optional", &[ALICE])).await;
    assert_eq!(error_of(response).await, (500, "internal_error".to_owned()));
    // MaybeUser never rejects.
    let response = send(&app, req("/maybe", &[ALICE])).await;
    assert_eq!(text(response).await, "anonymous");
    // Under a layer, without a token: the ordinary 401.
    let app = with_layer(|l| l);
    let response = send(&app, req("/required", &[])).await;
    assert_eq!(error_of(response).await, (401, "missing_token".to_owned()));
}

#[tokio::test]
async fn question_mark_on_polyauth_errors_maps_by_kind() {
    let app = with_layer(|l| l);
    for (kind, status, error) in [
        ("missing", 404, "not_found"),
        ("bad", 400, "bad_request"),
        ("down", 503, "provider_unavailable"),
        ("denied", 403, "forbidden"),
    ] {
        let response = send(&app, req(&format!("/lookup/{kind}"), &[ALICE])).await;
        let body_status = response.status().as_u16();
        let body = json(response).await;
        assert_eq!(
            (body_status, body["error"].as_str().unwrap()),
            (status, error)
        );
        assert_eq!(body["code"], status);
        assert!(
            !body["message"]
                .as_str()
                .unwrap()
                .contains("from the provider"),
            "the error's own text is not sent: {body}"
        );
    }
    let response = send(&app, req("/lookup/ok", &[ALICE])).await;
    assert_eq!(text(response).await, "found");
}

#[tokio::test]
async fn handler_errors_take_the_layer_responders_shape() {
    let responder: ErrorResponder = Arc::new(|r: &AuthRejection| {
        let body =
            serde_json::json!({"code": r.status().as_u16(), "message": r.message(), "data": null});
        (r.status(), axum::Json(body)).into_response()
    });
    let app = with_layer(|l| l.error_responder(responder));
    let response = send(&app, req("/lookup/missing", &[ALICE])).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = json(response).await;
    assert_eq!(body["code"], 404);
    assert!(
        body.get("data").is_some() && body.get("error").is_none(),
        "{body}"
    );
}
