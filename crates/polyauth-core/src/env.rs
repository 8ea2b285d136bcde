//! Reading configuration from environment variables, written once for every backend.
//!
//! [`Env`] wraps a lookup function, so a backend's `from_env` can be tested with a plain map and
//! no process-global mutation. [`Env::process`] reads the process environment; [`Env::dotenv`]
//! reads the process environment first and falls back to the values of a `.env` file (found by
//! searching the current directory and its parents) *without* modifying the process
//! environment. Errors name the variable, never a secret's value.
//!
//! ```
//! use polyauth_core::env::Env;
//! let env = Env::from_pairs([("APP_TIMEOUT_SECONDS", "5"), ("APP_SCOPES", "a, b")]);
//! assert_eq!(env.parse::<u64>("APP_TIMEOUT_SECONDS").unwrap(), Some(5));
//! assert_eq!(env.list("APP_SCOPES"), vec!["a", "b"]);
//! assert!(env.required("APP_MISSING").is_err());
//! ```

use std::collections::HashMap;
use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::secret::Secret;

type Lookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// A source of configuration variables.
#[derive(Clone)]
pub struct Env {
    lookup: Lookup,
    /// The variable names, when the source can list them (not for [`Env::from_fn`]).
    names: Option<Arc<Vec<String>>>,
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Env { .. }")
    }
}

impl Env {
    /// Variables from any lookup function.
    pub fn from_fn(lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Env {
            lookup: Arc::new(lookup),
            names: None,
        }
    }

    /// Variables from fixed pairs (tests, embedded defaults).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let map: HashMap<String, String> = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let names = map.keys().cloned().collect();
        Env::from_fn(move |k| map.get(k).cloned()).with_names(names)
    }

    fn with_names(mut self, names: Vec<String>) -> Self {
        self.names = Some(Arc::new(names));
        self
    }

    /// The names of the variables, when the source can list them (the process environment,
    /// a `.env` file, fixed pairs; not a lookup function).
    pub fn names(&self) -> Option<&[String]> {
        self.names.as_deref().map(Vec::as_slice)
    }

    /// The process environment.
    pub fn process() -> Self {
        let names = std::env::vars_os()
            .filter_map(|(k, _)| k.into_string().ok())
            .collect();
        Env::from_fn(|k| std::env::var(k).ok()).with_names(names)
    }

    /// The process environment, falling back to a `.env` file found in the current directory or
    /// a parent. The file is read once, now; the process environment is not modified. A missing
    /// file is fine; an unreadable or malformed one is `ConfigInvalid`.
    pub fn dotenv() -> Result<Self> {
        let mut file = HashMap::new();
        match dotenvy::dotenv_iter() {
            Ok(iter) => {
                for item in iter {
                    let (k, v) = item.map_err(|e| {
                        Error::config("the .env file could not be parsed").with_source(e)
                    })?;
                    file.insert(k, v);
                }
            }
            Err(e) if e.not_found() => {}
            Err(e) => {
                return Err(Error::config("the .env file could not be read").with_source(e));
            }
        }
        let mut names: Vec<String> = std::env::vars_os()
            .filter_map(|(k, _)| k.into_string().ok())
            .collect();
        names.extend(file.keys().cloned());
        Ok(
            Env::from_fn(move |k| std::env::var(k).ok().or_else(|| file.get(k).cloned()))
                .with_names(names),
        )
    }

    /// Refuses variables that look like configuration but are not: every variable whose name
    /// starts with one of `owned_prefixes` (`POLYAUTH_`, `AIGC_AUTH_`, …) must be one of
    /// `known`, unless it starts with one of `exempt_prefixes`. A misspelt key
    /// (`POLYAUTH_JWT_AUDIANCE`) would otherwise be ignored and its check silently off.
    /// Sources that cannot list their names ([`Env::from_fn`]) pass.
    ///
    /// Errors: `ConfigInvalid` naming the unknown variable and the closest known one.
    pub fn reject_unknown(
        &self,
        owned_prefixes: &[&str],
        exempt_prefixes: &[&str],
        known: &[&str],
    ) -> Result<()> {
        let Some(names) = self.names() else {
            return Ok(());
        };
        let mut unknown: Vec<&String> = names
            .iter()
            .filter(|n| owned_prefixes.iter().any(|p| n.starts_with(p)))
            .filter(|n| !exempt_prefixes.iter().any(|p| n.starts_with(p)))
            .filter(|n| !known.contains(&n.as_str()))
            .collect();
        unknown.sort();
        let Some(name) = unknown.first() else {
            return Ok(());
        };
        let closest = known
            .iter()
            .map(|k| (strsim::levenshtein(name, k), *k))
            .min()
            // A typo is a few edits away; a different word is not a typo.
            .filter(|(distance, _)| *distance <= 2 + name.len() / 10);
        let hint = match closest {
            Some((_, k)) => format!("; did you mean {k}?"),
            None => String::new(),
        };
        Err(Error::config(format!(
            "unknown environment variable {name}{hint} (polyauth reads the {} variables it \
             knows, and refuses others with its prefixes so that a typo cannot turn a check off)",
            owned_prefixes.join(", ")
        )))
    }

    /// The value of `key`, if set and not blank (surrounding white space trimmed).
    pub fn get(&self, key: &str) -> Option<String> {
        (self.lookup)(key)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The value of `key`. Errors: `ConfigInvalid` naming the variable when unset or blank.
    pub fn required(&self, key: &str) -> Result<String> {
        self.get(key)
            .ok_or_else(|| Error::config(format!("environment variable {key} is not set")))
    }

    /// A secret value of `key`, if set.
    pub fn secret(&self, key: &str) -> Option<Secret> {
        self.get(key).map(Secret::new)
    }

    /// `key` parsed as `T`, if set. Errors: `ConfigInvalid` naming the variable and the
    /// expected type when the value does not parse.
    pub fn parse<T: FromStr>(&self, key: &str) -> Result<Option<T>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v.parse::<T>().map(Some).map_err(|_| {
                Error::config(format!(
                    "environment variable {key} is not a valid {}",
                    std::any::type_name::<T>()
                        .rsplit("::")
                        .next()
                        .unwrap_or("value")
                ))
            }),
        }
    }

    /// A boolean (`1/0`, `true/false`, `yes/no`, `on/off`, any case), if set.
    /// Errors: `ConfigInvalid` for other text.
    pub fn bool(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key).map(|v| v.to_ascii_lowercase()) {
            None => Ok(None),
            Some(v) => match v.as_str() {
                "1" | "true" | "yes" | "on" => Ok(Some(true)),
                "0" | "false" | "no" | "off" => Ok(Some(false)),
                _ => Err(Error::config(format!(
                    "environment variable {key} must be true or false"
                ))),
            },
        }
    }

    /// A comma-separated list (items trimmed, empty items dropped); empty when unset.
    pub fn list(&self, key: &str) -> Vec<String> {
        self.get(key)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Checks a number from configuration against its documented range: configuration key `key`
/// (named as in TOML) has `value` in `range`, counted in `unit` (`"seconds"`, `"bytes"`, … ;
/// named in the error).
///
/// Every duration, size and count a backend reads is checked this way when its configuration
/// is built, so an absurd value (`i64::MAX` seconds) is a clear error at start-up, not an
/// overflow panic when the duration first meets an instant.
///
/// Errors: `ConfigInvalid` naming the key, the range and the unit (never a secret).
///
/// ```
/// use polyauth_core::env::check_range;
/// assert!(check_range("state_ttl_seconds", 600, 1..=86_400, "seconds").is_ok());
/// let e = check_range("state_ttl_seconds", u64::MAX, 1..=86_400, "seconds").unwrap_err();
/// assert!(e.message().contains("state_ttl_seconds") && e.message().contains("86400"));
/// ```
pub fn check_range(key: &str, value: u64, range: RangeInclusive<u64>, unit: &str) -> Result<()> {
    if range.contains(&value) {
        Ok(())
    } else {
        Err(Error::config(format!(
            "`{key}` must be between {} and {} {unit}",
            range.start(),
            range.end()
        )))
    }
}

/// [`check_range`] for a duration, in whole seconds.
///
/// Errors: as [`check_range`].
pub fn check_seconds(key: &str, value: Duration, range: RangeInclusive<u64>) -> Result<()> {
    check_range(key, value.as_secs(), range, "seconds")
}

/// A duration from configuration that must be positive (a timeout, a state lifetime): more
/// than zero and at most `max` (sub-second values are fine).
///
/// Errors: `ConfigInvalid` naming the key and the range.
pub fn check_duration(key: &str, value: Duration, max: Duration) -> Result<()> {
    if value.is_zero() || value > max {
        return Err(Error::config(format!(
            "`{key}` must be more than 0 and at most {} seconds",
            max.as_secs()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn typed_reads_and_errors_name_the_key_not_the_value() {
        let env = Env::from_pairs([
            ("A", " 12 "),
            ("B", "twelve"),
            ("C", "Yes"),
            ("D", "   "),
            ("S", "top-secret"),
        ]);
        assert_eq!(env.parse::<u32>("A").unwrap(), Some(12));
        let e = env.parse::<u32>("B").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ConfigInvalid);
        assert!(e.to_string().contains('B'));
        assert!(!e.to_string().contains("twelve"));
        assert_eq!(env.bool("C").unwrap(), Some(true));
        assert_eq!(env.get("D"), None);
        assert!(env.required("D").is_err());
        assert_eq!(env.secret("S").map(|s| s.len()), Some(10));
    }
}
