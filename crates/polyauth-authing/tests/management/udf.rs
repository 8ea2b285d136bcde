//! The udf module of the ManagementClient over the emulator: field definitions per target
//! type, the values of users and roles through it, its bad input and a scenario; the values
//! are the ones the users and roles modules read.

use crate::common::*;
use polyauth_authing::types::{UdfDataType, UdfTargetType};
use polyauth_core::ErrorKind;
use polyauth_testkit::authing::AuthingEmulator;
use serde_json::{Value, json};

#[tokio::test]
async fn set_list_and_remove_definitions() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let udf = m.udf();
    assert!(udf.list(UdfTargetType::User).await.unwrap().is_empty());
    let school = udf
        .set(UdfTargetType::User, "school", UdfDataType::String, "School")
        .await
        .unwrap();
    assert_eq!(school.key, "school");
    assert_eq!(school.target_type, UdfTargetType::User);
    assert_eq!(school.data_type, UdfDataType::String);
    assert_eq!(school.label.as_deref(), Some("School"));
    udf.set(UdfTargetType::Role, "level", UdfDataType::Number, "Level")
        .await
        .unwrap();
    // Setting a key again redefines it.
    udf.set(
        UdfTargetType::User,
        "school",
        UdfDataType::String,
        "University",
    )
    .await
    .unwrap();
    let users = udf.list(UdfTargetType::User).await.unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].label.as_deref(), Some("University"));
    let roles = udf.list(UdfTargetType::Role).await.unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].data_type, UdfDataType::Number);

    let removed = udf.remove(UdfTargetType::User, "school").await.unwrap();
    assert_eq!(removed.code, Some(200));
    assert!(udf.list(UdfTargetType::User).await.unwrap().is_empty());
    assert_eq!(udf.list(UdfTargetType::Role).await.unwrap().len(), 1);
}

#[tokio::test]
async fn bad_definitions_are_typed_errors() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let udf = m.udf();
    let unknown = udf.remove(UdfTargetType::User, "nope").await.unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    assert_eq!(unknown.provider_code(), Some("404"));
    // A key of another target type is not this type's.
    udf.set(UdfTargetType::Role, "level", UdfDataType::Number, "Level")
        .await
        .unwrap();
    let other = udf.remove(UdfTargetType::User, "level").await.unwrap_err();
    assert_eq!(other.kind(), ErrorKind::NotFound);
    // An empty key or label is refused before sending.
    let calls = emu.op_calls("setUdf");
    for (key, label) in [("", "Label"), ("key", "")] {
        let empty = udf
            .set(UdfTargetType::User, key, UdfDataType::String, label)
            .await
            .unwrap_err();
        assert_eq!(empty.kind(), ErrorKind::InvalidInput);
    }
    assert_eq!(emu.op_calls("setUdf"), calls);
}

#[tokio::test]
async fn values_of_users_and_roles() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let udf = m.udf();
    let ann = plain_user(&emu, "ann");
    let after = udf
        .set_udf_value_batch(
            UdfTargetType::User,
            &ann,
            [("school", json!("MIT")), ("age", json!(20))],
        )
        .await
        .unwrap();
    assert_eq!(after.len(), 2);
    let listed = udf.list_udf_value(UdfTargetType::User, &ann).await.unwrap();
    assert_eq!(listed, after);
    // The users module reads the same values.
    let map = m.users().get_udf_value(&ann).await.unwrap();
    assert_eq!(map.get("school"), Some(&json!("MIT")));
    assert_eq!(map.get("age"), Some(&json!(20)));

    let role = m.roles().create("ops", None, None, None).await.unwrap();
    let role_id = role.id.unwrap();
    udf.set_udf_value_batch(UdfTargetType::Role, &role_id, [("level", json!(3))])
        .await
        .unwrap();
    let role_values = m.roles().get_udf_value(&role_id).await.unwrap();
    assert_eq!(role_values.get("level"), Some(&json!(3)));
    let typed: Vec<Value> = udf
        .list_udf_value(UdfTargetType::Role, &role_id)
        .await
        .unwrap()
        .iter()
        .map(|i| i.typed_value())
        .collect();
    assert_eq!(typed, [json!(3)]);
}

#[tokio::test]
async fn bad_values_are_typed_errors() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let udf = m.udf();
    let missing = udf
        .list_udf_value(UdfTargetType::User, "no-such-user")
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    let missing_role = udf
        .set_udf_value_batch(UdfTargetType::Role, "no-such-role", [("a", json!(1))])
        .await
        .unwrap_err();
    assert_eq!(missing_role.kind(), ErrorKind::NotFound);
    let ann = plain_user(&emu, "ann");
    let empty: [(&str, Value); 0] = [];
    let calls = emu.op_calls("setUdvBatch");
    let none = udf
        .set_udf_value_batch(UdfTargetType::User, &ann, empty)
        .await
        .unwrap_err();
    assert_eq!(none.kind(), ErrorKind::InvalidInput);
    assert_eq!(emu.op_calls("setUdvBatch"), calls);
}

/// Define a field, give two users a value, remove the field: the values go with it.
#[tokio::test]
async fn scenario_a_field_from_definition_to_removal() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let udf = m.udf();
    let (ann, ben) = (plain_user(&emu, "ann"), plain_user(&emu, "ben"));
    udf.set(UdfTargetType::User, "team", UdfDataType::String, "Team")
        .await
        .unwrap();
    udf.set(UdfTargetType::User, "floor", UdfDataType::Number, "Floor")
        .await
        .unwrap();
    for (id, team) in [(&ann, "red"), (&ben, "blue")] {
        udf.set_udf_value_batch(
            UdfTargetType::User,
            id,
            [("team", json!(team)), ("floor", json!(2))],
        )
        .await
        .unwrap();
    }
    let batch = m
        .users()
        .get_udf_value_batch(&[ann.clone(), ben.clone()])
        .await
        .unwrap();
    assert_eq!(batch[&ben].get("team"), Some(&json!("blue")));

    udf.remove(UdfTargetType::User, "team").await.unwrap();
    let keys: Vec<String> = udf
        .list(UdfTargetType::User)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.key)
        .collect();
    assert_eq!(keys, ["floor"]);
    for id in [&ann, &ben] {
        let left = udf.list_udf_value(UdfTargetType::User, id).await.unwrap();
        let keys: Vec<&str> = left.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["floor"]);
    }
}
