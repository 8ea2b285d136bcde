//! The roles, groups and policies modules of the wire check (`wire_management.rs`): each
//! reference call recorded in `ops_authing_management.py`, made with the same inputs.

use polyauth_authing::CustomData;
use polyauth_authing::ManagementClient;
use polyauth_authing::types::{
    PolicyCondition, PolicyEffect, PolicyStatement, PolicyTargetType, ResourceType,
};
use polyauth_testkit::wire::WireCheck;
use serde_json::json;

use super::{OTHER_ID, USER_ID, strings};

pub async fn drive(check: &mut WireCheck, fresh: &impl Fn() -> ManagementClient) {
    let both = strings(&[USER_ID, OTHER_ID]);

    // Roles.
    const ROLE_ID: &str = "wire-role-1";
    const OTHER_ROLE_ID: &str = "wire-role-2";
    check
        .run("roles.list", || async {
            fresh().roles().list(2, 5, Some("billing")).await
        })
        .await;
    check
        .run("roles.list_defaults", || async {
            fresh().roles().list(1, 10, None).await
        })
        .await;
    check
        .run("roles.create", || async {
            fresh()
                .roles()
                .create("admin", Some("Administrators"), None, None)
                .await
        })
        .await;
    check
        .run("roles.create_with_parent", || async {
            fresh()
                .roles()
                .create("editor", Some("Edits"), Some("admin"), Some("cms"))
                .await
        })
        .await;
    check
        .run("roles.detail", || async {
            fresh().roles().detail("admin", Some("cms")).await
        })
        .await;
    check
        .run("roles.find_by_code", || async {
            fresh().roles().find_by_code("admin", None).await
        })
        .await;
    check
        .run("roles.update", || async {
            fresh()
                .roles()
                .update("admin", Some("Runs it all"), Some("root"), Some("cms"))
                .await
        })
        .await;
    check
        .run("roles.delete", || async {
            fresh().roles().delete("admin", None).await
        })
        .await;
    let role_codes = strings(&["admin", "editor"]);
    check
        .run("roles.delete_many", || async {
            fresh().roles().delete_many(&role_codes, Some("cms")).await
        })
        .await;
    check
        .run("roles.list_users", || async {
            fresh()
                .roles()
                .list_users("admin", 2, 20, Some("cms"), CustomData::Omit)
                .await
        })
        .await;
    check
        .run("roles.list_users_with_custom_data", || async {
            fresh()
                .roles()
                .list_users("admin", 1, 10, None, CustomData::Include)
                .await
        })
        .await;
    check
        .run("roles.add_users", || async {
            fresh().roles().add_users("admin", &both, Some("cms")).await
        })
        .await;
    let one_user = strings(&[USER_ID]);
    check
        .run("roles.remove_users", || async {
            fresh().roles().remove_users("admin", &one_user, None).await
        })
        .await;
    check
        .run("roles.list_policies", || async {
            fresh().roles().list_policies("admin", 1, 10).await
        })
        .await;
    let two_policies = strings(&["policy-1", "policy-2"]);
    check
        .run("roles.add_policies", || async {
            fresh().roles().add_policies("admin", &two_policies).await
        })
        .await;
    let one_policy = strings(&["policy-1"]);
    check
        .run("roles.remove_policies", || async {
            fresh().roles().remove_policies("admin", &one_policy).await
        })
        .await;
    check
        .run("roles.list_authorized_resources", || async {
            fresh()
                .roles()
                .list_authorized_resources("admin", "default", Some(ResourceType::Data))
                .await
        })
        .await;
    check
        .run("roles.get_udf_value", || async {
            fresh().roles().get_udf_value(ROLE_ID).await
        })
        .await;
    check
        .run("roles.get_specific_udf_value", || async {
            fresh()
                .roles()
                .get_specific_udf_value(ROLE_ID, "school")
                .await
        })
        .await;
    let role_ids = strings(&[ROLE_ID, OTHER_ROLE_ID]);
    check
        .run("roles.get_udf_value_batch", || async {
            fresh().roles().get_udf_value_batch(&role_ids).await
        })
        .await;
    // The reference's dict order, kept by a list of pairs.
    let role_data = [
        ("level", json!(3)),
        ("tags", json!(["a", "b"])),
        ("owner", json!("ops")),
    ];
    check
        .run("roles.set_udf_value", || async {
            fresh()
                .roles()
                .set_udf_value(ROLE_ID, role_data.clone())
                .await
        })
        .await;
    let roles_data = [
        (ROLE_ID, vec![("level", json!(3)), ("owner", json!("ops"))]),
        (OTHER_ROLE_ID, vec![("level", json!(1))]),
    ];
    check
        .run("roles.set_udf_value_batch", || async {
            fresh()
                .roles()
                .set_udf_value_batch(roles_data.clone())
                .await
        })
        .await;
    check
        .run("roles.remove_udf_value", || async {
            fresh().roles().remove_udf_value(ROLE_ID, "level").await
        })
        .await;

    // Groups.
    check
        .run("groups.list", || async {
            fresh().groups().list(3, 5).await
        })
        .await;
    check
        .run("groups.create", || async {
            fresh()
                .groups()
                .create("developers", "Developers", Some("Write code"))
                .await
        })
        .await;
    check
        .run("groups.create_without_description", || async {
            fresh().groups().create("qa", "QA", None).await
        })
        .await;
    check
        .run("groups.detail", || async {
            fresh().groups().detail("developers").await
        })
        .await;
    check
        .run("groups.update", || async {
            fresh()
                .groups()
                .update("developers", Some("engineers"), Some("Engineers"), None)
                .await
        })
        .await;
    check
        .run("groups.delete", || async {
            fresh().groups().delete("developers").await
        })
        .await;
    let group_codes = strings(&["developers", "qa"]);
    check
        .run("groups.delete_many", || async {
            fresh().groups().delete_many(&group_codes).await
        })
        .await;
    check
        .run("groups.list_users", || async {
            fresh()
                .groups()
                .list_users("developers", 2, 20, CustomData::Omit)
                .await
        })
        .await;
    check
        .run("groups.list_users_with_custom_data", || async {
            fresh()
                .groups()
                .list_users("developers", 1, 10, CustomData::Include)
                .await
        })
        .await;
    check
        .run("groups.add_users", || async {
            fresh().groups().add_users("developers", &both).await
        })
        .await;
    check
        .run("groups.remove_users", || async {
            fresh().groups().remove_users("developers", &one_user).await
        })
        .await;
    check
        .run("groups.list_authorized_resources", || async {
            fresh()
                .groups()
                .list_authorized_resources("developers", Some("default"), Some(ResourceType::Api))
                .await
        })
        .await;
    check
        .run("groups.list_authorized_resources_defaults", || async {
            fresh()
                .groups()
                .list_authorized_resources("developers", None, None)
                .await
        })
        .await;

    // Policies.
    let statements = [
        PolicyStatement::new("books:*", &["books:read"]).with_effect(PolicyEffect::Allow),
        PolicyStatement::new("books:secret", &["books:read", "books:write"])
            .with_effect(PolicyEffect::Deny)
            .with_condition(PolicyCondition::new("AppId", "StringEquals", "app-1")),
    ];
    check
        .run("policies.list", || async {
            fresh().policies().list(2, 5).await
        })
        .await;
    check
        .run("policies.create", || async {
            fresh()
                .policies()
                .create("readers", &statements, Some("Read books"))
                .await
        })
        .await;
    check
        .run("policies.detail", || async {
            fresh().policies().detail("readers").await
        })
        .await;
    check
        .run("policies.update", || async {
            fresh()
                .policies()
                .update("readers", &statements[..1], None)
                .await
        })
        .await;
    check
        .run("policies.delete", || async {
            fresh().policies().delete("readers").await
        })
        .await;
    let policy_codes = strings(&["readers", "writers"]);
    check
        .run("policies.delete_many", || async {
            fresh().policies().delete_many(&policy_codes).await
        })
        .await;
    check
        .run("policies.list_assignments", || async {
            fresh().policies().list_assignments("readers", 1, 10).await
        })
        .await;
    let editor = strings(&["editor"]);
    check
        .run("policies.add_assignments", || async {
            fresh()
                .policies()
                .add_assignments(&policy_codes, PolicyTargetType::Role, &editor)
                .await
        })
        .await;
    let readers = strings(&["readers"]);
    let one_user = strings(&[USER_ID]);
    check
        .run("policies.remove_assignments", || async {
            fresh()
                .policies()
                .remove_assignments(&readers, PolicyTargetType::User, &one_user)
                .await
        })
        .await;
    check
        .run("policies.enable_assignment", || async {
            fresh()
                .policies()
                .enable_assignment("readers", PolicyTargetType::Group, "staff", Some("default"))
                .await
        })
        .await;
    check
        .run("policies.disable_assignment", || async {
            fresh()
                .policies()
                .disable_assignment("readers", PolicyTargetType::Org, "node-1", None)
                .await
        })
        .await;
}
