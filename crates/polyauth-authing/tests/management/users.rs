//! Every ManagementClient users-module method over loopback, and the management token cache.

use std::collections::BTreeMap;

use crate::common::*;
use polyauth_authing::types::{PolicyStatement, ResourceType};
use polyauth_authing::{CustomData, PasswordStorage};
use polyauth_authing::{EmailScene, ManagementClient, QueryField, SearchOptions, UserLookup};
use polyauth_core::{AccessToken, ErrorKind, Password};
use polyauth_testkit::authing::{AuthingEmulator, EmulatorOptions};
use serde_json::{Map, Value, json};

fn info(username: &str, password: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("username".into(), json!(username));
    m.insert("email".into(), json!(format!("{username}@example.com")));
    m.insert("password".into(), json!(password));
    m
}

#[tokio::test]
async fn crud_batch_list_search() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let users = m.users();
    let original = info("dave", "Dave-pass-1");
    let mut cd = Map::new();
    cd.insert("level".into(), json!(3));
    let dave = users
        .create(&original, PasswordStorage::Hash, Some(&cd))
        .await
        .unwrap();
    assert_eq!(
        original["password"], "Dave-pass-1",
        "the caller's map is not mutated"
    );
    assert_eq!(
        emu.stored_password(&dave.id).as_deref(),
        Some("Dave-pass-1")
    );
    assert_eq!(dave.custom_data.as_ref().unwrap()["level"], json!(3));
    let vars = emu
        .last_variables("createUserWithCustomData")
        .unwrap()
        .to_string();
    assert!(
        !vars.contains("Dave-pass-1"),
        "password encrypted on the wire"
    );
    let erin = users
        .create(&info("erin", "Erin-pass-1"), PasswordStorage::AsGiven, None)
        .await
        .unwrap();
    let dup = users
        .create(&info("erin", "x"), PasswordStorage::Hash, None)
        .await
        .unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::InvalidInput);

    let mut upd = Map::new();
    upd.insert("nickname".into(), json!("D"));
    upd.insert("password".into(), json!("Dave-pass-2"));
    assert_eq!(
        users
            .update(&dave.id, &upd)
            .await
            .unwrap()
            .nickname
            .as_deref(),
        Some("D")
    );
    assert_eq!(
        emu.stored_password(&dave.id).as_deref(),
        Some("Dave-pass-2")
    );
    assert_eq!(
        users.update("nobody", &upd).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );

    let d = users
        .detail(&dave.id, CustomData::Include)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.custom_data.unwrap()["level"], json!(3));
    assert!(
        users
            .detail(&dave.id, CustomData::Omit)
            .await
            .unwrap()
            .unwrap()
            .custom_data
            .is_none()
    );
    assert!(
        users
            .detail("missing", CustomData::Omit)
            .await
            .unwrap()
            .is_none()
    );

    let ids = vec![dave.id.clone(), erin.id.clone(), "ghost".to_owned()];
    let got = users
        .batch_get(&ids, QueryField::Id, CustomData::Omit)
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
    let by_name = users
        .batch_get(
            &["erin".to_owned()],
            QueryField::Username,
            CustomData::Include,
        )
        .await
        .unwrap();
    assert_eq!(by_name[0].id, erin.id);
    let too_many: Vec<String> = (0..81).map(|i| i.to_string()).collect();
    let e = users
        .batch_get(&too_many, QueryField::Id, CustomData::Omit)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.message().contains("80"));

    let page = users.list(1, 1, CustomData::Omit).await.unwrap();
    assert_eq!((page.total_count, page.list.len()), (2, 1));
    assert_eq!(
        users.list(2, 1, CustomData::Include).await.unwrap().list[0].id,
        erin.id
    );
    assert_eq!(
        users.list_archived_users(1, 10).await.unwrap().total_count,
        0
    );
    assert!(users.exists(&UserLookup::username("dave")).await.unwrap());
    assert!(!users.exists(&UserLookup::username("zed")).await.unwrap());
    assert!(users.exists(&UserLookup::default()).await.is_err());
    assert_eq!(
        users
            .find(&UserLookup::username("erin"), CustomData::Omit)
            .await
            .unwrap()
            .unwrap()
            .id,
        erin.id
    );
    assert!(
        users
            .find(&UserLookup::username("zed"), CustomData::Include)
            .await
            .unwrap()
            .is_none()
    );

    // Groups, roles and departments must exist before users join them.
    let org = m.orgs().create("Root", Some("root"), None).await.unwrap();
    let root = org.root_node.unwrap().id;
    let sub = m
        .orgs()
        .create_node(&org.id, None, "Sub", None)
        .await
        .unwrap();
    m.orgs()
        .add_members(&sub.id, std::slice::from_ref(&dave.id))
        .await
        .unwrap();
    m.groups().create("ops", "Ops", None).await.unwrap();
    m.roles().create("auditor", None, None, None).await.unwrap();
    users.add_group(&dave.id, "ops").await.unwrap();
    users
        .add_roles(&dave.id, &["auditor".into()], None)
        .await
        .unwrap();
    let found = users
        .search("da", 1, 10, &SearchOptions::default())
        .await
        .unwrap();
    assert_eq!(found.total_count, 1);
    let opts = SearchOptions {
        groups: vec!["ops".into()],
        roles: vec![(None, "auditor".into())],
        departments: vec![(root.clone(), true)],
        custom_data: CustomData::Include,
    };
    assert_eq!(
        users.search("", 1, 10, &opts).await.unwrap().list[0].id,
        dave.id
    );
    let only_root = SearchOptions {
        departments: vec![(root, false)],
        ..Default::default()
    };
    let found = users.search("", 1, 10, &only_root).await.unwrap();
    assert_eq!(found.total_count, 0, "dave is in a child department only");
    let opts = SearchOptions {
        groups: vec!["nope".into()],
        ..Default::default()
    };
    assert_eq!(users.search("", 1, 10, &opts).await.unwrap().total_count, 0);

    assert_eq!(users.delete(&erin.id).await.unwrap().code, Some(200));
    assert_eq!(
        users.delete(&erin.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    users
        .delete_many(std::slice::from_ref(&dave.id))
        .await
        .unwrap();
    assert_eq!(
        users
            .list(1, 10, CustomData::Omit)
            .await
            .unwrap()
            .total_count,
        0
    );
}

#[tokio::test]
async fn relations_custom_data_and_sessions() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let users = m.users();
    let id = seed(&emu, "frank", "Frank-pass");
    let other = seed(&emu, "gina", "Gina-pass");

    assert_eq!(users.list_groups(&id).await.unwrap().list[0].code, "staff");
    m.groups().create("ops", "Ops", None).await.unwrap();
    m.roles()
        .create("ops", None, None, Some("shop"))
        .await
        .unwrap();
    users.add_group(&id, "ops").await.unwrap();
    users.remove_group(&id, "staff").await.unwrap();
    let groups: Vec<_> = users
        .list_groups(&id)
        .await
        .unwrap()
        .list
        .into_iter()
        .map(|g| g.code)
        .collect();
    assert_eq!(groups, ["ops"]);
    assert_eq!(
        users.list_groups("ghost").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );

    users
        .add_roles(&id, &["ops".into()], Some("shop"))
        .await
        .unwrap();
    assert_eq!(
        users
            .list_roles(&id, Some("shop"))
            .await
            .unwrap()
            .list
            .len(),
        1
    );
    assert!(users.has_role(&id, "ops", Some("shop")).await.unwrap());
    users
        .remove_roles(&id, &["ops".into()], Some("shop"))
        .await
        .unwrap();
    assert!(!users.has_role(&id, "ops", Some("shop")).await.unwrap());
    assert!(users.has_role(&id, "admin", None).await.unwrap());

    let res = users
        .list_authorized_resources(&id, "default", Some(ResourceType::Data))
        .await
        .unwrap();
    assert_eq!(res.list[0].actions, ["user:read", "order:*"]);
    assert!(
        users
            .list_user_actions(1, 10, None, Some("login"), None)
            .await
            .unwrap()["list"]
            .is_array()
    );
    let t = users.refresh_token(&id).await.unwrap();
    assert!(!t.token.is_empty());

    // Policies must exist before they are assigned.
    for code in ["p1", "p2"] {
        let statement = PolicyStatement::new("books:*", &["books:read"]);
        m.policies().create(code, &[statement], None).await.unwrap();
    }
    users
        .add_policies(&id, &["p1".into(), "p2".into()])
        .await
        .unwrap();
    assert_eq!(
        users.list_policies(&id, 1, 10).await.unwrap().total_count,
        2
    );
    users.remove_policies(&id, &["p1".into()]).await.unwrap();
    assert_eq!(
        users.list_policies(&id, 1, 10).await.unwrap().list[0].code,
        "p2"
    );

    users.set_udv(&id, "age", &json!(40)).await.unwrap();
    let mut data = Map::new();
    data.insert("city".into(), json!("Oslo"));
    users.set_udf_value(&id, &data).await.unwrap();
    assert!(users.set_udf_value(&id, &Map::new()).await.is_err());
    let got = users.get_udf_value(&id).await.unwrap();
    assert_eq!(
        (got["age"].clone(), got["city"].clone()),
        (json!(40), json!("Oslo"))
    );
    let mut batch = BTreeMap::new();
    batch.insert(
        other.clone(),
        Map::from_iter([("tier".to_owned(), json!("gold"))]),
    );
    users.set_udf_value_batch(&batch).await.unwrap();
    let all = users
        .get_udf_value_batch(&[id.clone(), other.clone()])
        .await
        .unwrap();
    assert_eq!(all[&other]["tier"], json!("gold"));
    assert_eq!(all[&id]["age"], json!(40));
    let sent = emu.last_variables("udfValueBatch").unwrap();
    assert!(
        sent.get("targetIds").is_some() && sent.get("targetId").is_none(),
        "{sent}"
    );
    users.remove_udf_value(&id, "city").await.unwrap();
    let left = users.remove_udv(&id, "age").await.unwrap();
    assert!(left.is_empty());
    assert!(users.list_udv(&id).await.unwrap().is_empty());

    // Departments and organizations are the orgs module's memberships.
    let org = m.orgs().create("Root", Some("root"), None).await.unwrap();
    let root = org.root_node.unwrap().id;
    m.orgs()
        .add_members(&root, std::slice::from_ref(&id))
        .await
        .unwrap();
    assert_eq!(users.list_org(&id).await.unwrap()[0][0]["code"], "root");
    assert_eq!(
        users.list_department(&id).await.unwrap().list[0].department["code"],
        "root"
    );
    assert_eq!(
        users
            .send_first_login_verify_email(&id, "app")
            .await
            .unwrap()
            .message
            .as_deref(),
        Some("发送成功")
    );

    let token = AccessToken::new(emu.issue_token(&id, 600));
    assert_eq!(
        users
            .check_login_status(&id, Some("app"), None)
            .await
            .unwrap()["isLogin"],
        true
    );
    assert_eq!(
        m.check_login_status(&token).await.unwrap().status,
        Some(true)
    );
    users.kick(std::slice::from_ref(&id)).await.unwrap();
    assert_eq!(
        m.check_login_status(&token).await.unwrap().status,
        Some(false)
    );
    let token = AccessToken::new(emu.issue_token(&id, 600));
    users.logout(&id, Some("app")).await.unwrap();
    assert_eq!(
        m.check_login_status(&token).await.unwrap().status,
        Some(false)
    );
    let e = users
        .check_login_status("ghost", None, None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message().contains("用户不存在"));
    assert_eq!(
        m.send_email("a@example.com", EmailScene::VerifyEmail)
            .await
            .unwrap()
            .code,
        Some(200)
    );
    let _ = Password::new("unused");
}

#[tokio::test]
async fn search_filters_travel_as_the_reference_sends_them() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let users = m.users();
    let id = seed(&emu, "hana", "Hana-pass");
    m.roles()
        .create("viewer", None, None, Some("billing"))
        .await
        .unwrap();
    users
        .add_roles(&id, &["viewer".into()], Some("billing"))
        .await
        .unwrap();

    users
        .search("hana", 1, 10, &SearchOptions::default())
        .await
        .unwrap();
    let sent = emu.last_variables("searchUser").unwrap();
    for filter in ["departmentOpts", "groupOpts", "roleOpts"] {
        assert_eq!(
            sent[filter],
            Value::Null,
            "{filter} not given: null, not []"
        );
    }

    let bare = SearchOptions {
        roles: vec![(None, "viewer".into())],
        ..Default::default()
    };
    assert_eq!(users.search("", 1, 10, &bare).await.unwrap().total_count, 1);
    let sent = emu.last_variables("searchUser").unwrap();
    assert_eq!(sent["roleOpts"], json!([{"code": "viewer"}]), "a bare code");
    let other_namespace = SearchOptions {
        roles: vec![(Some("default".into()), "viewer".into())],
        groups: vec!["staff".into()],
        departments: vec![("dep-root".into(), false)],
        ..Default::default()
    };
    let found = users.search("", 1, 10, &other_namespace).await.unwrap();
    assert_eq!(found.total_count, 0, "viewer is a role of `billing` only");
    let sent = emu.last_variables("searchUser").unwrap();
    assert_eq!(
        (
            &sent["roleOpts"],
            &sent["groupOpts"],
            &sent["departmentOpts"]
        ),
        (
            &json!([{"namespace": "default", "code": "viewer"}]),
            &json!([{"code": "staff"}]),
            &json!([{"departmentId": "dep-root", "includeChildrenDepartments": false}])
        )
    );
}

#[tokio::test]
async fn custom_data_is_sent_in_the_callers_order() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let users = m.users();
    let (id, other) = (
        seed(&emu, "ines", "Ines-pass"),
        seed(&emu, "jon", "Jon-pass"),
    );

    let data = [
        ("zone", json!("eu")),
        ("age", json!(30)),
        ("tags", json!({"b": 1, "a": [true]})),
    ];
    users.set_udf_value(&id, data.clone()).await.unwrap();
    let sent = emu.last_variables("setUdvBatch").unwrap();
    assert_eq!(
        sent["udvList"],
        json!([
            {"key": "zone", "value": "\"eu\""},
            {"key": "age", "value": "30"},
            {"key": "tags", "value": "{\"a\": [true], \"b\": 1}"},
        ]),
        "caller's order, values encoded as json.dumps encodes them"
    );
    let got = users.get_udf_value(&id).await.unwrap();
    assert_eq!((&got["zone"], &got["age"]), (&json!("eu"), &json!(30)));
    let none: [(&str, Value); 0] = [];
    assert_eq!(
        users.set_udf_value(&id, none).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );

    let batch = vec![
        (
            other.as_str(),
            vec![("tier", json!("gold")), ("rank", json!(2))],
        ),
        (id.as_str(), vec![("tier", json!("silver"))]),
    ];
    users.set_udf_value_batch(batch).await.unwrap();
    let sent = emu.last_variables("setUdfValueBatch").unwrap();
    let order: Vec<(&str, &str)> = sent["input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["targetId"].as_str().unwrap(), i["key"].as_str().unwrap()))
        .collect();
    assert_eq!(
        order,
        [
            (other.as_str(), "tier"),
            (other.as_str(), "rank"),
            (id.as_str(), "tier")
        ]
    );
    let all = users
        .get_udf_value_batch(&[id.clone(), other.clone()])
        .await
        .unwrap();
    assert_eq!(
        (&all[&id]["tier"], &all[&other]["rank"]),
        (&json!("silver"), &json!(2))
    );
    let empty: Vec<(&str, Vec<(&str, Value)>)> = vec![(id.as_str(), Vec::new())];
    assert_eq!(
        users.set_udf_value_batch(empty).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn resource_permissions_in_batch_and_by_kind() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let users = m.users();
    let id = seed(&emu, "kim", "Kim-pass");
    emu.grant_resource(&id, "library", "books:1", "DATA", &["books:read"]);
    emu.grant_resource(&id, "library", "books:2", "DATA", &["*"]);
    emu.grant_resource(&id, "library", "films:1", "DATA", &["films:read"]);

    let asked: Vec<String> = [
        "books:1:read",
        "books:1:write",
        "books:2:delete",
        "films:9:read",
    ]
    .map(String::from)
    .to_vec();
    let verdicts = users
        .check_resource_permission_batch(&id, "library", &asked)
        .await
        .unwrap();
    let allowed: Vec<bool> = verdicts
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["allow"].as_bool().unwrap())
        .collect();
    assert_eq!(allowed, [true, false, true, false]);
    assert_eq!(verdicts[0]["resource"], "books:1:read");
    let elsewhere = users
        .check_resource_permission_batch(&id, "default", &asked[..1])
        .await
        .unwrap();
    assert_eq!(elsewhere[0]["allow"], false, "another namespace");

    let books = users
        .list_authorized_resources_of_resource_kind(&id, "library", "books")
        .await
        .unwrap();
    assert_eq!(books["totalCount"], 2);
    let codes: Vec<&str> = books["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["books:1", "books:2"]);
    let none = users
        .list_authorized_resources_of_resource_kind(&id, "library", "book")
        .await
        .unwrap();
    assert_eq!(none["totalCount"], 0, "`book` is not the kind of `books:1`");

    for e in [
        users
            .check_resource_permission_batch("ghost", "library", &asked)
            .await
            .unwrap_err(),
        users
            .list_authorized_resources_of_resource_kind("ghost", "library", "books")
            .await
            .unwrap_err(),
    ] {
        assert_eq!(
            (e.kind(), e.provider_code()),
            (ErrorKind::NotFound, Some("2004"))
        );
    }

    // An expired management token is refetched once, as for every management call.
    let fetched = m.token_fetch_count();
    emu.expire_management_tokens();
    users
        .list_authorized_resources_of_resource_kind(&id, "library", "films")
        .await
        .unwrap();
    assert_eq!(m.token_fetch_count(), fetched + 1);
}

#[tokio::test]
async fn management_token_is_single_flight_cached_and_refetched_once() {
    let emu = AuthingEmulator::start().await;
    seed(&emu, "hana", "Hana-pass");
    let m = mgmt_client(&emu);
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let m = m.clone();
        tasks.push(tokio::spawn(async move {
            m.users()
                .list(1, 10, CustomData::Omit)
                .await
                .map(|p| p.total_count)
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 1);
    }
    assert_eq!(
        emu.op_calls("accessToken"),
        1,
        "one token fetch for 32 concurrent callers"
    );
    assert_eq!(emu.op_calls("users"), 32);
    m.users().list(1, 10, CustomData::Omit).await.unwrap();
    assert_eq!(emu.op_calls("accessToken"), 1, "cached");

    // The pool forgets the token: one failed call, one refetch, one retry.
    emu.expire_management_tokens();
    m.users().list(1, 10, CustomData::Omit).await.unwrap();
    assert_eq!(emu.op_calls("accessToken"), 2);
    assert_eq!(emu.op_calls("users"), 35);
    assert_eq!(m.token_fetch_count(), 2);
    emu.expire_management_tokens();
    m.users().kick(&["x".into()]).await.unwrap();
    assert_eq!(emu.op_calls("accessToken"), 3, "REST calls refetch too");
}

#[tokio::test]
async fn short_lived_tokens_are_refreshed_before_expiry_and_bad_secrets_fail() {
    let emu = AuthingEmulator::start_with(EmulatorOptions {
        management_token_ttl_seconds: 2,
        ..Default::default()
    })
    .await;
    let m = mgmt_client(&emu);
    m.users().list(1, 1, CustomData::Omit).await.unwrap();
    m.users().list(1, 1, CustomData::Omit).await.unwrap();
    assert_eq!(
        emu.op_calls("accessToken"),
        1,
        "reused within half its lifetime"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    m.users().list(1, 1, CustomData::Omit).await.unwrap();
    assert_eq!(emu.op_calls("accessToken"), 2, "refetched before expiry");

    let mut o = polyauth_authing::ManagementClientOptions::new(
        emu.options().user_pool_id.clone(),
        "wrong-secret".into(),
    );
    o.host = emu.base_url();
    let bad = ManagementClient::new(o).unwrap();
    let e = bad.users().list(1, 1, CustomData::Omit).await.unwrap_err();
    assert_eq!(e.operation(), Some("accessToken"));
    assert!(!format!("{e:?}").contains("wrong-secret"));
}

#[tokio::test]
async fn server_provided_exp_is_untrusted_arithmetic() {
    let emu = AuthingEmulator::start().await;
    seed(&emu, "ines", "Ines-pass");
    // A far-future exp: no overflow, reused (capped at 24 h), not refetched.
    emu.set_management_token_exp(Some(i64::MAX));
    let m = mgmt_client(&emu);
    m.users().list(1, 1, CustomData::Omit).await.unwrap();
    m.users().list(1, 1, CustomData::Omit).await.unwrap();
    assert_eq!(emu.op_calls("accessToken"), 1);
    assert!(polyauth_authing::MAX_MANAGEMENT_TOKEN_LIFETIME.as_secs() <= 24 * 3600);

    // An exp far in the past (or absurdly negative): no overflow, used for one call only.
    for exp in [i64::MIN, 0, -1] {
        emu.set_management_token_exp(Some(exp));
        let before = emu.op_calls("accessToken");
        let m = mgmt_client(&emu);
        m.users().list(1, 1, CustomData::Omit).await.unwrap();
        m.users().list(1, 1, CustomData::Omit).await.unwrap();
        assert_eq!(emu.op_calls("accessToken"), before + 2, "exp {exp}");
    }
}

#[tokio::test]
async fn concurrent_refetch_after_auth_failure_is_single_flight() {
    let emu = AuthingEmulator::start().await;
    seed(&emu, "jack", "Jack-pass");
    let m = mgmt_client(&emu);
    m.users().list(1, 1, CustomData::Omit).await.unwrap();
    assert_eq!(emu.op_calls("accessToken"), 1);
    // The pool forgets the token while 16 callers use it: each fails once, and they share
    // one refetch.
    emu.expire_management_tokens();
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let m = m.clone();
        tasks.push(tokio::spawn(async move {
            m.users().list(1, 1, CustomData::Omit).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(emu.op_calls("accessToken"), 2, "one refetch for 16 callers");
}
