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
        Env::from_fn(move |k| map.get(k).cloned())
    }

    /// The process environment.
    pub fn process() -> Self {
        Env::from_fn(|k| std::env::var(k).ok())
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
        Ok(Env::from_fn(move |k| {
            std::env::var(k).ok().or_else(|| file.get(k).cloned())
        }))
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
