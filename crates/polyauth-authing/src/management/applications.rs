//! The `applications` module (reference: `authing/v2/management/applications.py`): the
//! pool's applications over REST (`/api/v2/applications`), their login agreements, access
//! policies and logged-in users, and the resources of their own permission group (the
//! application id is the namespace; these calls are the [`Acl`](super::Acl) ones).

use futures::Stream;
use polyauth_core::{Error, Result};
use reqwest::Method;
use serde_json::{Value, json};

use super::ManagementClient;
use super::acl::{Acl, required};
use super::paging::{self, STREAM_PAGE_SIZE};
use crate::transport::PROVIDER;
use crate::types::{
    Agreement, Application, ApplicationAccessPolicy, NewResource, Paginated, Resource,
    ResourceType, ResourceUpdate, User,
};

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

    fn acl(&self) -> Acl<'a> {
        Acl {
            client: self.client,
        }
    }

    /// One page of the resources of the application's permission group (REST
    /// `GET /api/v2/resources?namespace={app_id}&type&page&limit`, as
    /// [`Acl::list_resources`]).
    ///
    /// Errors: `InvalidInput` for an empty application id or page or limit 0 (nothing is
    /// sent); `NotFound` for an unknown application (Authing code kept).
    pub async fn list_resources(
        &self,
        app_id: &str,
        page: u32,
        limit: u32,
        resource_type: Option<ResourceType>,
    ) -> Result<Paginated<Resource>> {
        required("list_resources", "the application id", app_id)?;
        self.acl()
            .list_resources(app_id, resource_type, page, limit)
            .await
    }

    /// Every resource of the application, as a stream walking
    /// [`list_resources`](Self::list_resources) ([`STREAM_PAGE_SIZE`] a page).
    pub fn list_resources_stream(
        &self,
        app_id: &'a str,
        resource_type: Option<ResourceType>,
    ) -> impl Stream<Item = Result<Resource>> + 'a {
        let apps = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            apps.list_resources(app_id, page, STREAM_PAGE_SIZE, resource_type)
                .await
        })
    }

    /// Creates a resource in the application's permission group (REST
    /// `POST /api/v2/resources` with `namespace: app_id`, as [`Acl::create_resource`]).
    ///
    /// Errors: as [`Acl::create_resource`]; `InvalidInput` for an empty application id.
    pub async fn create_resource(&self, app_id: &str, resource: &NewResource) -> Result<Resource> {
        required("create_resource", "the application id", app_id)?;
        self.acl().create_resource(app_id, resource).await
    }

    /// Changes a resource of the application (REST `POST /api/v2/resources/{code}` with
    /// `namespace: app_id`, as [`Acl::update_resource`]). The reference demands a resource
    /// type here (it checks `None` as an unsupported type); this does not.
    ///
    /// Errors: as [`Acl::update_resource`]; `InvalidInput` for an empty application id.
    pub async fn update_resource(
        &self,
        app_id: &str,
        code: &str,
        update: &ResourceUpdate,
    ) -> Result<Resource> {
        required("update_resource", "the application id", app_id)?;
        self.acl().update_resource(app_id, code, update).await
    }

    /// Deletes a resource of the application (REST
    /// `DELETE /api/v2/resources/{code}?namespace={app_id}`, as [`Acl::delete_resource`]).
    ///
    /// Errors: as [`Acl::delete_resource`]; `InvalidInput` for an empty application id.
    pub async fn delete_resource(&self, app_id: &str, code: &str) -> Result<()> {
        required("delete_resource", "the application id", app_id)?;
        self.acl().delete_resource(app_id, code).await
    }

    /// One page of the application's access policies (REST
    /// `GET /api/v2/applications/{app_id}/authorization/records?page&limit`), set with
    /// [`Acl::allow_access_application`] and [`Acl::deny_access_application`]. Past the last
    /// page the list is empty.
    ///
    /// Errors: `InvalidInput` for an empty application id or page or limit 0 (nothing is
    /// sent); `NotFound` for an unknown application (Authing code kept).
    pub async fn get_access_policies(
        &self,
        app_id: &str,
        page: u32,
        limit: u32,
    ) -> Result<Paginated<ApplicationAccessPolicy>> {
        self.page_of(
            "get_access_policies",
            app_id,
            &["authorization", "records"],
            page,
            limit,
        )
        .await
    }

    /// Every access policy of the application, as a stream walking
    /// [`get_access_policies`](Self::get_access_policies) ([`STREAM_PAGE_SIZE`] a page).
    pub fn get_access_policies_stream(
        &self,
        app_id: &'a str,
    ) -> impl Stream<Item = Result<ApplicationAccessPolicy>> + 'a {
        let apps = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            apps.get_access_policies(app_id, page, STREAM_PAGE_SIZE)
                .await
        })
    }

    /// One page of the users logged in to the application (REST
    /// `GET /api/v2/applications/{app_id}/active-users?page&limit`). The reference writes
    /// the query as `?page={page}&{limit}` (no `limit=`), so its limit is never read; this
    /// sends `limit={limit}`. Past the last page the list is empty.
    ///
    /// Errors: `InvalidInput` for an empty application id or page or limit 0 (nothing is
    /// sent); `NotFound` for an unknown application (Authing code kept).
    pub async fn active_users(
        &self,
        app_id: &str,
        page: u32,
        limit: u32,
    ) -> Result<Paginated<User>> {
        self.page_of("active_users", app_id, &["active-users"], page, limit)
            .await
    }

    /// Every user logged in to the application, as a stream walking
    /// [`active_users`](Self::active_users) ([`STREAM_PAGE_SIZE`] a page).
    pub fn active_users_stream(&self, app_id: &'a str) -> impl Stream<Item = Result<User>> + 'a {
        let apps = *self;
        paging::items(STREAM_PAGE_SIZE, move |page| async move {
            apps.active_users(app_id, page, STREAM_PAGE_SIZE).await
        })
    }

    /// A page of a list under `/api/v2/applications/{app_id}/{tail}` (`?page&limit`).
    async fn page_of<T: serde::de::DeserializeOwned>(
        &self,
        op: &'static str,
        app_id: &str,
        tail: &[&str],
        page: u32,
        limit: u32,
    ) -> Result<Paginated<T>> {
        required(op, "the application id", app_id)?;
        paging::check_page_of(op, page, limit)?;
        let mut segments = vec![app_id];
        segments.extend_from_slice(tail);
        let mut url = self.url(&segments)?;
        url.query_pairs_mut()
            .append_pair("page", &page.to_string())
            .append_pair("limit", &limit.to_string());
        self.client.rest(op, Method::GET, url, None).await
    }
}

/// `InvalidInput` naming `op` for an empty agreement title (nothing is sent).
fn has_title(title: &str, op: &'static str) -> Result<()> {
    if title.is_empty() {
        return Err(Error::invalid_input("an agreement needs a title").with_context(PROVIDER, op));
    }
    Ok(())
}
