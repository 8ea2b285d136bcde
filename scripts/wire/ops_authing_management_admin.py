"""Authing v2 management client, its pool-administration modules: authing 4.5.18
(`authing.v2.management.udf`, and the modules recorded after it). The same area and the same
new-client scheme as `ops_authing_management.py` (whose helpers this uses); the Rust side is
`crates/polyauth-authing/tests/wire_management/admin.rs`.
"""

from ops_authing_management import (  # noqa: F401  (clients: this area's clients)
    MESSAGE, USER_ID, clients, gql, token_then,
)
from record import Op

AREA = "authing-management"

ROLE_ID = "wire-role-1"


def udf(c):
    """The udf module of a new client."""
    return c["new"]().udf


UDF = {"targetType": "USER", "dataType": "STRING", "key": "school", "label": "School",
       "options": None}
UDV = [{"key": "school", "dataType": "STRING", "value": "\"MIT\"", "label": "School"},
       {"key": "age", "dataType": "NUMBER", "value": "20", "label": "Age"}]

OPS = [
    # Custom-data fields (`udf.py`). The values the reference sends as given; these are
    # JSON-encoded, as polyauth encodes them.
    Op(
        "udf.list",
        lambda c: udf(c).list("USER"),
        "udf.list(targetType)",
        token_then(gql("udf", [UDF])),
    ),
    Op(
        "udf.set",
        lambda c: udf(c).set("USER", "school", "STRING", "School"),
        "udf.set(targetType, key, dataType, label)",
        token_then(gql("setUdf", UDF)),
    ),
    Op(
        "udf.remove",
        lambda c: udf(c).remove("ROLE", "level"),
        "udf.remove(targetType, key)",
        token_then(gql("removeUdf", MESSAGE)),
    ),
    Op(
        "udf.list_udf_value",
        lambda c: udf(c).list_udf_value("ROLE", ROLE_ID),
        "udf.list_udf_value(target_type, target_id)",
        token_then(gql("udv", UDV)),
    ),
    Op(
        "udf.set_udf_value_batch",
        lambda c: udf(c).set_udf_value_batch(
            "USER", USER_ID,
            [{"key": "school", "value": "\"MIT\""}, {"key": "age", "value": "20"}]),
        "udf.set_udf_value_batch(target_type, target_id, udf_value_list)",
        token_then(gql("setUdvBatch", UDV)),
    ),
]
