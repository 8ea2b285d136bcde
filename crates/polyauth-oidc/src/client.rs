//! [`OAuthClient`]: the relying party's side of the authorization-code flow — the
//! authorization request (state, nonce, PKCE, browser binding, PAR) and the callback (error
//! responses, RFC 9207 `iss`, exactly-once state, code exchange, ID token validation).

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use base64::Engine as _;
use jsonwebtoken::Algorithm;
use polyauth_core::binding::{binding_digest, check_binding, new_binding};
use polyauth_core::http::HttpClient;
use polyauth_core::secret::random_base64url;
use polyauth_core::telemetry;
use polyauth_core::{
    AuthorizationCallback, AuthorizationRequest, AuthorizationStart, Error, ErrorKind, Result,
    Secret, StateStore, TokenSet,
};
use polyauth_jwt::{JwksOptions, JwtConfig, JwtProvider};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::client_auth::ClientAuth;
use crate::id_token::IdTokenValidator;
use crate::metadata::ServerMetadata;

/// Bytes of CSPRNG output in a `state`, a `nonce` and a PKCE verifier (base64url without
/// padding: 43 characters, 256 bits).
const RANDOM_BYTES: usize = 32;
/// The longest `state` accepted from a callback; longer ones are refused unread.
pub const MAX_STATE_LEN: usize = 512;
/// Authorization parameters the flow sets itself, refused in
/// [`AuthorizationRequest::extra_params`].
const RESERVED_PARAMS: [&str; 9] = [
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "request_uri",
];

/// What an [`OAuthClient`] is: the client's registration and the flow's options.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OAuthClientConfig {
    /// The client id.
    pub client_id: String,
    /// How the client authenticates at the token endpoint (replaceable later with
    /// [`OAuthClient::set_client_auth`]).
    pub client_auth: ClientAuth,
    /// The registered redirect URI (overridable per request); without one, every request must
    /// name its own.
    pub redirect_uri: Option<url::Url>,
    /// Headers sent with every back-channel request (token, PAR, introspection, revocation,
    /// UserInfo): a provider SDK's identification headers, for instance.
    pub headers: http::HeaderMap,
    /// The client authentication at the introspection endpoint, when it differs from the
    /// token endpoint's (RFC 8414 `introspection_endpoint_auth_methods_supported`).
    pub introspection_auth: Option<ClientAuth>,
    /// The client authentication at the revocation endpoint, when it differs.
    pub revocation_auth: Option<ClientAuth>,
    /// Whether a revocation sends `token_type_hint` (RFC 7009 §2.1: `access_token` or
    /// `refresh_token`, from the token's kind). Default: true. Off for a provider whose
    /// reference client sends none (Authing).
    pub token_type_hint: bool,
    /// The scopes asked for by default (space-joined in requests). With `openid` the flow is
    /// OpenID Connect: a `nonce` is sent and the ID token validated.
    pub scopes: Vec<String>,
    /// Whether to use PKCE (S256) when the server supports it. Default: true.
    pub pkce: bool,
    /// Whether to push authorization requests (RFC 9126) when the server has the endpoint.
    /// Always done when the server requires it. Default: false.
    pub par: bool,
    /// How long a started login may take, until its `state` expires. Default: 600 s.
    pub state_ttl: Duration,
    /// Clock-skew allowance for ID token `exp`/`nbf`, in seconds. Default: 60.
    pub leeway_seconds: u64,
    /// How long the result of a refresh is handed to later refreshes of the same refresh
    /// token (a rotated refresh token is dead after its first use, so concurrent and
    /// slightly late refreshes of one session all get the one new token set). Default: 30 s.
    pub refresh_reuse: Duration,
    /// JWKS fetching of the ID token keys (when not shared with an access-token verifier).
    pub jwks: JwksOptions,
}

impl OAuthClientConfig {
    /// A configuration with the defaults above and no redirect URI.
    pub fn new(client_id: impl Into<String>, client_auth: ClientAuth) -> Self {
        OAuthClientConfig {
            client_id: client_id.into(),
            client_auth,
            redirect_uri: None,
            headers: http::HeaderMap::new(),
            introspection_auth: None,
            revocation_auth: None,
            token_type_hint: true,
            scopes: Vec::new(),
            pkce: true,
            par: false,
            state_ttl: Duration::from_secs(600),
            leeway_seconds: 60,
            refresh_reuse: Duration::from_secs(30),
            jwks: JwksOptions::default(),
        }
    }

    /// Sets the registered redirect URI.
    pub fn with_redirect_uri(mut self, redirect_uri: url::Url) -> Self {
        self.redirect_uri = Some(redirect_uri);
        self
    }

    /// Sets the headers of every back-channel request.
    pub fn with_headers(mut self, headers: http::HeaderMap) -> Self {
        self.headers = headers;
        self
    }

    /// Sets the default scopes.
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Turns PKCE on or off.
    pub fn with_pkce(mut self, pkce: bool) -> Self {
        self.pkce = pkce;
        self
    }

    /// Turns pushed authorization requests on or off.
    pub fn with_par(mut self, par: bool) -> Self {
        self.par = par;
        self
    }

    /// Sets the state lifetime.
    pub fn with_state_ttl(mut self, ttl: Duration) -> Self {
        self.state_ttl = ttl;
        self
    }
}

/// Where an [`OAuthClient`] gets the keys that verify ID token signatures (through
/// polyauth-jwt). Each verifier checks the signature, `iss`, `aud` (the client id), `exp` and
/// `nbf`; the engine then checks `iat`, `azp`, `nonce` and `at_hash` itself.
#[derive(Debug)]
#[non_exhaustive]
pub enum IdTokenKeys<'a> {
    /// A JWKS cache of the engine's own on the server's `jwks_uri`, with its `issuer` and the
    /// asymmetric algorithms it advertises (RS256 when it says none). Without an issuer or a
    /// `jwks_uri`, no ID token can be verified.
    Discovered,
    /// As `Discovered`, sharing the JWKS cache of a verifier of the same issuer (such as the
    /// access-token verifier): one fetch budget, one cache.
    SharedWith(&'a JwtProvider),
    /// The backend's own verifiers, tried by the token's algorithm (the first that accepts
    /// it): a provider whose ID tokens are signed with a client secret (HS256), for instance.
    Custom(Vec<JwtProvider>),
}

/// The polyauth-jwt configuration of ID tokens from `server`'s JWKS.
fn discovered_id_token_config(
    server: &ServerMetadata,
    issuer: &str,
    jwks_uri: &url::Url,
    config: &OAuthClientConfig,
) -> JwtConfig {
    let algorithms: Vec<Algorithm> = server
        .id_token_signing_alg_values_supported
        .iter()
        .filter_map(|a| a.parse::<Algorithm>().ok())
        .filter(|a| !matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512))
        .collect();
    JwtConfig::jwks_url(jwks_uri.clone())
        .with_issuer(issuer.to_owned())
        .with_audience(config.client_id.clone())
        .with_leeway_seconds(config.leeway_seconds)
        .with_algorithms(if algorithms.is_empty() {
            vec![Algorithm::RS256]
        } else {
            algorithms
        })
        .with_cache(None)
        .with_jwks_options(config.jwks)
}

/// What is kept under a `state` until its callback: the one state record of every login.
///
/// Field names are those the ShangCloud backend stored before the engine existed, so logins in
/// flight survive an upgrade.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct StateRecord {
    /// SHA-256 (hex) of the user-agent binding, for bound logins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) binding_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) pkce_verifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) nonce: Option<String>,
    /// The redirect URI when the request overrode the configured one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) return_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) scope: Option<String>,
}

/// What a callback must show about the user agent.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Expect<'a> {
    /// A login started bound ([`OAuthClient::start`]), and the binding the user agent
    /// presented (its cookie), if any.
    Bound(Option<&'a Secret>),
    /// A login started unbound ([`OAuthClient::start_unbound`]); the application binds the
    /// state to the browser itself.
    Unbound,
}

/// A finished login.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Authorized {
    /// The tokens of the code exchange.
    pub tokens: TokenSet,
    /// The validated ID token's claims (OpenID Connect flows).
    pub id_token_claims: Option<Map<String, Value>>,
    /// The `return_to` stored with the state.
    pub return_to: Option<String>,
}

/// The relying party of one client at one authorization server: the one implementation of the
/// OAuth 2.0 / OpenID Connect login that every login-capable backend uses. Cheap to clone.
#[derive(Clone, Debug)]
pub struct OAuthClient {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) provider: &'static str,
    pub(crate) http: HttpClient,
    pub(crate) server: ServerMetadata,
    pub(crate) config: OAuthClientConfig,
    /// The client authentication in use (replaceable: secret rotation).
    pub(crate) client_auth: RwLock<ClientAuth>,
    pub(crate) states: Arc<dyn StateStore>,
    pub(crate) id_tokens: IdTokenValidator,
    /// Refresh results by SHA-256 of the refresh token: the concurrent-refresh guard.
    pub(crate) refreshes: moka::future::Cache<[u8; 32], TokenSet>,
}

impl OAuthClient {
    /// A client of `server` for `provider` (the name in errors and logs), keeping its states
    /// in `states`, validating ID tokens with `keys` (see [`IdTokenKeys`]; an OpenID Connect
    /// login whose ID token no key can verify fails closed). No network call is made.
    ///
    /// An empty client id is allowed for a client that only reads metadata and calls
    /// UserInfo (a resource server); logins and token requests then fail with
    /// `ConfigInvalid`.
    ///
    /// Errors: `ConfigInvalid` for a zero state TTL or unusable ID token algorithms.
    pub fn new(
        provider: &'static str,
        http: HttpClient,
        server: ServerMetadata,
        config: OAuthClientConfig,
        states: Arc<dyn StateStore>,
        keys: IdTokenKeys<'_>,
    ) -> Result<OAuthClient> {
        let ctx = |e: Error| e.with_context(provider, "oauth_client");
        if config.state_ttl.is_zero() {
            return Err(ctx(Error::config("the OAuth state TTL must be positive")));
        }
        let verifiers = match keys {
            IdTokenKeys::Custom(verifiers) => verifiers,
            IdTokenKeys::Discovered | IdTokenKeys::SharedWith(_) => {
                match (&server.issuer, &server.jwks_uri) {
                    (Some(issuer), Some(jwks_uri)) => {
                        let jwt = discovered_id_token_config(&server, issuer, jwks_uri, &config);
                        let jwt = match keys {
                            IdTokenKeys::SharedWith(shared) => shared.sharing_keys(jwt),
                            _ => JwtProvider::new(jwt),
                        }
                        .map_err(ctx)?
                        .named(provider);
                        vec![jwt]
                    }
                    _ => Vec::new(),
                }
            }
        };
        let id_tokens = IdTokenValidator::new(verifiers, config.client_id.clone());
        let refreshes = moka::future::Cache::builder()
            .max_capacity(10_000)
            .time_to_live(config.refresh_reuse.max(Duration::from_millis(1)))
            .build();
        Ok(OAuthClient {
            inner: Arc::new(Inner {
                provider,
                http,
                server,
                client_auth: RwLock::new(config.client_auth.clone()),
                config,
                states,
                id_tokens,
                refreshes,
            }),
        })
    }

    /// The server's metadata.
    pub fn metadata(&self) -> &ServerMetadata {
        &self.inner.server
    }

    /// `ConfigInvalid` when no client id is configured.
    pub(crate) fn require_client_id(&self) -> Result<()> {
        if self.inner.config.client_id.trim().is_empty() {
            return Err(Error::config(
                "no OAuth client id is configured (needed for logins and token requests)",
            ));
        }
        Ok(())
    }

    /// The client's configuration.
    pub fn config(&self) -> &OAuthClientConfig {
        &self.inner.config
    }

    /// The client authentication in use.
    pub fn client_auth(&self) -> ClientAuth {
        self.inner
            .client_auth
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the client authentication for every later request (a rotated secret or key).
    pub fn set_client_auth(&self, client_auth: ClientAuth) {
        *self
            .inner
            .client_auth
            .write()
            .unwrap_or_else(PoisonError::into_inner) = client_auth;
    }

    /// Where started logins wait for their callback.
    pub fn state_store(&self) -> &Arc<dyn StateStore> {
        &self.inner.states
    }

    /// Whether logins use PKCE (configured, and the server supports S256).
    pub fn uses_pkce(&self) -> bool {
        self.inner.config.pkce && self.inner.server.supports_pkce_s256()
    }

    /// Starts a login bound to the user agent (RFC 6749 §10.12): stores a fresh `state` (and
    /// nonce, PKCE verifier, the binding's digest) for the state TTL and returns the URL to
    /// send the user agent to, the state and the binding to give that user agent only (see
    /// [`AuthorizationStart`]). With PAR the parameters are pushed first and the URL carries
    /// only `client_id` and `request_uri`.
    ///
    /// Errors: `InvalidInput` for a redirect URI that is not a URL or an extra parameter the
    /// flow sets itself; errors of the state store (`Unavailable`, `RateLimited`); for PAR,
    /// the token-endpoint errors of [`OAuthClient::refresh`] (and the state is removed again).
    pub async fn start(&self, request: AuthorizationRequest) -> Result<AuthorizationStart> {
        let binding = new_binding();
        let (url, state) = self.authorize(request, Some(&binding)).await?;
        Ok(AuthorizationStart::new(url, state, binding))
    }

    /// As [`start`](Self::start) without binding the state to the user agent (the reference
    /// SDKs' behaviour): the application must bind it itself. Returns the URL and the state.
    ///
    /// Errors: as [`start`](Self::start).
    pub async fn start_unbound(&self, request: AuthorizationRequest) -> Result<(url::Url, String)> {
        self.authorize(request, None).await
    }

    async fn authorize(
        &self,
        request: AuthorizationRequest,
        binding: Option<&Secret>,
    ) -> Result<(url::Url, String)> {
        let inner = &self.inner;
        let ctx = |e: Error| e.with_context(inner.provider, "start_authorization");
        self.require_client_id().map_err(ctx)?;
        let redirect_uri = match &request.redirect_uri {
            Some(r) => Some(
                url::Url::parse(r)
                    .map_err(|_| ctx(Error::invalid_input("redirect_uri is not a valid URL")))?
                    .to_string(),
            ),
            None => None,
        };
        if let Some((key, _)) = request
            .extra_params
            .iter()
            .find(|(k, _)| RESERVED_PARAMS.contains(&k.as_str()))
        {
            return Err(ctx(Error::invalid_input(format!(
                "the authorization parameter `{key}` is set by the flow itself"
            ))));
        }
        let scope = if request.scopes.is_empty() {
            inner.config.scopes.join(" ")
        } else {
            request.scopes.join(" ")
        };
        let state = random_base64url(RANDOM_BYTES);
        let mut record = StateRecord {
            binding_sha256: binding.map(binding_digest),
            redirect_uri: redirect_uri.clone(),
            return_to: request.return_to,
            scope: Some(scope.clone()),
            ..StateRecord::default()
        };
        let redirect_uri = redirect_uri
            .or_else(|| inner.config.redirect_uri.as_ref().map(url::Url::to_string))
            .ok_or_else(|| ctx(Error::config("no redirect_uri is configured or requested")))?;
        let mut params = AuthorizationParams::new(state.clone(), redirect_uri, scope.clone());
        if scope.split(' ').any(|s| s == "openid") {
            let nonce = random_base64url(RANDOM_BYTES);
            params.nonce = Some(nonce.clone());
            record.nonce = Some(nonce);
        }
        if self.uses_pkce() {
            let verifier = random_base64url(RANDOM_BYTES);
            params.code_challenge = Some(pkce_challenge(&verifier));
            record.pkce_verifier = Some(verifier);
        }
        params.prompt = request.prompt;
        params.login_hint = request.login_hint;
        params.extra = request.extra_params;
        let value = serde_json::to_string(&record).map_err(|e| {
            ctx(Error::protocol("could not encode the state record").with_source(e))
        })?;
        let stored = inner
            .states
            .put(&state, &value, inner.config.state_ttl)
            .await;
        telemetry::count_state_operation("put", stored.as_ref().map(|()| true));
        stored.map_err(ctx)?;
        let push = inner.server.require_pushed_authorization_requests
            || (inner.config.par && inner.server.pushed_authorization_request_endpoint.is_some());
        if !push {
            return Ok((self.authorization_url(&params), state));
        }
        match self.push_authorization(&params.pairs()).await {
            Ok(request_uri) => {
                let mut url = inner.server.authorization_endpoint.clone();
                url.query_pairs_mut()
                    .append_pair("client_id", &inner.config.client_id)
                    .append_pair("request_uri", &request_uri);
                Ok((url, state))
            }
            Err(e) => {
                // Leave nothing behind: the state was never sent anywhere.
                let _ = inner.states.take(&state).await;
                Err(ctx(e))
            }
        }
    }

    /// The authorization endpoint's URL with `params` (no state is stored: for callers that
    /// keep `state`, `nonce` and the PKCE verifier themselves, as the reference SDKs'
    /// `build_authorize_url` does; [`start`](Self::start) stores them for you).
    pub fn authorization_url(&self, params: &AuthorizationParams) -> url::Url {
        let mut url = self.inner.server.authorization_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("client_id", &self.inner.config.client_id)
            .extend_pairs(params.pairs());
        url
    }

    /// Finishes a login from its callback: takes the state from the store exactly once (a
    /// missing, oversized, expired, foreign or replayed state is `InvalidState` before any
    /// network call, and the state is consumed whatever happens next), checks the binding
    /// against `expect`, turns an error response into its typed error, checks the RFC 9207
    /// `iss` (required when the server advertises it, and compared whenever present), then
    /// exchanges the code (with the PKCE verifier) at the token endpoint and validates the ID
    /// token (nonce, `at_hash`, issuer, audience, signature).
    ///
    /// Errors: `InvalidState` (state, binding or issuer mix-up); the error response's code by
    /// [`Error::from_oauth_error`] (`access_denied` → `PermissionDenied`, others `Provider`
    /// with the code kept); `InvalidInput` for a callback without a code; token endpoint
    /// errors (`invalid_grant` → `InvalidToken`, `invalid_client` → `ConfigInvalid`, 5xx and
    /// timeouts `Unavailable`, HTML or malformed JSON `Protocol`); `InvalidToken` for an ID
    /// token that fails validation.
    pub async fn finish(
        &self,
        callback: &AuthorizationCallback,
        expect: Expect<'_>,
    ) -> Result<Authorized> {
        let inner = &self.inner;
        let ctx = |e: Error| e.with_context(inner.provider, "finish_authorization");
        let refused = |message: &'static str| ctx(Error::new(ErrorKind::InvalidState, message));
        let invalid_state =
            || refused("the OAuth state is missing, expired, foreign or was already used");
        let state = callback.state.as_str();
        if state.is_empty()
            || state.len() > MAX_STATE_LEN
            || !state
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(invalid_state());
        }
        let taken = inner.states.take(state).await;
        telemetry::count_state_operation("take", taken.as_ref().map(Option::is_some));
        let stored = taken.map_err(ctx)?.ok_or_else(invalid_state)?;
        let record: StateRecord = serde_json::from_str(&stored).map_err(|_| invalid_state())?;
        match (record.binding_sha256.as_deref(), expect) {
            (None, Expect::Unbound) => {}
            (Some(_), Expect::Unbound) => {
                return Err(refused(
                    "the OAuth state is bound to a user agent: finish it with its binding",
                ));
            }
            (None, Expect::Bound(_)) => {
                return Err(refused(
                    "the OAuth state was not started bound to a user agent",
                ));
            }
            (Some(stored), Expect::Bound(presented)) => {
                check_binding(Some(stored), presented).map_err(ctx)?;
            }
        }
        match (&callback.iss, &inner.server.issuer) {
            (Some(iss), Some(issuer)) if iss != issuer => {
                return Err(refused(
                    "the authorization response comes from another issuer (RFC 9207 mix-up defence)",
                ));
            }
            (None, Some(_)) if inner.server.authorization_response_iss_parameter_supported => {
                return Err(refused(
                    "the authorization response lacks the `iss` parameter its server advertises (RFC 9207)",
                ));
            }
            _ => {}
        }
        if let Some(code) = &callback.error {
            let description = callback.error_description.as_deref().unwrap_or_default();
            return Err(ctx(Error::from_oauth_error(code, description, 0)));
        }
        if callback.code.is_empty() {
            return Err(ctx(Error::invalid_input("the callback carries no code")));
        }
        let tokens = self
            .exchange_code(
                callback.code.expose_secret(),
                record.pkce_verifier.as_deref(),
                record.redirect_uri.as_deref(),
                record.scope.as_deref(),
            )
            .await
            .map_err(ctx)?;
        // An OpenID Connect login (a nonce was sent) needs a valid ID token; a plain OAuth
        // login's ID token, if any, is used only when it can be validated.
        let id_token_claims = match (&tokens.id_token, &record.nonce) {
            (Some(id_token), nonce) if nonce.is_some() || inner.id_tokens.has_keys() => Some(
                inner
                    .id_tokens
                    .validate(id_token, nonce.as_deref(), Some(&tokens.access_token))
                    .await
                    .map_err(ctx)?,
            ),
            (None, Some(_)) => {
                return Err(ctx(Error::protocol(
                    "the token response of an OpenID Connect login has no id_token",
                )));
            }
            _ => None,
        };
        Ok(Authorized {
            tokens,
            id_token_claims,
            return_to: record.return_to,
        })
    }
}

/// The parameters of one authorization request besides `client_id` (RFC 6749 §4.1.1, OIDC
/// Core §3.1.2.1, RFC 7636 §4.3).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizationParams {
    /// `response_type` (default `code`).
    pub response_type: String,
    /// `state`.
    pub state: String,
    /// `redirect_uri`.
    pub redirect_uri: String,
    /// `scope`, space-separated (left out when empty).
    pub scope: String,
    /// `nonce` (OpenID Connect).
    pub nonce: Option<String>,
    /// The S256 `code_challenge` of a PKCE verifier ([`pkce_challenge`]).
    pub code_challenge: Option<String>,
    /// `prompt`.
    pub prompt: Option<String>,
    /// `login_hint`.
    pub login_hint: Option<String>,
    /// Further parameters, appended as given (`resource`, `response_mode`, …).
    pub extra: Vec<(String, String)>,
}

impl AuthorizationParams {
    /// A `code` request with `state`, `redirect_uri` and `scope`.
    pub fn new(state: String, redirect_uri: String, scope: String) -> Self {
        AuthorizationParams {
            response_type: "code".to_owned(),
            state,
            redirect_uri,
            scope,
            nonce: None,
            code_challenge: None,
            prompt: None,
            login_hint: None,
            extra: Vec::new(),
        }
    }

    /// The parameters in the reference SDKs' order (`response_type`, `state`,
    /// `redirect_uri`, `scope`, then `nonce`, PKCE, `prompt`, `login_hint`, the extra ones).
    pub(crate) fn pairs(&self) -> Vec<(&str, &str)> {
        let mut pairs = vec![
            ("response_type", self.response_type.as_str()),
            ("state", self.state.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
        ];
        if !self.scope.is_empty() {
            pairs.push(("scope", self.scope.as_str()));
        }
        let optional = [
            ("nonce", &self.nonce),
            ("code_challenge", &self.code_challenge),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                pairs.push((key, value.as_str()));
                if key == "code_challenge" {
                    pairs.push(("code_challenge_method", "S256"));
                }
            }
        }
        for (key, value) in [("prompt", &self.prompt), ("login_hint", &self.login_hint)] {
            if let Some(value) = value {
                pairs.push((key, value.as_str()));
            }
        }
        pairs.extend(self.extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        pairs
    }
}

/// The S256 PKCE challenge of `verifier`: `base64url(SHA-256(verifier))` without padding
/// (RFC 7636 §4.2).
pub fn pkce_challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A fresh `state`, `nonce` or PKCE verifier: 32 bytes of the thread-local CSPRNG, base64url
/// without padding (43 characters).
pub fn random_token() -> String {
    random_base64url(RANDOM_BYTES)
}
