#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! Online vs local verification, and management calls with a warm token, against the
//! loopback emulator.

use criterion::{Criterion, criterion_group, criterion_main};
use polyauth_authing::CustomData;
use polyauth_authing::{
    AuthingConfig, AuthingProvider, ManagementClient, ManagementClientOptions, VerificationMode,
};
use polyauth_core::{AccessToken, ClientSecret, IdentityProvider};
use polyauth_testkit::authing::{AuthingEmulator, ENC_PUBLIC_PEM, SeedUser};

fn provider(emu: &AuthingEmulator, mode: VerificationMode, cached: bool) -> AuthingProvider {
    let o = emu.options();
    let mut c = AuthingConfig::new(o.app_id.clone());
    c.host = emu.base_url();
    c.app_host = Some(emu.base_url());
    c.enc_public_key = Some(ENC_PUBLIC_PEM.to_owned());
    c.verification = mode;
    if !cached {
        c.cache = None;
    }
    AuthingProvider::new(c).unwrap()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (emu, token) = rt.block_on(async {
        let emu = AuthingEmulator::start().await;
        let id = emu.add_user(SeedUser {
            username: Some("bench".into()),
            ..Default::default()
        });
        let token = AccessToken::new(emu.issue_token(&id, 3600));
        (emu, token)
    });
    // The comparison is of the checks themselves, so the verification cache is off; the
    // cached row shows what a repeated token costs with the default configuration.
    let online = provider(&emu, VerificationMode::Online, false);
    let online_cached = provider(&emu, VerificationMode::Online, true);
    let local = provider(&emu, VerificationMode::Local, false);
    rt.block_on(local.verify(&token)).unwrap();
    rt.block_on(online_cached.verify(&token)).unwrap();
    let mut g = c.benchmark_group("authing_verify");
    g.bench_function("online_check_login_status", |b| {
        b.to_async(&rt)
            .iter(|| async { online.verify(&token).await.unwrap() })
    });
    g.bench_function("online_cached", |b| {
        b.to_async(&rt)
            .iter(|| async { online_cached.verify(&token).await.unwrap() })
    });
    g.bench_function("local_rs256_jwks", |b| {
        b.to_async(&rt)
            .iter(|| async { local.verify(&token).await.unwrap() })
    });
    g.finish();

    let o = emu.options();
    let mut m = ManagementClientOptions::new(
        o.user_pool_id.clone(),
        ClientSecret::new(o.pool_secret.clone()),
    );
    m.host = emu.base_url();
    let mgmt = ManagementClient::new(m).unwrap();
    rt.block_on(mgmt.users().list(1, 10, CustomData::Omit))
        .unwrap();
    let before = emu.emulator().calls("/graphql/v2");
    let mut g = c.benchmark_group("authing_management");
    g.bench_function("users_list_warm_token", |b| {
        b.to_async(&rt)
            .iter(|| async { mgmt.users().list(1, 10, CustomData::Omit).await.unwrap() })
    });
    g.finish();
    let fetches = emu.op_calls("accessToken");
    let lists = emu.op_calls("users");
    assert_eq!(fetches, 1, "warm token: no refetch during the benchmark");
    assert_eq!(
        emu.emulator().calls("/graphql/v2") - before,
        lists - 1,
        "one round trip per call"
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
