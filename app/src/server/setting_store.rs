//! The saved settings (IXC and Opa! Suite connections, birthday parameters): the `setting`
//! table, one JSON document per group.

use serde::{de::DeserializeOwned, Serialize};
use surrealdb::types::RecordId;

use super::db::Db;

fn id(key: &str) -> RecordId {
    RecordId::new("setting", key)
}

/// The stored value of `key`, or the default when none was saved yet. A stored value that
/// no longer decodes (a changed shape) is an error, never a silent reset to the defaults.
pub async fn get<T: DeserializeOwned + Default>(db: &Db, key: &str) -> surrealdb::Result<T> {
    let mut res = db
        .query("SELECT VALUE value FROM ONLY $id")
        .bind(("id", id(key)))
        .await?;
    let value: Option<serde_json::Value> = res.take(0)?;
    match value {
        None => Ok(T::default()),
        Some(v) => serde_json::from_value(v).map_err(|e| {
            surrealdb::Error::internal(format!("stored setting {key:?} does not decode: {e}"))
        }),
    }
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
pub const ALERTS: &str = "alerts";
pub const BIRTHDAY_PARAMS: &str = "birthday_params";

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Shape {
        count: u32,
    }

    #[tokio::test]
    async fn a_value_that_no_longer_decodes_is_an_error_not_the_defaults() {
        let db = crate::server::db::connect("mem://", None).await.unwrap();
        crate::server::schema::migrate(&db).await.unwrap();
        assert_eq!(get::<Shape>(&db, "x").await.unwrap(), Shape::default());
        put(&db, "x", &Shape { count: 3 }).await.unwrap();
        assert_eq!(get::<Shape>(&db, "x").await.unwrap(), Shape { count: 3 });
        put(&db, "x", &serde_json::json!({ "count": "três" }))
            .await
            .unwrap();
        let e = get::<Shape>(&db, "x").await.unwrap_err();
        assert!(e.to_string().contains("does not decode"), "{e}");
    }
}
