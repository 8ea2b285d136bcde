//! The management token: fetched with the GraphQL `accessToken(userPoolId, secret)` query on
//! first use, cached until a margin before its `exp` (never longer than
//! [`MAX_MANAGEMENT_TOKEN_LIFETIME`]), fetched once for any number of concurrent callers, and
//! refetched once when a call fails with an authentication error
//! (the reference's is `authing/v2/management/token_provider.py`).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use polyauth_core::{AccessToken, Result};
use serde::Deserialize;
use serde_json::json;

use super::ManagementClient;
use crate::documents as doc;
use crate::transport::Auth;

/// The longest a management token is reused, whatever `exp` the server claims (a far-future
/// or absurd `exp` must not pin a token forever).
pub const MAX_MANAGEMENT_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug)]
pub(super) struct CachedToken {
    token: AccessToken,
    refresh_at: Instant,
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(rename = "accessToken")]
    access_token: AccessToken,
    exp: Option<i64>,
}

impl ManagementClient {
    /// The cached token while it is fresh (no lock taken).
    fn fresh_token(&self) -> Option<AccessToken> {
        self.inner
            .token
            .load()
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.token.clone())
    }

    /// The management token, fetched when missing or about to expire. A fresh cached token
    /// is read without taking any lock; when a fetch is needed, concurrent callers share one
    /// fetch (the first fetches, the others wait for and reuse its token).
    ///
    /// The token is reused until `token_refresh_margin` (at most half its lifetime) before
    /// the `exp` the server answered, and never longer than
    /// [`MAX_MANAGEMENT_TOKEN_LIFETIME`]; an `exp` in the past or missing means the token is
    /// used for this call only.
    ///
    /// Errors: `Unauthenticated`/`PermissionDenied`/`Provider` when the pool rejects the
    /// secret; transport errors.
    pub async fn management_token(&self) -> Result<AccessToken> {
        if let Some(token) = self.fresh_token() {
            return Ok(token);
        }
        let _fetching = self.inner.fetch.lock().await;
        // Another caller may have fetched while this one waited.
        if let Some(token) = self.fresh_token() {
            return Ok(token);
        }
        self.inner.fetches.fetch_add(1, Ordering::Relaxed);
        let vars = json!({"userPoolId": self.inner.user_pool_id, "secret": self.inner.secret.expose_secret()});
        let answer: TokenAnswer = self
            .inner
            .transport
            .graphql(&doc::ACCESS_TOKEN, vars, Auth::None)
            .await?;
        let lifetime = token_lifetime(answer.exp, SystemTime::now());
        let margin = self.inner.margin.min(lifetime / 2);
        let now = Instant::now();
        let refresh_at = now
            .checked_add(lifetime.saturating_sub(margin))
            .unwrap_or(now);
        self.inner.token.store(Some(Arc::new(CachedToken {
            token: answer.access_token.clone(),
            refresh_at,
        })));
        Ok(answer.access_token)
    }

    /// Drops the cached token if it is still `token` (a newer one fetched meanwhile stays).
    fn invalidate(&self, token: &AccessToken) {
        self.inner.token.rcu(|current| match current {
            Some(c) if &c.token == token => None,
            other => other.clone(),
        });
    }

    /// `call` with the management token; after an authentication failure the token is
    /// dropped and `call` runs once more with a fresh one.
    pub(super) async fn with_token<T, F>(&self, call: impl Fn(AccessToken) -> F) -> Result<T>
    where
        F: Future<Output = Result<T>>,
    {
        let token = self.management_token().await?;
        match call(token.clone()).await {
            Err(e) if e.kind().is_auth_failure() => {
                self.invalidate(&token);
                call(self.management_token().await?).await
            }
            other => other,
        }
    }
}

/// How long a token with this server-provided `exp` (unix seconds) lives from `now`: zero for
/// a missing or past `exp`, capped at [`MAX_MANAGEMENT_TOKEN_LIFETIME`]; never overflows.
fn token_lifetime(exp: Option<i64>, now: SystemTime) -> Duration {
    let now = now
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let seconds = exp.map_or(0, |e| e.saturating_sub(now));
    Duration::from_secs(u64::try_from(seconds).unwrap_or(0)).min(MAX_MANAGEMENT_TOKEN_LIFETIME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lifetime_never_overflows_and_is_capped() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            token_lifetime(Some(1_700_000_600), now),
            Duration::from_secs(600)
        );
        assert_eq!(token_lifetime(None, now), Duration::ZERO);
        assert_eq!(token_lifetime(Some(1), now), Duration::ZERO);
        assert_eq!(token_lifetime(Some(i64::MIN), now), Duration::ZERO);
        assert_eq!(
            token_lifetime(Some(i64::MAX), now),
            MAX_MANAGEMENT_TOKEN_LIFETIME
        );
        // A clock before 1970 is treated as the epoch.
        assert_eq!(
            token_lifetime(Some(10), UNIX_EPOCH - Duration::from_secs(5)),
            Duration::from_secs(10)
        );
    }
}
