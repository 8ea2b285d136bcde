//! `Instrumented`: a span per trait call, nested under the caller's span, with the cache
//! outcome and the call's outcome recorded on it, and the verification and cache metrics.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use polyauth_core::telemetry::Instrumented;
use polyauth_core::{
    AccessToken, CacheConfig, Capabilities, Error, IdentityProvider, Result, UserProfile,
    VerifiedToken, VerifyCache,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Accepts `good`, through a verification cache; counts the upstream calls.
#[derive(Debug)]
struct Cached {
    cache: VerifyCache<VerifiedToken>,
    upstream: AtomicUsize,
}

#[async_trait]
impl IdentityProvider for Cached {
    fn name(&self) -> &'static str {
        "cached"
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities {
            verify: true,
            ..Default::default()
        }
    }
    async fn verify(&self, token: &AccessToken) -> Result<VerifiedToken> {
        self.cache
            .get_or_verify(token, || async {
                self.upstream.fetch_add(1, Ordering::SeqCst);
                match token.expose_secret() {
                    "good" => Ok(VerifiedToken::new("u-1")),
                    _ => Err(Error::invalid_token("unknown token")),
                }
            })
            .await
    }
    async fn user_info(&self, token: &AccessToken) -> Result<Arc<UserProfile>> {
        let subject = self.verify(token).await?.subject;
        Ok(Arc::new(UserProfile::new("cached", subject)))
    }
}

/// A closed span: its name, its parent's name and its fields.
#[derive(Clone, Debug, Default)]
struct Seen {
    name: String,
    parent: Option<String>,
    fields: HashMap<String, String>,
}

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Seen>>>);

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let span = ctx.span(id).unwrap();
        let mut seen = Seen {
            name: attrs.metadata().name().to_owned(),
            parent: span.parent().map(|p| p.name().to_owned()),
            ..Seen::default()
        };
        attrs.record(&mut Fields(&mut seen.fields));
        span.extensions_mut().insert(seen);
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).unwrap();
        let mut extensions = span.extensions_mut();
        let seen = extensions.get_mut::<Seen>().unwrap();
        values.record(&mut Fields(&mut seen.fields));
    }
    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        let span = ctx.span(&id).unwrap();
        let seen = span.extensions().get::<Seen>().cloned().unwrap();
        self.0.lock().unwrap().push(seen);
    }
}

#[test]
fn each_call_gets_a_span_with_cache_and_call_outcomes_and_metrics() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let metrics = recorder.handle();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let provider = Instrumented::new(Cached {
        cache: VerifyCache::new(CacheConfig::default()),
        upstream: AtomicUsize::new(0),
    });
    tracing::subscriber::with_default(subscriber, || {
        metrics::with_local_recorder(&recorder, || {
            runtime.block_on(async {
                let request = tracing::info_span!("polyauth.request", request_id = "r-1");
                let _entered = request.enter();
                provider.verify(&AccessToken::new("good")).await.unwrap();
                provider.verify(&AccessToken::new("good")).await.unwrap();
                let bad = provider.user_info(&AccessToken::new("bad")).await;
                assert!(bad.is_err());
            });
        });
    });
    assert_eq!(provider.inner().upstream.load(Ordering::SeqCst), 1 + 1);

    let spans = capture.0.lock().unwrap().clone();
    let calls: Vec<&Seen> = spans
        .iter()
        .filter(|s| s.name.starts_with("polyauth.") && s.name != "polyauth.request")
        .collect();
    let names: Vec<&str> = calls.iter().map(|s| s.name.as_str()).collect();
    // user_info verifies through the same provider, not through the wrapper: one span each.
    assert_eq!(
        names,
        ["polyauth.verify", "polyauth.verify", "polyauth.user_info"],
        "{spans:#?}"
    );
    for call in &calls {
        assert_eq!(call.parent.as_deref(), Some("polyauth.request"), "{call:?}");
        assert_eq!(call.fields["provider"], "cached");
        assert!(call.fields.contains_key("elapsed_ms"), "{call:?}");
    }
    assert_eq!(calls[0].fields["cache"], "miss");
    assert_eq!(calls[0].fields["outcome"], "ok");
    assert_eq!(calls[1].fields["cache"], "hit");
    assert_eq!(calls[2].fields["cache"], "miss");
    assert_eq!(calls[2].fields["outcome"], "invalid_token");

    let text = metrics.render();
    let value = |needle: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(needle))
            .and_then(|l| l.rsplit(' ').next()?.parse().ok())
            .unwrap_or_else(|| panic!("no {needle} in\n{text}"))
    };
    assert_eq!(
        value(
            "polyauth_verifications_total{provider=\"cached\",operation=\"verify\",outcome=\"ok\"}"
        ),
        2.0
    );
    assert_eq!(
        value(
            "polyauth_verifications_total{provider=\"cached\",operation=\"user_info\",outcome=\"invalid_token\"}"
        ),
        1.0
    );
    assert_eq!(
        value("polyauth_cache_requests_total{outcome=\"miss\"}"),
        2.0
    );
    assert_eq!(value("polyauth_cache_requests_total{outcome=\"hit\"}"), 1.0);
    assert_eq!(value("polyauth_cache_entries"), 2.0);
}
