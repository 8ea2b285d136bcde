//! Rows of the pool-administration modules (`authing/v2/management/udf.py`, `user_pool.py`,
//! `white_list.py`), each document as the reference SDK's `QUERY` table holds it; the custom
//! data values (`udv`, `setUdvBatch`) are the users module's rows.

use super::GqlOp;

/// The selection of a `Whitelist` entry.
macro_rules! whitelist_selection {
    () => {
        "{ createdAt updatedAt value }"
    };
}
/// The selection of a `{timeInterval limit enabled}` frequency check.
macro_rules! check_selection {
    () => {
        "{ timeInterval limit enabled }"
    };
}

/// The selection of a `UserDefinedField`.
macro_rules! udf_selection {
    () => {
        "{ targetType dataType key label options }"
    };
}

operations! {
    // Custom-data field definitions (`udf.py`).
    UDF = concat!(
    "query udf($targetType: UDFTargetType!) { udf(targetType: $targetType) ",
    udf_selection!(),
    " }"
);
    SET_UDF = concat!(
    "mutation setUdf($targetType: UDFTargetType!, $key: String!, $dataType: UDFDataType!, $label: String!, $options: String) { setUdf(targetType: $targetType, key: $key, dataType: $dataType, label: $label, options: $options) ",
    udf_selection!(),
    " }"
);
    REMOVE_UDF = concat!(
    "mutation removeUdf($targetType: UDFTargetType!, $key: String!) { removeUdf(targetType: $targetType, key: $key) ",
    common_message_selection!(),
    " }"
);
    // The pool's settings (`user_pool.py`; its detail and environment variables are REST).
    UPDATE_USERPOOL = concat!(
    "mutation updateUserpool($input: UpdateUserpoolInput!) { updateUserpool(input: $input) { id name domain description secret jwtSecret userpoolTypes { code name description image sdks } logo createdAt updatedAt emailVerifiedDefault sendWelcomeEmail registerDisabled appSsoEnabled showWxQRCodeWhenRegisterDisabled allowedOrigins tokenExpiresAfter isDeleted frequentRegisterCheck ",
    check_selection!(),
    " loginFailCheck ",
    check_selection!(),
    " loginFailStrategy loginPasswordFailCheck ",
    check_selection!(),
    " changePhoneStrategy { verifyOldPhone } changeEmailStrategy { verifyOldEmail } qrcodeLoginStrategy { qrcodeExpiresAfter returnFullUserInfo allowExchangeUserInfoFromBrowser ticketExpiresAfter } app2WxappLoginStrategy { ticketExpriresAfter ticketExchangeUserInfoNeedSecret } whitelist { phoneEnabled emailEnabled usernameEnabled } customSMSProvider { enabled provider config } packageType useCustomUserStore loginRequireEmailVerified verifyCodeLength } }"
);
    // The registration whitelist (`white_list.py`).
    WHITELIST = concat!(
    "query whitelist($type: WhitelistType!) { whitelist(type: $type) ",
    whitelist_selection!(),
    " }"
);
    ADD_WHITELIST = concat!(
    "mutation addWhitelist($type: WhitelistType!, $list: [String!]!) { addWhitelist(type: $type, list: $list) ",
    whitelist_selection!(),
    " }"
);
    REMOVE_WHITELIST = concat!(
    "mutation removeWhitelist($type: WhitelistType!, $list: [String!]!) { removeWhitelist(type: $type, list: $list) ",
    whitelist_selection!(),
    " }"
);
}
