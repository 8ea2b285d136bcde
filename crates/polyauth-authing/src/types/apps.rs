//! Types of the `applications` module: the pool's applications.

use polyauth_core::ClientSecret;
use serde::Deserialize;

/// An application of the pool (REST `/api/v2/applications`); every field Authing sends that
/// polyauth does not name is kept in `extra`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Application {
    /// The application id (also its permission namespace).
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// Its unique identifier (the second-level domain of its login page).
    pub identifier: Option<String>,
    /// Its secret (present where Authing shows it, as after a refresh); `Debug` redacts it.
    pub secret: Option<ClientSecret>,
    /// The redirect URIs allowed after login.
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    /// Its logo URL.
    pub logo: Option<String>,
    /// When it was made (ISO-8601 text).
    pub created_at: Option<String>,
    /// Every other field, as Authing sends it.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A login agreement of an application (terms the user accepts on its login page).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Agreement {
    /// Its id (a number).
    pub id: i64,
    /// The application.
    pub app_id: Option<String>,
    /// Its title (may hold links, as Authing renders it).
    pub title: String,
    /// Whether the user must accept it to log in.
    pub required: Option<bool>,
    /// Its language (`zh-CN`, `en-US`).
    pub lang: Option<String>,
}
