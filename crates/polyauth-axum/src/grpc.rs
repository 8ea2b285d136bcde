//! gRPC: [`GrpcAuthLayer`], the [`AuthLayer`]'s authentication for tonic servers (feature
//! `tonic`).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use polyauth_core::context;
use tower::{Layer, Service};
use tracing::Instrument as _;

use crate::layer::{AuthLayer, Config, echo_request_id, log_rejection, request_span};
use crate::rejection::{AuthRejection, RejectionReason};

/// The [`AuthLayer`]'s authentication for a gRPC server (tonic): the same token sources
/// (`authorization: Bearer ...` metadata first), path exclusions (a gRPC path is
/// `/package.Service/Method`), anonymous mode and trusted proxy headers, with rejections as
/// gRPC statuses. Build it from a configured layer with [`AuthLayer::grpc`] and give it to
/// `tonic::transport::Server::builder().layer(...)`.
///
/// An admitted call reaches the service with the user in the request extensions
/// ([`CurrentUser`](crate::CurrentUser): `request.extensions().get::<CurrentUser>()` in a tonic
/// handler) together with the `Arc<RequestContext>`, and runs inside the task-local request
/// context, so [`polyauth_core::context::current_user`] works in the handler (for the future of
/// a unary call; the items of a streaming response are produced after it and see no context).
///
/// | rejection | gRPC status |
/// |---|---|
/// | no token, a malformed one, or one the provider rejects | `UNAUTHENTICATED` (16) |
/// | the provider refuses the user | `PERMISSION_DENIED` (7) |
/// | the provider is unavailable | `UNAVAILABLE` (14) |
/// | anything else | `INTERNAL` (13) |
///
/// The status message is the rejection's client-safe message; rejections are logged as the
/// HTTP layer logs them. The layer's error responder and observer apply to HTTP only.
///
/// ```
/// # use std::sync::Arc;
/// # fn provider() -> Arc<dyn polyauth_core::IdentityProvider> { unimplemented!() }
/// # fn demo() {
/// use polyauth_axum::AuthLayer;
///
/// let grpc_auth = AuthLayer::new(provider())
///     .exclude_prefix("/grpc.health.v1.Health/")
///     .grpc();
/// // tonic::transport::Server::builder().layer(grpc_auth).add_service(...)
/// # let _ = grpc_auth;
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct GrpcAuthLayer {
    layer: AuthLayer,
}

impl AuthLayer {
    /// This layer's authentication for a gRPC (tonic) server: see [`GrpcAuthLayer`].
    pub fn grpc(self) -> GrpcAuthLayer {
        GrpcAuthLayer { layer: self }
    }
}

impl<S> Layer<S> for GrpcAuthLayer {
    type Service = GrpcAuthService<S>;

    fn layer(&self, inner: S) -> GrpcAuthService<S> {
        GrpcAuthService {
            inner,
            config: self.layer.config.clone(),
        }
    }
}

/// The service of a [`GrpcAuthLayer`].
#[derive(Clone)]
pub struct GrpcAuthService<S> {
    inner: S,
    config: Arc<Config>,
}

impl<S> std::fmt::Debug for GrpcAuthService<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrpcAuthService").finish_non_exhaustive()
    }
}

/// The gRPC status of a rejection.
fn status(rejection: &AuthRejection) -> tonic::Status {
    let message = rejection.message().to_owned();
    match rejection.reason() {
        RejectionReason::MissingToken
        | RejectionReason::MalformedAuthorization
        | RejectionReason::InvalidToken => tonic::Status::unauthenticated(message),
        RejectionReason::Forbidden => tonic::Status::permission_denied(message),
        RejectionReason::ProviderUnavailable => tonic::Status::unavailable(message),
        RejectionReason::BadRequest => tonic::Status::invalid_argument(message),
        RejectionReason::NotFound => tonic::Status::not_found(message),
        _ => tonic::Status::internal(message),
    }
}

impl<S, B, R> Service<Request<B>> for GrpcAuthService<S>
where
    S: Service<Request<B>, Response = Response<R>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    B: Send + 'static,
    R: Default + Send + 'static,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<R>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        // The clone may not be ready; keep the one that was polled ready.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let config = self.config.clone();
        let ctx = Arc::new(config.base_context(&req));
        let span = request_span(&ctx);
        Box::pin(
            async move {
                let ctx = match config.admit(&mut req, ctx).await {
                    Ok(ctx) => ctx,
                    Err((rejection, ctx)) => {
                        log_rejection(&rejection, &ctx);
                        let mut response = status(&rejection).into_http::<R>();
                        echo_request_id(&mut response, &ctx);
                        return Ok(response);
                    }
                };
                let mut response = context::scope_shared(ctx.clone(), inner.call(req)).await?;
                echo_request_id(&mut response, &ctx);
                Ok(response)
            }
            .instrument(span),
        )
    }
}
