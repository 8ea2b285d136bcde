//! A user's custom data (user-defined values, `udv`; values travel JSON-encoded).

use std::collections::{BTreeMap, HashMap};

use polyauth_core::{Error, Result};
use serde_json::{Map, Value, json};

use super::Users;
use crate::documents as doc;
use crate::transport::PROVIDER;
use crate::types::{CommonMessage, UdfValueBatchItem, UdvItem, udv_map};

impl Users<'_> {
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
        let op = &doc::UDF_VALUE_BATCH;
        if user_ids.is_empty() {
            return Err(Error::invalid_input("no user ids given").with_context(PROVIDER, op.name()));
        }
        let vars = json!({"targetType": "USER", "targetIds": user_ids});
        let items: Vec<UdfValueBatchItem> = self.client.gql(op, vars).await?;
        Ok(items
            .into_iter()
            .map(|i| (i.target_id, udv_map(&i.data)))
            .collect())
    }

    /// Sets several custom-data values of a user (GraphQL `setUdvBatch`; values
    /// JSON-encoded). Errors: `InvalidInput` for an empty map.
    pub async fn set_udf_value(&self, user_id: &str, data: &Map<String, Value>) -> Result<()> {
        let list = doc::udv_list(data)?;
        let vars = json!({"targetType": "USER", "targetId": user_id, "udvList": list});
        let _: Vec<UdvItem> = self.client.gql(&doc::SET_UDV_BATCH, vars).await?;
        Ok(())
    }

    /// Sets custom data of several users at once (GraphQL `setUdfValueBatch`).
    /// Errors: `InvalidInput` when there is nothing to set.
    pub async fn set_udf_value_batch(
        &self,
        data: &BTreeMap<String, Map<String, Value>>,
    ) -> Result<()> {
        let op = &doc::SET_UDF_VALUE_BATCH;
        let input: Vec<Value> = data
            .iter()
            .flat_map(|(id, m)| {
                m.iter()
                    .map(move |(k, v)| json!({"targetId": id, "key": k, "value": v.to_string()}))
            })
            .collect();
        if input.is_empty() {
            return Err(
                Error::invalid_input("no custom data to set").with_context(PROVIDER, op.name())
            );
        }
        let vars = json!({"targetType": "USER", "input": input});
        let _: CommonMessage = self.client.gql(op, vars).await?;
        Ok(())
    }

    /// Removes one custom-data value (GraphQL `removeUdv`).
    pub async fn remove_udf_value(&self, user_id: &str, key: &str) -> Result<()> {
        self.remove_udv(user_id, key).await.map(|_| ())
    }

    /// The user's custom data as a typed list (GraphQL `udv`).
    pub async fn list_udv(&self, user_id: &str) -> Result<Vec<UdvItem>> {
        let vars = json!({"targetType": "USER", "targetId": user_id});
        self.client.gql(&doc::UDV, vars).await
    }

    /// Sets one custom-data value (GraphQL `setUdv`); answers the list.
    pub async fn set_udv(&self, user_id: &str, key: &str, value: &Value) -> Result<Vec<UdvItem>> {
        let vars = json!({"targetType": "USER", "targetId": user_id, "key": key, "value": value.to_string()});
        self.client.gql(&doc::SET_UDV, vars).await
    }

    /// Removes one custom-data value (GraphQL `removeUdv`); answers the remaining list.
    pub async fn remove_udv(&self, user_id: &str, key: &str) -> Result<Vec<UdvItem>> {
        let vars = json!({"targetType": "USER", "targetId": user_id, "key": key});
        self.client.gql(&doc::REMOVE_UDV, vars).await
    }
}
