//! Wire fidelity of the management client: every operation sends what authing 4.5.18's
//! `ManagementClient` sends for the same call, checked against the fixtures recorded from it
//! (`tests/wire-fixtures/authing-management`, re-recorded with
//! `scripts/record-reference-wire.sh ops_authing_management ops_authing_management_modules
//! ops_authing_management_admin ops_authing_management_acl`); deliberate differences are
//! declared in that folder's `deviations.toml`. The roles, groups and policies modules are
//! driven from `wire_management/modules.rs`, the pool-administration modules (udf, ...) from
//! `wire_management/admin.rs`, the access-control module (acl) from `wire_management/acl.rs`.
//!
//! The orgs module (`ops_authing_management_orgs`) is driven from `wire_management/orgs.rs`.
//!
//! Each operation runs on a new client, as in the recording: the management token query comes
//! first, then the operation's own request.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "wire_management/acl.rs"]
mod acl;
#[path = "wire_management/admin.rs"]
mod admin;
#[path = "wire_management/modules.rs"]
mod modules;
#[path = "wire_management/orgs.rs"]
mod orgs;

use polyauth_authing::types::ResourceType;
use polyauth_authing::{CustomData, PasswordStorage};
use polyauth_authing::{
    EmailScene, ManagementClient, ManagementClientOptions, QueryField, SearchOptions, UserLookup,
};
use polyauth_core::{AccessToken, ClientSecret, Password};
use polyauth_testkit::authing::ENC_PUBLIC_PEM;
use polyauth_testkit::wire::WireCheck;
use serde_json::{Map, Value, json};

const POOL_ID: &str = "wire-pool";
const POOL_SECRET: &str = "wire-pool-secret";
const USER_TOKEN: &str = "wire-user-token";
const USER_ID: &str = "wire-user-1";
const OTHER_ID: &str = "wire-user-2";
const APP_ID: &str = "wire-app";

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn requests_match_the_reference_sdk() {
    let mut check = WireCheck::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/wire-fixtures/authing-management"
    ))
    .await;
    let mut options = ManagementClientOptions::new(POOL_ID, ClientSecret::new(POOL_SECRET));
    options.host = check.base_url();
    options.enc_public_key = Some(ENC_PUBLIC_PEM.to_owned());
    // A new client per operation: each starts with the management token query.
    let fresh = || ManagementClient::new(options.clone()).unwrap();
    let with_lang = || {
        let mut options = options.clone();
        options.lang = Some("en-US".into());
        ManagementClient::new(options).unwrap()
    };
    let user_token = AccessToken::new(USER_TOKEN);
    let both = strings(&[USER_ID, OTHER_ID]);

    // The client itself.
    check
        .run("management_token", || async {
            fresh().management_token().await
        })
        .await;
    check
        .run("management_token_reused", || async {
            let m = fresh();
            let _ = m.users().list(1, 10, CustomData::Omit).await;
            m.users().delete(USER_ID).await
        })
        .await;
    check
        .run("check_login_status", || async {
            fresh().check_login_status(&user_token).await
        })
        .await;
    check
        .run("send_email", || async {
            fresh()
                .send_email("alice@example.com", EmailScene::ResetPassword)
                .await
        })
        .await;
    check
        .run("is_password_valid", || async {
            fresh()
                .is_password_valid(&Password::new("Wire-pass-1"))
                .await
        })
        .await;

    // Users.
    let alice = object(
        json!({"username": "alice", "email": "alice@example.com", "password": "Wire-pass-1"}),
    );
    check
        .run("users.create", || async {
            fresh()
                .users()
                .create(&alice, PasswordStorage::Hash, None)
                .await
        })
        .await;
    let alice_short = object(json!({"username": "alice", "password": "Wire-pass-1"}));
    let custom = object(json!({"age": 20, "school": "MIT"}));
    check
        .run("users.create_with_custom_data", || async {
            fresh()
                .users()
                .create(&alice_short, PasswordStorage::AsGiven, Some(&custom))
                .await
        })
        .await;
    let bob = object(json!({"username": "bob", "password": ""}));
    let nothing = Map::new();
    check
        .run("users.create_with_empty_custom_data", || async {
            fresh()
                .users()
                .create(&bob, PasswordStorage::Hash, Some(&nothing))
                .await
        })
        .await;
    let updates = object(json!({"nickname": "Alice B", "password": "Wire-pass-2"}));
    check
        .run("users.update", || async {
            fresh().users().update(USER_ID, &updates).await
        })
        .await;
    check
        .run("users.detail", || async {
            fresh().users().detail(USER_ID, CustomData::Include).await
        })
        .await;
    check
        .run("users.detail_without_custom_data", || async {
            fresh().users().detail(USER_ID, CustomData::Omit).await
        })
        .await;
    check
        .run("users.detail_lang", || async {
            with_lang().users().detail(USER_ID, CustomData::Omit).await
        })
        .await;
    check
        .run("users.delete", || async {
            fresh().users().delete(USER_ID).await
        })
        .await;
    check
        .run("users.delete_many", || async {
            fresh().users().delete_many(&both).await
        })
        .await;
    let names = strings(&["alice", "bob"]);
    check
        .run("users.batch_get", || async {
            fresh()
                .users()
                .batch_get(&names, QueryField::Username, CustomData::Omit)
                .await
        })
        .await;
    let one = strings(&[USER_ID]);
    check
        .run("users.batch_get_with_custom_data", || async {
            fresh()
                .users()
                .batch_get(&one, QueryField::Id, CustomData::Include)
                .await
        })
        .await;
    check
        .run("users.list", || async {
            fresh().users().list(2, 5, CustomData::Omit).await
        })
        .await;
    check
        .run("users.list_lang", || async {
            with_lang().users().list(1, 10, CustomData::Omit).await
        })
        .await;
    check
        .run("users.list_with_custom_data", || async {
            fresh().users().list(1, 10, CustomData::Include).await
        })
        .await;
    check
        .run("users.list_archived_users", || async {
            fresh().users().list_archived_users(1, 20).await
        })
        .await;
    check
        .run("users.exists", || async {
            fresh().users().exists(&UserLookup::username("alice")).await
        })
        .await;
    let by_email = UserLookup {
        email: Some("alice@example.com".into()),
        ..UserLookup::default()
    };
    check
        .run("users.find", || async {
            fresh().users().find(&by_email, CustomData::Omit).await
        })
        .await;
    check
        .run("users.find_with_custom_data", || async {
            fresh()
                .users()
                .find(&UserLookup::username("alice"), CustomData::Include)
                .await
        })
        .await;
    check
        .run("users.search", || async {
            fresh()
                .users()
                .search("ali", 1, 10, &SearchOptions::default())
                .await
        })
        .await;
    let filters = SearchOptions {
        departments: vec![("dep-1".into(), true)],
        groups: strings(&["staff"]),
        roles: vec![
            (None, "admin".into()),
            (Some("billing".into()), "viewer".into()),
        ],
        custom_data: CustomData::Include,
    };
    check
        .run("users.search_with_options", || async {
            fresh().users().search("ali", 2, 20, &filters).await
        })
        .await;
    check
        .run("users.refresh_token", || async {
            fresh().users().refresh_token(USER_ID).await
        })
        .await;
    check
        .run("users.send_first_login_verify_email", || async {
            fresh()
                .users()
                .send_first_login_verify_email(USER_ID, APP_ID)
                .await
        })
        .await;
    check
        .run("users.kick", || async { fresh().users().kick(&both).await })
        .await;
    check
        .run("users.logout", || async {
            fresh().users().logout(USER_ID, Some(APP_ID)).await
        })
        .await;
    check
        .run("users.logout_everywhere", || async {
            fresh().users().logout(USER_ID, None).await
        })
        .await;
    check
        .run("users.check_login_status", || async {
            fresh()
                .users()
                .check_login_status(USER_ID, Some(APP_ID), Some("wire-device"))
                .await
        })
        .await;
    check
        .run("users.check_login_status_of_user", || async {
            fresh()
                .users()
                .check_login_status(USER_ID, None, None)
                .await
        })
        .await;
    check
        .run("users.list_user_actions", || async {
            fresh()
                .users()
                .list_user_actions(1, 10, Some("10.0.0.1"), None, None)
                .await
        })
        .await;

    // Custom data.
    check
        .run("users.get_udf_value", || async {
            fresh().users().get_udf_value(USER_ID).await
        })
        .await;
    check
        .run("users.get_udf_value_batch", || async {
            fresh().users().get_udf_value_batch(&both).await
        })
        .await;
    // In the caller's order (not sorted), as the reference sends its dict's order.
    let udf = vec![
        ("school", json!("MIT")),
        ("age", json!(20)),
        ("tags", json!({"a": [1, true, null]})),
    ];
    check
        .run("users.set_udf_value", || async {
            fresh().users().set_udf_value(USER_ID, udf.clone()).await
        })
        .await;
    let batch = vec![
        (USER_ID, vec![("school", json!("MIT")), ("age", json!(20))]),
        (OTHER_ID, vec![("school", json!("ETH"))]),
    ];
    check
        .run("users.set_udf_value_batch", || async {
            fresh().users().set_udf_value_batch(batch.clone()).await
        })
        .await;
    check
        .run("users.remove_udf_value", || async {
            fresh().users().remove_udf_value(USER_ID, "school").await
        })
        .await;
    check
        .run("users.list_udv", || async {
            fresh().users().list_udv(USER_ID).await
        })
        .await;
    let tags = json!({"a": [1, true, null]});
    check
        .run("users.set_udv", || async {
            fresh().users().set_udv(USER_ID, "tags", &tags).await
        })
        .await;
    check
        .run("users.remove_udv", || async {
            fresh().users().remove_udv(USER_ID, "school").await
        })
        .await;

    // Relations.
    check
        .run("users.list_groups", || async {
            fresh().users().list_groups(USER_ID).await
        })
        .await;
    check
        .run("users.add_group", || async {
            fresh().users().add_group(USER_ID, "staff").await
        })
        .await;
    check
        .run("users.remove_group", || async {
            fresh().users().remove_group(USER_ID, "staff").await
        })
        .await;
    check
        .run("users.list_roles_default_namespace", || async {
            fresh().users().list_roles(USER_ID, None).await
        })
        .await;
    check
        .run("users.list_roles", || async {
            fresh().users().list_roles(USER_ID, Some("billing")).await
        })
        .await;
    let roles = strings(&["admin", "viewer"]);
    check
        .run("users.add_roles", || async {
            fresh().users().add_roles(USER_ID, &roles, None).await
        })
        .await;
    let viewer = strings(&["viewer"]);
    check
        .run("users.remove_roles", || async {
            fresh()
                .users()
                .remove_roles(USER_ID, &viewer, Some("billing"))
                .await
        })
        .await;
    check
        .run("users.has_role", || async {
            fresh().users().has_role(USER_ID, "admin", None).await
        })
        .await;
    check
        .run("users.has_role_in_namespace", || async {
            fresh()
                .users()
                .has_role(USER_ID, "viewer", Some("billing"))
                .await
        })
        .await;
    check
        .run("users.list_authorized_resources", || async {
            fresh()
                .users()
                .list_authorized_resources(USER_ID, "default", Some(ResourceType::Data))
                .await
        })
        .await;
    check
        .run("users.list_policies", || async {
            fresh().users().list_policies(USER_ID, 1, 10).await
        })
        .await;
    let policies = strings(&["policy-1", "policy-2"]);
    check
        .run("users.add_policies", || async {
            fresh().users().add_policies(USER_ID, &policies).await
        })
        .await;
    let policy = strings(&["policy-1"]);
    check
        .run("users.remove_policies", || async {
            fresh().users().remove_policies(USER_ID, &policy).await
        })
        .await;
    check
        .run("users.list_org", || async {
            fresh().users().list_org(USER_ID).await
        })
        .await;
    check
        .run("users.list_department", || async {
            fresh().users().list_department(USER_ID).await
        })
        .await;

    let resources = strings(&["books:1:read", "books:2:write"]);
    check
        .run("users.check_resource_permission_batch", || async {
            fresh()
                .users()
                .check_resource_permission_batch(USER_ID, "default", &resources)
                .await
        })
        .await;
    check
        .run(
            "users.list_authorized_resources_of_resource_kind",
            || async {
                fresh()
                    .users()
                    .list_authorized_resources_of_resource_kind(USER_ID, "default", "books")
                    .await
            },
        )
        .await;

    // The roles, groups and policies modules.
    modules::drive(&mut check, &fresh).await;
    // The pool-administration modules.
    admin::drive(&mut check, &fresh).await;
    // The access-control module and the applications module's access calls.
    acl::drive(&mut check, &fresh).await;
    // The organizations module.
    orgs::drive(&mut check, &fresh).await;
    check.finish();
}
