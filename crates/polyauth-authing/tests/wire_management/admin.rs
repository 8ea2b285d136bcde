//! The pool-administration modules of the wire check (`wire_management.rs`): each reference
//! call recorded in `ops_authing_management_admin.py`, made with the same inputs.

use polyauth_authing::ManagementClient;
use polyauth_authing::types::{
    AuditLogFilter, FrequencyCheck, PrincipalType, UdfDataType, UdfTargetType, UserpoolUpdate,
    WhitelistType,
};
use polyauth_testkit::wire::WireCheck;
use serde_json::json;

use super::{USER_ID, strings};

pub async fn drive(check: &mut WireCheck, fresh: &impl Fn() -> ManagementClient) {
    // Custom-data fields.
    const ROLE_ID: &str = "wire-role-1";
    check
        .run("udf.list", || async {
            fresh().udf().list(UdfTargetType::User).await
        })
        .await;
    check
        .run("udf.set", || async {
            fresh()
                .udf()
                .set(UdfTargetType::User, "school", UdfDataType::String, "School")
                .await
        })
        .await;
    check
        .run("udf.remove", || async {
            fresh().udf().remove(UdfTargetType::Role, "level").await
        })
        .await;
    check
        .run("udf.list_udf_value", || async {
            fresh()
                .udf()
                .list_udf_value(UdfTargetType::Role, ROLE_ID)
                .await
        })
        .await;
    check
        .run("udf.set_udf_value_batch", || async {
            fresh()
                .udf()
                .set_udf_value_batch(
                    UdfTargetType::User,
                    USER_ID,
                    [("school", json!("MIT")), ("age", json!(20))],
                )
                .await
        })
        .await;

    // The pool's settings and environment variables.
    check
        .run("user_pool.detail", || async {
            fresh().user_pool().detail().await
        })
        .await;
    let updates = UserpoolUpdate {
        name: Some("Staff".into()),
        register_disabled: Some(true),
        login_fail_check: Some(FrequencyCheck {
            enabled: Some(true),
            limit: Some(5),
            ..FrequencyCheck::default()
        }),
        ..UserpoolUpdate::default()
    };
    check
        .run("user_pool.update", || async {
            fresh().user_pool().update(&updates).await
        })
        .await;
    check
        .run("user_pool.list_env", || async {
            fresh().user_pool().list_env().await
        })
        .await;
    check
        .run("user_pool.add_env", || async {
            fresh()
                .user_pool()
                .add_env("region", &json!("cn-north"))
                .await
        })
        .await;
    check
        .run("user_pool.remove_env", || async {
            fresh().user_pool().remove_env("region").await
        })
        .await;

    // Registration whitelists.
    check
        .run("white_list.list", || async {
            fresh().white_list().list(WhitelistType::Email).await
        })
        .await;
    let names = strings(&["ann", "ben"]);
    check
        .run("white_list.add", || async {
            fresh()
                .white_list()
                .add(WhitelistType::Username, &names)
                .await
        })
        .await;
    let phones = strings(&["13800000000"]);
    check
        .run("white_list.remove", || async {
            fresh()
                .white_list()
                .remove(WhitelistType::Phone, &phones)
                .await
        })
        .await;
    check
        .run("white_list.enable_white_list", || async {
            fresh().white_list().enable(WhitelistType::Email).await
        })
        .await;
    check
        .run("white_list.disable_white_list", || async {
            fresh().white_list().disable(WhitelistType::Username).await
        })
        .await;

    // The audit log.
    let by_ip = AuditLogFilter {
        client_ip: Some("10.0.0.1".into()),
        ..AuditLogFilter::default()
    };
    check
        .run("audit_log.list_audit_logs", || async {
            fresh().audit_log().list_audit_logs(&by_ip, 1, 10).await
        })
        .await;
    let filtered = AuditLogFilter {
        client_ip: Some("10.0.0.1".into()),
        operation_names: strings(&["login", "logout"]),
        user_ids: strings(&[USER_ID]),
        app_ids: strings(&["wire-app"]),
    };
    check
        .run("audit_log.list_audit_logs_filtered", || async {
            fresh().audit_log().list_audit_logs(&filtered, 2, 20).await
        })
        .await;

    // Principal authentication.
    check
        .run("principal_authentication.detail", || async {
            fresh().principal_authentication().detail(USER_ID).await
        })
        .await;
    check
        .run("principal_authentication.authenticate", || async {
            fresh()
                .principal_authentication()
                .authenticate(
                    USER_ID,
                    PrincipalType::Person,
                    "Ann Lee",
                    "110101199001011234",
                    "6222000011112222",
                )
                .await
        })
        .await;

    // Applications.
    check
        .run("applications.list", || async {
            fresh().applications().list(2, 5).await
        })
        .await;
    let uris = strings(&["https://shop.example.com/callback"]);
    check
        .run("applications.create", || async {
            fresh()
                .applications()
                .create(
                    "Shop",
                    "shop",
                    &uris,
                    Some("https://shop.example.com/logo.png"),
                )
                .await
        })
        .await;
    check
        .run("applications.create_without_logo", || async {
            fresh()
                .applications()
                .create("Shop", "shop", &[], None)
                .await
        })
        .await;
    check
        .run("applications.delete", || async {
            fresh().applications().delete("wire-app-2").await
        })
        .await;
    check
        .run("applications.find_by_id", || async {
            fresh().applications().find_by_id("wire-app-2").await
        })
        .await;
    check
        .run("applications.refresh_application_secret", || async {
            fresh()
                .applications()
                .refresh_application_secret("wire-app-2")
                .await
        })
        .await;
    check
        .run("applications.create_agreement", || async {
            fresh()
                .applications()
                .create_agreement("wire-app-2", "Terms", false, "en-US")
                .await
        })
        .await;
    check
        .run("applications.create_agreement_defaults", || async {
            fresh()
                .applications()
                .create_agreement("wire-app-2", "Terms", true, "zh-CN")
                .await
        })
        .await;
    check
        .run("applications.list_agreement", || async {
            fresh().applications().list_agreement("wire-app-2").await
        })
        .await;
    check
        .run("applications.modify_agreement", || async {
            fresh()
                .applications()
                .modify_agreement("wire-app-2", 7, "New terms", false, "en-US")
                .await
        })
        .await;
    check
        .run("applications.delete_agreement", || async {
            fresh()
                .applications()
                .delete_agreement("wire-app-2", 7)
                .await
        })
        .await;
    check
        .run("applications.sort_agreement", || async {
            fresh()
                .applications()
                .sort_agreement("wire-app-2", &[9, 7, 8])
                .await
        })
        .await;
}
