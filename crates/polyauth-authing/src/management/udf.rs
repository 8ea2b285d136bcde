//! Custom data (user-defined values, `udv`; values travel JSON-encoded) of any target Authing
//! keeps them for: [`UdfValues`] does the work for a target type, the users' and roles'
//! methods name their target, and the `udf` module ([`Udf`]: field definitions, reference
//! `authing/v2/management/udf.py`) takes the target type as an argument.

use std::borrow::Borrow;
use std::collections::HashMap;

use polyauth_core::{Error, Result};
use serde_json::{Map, Value, json};

use super::{ManagementClient, Users};
use crate::documents as doc;
use crate::transport::PROVIDER;
use crate::types::{
    CommonMessage, UdfDataType, UdfDefinition, UdfTargetType, UdfValueBatchItem, UdvItem, udv_map,
};
use polyauth_core::pyjson;

/// The custom-data operations for one `UDFTargetType` (`USER`, `ROLE`).
#[derive(Clone, Copy, Debug)]
pub(super) struct UdfValues<'a> {
    pub(super) client: &'a ManagementClient,
    /// The `targetType` sent.
    pub(super) target_type: &'static str,
}

impl UdfValues<'_> {
    /// GraphQL `udv`: the target's values as a typed list.
    pub(super) async fn list(&self, target_id: &str) -> Result<Vec<UdvItem>> {
        let vars = json!({"targetType": self.target_type, "targetId": target_id});
        self.client.gql(&doc::UDV, vars).await
    }

    /// GraphQL `udfValueBatch` with `targetIds`, keyed by target id.
    /// Errors: `InvalidInput` for an empty list (nothing is sent).
    pub(super) async fn get_batch(
        &self,
        target_ids: &[String],
    ) -> Result<HashMap<String, Map<String, Value>>> {
        let op = &doc::UDF_VALUE_BATCH;
        if target_ids.is_empty() {
            return Err(Error::invalid_input("no ids given").with_context(PROVIDER, op.name()));
        }
        let vars = json!({"targetType": self.target_type, "targetIds": target_ids});
        let items: Vec<UdfValueBatchItem> = self.client.gql(op, vars).await?;
        Ok(items
            .into_iter()
            .map(|i| (i.target_id, udv_map(&i.data)))
            .collect())
    }

    /// GraphQL `setUdvBatch` with `udvList: [{"key", "value"}]` in the order given; answers
    /// the target's values after the change. Errors: `InvalidInput` when `data` is empty.
    pub(super) async fn set<K, V>(
        &self,
        target_id: &str,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Vec<UdvItem>>
    where
        K: AsRef<str>,
        V: Borrow<Value>,
    {
        let list = doc::udv_list(data)?;
        let vars = json!({"targetType": self.target_type, "targetId": target_id, "udvList": list});
        self.client.gql(&doc::SET_UDV_BATCH, vars).await
    }

    /// GraphQL `setUdfValueBatch` with `input: [{"targetId", "key", "value"}]` in the order
    /// given. Errors: `InvalidInput` when there is nothing to set.
    pub(super) async fn set_batch<U, D, K, V>(
        &self,
        data: impl IntoIterator<Item = (U, D)>,
    ) -> Result<()>
    where
        U: AsRef<str>,
        D: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Borrow<Value>,
    {
        let op = &doc::SET_UDF_VALUE_BATCH;
        let mut input = Vec::new();
        for (target_id, pairs) in data {
            for (key, value) in pairs {
                input.push(json!({
                    "targetId": target_id.as_ref(),
                    "key": key.as_ref(),
                    "value": pyjson::dumps(value.borrow()),
                }));
            }
        }
        if input.is_empty() {
            return Err(
                Error::invalid_input("no custom data to set").with_context(PROVIDER, op.name())
            );
        }
        let vars = json!({"targetType": self.target_type, "input": input});
        let _: CommonMessage = self.client.gql(op, vars).await?;
        Ok(())
    }

    /// GraphQL `removeUdv`: answers the remaining list.
    pub(super) async fn remove(&self, target_id: &str, key: &str) -> Result<Vec<UdvItem>> {
        let vars = json!({"targetType": self.target_type, "targetId": target_id, "key": key});
        self.client.gql(&doc::REMOVE_UDV, vars).await
    }
}

impl Users<'_> {
    fn custom_data(&self) -> UdfValues<'_> {
        UdfValues {
            client: self.client,
            target_type: "USER",
        }
    }

    /// The user's custom data as `{key: typed value}` (GraphQL `udv`).
    pub async fn get_udf_value(&self, user_id: &str) -> Result<Map<String, Value>> {
        Ok(udv_map(&self.list_udv(user_id).await?))
    }

    /// Custom data of several users (GraphQL `udfValueBatch` with `targetIds`), keyed by
    /// user id. Errors: `InvalidInput` for an empty list.
    pub async fn get_udf_value_batch(
        &self,
        user_ids: &[String],
    ) -> Result<HashMap<String, Map<String, Value>>> {
        self.custom_data().get_batch(user_ids).await
    }

    /// Sets several custom-data values of a user (GraphQL `setUdvBatch` with
    /// `udvList: [{"key", "value"}]`, each value JSON-encoded as the reference encodes it).
    ///
    /// `data` is any sequence of `(key, value)` pairs, sent in the order it yields them: a
    /// list such as `[("school", json!("MIT")), ("age", json!(20))]` keeps the caller's order
    /// (the reference sends its dict's insertion order); a `&serde_json::Map` yields its keys
    /// sorted.
    ///
    /// Errors: `InvalidInput` when `data` is empty; `Provider` and transport errors.
    pub async fn set_udf_value<K, V>(
        &self,
        user_id: &str,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Result<()>
    where
        K: AsRef<str>,
        V: Borrow<Value>,
    {
        self.custom_data().set(user_id, data).await.map(|_| ())
    }

    /// Sets custom data of several users at once (GraphQL `setUdfValueBatch` with
    /// `input: [{"targetId", "key", "value"}]`, each value JSON-encoded as the reference
    /// encodes it).
    ///
    /// `data` is a sequence of `(user id, pairs)`, each `pairs` a sequence of `(key, value)`;
    /// both are sent in the order they are yielded, so lists keep the caller's order as the
    /// reference keeps its dicts' (`&BTreeMap<String, Map<String, Value>>` works too, sorted).
    ///
    /// Errors: `InvalidInput` when there is nothing to set; `Provider` and transport errors.
    pub async fn set_udf_value_batch<U, D, K, V>(
        &self,
        data: impl IntoIterator<Item = (U, D)>,
    ) -> Result<()>
    where
        U: AsRef<str>,
        D: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Borrow<Value>,
    {
        self.custom_data().set_batch(data).await
    }

    /// Removes one custom-data value (GraphQL `removeUdv`).
    pub async fn remove_udf_value(&self, user_id: &str, key: &str) -> Result<()> {
        self.remove_udv(user_id, key).await.map(|_| ())
    }

    /// The user's custom data as a typed list (GraphQL `udv`).
    pub async fn list_udv(&self, user_id: &str) -> Result<Vec<UdvItem>> {
        self.custom_data().list(user_id).await
    }

    /// Sets one custom-data value (GraphQL `setUdv`, the value JSON-encoded as the reference
    /// encodes it); answers the user's custom data after the change.
    pub async fn set_udv(&self, user_id: &str, key: &str, value: &Value) -> Result<Vec<UdvItem>> {
        let value = pyjson::dumps(value);
        let vars = json!({"targetType": "USER", "targetId": user_id, "key": key, "value": value});
        self.client.gql(&doc::SET_UDV, vars).await
    }

    /// Removes one custom-data value (GraphQL `removeUdv`); answers the remaining list.
    pub async fn remove_udv(&self, user_id: &str, key: &str) -> Result<Vec<UdvItem>> {
        self.custom_data().remove(user_id, key).await
    }
}

/// The `udf` module of [`ManagementClient`] (see [`ManagementClient::udf`]): the definitions
/// of custom-data fields per target type, and the values of any target.
///
/// Errors every method may give besides those it names: as for [`Roles`](super::Roles)
/// (`Unauthenticated`, `Unavailable`/`RateLimited`, `Provider` with Authing's code in
/// [`polyauth_core::Error::provider_code`], `Protocol`).
#[derive(Clone, Copy, Debug)]
pub struct Udf<'a> {
    pub(super) client: &'a ManagementClient,
}

impl Udf<'_> {
    fn values(&self, target_type: UdfTargetType) -> UdfValues<'_> {
        UdfValues {
            client: self.client,
            target_type: target_type.as_str(),
        }
    }

    /// The field definitions of a target type (GraphQL `udf`; variable `targetType`).
    pub async fn list(&self, target_type: UdfTargetType) -> Result<Vec<UdfDefinition>> {
        let vars = json!({"targetType": target_type});
        self.client.gql(&doc::UDF, vars).await
    }

    /// Defines a field, or redefines the field of that key (GraphQL `setUdf`; variables
    /// `targetType`, `key`, `dataType`, `label`); answers the definition.
    ///
    /// Errors: `InvalidInput` for an empty key or label (nothing is sent).
    pub async fn set(
        &self,
        target_type: UdfTargetType,
        key: &str,
        data_type: UdfDataType,
        label: &str,
    ) -> Result<UdfDefinition> {
        if key.is_empty() || label.is_empty() {
            return Err(Error::invalid_input("a field needs a key and a label")
                .with_context(PROVIDER, doc::SET_UDF.name()));
        }
        let vars = json!({
            "targetType": target_type, "key": key, "dataType": data_type, "label": label,
        });
        self.client.gql(&doc::SET_UDF, vars).await
    }

    /// Removes a field definition and every value of that key (GraphQL `removeUdf`;
    /// variables `targetType`, `key`).
    ///
    /// Errors: `NotFound` for a key not defined for the target type (Authing code kept).
    pub async fn remove(&self, target_type: UdfTargetType, key: &str) -> Result<CommonMessage> {
        let vars = json!({"targetType": target_type, "key": key});
        self.client.gql(&doc::REMOVE_UDF, vars).await
    }

    /// The custom-data values of one target (GraphQL `udv`; variables `targetType`,
    /// `targetId`: a user id for `User`, a role id for `Role`, ...).
    ///
    /// Errors: `NotFound` for an unknown target.
    pub async fn list_udf_value(
        &self,
        target_type: UdfTargetType,
        target_id: &str,
    ) -> Result<Vec<UdvItem>> {
        self.values(target_type).list(target_id).await
    }

    /// Sets several values of one target (GraphQL `setUdvBatch`; variables `targetType`,
    /// `targetId`, `udvList: [{"key", "value"}]`); answers the target's values after the
    /// change.
    ///
    /// `data` is a sequence of `(key, value)` pairs sent in the order given; each value is
    /// JSON-encoded, as the users module writes custom data (the reference sends the list
    /// it is given as it is, so its callers encode the values themselves).
    ///
    /// Errors: `InvalidInput` when `data` is empty (nothing is sent); `NotFound` for an
    /// unknown target.
    pub async fn set_udf_value_batch<K, V>(
        &self,
        target_type: UdfTargetType,
        target_id: &str,
        data: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Vec<UdvItem>>
    where
        K: AsRef<str>,
        V: Borrow<Value>,
    {
        self.values(target_type).set(target_id, data).await
    }
}
