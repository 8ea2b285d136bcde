//! The emulator's user-sync endpoints (`/sync/user`, `/sync/batch`): how the auth center
//! creates users pushed by a legacy system, skipping the ones it has.

use serde_json::{Map, Value, json};

use super::{EmulatedUser, Shared, fail, ok};

/// Creates a synced user; `Err` holds a failure message.
fn sync_user(s: &Shared, user: &Map<String, Value>) -> Result<(bool, i64), String> {
    let username = user
        .get("username")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty())
        .ok_or("username is required")?;
    let plain = user.get("password").is_some_and(|p| p.is_string());
    let hashed = user.get("password_hashed").is_some_and(|p| p.is_string());
    if plain == hashed {
        return Err("exactly one of password or password_hashed is required".into());
    }
    if let Some(existing) = s.lock().find(username) {
        return Ok((false, existing.id));
    }
    let text = |k: &str| user.get(k).and_then(Value::as_str).map(str::to_owned);
    let list = |k: &str| {
        user.get(k)
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let id = {
        let mut st = s.lock();
        if let Some(existing) = st.find(username) {
            return Ok((false, existing.id));
        }
        let id = st.max_id + 1;
        let form = if hashed {
            "password_hashed"
        } else {
            "password"
        };
        if let Some(p) = text(form) {
            st.synced_passwords
                .insert(username.to_owned(), (form.to_owned(), p));
        }
        st.push(EmulatedUser {
            id,
            username: username.to_owned(),
            nickname: text("nickname"),
            email: text("email"),
            roles: list("roles"),
            permissions: list("permissions"),
            is_admin: false,
            status: text("status").unwrap_or_else(|| "active".into()),
        });
        id
    };
    Ok((true, id))
}

pub(super) fn sync_one(s: &Shared, req: &Map<String, Value>) -> axum::Json<Value> {
    match sync_user(s, req) {
        Ok((created, id)) => ok(json!({
            "success": true, "created": created, "user_id": id,
            "message": if created { "User created" } else { "User already exists" },
        })),
        Err(message) => fail(400, &message),
    }
}

pub(super) fn sync_batch(s: &Shared, req: &Map<String, Value>) -> axum::Json<Value> {
    let users = req
        .get("users")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let (mut success, mut failed, mut skipped, mut errors) = (0, 0, 0, Vec::new());
    for u in &users {
        let obj = u.as_object().cloned().unwrap_or_default();
        match sync_user(s, &obj) {
            Ok((true, _)) => success += 1,
            Ok((false, _)) => skipped += 1,
            Err(e) => {
                failed += 1;
                errors.push(json!({ "user": obj.get("username"), "error": e }));
            }
        }
    }
    ok(
        json!({ "total": users.len(), "success": success, "failed": failed,
               "skipped": skipped, "errors": errors }),
    )
}
