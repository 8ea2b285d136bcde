//! The access-control calls of the wire check (`wire_management.rs`): each reference call
//! recorded in `ops_authing_management_acl.py` (the `acl` module and the access calls of
//! `applications`), made with the same inputs.

use polyauth_authing::ManagementClient;
use polyauth_authing::types::{
    AccessPolicyTargets, ActionsFilter, ActionsOperator, AllowSubject, AuthorizationTarget,
    DefaultAccessStrategy, NamespaceUpdate, NewResource, PolicyTargetType, ResourceAction,
    ResourceType, ResourceUpdate,
};
use polyauth_core::ClientSecret;
use polyauth_testkit::wire::WireCheck;

use super::{USER_ID, strings};

const APP_ID: &str = "wire-app-2";
const ACCOUNT_ID: &str = "wire-account-1";
const SECRET: &str = "abcdefhijkmnprstwxyz2345678abcde";

fn actions() -> Vec<ResourceAction> {
    vec![
        ResourceAction::new("books:read", "read a book"),
        ResourceAction::new("books:edit", "edit a book"),
    ]
}

fn books() -> NewResource {
    let mut books = NewResource::new("books", ResourceType::Data, actions());
    books.description = Some("catalogue".into());
    books
}

fn opts() -> Vec<AuthorizationTarget> {
    vec![
        AuthorizationTarget::new(PolicyTargetType::User, USER_ID, strings(&["books:read"])),
        AuthorizationTarget::new(
            PolicyTargetType::Role,
            "reader",
            strings(&["books:read", "books:edit"]),
        ),
    ]
}

fn targets(
    kind: PolicyTargetType,
    ids: &[&str],
    namespace: Option<&str>,
    inherit: Option<bool>,
) -> AccessPolicyTargets {
    let mut t = AccessPolicyTargets::new(kind, strings(ids));
    t.namespace = namespace.map(str::to_owned);
    t.inherit_by_children = inherit;
    t
}

pub async fn drive(check: &mut WireCheck, fresh: &impl Fn() -> ManagementClient) {
    drive_acl(check, fresh).await;
    drive_application_access(check, fresh).await;
    drive_applications(check, fresh).await;
}

async fn drive_acl(check: &mut WireCheck, fresh: &impl Fn() -> ManagementClient) {
    let ann = AllowSubject::User(USER_ID.into());
    check
        .run("acl.allow_user", || async {
            fresh()
                .acl()
                .allow("books:1", "books:read", "library", &ann)
                .await
        })
        .await;
    let editor = AllowSubject::Role("editor".into());
    check
        .run("acl.allow_role", || async {
            fresh()
                .acl()
                .allow("books:1", "books:read", "library", &editor)
                .await
        })
        .await;
    check
        .run("acl.is_allowed", || async {
            fresh()
                .acl()
                .is_allowed(USER_ID, "books:read", "books:1", "library")
                .await
        })
        .await;
    check
        .run("acl.create_namespace", || async {
            fresh()
                .acl()
                .create_namespace("library", "Library", Some("books"))
                .await
        })
        .await;
    check
        .run("acl.create_namespace_without_description", || async {
            fresh()
                .acl()
                .create_namespace("library", "Library", None)
                .await
        })
        .await;
    let mut update = NamespaceUpdate::new();
    update.name = Some("City library".into());
    update.code = Some("city-library".into());
    check
        .run("acl.update_namespace", || async {
            fresh().acl().update_namespace(7, &update).await
        })
        .await;
    check
        .run("acl.list_namespaces", || async {
            fresh().acl().list_namespaces(2, 5).await
        })
        .await;
    check
        .run("acl.delete_namespace", || async {
            fresh().acl().delete_namespace(7).await
        })
        .await;
    check
        .run("acl.create_resource", || async {
            fresh().acl().create_resource("library", &books()).await
        })
        .await;
    let mut loans = NewResource::new("loans", ResourceType::Api, actions()[..1].to_vec());
    loans.api_identifier = Some("https://library.example.com/api/loans".into());
    check
        .run("acl.create_resource_api", || async {
            fresh().acl().create_resource("library", &loans).await
        })
        .await;
    let mut full = ResourceUpdate::new();
    full.resource_type = Some(ResourceType::Menu);
    full.actions = actions()[1..].to_vec();
    full.description = Some("the catalogue".into());
    full.api_identifier = Some("https://library.example.com/books".into());
    check
        .run("acl.update_resource", || async {
            fresh()
                .acl()
                .update_resource("library", "books", &full)
                .await
        })
        .await;
    let mut described = ResourceUpdate::new();
    described.description = Some("the catalogue".into());
    check
        .run("acl.update_resource_description", || async {
            fresh()
                .acl()
                .update_resource("library", "books", &described)
                .await
        })
        .await;
    check
        .run("acl.list_resources", || async {
            fresh()
                .acl()
                .list_resources("library", Some(ResourceType::Api), 2, 5)
                .await
        })
        .await;
    check
        .run("acl.list_resources_all_types", || async {
            fresh().acl().list_resources("library", None, 1, 10).await
        })
        .await;
    check
        .run("acl.delete_resource", || async {
            fresh().acl().delete_resource("library", "books").await
        })
        .await;
    check
        .run("acl.list_authorized_resources", || async {
            fresh()
                .acl()
                .list_authorized_resources(
                    "library",
                    PolicyTargetType::Role,
                    "reader",
                    Some(ResourceType::Data),
                )
                .await
        })
        .await;
    check
        .run("acl.list_authorized_resources_all_types", || async {
            fresh()
                .acl()
                .list_authorized_resources("library", PolicyTargetType::User, USER_ID, None)
                .await
        })
        .await;
    let opts = opts();
    check
        .run("acl.revoke_resource", || async {
            fresh()
                .acl()
                .revoke_resource("library", "books", &opts)
                .await
        })
        .await;
    check
        .run("acl.authorize_resource", || async {
            fresh()
                .acl()
                .authorize_resource("library", "books", &opts)
                .await
        })
        .await;
    let either = ActionsFilter::new(ActionsOperator::Or, strings(&["books:read", "books:edit"]));
    check
        .run("acl.get_authorized_targets", || async {
            fresh()
                .acl()
                .get_authorized_targets(
                    "library",
                    ResourceType::Data,
                    "books",
                    Some(&either),
                    Some(PolicyTargetType::User),
                )
                .await
        })
        .await;
    check
        .run("acl.get_authorized_targets_any", || async {
            fresh()
                .acl()
                .get_authorized_targets("library", ResourceType::Data, "books", None, None)
                .await
        })
        .await;
    check
        .run("acl.get_resource_by_id", || async {
            fresh().acl().get_resource_by_id("wire-resource-1").await
        })
        .await;
    check
        .run("acl.get_resource_by_code", || async {
            fresh().acl().get_resource_by_code("library", "books").await
        })
        .await;
}

async fn drive_application_access(check: &mut WireCheck, fresh: &impl Fn() -> ManagementClient) {
    check
        .run("acl.programmatic_access_account_list", || async {
            fresh()
                .acl()
                .programmatic_access_account_list(APP_ID, 2, 5)
                .await
        })
        .await;
    check
        .run("acl.create_programmatic_access_account", || async {
            fresh()
                .acl()
                .create_programmatic_access_account(APP_ID, Some("ci"), 3600)
                .await
        })
        .await;
    check
        .run(
            "acl.create_programmatic_access_account_defaults",
            || async {
                fresh()
                    .acl()
                    .create_programmatic_access_account(
                        APP_ID,
                        None,
                        polyauth_authing::DEFAULT_PROGRAMMATIC_TOKEN_LIFETIME,
                    )
                    .await
            },
        )
        .await;
    check
        .run("acl.disable_programmatic_access_account", || async {
            fresh()
                .acl()
                .disable_programmatic_access_account(ACCOUNT_ID)
                .await
        })
        .await;
    check
        .run("acl.enable_programmatic_access_account", || async {
            fresh()
                .acl()
                .enable_programmatic_access_account(ACCOUNT_ID)
                .await
        })
        .await;
    check
        .run("acl.delete_programmatic_access_account", || async {
            fresh()
                .acl()
                .delete_programmatic_access_account(ACCOUNT_ID)
                .await
        })
        .await;
    let secret = ClientSecret::new(SECRET);
    check
        .run("acl.refresh_programmatic_access_account_secret", || async {
            fresh()
                .acl()
                .refresh_programmatic_access_account_secret(ACCOUNT_ID, Some(&secret))
                .await
        })
        .await;
    check
        .run(
            "acl.refresh_programmatic_access_account_secret_default",
            || async {
                fresh()
                    .acl()
                    .refresh_programmatic_access_account_secret(ACCOUNT_ID, None)
                    .await
            },
        )
        .await;
    let users = targets(
        PolicyTargetType::User,
        &["wire-user-1", "wire-user-2"],
        Some("default"),
        Some(false),
    );
    check
        .run("acl.enable_application_access_policies", || async {
            fresh()
                .acl()
                .enable_application_access_policies(APP_ID, &users)
                .await
        })
        .await;
    let admin = targets(
        PolicyTargetType::Role,
        &["admin"],
        Some("default"),
        Some(false),
    );
    check
        .run("acl.disable_application_access_policies", || async {
            fresh()
                .acl()
                .disable_application_access_policies(APP_ID, &admin)
                .await
        })
        .await;
    let staff = targets(PolicyTargetType::Group, &["staff"], None, None);
    check
        .run("acl.delete_application_access_policies", || async {
            fresh()
                .acl()
                .delete_application_access_policies(APP_ID, &staff)
                .await
        })
        .await;
    let node = targets(PolicyTargetType::Org, &["node-1"], None, Some(true));
    check
        .run("acl.allow_access_application", || async {
            fresh().acl().allow_access_application(APP_ID, &node).await
        })
        .await;
    let one = targets(
        PolicyTargetType::User,
        &["wire-user-1"],
        Some("default"),
        Some(false),
    );
    check
        .run("acl.deny_access_application", || async {
            fresh().acl().deny_access_application(APP_ID, &one).await
        })
        .await;
    check
        .run("acl.update_default_application_access_policy", || async {
            fresh()
                .acl()
                .update_default_application_access_policy(APP_ID, DefaultAccessStrategy::DenyAll)
                .await
        })
        .await;
}

async fn drive_applications(check: &mut WireCheck, fresh: &impl Fn() -> ManagementClient) {
    check
        .run("applications.list_resources", || async {
            fresh()
                .applications()
                .list_resources(APP_ID, 2, 5, Some(ResourceType::Data))
                .await
        })
        .await;
    check
        .run("applications.create_resource", || async {
            fresh()
                .applications()
                .create_resource(APP_ID, &books())
                .await
        })
        .await;
    let mut update = ResourceUpdate::new();
    update.resource_type = Some(ResourceType::Menu);
    update.description = Some("the catalogue".into());
    check
        .run("applications.update_resource", || async {
            fresh()
                .applications()
                .update_resource(APP_ID, "books", &update)
                .await
        })
        .await;
    check
        .run("applications.delete_resource", || async {
            fresh()
                .applications()
                .delete_resource(APP_ID, "books")
                .await
        })
        .await;
    check
        .run("applications.get_access_policies", || async {
            fresh()
                .applications()
                .get_access_policies(APP_ID, 2, 5)
                .await
        })
        .await;
    check
        .run("applications.active_users", || async {
            fresh().applications().active_users(APP_ID, 2, 5).await
        })
        .await;
}
