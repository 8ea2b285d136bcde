//! An emulator of Authing v2 on loopback: GraphQL at `/graphql/v2` (documents parsed with a
//! real GraphQL parser and dispatched on the root field, answers projected onto the selection
//! set), the REST routes under `/api/v2`, and the OIDC endpoints under `/oidc`.
//!
//! - An in-memory user pool with roles, groups, custom data (UDV), authorized resources and
//!   policies (of users and of roles).
//! - Passwords arrive RSA PKCS#1 v1.5 encrypted; the emulator decrypts them with
//!   [`ENC_PRIVATE_PEM`], so clients must be configured with [`ENC_PUBLIC_PEM`].
//! - User tokens are JWTs (RS256 with kid [`KID`] by default, published at
//!   `/oidc/.well-known/jwks.json`; or HS256 with a configured secret) and are tracked as
//!   sessions, so logouts are visible to online checks.
//! - A per-operation call counter ([`AuthingEmulator::op_calls`]), the last variables per
//!   operation, every request's method, path and headers ([`AuthingEmulator::received`]), and
//!   fault injection through [`AuthingEmulator::emulator`].
//! - The OAuth 2.0 endpoints under `/oauth` are the OIDC ones under `/oidc` (a client
//!   configured for either protocol finds them).
//! - [`read_operation`] reads a GraphQL document as the dispatcher does (operation type and
//!   name, root field), so a client can check its documents against it.
//!
//! - Roles (per namespace), groups and policies as records, with membership kept on the
//!   users and policy assignments in one list, so the users, roles, groups and policies
//!   operations see one state; requests are validated against the
//!   schema first (required and typed variables; arguments of the roles and groups fields).
//!
//! - Custom-data field definitions per target type (`udf`, `setUdf`, `removeUdf`); removing
//!   one removes that key's values from the users or roles. The pool's settings
//!   (`updateUserpool`, `GET /api/v2/userpools/detail`, the whitelist switches among them),
//!   environment variables (`/api/v2/env`) and whitelist entries per kind. The audit log
//!   (`/api/v2/analysis/audit`, seeded with [`AuthingEmulator::add_audit_log`], filtered and
//!   paged) and principal authentications per user (each also logged in the audit log).
//!
//! - The pool's applications (`/api/v2/applications`), starting with the emulator's own:
//!   list, create (identifiers unique), find, delete, refresh a secret; their login
//!   agreements (add, list, change, delete, order).
//!
//! - Access control (`acl`): permission groups, resources with their type and actions,
//!   authorizations of resources to users, roles, groups and organization nodes (kept with the
//!   users', roles' and groups' own resources), `allow`/`isActionAllowed` (a user is allowed
//!   through their own grants, their roles' and their groups'), programmatic access accounts
//!   and application access policies.
//!
//! - Organizations (`orgs`): trees of nodes under a root, members with a main department,
//!   roles granted to a node (its authorized resources are its roles'), JSON import and
//!   export, directory-sync starts; the users module's departments and organization paths
//!   read the same memberships.
//!
//! Error codes follow Authing: 2000 captcha required, 2001 wrong code, 2004 user not found,
//! 2020 not logged in, 2026 user exists, 2206 login expired, 2333 wrong password. For roles,
//! groups and policies, where Authing documents no code, the emulator answers 404 for an
//! unknown one and 400 for a code already taken.
//!
//! Layout: `store` (the pool, sessions, keys, who is calling) and `rbac` (roles and groups),
//! `graphql` (parse, validate with `graphql_schema`, dispatch, projection) with the resolvers
//! of `graphql_auth`, `graphql_management`, `graphql_roles`, `graphql_groups`,
//! `graphql_policies` and `graphql_admin` (pool administration), `rest` (with `rest_admin`
//! and `rest_apps`) and `oidc`.

mod acl;
mod graphql;
mod graphql_acl;
mod graphql_admin;
mod graphql_auth;
mod graphql_groups;
mod graphql_management;
mod graphql_orgs;
mod graphql_policies;
mod graphql_roles;
mod graphql_schema;
mod oidc;
mod orgs;
mod rbac;
mod rest;
mod rest_acl;
mod rest_acl_apps;
mod rest_admin;
mod rest_apps;
mod rest_orgs;
mod store;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Map, Value};

pub use graphql::{OperationRead, read_operation};

use crate::jwks::SigningKey;
use crate::server::Emulator;
use store::{Db, Shared, UserRec, data_type_of, fresh_user, new_user};

/// Private half of the emulator's password-encryption key (RSA-1024, PKCS#8 PEM).
pub const ENC_PRIVATE_PEM: &str = include_str!("../keys/authing_private.pem");
/// Public half: configure clients with it as `enc_public_key`.
pub const ENC_PUBLIC_PEM: &str = include_str!("../keys/authing_public.pem");
/// Key id of the RS256 token-signing key.
pub const KID: &str = "authing-emulator";
/// The captcha answer the emulator accepts when captchas are required.
pub const CAPTCHA_ANSWER: &str = "CAPTCHA-OK";

/// Settings of an [`AuthingEmulator`].
#[derive(Clone, Debug)]
pub struct EmulatorOptions {
    /// Application id (OIDC client id, token audience).
    pub app_id: String,
    /// Application secret.
    pub app_secret: String,
    /// User pool id.
    pub user_pool_id: String,
    /// User pool secret (for the management token).
    pub pool_secret: String,
    /// Management token lifetime, seconds.
    pub management_token_ttl_seconds: i64,
    /// User token lifetime, seconds.
    pub user_token_ttl_seconds: i64,
    /// Sign user tokens with HS256 and this secret instead of RS256.
    pub hs256_secret: Option<String>,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            app_id: "emu-app".into(),
            app_secret: "emu-app-secret".into(),
            user_pool_id: "emu-pool".into(),
            pool_secret: "emu-pool-secret".into(),
            management_token_ttl_seconds: 7200,
            user_token_ttl_seconds: 3600,
            hs256_secret: None,
        }
    }
}

/// A request the emulator received (see [`AuthingEmulator::received`]).
#[derive(Clone, Debug)]
pub struct ReceivedRequest {
    /// The HTTP method (`GET`, `POST`).
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The headers, names lowercase (a repeated header keeps its last value).
    pub headers: BTreeMap<String, String>,
}

/// A user to seed the pool with.
#[derive(Clone, Debug, Default)]
pub struct SeedUser {
    /// Username.
    pub username: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Plaintext password.
    pub password: Option<String>,
    /// Role codes (namespace `default`).
    pub roles: Vec<String>,
    /// Actions of one authorized resource in namespace `default` (permissions).
    pub permissions: Vec<String>,
    /// Group codes.
    pub groups: Vec<String>,
}

/// A running Authing emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct AuthingEmulator {
    emulator: Emulator,
    shared: Arc<Shared>,
}

impl AuthingEmulator {
    /// Starts with default options.
    pub async fn start() -> AuthingEmulator {
        Self::start_with(EmulatorOptions::default()).await
    }

    /// Starts with `options`. Panics when the built-in test keys do not parse (a broken
    /// test kit).
    #[allow(clippy::expect_used)]
    pub async fn start_with(options: EmulatorOptions) -> AuthingEmulator {
        use rsa::pkcs8::DecodePrivateKey;
        let enc_key =
            rsa::RsaPrivateKey::from_pkcs8_pem(ENC_PRIVATE_PEM).expect("emulator RSA key");
        let signing = SigningKey::new(KID, Algorithm::RS256, crate::keys::RSA_PRIVATE_PEM);
        let encoding = EncodingKey::from_rsa_pem(crate::keys::RSA_PRIVATE_PEM.as_bytes())
            .expect("signing key");
        let shared = Arc::new(Shared {
            options,
            db: Mutex::new(Db::default()),
            enc_key,
            signing,
            encoding,
            base: Mutex::new(String::new()),
        });
        let router = rest_acl::routes(Router::new())
            .route("/graphql/v2", post(graphql::graphql))
            .route("/api/v2/users/me", get(rest::rest_me))
            .route("/api/v2/logout", get(rest::rest_logout))
            .route("/api/v2/sms/send", post(rest::rest_sms))
            .route("/api/v2/ldap/verify-user", post(rest::rest_directory_login))
            .route("/api/v2/ad/verify-user", post(rest::rest_directory_login))
            .route("/api/v2/users/link", post(rest::rest_link))
            .route("/api/v2/users/unlink", post(rest::rest_link))
            .route(
                "/api/v2/users/me/security-level",
                get(rest::rest_security_level),
            )
            .route(
                "/api/v2/users/me/applications/allowed",
                get(rest::rest_applications),
            )
            .route("/api/v2/users/me/orgs", get(rest::rest_my_orgs))
            .route("/api/v2/users/kick", post(rest::rest_kick))
            .route("/api/v2/orgs/import", post(rest_orgs::import))
            .route("/api/v2/orgs/export", get(rest_orgs::export))
            .route("/api/v2/ad/sync", post(rest_orgs::ad_sync))
            .route(
                "/connections/enterprise/{provider}/start-sync",
                post(rest_orgs::start_sync),
            )
            .route(
                "/api/v2/env",
                get(rest_admin::list_env).post(rest_admin::add_env),
            )
            .route(
                "/api/v2/env/{key}",
                axum::routing::delete(rest_admin::remove_env),
            )
            .route("/api/v2/userpools/detail", get(rest_admin::pool_detail))
            .route(
                "/api/v2/password/check",
                axum::routing::post(rest_admin::password_check),
            )
            .route("/api/v2/analysis/audit", get(rest_admin::audit_logs))
            .route(
                "/api/v2/applications",
                get(rest_apps::list).post(rest_apps::create),
            )
            .route(
                "/api/v2/applications/{id}",
                get(rest_apps::find).delete(rest_apps::delete),
            )
            .route(
                "/api/v2/applications/{id}/agreements",
                get(rest_apps::agreements).post(rest_apps::agreements),
            )
            .route(
                "/api/v2/applications/{id}/agreements/sort",
                post(rest_apps::sort_agreements),
            )
            .route(
                "/api/v2/applications/{id}/agreements/{agreement}",
                axum::routing::put(rest_apps::agreement).delete(rest_apps::agreement),
            )
            .route(
                "/api/v2/application/{id}/refresh-secret",
                axum::routing::patch(rest_apps::refresh_secret),
            )
            .route(
                "/api/v2/users/{id}/management/principal_authentication",
                get(rest_admin::principal_detail).post(rest_admin::principal_authenticate),
            )
            .route("/api/v2/users/login-status", get(rest::rest_login_status))
            .route("/api/v2/users/{id}", get(rest::rest_user_detail))
            .route("/api/v2/users/{id}/has-role", get(rest::rest_has_role))
            .route("/api/v2/users/{id}/orgs", get(rest::rest_user_orgs))
            .route("/api/v2/analysis/user-action", get(rest::rest_user_actions))
            .route(
                "/api/v2/acl/check-resource-permission-batch",
                post(rest::rest_check_permission_batch),
            )
            .route(
                "/api/v2/acl/get-authorized-resources-of-resource-kind",
                post(rest::rest_resources_of_kind),
            )
            .route("/logout", get(rest::rest_mgmt_logout))
            .route(
                "/cas-idp/{app}/serviceValidate",
                get(rest::rest_cas_validate),
            )
            .route("/cas/session", get(rest::rest_cas_session))
            .route(
                "/connection/social/{conn}/{pool}/callback",
                get(rest::rest_wechat),
            )
            .route("/oidc/auth", get(oidc::oidc_auth))
            .route("/oidc/token", post(oidc::oidc_token))
            .route("/oidc/token/introspection", post(oidc::oidc_introspect))
            .route("/oidc/token/revocation", post(oidc::oidc_revoke))
            .route("/oidc/me", get(oidc::oidc_me).post(oidc::oidc_me))
            .route("/oidc/.well-known/jwks.json", get(oidc::oidc_jwks))
            .route("/oauth/auth", get(oidc::oidc_auth))
            .route("/oauth/token", post(oidc::oidc_token))
            .route("/oauth/token/introspection", post(oidc::oidc_introspect))
            .route("/oauth/token/revocation", post(oidc::oidc_revoke))
            .route("/oauth/me", get(oidc::oidc_me).post(oidc::oidc_me))
            .route("/api/v2/oidc/validate_token", get(oidc::oidc_validate))
            .with_state(shared.clone())
            .layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                json_fault_layer,
            ))
            .layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                record_layer,
            ));
        let emulator = Emulator::serve(router).await;
        *shared.base.lock().unwrap_or_else(|p| p.into_inner()) = emulator.base_url();
        AuthingEmulator { emulator, shared }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.emulator.base_url()
    }

    /// The underlying emulator (per-path counters, fault injection).
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// The options.
    pub fn options(&self) -> &EmulatorOptions {
        &self.shared.options
    }

    /// Adds a user; returns its id.
    pub fn add_user(&self, seed: SeedUser) -> String {
        let mut db = self.shared.db();
        let id = new_user(&mut db);
        let rec = UserRec {
            id: id.clone(),
            username: seed.username,
            email: seed.email,
            phone: seed.phone,
            password: seed.password,
            roles: seed
                .roles
                .into_iter()
                .map(|r| ("default".into(), r))
                .collect(),
            groups: seed.groups,
            resources: if seed.permissions.is_empty() {
                Vec::new()
            } else {
                vec![(
                    "default".into(),
                    "resource".into(),
                    "DATA".into(),
                    seed.permissions,
                )]
            },
            ..fresh_user(&id)
        };
        for (ns, code) in &rec.roles {
            rbac::add_role(&mut db, ns, code);
        }
        for code in &rec.groups {
            rbac::add_group(&mut db, code);
        }
        db.users.push(rec);
        id
    }

    /// Authorizes a role of `namespace` for a resource (`books:1`) of a type (`DATA`, `API`,
    /// ...) with these actions (`books:read`), creating the role if there is none: what
    /// `roles().list_authorized_resources` answers.
    pub fn grant_role_resource(
        &self,
        namespace: &str,
        role: &str,
        resource: &str,
        resource_type: &str,
        actions: &[&str],
    ) {
        let mut db = self.shared.db();
        let i = rbac::add_role(&mut db, namespace, role);
        let actions = actions.iter().map(|a| (*a).to_owned()).collect();
        db.roles[i]
            .resources
            .push((resource.into(), resource_type.into(), actions));
    }

    /// Adds an audit-log entry (what `audit_log().list_audit_logs` answers, oldest first):
    /// `operation_name` done by the user `user_id` from `client_ip` in application `app_id`.
    pub fn add_audit_log(
        &self,
        operation_name: &str,
        user_id: &str,
        client_ip: &str,
        app_id: &str,
    ) {
        let entry = rest_admin::audit_entry(operation_name, user_id, client_ip, app_id);
        self.shared.db().audit.push(entry);
    }

    /// Whether the assignment of `policy` to a target (`USER` id, `ROLE`/`GROUP` code, `ORG`
    /// id) is enabled; `None` when there is no such assignment.
    pub fn policy_assignment_enabled(
        &self,
        policy: &str,
        target_type: &str,
        target: &str,
    ) -> Option<bool> {
        self.shared
            .db()
            .assignments
            .iter()
            .find(|a| a.policy == policy && a.target_type == target_type && a.target == target)
            .map(|a| a.enabled)
    }

    /// Authorizes a group for a resource of `namespace` (as
    /// [`grant_role_resource`](Self::grant_role_resource)), creating the group if there is
    /// none: what `groups().list_authorized_resources` answers.
    pub fn grant_group_resource(
        &self,
        group: &str,
        namespace: &str,
        resource: &str,
        resource_type: &str,
        actions: &[&str],
    ) {
        let mut db = self.shared.db();
        let i = rbac::add_group(&mut db, group);
        let actions = actions.iter().map(|a| (*a).to_owned()).collect();
        db.groups[i].resources.push((
            namespace.into(),
            resource.into(),
            resource_type.into(),
            actions,
        ));
    }

    /// The id of the user with this username.
    pub fn user_id(&self, username: &str) -> Option<String> {
        self.shared
            .db()
            .users
            .iter()
            .find(|u| u.username.as_deref() == Some(username))
            .map(|u| u.id.clone())
    }

    /// Issues a login token for a user, valid for `ttl_seconds` (negative: already expired).
    pub fn issue_token(&self, user_id: &str, ttl_seconds: i64) -> String {
        let mut db = self.shared.db();
        self.shared.issue_session(&mut db, user_id, ttl_seconds)
    }

    /// The last SMS code sent to a phone.
    pub fn sms_code(&self, phone: &str) -> Option<String> {
        self.shared.db().sms_codes.get(phone).cloned()
    }

    /// Sets an SMS code for a phone (as if one was sent).
    pub fn set_sms_code(&self, phone: &str, code: &str) {
        self.shared.db().sms_codes.insert(phone.into(), code.into());
    }

    /// The last e-mail code sent to an address.
    pub fn email_code(&self, email: &str) -> Option<String> {
        self.shared.db().email_codes.get(email).cloned()
    }

    /// Makes password logins demand a captcha (code 2000) unless `captchaCode` is
    /// [`CAPTCHA_ANSWER`].
    pub fn require_captcha(&self, required: bool) {
        self.shared.db().captcha_required = required;
    }

    /// Forgets every management token (the next management call fails with 2020 once).
    pub fn expire_management_tokens(&self) {
        self.shared.db().mgmt_tokens.clear();
    }

    /// Merges `claims` over every id_token issued from now on (for example a foreign `nonce`
    /// or `aud`, to check that clients verify id_tokens); an empty map stops it.
    pub fn set_id_token_overrides(&self, claims: Map<String, Value>) {
        self.shared.db().id_token_overrides = claims;
    }

    /// Makes the `accessToken` query answer with this `exp` (unix seconds) instead of the
    /// real expiry (`None` restores it). The token itself stays valid for the configured TTL.
    pub fn set_management_token_exp(&self, exp: Option<i64>) {
        self.shared.db().management_exp_override = exp;
    }

    /// Answers every request to `path` with `status` and the JSON `body` (an outage page of
    /// the Authing gateway, a canned GraphQL answer) until [`clear_json_faults`] is called.
    /// The request is not handled, but it is counted per path by [`emulator`](Self::emulator).
    ///
    /// [`clear_json_faults`]: Self::clear_json_faults
    pub fn fail_with_json(&self, path: &str, status: u16, body: Value) {
        self.shared
            .db()
            .json_faults
            .insert(path.to_owned(), (status, body));
    }

    /// Removes every [`fail_with_json`](Self::fail_with_json) answer.
    pub fn clear_json_faults(&self) {
        self.shared.db().json_faults.clear();
    }

    /// How many GraphQL requests named this operation (or, for anonymous documents, this
    /// root field) arrived.
    pub fn op_calls(&self, operation: &str) -> u64 {
        self.shared.db().calls.get(operation).copied().unwrap_or(0)
    }

    /// How many `checkLoginStatus` requests asked about a token this emulator issued (as
    /// opposed to garbage a client could not check locally): zero when every real token was
    /// verified locally.
    pub fn online_checks_of_issued_tokens(&self) -> u64 {
        self.shared.db().issued_checks
    }

    /// Every request received so far, in order (faulted ones included).
    pub fn received(&self) -> Vec<ReceivedRequest> {
        self.shared.db().received.clone()
    }

    /// The variables of the last request of an operation.
    pub fn last_variables(&self, operation: &str) -> Option<Value> {
        self.shared.db().last_vars.get(operation).cloned()
    }

    /// The plaintext password the emulator stores for a user (to check decryption).
    pub fn stored_password(&self, user_id: &str) -> Option<String> {
        self.shared
            .db()
            .users
            .iter()
            .find(|u| u.id == user_id)
            .and_then(|u| u.password.clone())
    }

    /// Authorizes a user for a resource: `code` (for example `books:1`) of `resource_type`
    /// (`DATA`, `API`, `MENU`, `UI`, `BUTTON`) in `namespace`, with `actions` (for example
    /// `books:read`, or `*`). A later grant of the same namespace and code replaces it.
    pub fn grant_resource(
        &self,
        user_id: &str,
        namespace: &str,
        code: &str,
        resource_type: &str,
        actions: &[&str],
    ) {
        if let Some(u) = self.shared.db().users.iter_mut().find(|u| u.id == user_id) {
            u.resources
                .retain(|(n, c, _, _)| !(n == namespace && c == code));
            u.resources.push((
                namespace.to_owned(),
                code.to_owned(),
                resource_type.to_owned(),
                actions.iter().map(|a| (*a).to_owned()).collect(),
            ));
        }
    }

    /// Sets a custom-data value directly.
    pub fn set_custom_data(&self, user_id: &str, key: &str, value: &Value) {
        if let Some(u) = self.shared.db().users.iter_mut().find(|u| u.id == user_id) {
            let wire = value.to_string();
            u.udv.insert(key.into(), (data_type_of(&wire).into(), wire));
        }
    }
}

async fn record_layer(
    State(s): State<Arc<Shared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_owned(), value)
        })
        .collect();
    s.db().received.push(ReceivedRequest {
        method: request.method().as_str().to_owned(),
        path: request.uri().path().to_owned(),
        headers,
    });
    next.run(request).await
}

async fn json_fault_layer(
    State(s): State<Arc<Shared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let canned = s.db().json_faults.get(request.uri().path()).cloned();
    match canned {
        Some((status, body)) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            Json(body),
        )
            .into_response(),
        None => next.run(request).await,
    }
}
