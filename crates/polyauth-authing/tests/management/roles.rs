//! The roles module of the ManagementClient over the emulator: every method, its bad input
//! (unknown codes and ids, duplicate codes, empty lists, pages past the end) and a scenario;
//! the emulator's state is shared with the users module.

use crate::common::*;
use futures::{StreamExt, TryStreamExt};
use polyauth_authing::CustomData;
use polyauth_authing::types::{PolicyStatement, ResourceType};
use polyauth_authing::{ManagementClient, STREAM_PAGE_SIZE};
use polyauth_core::ErrorKind;
use polyauth_testkit::authing::AuthingEmulator;
use serde_json::{Value, json};

async fn role_codes(m: &ManagementClient, user_id: &str, ns: Option<&str>) -> Vec<String> {
    let roles = m.users().list_roles(user_id, ns).await.unwrap();
    roles.list.into_iter().map(|r| r.code).collect()
}

#[tokio::test]
async fn create_detail_update_and_delete() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let roles = m.roles();

    let admin = roles
        .create("admin", Some("Administrators"), None, None)
        .await
        .unwrap();
    assert_eq!(admin.code, "admin");
    assert_eq!(admin.namespace.as_deref(), Some("default"));
    assert_eq!(admin.description.as_deref(), Some("Administrators"));
    assert!(admin.id.is_some() && admin.parent.is_none());
    let child = roles
        .create("auditor", None, Some("admin"), None)
        .await
        .unwrap();
    assert_eq!(child.parent.as_ref().unwrap().code, "admin");
    assert_eq!(
        emu.last_variables("createRole").unwrap()["parent"],
        "admin",
        "the parent goes as the declared `parent` variable"
    );
    // The same code in another namespace is another role.
    let billing = roles
        .create("admin", None, None, Some("billing"))
        .await
        .unwrap();
    assert_eq!(billing.namespace.as_deref(), Some("billing"));

    let dup = roles.create("admin", None, None, None).await.unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::InvalidInput);
    assert_eq!(dup.provider_code(), Some("400"));
    let orphan = roles
        .create("x", None, Some("nobody"), None)
        .await
        .unwrap_err();
    assert_eq!(orphan.kind(), ErrorKind::NotFound);

    let found = roles.detail("auditor", None).await.unwrap().unwrap();
    assert_eq!(found.id, child.id);
    assert_eq!(
        roles.find_by_code("auditor", None).await.unwrap(),
        Some(found)
    );
    assert_eq!(
        roles.detail("auditor", Some("billing")).await.unwrap(),
        None
    );
    assert_eq!(roles.detail("ghost", None).await.unwrap(), None);

    let renamed = roles
        .update("auditor", Some("Reads logs"), Some("reader"), None)
        .await
        .unwrap();
    assert_eq!(
        (renamed.code.as_str(), renamed.description.as_deref()),
        ("reader", Some("Reads logs"))
    );
    assert_eq!(renamed.id, child.id);
    assert_eq!(roles.detail("auditor", None).await.unwrap(), None);
    let kept = roles.update("reader", None, None, None).await.unwrap();
    assert_eq!(
        kept.description.as_deref(),
        Some("Reads logs"),
        "None keeps"
    );
    let missing = roles
        .update("ghost", Some("d"), None, None)
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert_eq!(missing.provider_code(), Some("404"));
    let taken = roles
        .update("reader", None, Some("admin"), None)
        .await
        .unwrap_err();
    assert_eq!(taken.kind(), ErrorKind::InvalidInput);

    let deleted = roles.delete("reader", None).await.unwrap();
    assert_eq!(deleted.code, Some(200));
    assert_eq!(
        roles.delete("reader", None).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    // Deleting the parent leaves the child without one.
    roles
        .create("child", None, Some("admin"), None)
        .await
        .unwrap();
    roles.delete("admin", None).await.unwrap();
    let orphaned = roles.detail("child", None).await.unwrap().unwrap();
    assert_eq!(orphaned.parent, None);
}

#[tokio::test]
async fn delete_many_is_all_or_nothing() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let roles = m.roles();
    for code in ["a", "b", "c"] {
        roles.create(code, None, None, Some("shop")).await.unwrap();
    }
    let unknown = roles
        .delete_many(&owned(&["a", "ghost"]), Some("shop"))
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    assert_eq!(
        roles.list(1, 10, Some("shop")).await.unwrap().total_count,
        3
    );
    // Codes of another namespace are not this one's.
    assert_eq!(
        roles
            .delete_many(&owned(&["a"]), None)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    roles
        .delete_many(&owned(&["a", "b"]), Some("shop"))
        .await
        .unwrap();
    let left = roles.list(1, 10, Some("shop")).await.unwrap();
    assert_eq!(
        left.list
            .iter()
            .map(|r| r.code.as_str())
            .collect::<Vec<_>>(),
        ["c"]
    );

    let calls = emu.op_calls("deleteRoles");
    let empty = roles.delete_many(&[], Some("shop")).await.unwrap_err();
    assert_eq!(empty.kind(), ErrorKind::InvalidInput);
    assert_eq!(emu.op_calls("deleteRoles"), calls, "nothing is sent");
}

#[tokio::test]
async fn list_pages_and_stream() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let roles = m.roles();
    let total = STREAM_PAGE_SIZE as usize * 2 + 5;
    for i in 0..total {
        roles
            .create(&format!("r{i:03}"), None, None, Some("big"))
            .await
            .unwrap();
    }
    roles.create("other", None, None, None).await.unwrap();

    let page = roles.list(2, 10, Some("big")).await.unwrap();
    assert_eq!(page.total_count, total as u64);
    assert_eq!(page.list[0].code, "r010");
    assert_eq!(
        emu.last_variables("roles").unwrap(),
        json!({"page": 2, "limit": 10, "namespace": "big"})
    );
    let everyone = roles.list(1, 1000, None).await.unwrap();
    assert_eq!(everyone.total_count, total as u64 + 1, "no namespace: all");
    let past = roles.list(100, 10, Some("big")).await.unwrap();
    assert!(past.list.is_empty(), "past the last page: an empty page");
    assert_eq!(past.total_count, total as u64);
    for (page, limit) in [(0, 10), (1, 0)] {
        let e = roles.list(page, limit, None).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }

    let before = emu.op_calls("roles");
    let all: Vec<_> = roles.list_stream(Some("big")).try_collect().await.unwrap();
    assert_eq!(all.len(), total);
    assert_eq!(all[total - 1].code, format!("r{:03}", total - 1));
    assert_eq!(emu.op_calls("roles") - before, 3, "one request a page");
    let empty: Vec<_> = roles.list_stream(Some("none")).try_collect().await.unwrap();
    assert!(empty.is_empty());

    // A failing page ends the stream with its error.
    emu.fail_with_json("/graphql/v2", 503, json!({"message": "down"}));
    let mut failing = Box::pin(roles.list_stream(None));
    let first = failing.next().await.unwrap().unwrap_err();
    assert_eq!(first.kind(), ErrorKind::Unavailable);
    assert!(failing.next().await.is_none());
    emu.clear_json_faults();
}

#[tokio::test]
async fn members_are_the_users_modules_roles() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let roles = m.roles();
    let (ann, ben) = (plain_user(&emu, "ann"), plain_user(&emu, "ben"));
    roles.create("editor", None, None, None).await.unwrap();
    roles
        .create("editor", None, None, Some("cms"))
        .await
        .unwrap();

    let added = roles
        .add_users("editor", &[ann.clone(), ben.clone()], None)
        .await
        .unwrap();
    assert_eq!(added.code, Some(200));
    assert_eq!(
        emu.last_variables("assignRole").unwrap(),
        json!({"userIds": [ann, ben], "roleCodes": ["editor"], "namespace": null})
    );
    roles
        .add_users("editor", std::slice::from_ref(&ann), Some("cms"))
        .await
        .unwrap();
    assert_eq!(role_codes(&m, &ann, None).await, ["editor", "editor"]);
    assert_eq!(
        role_codes(&m, &ben, Some("cms")).await,
        Vec::<String>::new()
    );
    assert!(
        m.users()
            .has_role(&ann, "editor", Some("cms"))
            .await
            .unwrap()
    );

    let members = roles
        .list_users("editor", 1, 10, None, CustomData::Omit)
        .await
        .unwrap();
    assert_eq!(members.total_count, 2);
    assert_eq!(members.list[0].username.as_deref(), Some("ann"));
    assert!(members.list[0].custom_data.is_none());
    emu.set_custom_data(&ann, "level", &json!(3));
    let with_data = roles
        .list_users("editor", 1, 1, None, CustomData::Include)
        .await
        .unwrap();
    assert_eq!(with_data.list.len(), 1);
    assert_eq!(with_data.list[0].custom_data.as_ref().unwrap()["level"], 3);
    assert_eq!(emu.op_calls("roleWithUsersWithCustomData"), 1);
    let cms = roles
        .list_users("editor", 1, 10, Some("cms"), CustomData::Omit)
        .await
        .unwrap();
    assert_eq!(cms.total_count, 1);
    let past = roles
        .list_users("editor", 5, 10, None, CustomData::Omit)
        .await
        .unwrap();
    assert!(past.list.is_empty());
    let ghost = roles
        .list_users("ghost", 1, 10, None, CustomData::Omit)
        .await
        .unwrap_err();
    assert_eq!(ghost.kind(), ErrorKind::NotFound);

    roles
        .remove_users("editor", std::slice::from_ref(&ben), None)
        .await
        .unwrap();
    assert!(role_codes(&m, &ben, None).await.is_empty());
    // The users module's assignments are the roles module's members.
    m.users()
        .add_roles(&ben, &owned(&["editor"]), None)
        .await
        .unwrap();
    assert_eq!(
        roles
            .list_users("editor", 1, 10, None, CustomData::Omit)
            .await
            .unwrap()
            .total_count,
        2
    );

    // Renaming keeps the members; deleting takes the role from them.
    roles
        .update("editor", None, Some("writer"), None)
        .await
        .unwrap();
    assert_eq!(role_codes(&m, &ben, None).await, ["writer"]);
    roles.delete("writer", None).await.unwrap();
    assert!(role_codes(&m, &ben, None).await.is_empty());
    assert_eq!(role_codes(&m, &ann, None).await, ["editor"], "cms's stays");

    // Bad input.
    let unknown_role = roles
        .add_users("ghost", std::slice::from_ref(&ann), None)
        .await
        .unwrap_err();
    assert_eq!(unknown_role.kind(), ErrorKind::NotFound);
    let unknown_user = roles
        .add_users("editor", &owned(&["nobody"]), Some("cms"))
        .await
        .unwrap_err();
    assert_eq!(unknown_user.kind(), ErrorKind::NotFound);
    assert_eq!(unknown_user.provider_code(), Some("2004"));
    for e in [
        roles.add_users("editor", &[], None).await.unwrap_err(),
        roles.remove_users("editor", &[], None).await.unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}

#[tokio::test]
async fn members_stream_walks_every_page() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let roles = m.roles();
    roles.create("crowd", None, None, None).await.unwrap();
    let ids: Vec<String> = (0..(STREAM_PAGE_SIZE + 1))
        .map(|i| plain_user(&emu, &format!("member{i}")))
        .collect();
    roles.add_users("crowd", &ids, None).await.unwrap();
    let members: Vec<_> = roles
        .list_users_stream("crowd", None, CustomData::Omit)
        .try_collect()
        .await
        .unwrap();
    let got: Vec<String> = members.into_iter().map(|u| u.id).collect();
    assert_eq!(got, ids);
    assert_eq!(emu.op_calls("roleWithUsers"), 2);
    let err = roles
        .list_users_stream("ghost", None, CustomData::Omit)
        .try_collect::<Vec<_>>()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn policies_and_authorized_resources() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let roles = m.roles();
    roles.create("ops", None, None, None).await.unwrap();
    for code in ["p1", "p2"] {
        let statement = PolicyStatement::new("books:*", &["books:read"]);
        m.policies().create(code, &[statement], None).await.unwrap();
    }

    roles
        .add_policies("ops", &owned(&["p1", "p2"]))
        .await
        .unwrap();
    roles.add_policies("ops", &owned(&["p2"])).await.unwrap();
    let page = roles.list_policies("ops", 1, 10).await.unwrap();
    assert_eq!(page.total_count, 2);
    assert_eq!(page.list[0].target_type.as_deref(), Some("ROLE"));
    assert_eq!(page.list[1].target_identifier.as_deref(), Some("ops"));
    let unknown_policy = roles.add_policies("ops", &owned(&["nope"])).await;
    assert_eq!(unknown_policy.unwrap_err().kind(), ErrorKind::NotFound);
    roles.remove_policies("ops", &owned(&["p1"])).await.unwrap();
    let left = roles.list_policies("ops", 1, 10).await.unwrap();
    assert_eq!(
        left.list
            .iter()
            .map(|p| p.code.as_str())
            .collect::<Vec<_>>(),
        ["p2"]
    );
    assert!(
        roles
            .list_policies("ops", 2, 10)
            .await
            .unwrap()
            .list
            .is_empty()
    );
    for e in [
        roles.list_policies("ghost", 1, 10).await.unwrap_err(),
        roles
            .add_policies("ghost", &owned(&["p1"]))
            .await
            .unwrap_err(),
        roles
            .remove_policies("ghost", &owned(&["p1"]))
            .await
            .unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }
    for e in [
        roles.add_policies("ops", &[]).await.unwrap_err(),
        roles.remove_policies("ops", &[]).await.unwrap_err(),
        roles.list_policies("ops", 0, 10).await.unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }

    emu.grant_role_resource("default", "ops", "books:1", "DATA", &["books:read"]);
    emu.grant_role_resource("default", "ops", "/api/orders", "API", &["orders:*"]);
    let all = roles
        .list_authorized_resources("ops", "default", None)
        .await
        .unwrap();
    assert_eq!(all.total_count, 2);
    let data = roles
        .list_authorized_resources("ops", "default", Some(ResourceType::Data))
        .await
        .unwrap();
    assert_eq!(data.list.len(), 1);
    assert_eq!(data.list[0].code, "books:1");
    assert_eq!(data.list[0].actions, ["books:read"]);
    assert_eq!(
        emu.last_variables("listRoleAuthorizedResources").unwrap(),
        json!({"code": "ops", "namespace": "default", "resourceType": "DATA"})
    );
    let ghost = roles
        .list_authorized_resources("ghost", "default", None)
        .await
        .unwrap_err();
    assert_eq!(ghost.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn custom_data_by_role_id() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let roles = m.roles();
    let a = roles
        .create("a", None, None, None)
        .await
        .unwrap()
        .id
        .unwrap();
    let b = roles
        .create("b", None, None, None)
        .await
        .unwrap()
        .id
        .unwrap();

    assert!(roles.get_udf_value(&a).await.unwrap().is_empty());
    roles
        .set_udf_value(&a, [("school", json!("MIT")), ("age", json!(20))])
        .await
        .unwrap();
    assert_eq!(
        emu.last_variables("setUdvBatch").unwrap()["udvList"],
        json!([{"key": "school", "value": "\"MIT\""}, {"key": "age", "value": "20"}])
    );
    let values = roles.get_udf_value(&a).await.unwrap();
    assert_eq!(
        (values["school"].clone(), values["age"].clone()),
        (json!("MIT"), json!(20))
    );
    assert_eq!(
        roles.get_specific_udf_value(&a, "age").await.unwrap(),
        Some(json!(20))
    );
    assert_eq!(
        roles.get_specific_udf_value(&a, "none").await.unwrap(),
        None
    );

    roles
        .set_udf_value_batch([(b.as_str(), vec![("flag", json!(true))])])
        .await
        .unwrap();
    let batch = roles
        .get_udf_value_batch(&[a.clone(), b.clone(), "ghost".into()])
        .await
        .unwrap();
    assert_eq!(batch.len(), 2, "unknown ids are absent");
    assert_eq!(batch[&b]["flag"], json!(true));
    assert_eq!(batch[&a]["school"], json!("MIT"));

    roles.remove_udf_value(&a, "school").await.unwrap();
    let values = roles.get_udf_value(&a).await.unwrap();
    assert_eq!(values.keys().collect::<Vec<_>>(), ["age"]);
    // A user with the role's id has nothing to do with it.
    assert_eq!(
        m.users().get_udf_value(&a).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );

    for e in [
        roles.get_udf_value("ghost").await.unwrap_err(),
        roles
            .set_udf_value("ghost", [("k", json!(1))])
            .await
            .unwrap_err(),
        roles.remove_udf_value("ghost", "k").await.unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }
    let nothing: [(&str, Value); 0] = [];
    let no_pairs: [(&str, Vec<(&str, Value)>); 1] = [(a.as_str(), Vec::new())];
    for e in [
        roles.get_udf_value_batch(&[]).await.unwrap_err(),
        roles.set_udf_value(&a, nothing).await.unwrap_err(),
        roles.set_udf_value_batch(no_pairs).await.unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}

/// A role tree for a shop: a manager role inheriting from a clerk role, a policy on it, two
/// users; then the manager role is retired and its holders lose it everywhere.
#[tokio::test]
async fn scenario_a_shops_roles() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let roles = m.roles();
    let ns = Some("shop");
    let alice = seed(&emu, "alice", "Alice-pass-1");
    let bob = plain_user(&emu, "bob");

    roles
        .create("clerk", Some("Sells"), None, ns)
        .await
        .unwrap();
    let manager = roles
        .create("manager", Some("Runs the shop"), Some("clerk"), ns)
        .await
        .unwrap();
    // The reference's add_policies names no namespace: only default-namespace roles.
    let refunds = PolicyStatement::new("refunds:*", &["refunds:create"]);
    m.policies()
        .create("refunds", &[refunds], None)
        .await
        .unwrap();
    let elsewhere = roles.add_policies("manager", &owned(&["refunds"])).await;
    assert_eq!(elsewhere.unwrap_err().kind(), ErrorKind::NotFound);
    roles
        .add_users("clerk", &[alice.clone(), bob.clone()], ns)
        .await
        .unwrap();
    roles
        .add_users("manager", std::slice::from_ref(&alice), ns)
        .await
        .unwrap();
    roles
        .set_udf_value(manager.id.as_deref().unwrap(), [("till", json!(2))])
        .await
        .unwrap();

    let listed: Vec<String> = roles
        .list_stream(ns)
        .map_ok(|r| r.code)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed, ["clerk", "manager"]);
    assert_eq!(role_codes(&m, &alice, ns).await, ["clerk", "manager"]);
    let found = m
        .users()
        .search(
            "",
            1,
            10,
            &polyauth_authing::SearchOptions {
                roles: vec![(Some("shop".into()), "manager".into())],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(found.list.len(), 1);
    assert_eq!(found.list[0].id, alice);

    roles.delete("manager", ns).await.unwrap();
    assert_eq!(role_codes(&m, &alice, ns).await, ["clerk"]);
    assert_eq!(
        roles
            .get_udf_value(manager.id.as_deref().unwrap())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    let clerks = roles
        .list_users("clerk", 1, 10, ns, CustomData::Omit)
        .await
        .unwrap();
    assert_eq!(clerks.total_count, 2);
    // The seeded user's default-namespace roles are untouched.
    assert_eq!(role_codes(&m, &alice, None).await.len(), 3);
}

/// The emulator refuses what Authing's schema refuses, before touching its state: missing
/// required variables, values of the wrong type, undeclared variables, unknown or missing
/// arguments, variables of the wrong type for their argument (nested fields included).
#[tokio::test]
async fn the_emulator_refuses_what_the_schema_refuses() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let token = m.management_token().await.unwrap();
    let http = reqwest::Client::new();
    let post = |query: &str, variables: Value| {
        let request = http
            .post(format!("{}/graphql/v2", emu.base_url()))
            .bearer_auth(token.expose_secret())
            .json(&json!({"query": query, "variables": variables}));
        async move {
            let response = request.send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        }
    };
    let create = "mutation createRole($namespace: String, $code: String!, $description: String, $parent: String) { createRole(namespace: $namespace, code: $code, description: $description, parent: $parent) { code } }";
    for (query, variables, message) in [
        (
            create,
            json!({}),
            "Variable \"$code\" of required type \"String!\" was not provided.",
        ),
        (
            create,
            json!({"code": 7}),
            "Variable \"$code\" got invalid value 7; expected type \"String!\".",
        ),
        (
            "query roles($page: String) { roles(page: $page) { totalCount } }",
            json!({"page": "2"}),
            "Variable \"$page\" of type \"String\" used in position expecting type \"Int\".",
        ),
        (
            "query roles($page: Int) { roles(page: $page) { totalCount } }",
            json!({"page": "two"}),
            "Variable \"$page\" got invalid value \"two\"; expected type \"Int\".",
        ),
        (
            "query roles { roles(page: $page) { totalCount } }",
            json!({"page": 1}),
            "Variable \"$page\" is not defined by operation \"roles\".",
        ),
        (
            "query roles { roles(owner: \"x\") { totalCount } }",
            json!({}),
            "Unknown argument \"owner\" on field \"roles\".",
        ),
        (
            "query roles($s: SortByEnum) { roles(sortBy: $s) { totalCount } }",
            json!({"s": "NEWEST"}),
            "Variable \"$s\" got invalid value \"NEWEST\"; expected type \"SortByEnum\".",
        ),
        (
            "mutation createRole { createRole(description: \"d\") { code } }",
            json!({}),
            "Field \"createRole\" argument \"code\" of type \"String!\" is required, but it was not provided.",
        ),
        (
            "query roleWithUsers($code: String) { role(code: $code) { code } }",
            json!({"code": "admin"}),
            "Variable \"$code\" of type \"String\" used in position expecting type \"String!\".",
        ),
        (
            "query roleWithUsers($code: String!) { role(code: $code) { users(size: 5) { totalCount } } }",
            json!({"code": "admin"}),
            "Unknown argument \"size\" on field \"users\".",
        ),
        (
            "mutation deleteRoles($codeList: [String]!) { deleteRoles(codeList: $codeList) { code } }",
            json!({"codeList": ["a"]}),
            "Variable \"$codeList\" of type \"[String]!\" used in position expecting type \"[String!]!\".",
        ),
    ] {
        let (status, body) = post(query, variables).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["errors"][0]["message"], message, "{query}");
    }
    assert!(
        m.roles().list(1, 10, None).await.unwrap().list.is_empty(),
        "nothing created"
    );

    // Variables the document does not declare are ignored, as GraphQL servers do: the
    // reference's `parentCode` sets no parent.
    m.roles().create("boss", None, None, None).await.unwrap();
    let (status, body) = post(
        create,
        json!({"code": "worker", "description": null, "parentCode": "boss", "namespace": null}),
    )
    .await;
    assert_eq!(
        (status, &body["data"]["createRole"]["code"]),
        (200, &json!("worker"))
    );
    let worker = m.roles().detail("worker", None).await.unwrap().unwrap();
    assert_eq!(worker.parent, None);
}
