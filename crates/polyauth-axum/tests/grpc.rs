//! `GrpcAuthLayer` over a real tonic server and client on loopback: the user reaches the
//! handler through the request extensions and the task-local context, and rejections are
//! gRPC statuses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::pin::Pin;
use std::sync::Arc;

use common::TestProvider;
use polyauth_axum::{AuthLayer, CurrentUser};
use polyauth_core::context;
use tokio_stream::Stream;
use tonic::{Code, Request, Response, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::health_server::{Health, HealthServer};
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

/// Answers `SERVING` when the extension and the task-local context name the same user as the
/// request's `service` field; otherwise a `FAILED_PRECONDITION` naming what it saw.
struct WhoAmI;

#[tonic::async_trait]
impl Health for WhoAmI {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        let from_extension = request
            .extensions()
            .get::<CurrentUser>()
            .map(|u| u.id.clone());
        let from_context = context::current_user().map(|u| u.id.clone());
        let expected = Some(request.get_ref().service.clone());
        if from_extension == expected && from_context == expected {
            Ok(Response::new(HealthCheckResponse {
                status: ServingStatus::Serving.into(),
            }))
        } else {
            Err(Status::failed_precondition(format!(
                "extension {from_extension:?}, context {from_context:?}"
            )))
        }
    }

    type WatchStream =
        Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send + 'static>>;

    async fn watch(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        Err(Status::unimplemented("not in this test"))
    }
}

async fn serve(layer: AuthLayer) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        tonic::transport::Server::builder()
            .layer(layer.grpc())
            .add_service(HealthServer::new(WhoAmI))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener))
            .await
            .unwrap();
    });
    url
}

async fn check(url: &str, token: Option<&str>, user: &str) -> Result<i32, Status> {
    let channel = tonic::transport::Channel::from_shared(url.to_owned())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut client = HealthClient::new(channel);
    let mut request = Request::new(HealthCheckRequest {
        service: user.to_owned(),
    });
    if let Some(token) = token {
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
    }
    client.check(request).await.map(|r| r.into_inner().status)
}

#[tokio::test]
async fn users_reach_the_handler_and_rejections_are_grpc_statuses() {
    let provider = Arc::new(TestProvider::new());
    let url = serve(AuthLayer::new(provider.clone())).await;

    let serving = i32::from(ServingStatus::Serving);
    assert_eq!(
        check(&url, Some("t-alice"), "alice").await.unwrap(),
        serving
    );
    assert_eq!(check(&url, Some("t-bob"), "bob").await.unwrap(), serving);

    let code = |r: Result<i32, Status>| r.unwrap_err().code();
    assert_eq!(
        code(check(&url, None, "alice").await),
        Code::Unauthenticated
    );
    assert_eq!(
        code(check(&url, Some("nope"), "alice").await),
        Code::Unauthenticated
    );
    assert_eq!(
        code(check(&url, Some("denied"), "x").await),
        Code::PermissionDenied
    );
    assert_eq!(
        code(check(&url, Some("down"), "x").await),
        Code::Unavailable
    );
}

#[tokio::test]
async fn excluded_methods_pass_without_a_user() {
    let provider = Arc::new(TestProvider::new());
    let url =
        serve(AuthLayer::new(provider.clone()).exclude_prefix("/grpc.health.v1.Health/")).await;
    // No token needed, and no user in the handler.
    let status = check(&url, None, "alice").await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(status.message(), "extension None, context None");
    assert_eq!(provider.calls(), 0);
}
