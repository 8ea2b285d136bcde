//! JSON text as Python's `json.dumps` writes it, for bytes a provider compares or signs: the
//! reference SDKs build JSON-encoded strings (Authing's custom data `params`, `context`,
//! custom-data values) and signed bodies (AIGC webhooks) with `json.dumps`, and the provider
//! stores or signs the text as sent, so the same value must produce the same bytes.
//!
//! The layout: `", "` between items and `": "` after keys, keys in the map's order (a
//! `serde_json::Map` keeps them sorted), floats as Python's `repr` (`1e+16`, `1e-05`, `2.0`).
//! [`dumps`] escapes non-ASCII and control characters as `\uXXXX` (UTF-16, lowercase hex), as
//! the default `ensure_ascii=True` does; [`dumps_unicode`] writes non-ASCII text as it is and
//! escapes only control characters, as `ensure_ascii=False` does.
//!
//! ```
//! use polyauth_core::pyjson::{dumps, dumps_unicode};
//! let value = serde_json::json!({"name": "é", "n": 1.0});
//! assert_eq!(dumps(&value), r#"{"n": 1.0, "name": "\u00e9"}"#);
//! assert_eq!(dumps_unicode(&value), r#"{"n": 1.0, "name": "é"}"#);
//! ```

use serde_json::{Number, Value};

/// `value` as `json.dumps(value)` writes it (`ensure_ascii=True`).
pub fn dumps(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, true);
    out
}

/// `value` as `json.dumps(value, ensure_ascii=False)` writes it.
pub fn dumps_unicode(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, false);
    out
}

/// A string as `json.dumps` writes it, with `ensure_ascii` as given.
pub fn dumps_str(text: &str, ensure_ascii: bool) -> String {
    let mut out = String::new();
    write_string(&mut out, text, ensure_ascii);
    out
}

fn write_value(out: &mut String, value: &Value, ascii: bool) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s, ascii),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item, ascii);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_string(out, key, ascii);
                out.push_str(": ");
                write_value(out, item, ascii);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, s: &str, ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ if !ascii && c >= ' ' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// Integers as they are; floats as Python's `repr` (the shortest round-trip digits, fixed
/// notation for decimal exponents from -4 to 15, otherwise `d.ddde±XX`).
fn write_number(out: &mut String, n: &Number) {
    if n.is_i64() || n.is_u64() {
        out.push_str(&n.to_string());
        return;
    }
    let Some(f) = n.as_f64() else {
        out.push_str(&n.to_string());
        return;
    };
    // serde_json writes the shortest round-trip digits; only the layout differs.
    let text = n.to_string();
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.as_str()),
    };
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = format!("{int_part}{frac_part}");
    let leading = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_matches('0');
    if digits.is_empty() || f == 0.0 {
        out.push_str(if negative { "-0.0" } else { "0.0" });
        return;
    }
    // value = 0.DIGITS × 10^point
    let point =
        i32::try_from(int_part.len()).unwrap_or(0) - i32::try_from(leading).unwrap_or(0) + exponent;
    let decimal_exponent = point - 1;
    if negative {
        out.push('-');
    }
    let len = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    if (-4..16).contains(&decimal_exponent) {
        if point <= 0 {
            out.push_str("0.");
            out.push_str(&"0".repeat(usize::try_from(-point).unwrap_or(0)));
            out.push_str(digits);
        } else if point >= len {
            out.push_str(digits);
            out.push_str(&"0".repeat(usize::try_from(point - len).unwrap_or(0)));
            out.push_str(".0");
        } else {
            let (a, b) = digits.split_at(usize::try_from(point).unwrap_or(0));
            out.push_str(a);
            out.push('.');
            out.push_str(b);
        }
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let sign = if decimal_exponent < 0 { '-' } else { '+' };
        out.push_str(&format!("e{sign}{:02}", decimal_exponent.abs()));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn layout_and_escapes_are_pythons() {
        assert_eq!(
            dumps(&json!({"a": [1, true, null], "b": "x\"\\\n\u{1}é😀\u{7f}"})),
            r#"{"a": [1, true, null], "b": "x\"\\\n\u0001\u00e9\ud83d\ude00\u007f"}"#
        );
        assert_eq!(dumps(&json!([])), "[]");
        // ensure_ascii=False: text as it is, control characters still escaped, DEL raw.
        assert_eq!(
            dumps_unicode(&json!({"b": "x\"\n\u{1}é😀\u{7f}"})),
            "{\"b\": \"x\\\"\\n\\u0001é😀\u{7f}\"}"
        );
        assert_eq!(dumps(&json!({})), "{}");
    }

    #[test]
    fn floats_are_pythons_repr() {
        for (value, python) in [
            (2.0, "2.0"),
            (0.5, "0.5"),
            (-1.25, "-1.25"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1e15, "1000000000000000.0"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (123.456, "123.456"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (0.0, "0.0"),
        ] {
            assert_eq!(dumps(&json!(value)), python, "{value}");
        }
        assert_eq!(dumps(&json!(-7)), "-7");
        assert_eq!(dumps(&json!(u64::MAX)), u64::MAX.to_string());
    }
}
