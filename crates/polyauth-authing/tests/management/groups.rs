//! The groups module of the ManagementClient over the emulator: every method, its bad input
//! (unknown codes and ids, duplicate codes, empty lists, pages past the end) and a scenario;
//! memberships are shared with the users module.

use crate::common::*;
use futures::TryStreamExt;
use polyauth_authing::CustomData;
use polyauth_authing::types::ResourceType;
use polyauth_authing::{ManagementClient, STREAM_PAGE_SIZE, SearchOptions};
use polyauth_core::ErrorKind;
use polyauth_testkit::authing::AuthingEmulator;
use serde_json::json;

async fn group_codes(m: &ManagementClient, user_id: &str) -> Vec<String> {
    let groups = m.users().list_groups(user_id).await.unwrap();
    groups.list.into_iter().map(|g| g.code).collect()
}

#[tokio::test]
async fn create_detail_update_and_delete() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let groups = m.groups();

    let dev = groups
        .create("developers", "Developers", Some("Write code"))
        .await
        .unwrap();
    assert_eq!(
        (
            dev.code.as_str(),
            dev.name.as_deref(),
            dev.description.as_deref()
        ),
        ("developers", Some("Developers"), Some("Write code"))
    );
    assert_eq!(
        emu.last_variables("createGroup").unwrap(),
        json!({"code": "developers", "name": "Developers", "description": "Write code"})
    );
    let dup = groups
        .create("developers", "Again", None)
        .await
        .unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::InvalidInput);
    assert_eq!(dup.provider_code(), Some("400"));

    assert_eq!(groups.detail("developers").await.unwrap(), Some(dev));
    assert_eq!(groups.detail("ghost").await.unwrap(), None);

    groups.create("qa", "QA", None).await.unwrap();
    let renamed = groups
        .update("developers", Some("engineers"), Some("Engineers"), None)
        .await
        .unwrap();
    assert_eq!(
        (
            renamed.code.as_str(),
            renamed.name.as_deref(),
            renamed.description.as_deref()
        ),
        ("engineers", Some("Engineers"), Some("Write code")),
        "None keeps the description"
    );
    assert_eq!(groups.detail("developers").await.unwrap(), None);
    let missing = groups
        .update("ghost", None, Some("x"), None)
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert_eq!(missing.provider_code(), Some("404"));
    let taken = groups
        .update("qa", Some("engineers"), None, None)
        .await
        .unwrap_err();
    assert_eq!(taken.kind(), ErrorKind::InvalidInput);

    assert_eq!(groups.delete("qa").await.unwrap().code, Some(200));
    assert_eq!(
        emu.last_variables("deleteGroups").unwrap(),
        json!({"codeList": ["qa"]})
    );
    assert_eq!(
        groups.delete("qa").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn delete_many_is_all_or_nothing() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let groups = m.groups();
    for code in ["a", "b", "c"] {
        groups.create(code, code, None).await.unwrap();
    }
    let unknown = groups
        .delete_many(&owned(&["a", "ghost"]))
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    assert_eq!(groups.list(1, 10).await.unwrap().total_count, 3);
    groups.delete_many(&owned(&["a", "b"])).await.unwrap();
    let left = groups.list(1, 10).await.unwrap();
    assert_eq!(
        left.list
            .iter()
            .map(|g| g.code.as_str())
            .collect::<Vec<_>>(),
        ["c"]
    );
    let calls = emu.op_calls("deleteGroups");
    let empty = groups.delete_many(&[]).await.unwrap_err();
    assert_eq!(empty.kind(), ErrorKind::InvalidInput);
    assert_eq!(emu.op_calls("deleteGroups"), calls, "nothing is sent");
}

#[tokio::test]
async fn list_pages_and_stream() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let groups = m.groups();
    let total = STREAM_PAGE_SIZE as usize + 3;
    for i in 0..total {
        groups.create(&format!("g{i:03}"), "G", None).await.unwrap();
    }
    let page = groups.list(3, 5).await.unwrap();
    assert_eq!(page.total_count, total as u64);
    assert_eq!(page.list[0].code, "g010");
    assert_eq!(
        emu.last_variables("groups").unwrap(),
        json!({"page": 3, "limit": 5})
    );
    let past = groups.list(1000, 5).await.unwrap();
    assert!(past.list.is_empty());
    for (page, limit) in [(0, 1), (1, 0)] {
        assert_eq!(
            groups.list(page, limit).await.unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }
    let before = emu.op_calls("groups");
    let all: Vec<_> = groups.list_stream().try_collect().await.unwrap();
    assert_eq!(all.len(), total);
    assert_eq!(emu.op_calls("groups") - before, 2);
}

#[tokio::test]
async fn members_are_the_users_modules_groups() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let groups = m.groups();
    let (ann, ben) = (plain_user(&emu, "ann"), plain_user(&emu, "ben"));
    groups.create("staff", "Staff", None).await.unwrap();

    groups
        .add_users("staff", &[ann.clone(), ben.clone()])
        .await
        .unwrap();
    groups
        .add_users("staff", std::slice::from_ref(&ann))
        .await
        .unwrap();
    assert_eq!(group_codes(&m, &ann).await, ["staff"], "joined once");
    let members = groups
        .list_users("staff", 1, 10, CustomData::Omit)
        .await
        .unwrap();
    assert_eq!(members.total_count, 2);
    assert!(members.list[0].custom_data.is_none());
    emu.set_custom_data(&ben, "team", &json!("blue"));
    let second = groups
        .list_users("staff", 2, 1, CustomData::Include)
        .await
        .unwrap();
    assert_eq!(second.list[0].id, ben);
    assert_eq!(second.list[0].custom_data.as_ref().unwrap()["team"], "blue");
    assert_eq!(emu.op_calls("groupWithUsersWithCustomData"), 1);
    assert!(
        groups
            .list_users("staff", 3, 10, CustomData::Omit)
            .await
            .unwrap()
            .list
            .is_empty()
    );
    assert_eq!(
        groups
            .list_users("ghost", 1, 10, CustomData::Omit)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    let streamed: Vec<_> = groups
        .list_users_stream("staff", CustomData::Omit)
        .map_ok(|u| u.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, [ann.clone(), ben.clone()]);

    groups
        .remove_users("staff", std::slice::from_ref(&ann))
        .await
        .unwrap();
    assert!(group_codes(&m, &ann).await.is_empty());
    m.users().add_group(&ann, "staff").await.unwrap();
    assert_eq!(
        groups
            .list_users("staff", 1, 10, CustomData::Omit)
            .await
            .unwrap()
            .total_count,
        2
    );

    // Renaming keeps the members; deleting removes the memberships.
    groups
        .update("staff", Some("crew"), None, None)
        .await
        .unwrap();
    assert_eq!(group_codes(&m, &ben).await, ["crew"]);
    groups.delete("crew").await.unwrap();
    assert!(group_codes(&m, &ben).await.is_empty());
    assert!(group_codes(&m, &ann).await.is_empty());

    // Bad input.
    let unknown_group = groups
        .add_users("crew", std::slice::from_ref(&ann))
        .await
        .unwrap_err();
    assert_eq!(unknown_group.kind(), ErrorKind::NotFound);
    groups.create("crew", "Crew", None).await.unwrap();
    let unknown_user = groups
        .add_users("crew", &[ann.clone(), "nobody".into()])
        .await
        .unwrap_err();
    assert_eq!(unknown_user.kind(), ErrorKind::NotFound);
    assert_eq!(unknown_user.provider_code(), Some("2004"));
    assert!(group_codes(&m, &ann).await.is_empty(), "nothing changed");
    for e in [
        groups.add_users("crew", &[]).await.unwrap_err(),
        groups.remove_users("crew", &[]).await.unwrap_err(),
        groups
            .list_users("crew", 0, 10, CustomData::Omit)
            .await
            .unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}

#[tokio::test]
async fn authorized_resources() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let groups = m.groups();
    groups.create("ops", "Ops", None).await.unwrap();
    emu.grant_group_resource("ops", "default", "books:1", "DATA", &["books:read"]);
    emu.grant_group_resource("ops", "billing", "/api/invoices", "API", &["invoices:*"]);

    let all = groups
        .list_authorized_resources("ops", None, None)
        .await
        .unwrap();
    assert_eq!(all.total_count, 2);
    let billing = groups
        .list_authorized_resources("ops", Some("billing"), None)
        .await
        .unwrap();
    assert_eq!(billing.list[0].code, "/api/invoices");
    let data = groups
        .list_authorized_resources("ops", None, Some(ResourceType::Data))
        .await
        .unwrap();
    assert_eq!(data.list.len(), 1);
    assert_eq!(data.list[0].resource_type.as_deref(), Some("DATA"));
    assert_eq!(
        emu.last_variables("listGroupAuthorizedResources").unwrap(),
        json!({"code": "ops", "namespace": null, "resourceType": "DATA"})
    );
    let empty = groups
        .list_authorized_resources("ops", Some("none"), None)
        .await
        .unwrap();
    assert!(empty.list.is_empty());
    assert_eq!(
        groups
            .list_authorized_resources("ghost", None, None)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

/// Teams of a company: groups created, people join, a search by group finds them, a team is
/// merged into another (renamed) and one is disbanded (deleted with its memberships).
#[tokio::test]
async fn scenario_teams() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let groups = m.groups();
    let seeded = seed(&emu, "carol", "Carol-pass-1");
    let dan = plain_user(&emu, "dan");
    let eve = plain_user(&emu, "eve");

    groups.create("web", "Web", None).await.unwrap();
    groups.create("mobile", "Mobile", None).await.unwrap();
    groups
        .add_users("web", &[dan.clone(), seeded.clone()])
        .await
        .unwrap();
    groups
        .add_users("mobile", std::slice::from_ref(&eve))
        .await
        .unwrap();

    let codes: Vec<String> = groups
        .list_stream()
        .map_ok(|g| g.code)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(codes, ["staff", "web", "mobile"], "the seed's group too");
    let search = SearchOptions {
        groups: vec!["web".into()],
        ..Default::default()
    };
    let web = m.users().search("", 1, 10, &search).await.unwrap();
    assert_eq!(web.total_count, 2);

    groups
        .update("web", Some("apps"), Some("Apps"), Some("Web and mobile"))
        .await
        .unwrap();
    groups
        .add_users("apps", std::slice::from_ref(&eve))
        .await
        .unwrap();
    groups.delete("mobile").await.unwrap();
    assert_eq!(group_codes(&m, &eve).await, ["apps"]);
    assert_eq!(group_codes(&m, &seeded).await, ["staff", "apps"]);
    let apps = groups
        .list_users("apps", 1, 10, CustomData::Omit)
        .await
        .unwrap();
    assert_eq!(apps.total_count, 3);
    assert_eq!(groups.detail("mobile").await.unwrap(), None);
}
