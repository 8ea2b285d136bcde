//! The orgs module of the ManagementClient over the emulator: every method, its bad input
//! (unknown ids, duplicate codes, empty lists, pages past the end, moving a node under its
//! own descendant) and a scenario; memberships are shared with the users module.

use crate::common::*;
use futures::TryStreamExt;
use polyauth_authing::ManagementClient;
use polyauth_authing::types::{NewNode, NodeTree, Org, ResourceType, SyncProvider};
use polyauth_core::ErrorKind;
use polyauth_testkit::authing::AuthingEmulator;
use serde_json::json;

/// An organization `Acme` (root code `acme`) with nodes `Sales` (`sales`) and, under it,
/// `EMEA` (`emea`); answers (org id, root id, sales id, emea id).
async fn acme(m: &ManagementClient) -> (String, String, String, String) {
    let orgs = m.orgs();
    let org = orgs.create("Acme", Some("acme"), Some("HQ")).await.unwrap();
    let root = org.root_node.clone().unwrap().id;
    let sales = orgs
        .create_node(&org.id, None, "Sales", Some("sales"))
        .await
        .unwrap();
    let emea = orgs
        .create_node(&org.id, Some(&sales.id), "EMEA", Some("emea"))
        .await
        .unwrap();
    (org.id, root, sales.id, emea.id)
}

async fn department_codes(m: &ManagementClient, user_id: &str) -> Vec<(String, bool)> {
    let deps = m.users().list_department(user_id).await.unwrap();
    deps.list
        .into_iter()
        .map(|d| {
            let code = d.department["code"].as_str().unwrap_or_default().to_owned();
            (code, d.is_main_department.unwrap_or(false))
        })
        .collect()
}

#[tokio::test]
async fn create_and_find_by_id() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let orgs = m.orgs();
    let org = orgs.create("Acme", Some("acme"), Some("HQ")).await.unwrap();
    let root = org.root_node.clone().unwrap();
    assert_eq!(
        (root.name.as_deref(), root.code.as_deref(), root.root),
        (Some("Acme"), Some("acme"), Some(true))
    );
    assert_eq!(root.description.as_deref(), Some("HQ"));
    assert_eq!(org.nodes.len(), 1);
    assert_eq!(
        emu.last_variables("createOrg").unwrap(),
        json!({"name": "Acme", "code": "acme", "description": "HQ"})
    );
    let dup = orgs.create("Other", Some("acme"), None).await.unwrap_err();
    assert_code(&dup, ErrorKind::InvalidInput, "400");
    let empty = orgs.create("", None, None).await.unwrap_err();
    assert_code(&empty, ErrorKind::InvalidInput, "400");

    assert_eq!(orgs.find_by_id(&org.id).await.unwrap(), Some(org));
    assert_eq!(orgs.find_by_id("ghost").await.unwrap(), None);
}

#[tokio::test]
async fn delete_by_id_removes_the_nodes_and_memberships() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (org, _, sales, _) = acme(&m).await;
    let ann = plain_user(&emu, "ann");
    m.orgs().add_members(&sales, &owned(&[&ann])).await.unwrap();
    assert_eq!(department_codes(&m, &ann).await.len(), 1);

    assert_eq!(m.orgs().delete_by_id(&org).await.unwrap().code, Some(200));
    assert_eq!(m.orgs().find_by_id(&org).await.unwrap(), None);
    assert_eq!(m.orgs().get_node_by_id(&sales).await.unwrap(), None);
    assert!(department_codes(&m, &ann).await.is_empty());
    let again = m.orgs().delete_by_id(&org).await.unwrap_err();
    assert_code(&again, ErrorKind::NotFound, "404");
}

#[tokio::test]
async fn list_pages_and_stream() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let orgs = m.orgs();
    for i in 0..3 {
        orgs.create(&format!("Org {i}"), Some(&format!("org-{i}")), None)
            .await
            .unwrap();
    }
    let page = orgs.list(2, 2).await.unwrap();
    assert_eq!((page.total_count, page.list.len()), (3, 1));
    assert_eq!(
        page.list[0].root_node.as_ref().unwrap().code.as_deref(),
        Some("org-2")
    );
    let past = orgs.list(9, 2).await.unwrap();
    assert_eq!((past.total_count, past.list.len()), (3, 0));
    let zero = orgs.list(0, 10).await.unwrap_err();
    assert_eq!(zero.kind(), ErrorKind::InvalidInput);
    assert_eq!(emu.op_calls("orgs"), 2, "a bad page is not sent");
    let all: Vec<Org> = orgs.list_stream().try_collect().await.unwrap();
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn list_tree_builds_the_tree() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (org, root, sales, emea) = acme(&m).await;
    let hr = m
        .orgs()
        .create_node(&org, None, "HR", Some("hr"))
        .await
        .unwrap();
    let trees = m.orgs().list_tree(1, 10).await.unwrap();
    assert_eq!(trees.total_count, 1);
    let tree = &trees.list[0];
    assert_eq!((tree.id.as_str(), tree.roots.len()), (org.as_str(), 1));
    let top = &tree.roots[0];
    assert_eq!(top.node.id, root);
    let kids: Vec<&str> = top.children.iter().map(|c| c.node.id.as_str()).collect();
    assert_eq!(kids, [sales.as_str(), hr.id.as_str()]);
    assert_eq!(top.children[0].children[0].node.id, emea);
    assert!(top.children[0].children[0].children.is_empty());
}

#[test]
fn tree_of_a_broken_flat_list_places_every_node_once() {
    let org: Org = serde_json::from_value(json!({
        "id": "o1",
        "rootNode": {"id": "a"},
        "nodes": [
            {"id": "a", "children": ["b", "missing"]},
            {"id": "b", "children": ["a"]},
            {"id": "c", "children": ["d"]},
            {"id": "d", "children": ["c"]},
        ],
    }))
    .unwrap();
    let tree = org.tree();
    let tops: Vec<&str> = tree.roots.iter().map(|r| r.node.id.as_str()).collect();
    assert_eq!(tops, ["a", "c"], "a cycle starts where the list meets it");
    assert_eq!(tree.roots[0].children.len(), 1, "the unknown id is skipped");
    assert_eq!(tree.roots[0].children[0].node.id, "b");
    assert!(
        tree.roots[0].children[0].children.is_empty(),
        "a is placed once"
    );
    assert_eq!(tree.roots[1].children[0].node.id, "d");
}

#[tokio::test]
async fn create_node_under_the_root_or_a_parent() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (org, root, sales, emea) = acme(&m).await;
    let node = m.orgs().get_node_by_id(&emea).await.unwrap().unwrap();
    assert_eq!(node.org_id.as_deref(), Some(org.as_str()));
    assert_eq!(node.path, [root.clone(), sales.clone(), emea.clone()]);
    assert_eq!((node.depth, node.root), (Some(2), Some(false)));
    assert_eq!(
        emu.last_variables("addNodeV2").unwrap(),
        json!({"orgId": org, "name": "EMEA", "parentNodeId": sales, "code": "emea"})
    );
    let orgs = m.orgs();
    let dup = orgs.create_node(&org, None, "Again", Some("emea")).await;
    assert_code(&dup.unwrap_err(), ErrorKind::InvalidInput, "400");
    let no_org = orgs.create_node("ghost", None, "X", None).await;
    assert_code(&no_org.unwrap_err(), ErrorKind::NotFound, "404");
    let no_parent = orgs.create_node(&org, Some("ghost"), "X", None).await;
    assert_code(&no_parent.unwrap_err(), ErrorKind::NotFound, "404");
    let unnamed = orgs.create_node(&org, None, " ", None).await;
    assert_code(&unnamed.unwrap_err(), ErrorKind::InvalidInput, "400");
}

#[tokio::test]
async fn add_node_answers_the_organization() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (org, _, sales, _) = acme(&m).await;
    let mut new = NewNode::new("APAC");
    new.code = Some("apac".into());
    new.description = Some("Asia".into());
    new.order = Some(1);
    new.name_i18n = Some("{\"zh-CN\":\"亚太\"}".into());
    let after = m.orgs().add_node(&org, Some(&sales), &new).await.unwrap();
    assert_eq!(after.id, org);
    assert_eq!(after.nodes.len(), 4);
    let apac = after
        .nodes
        .iter()
        .find(|n| n.code.as_deref() == Some("apac"))
        .unwrap();
    assert_eq!(
        (
            apac.description.as_deref(),
            apac.order,
            apac.name_i18n.as_deref()
        ),
        (Some("Asia"), Some(1), Some("{\"zh-CN\":\"亚太\"}"))
    );
    let sales_node = after.nodes.iter().find(|n| n.id == sales).unwrap();
    assert_eq!(sales_node.children[0], apac.id, "order 1 sorts first");
    let sent = emu.last_variables("addNode").unwrap();
    assert_eq!(sent["nameI18n"], json!("{\"zh-CN\":\"亚太\"}"));
    let dup = m.orgs().add_node(&org, None, &new).await.unwrap_err();
    assert_code(&dup, ErrorKind::InvalidInput, "400");
}

#[tokio::test]
async fn get_node_by_id_or_none() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (_, _, sales, emea) = acme(&m).await;
    let node = m.orgs().get_node_by_id(&sales).await.unwrap().unwrap();
    assert_eq!(
        (node.name.as_deref(), node.children),
        (Some("Sales"), vec![emea])
    );
    assert_eq!(m.orgs().get_node_by_id("ghost").await.unwrap(), None);
}

#[tokio::test]
async fn update_node_changes_fields_and_counts_members() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (_, _, sales, _) = acme(&m).await;
    let ann = plain_user(&emu, "ann");
    m.orgs().add_members(&sales, &owned(&[&ann])).await.unwrap();
    let orgs = m.orgs();
    let node = orgs
        .update_node(&sales, Some("Sales EU"), Some("sales-eu"), None)
        .await
        .unwrap();
    assert_eq!(
        (
            node.name.as_deref(),
            node.code.as_deref(),
            node.member_count
        ),
        (Some("Sales EU"), Some("sales-eu"), Some(1))
    );
    let dup = orgs.update_node(&sales, None, Some("emea"), None).await;
    assert_code(&dup.unwrap_err(), ErrorKind::InvalidInput, "400");
    let ghost = orgs.update_node("ghost", Some("x"), None, None).await;
    assert_code(&ghost.unwrap_err(), ErrorKind::NotFound, "404");
}

#[tokio::test]
async fn delete_node_removes_the_subtree_and_its_memberships() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (org, root, sales, emea) = acme(&m).await;
    let ann = plain_user(&emu, "ann");
    m.orgs().add_members(&emea, &owned(&[&ann])).await.unwrap();
    m.orgs().add_members(&root, &owned(&[&ann])).await.unwrap();
    let orgs = m.orgs();
    assert_eq!(
        orgs.delete_node(&org, &sales).await.unwrap().code,
        Some(200)
    );
    assert_eq!(orgs.get_node_by_id(&emea).await.unwrap(), None);
    assert_eq!(department_codes(&m, &ann).await, [("acme".into(), false)]);
    let again = orgs.delete_node(&org, &sales).await.unwrap_err();
    assert_code(&again, ErrorKind::NotFound, "404");
    let the_root = orgs.delete_node(&org, &root).await.unwrap_err();
    assert_code(&the_root, ErrorKind::InvalidInput, "400");
    let no_org = orgs.delete_node("ghost", &root).await.unwrap_err();
    assert_code(&no_org, ErrorKind::NotFound, "404");
}

#[tokio::test]
async fn is_root_node_tells_the_root() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (org, root, sales, _) = acme(&m).await;
    assert!(m.orgs().is_root_node(&org, &root).await.unwrap());
    assert!(!m.orgs().is_root_node(&org, &sales).await.unwrap());
    let ghost = m.orgs().is_root_node(&org, "ghost").await.unwrap_err();
    assert_code(&ghost, ErrorKind::NotFound, "404");
}

#[tokio::test]
async fn move_node_refuses_cycles() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (org, root, sales, emea) = acme(&m).await;
    let orgs = m.orgs();
    let hr = orgs.create_node(&org, None, "HR", None).await.unwrap().id;
    let moved = orgs.move_node(&org, &emea, &hr).await.unwrap();
    let tree = moved.tree();
    let hr_node = tree.roots[0]
        .children
        .iter()
        .find(|c| c.node.id == hr)
        .unwrap();
    assert_eq!(hr_node.children[0].node.id, emea);
    let node = orgs.get_node_by_id(&emea).await.unwrap().unwrap();
    assert_eq!(node.path, [root.clone(), hr.clone(), emea.clone()]);

    let under_child = orgs.move_node(&org, &hr, &emea).await.unwrap_err();
    assert_code(&under_child, ErrorKind::InvalidInput, "400");
    let under_itself = orgs.move_node(&org, &sales, &sales).await.unwrap_err();
    assert_code(&under_itself, ErrorKind::InvalidInput, "400");
    let the_root = orgs.move_node(&org, &root, &sales).await.unwrap_err();
    assert_code(&the_root, ErrorKind::InvalidInput, "400");
    let ghost = orgs.move_node(&org, &sales, "ghost").await.unwrap_err();
    assert_code(&ghost, ErrorKind::NotFound, "404");
}

#[tokio::test]
async fn list_children_of_a_node() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (_, root, sales, emea) = acme(&m).await;
    let kids = m.orgs().list_children(&root).await.unwrap();
    assert_eq!(kids.iter().map(|k| &k.id).collect::<Vec<_>>(), [&sales]);
    assert!(m.orgs().list_children(&emea).await.unwrap().is_empty());
    let ghost = m.orgs().list_children("ghost").await.unwrap_err();
    assert_code(&ghost, ErrorKind::NotFound, "404");
}

#[tokio::test]
async fn root_node_with_its_paths() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (org, root, _, _) = acme(&m).await;
    let node = m.orgs().root_node(&org).await.unwrap();
    assert_eq!(node.id, root);
    assert_eq!(
        (node.code_path, node.name_path),
        (owned(&["acme"]), owned(&["Acme"]))
    );
    let ghost = m.orgs().root_node("ghost").await.unwrap_err();
    assert_code(&ghost, ErrorKind::NotFound, "404");
}

#[tokio::test]
async fn search_nodes_by_name() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (_, _, _, emea) = acme(&m).await;
    let found = m.orgs().search_nodes("EM").await.unwrap();
    assert_eq!(found.iter().map(|n| &n.id).collect::<Vec<_>>(), [&emea]);
    assert_eq!(found[0].name_path, owned(&["Acme", "Sales", "EMEA"]));
    assert!(m.orgs().search_nodes("nothing").await.unwrap().is_empty());
}

#[tokio::test]
async fn roles_of_a_node() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (_, _, sales, _) = acme(&m).await;
    m.roles().create("seller", None, None, None).await.unwrap();
    m.roles()
        .create("auditor", None, None, Some("billing"))
        .await
        .unwrap();
    let orgs = m.orgs();
    orgs.add_roles(&sales, &owned(&["seller"]), None)
        .await
        .unwrap();
    orgs.add_roles(&sales, &owned(&["auditor"]), Some("billing"))
        .await
        .unwrap();
    assert_eq!(
        emu.last_variables("assignRole").unwrap(),
        json!({"nodeCodes": [sales], "roleCodes": ["auditor"], "namespace": "billing"})
    );
    let all = orgs.list_roles(&sales, None).await.unwrap();
    assert_eq!(all.total_count, 2);
    let billing = orgs.list_roles(&sales, Some("billing")).await.unwrap();
    assert_eq!(billing.list[0].code, "auditor");

    let unknown = orgs.add_roles(&sales, &owned(&["ghost"]), None).await;
    assert_code(&unknown.unwrap_err(), ErrorKind::NotFound, "404");
    let no_node = orgs.add_roles("ghost", &owned(&["seller"]), None).await;
    assert_code(&no_node.unwrap_err(), ErrorKind::NotFound, "404");
    let empty = orgs.add_roles(&sales, &[], None).await.unwrap_err();
    assert_eq!(empty.kind(), ErrorKind::InvalidInput);

    orgs.remove_roles(&sales, &owned(&["seller"]), None)
        .await
        .unwrap();
    let left = orgs.list_roles(&sales, None).await.unwrap();
    assert_eq!(
        (left.total_count, left.list[0].code.as_str()),
        (1, "auditor")
    );
    let empty = orgs.remove_roles(&sales, &[], None).await.unwrap_err();
    assert_eq!(empty.kind(), ErrorKind::InvalidInput);
    let ghost = orgs.list_roles("ghost", None).await.unwrap_err();
    assert_eq!(ghost.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn authorized_resources_of_a_node_by_id_and_code() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (org, _, sales, _) = acme(&m).await;
    m.roles().create("seller", None, None, None).await.unwrap();
    emu.grant_role_resource("default", "seller", "books:1", "DATA", &["books:read"]);
    emu.grant_role_resource("default", "seller", "/api/orders", "API", &["orders:*"]);
    let orgs = m.orgs();
    orgs.add_roles(&sales, &owned(&["seller"]), None)
        .await
        .unwrap();
    let all = orgs
        .list_authorized_resources(&sales, None, None)
        .await
        .unwrap();
    assert_eq!(all.total_count, 2);
    let data = orgs
        .list_authorized_resources(&sales, Some("default"), Some(ResourceType::Data))
        .await
        .unwrap();
    assert_eq!(
        (data.list[0].code.as_str(), data.list[0].actions.clone()),
        ("books:1", owned(&["books:read"]))
    );
    let by_code = orgs
        .list_authorized_resources_by_code(&org, "sales", None, Some(ResourceType::Api))
        .await
        .unwrap();
    assert_eq!(by_code.list[0].code, "/api/orders");
    let none = orgs
        .list_authorized_resources(&sales, Some("billing"), None)
        .await
        .unwrap();
    assert_eq!(none.total_count, 0);
    let ghost = orgs.list_authorized_resources("ghost", None, None).await;
    assert_eq!(ghost.unwrap_err().kind(), ErrorKind::NotFound);
    let ghost = orgs
        .list_authorized_resources_by_code(&org, "ghost", None, None)
        .await;
    assert_eq!(ghost.unwrap_err().kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn add_members_to_a_node() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (_, _, sales, _) = acme(&m).await;
    let (ann, bob) = (plain_user(&emu, "ann"), plain_user(&emu, "bob"));
    let orgs = m.orgs();
    let node = orgs
        .add_members(&sales, &owned(&[&ann, &bob]))
        .await
        .unwrap();
    assert_eq!(node.node.id, sales);
    assert_eq!(node.users.total_count, 2);
    assert_eq!(node.users.list[0].username.as_deref(), Some("ann"));
    let again = orgs.add_members(&sales, &owned(&[&ann])).await.unwrap();
    assert_eq!(again.users.total_count, 2, "a member stays once");

    let unknown = orgs.add_members(&sales, &owned(&["ghost"])).await;
    assert_code(&unknown.unwrap_err(), ErrorKind::NotFound, "2004");
    let no_node = orgs.add_members("ghost", &owned(&[&ann])).await;
    assert_code(&no_node.unwrap_err(), ErrorKind::NotFound, "404");
    let empty = orgs.add_members(&sales, &[]).await.unwrap_err();
    assert_eq!(empty.kind(), ErrorKind::InvalidInput);
    assert_eq!(emu.op_calls("addMember"), 4, "an empty list is not sent");
}

#[tokio::test]
async fn list_members_pages_and_descendants() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (_, _, sales, emea) = acme(&m).await;
    let users: Vec<String> = (0..3).map(|i| plain_user(&emu, &format!("u{i}"))).collect();
    let orgs = m.orgs();
    orgs.add_members(&sales, &users[..2]).await.unwrap();
    orgs.add_members(&emea, &users[2..]).await.unwrap();

    let page = orgs.list_members(&sales, 2, 1, false).await.unwrap();
    assert_eq!(
        (page.total_count, page.list[0].id.as_str()),
        (2, users[1].as_str())
    );
    let deep = orgs.list_members(&sales, 1, 10, true).await.unwrap();
    assert_eq!(deep.total_count, 3);
    let past = orgs.list_members(&sales, 5, 10, false).await.unwrap();
    assert_eq!((past.total_count, past.list.len()), (2, 0));
    let zero = orgs.list_members(&sales, 1, 0, false).await.unwrap_err();
    assert_eq!(zero.kind(), ErrorKind::InvalidInput);
    let ghost = orgs.list_members("ghost", 1, 10, false).await.unwrap_err();
    assert_eq!(ghost.kind(), ErrorKind::NotFound);
    let all: Vec<_> = orgs
        .list_members_stream(&sales, true)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
}

#[tokio::test]
async fn move_members_between_nodes() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (_, root, sales, emea) = acme(&m).await;
    let ann = plain_user(&emu, "ann");
    let orgs = m.orgs();
    orgs.add_members(&sales, &owned(&[&ann])).await.unwrap();
    orgs.set_main_department(&ann, Some(&sales)).await.unwrap();
    let moved = orgs.move_members(&owned(&[&ann]), &emea, &sales).await;
    assert_eq!(moved.unwrap().code, Some(200));
    assert_eq!(department_codes(&m, &ann).await, [("emea".into(), true)]);

    let not_member = orgs.move_members(&owned(&[&ann]), &root, &sales).await;
    assert_code(&not_member.unwrap_err(), ErrorKind::InvalidInput, "400");
    let ghost = orgs.move_members(&owned(&[&ann]), "ghost", &emea).await;
    assert_code(&ghost.unwrap_err(), ErrorKind::NotFound, "404");
    let empty = orgs.move_members(&[], &root, &emea).await.unwrap_err();
    assert_eq!(empty.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn delete_members_from_a_node() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (_, _, sales, _) = acme(&m).await;
    let (ann, bob) = (plain_user(&emu, "ann"), plain_user(&emu, "bob"));
    let orgs = m.orgs();
    orgs.add_members(&sales, &owned(&[&ann, &bob]))
        .await
        .unwrap();
    let left = orgs.delete_members(&sales, &owned(&[&ann])).await.unwrap();
    assert_eq!(left.users.total_count, 1);
    assert_eq!(left.users.list[0].id, bob);
    assert!(department_codes(&m, &ann).await.is_empty());
    let empty = orgs.delete_members(&sales, &[]).await.unwrap_err();
    assert_eq!(empty.kind(), ErrorKind::InvalidInput);
    let ghost = orgs.delete_members("ghost", &owned(&[&bob])).await;
    assert_code(&ghost.unwrap_err(), ErrorKind::NotFound, "404");
}

#[tokio::test]
async fn set_main_department_is_seen_by_the_users_module() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (_, root, sales, _) = acme(&m).await;
    let ann = plain_user(&emu, "ann");
    let orgs = m.orgs();
    orgs.add_members(&root, &owned(&[&ann])).await.unwrap();
    orgs.add_members(&sales, &owned(&[&ann])).await.unwrap();
    orgs.set_main_department(&ann, Some(&sales)).await.unwrap();
    assert_eq!(
        department_codes(&m, &ann).await,
        [("acme".into(), false), ("sales".into(), true)]
    );
    orgs.set_main_department(&ann, None).await.unwrap();
    assert!(
        department_codes(&m, &ann)
            .await
            .iter()
            .all(|(_, main)| !main)
    );

    let bob = plain_user(&emu, "bob");
    let not_member = orgs.set_main_department(&bob, Some(&sales)).await;
    assert_code(&not_member.unwrap_err(), ErrorKind::InvalidInput, "400");
    let ghost = orgs.set_main_department("ghost", Some(&sales)).await;
    assert_code(&ghost.unwrap_err(), ErrorKind::NotFound, "2004");
    let no_node = orgs.set_main_department(&ann, Some("ghost")).await;
    assert_code(&no_node.unwrap_err(), ErrorKind::NotFound, "404");
}

#[tokio::test]
async fn import_by_json_then_export() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let tree = NodeTree::new("Globex", Some("globex"))
        .child(NodeTree::new("R&D", Some("rd")).child(NodeTree::new("Labs", Some("labs"))))
        .child(NodeTree::new("Ops", None));
    let orgs = m.orgs();
    orgs.import_by_json(&tree).await.unwrap();
    let listed = orgs.list(1, 10).await.unwrap();
    assert_eq!(listed.list[0].nodes.len(), 4);
    let org_id = listed.list[0].id.clone();

    let exported = orgs.export_all().await.unwrap();
    assert_eq!(exported.len(), 1);
    let root = &exported[0];
    assert_eq!(
        (root.name.as_str(), root.code.as_deref()),
        ("Globex", Some("globex"))
    );
    assert_eq!(root.children[0].children[0].name, "Labs");
    assert_eq!(root.children[1].name, "Ops");
    let one = orgs.export_by_org_id(&org_id).await.unwrap();
    assert_eq!(one, exported);
    let ghost = orgs.export_by_org_id("ghost").await.unwrap_err();
    assert_code(&ghost, ErrorKind::NotFound, "404");

    let twice = NodeTree::new("Dup", Some("x")).child(NodeTree::new("Dup2", Some("x")));
    let bad = orgs.import_by_json(&twice).await.unwrap_err();
    assert_code(&bad, ErrorKind::InvalidInput, "400");
    let unnamed = NodeTree::new("", None);
    let bad = orgs.import_by_json(&unnamed).await.unwrap_err();
    assert_code(&bad, ErrorKind::InvalidInput, "400");
    assert_eq!(
        orgs.list(1, 10).await.unwrap().total_count,
        1,
        "nothing imported"
    );
}

#[tokio::test]
async fn start_sync_of_each_directory() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let orgs = m.orgs();
    orgs.start_sync(&SyncProvider::DingTalk).await.unwrap();
    orgs.start_sync(&SyncProvider::WeChatWork).await.unwrap();
    let ad = SyncProvider::Ad {
        connector_id: "ad-1".into(),
    };
    orgs.start_sync(&ad).await.unwrap();
    let paths: Vec<String> = emu
        .received()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path != "/graphql/v2")
        .map(|r| r.path)
        .collect();
    assert_eq!(
        paths,
        [
            "/connections/enterprise/dingtalk/start-sync",
            "/connections/enterprise/wechatwork/start-sync",
            "/api/v2/ad/sync",
        ]
    );
    let empty = SyncProvider::Ad {
        connector_id: " ".into(),
    };
    let e = orgs.start_sync(&empty).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(emu.received().len(), paths.len() + 1, "nothing sent");
}

#[tokio::test]
async fn scenario_org_members_and_the_users_module() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let orgs = m.orgs();
    let org = orgs.create("Initech", Some("initech"), None).await.unwrap();
    let root = org.root_node.unwrap().id;
    let eng = orgs
        .create_node(&org.id, None, "Engineering", Some("eng"))
        .await
        .unwrap()
        .id;
    let qa = orgs
        .create_node(&org.id, None, "QA", Some("qa"))
        .await
        .unwrap()
        .id;
    // QA moves under Engineering.
    let moved = orgs.move_node(&org.id, &qa, &eng).await.unwrap();
    let tree = moved.tree();
    assert_eq!(tree.roots[0].node.id, root);
    assert_eq!(tree.roots[0].children[0].children[0].node.id, qa);

    let peter = plain_user(&emu, "peter");
    let milton = plain_user(&emu, "milton");
    orgs.add_members(&eng, &owned(&[&peter])).await.unwrap();
    orgs.add_members(&qa, &owned(&[&peter, &milton]))
        .await
        .unwrap();
    orgs.set_main_department(&peter, Some(&qa)).await.unwrap();

    // The users module sees the departments and the organization paths.
    let deps = m.users().list_department(&peter).await.unwrap();
    assert_eq!(deps.total_count, 2);
    let main: Vec<_> = deps
        .list
        .iter()
        .filter(|d| d.is_main_department == Some(true))
        .map(|d| d.department["id"].clone())
        .collect();
    assert_eq!(main, [json!(qa)]);
    let paths = m.users().list_org(&peter).await.unwrap();
    let qa_path: Vec<_> = paths[1]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].clone())
        .collect();
    assert_eq!(qa_path, [json!("initech"), json!("eng"), json!("qa")]);

    // Deleting Engineering deletes QA and every membership in them.
    orgs.delete_node(&org.id, &eng).await.unwrap();
    assert_eq!(
        m.users().list_department(&peter).await.unwrap().total_count,
        0
    );
    assert_eq!(
        m.users()
            .list_department(&milton)
            .await
            .unwrap()
            .total_count,
        0
    );
    assert_eq!(m.users().list_org(&peter).await.unwrap(), json!([]));
    let members = orgs.list_members(&root, 1, 10, true).await.unwrap();
    assert_eq!(members.total_count, 0);
}

#[tokio::test]
async fn the_emulator_refuses_what_the_schema_refuses() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let token = m.management_token().await.unwrap();
    let http = reqwest::Client::new();
    let post = |query: &str, variables: serde_json::Value| {
        let request = http
            .post(format!("{}/graphql/v2", emu.base_url()))
            .bearer_auth(token.expose_secret())
            .json(&json!({"query": query, "variables": variables}));
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap())
        }
    };
    for (query, variables, message) in [
        (
            "mutation createOrg($name: String!) { createOrg(name: $name) { id } }",
            json!({}),
            "Variable \"$name\" of required type \"String!\" was not provided.",
        ),
        (
            "mutation createOrg { createOrg(code: \"x\") { id } }",
            json!({}),
            "Field \"createOrg\" argument \"name\" of type \"String!\" is required, but it was not provided.",
        ),
        (
            "query nodeById($id: String) { nodeById(id: $id) { id } }",
            json!({"id": "n"}),
            "Variable \"$id\" of type \"String\" used in position expecting type \"String!\".",
        ),
        (
            "query nodeById($id: String!) { nodeById(id: $id) { users(size: 5) { totalCount } } }",
            json!({"id": "n"}),
            "Unknown argument \"size\" on field \"users\".",
        ),
        (
            "mutation moveNode($orgId: String!, $nodeId: String!) { moveNode(orgId: $orgId, nodeId: $nodeId) { id } }",
            json!({"orgId": "o", "nodeId": "n"}),
            "Field \"moveNode\" argument \"targetParentId\" of type \"String!\" is required, but it was not provided.",
        ),
        (
            "mutation addMember($userIds: [String]!) { addMember(nodeId: \"n\", userIds: $userIds) { id } }",
            json!({"userIds": ["u"]}),
            "Variable \"$userIds\" of type \"[String]!\" used in position expecting type \"[String!]!\".",
        ),
        (
            "mutation addNode($orgId: String!, $name: String!, $order: Int) { addNode(orgId: $orgId, name: $name, order: $order) { id } }",
            json!({"orgId": "o", "name": "n", "order": "first"}),
            "Variable \"$order\" got invalid value \"first\"; expected type \"Int\".",
        ),
        (
            "query orgs($s: SortByEnum) { orgs(sortBy: $s) { totalCount } }",
            json!({"s": "NEWEST"}),
            "Variable \"$s\" got invalid value \"NEWEST\"; expected type \"SortByEnum\".",
        ),
    ] {
        let (status, body) = post(query, variables).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["errors"][0]["message"], message, "{query}");
    }
    assert_eq!(
        m.orgs().list(1, 10).await.unwrap().total_count,
        0,
        "nothing created"
    );
}
