//! The pool-administration modules of the wire check (`wire_management.rs`): each reference
//! call recorded in `ops_authing_management_admin.py`, made with the same inputs.

use polyauth_authing::ManagementClient;
use polyauth_authing::types::{UdfDataType, UdfTargetType};
use polyauth_testkit::wire::WireCheck;
use serde_json::json;

use super::USER_ID;

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
}
