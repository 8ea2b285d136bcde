#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod extract;
mod guard;
mod layer;
mod observe;
mod rejection;
mod request;

pub use extract::{CurrentUser, MaybeUser};
pub use guard::{
    RequireLayer, RequireService, require_all_permissions, require_any_permission,
    require_any_role, require_permission, require_role,
};
pub use layer::{AuthLayer, AuthService};
pub use observe::{REDACTED, RequestObserver, RequestRecord};
pub use rejection::{AuthError, AuthRejection, ErrorResponder, RejectionReason};
