//! Authing's business error codes and how they map to [`polyauth_core::ErrorKind`].

use polyauth_core::{Error, ErrorKind};

/// Authing: a captcha must be solved before this login is accepted.
pub const CODE_CAPTCHA_REQUIRED: i64 = 2000;
/// Authing: the verification code (SMS or e-mail) is wrong or expired.
pub const CODE_WRONG_VERIFICATION_CODE: i64 = 2001;
/// Authing: the user does not exist.
pub const CODE_USER_NOT_FOUND: i64 = 2004;
/// Authing: not logged in (no token, an unknown token, a logged-out token).
pub const CODE_NOT_LOGGED_IN: i64 = 2020;
/// Authing: the user already exists.
pub const CODE_USER_EXISTS: i64 = 2026;
/// Authing: the login has expired (an expired token).
pub const CODE_LOGIN_EXPIRED: i64 = 2206;
/// Authing: wrong account or password.
pub const CODE_WRONG_PASSWORD: i64 = 2333;
/// Authing: no permission for the operation.
pub const CODE_FORBIDDEN: i64 = 403;

/// The error an Authing business code stands for.
///
/// Well-known codes map to a kind a caller can react to, with the code and Authing's message
/// kept in the error message (`"Authing 2004: 用户不存在"`):
///
/// | code | kind |
/// |---|---|
/// | 2001 wrong verification code, 2020 not logged in, 2333 wrong password, 401 | `Unauthenticated` |
/// | 2206 login expired | `InvalidToken` |
/// | 2004 user not found, 404 | `NotFound` |
/// | 2026 user exists, 400 | `InvalidInput` |
/// | 403 | `PermissionDenied` |
/// | 429 | `RateLimited` |
/// | 500-599 (Authing's side is failing) | `Unavailable` (temporary) |
///
/// Every other code, including 2000 (captcha required, which the caller must answer with a
/// captcha), is `ErrorKind::Provider`. On every kind the code and message are kept verbatim:
/// [`Error::provider_code`] is `"2004"`, [`Error::provider_message`] Authing's message.
pub fn error_from_code(code: i64, message: &str) -> Error {
    let kind = match code {
        CODE_WRONG_VERIFICATION_CODE | CODE_NOT_LOGGED_IN | CODE_WRONG_PASSWORD | 401 => {
            Some(ErrorKind::Unauthenticated)
        }
        CODE_LOGIN_EXPIRED => Some(ErrorKind::InvalidToken),
        CODE_USER_NOT_FOUND | 404 => Some(ErrorKind::NotFound),
        CODE_USER_EXISTS | 400 => Some(ErrorKind::InvalidInput),
        CODE_FORBIDDEN => Some(ErrorKind::PermissionDenied),
        429 => Some(ErrorKind::RateLimited),
        500..=599 => Some(ErrorKind::Unavailable),
        _ => None,
    };
    match kind {
        Some(kind) => Error::new(kind, format!("Authing {code}: {message}"))
            .with_provider_code(code.to_string(), message),
        None => Error::provider_error(code.to_string(), message),
    }
}

/// Whether a code rejects the token itself (not logged in, login expired, 401): the codes a
/// `checkLoginStatus` answer may carry that make a token invalid. Any other code is about
/// something else (an outage, a bad request) and must not be reported as a bad token.
pub(crate) fn is_token_rejection(code: i64) -> bool {
    matches!(code, CODE_NOT_LOGGED_IN | CODE_LOGIN_EXPIRED | 401)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_codes_map_to_kinds() {
        assert_eq!(
            error_from_code(2004, "用户不存在").kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            error_from_code(2020, "尚未登录").kind(),
            ErrorKind::Unauthenticated
        );
        assert_eq!(
            error_from_code(2206, "登录信息已过期").kind(),
            ErrorKind::InvalidToken
        );
        let captcha = error_from_code(2000, "请输入图形验证码");
        assert_eq!(captcha.kind(), ErrorKind::Provider);
        assert_eq!(captcha.provider_code(), Some("2000"));
        assert_eq!(captcha.provider_message(), Some("请输入图形验证码"));
        let missing = error_from_code(2004, "用户不存在");
        assert_eq!(
            (missing.kind(), missing.provider_code()),
            (ErrorKind::NotFound, Some("2004"))
        );
        assert_eq!(error_from_code(2333, "x").provider_code(), Some("2333"));
        for code in [500, 502, 503, 599] {
            let e = error_from_code(code, "服务不可用");
            assert_eq!(e.kind(), ErrorKind::Unavailable, "{code}");
            assert!(e.is_temporary());
        }
        assert!(is_token_rejection(2020) && is_token_rejection(2206));
        assert!(!is_token_rejection(500) && !is_token_rejection(200));
    }
}
