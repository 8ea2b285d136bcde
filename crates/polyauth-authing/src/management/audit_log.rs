//! The `audit_log` module (reference: `authing/v2/management/audit_log.py`): the pool's
//! audit log over REST.

use futures::Stream;
use polyauth_core::Result;
use reqwest::Method;

use super::ManagementClient;
use super::paging::{self, STREAM_PAGE_SIZE};
use crate::types::{AuditLogEntry, AuditLogFilter, Paginated};

/// The prefix Authing gives a user's ARN in the audit log's `operator_arn` filter.
const OPERATOR_ARN_PREFIX: &str = "arn:cn:authing:user:";

/// The `audit_log` module of [`ManagementClient`] (see [`ManagementClient::audit_log`]).
///
/// Errors every method may give besides those it names: as for [`Roles`](super::Roles)
/// (`Unauthenticated`, `Unavailable`/`RateLimited`, `Provider` with Authing's code in
/// [`polyauth_core::Error::provider_code`], `Protocol`).
#[derive(Clone, Copy, Debug)]
pub struct AuditLog<'a> {
    pub(super) client: &'a ManagementClient,
}

impl<'a> AuditLog<'a> {
    /// One page of the audit log (REST `GET /api/v2/analysis/audit`; query `clientip`, one
    /// `operation_name`, `operator_arn` (`arn:cn:authing:user:<id>`) and `app_id` pair per
    /// value of `filter`, then `page` and `limit`). Past the last page the list is empty.
    ///
    /// Errors: `InvalidInput` for page or limit 0 (nothing is sent).
    pub async fn list_audit_logs(
        &self,
        filter: &AuditLogFilter,
        page: u32,
        limit: u32,
    ) -> Result<Paginated<AuditLogEntry>> {
        paging::check_page_of("list_audit_logs", page, limit)?;
        let mut url = self.client.url(&["api", "v2", "analysis", "audit"])?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(ip) = filter.client_ip.as_deref().filter(|ip| !ip.is_empty()) {
                q.append_pair("clientip", ip);
            }
            for name in &filter.operation_names {
                q.append_pair("operation_name", name);
            }
            for id in &filter.user_ids {
                q.append_pair("operator_arn", &format!("{OPERATOR_ARN_PREFIX}{id}"));
            }
            for app in &filter.app_ids {
                q.append_pair("app_id", app);
            }
            q.append_pair("page", &page.to_string());
            q.append_pair("limit", &limit.to_string());
        }
        self.client
            .rest("list_audit_logs", Method::GET, url, None)
            .await
    }

    /// Every entry of the audit log matching `filter`, as a stream walking
    /// [`list_audit_logs`](Self::list_audit_logs) page by page ([`STREAM_PAGE_SIZE`] a page).
    /// A failed page ends the stream with its error.
    pub fn list_audit_logs_stream(
        &self,
        filter: &'a AuditLogFilter,
    ) -> impl Stream<Item = Result<AuditLogEntry>> + 'a {
        let log = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            log.list_audit_logs(filter, page, STREAM_PAGE_SIZE).await
        })
    }
}
