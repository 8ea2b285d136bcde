//! The orgs module of the wire check (`wire_management.rs`): each reference call recorded in
//! `ops_authing_management_orgs.py`, made with the same inputs. The reference's duplicate
//! `create_org`/`create` are both [`Orgs::create`](polyauth_authing::Orgs::create), its
//! `treeify=True` calls the same request with the tree built client-side.

use polyauth_authing::ManagementClient;
use polyauth_authing::types::{NewNode, NodeTree, ResourceType, SyncProvider};
use polyauth_testkit::wire::WireCheck;

use super::{OTHER_ID, USER_ID, strings};

const ORG_ID: &str = "wire-org-1";
const ROOT_ID: &str = "wire-node-root";
const NODE_ID: &str = "wire-node-1";
const CHILD_ID: &str = "wire-node-2";

pub async fn drive(check: &mut WireCheck, fresh: &impl Fn() -> ManagementClient) {
    // Organizations.
    for name in ["orgs.create_org", "orgs.create"] {
        check
            .run(name, || async {
                fresh()
                    .orgs()
                    .create("Acme", Some("acme"), Some("HQ"))
                    .await
            })
            .await;
    }
    check
        .run("orgs.create_org_name_only", || async {
            fresh().orgs().create("Acme", None, None).await
        })
        .await;
    check
        .run("orgs.delete_by_id", || async {
            fresh().orgs().delete_by_id(ORG_ID).await
        })
        .await;
    check
        .run("orgs.list", || async { fresh().orgs().list(2, 5).await })
        .await;
    check
        .run("orgs.list_treeify", || async {
            fresh().orgs().list_tree(1, 10).await
        })
        .await;
    check
        .run("orgs.find_by_id", || async {
            fresh().orgs().find_by_id(ORG_ID).await
        })
        .await;
    check
        .run("orgs.find_by_id_treeify", || async {
            let org = fresh().orgs().find_by_id(ORG_ID).await?;
            Ok::<_, polyauth_core::Error>(org.map(|o| o.tree()))
        })
        .await;

    // Nodes.
    check
        .run("orgs.create_node", || async {
            fresh()
                .orgs()
                .create_node(ORG_ID, Some(NODE_ID), "EMEA", Some("emea"))
                .await
        })
        .await;
    let mut apac = NewNode::new("APAC");
    apac.code = Some("apac".into());
    apac.description = Some("Asia".into());
    apac.order = Some(1);
    check
        .run("orgs.add_node", || async {
            fresh().orgs().add_node(ORG_ID, Some(NODE_ID), &apac).await
        })
        .await;
    let mut i18n = NewNode::new("APAC");
    i18n.name_i18n = Some("{\"en\": \"APAC\"}".into());
    check
        .run("orgs.add_node_i18n", || async {
            fresh().orgs().add_node(ORG_ID, None, &i18n).await
        })
        .await;
    check
        .run("orgs.get_node_by_id", || async {
            fresh().orgs().get_node_by_id(NODE_ID).await
        })
        .await;
    check
        .run("orgs.update_node", || async {
            fresh()
                .orgs()
                .update_node(NODE_ID, Some("Sales EU"), Some("sales-eu"), None)
                .await
        })
        .await;
    check
        .run("orgs.delete_node", || async {
            fresh().orgs().delete_node(ORG_ID, NODE_ID).await
        })
        .await;
    check
        .run("orgs.is_root_node", || async {
            fresh().orgs().is_root_node(ORG_ID, ROOT_ID).await
        })
        .await;
    check
        .run("orgs.move_node", || async {
            fresh().orgs().move_node(ORG_ID, CHILD_ID, ROOT_ID).await
        })
        .await;
    check
        .run("orgs.list_children", || async {
            fresh().orgs().list_children(NODE_ID).await
        })
        .await;
    check
        .run("orgs.root_node", || async {
            fresh().orgs().root_node(ORG_ID).await
        })
        .await;
    check
        .run("orgs.search_nodes", || async {
            fresh().orgs().search_nodes("EM").await
        })
        .await;

    // Roles and resources of a node.
    let two = strings(&["seller", "auditor"]);
    check
        .run("orgs.add_roles", || async {
            fresh().orgs().add_roles(NODE_ID, &two, Some("cms")).await
        })
        .await;
    let seller = strings(&["seller"]);
    check
        .run("orgs.remove_roles", || async {
            fresh().orgs().remove_roles(NODE_ID, &seller, None).await
        })
        .await;
    check
        .run("orgs.list_roles", || async {
            fresh().orgs().list_roles(NODE_ID, Some("default")).await
        })
        .await;
    check
        .run("orgs.list_authorized_resources", || async {
            fresh()
                .orgs()
                .list_authorized_resources(NODE_ID, Some("default"), Some(ResourceType::Data))
                .await
        })
        .await;
    check
        .run("orgs.list_authorized_resources_by_code", || async {
            fresh()
                .orgs()
                .list_authorized_resources_by_code(ORG_ID, "sales", Some("default"), None)
                .await
        })
        .await;

    // Members.
    let both = strings(&[USER_ID, OTHER_ID]);
    let one = strings(&[USER_ID]);
    check
        .run("orgs.add_members", || async {
            fresh().orgs().add_members(NODE_ID, &both).await
        })
        .await;
    check
        .run("orgs.list_members", || async {
            fresh().orgs().list_members(NODE_ID, 2, 20, true).await
        })
        .await;
    check
        .run("orgs.move_members", || async {
            fresh().orgs().move_members(&one, CHILD_ID, NODE_ID).await
        })
        .await;
    check
        .run("orgs.delete_members", || async {
            fresh().orgs().delete_members(NODE_ID, &one).await
        })
        .await;
    check
        .run("orgs.set_main_department", || async {
            fresh()
                .orgs()
                .set_main_department(USER_ID, Some(NODE_ID))
                .await
        })
        .await;

    // Import, export, directory sync.
    let tree = NodeTree::new("Acme", Some("acme")).child(NodeTree::new("Sales", Some("sales")));
    check
        .run("orgs.import_by_json", || async {
            fresh().orgs().import_by_json(&tree).await
        })
        .await;
    check
        .run("orgs.export_all", || async {
            fresh().orgs().export_all().await
        })
        .await;
    check
        .run("orgs.export_by_org_id", || async {
            fresh().orgs().export_by_org_id(ORG_ID).await
        })
        .await;
    check
        .run("orgs.start_sync_dingtalk", || async {
            fresh().orgs().start_sync(&SyncProvider::DingTalk).await
        })
        .await;
    check
        .run("orgs.start_sync_wechatwork", || async {
            fresh().orgs().start_sync(&SyncProvider::WeChatWork).await
        })
        .await;
    let ad = SyncProvider::Ad {
        connector_id: "wire-ad-1".into(),
    };
    check
        .run("orgs.start_sync_ad", || async {
            fresh().orgs().start_sync(&ad).await
        })
        .await;
}
