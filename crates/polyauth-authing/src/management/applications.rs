//! The `applications` module (reference: `authing/v2/management/applications.py`): the
//! pool's applications over REST (`/api/v2/applications`).

use futures::Stream;
use polyauth_core::{Error, Result};
use reqwest::Method;
use serde_json::{Value, json};

use super::ManagementClient;
use super::paging::{self, STREAM_PAGE_SIZE};
use crate::transport::PROVIDER;
use crate::types::{Agreement, Application, Paginated};

/// The `applications` module of [`ManagementClient`] (see
/// [`ManagementClient::applications`]).
///
/// Errors every method may give besides those it names: as for [`Roles`](super::Roles)
/// (`Unauthenticated`, `Unavailable`/`RateLimited`, `Provider` with Authing's code in
/// [`polyauth_core::Error::provider_code`], `Protocol`).
#[derive(Clone, Copy, Debug)]
pub struct Applications<'a> {
    pub(super) client: &'a ManagementClient,
}

impl<'a> Applications<'a> {
    fn url(&self, tail: &[&str]) -> Result<url::Url> {
        let mut segments = vec!["api", "v2", "applications"];
        segments.extend_from_slice(tail);
        self.client.url(&segments)
    }

    /// One page of the pool's applications (REST `GET /api/v2/applications?page&limit`).
    /// Past the last page the list is empty.
    ///
    /// Errors: `InvalidInput` for page or limit 0 (nothing is sent).
    pub async fn list(&self, page: u32, limit: u32) -> Result<Paginated<Application>> {
        paging::check_page_of("list_applications", page, limit)?;
        let mut url = self.url(&[])?;
        url.query_pairs_mut()
            .append_pair("page", &page.to_string())
            .append_pair("limit", &limit.to_string());
        self.client
            .rest("list_applications", Method::GET, url, None)
            .await
    }

    /// Every application, as a stream walking [`list`](Self::list) page by page
    /// ([`STREAM_PAGE_SIZE`] a page). A failed page ends the stream with its error.
    pub fn list_stream(&self) -> impl Stream<Item = Result<Application>> + 'a {
        let apps = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            apps.list(page, STREAM_PAGE_SIZE).await
        })
    }

    /// Creates an application (REST `POST /api/v2/applications` with `name`, `identifier`
    /// (unique in the pool), `redirectUris` and `logo`).
    ///
    /// Errors: `InvalidInput` for an empty name or identifier (nothing is sent) or an
    /// identifier already taken (Authing code kept).
    pub async fn create(
        &self,
        name: &str,
        identifier: &str,
        redirect_uris: &[String],
        logo: Option<&str>,
    ) -> Result<Application> {
        if name.is_empty() || identifier.is_empty() {
            return Err(
                Error::invalid_input("an application needs a name and an identifier")
                    .with_context(PROVIDER, "create_application"),
            );
        }
        let mut body =
            json!({"name": name, "identifier": identifier, "redirectUris": redirect_uris});
        if let (Some(logo), Value::Object(map)) = (logo, &mut body) {
            map.insert("logo".into(), json!(logo));
        }
        let url = self.url(&[])?;
        self.client
            .rest("create_application", Method::POST, url, Some(body))
            .await
    }

    /// Deletes an application (REST `DELETE /api/v2/applications/{app_id}`).
    ///
    /// Errors: `NotFound` for an unknown application (Authing code kept).
    pub async fn delete(&self, app_id: &str) -> Result<()> {
        let url = self.url(&[app_id])?;
        let _: Value = self
            .client
            .rest("delete_application", Method::DELETE, url, None)
            .await?;
        Ok(())
    }

    /// One application (REST `GET /api/v2/applications/{app_id}`).
    ///
    /// Errors: `NotFound` for an unknown application (Authing code kept).
    pub async fn find_by_id(&self, app_id: &str) -> Result<Application> {
        let url = self.url(&[app_id])?;
        self.client
            .rest("find_application", Method::GET, url, None)
            .await
    }

    /// Gives an application a new secret (REST
    /// `PATCH /api/v2/application/{app_id}/refresh-secret`, the singular `application` as the
    /// reference writes it); answers the application with its new `secret`.
    ///
    /// Errors: `NotFound` for an unknown application (Authing code kept).
    pub async fn refresh_application_secret(&self, app_id: &str) -> Result<Application> {
        let url = self
            .client
            .url(&["api", "v2", "application", app_id, "refresh-secret"])?;
        self.client
            .rest("refresh_application_secret", Method::PATCH, url, None)
            .await
    }

    /// Adds a login agreement to an application (REST
    /// `POST /api/v2/applications/{app_id}/agreements` with `title`, `required`, `lang`; the
    /// reference's defaults are `true` and `zh-CN`).
    ///
    /// Errors: `InvalidInput` for an empty title (nothing is sent); `NotFound` for an unknown
    /// application (Authing code kept).
    pub async fn create_agreement(
        &self,
        app_id: &str,
        title: &str,
        required: bool,
        lang: &str,
    ) -> Result<Agreement> {
        has_title(title, "create_agreement")?;
        let url = self.url(&[app_id, "agreements"])?;
        let body = json!({"title": title, "required": required, "lang": lang});
        self.client
            .rest("create_agreement", Method::POST, url, Some(body))
            .await
    }

    /// An application's login agreements, in their order (REST
    /// `GET /api/v2/applications/{app_id}/agreements`).
    ///
    /// Errors: `NotFound` for an unknown application (Authing code kept).
    pub async fn list_agreement(&self, app_id: &str) -> Result<Paginated<Agreement>> {
        let url = self.url(&[app_id, "agreements"])?;
        self.client
            .rest("list_agreement", Method::GET, url, None)
            .await
    }

    /// Changes a login agreement (REST
    /// `PUT /api/v2/applications/{app_id}/agreements/{agreement_id}` with `title`,
    /// `required`, `lang`).
    ///
    /// Errors: `InvalidInput` for an empty title (nothing is sent); `NotFound` for an unknown
    /// application or agreement (Authing code kept).
    pub async fn modify_agreement(
        &self,
        app_id: &str,
        agreement_id: i64,
        title: &str,
        required: bool,
        lang: &str,
    ) -> Result<Agreement> {
        has_title(title, "modify_agreement")?;
        let id = agreement_id.to_string();
        let url = self.url(&[app_id, "agreements", &id])?;
        let body = json!({"title": title, "required": required, "lang": lang});
        self.client
            .rest("modify_agreement", Method::PUT, url, Some(body))
            .await
    }

    /// Deletes a login agreement (REST
    /// `DELETE /api/v2/applications/{app_id}/agreements/{agreement_id}`).
    ///
    /// Errors: `NotFound` for an unknown application or agreement (Authing code kept).
    pub async fn delete_agreement(&self, app_id: &str, agreement_id: i64) -> Result<()> {
        let id = agreement_id.to_string();
        let url = self.url(&[app_id, "agreements", &id])?;
        let _: Value = self
            .client
            .rest("delete_agreement", Method::DELETE, url, None)
            .await?;
        Ok(())
    }

    /// Orders an application's login agreements (REST
    /// `POST /api/v2/applications/{app_id}/agreements/sort` with `ids` in the new order).
    ///
    /// Errors: `InvalidInput` for an empty list (nothing is sent) or ids that are not exactly
    /// the application's agreements; `NotFound` for an unknown application (Authing codes
    /// kept).
    pub async fn sort_agreement(&self, app_id: &str, order: &[i64]) -> Result<()> {
        if order.is_empty() {
            return Err(Error::invalid_input("no agreement ids given")
                .with_context(PROVIDER, "sort_agreement"));
        }
        let url = self.url(&[app_id, "agreements", "sort"])?;
        let _: Value = self
            .client
            .rest(
                "sort_agreement",
                Method::POST,
                url,
                Some(json!({"ids": order})),
            )
            .await?;
        Ok(())
    }
}

/// `InvalidInput` naming `op` for an empty agreement title (nothing is sent).
fn has_title(title: &str, op: &'static str) -> Result<()> {
    if title.is_empty() {
        return Err(Error::invalid_input("an agreement needs a title").with_context(PROVIDER, op));
    }
    Ok(())
}
