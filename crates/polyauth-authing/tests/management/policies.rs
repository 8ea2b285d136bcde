//! The policies module of the ManagementClient over the emulator: every method, its bad input
//! (unknown codes and targets, duplicate codes, empty lists, pages past the end) and a
//! scenario; assignments are shared with the users and roles modules.

use crate::common::*;
use futures::TryStreamExt;
use polyauth_authing::types::{PolicyCondition, PolicyEffect, PolicyStatement, PolicyTargetType};
use polyauth_authing::{ManagementClient, STREAM_PAGE_SIZE};
use polyauth_core::ErrorKind;
use polyauth_testkit::authing::{AuthingEmulator, SeedUser};
use serde_json::json;

fn read_books() -> PolicyStatement {
    PolicyStatement::new("books:*", &["books:read"])
}

async fn create(m: &ManagementClient, code: &str) {
    m.policies()
        .create(code, &[read_books()], None)
        .await
        .unwrap();
}

#[tokio::test]
async fn create_detail_update_and_delete() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let policies = m.policies();
    let statements = [
        read_books().with_effect(PolicyEffect::Allow),
        PolicyStatement::new("books:secret", &["books:read", "books:write"])
            .with_effect(PolicyEffect::Deny)
            .with_condition(PolicyCondition::new("AppId", "StringEquals", "app-1")),
    ];
    let created = policies
        .create("readers", &statements, Some("Read books"))
        .await
        .unwrap();
    assert_eq!(created.code, "readers");
    assert_eq!(created.statements, statements);
    assert_eq!(created.assignments_count, Some(0));
    assert_eq!(created.is_default, Some(false));
    assert_eq!(
        emu.last_variables("createPolicy").unwrap()["statements"][0],
        json!({"resource": "books:*", "actions": ["books:read"], "effect": "ALLOW"}),
        "unset fields are not sent"
    );
    let dup = policies
        .create("readers", &statements, None)
        .await
        .unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::InvalidInput);
    assert_eq!(dup.provider_code(), Some("400"));
    let calls = emu.op_calls("createPolicy");
    let empty = policies.create("none", &[], None).await.unwrap_err();
    assert_eq!(empty.kind(), ErrorKind::InvalidInput);
    assert_eq!(emu.op_calls("createPolicy"), calls, "nothing is sent");

    let found = policies.detail("readers").await.unwrap().unwrap();
    assert_eq!(
        (found.description.as_deref(), found.statements.len()),
        (Some("Read books"), 2)
    );
    assert_eq!(policies.detail("ghost").await.unwrap(), None);

    let updated = policies
        .update("readers", &[read_books()], None)
        .await
        .unwrap();
    assert_eq!(updated.statements, [read_books()]);
    assert_eq!(
        updated.description.as_deref(),
        Some("Read books"),
        "None keeps"
    );
    let missing = policies
        .update("ghost", &[read_books()], None)
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert_eq!(missing.provider_code(), Some("404"));
    assert_eq!(
        policies
            .update("readers", &[], None)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidInput
    );

    assert_eq!(policies.delete("readers").await.unwrap().code, Some(200));
    assert_eq!(
        policies.delete("readers").await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn list_pages_delete_many_and_stream() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let policies = m.policies();
    let total = STREAM_PAGE_SIZE as usize + 1;
    for i in 0..total {
        create(&m, &format!("p{i:03}")).await;
    }
    let page = policies.list(2, 10).await.unwrap();
    assert_eq!(
        (page.total_count, page.list[0].code.as_str()),
        (total as u64, "p010")
    );
    assert!(policies.list(50, 10).await.unwrap().list.is_empty());
    assert_eq!(
        policies.list(0, 10).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    let all: Vec<_> = policies.list_stream().try_collect().await.unwrap();
    assert_eq!(all.len(), total);

    let unknown = policies
        .delete_many(&owned(&["p000", "ghost"]))
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    policies
        .delete_many(&owned(&["p000", "p001"]))
        .await
        .unwrap();
    assert_eq!(
        policies.list(1, 10).await.unwrap().total_count,
        total as u64 - 2
    );
    assert_eq!(
        policies.delete_many(&[]).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

#[tokio::test]
async fn assignments_to_every_target_type() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let policies = m.policies();
    let ann = emu.add_user(SeedUser {
        username: Some("ann".into()),
        ..SeedUser::default()
    });
    m.roles().create("editor", None, None, None).await.unwrap();
    m.groups().create("staff", "Staff", None).await.unwrap();
    create(&m, "readers").await;
    create(&m, "writers").await;

    let both = owned(&["readers", "writers"]);
    policies
        .add_assignments(&both, PolicyTargetType::User, std::slice::from_ref(&ann))
        .await
        .unwrap();
    assert_eq!(
        emu.last_variables("addPolicyAssignments").unwrap(),
        json!({"policies": both, "targetType": "USER", "targetIdentifiers": [ann]})
    );
    policies
        .add_assignments(
            &owned(&["readers"]),
            PolicyTargetType::Role,
            &owned(&["editor"]),
        )
        .await
        .unwrap();
    policies
        .add_assignments(
            &owned(&["readers"]),
            PolicyTargetType::Group,
            &owned(&["staff"]),
        )
        .await
        .unwrap();
    policies
        .add_assignments(
            &owned(&["readers"]),
            PolicyTargetType::Org,
            &owned(&["node-1"]),
        )
        .await
        .unwrap();

    let readers = policies.list_assignments("readers", 1, 10).await.unwrap();
    assert_eq!(readers.total_count, 4);
    let kinds: Vec<_> = readers
        .list
        .iter()
        .map(|a| a.target_type.clone().unwrap())
        .collect();
    assert_eq!(kinds, ["USER", "ROLE", "GROUP", "ORG"]);
    assert_eq!(
        policies.detail("readers").await.unwrap().unwrap().code,
        "readers"
    );
    // The users and roles modules see the same assignments.
    assert_eq!(
        m.users()
            .list_policies(&ann, 1, 10)
            .await
            .unwrap()
            .total_count,
        2
    );
    assert_eq!(
        m.roles().list_policies("editor", 1, 10).await.unwrap().list[0].code,
        "readers"
    );
    let streamed: Vec<_> = policies
        .list_assignments_stream("readers")
        .try_collect()
        .await
        .unwrap();
    assert_eq!(streamed, readers.list);
    assert!(
        policies
            .list_assignments("readers", 9, 10)
            .await
            .unwrap()
            .list
            .is_empty()
    );

    // Enable and disable.
    assert_eq!(
        emu.policy_assignment_enabled("readers", "ROLE", "editor"),
        Some(true)
    );
    policies
        .disable_assignment("readers", PolicyTargetType::Role, "editor", None)
        .await
        .unwrap();
    assert_eq!(emu.op_calls("disbalePolicyAssignment"), 1);
    assert_eq!(
        emu.policy_assignment_enabled("readers", "ROLE", "editor"),
        Some(false)
    );
    policies
        .enable_assignment("readers", PolicyTargetType::Role, "editor", Some("default"))
        .await
        .unwrap();
    assert_eq!(
        emu.policy_assignment_enabled("readers", "ROLE", "editor"),
        Some(true)
    );
    let none = policies
        .enable_assignment("writers", PolicyTargetType::Group, "staff", None)
        .await
        .unwrap_err();
    assert_eq!(none.kind(), ErrorKind::NotFound);

    // Removing, and deleting a role, a group or the policy takes the assignments along.
    policies
        .remove_assignments(&both, PolicyTargetType::User, std::slice::from_ref(&ann))
        .await
        .unwrap();
    assert_eq!(
        m.users()
            .list_policies(&ann, 1, 10)
            .await
            .unwrap()
            .total_count,
        0
    );
    m.roles()
        .update("editor", None, Some("author"), None)
        .await
        .unwrap();
    assert_eq!(
        m.roles()
            .list_policies("author", 1, 10)
            .await
            .unwrap()
            .total_count,
        1,
        "a renamed role keeps its assignments"
    );
    m.roles().delete("author", None).await.unwrap();
    m.groups().delete("staff").await.unwrap();
    let left = policies.list_assignments("readers", 1, 10).await.unwrap();
    assert_eq!(left.list.len(), 1);
    assert_eq!(left.list[0].target_type.as_deref(), Some("ORG"));
    policies.delete("readers").await.unwrap();
    assert_eq!(
        emu.policy_assignment_enabled("readers", "ORG", "node-1"),
        None
    );

    // Bad input: unknown policies and targets change nothing; empty lists send nothing.
    for (policy, kind, target) in [
        ("ghost", PolicyTargetType::User, ann.as_str()),
        ("writers", PolicyTargetType::User, "nobody"),
        ("writers", PolicyTargetType::Role, "ghost"),
        ("writers", PolicyTargetType::Group, "ghost"),
    ] {
        let e = policies
            .add_assignments(&owned(&[policy]), kind, &owned(&[target]))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound, "{policy} {kind:?} {target}");
    }
    assert_eq!(
        policies
            .list_assignments("writers", 1, 10)
            .await
            .unwrap()
            .total_count,
        0
    );
    for e in [
        policies
            .add_assignments(&[], PolicyTargetType::User, std::slice::from_ref(&ann))
            .await
            .unwrap_err(),
        policies
            .remove_assignments(&both, PolicyTargetType::User, &[])
            .await
            .unwrap_err(),
        policies
            .list_assignments("writers", 1, 0)
            .await
            .unwrap_err(),
        m.users().add_policies(&ann, &[]).await.unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    }
}

/// An access review: a policy for auditors is written, given to a role and a group, paused
/// for the group during a review, then retired with all its assignments.
#[tokio::test]
async fn scenario_an_access_review() {
    let emu = AuthingEmulator::start().await;
    let m = mgmt_client(&emu);
    let policies = m.policies();
    m.roles().create("auditor", None, None, None).await.unwrap();
    m.groups().create("finance", "Finance", None).await.unwrap();
    let audit = [
        PolicyStatement::new("ledger:*", &["ledger:read"]).with_effect(PolicyEffect::Allow),
        PolicyStatement::new("ledger:*", &["ledger:write"]).with_effect(PolicyEffect::Deny),
    ];
    policies
        .create("audit", &audit, Some("Auditors"))
        .await
        .unwrap();
    m.roles()
        .add_policies("auditor", &owned(&["audit"]))
        .await
        .unwrap();
    policies
        .add_assignments(
            &owned(&["audit"]),
            PolicyTargetType::Group,
            &owned(&["finance"]),
        )
        .await
        .unwrap();
    assert_eq!(
        policies
            .list_assignments("audit", 1, 10)
            .await
            .unwrap()
            .total_count,
        2
    );

    policies
        .disable_assignment("audit", PolicyTargetType::Group, "finance", None)
        .await
        .unwrap();
    assert_eq!(
        emu.policy_assignment_enabled("audit", "GROUP", "finance"),
        Some(false)
    );
    let tightened = [PolicyStatement::new("ledger:2026", &["ledger:read"])];
    let updated = policies.update("audit", &tightened, None).await.unwrap();
    assert_eq!(updated.statements, tightened);
    policies
        .enable_assignment("audit", PolicyTargetType::Group, "finance", None)
        .await
        .unwrap();

    policies.delete("audit").await.unwrap();
    assert_eq!(
        m.roles()
            .list_policies("auditor", 1, 10)
            .await
            .unwrap()
            .total_count,
        0
    );
    assert!(
        policies
            .list_stream()
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .is_empty()
    );
}
