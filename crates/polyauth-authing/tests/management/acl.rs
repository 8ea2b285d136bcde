//! The acl module of the ManagementClient over the emulator (namespaces, resources,
//! authorizations, `allow`/`is_allowed`): a test per method, bad input as typed errors with
//! Authing's code kept, and the scenario namespace → resources → role → authorization →
//! member → allowed → revoked. The application side is in `acl_access.rs`.

use crate::common::*;
use futures::TryStreamExt;
use polyauth_authing::types::{
    ActionsFilter, ActionsOperator, AllowSubject, AuthorizationTarget, NamespaceUpdate,
    NewResource, PolicyTargetType, ResourceAction, ResourceType, ResourceUpdate,
};
use polyauth_authing::{Acl, ManagementClient};
use polyauth_core::ErrorKind;
use polyauth_testkit::authing::AuthingEmulator;

/// `acl.is_allowed(user, action, resource, namespace)`, unwrapped.
async fn allowed(acl: &Acl<'_>, user: &str, action: &str, resource: &str, ns: &str) -> bool {
    acl.is_allowed(user, action, resource, ns).await.unwrap()
}

fn target(kind: PolicyTargetType, id: &str, actions: &[&str]) -> AuthorizationTarget {
    AuthorizationTarget::new(kind, id, owned(actions))
}

/// A namespace `library` with the `books` resource.
async fn library(m: &ManagementClient) {
    m.acl()
        .create_namespace("library", "Library", None)
        .await
        .unwrap();
    m.acl().create_resource("library", &books()).await.unwrap();
}

#[tokio::test]
async fn allow_lets_a_user_and_a_role_act() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let (ann, ben) = (plain_user(&emu, "ann"), plain_user(&emu, "ben"));
    let acl = m.acl();
    assert!(!allowed(&acl, &ann, "books:read", "books:1", "default").await);
    let said = acl
        .allow(
            "books:1",
            "books:read",
            "default",
            &AllowSubject::User(ann.clone()),
        )
        .await
        .unwrap();
    assert_eq!(said.code, Some(200));
    assert!(allowed(&acl, &ann, "books:read", "books:1", "default").await);
    assert!(!allowed(&acl, &ann, "books:edit", "books:1", "default").await);
    assert!(!allowed(&acl, &ann, "books:read", "books:2", "default").await);
    assert!(!allowed(&acl, &ann, "books:read", "books:1", "other").await);
    m.roles().create("editor", None, None, None).await.unwrap();
    acl.allow(
        "books:*",
        "books:edit",
        "default",
        &AllowSubject::Role("editor".into()),
    )
    .await
    .unwrap();
    assert!(!allowed(&acl, &ben, "books:edit", "books:9", "default").await);
    m.roles()
        .add_users("editor", std::slice::from_ref(&ben), None)
        .await
        .unwrap();
    assert!(allowed(&acl, &ben, "books:edit", "books:9", "default").await);
    let unknown = acl
        .allow(
            "books:1",
            "books:read",
            "default",
            &AllowSubject::Role("nobody".into()),
        )
        .await
        .unwrap_err();
    assert_code(&unknown, ErrorKind::NotFound, "404");
    let unknown = acl
        .is_allowed("no-such-user", "books:read", "books:1", "default")
        .await
        .unwrap_err();
    assert_code(&unknown, ErrorKind::NotFound, "2004");
}

#[tokio::test]
async fn namespaces_create_update_list_delete() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let acl = m.acl();
    let ns = acl
        .create_namespace("library", "Library", Some("books and loans"))
        .await
        .unwrap();
    assert_eq!(
        (
            ns.code.as_str(),
            ns.name.as_deref(),
            ns.description.as_deref()
        ),
        ("library", Some("Library"), Some("books and loans"))
    );
    let mut update = NamespaceUpdate::new();
    update.name = Some("City library".into());
    update.code = Some("city-library".into());
    let changed = acl.update_namespace(ns.id, &update).await.unwrap();
    assert_eq!((changed.id, changed.code.as_str()), (ns.id, "city-library"));
    assert_eq!(changed.name.as_deref(), Some("City library"));
    for i in 0..4 {
        acl.create_namespace(&format!("ns-{i}"), "N", None)
            .await
            .unwrap();
    }
    let second = acl.list_namespaces(2, 2).await.unwrap();
    assert_eq!((second.total_count, second.list.len()), (5, 2));
    assert!(acl.list_namespaces(9, 2).await.unwrap().list.is_empty());
    let every: Vec<_> = acl.list_namespaces_stream().try_collect().await.unwrap();
    assert_eq!(every.len(), 5);
    acl.delete_namespace(ns.id).await.unwrap();
    let left: Vec<_> = acl.list_namespaces_stream().try_collect().await.unwrap();
    assert!(left.iter().all(|n| n.id != ns.id));
}

#[tokio::test]
async fn namespace_bad_input_is_typed_errors() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let acl = m.acl();
    let ns = acl
        .create_namespace("library", "Library", None)
        .await
        .unwrap();
    let taken = acl
        .create_namespace("library", "Again", None)
        .await
        .unwrap_err();
    assert_code(&taken, ErrorKind::InvalidInput, "400");
    let mut update = NamespaceUpdate::new();
    update.name = Some("X".into());
    for unknown in [
        acl.update_namespace(ns.id + 1000, &update)
            .await
            .unwrap_err(),
        acl.delete_namespace(ns.id + 1000).await.unwrap_err(),
    ] {
        assert_code(&unknown, ErrorKind::NotFound, "404");
    }
    let sent = emu.received().len();
    for err in [
        acl.create_namespace("", "Empty", None).await.unwrap_err(),
        acl.update_namespace(ns.id, &NamespaceUpdate::new())
            .await
            .unwrap_err(),
        acl.list_namespaces(0, 10).await.unwrap_err(),
        acl.list_namespaces(1, 0).await.unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.provider_code(), None);
    }
    assert_eq!(emu.received().len(), sent, "nothing is sent for bad input");
}

#[tokio::test]
async fn resources_create_read_update_list_delete() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let acl = m.acl();
    acl.create_namespace("library", "Library", None)
        .await
        .unwrap();
    let created = acl.create_resource("library", &books()).await.unwrap();
    assert_eq!(created.code, "books");
    assert_eq!(created.resource_type.as_deref(), Some("DATA"));
    assert_eq!(created.actions, books().actions);
    let id = created.id.clone().unwrap();
    assert_eq!(acl.get_resource_by_id(&id).await.unwrap(), created);
    assert_eq!(
        acl.get_resource_by_code("library", "books").await.unwrap(),
        created
    );
    let mut api = NewResource::new(
        "loans",
        ResourceType::Api,
        vec![ResourceAction::new("loans:create", "lend a book")],
    );
    api.api_identifier = Some("https://library.example.com/api/loans".into());
    acl.create_resource("library", &api).await.unwrap();
    let mut update = ResourceUpdate::new();
    update.description = Some("the catalogue".into());
    update.resource_type = Some(ResourceType::Menu);
    let changed = acl
        .update_resource("library", "books", &update)
        .await
        .unwrap();
    assert_eq!(changed.description.as_deref(), Some("the catalogue"));
    assert_eq!(changed.resource_type.as_deref(), Some("MENU"));
    assert_eq!(
        changed.actions,
        books().actions,
        "actions not sent are kept"
    );
    let apis = acl
        .list_resources("library", Some(ResourceType::Api), 1, 10)
        .await
        .unwrap();
    assert_eq!(apis.total_count, 1);
    assert_eq!(
        apis.list[0].api_identifier.as_deref(),
        api.api_identifier.as_deref()
    );
    let page = acl.list_resources("library", None, 2, 1).await.unwrap();
    assert_eq!((page.total_count, page.list.len()), (2, 1));
    assert!(
        acl.list_resources("library", None, 3, 1)
            .await
            .unwrap()
            .list
            .is_empty()
    );
    let every: Vec<_> = acl
        .list_resources_stream("library", None)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(every.len(), 2);
    acl.delete_resource("library", "books").await.unwrap();
    let gone = acl.get_resource_by_id(&id).await.unwrap_err();
    assert_code(&gone, ErrorKind::NotFound, "404");
}

#[tokio::test]
async fn resource_bad_input_is_typed_errors() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    library(&m).await;
    let acl = m.acl();
    let taken = acl.create_resource("library", &books()).await.unwrap_err();
    assert_code(&taken, ErrorKind::InvalidInput, "400");
    let nowhere = acl
        .create_resource("no-such-ns", &books())
        .await
        .unwrap_err();
    assert_code(&nowhere, ErrorKind::NotFound, "404");
    let listed = acl
        .list_resources("no-such-ns", None, 1, 10)
        .await
        .unwrap_err();
    assert_code(&listed, ErrorKind::NotFound, "404");
    for unknown in [
        acl.update_resource("library", "films", &ResourceUpdate::new())
            .await
            .unwrap_err(),
        acl.delete_resource("library", "films").await.unwrap_err(),
        acl.get_resource_by_code("library", "films")
            .await
            .unwrap_err(),
        acl.get_resource_by_id("no-such-id").await.unwrap_err(),
    ] {
        assert_code(&unknown, ErrorKind::NotFound, "404");
    }
    let sent = emu.received().len();
    let mut no_actions = books();
    no_actions.actions.clear();
    for err in [
        acl.create_resource("library", &no_actions)
            .await
            .unwrap_err(),
        acl.create_resource(
            "library",
            &NewResource::new("", ResourceType::Ui, books().actions),
        )
        .await
        .unwrap_err(),
        acl.delete_resource("library", "").await.unwrap_err(),
        acl.get_resource_by_id("").await.unwrap_err(),
        acl.list_resources("library", None, 0, 1).await.unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
    assert_eq!(emu.received().len(), sent, "nothing is sent for bad input");
}

#[tokio::test]
async fn authorizations_are_listed_per_target_and_per_resource() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    library(&m).await;
    let ann = seed(&emu, "ann", "pw");
    m.roles()
        .create("reader", None, None, Some("library"))
        .await
        .unwrap();
    let acl = m.acl();
    let targets = [
        target(PolicyTargetType::User, &ann, &["books:read", "books:edit"]),
        target(PolicyTargetType::Role, "reader", &["books:read"]),
        target(PolicyTargetType::Group, "staff", &["books:edit"]),
        target(PolicyTargetType::Org, "node-1", &["books:read"]),
    ];
    acl.authorize_resource("library", "books", &targets)
        .await
        .unwrap();
    let of_role = acl
        .list_authorized_resources("library", PolicyTargetType::Role, "reader", None)
        .await
        .unwrap();
    assert_eq!(of_role.total_count, 1);
    assert_eq!(
        (
            of_role.list[0].code.as_str(),
            of_role.list[0].resource_type.as_deref()
        ),
        ("books", Some("DATA"))
    );
    assert_eq!(of_role.list[0].actions, owned(&["books:read"]));
    let through_roles = m
        .roles()
        .list_authorized_resources("reader", "library", None)
        .await
        .unwrap();
    assert_eq!(
        through_roles.list, of_role.list,
        "one state for both modules"
    );
    let menus = acl
        .list_authorized_resources(
            "library",
            PolicyTargetType::User,
            &ann,
            Some(ResourceType::Menu),
        )
        .await
        .unwrap();
    assert_eq!(menus.total_count, 0);
    let all = acl
        .get_authorized_targets("library", ResourceType::Data, "books", None, None)
        .await
        .unwrap();
    assert_eq!(all.total_count, 4);
    let both = ActionsFilter::new(ActionsOperator::And, owned(&["books:read", "books:edit"]));
    let and = acl
        .get_authorized_targets("library", ResourceType::Data, "books", Some(&both), None)
        .await
        .unwrap();
    assert_eq!(and.list.len(), 1);
    assert_eq!(and.list[0].target_identifier, ann);
    let either = ActionsFilter::new(ActionsOperator::Or, owned(&["books:edit"]));
    let groups = acl
        .get_authorized_targets(
            "library",
            ResourceType::Data,
            "books",
            Some(&either),
            Some(PolicyTargetType::Group),
        )
        .await
        .unwrap();
    assert_eq!(groups.list.len(), 1);
    assert_eq!(groups.list[0].target_type, PolicyTargetType::Group);
    assert_eq!(groups.list[0].target_identifier, "staff");
    // ann holds the action herself and through her group.
    assert!(allowed(&acl, &ann, "books:edit", "books", "library").await);
}

#[tokio::test]
async fn revoke_takes_actions_then_the_resource() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    library(&m).await;
    let ann = plain_user(&emu, "ann");
    let acl = m.acl();
    let both = [target(
        PolicyTargetType::User,
        &ann,
        &["books:read", "books:edit"],
    )];
    acl.authorize_resource("library", "books", &both)
        .await
        .unwrap();
    let edit = [target(PolicyTargetType::User, &ann, &["books:edit"])];
    acl.revoke_resource("library", "books", &edit)
        .await
        .unwrap();
    assert!(allowed(&acl, &ann, "books:read", "books", "library").await);
    assert!(!allowed(&acl, &ann, "books:edit", "books", "library").await);
    let read = [target(PolicyTargetType::User, &ann, &["books:read"])];
    acl.revoke_resource("library", "books", &read)
        .await
        .unwrap();
    let left = acl
        .list_authorized_resources("library", PolicyTargetType::User, &ann, None)
        .await
        .unwrap();
    assert_eq!(left.total_count, 0);
}

#[tokio::test]
async fn authorization_bad_input_is_typed_errors() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    library(&m).await;
    let acl = m.acl();
    let unknown_resource = acl
        .authorize_resource(
            "library",
            "films",
            &[target(PolicyTargetType::Role, "x", &["a"])],
        )
        .await
        .unwrap_err();
    assert_code(&unknown_resource, ErrorKind::NotFound, "404");
    let unknown_role = acl
        .authorize_resource(
            "library",
            "books",
            &[target(PolicyTargetType::Role, "x", &["a"])],
        )
        .await
        .unwrap_err();
    assert_code(&unknown_role, ErrorKind::NotFound, "404");
    let unknown_user = acl
        .revoke_resource(
            "library",
            "books",
            &[target(PolicyTargetType::User, "nobody", &[])],
        )
        .await
        .unwrap_err();
    assert_code(&unknown_user, ErrorKind::NotFound, "2004");
    let unknown_group = acl
        .list_authorized_resources("library", PolicyTargetType::Group, "nobody", None)
        .await
        .unwrap_err();
    assert_code(&unknown_group, ErrorKind::NotFound, "404");
    let sent = emu.received().len();
    let empty = ActionsFilter::new(ActionsOperator::Or, Vec::new());
    for err in [
        acl.authorize_resource("library", "books", &[])
            .await
            .unwrap_err(),
        acl.revoke_resource("library", "books", &[])
            .await
            .unwrap_err(),
        acl.get_authorized_targets("library", ResourceType::Data, "books", Some(&empty), None)
            .await
            .unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
    assert_eq!(emu.received().len(), sent, "nothing is sent for bad input");
}

/// A namespace with resources and a role; the role is authorized, a user joins it and is
/// allowed; the authorization is revoked and the user is not allowed any more.
#[tokio::test]
async fn scenario_a_role_authorized_then_revoked() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let acl = m.acl();
    acl.create_namespace("library", "Library", None)
        .await
        .unwrap();
    acl.create_resource("library", &books()).await.unwrap();
    let loans = NewResource::new(
        "loans",
        ResourceType::Api,
        vec![ResourceAction::new("loans:create", "lend")],
    );
    acl.create_resource("library", &loans).await.unwrap();
    m.roles()
        .create("librarian", None, None, Some("library"))
        .await
        .unwrap();
    let grant = [target(PolicyTargetType::Role, "librarian", &["books:edit"])];
    acl.authorize_resource("library", "books", &grant)
        .await
        .unwrap();
    let ann = plain_user(&emu, "ann");
    assert!(!allowed(&acl, &ann, "books:edit", "books", "library").await);
    m.roles()
        .add_users("librarian", std::slice::from_ref(&ann), Some("library"))
        .await
        .unwrap();
    assert!(allowed(&acl, &ann, "books:edit", "books", "library").await);
    assert!(!allowed(&acl, &ann, "loans:create", "loans", "library").await);
    acl.revoke_resource("library", "books", &grant)
        .await
        .unwrap();
    assert!(!allowed(&acl, &ann, "books:edit", "books", "library").await);
    let held = acl
        .list_authorized_resources("library", PolicyTargetType::Role, "librarian", None)
        .await
        .unwrap();
    assert!(held.list.is_empty());
}

/// The emulator's schema checks refuse what Authing's schema refuses: an enum value or an
/// input-object field the schema does not have, a missing required variable.
#[tokio::test]
async fn the_emulator_refuses_variables_the_schema_refuses() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let token = m.management_token().await.unwrap();
    let http = reqwest::Client::new();
    let authorize = "mutation authorizeResource($namespace: String, $resource: String, $opts: [AuthorizeResourceOpt]) { authorizeResource(namespace: $namespace, resource: $resource, opts: $opts) { code } }";
    let targets = "query authorizedTargets($namespace: String!, $resourceType: ResourceType!, $resource: String!, $actions: AuthorizedTargetsActionsInput) { authorizedTargets(namespace: $namespace, resource: $resource, resourceType: $resourceType, actions: $actions) { totalCount } }";
    let allowed = "query isActionAllowed($resource: String!, $action: String!, $userId: String!) { isActionAllowed(resource: $resource, action: $action, userId: $userId) }";
    let opt =
        |t: &str| serde_json::json!([{"targetType": t, "targetIdentifier": "r", "actions": []}]);
    for (document, variables) in [
        (
            authorize,
            serde_json::json!({"namespace": "default", "resource": "b", "opts": opt("NOBODY")}),
        ),
        (
            authorize,
            serde_json::json!({"resource": "b", "opts": [{"targetType": "ROLE", "targetIdentifier": "r", "color": 1}]}),
        ),
        (
            authorize,
            serde_json::json!({"resource": "b", "opts": [{"targetType": "ROLE"}]}),
        ),
        (
            targets,
            serde_json::json!({"namespace": "d", "resourceType": "FILM", "resource": "b"}),
        ),
        (
            targets,
            serde_json::json!({"namespace": "d", "resourceType": "DATA", "resource": "b", "actions": {"op": "XOR", "list": []}}),
        ),
        (
            allowed,
            serde_json::json!({"resource": "b", "action": "read"}),
        ),
    ] {
        let answer = http
            .post(format!("{}/graphql/v2", emu.base_url()))
            .bearer_auth(token.expose_secret())
            .json(&serde_json::json!({"query": document, "variables": variables}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 400, "{variables}");
    }
    let fine = http
        .post(format!("{}/graphql/v2", emu.base_url()))
        .bearer_auth(token.expose_secret())
        .json(&serde_json::json!({"query": targets, "variables": {"namespace": "default", "resourceType": "DATA", "resource": "b", "actions": {"op": "AND", "list": ["read"]}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(fine.status(), 200);
}

/// A resource granted to a node itself (acl `authorize_resource`, target type `ORG`) is one
/// of the node's authorized resources, and its members (not its non-members) may use it, as
/// they may use the resources of the node's roles; leaving the node takes both away.
#[tokio::test]
async fn node_grants_reach_its_resources_and_its_members() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    library(&m).await;
    let orgs = m.orgs();
    let org = orgs.create("Acme", Some("acme"), None).await.unwrap();
    let sales = orgs.create_node(&org.id, None, "Sales", Some("sales"));
    let sales = sales.await.unwrap().id;
    let acl = m.acl();
    let to_sales = target(PolicyTargetType::Org, &sales, &["books:read"]);
    acl.authorize_resource("library", "books", &[to_sales])
        .await
        .unwrap();
    m.roles()
        .create("editor", None, None, Some("library"))
        .await
        .unwrap();
    let to_editor = target(PolicyTargetType::Role, "editor", &["books:edit"]);
    acl.authorize_resource("library", "books", &[to_editor])
        .await
        .unwrap();
    orgs.add_roles(&sales, &owned(&["editor"]), Some("library"))
        .await
        .unwrap();

    let listed = orgs
        .list_authorized_resources(&sales, Some("library"), None)
        .await
        .unwrap();
    assert_eq!(listed.total_count, 1, "one resource, its actions merged");
    assert_eq!(listed.list[0].code, "books");
    assert_eq!(listed.list[0].actions, owned(&["books:read", "books:edit"]));

    let (ann, bob) = (plain_user(&emu, "ann"), plain_user(&emu, "bob"));
    orgs.add_members(&sales, &owned(&[&ann])).await.unwrap();
    assert!(
        allowed(&acl, &ann, "books:read", "books", "library").await,
        "the node's own grant"
    );
    assert!(
        allowed(&acl, &ann, "books:edit", "books", "library").await,
        "the node's role"
    );
    assert!(
        !allowed(&acl, &bob, "books:read", "books", "library").await,
        "not a member"
    );
    orgs.delete_members(&sales, &owned(&[&ann])).await.unwrap();
    assert!(!allowed(&acl, &ann, "books:read", "books", "library").await);
    assert!(!allowed(&acl, &ann, "books:edit", "books", "library").await);
}
