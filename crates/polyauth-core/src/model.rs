//! The normalized data model every provider maps into.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::secret::{
    AccessToken, AuthorizationCode, IdToken, Password, RefreshToken, Secret, VerificationCode,
};

/// The normalized user, whatever provider it came from.
///
/// Fields a provider does not know stay `None` or empty. `raw` keeps the provider's own JSON
/// (the claims of a JWT, the AIGC user object, the Authing user), so nothing is lost in the
/// mapping. `id` is text: AIGC ids are integers, Authing's are strings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserProfile {
    /// The provider's stable user id, as text.
    pub id: String,
    /// The login name.
    pub username: Option<String>,
    /// The display name.
    pub nickname: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Phone number as the provider stores it.
    pub phone: Option<String>,
    /// Avatar URL.
    pub avatar: Option<String>,
    /// Role codes, in the provider's order, without duplicates.
    pub roles: Vec<String>,
    /// Permission codes (`user:read`, `order:*`), in the provider's order, without duplicates.
    pub permissions: Vec<String>,
    /// Group codes or names.
    pub groups: Vec<String>,
    /// Department name.
    pub department: Option<String>,
    /// Company name.
    pub company: Option<String>,
    /// Whether the provider marks the user as an administrator.
    pub is_admin: bool,
    /// The provider's status text (`active`, `disabled`, ...), when it has one.
    pub status: Option<String>,
    /// Name of the provider that produced this profile (`jwt`, `aigc`, `authing`, ...).
    pub provider: String,
    /// The provider's own representation of the user, unchanged.
    pub raw: Value,
}

impl UserProfile {
    /// A profile with an id and the producing provider's name; fill the rest with the builder
    /// methods or field assignment.
    pub fn new(provider: impl Into<String>, id: impl Into<String>) -> Self {
        UserProfile {
            id: id.into(),
            provider: provider.into(),
            raw: Value::Null,
            ..Default::default()
        }
    }

    /// Sets the username.
    pub fn with_username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Sets the roles (duplicates are dropped, first occurrence kept).
    pub fn with_roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.roles = dedup(roles.into_iter().map(Into::into));
        self
    }

    /// Sets the permissions (duplicates are dropped, first occurrence kept).
    pub fn with_permissions<I, S>(mut self, permissions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.permissions = dedup(permissions.into_iter().map(Into::into));
        self
    }

    /// Sets the raw provider JSON.
    pub fn with_raw(mut self, raw: Value) -> Self {
        self.raw = raw;
        self
    }

    /// Whether the user has role `role` (exact, case-sensitive match).
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// Whether the user has at least one of `roles` (any iterator of string-likes: `&["a"]`,
    /// `&Vec<String>`). False for an empty list.
    pub fn has_any_role<I>(&self, roles: I) -> bool
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        roles.into_iter().any(|r| self.has_role(r.as_ref()))
    }

    /// Whether the user holds `permission`.
    ///
    /// A held permission matches exactly, or as a wildcard: `*` matches everything and
    /// `order:*` matches `order:read` and `order:refund:approve`.
    pub fn has_permission(&self, permission: &str) -> bool {
        self.permissions
            .iter()
            .any(|held| permission_matches(held, permission))
    }

    /// Whether the user holds at least one of `permissions` (any iterator of string-likes).
    /// False for an empty list.
    pub fn has_any_permission<I>(&self, permissions: I) -> bool
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        permissions
            .into_iter()
            .any(|p| self.has_permission(p.as_ref()))
    }

    /// Whether the user holds every one of `permissions` (any iterator of string-likes).
    /// True for an empty list.
    pub fn has_all_permissions<I>(&self, permissions: I) -> bool
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        permissions
            .into_iter()
            .all(|p| self.has_permission(p.as_ref()))
    }
}

/// Whether a held permission grants a wanted one: equal, `*`, or a `prefix:*` wildcard.
pub fn permission_matches(held: &str, wanted: &str) -> bool {
    if held == wanted || held == "*" {
        return true;
    }
    match held.strip_suffix('*') {
        Some(prefix) if prefix.ends_with(':') => wanted.starts_with(prefix),
        _ => false,
    }
}

/// Removes duplicates, keeping the first occurrence and the order.
pub fn dedup(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    items
        .into_iter()
        .filter(|s| seen.insert(s.clone()))
        .collect()
}

/// The result of verifying a token: whose it is, until when, and its claims.
///
/// Serializes (for the shared verification cache) with the times as
/// `{"secs_since_epoch", "nanos_since_epoch"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifiedToken {
    /// The subject (user id) the token was issued to.
    pub subject: String,
    /// When the token stops being valid, if the provider says.
    pub expires_at: Option<SystemTime>,
    /// When the token was issued, if the provider says.
    pub issued_at: Option<SystemTime>,
    /// The token's claims (for a JWT) or the provider's verification answer.
    pub claims: Map<String, Value>,
}

impl VerifiedToken {
    /// A verified token for `subject` with no expiry and no claims.
    pub fn new(subject: impl Into<String>) -> Self {
        VerifiedToken {
            subject: subject.into(),
            expires_at: None,
            issued_at: None,
            claims: Map::new(),
        }
    }

    /// Sets the expiry.
    pub fn with_expires_at(mut self, at: Option<SystemTime>) -> Self {
        self.expires_at = at;
        self
    }

    /// Sets the claims.
    pub fn with_claims(mut self, claims: Map<String, Value>) -> Self {
        self.claims = claims;
        self
    }

    /// Time left until expiry (zero when expired); `None` when the expiry is unknown.
    pub fn expires_in(&self) -> Option<Duration> {
        self.expires_at
            .map(|at| at.duration_since(SystemTime::now()).unwrap_or_default())
    }
}

/// Tokens a login, an authorization-code exchange or a refresh produced.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TokenSet {
    /// The access token to send as `Authorization: Bearer`.
    pub access_token: AccessToken,
    /// The token type, normally `Bearer`.
    pub token_type: String,
    /// The refresh token, when the provider issued one.
    pub refresh_token: Option<RefreshToken>,
    /// The OpenID Connect id token, when the provider issued one.
    pub id_token: Option<IdToken>,
    /// When the access token expires (computed from `expires_in` at receipt).
    pub expires_at: Option<SystemTime>,
    /// Granted scopes, space-separated as in OAuth 2.0.
    pub scope: Option<String>,
}

impl TokenSet {
    /// A bearer token set holding only an access token.
    pub fn bearer(access_token: AccessToken) -> Self {
        TokenSet {
            access_token,
            token_type: "Bearer".to_owned(),
            refresh_token: None,
            id_token: None,
            expires_at: None,
            scope: None,
        }
    }

    /// Sets `expires_at` to now + `seconds` (OAuth 2.0 `expires_in` is in seconds).
    pub fn with_expires_in(mut self, seconds: u64) -> Self {
        self.expires_at = SystemTime::now().checked_add(Duration::from_secs(seconds));
        self
    }

    /// Sets the refresh token (to resume a session whose tokens were kept elsewhere).
    pub fn with_refresh_token(mut self, refresh_token: RefreshToken) -> Self {
        self.refresh_token = Some(refresh_token);
        self
    }

    /// Sets the granted scopes (space-separated, as in OAuth 2.0).
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Whether the access token expires within `skew` from now (true when already expired).
    /// Unknown expiry counts as not expired.
    pub fn is_expired(&self, skew: Duration) -> bool {
        match self.expires_at {
            // A skew too large to add to the clock reaches past any expiry.
            Some(at) => SystemTime::now().checked_add(skew).is_none_or(|t| t >= at),
            None => false,
        }
    }
}

/// What a successful login returns: the tokens and, when the provider returns it with the
/// tokens, the user.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Session {
    /// The issued tokens.
    pub tokens: TokenSet,
    /// The logged-in user, when the provider returned it.
    pub user: Option<UserProfile>,
}

impl Session {
    /// A session from tokens and an optional user.
    pub fn new(tokens: TokenSet, user: Option<UserProfile>) -> Self {
        Session { tokens, user }
    }
}

/// Who is logging in with a password.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginIdentifier {
    /// A username.
    Username(String),
    /// An e-mail address.
    Email(String),
    /// A phone number.
    Phone(String),
}

/// Credentials for [`IdentityProvider::login`](crate::IdentityProvider::login).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Credentials {
    /// A password login.
    Password {
        /// Username, e-mail or phone.
        identifier: LoginIdentifier,
        /// The password (encrypted on the wire where the provider requires it).
        password: Password,
    },
    /// A login with a one-time code sent to a phone.
    PhoneCode {
        /// The phone number.
        phone: String,
        /// The code received by SMS.
        code: VerificationCode,
    },
}

impl Credentials {
    /// Password credentials for a username.
    pub fn username_password(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials::Password {
            identifier: LoginIdentifier::Username(username.into()),
            password: Password::new(password),
        }
    }
}

/// Options for starting an OAuth 2.0 authorization-code flow.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// Overrides the configured redirect URI.
    pub redirect_uri: Option<String>,
    /// Overrides the configured scopes.
    pub scopes: Vec<String>,
    /// Where the app wants to send the user after the callback; stored with the state.
    pub return_to: Option<String>,
    /// The OpenID Connect `prompt` parameter (`login`, `consent`, `none`, `select_account`,
    /// space-separated), where the provider supports it.
    pub prompt: Option<String>,
    /// The OpenID Connect `login_hint` (the user's e-mail or login name), where supported.
    pub login_hint: Option<String>,
    /// Further parameters of the authorization request (`resource`, `acr_values`, `ui_locales`,
    /// a provider's own), appended as given. Parameters the flow sets itself (`state`,
    /// `nonce`, `code_challenge`, `client_id`, `redirect_uri`, `response_type`, `scope`) are
    /// refused with `InvalidInput`.
    pub extra_params: Vec<(String, String)>,
}

/// A started authorization: send the user agent to `url`, and give `binding` to that user agent
/// only; `state` was stored and comes back on the callback.
///
/// # Binding the login to the browser (RFC 6749 §10.12)
///
/// A stored `state` proves that *some* login was started here, not that *this browser*
/// started it. So every provider also makes a `binding`: a fresh secret (32 CSPRNG bytes,
/// base64url, see [`binding::new_binding`](crate::binding::new_binding)) of which only the
/// SHA-256 is stored with the state. The application must keep it in the user agent that
/// started the login and nowhere else, normally an `HttpOnly; SameSite=Lax` cookie (plus
/// `Secure` over https) scoped to the callback path, living as long as the state; the callback
/// hands it back with [`AuthorizationCallback::with_binding`]. A callback without it, or with
/// another browser's, is `InvalidState` before any token request: an attacker's
/// `?code=..&state=..` opened by a victim cannot log the victim in as the attacker.
///
/// ```
/// use polyauth_core::{AuthorizationCallback, AuthorizationStart, Secret};
///
/// // /login: redirect to the provider and set the cookie.
/// # let start = AuthorizationStart::new(
/// #     url::Url::parse("https://idp.example/authorize?state=s1").unwrap(), "s1",
/// #     Secret::new("b1"));
/// // let start = provider.start_authorization(AuthorizationRequest::default()).await?;
/// let set_cookie = format!(
///     "login_binding={}; HttpOnly; SameSite=Lax; Secure; Path=/callback; Max-Age=300",
///     start.binding.expose_secret()
/// );
/// // ... answer 303 See Other, Location: start.url, Set-Cookie: set_cookie
///
/// // /callback?code=..&state=..: the query plus the cookie of the same browser.
/// let query: AuthorizationCallback = serde_json::from_str(r#"{"code":"c1","state":"s1"}"#)?;
/// let cookie: Option<&str> = Some("b1"); // the `login_binding` cookie, when present
/// let mut callback = query;
/// if let Some(b) = cookie {
///     callback = callback.with_binding(b);
/// }
/// assert_eq!(callback.binding, Some(start.binding.clone()));
/// // let session = provider.finish_authorization(callback).await?; // and clear the cookie
/// # let _ = set_cookie;
/// # Ok::<_, serde_json::Error>(())
/// ```
///
/// `Debug` redacts the binding.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizationStart {
    /// The provider's authorization URL with all parameters.
    pub url: url::Url,
    /// The `state` value (CSPRNG, single use, stored with a TTL).
    pub state: String,
    /// The user-agent binding: give it to the user agent that started the login (an
    /// `HttpOnly; SameSite=Lax` cookie) and pass it back on the callback
    /// ([`AuthorizationCallback::with_binding`]). Only its digest is stored.
    pub binding: Secret,
}

impl AuthorizationStart {
    /// A start from a URL, its state and the binding whose digest was stored with the state.
    pub fn new(url: url::Url, state: impl Into<String>, binding: Secret) -> Self {
        AuthorizationStart {
            url,
            state: state.into(),
            binding,
        }
    }
}

/// The OAuth 2.0 callback: the `code` and `state` of its query, plus the user-agent binding
/// the application read from the browser's cookie (see [`AuthorizationStart`]).
///
/// Deserializing reads the query only; `binding` never comes from it (a query is chosen by
/// whoever made the link) and is set with [`with_binding`](Self::with_binding). `Debug`
/// redacts the code and the binding.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct AuthorizationCallback {
    /// The authorization code (empty in an error response); a secret, redacted by `Debug`.
    #[serde(default = "no_code")]
    pub code: AuthorizationCode,
    /// The state that was sent with the authorization request.
    #[serde(default)]
    pub state: String,
    /// The issuer that sent the response (RFC 9207), when the authorization server adds it;
    /// checked against the expected issuer where the server advertises the parameter.
    #[serde(default)]
    pub iss: Option<String>,
    /// The OAuth 2.0 error code of an error response (RFC 6749 §4.1.2.1: `access_denied`,
    /// `login_required`, …), `None` on success.
    #[serde(default)]
    pub error: Option<String>,
    /// The human-readable description of an error response.
    #[serde(default)]
    pub error_description: Option<String>,
    /// The binding issued with the state ([`AuthorizationStart::binding`]), from the user
    /// agent's cookie; `None` when the cookie is missing (then finishing is `InvalidState`).
    #[serde(skip)]
    pub binding: Option<Secret>,
}

/// The code of a callback whose query has none (an error response).
fn no_code() -> AuthorizationCode {
    AuthorizationCode::new("")
}

impl AuthorizationCallback {
    /// A callback from its code and state, without a binding.
    pub fn new(code: impl Into<String>, state: impl Into<String>) -> Self {
        AuthorizationCallback {
            code: AuthorizationCode::new(code),
            state: state.into(),
            iss: None,
            error: None,
            error_description: None,
            binding: None,
        }
    }

    /// Sets the `iss` parameter of the response (RFC 9207).
    pub fn with_iss(mut self, iss: impl Into<String>) -> Self {
        self.iss = Some(iss.into());
        self
    }

    /// Reads a callback from the query string of the redirect URI (`code`, `state`, `iss`,
    /// `error`, `error_description`; others ignored), without a binding.
    pub fn from_query(query: &str) -> Self {
        let mut callback = AuthorizationCallback::new("", "");
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let value = value.into_owned();
            match key.as_ref() {
                "code" => callback.code = AuthorizationCode::new(value),
                "state" => callback.state = value,
                "iss" => callback.iss = Some(value),
                "error" => callback.error = Some(value),
                "error_description" => callback.error_description = Some(value),
                _ => {}
            }
        }
        callback
    }

    /// Sets the user-agent binding read back from the browser (its cookie).
    pub fn with_binding(mut self, binding: impl Into<Secret>) -> Self {
        self.binding = Some(binding.into());
        self
    }
}

/// Page selection for list calls. `page` starts at 1; `per_page` is capped by each provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            page: 1,
            per_page: 20,
        }
    }
}

/// One page of results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Total number of items across all pages, when the provider says.
    pub total: Option<u64>,
    /// The page these items are.
    pub page: PageRequest,
}

impl<T> Page<T> {
    /// A page of items.
    pub fn new(items: Vec<T>, total: Option<u64>, page: PageRequest) -> Self {
        Page { items, total, page }
    }

    /// Whether later pages may hold more items.
    pub fn has_more(&self) -> bool {
        match self.total {
            Some(total) => u64::from(self.page.page) * u64::from(self.page.per_page) < total,
            None => self.items.len() as u64 >= u64::from(self.page.per_page),
        }
    }
}

/// The result of a batch lookup: the users found, in request order, and the identifiers that
/// matched nobody.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BatchLookup {
    /// Users found.
    pub users: Vec<UserProfile>,
    /// Identifiers (ids or usernames, as asked) that matched no user.
    pub not_found: Vec<String>,
}

impl BatchLookup {
    /// A batch result.
    pub fn new(users: Vec<UserProfile>, not_found: Vec<String>) -> Self {
        BatchLookup { users, not_found }
    }
}

/// A user to create through a [`UserDirectory`](crate::UserDirectory).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewUser {
    /// Login name.
    pub username: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Display name.
    pub nickname: Option<String>,
    /// Initial password.
    pub password: Option<Password>,
    /// Provider-specific extra fields, merged into the create call.
    pub extra: Map<String, Value>,
}

impl NewUser {
    /// A new user with a username.
    pub fn with_username(username: impl Into<String>) -> Self {
        NewUser {
            username: Some(username.into()),
            ..Default::default()
        }
    }
}

/// Fields to change on a user; `None` leaves a field alone.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserUpdate {
    /// New username.
    pub username: Option<String>,
    /// New e-mail.
    pub email: Option<String>,
    /// New phone.
    pub phone: Option<String>,
    /// New display name.
    pub nickname: Option<String>,
    /// New password.
    pub password: Option<Password>,
    /// Provider-specific extra fields.
    pub extra: Map<String, Value>,
}

/// A list/search query over a directory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserQuery {
    /// Free-text search (username, nickname, e-mail, phone, as the provider supports).
    pub search: Option<String>,
    /// Only users holding this role.
    pub role: Option<String>,
    /// Which page.
    pub page: PageRequest,
}

impl UserQuery {
    /// A query for one page with no filter.
    pub fn page(page: u32, per_page: u32) -> Self {
        UserQuery {
            page: PageRequest { page, per_page },
            ..Default::default()
        }
    }

    /// Adds a free-text search.
    pub fn with_search(mut self, search: impl Into<String>) -> Self {
        self.search = Some(search.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_wildcards() {
        let u = UserProfile::new("t", "1").with_permissions(["order:*", "user:read", "user:read"]);
        assert_eq!(u.permissions, vec!["order:*", "user:read"]);
        assert!(u.has_permission("order:refund"));
        assert!(u.has_permission("user:read"));
        assert!(!u.has_permission("user:write"));
        assert!(!u.has_permission("orders"));
        assert!(u.has_any_permission(&["x", "user:read"]));
        assert!(!u.has_any_permission(Vec::<String>::new()));
        assert!(u.has_all_permissions(&["order:a", "user:read"]));
        assert!(!u.has_all_permissions(&["order:a", "user:write"]));
        assert!(u.has_all_permissions(&[] as &[&str]));
        let owned = vec!["user:read".to_owned()];
        assert!(u.has_all_permissions(&owned));
        let admin = UserProfile::new("t", "2").with_permissions(["*"]);
        assert!(admin.has_permission("anything:at:all"));
        // A bare trailing star without a colon is not a prefix wildcard.
        let odd = UserProfile::new("t", "3").with_permissions(["user*"]);
        assert!(!odd.has_permission("username"));
    }

    #[test]
    fn roles() {
        let u = UserProfile::new("t", "1").with_roles(["admin", "dev"]);
        assert!(u.has_role("admin"));
        assert!(!u.has_role("Admin"));
        assert!(u.has_any_role(&["x", "dev"]));
    }

    #[test]
    fn token_set_expiry() {
        let t = TokenSet::bearer(AccessToken::new("a")).with_expires_in(30);
        assert!(!t.is_expired(Duration::ZERO));
        assert!(t.is_expired(Duration::from_secs(60)));
        assert!(!TokenSet::bearer(AccessToken::new("a")).is_expired(Duration::from_secs(60)));
    }

    #[test]
    fn the_binding_is_redacted_and_never_read_from_the_query() {
        let start = AuthorizationStart::new(
            url::Url::parse("https://idp.example/authorize?state=s").unwrap(),
            "s",
            Secret::new("the-binding-value"),
        );
        assert!(!format!("{start:?}").contains("the-binding-value"));
        let cb: AuthorizationCallback =
            serde_json::from_str(r#"{"code":"c","state":"s","binding":"from-the-query"}"#).unwrap();
        assert_eq!(cb.binding, None);
        let cb = cb.with_binding("the-binding-value");
        assert_eq!(cb.binding, Some(start.binding.clone()));
        assert!(!format!("{cb:?}").contains("the-binding-value"));
    }

    #[test]
    fn page_has_more() {
        let p = Page::new(
            vec![1, 2],
            Some(5),
            PageRequest {
                page: 1,
                per_page: 2,
            },
        );
        assert!(p.has_more());
        let last = Page::new(
            vec![5],
            Some(5),
            PageRequest {
                page: 3,
                per_page: 2,
            },
        );
        assert!(!last.has_more());
    }
}
