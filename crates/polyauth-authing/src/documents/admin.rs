//! Rows of the pool-administration modules (`authing/v2/management/udf.py`, `user_pool.py`,
//! `white_list.py`), each document as the reference SDK's `QUERY` table holds it; the custom
//! data values (`udv`, `setUdvBatch`) are the users module's rows.

use super::GqlOp;

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
}
