//! Parameters stored in the `setting` table, one record per group, as JSON documents.

use serde::{de::DeserializeOwned, Serialize};
use surrealdb::types::RecordId;

use super::db::Db;

fn id(key: &str) -> RecordId {
    RecordId::new("setting", key)
}

/// The stored value of `key`, or the default when none was saved yet.
pub async fn get<T: DeserializeOwned + Default>(db: &Db, key: &str) -> surrealdb::Result<T> {
    let mut res = db
        .query("SELECT VALUE value FROM ONLY $id")
        .bind(("id", id(key)))
        .await?;
    let value: Option<serde_json::Value> = res.take(0)?;
    Ok(value
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

pub async fn put<T: Serialize>(db: &Db, key: &str, value: &T) -> surrealdb::Result<()> {
    let json = serde_json::to_value(value).unwrap_or_default();
    db.query("UPSERT $id SET value = $value RETURN NONE")
        .bind(("id", id(key)))
        .bind(("value", json))
        .await?
        .check()?;
    Ok(())
}

pub const IXC: &str = "ixc";
pub const OPA: &str = "opa";
pub const BIRTHDAY_PARAMS: &str = "birthday_params";
