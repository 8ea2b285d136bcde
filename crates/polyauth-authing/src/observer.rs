//! [`ErrorObserver`]: the clients' global error hook, polyauth's form of the reference SDK's
//! `on_error(code, message)` option.

use std::fmt;
use std::sync::Arc;

use polyauth_core::Error;

/// A callback told about every error a call to Authing ends with, on the
/// [`AuthenticationClient`](crate::AuthenticationClient) and the
/// [`ManagementClient`](crate::ManagementClient) (set
/// [`AuthenticationClientOptions::on_error`](crate::AuthenticationClientOptions::on_error) or
/// [`ManagementClientOptions::on_error`](crate::ManagementClientOptions::on_error)).
///
/// The reference SDK calls its `on_error(code, message)` with Authing's error code and message
/// and, by default, raises from it; here the observer only watches: the call still returns
/// the error. It sees the error the call returns: Authing's code as
/// [`Error::provider_code`] and its message as [`Error::message`] for business errors (an
/// envelope code other than 200, a GraphQL `errors` entry, an OAuth error body), and also
/// HTTP, transport and malformed-answer errors of calls that were sent. Errors found before
/// anything is sent (bad input, configuration) are not reported. Errors carry no secrets
/// (tokens and passwords are never part of them).
///
/// It runs on the calling task, synchronously: keep it short (count, log, forward to a
/// channel).
///
/// ```
/// use polyauth_authing::{AuthenticationClientOptions, ErrorObserver};
///
/// let mut options = AuthenticationClientOptions::new("app-id");
/// options.on_error = Some(ErrorObserver::new(|e| {
///     eprintln!("authing error {:?}: {}", e.provider_code(), e.message());
/// }));
/// ```
#[derive(Clone)]
pub struct ErrorObserver(Arc<dyn Fn(&Error) + Send + Sync>);

impl ErrorObserver {
    /// An observer calling `f` with each error.
    pub fn new(f: impl Fn(&Error) + Send + Sync + 'static) -> Self {
        ErrorObserver(Arc::new(f))
    }

    /// Tells the observer about `error`.
    pub(crate) fn notify(&self, error: &Error) {
        (self.0)(error);
    }
}

impl fmt::Debug for ErrorObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ErrorObserver(..)")
    }
}
