//! Field mappings, transforms, password selection and configuration checks of the legacy sync.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use async_trait::async_trait;
use polyauth_aigc_sync::{
    FieldMapping, FieldMappingSpec, LegacyPage, LegacyPassword, LegacySystemAdapter, LegacyUser,
    PasswordMapper, PasswordMode, Record, SyncConfig, SyncDirection, Transform, UserSyncService,
    create_default_field_mappings, map_auth_to_legacy, map_legacy_to_auth,
};
use polyauth_core::{ErrorKind, Password, Result, Secret};
use serde_json::{Value, json};

fn rec(v: Value) -> Record {
    v.as_object().unwrap().clone()
}

#[test]
fn default_mappings_are_the_reference_identity_mappings() {
    let m = create_default_field_mappings();
    let names: Vec<_> = m.iter().map(|m| m.auth_field.as_str()).collect();
    assert_eq!(
        names,
        [
            "username",
            "email",
            "nickname",
            "phone",
            "avatar",
            "company",
            "department"
        ]
    );
    assert!(m.iter().all(|m| m.auth_field == m.legacy_field));
    assert!(m[0].required && m[1..].iter().all(|m| !m.required));
}

#[test]
fn mapping_rules_table() {
    let mappings = vec![
        FieldMapping::new("username", "login").required(),
        FieldMapping::new("email", "mail")
            .with_transform_to_legacy(Transform::named("lowercase").unwrap()),
        FieldMapping::new("status", "state").with_default("active"),
        FieldMapping::new("phone", "tel"),
        FieldMapping::new("level", "lvl")
            .with_transform_to_auth(Transform::named("integer").unwrap()),
    ];
    // (source, direction auth→legacy?, expected)
    let cases: Vec<(Value, bool, std::result::Result<Value, &str>)> = vec![
        (
            json!({"username": "alice", "email": "A@X.COM", "phone": null}),
            true,
            Ok(json!({"login": "alice", "mail": "a@x.com", "state": "active"})),
        ),
        (
            json!({"username": "bob", "status": "disabled", "phone": "123"}),
            true,
            Ok(json!({"login": "bob", "state": "disabled", "tel": "123"})),
        ),
        (
            json!({"email": "x@y"}),
            true,
            Err("required field 'username' is missing"),
        ),
        (
            json!({"login": "carol", "lvl": " 7 ", "mail": "C@X"}),
            false,
            // to_auth has no email transform: unchanged.
            Ok(json!({"username": "carol", "email": "C@X", "status": "active", "level": 7})),
        ),
        (
            json!({"login": null}),
            false,
            Err("required field 'login' is missing"),
        ),
        (
            json!({"login": "dave", "lvl": "seven"}),
            false,
            Err("transform 'integer' of field 'lvl' failed: not an integer"),
        ),
    ];
    for (src, to_legacy, expected) in cases {
        let src = rec(src);
        let got = if to_legacy {
            map_auth_to_legacy(&mappings, &src)
        } else {
            map_legacy_to_auth(&mappings, &src)
        };
        match (got, expected) {
            (Ok(g), Ok(e)) => assert_eq!(Value::Object(g), e, "{src:?}"),
            (Err(g), Err(e)) => {
                assert_eq!(g.kind(), ErrorKind::InvalidInput);
                assert_eq!(g.message(), e);
            }
            (g, e) => panic!("{src:?}: got {g:?}, expected {e:?}"),
        }
    }
}

#[test]
fn builtin_transforms_table() {
    let cases: Vec<(&str, Value, std::result::Result<Value, ()>)> = vec![
        ("trim", json!("  a b "), Ok(json!("a b"))),
        ("trim", json!(3), Err(())),
        ("lowercase", json!("MiXeD"), Ok(json!("mixed"))),
        ("uppercase", json!("abc"), Ok(json!("ABC"))),
        ("string", json!(42), Ok(json!("42"))),
        ("string", json!(true), Ok(json!("true"))),
        ("string", json!([1]), Err(())),
        ("integer", json!("17"), Ok(json!(17))),
        ("integer", json!(false), Ok(json!(0))),
        ("integer", json!(1.5), Err(())),
        ("boolean", json!("yes"), Ok(json!(true))),
        ("boolean", json!(0), Ok(json!(false))),
        ("boolean", json!("maybe"), Err(())),
        ("empty_as_null", json!("  "), Ok(Value::Null)),
        ("empty_as_null", json!("x"), Ok(json!("x"))),
    ];
    for (name, input, expected) in cases {
        let t = Transform::named(name).unwrap();
        assert_eq!(
            t.apply(input.clone()).map_err(|_| ()),
            expected,
            "{name}({input})"
        );
        // null passes through every built-in.
        assert_eq!(t.apply(Value::Null), Ok(Value::Null), "{name}(null)");
    }
    let err = Transform::named("rot13").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
}

#[test]
fn a_transform_runs_on_the_default_as_the_reference_does() {
    let m = vec![
        FieldMapping::new("username", "username").required(),
        FieldMapping::new("status", "state")
            .with_default("active")
            .with_transform_to_legacy(Transform::named("uppercase").unwrap()),
        FieldMapping::new("nick", "nick").with_transform_to_legacy(Transform::new("fill", |v| {
            Ok(if v.is_null() { json!("n/a") } else { v })
        })),
    ];
    let out = map_auth_to_legacy(&m, &rec(json!({"username": "u"}))).unwrap();
    assert_eq!(
        Value::Object(out),
        json!({"username": "u", "state": "ACTIVE", "nick": "n/a"})
    );
}

#[test]
fn mapping_specs_from_a_config_file() {
    #[derive(serde::Deserialize)]
    struct File {
        mapping: Vec<FieldMappingSpec>,
    }
    let f: File = parse_json(
        r#"{"mapping": [
            {"auth": "username", "legacy": "login", "required": true, "to_auth": "lowercase"},
            {"auth": "email", "legacy": "mail", "default": "none@example.com"}
        ]}"#,
    );
    let m: Vec<FieldMapping> = f
        .mapping
        .into_iter()
        .map(|s| s.into_mapping().unwrap())
        .collect();
    let out = map_legacy_to_auth(&m, &rec(json!({"login": "ALICE"}))).unwrap();
    assert_eq!(
        Value::Object(out),
        json!({"username": "alice", "email": "none@example.com"})
    );
    let bad: FieldMappingSpec =
        serde_json::from_value(json!({"auth": "a", "legacy": "b", "to_auth": "nope"})).unwrap();
    assert_eq!(
        bad.into_mapping().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
}

fn parse_json<T: serde::de::DeserializeOwned>(json_text: &str) -> T {
    serde_json::from_str(json_text).unwrap()
}

#[test]
fn config_validation() {
    // Unified mode without a password: refused (the reference silently uses "Abc@123456").
    let e = SyncConfig::default().validate().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
    let ok = SyncConfig::default().with_unified_password(Password::new("Init@2024"));
    ok.validate().unwrap();
    let custom = SyncConfig::default().with_custom_passwords(None, true);
    assert_eq!(custom.password_mode, PasswordMode::CustomMapping);
    custom.validate().unwrap();
    let empty = SyncConfig::default()
        .with_unified_password(Password::new("x"))
        .with_mappings(vec![]);
    assert!(empty.validate().is_err());
    // The unique legacy column follows the mapping of the unique field.
    let c = SyncConfig::default()
        .with_unified_password(Password::new("x"))
        .with_mappings(vec![
            FieldMapping::new("email", "mail"),
            FieldMapping::new("username", "login"),
        ])
        .with_unique_field("email");
    assert_eq!(c.unique_legacy_field(), "mail");
    // Debug never shows the password.
    assert!(!format!("{ok:?}").contains("Init@2024"));
}

#[test]
fn direction_table() {
    use SyncDirection::*;
    for (d, to_legacy, to_auth) in [
        (AuthToLegacy, true, false),
        (LegacyToAuth, false, true),
        (Bidirectional, true, true),
    ] {
        assert_eq!(d.allows_auth_to_legacy(), to_legacy, "{d:?}");
        assert_eq!(d.allows_legacy_to_auth(), to_auth, "{d:?}");
    }
}

/// An adapter that holds nothing: only the password and preparation logic are exercised here.
struct NoTable;

#[async_trait]
impl LegacySystemAdapter for NoTable {
    async fn find_user(&self, _: &str, _: &Value) -> Result<Option<LegacyUser>> {
        Ok(None)
    }
    async fn create_user(&self, _: &Record, _: Option<&LegacyPassword>) -> Result<Value> {
        Ok(Value::Null)
    }
    async fn update_user(&self, _: &str, _: &Value, _: &Record) -> Result<bool> {
        Ok(false)
    }
    async fn disable_user(&self, _: &str, _: &Value) -> Result<bool> {
        Ok(false)
    }
    async fn fetch_page(&self, _: Option<&Value>, _: usize) -> Result<LegacyPage> {
        Ok(LegacyPage::default())
    }
}

fn service(config: SyncConfig) -> UserSyncService {
    UserSyncService::new(Arc::new(NoTable), config, None).unwrap()
}

#[test]
fn password_selection_per_mode() {
    let stored = LegacyUser::new(rec(json!({"username": "alice", "pw_col": "x"})))
        .with_password(Secret::new("$2b$04$storedhash"));
    let plain_user = LegacyUser::new(rec(json!({"username": "bob"})));

    // Unified: always the unified password, as plain text.
    let s = service(SyncConfig::default().with_unified_password(Password::new("Init@2024")));
    assert!(
        matches!(s.password_for(&stored).unwrap(), LegacyPassword::Plain(p) if p.expose_secret() == "Init@2024")
    );

    // Custom without a mapper: the adapter's stored hash.
    let s = service(SyncConfig::default().with_custom_passwords(None, true));
    assert!(
        matches!(s.password_for(&stored).unwrap(), LegacyPassword::Hashed(h) if h.expose_secret() == "$2b$04$storedhash")
    );
    // ... and no fallback configured: a per-user error.
    assert_eq!(
        s.password_for(&plain_user).unwrap_err().kind(),
        ErrorKind::InvalidInput
    );

    // Custom with a mapper and a unified fallback.
    let mapper = PasswordMapper::new(|u: &LegacyUser| {
        Ok(u.fields
            .get("username")
            .and_then(Value::as_str)
            .filter(|n| *n == "alice")
            .map(|n| Secret::new(format!("{n}-pw"))))
    });
    let mut c = SyncConfig::default().with_custom_passwords(Some(mapper), false);
    c.unified_password = Some(Password::new("Fallback@1"));
    let s = service(c);
    assert!(
        matches!(s.password_for(&stored).unwrap(), LegacyPassword::Plain(p) if p.expose_secret() == "alice-pw")
    );
    assert!(
        matches!(s.password_for(&plain_user).unwrap(), LegacyPassword::Plain(p) if p.expose_secret() == "Fallback@1")
    );
}

#[test]
fn prepared_auth_users_carry_password_hashed_as_stored() {
    let s = service(SyncConfig::default().with_custom_passwords(None, true));
    let u = LegacyUser::new(rec(
        json!({"username": "alice", "email": "a@x", "extra": 1}),
    ))
    .with_password(Secret::new("$2b$04$abc"));
    let su = s.prepare_auth_user(&u).unwrap();
    assert_eq!(su.username, "alice");
    assert_eq!(Value::Object(su.fields.clone()), json!({"email": "a@x"}));
    assert!(
        matches!(su.password, polyauth_aigc_sync::SyncPassword::Hashed(ref h) if h.expose_secret() == "$2b$04$abc")
    );

    // Over-long values are refused per user.
    let mut c = SyncConfig::default().with_custom_passwords(None, true);
    c.max_field_chars = 10;
    let s = service(c);
    let long = LegacyUser::new(rec(json!({"username": "bob", "nickname": "x".repeat(11)})))
        .with_password(Secret::new("h"));
    let e = s.prepare_auth_user(&long).unwrap_err();
    assert_eq!(e.message(), "field 'nickname' is longer than 10 characters");
}
