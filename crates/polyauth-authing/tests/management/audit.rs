//! The audit_log and principal_authentication modules of the ManagementClient over the
//! emulator: every method, bad input (unknown users, authenticating twice, empty fields,
//! pages past the end) and a scenario each; authenticating a user shows in the audit log.

use crate::common::*;
use futures::TryStreamExt;
use polyauth_authing::types::{AuditLogFilter, PrincipalType};
use polyauth_core::ErrorKind;
use polyauth_testkit::authing::AuthingEmulator;

fn ops(
    page: &polyauth_authing::types::Paginated<polyauth_authing::types::AuditLogEntry>,
) -> Vec<&str> {
    page.list
        .iter()
        .map(|e| e.operation_name.as_deref().unwrap_or(""))
        .collect()
}

#[tokio::test]
async fn audit_logs_filter_and_page() {
    let emu = AuthingEmulator::start().await;
    emu.add_audit_log("login", "ann", "10.0.0.1", "app-1");
    emu.add_audit_log("updateUser", "ben", "10.0.0.2", "app-1");
    emu.add_audit_log("login", "ben", "10.0.0.1", "app-2");
    let m = mgmt_client(&emu);
    let log = m.audit_log();
    let all = log
        .list_audit_logs(&AuditLogFilter::default(), 1, 10)
        .await
        .unwrap();
    assert_eq!(all.total_count, 3);
    assert_eq!(ops(&all), ["login", "updateUser", "login"]);
    let first = &all.list[0];
    assert_eq!(
        first.operator_arn.as_deref(),
        Some("arn:cn:authing:user:ann")
    );
    assert_eq!(first.client_ip.as_deref(), Some("10.0.0.1"));
    assert_eq!(first.app_id.as_deref(), Some("app-1"));

    let by_ip = AuditLogFilter {
        client_ip: Some("10.0.0.1".into()),
        ..AuditLogFilter::default()
    };
    assert_eq!(
        log.list_audit_logs(&by_ip, 1, 10)
            .await
            .unwrap()
            .total_count,
        2
    );
    let by_user_and_op = AuditLogFilter {
        operation_names: vec!["login".into(), "updateUser".into()],
        user_ids: vec!["ben".into()],
        ..AuditLogFilter::default()
    };
    let ben = log.list_audit_logs(&by_user_and_op, 1, 10).await.unwrap();
    assert_eq!(ops(&ben), ["updateUser", "login"]);
    let by_app = AuditLogFilter {
        app_ids: vec!["app-2".into()],
        ..AuditLogFilter::default()
    };
    let app2 = log.list_audit_logs(&by_app, 1, 10).await.unwrap();
    assert_eq!(
        app2.list[0].operator_arn.as_deref(),
        Some("arn:cn:authing:user:ben")
    );

    // Pages: the second page of two, and past the end.
    let second = log
        .list_audit_logs(&AuditLogFilter::default(), 2, 2)
        .await
        .unwrap();
    assert_eq!(ops(&second), ["login"]);
    let past = log
        .list_audit_logs(&AuditLogFilter::default(), 5, 2)
        .await
        .unwrap();
    assert!(past.list.is_empty());
    assert_eq!(past.total_count, 3);
}

#[tokio::test]
async fn audit_log_stream_and_bad_pages() {
    let emu = AuthingEmulator::start().await;
    for i in 0..105 {
        emu.add_audit_log(&format!("op-{i}"), "ann", "10.0.0.1", "app-1");
    }
    let m = mgmt_client(&emu);
    let filter = AuditLogFilter::default();
    let every: Vec<_> = m
        .audit_log()
        .list_audit_logs_stream(&filter)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(every.len(), 105);
    assert_eq!(every[104].operation_name.as_deref(), Some("op-104"));
    for (page, limit) in [(0, 10), (1, 0)] {
        let err = m
            .audit_log()
            .list_audit_logs(&filter, page, limit)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
}

#[tokio::test]
async fn principal_authentication_detail_and_authenticate() {
    let emu = AuthingEmulator::start().await;
    let ann = plain_user(&emu, "ann");
    let m = mgmt_client(&emu);
    let pa = m.principal_authentication();
    assert_eq!(pa.detail(&ann).await.unwrap(), None);
    pa.authenticate(
        &ann,
        PrincipalType::Person,
        "Ann Lee",
        "110101199001011234",
        "6222000011112222",
    )
    .await
    .unwrap();
    let detail = pa.detail(&ann).await.unwrap().unwrap();
    assert_eq!(detail.kind, Some(PrincipalType::Person));
    assert_eq!(detail.name.as_deref(), Some("Ann Lee"));
    assert_eq!(detail.id_card.as_deref(), Some("110101199001011234"));
    assert_eq!(detail.ext.as_deref(), Some("6222000011112222"));

    let acme = plain_user(&emu, "acme");
    pa.authenticate(
        &acme,
        PrincipalType::Enterprise,
        "Acme Ltd",
        "91110000MA01ABCD2X",
        "Ann Lee",
    )
    .await
    .unwrap();
    let detail = pa.detail(&acme).await.unwrap().unwrap();
    assert_eq!(detail.kind, Some(PrincipalType::Enterprise));
}

#[tokio::test]
async fn principal_authentication_bad_input() {
    let emu = AuthingEmulator::start().await;
    let ann = plain_user(&emu, "ann");
    let m = mgmt_client(&emu);
    let pa = m.principal_authentication();
    let unknown = pa.detail("no-such-user").await.unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    assert_eq!(unknown.provider_code(), Some("2004"));
    let unknown = pa
        .authenticate("no-such-user", PrincipalType::Person, "A", "1", "2")
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    pa.authenticate(&ann, PrincipalType::Person, "Ann", "1101", "6222")
        .await
        .unwrap();
    let twice = pa
        .authenticate(&ann, PrincipalType::Person, "Ann", "1101", "6222")
        .await
        .unwrap_err();
    assert_eq!(twice.kind(), ErrorKind::InvalidInput);
    assert_eq!(twice.provider_code(), Some("400"));
    let ben = plain_user(&emu, "ben");
    for (name, id) in [("", "1101"), ("Ben", "")] {
        let empty = pa
            .authenticate(&ben, PrincipalType::Person, name, id, "")
            .await
            .unwrap_err();
        assert_eq!(empty.kind(), ErrorKind::InvalidInput);
    }
    assert_eq!(pa.detail(&ben).await.unwrap(), None);
}

/// Authenticate a user, read it back, and find the authentication in the audit log by user.
#[tokio::test]
async fn scenario_an_authentication_shows_in_the_audit_log() {
    let emu = AuthingEmulator::start().await;
    let (ann, ben) = (plain_user(&emu, "ann"), plain_user(&emu, "ben"));
    emu.add_audit_log("login", &ann, "10.0.0.9", "app-1");
    let m = mgmt_client(&emu);
    m.principal_authentication()
        .authenticate(&ann, PrincipalType::Person, "Ann", "1101", "6222")
        .await
        .unwrap();
    assert!(
        m.principal_authentication()
            .detail(&ann)
            .await
            .unwrap()
            .is_some()
    );
    let filter = AuditLogFilter {
        user_ids: vec![ann.clone()],
        operation_names: vec!["principalAuthentication".into()],
        ..AuditLogFilter::default()
    };
    let found = m.audit_log().list_audit_logs(&filter, 1, 10).await.unwrap();
    assert_eq!(found.total_count, 1);
    let others = AuditLogFilter {
        user_ids: vec![ben],
        ..AuditLogFilter::default()
    };
    assert!(
        m.audit_log()
            .list_audit_logs(&others, 1, 10)
            .await
            .unwrap()
            .list
            .is_empty()
    );
}
