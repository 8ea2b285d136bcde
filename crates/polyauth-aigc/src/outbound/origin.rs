//! The credential allow-list: origins (`scheme://host[:port]`, `scheme://*.domain[:port]`)
//! that may receive the app credentials and the caller's token.

use url::{Host, Url};

/// One parsed allow-list entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct OriginPattern {
    scheme: String,
    /// Lower-case host (IPv6 in brackets); for a wildcard, the domain after `*.`.
    host: String,
    wildcard: bool,
    port: u16,
    loopback: bool,
}

impl OriginPattern {
    /// `scheme://host[:port]` or `scheme://*.domain[:port]` (a trailing `/` allowed); `None`
    /// for anything else (a path, a query, user info, another scheme).
    pub(super) fn parse(entry: &str) -> Option<OriginPattern> {
        let (scheme, rest) = entry.trim().split_once("://")?;
        let (wildcard, rest) = match rest.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let url = Url::parse(&format!("{scheme}://{rest}")).ok()?;
        let plain = url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        if !plain || !matches!(url.scheme(), "http" | "https") {
            return None;
        }
        if wildcard && !matches!(url.host(), Some(Host::Domain(_))) {
            return None;
        }
        Some(OriginPattern {
            scheme: url.scheme().to_owned(),
            host: url.host_str()?.to_ascii_lowercase(),
            wildcard,
            port: url.port_or_known_default()?,
            loopback: !wildcard && is_loopback(&url),
        })
    }

    /// Whether credentials could ever be sent under this entry (`https`, or `http` to a
    /// loopback host).
    pub(super) fn can_carry_credentials(&self) -> bool {
        self.scheme == "https" || self.loopback
    }

    fn matches(&self, url: &Url) -> bool {
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
            return false;
        };
        if url.scheme() != self.scheme || url.port_or_known_default() != Some(self.port) {
            return false;
        }
        if self.wildcard {
            matches!(url.host(), Some(Host::Domain(_)))
                && host
                    .strip_suffix(self.host.as_str())
                    .is_some_and(|sub| sub.len() > 1 && sub.ends_with('.'))
        } else {
            host == self.host
        }
    }
}

/// Whether `url`'s host is a loopback address or `localhost`.
pub(super) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

pub(super) fn credentials_allowed(patterns: &[OriginPattern], url: &Url) -> bool {
    let secure = url.scheme() == "https" || (url.scheme() == "http" && is_loopback(url));
    secure && patterns.iter().any(|p| p.matches(url))
}
