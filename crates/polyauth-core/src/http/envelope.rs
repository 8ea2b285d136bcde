//! The `{code, message, data}` envelope, read once for every backend that wraps its answers in
//! one.

use std::fmt;

use serde_json::{Map, Number, Value};

use super::HttpResponse;
use crate::error::{Error, Result};

/// The `{code, message, data}` object some providers wrap every answer in (the AIGC auth
/// center, Authing's REST and GraphQL APIs), read by [`HttpResponse::envelope`].
///
/// Only the shape is read here. What counts as success (`0` for the auth center, `200` for
/// Authing) and what a failure code means belong to the backend.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    /// `code`, a JSON number or string as sent.
    pub code: EnvelopeCode,
    /// `message` as text: a string as it is; a number, boolean, array or object as its JSON
    /// text. `None` when absent or `null`.
    pub message: Option<String>,
    /// `data`; `None` when absent (a JSON `null` is `Some(Value::Null)`).
    pub data: Option<Value>,
}

/// An [`Envelope`]'s `code`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvelopeCode {
    /// A numeric code (`0`, `200`, `2004`).
    Number(Number),
    /// A text code (`"E_NO_APP"`, or a number sent as a string, `"403"`).
    Text(String),
}

impl EnvelopeCode {
    /// The code as an integer: a numeric code that is an integer. `None` for text codes (even
    /// `"403"`: a provider that sends text codes means text) and fractional numbers.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Number(n) => n.as_i64(),
            Self::Text(_) => None,
        }
    }
}

/// A number as JSON prints it (`403`), a text code verbatim (`E_NO_APP`, no quotes): the form
/// [`Error::provider_code`] keeps.
impl fmt::Display for EnvelopeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Text(s) => f.write_str(s),
        }
    }
}

impl Envelope {
    /// Reads a JSON object as an envelope. `None` when it has no numeric or text `code`.
    pub fn from_object(mut object: Map<String, Value>) -> Option<Self> {
        let code = match object.remove("code")? {
            Value::Number(n) => EnvelopeCode::Number(n),
            Value::String(s) => EnvelopeCode::Text(s),
            _ => return None,
        };
        let message = match object.remove("message") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => Some(other.to_string()),
        };
        Some(Self {
            code,
            message,
            data: object.remove("data"),
        })
    }
}

impl HttpResponse {
    /// The body read as an [`Envelope`], whatever the status (an error answer may carry one).
    ///
    /// Errors: `Protocol`, with the status kept, when the body is not JSON (the message quotes
    /// its first 40 characters), is JSON but not an object, or has no numeric or text `code`.
    pub fn envelope(&self) -> Result<Envelope> {
        let value = serde_json::from_slice::<Value>(&self.body).map_err(|e| {
            Error::protocol(format!(
                "the answer is not JSON (HTTP {}, starts with {:?})",
                self.status,
                self.snippet(40)
            ))
            .with_status(self.status)
            .with_source(e)
        })?;
        let Value::Object(object) = value else {
            return Err(Error::protocol(
                "the answer is not a JSON object, so not a {code, message, data} envelope",
            )
            .with_status(self.status));
        };
        Envelope::from_object(object).ok_or_else(|| {
            Error::protocol(
                "the answer has no numeric or text `code`: not a {code, message, data} envelope",
            )
            .with_status(self.status)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use reqwest::header::HeaderMap;
    use serde_json::json;

    fn answer(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: HeaderMap::new(),
            body: body.to_owned().into(),
        }
    }

    #[test]
    fn reads_numeric_and_text_codes_messages_and_data() {
        let e = answer(200, r#"{"code":0,"message":"ok","data":{"a":1}}"#)
            .envelope()
            .unwrap();
        assert_eq!(e.code.as_i64(), Some(0));
        assert_eq!(e.code.to_string(), "0");
        assert_eq!(e.message.as_deref(), Some("ok"));
        assert_eq!(e.data, Some(json!({"a": 1})));

        let e = answer(403, r#"{"code":"403","message":null}"#)
            .envelope()
            .unwrap();
        assert_eq!(e.code, EnvelopeCode::Text("403".into()));
        assert_eq!(e.code.as_i64(), None, "a text code stays text");
        assert_eq!(e.code.to_string(), "403");
        assert_eq!((e.message, e.data), (None, None));

        let e = answer(
            200,
            r#"{"code":2004,"message":{"zh":"用户不存在"},"data":null}"#,
        )
        .envelope()
        .unwrap();
        assert_eq!(e.message.as_deref(), Some(r#"{"zh":"用户不存在"}"#));
        assert_eq!(e.data, Some(Value::Null));
        let fractional = answer(200, r#"{"code":1.5}"#).envelope().unwrap();
        assert_eq!(fractional.code.as_i64(), None);
    }

    #[test]
    fn other_bodies_are_protocol_errors_with_the_status() {
        for (body, says) in [
            (
                "<html>502 Bad Gateway</html>",
                "not JSON (HTTP 200, starts with \"<html>",
            ),
            ("[1, 2]", "not a JSON object"),
            (r#"{"message":"no code"}"#, "no numeric or text `code`"),
            (r#"{"code":true}"#, "no numeric or text `code`"),
            (r#"{"code":null,"data":{}}"#, "no numeric or text `code`"),
        ] {
            let e = answer(200, body).envelope().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Protocol, "{body}");
            assert_eq!(e.status(), Some(200), "{body}");
            assert!(e.to_string().contains(says), "{body}: {e}");
        }
    }
}
