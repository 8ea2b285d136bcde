#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod extract;
#[cfg(feature = "tonic")]
#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
mod grpc;
mod guard;
mod layer;
mod observe;
mod rejection;
mod request;

pub use extract::{CurrentUser, MaybeUser};
#[cfg(feature = "tonic")]
#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
pub use grpc::{GrpcAuthLayer, GrpcAuthService};
pub use guard::{
    RequireLayer, RequireService, require_all_permissions, require_any_permission,
    require_any_role, require_permission, require_role,
};
pub use layer::{AuthLayer, AuthService};
pub use observe::{REDACTED, RequestObserver, RequestRecord};
pub use rejection::{AuthError, AuthRejection, ErrorResponder, RejectionReason};
