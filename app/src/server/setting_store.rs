//! The saved settings (IXC and Opa! Suite connections, alerts, birthday parameters): the
//! `setting` table, one JSON document per group. Each group's secrets (tokens, passwords)
//! are kept apart, in `secret:⟨setting/<group>⟩`, so that everything but the `secret` and
//! `session` tables can leave the server (the backup download) without them.

use serde::{de::DeserializeOwned, Serialize};
use surrealdb::types::RecordId;

use super::db::Db;

/// A group of settings, and where its secrets are in its JSON (pointers, RFC 6901).
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub name: &'static str,
    secrets: &'static [&'static str],
}

pub const IXC: Key = Key {
    name: "ixc",
    secrets: &["/token"],
};
pub const OPA: Key = Key {
    name: "opa",
    secrets: &["/token"],
};
pub const ALERTS: Key = Key {
    name: "alerts",
    secrets: &["/secret", "/email/password"],
};
pub const BIRTHDAY_PARAMS: Key = Key {
    name: "birthday_params",
    secrets: &[],
};

fn id(key: Key) -> RecordId {
    RecordId::new("setting", key.name)
}

/// The row holding `key`'s secrets.
pub fn secret_id(key: Key) -> RecordId {
    RecordId::new("secret", format!("setting/{}", key.name))
}

/// The stored value of `key`, or the default when none was saved yet. A stored value that
/// no longer decodes (a changed shape) is an error, never a silent reset to the defaults. A
/// secret with no row (a restored download) reads as empty: "not set".
pub async fn get<T: DeserializeOwned + Default>(db: &Db, key: Key) -> surrealdb::Result<T> {
    let mut res = db
        .query("SELECT VALUE value FROM ONLY $id; SELECT VALUE value FROM ONLY $secret")
        .bind(("id", id(key)))
        .bind(("secret", secret_id(key)))
        .await?;
    let value: Option<serde_json::Value> = res.take(0)?;
    let secrets: Option<serde_json::Value> = res.take(1)?;
    let Some(mut value) = value else {
        return Ok(T::default());
    };
    let secrets = match secrets {
        Some(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    for (pointer, secret) in secrets {
        if let Some(slot) = value.pointer_mut(&pointer) {
            *slot = secret;
        }
    }
    serde_json::from_value(value).map_err(|e| {
        surrealdb::Error::internal(format!(
            "stored setting {:?} does not decode: {e}",
            key.name
        ))
    })
}

/// Saves `value`: its secrets in their own row, blanked in the setting's, in one transaction.
pub async fn put<T: Serialize>(db: &Db, key: Key, value: &T) -> surrealdb::Result<()> {
    let mut json = serde_json::to_value(value).unwrap_or_default();
    let mut secrets = serde_json::Map::new();
    for pointer in key.secrets {
        if let Some(slot) = json.pointer_mut(pointer) {
            secrets.insert(pointer.to_string(), std::mem::replace(slot, "".into()));
        }
    }
    db.query(
        "BEGIN TRANSACTION;
         UPSERT $id SET value = $value RETURN NONE;
         IF $has_secrets { UPSERT $secret SET kind = 'setting', value = $secrets RETURN NONE };
         COMMIT TRANSACTION;",
    )
    .bind(("id", id(key)))
    .bind(("value", json))
    .bind(("has_secrets", !secrets.is_empty()))
    .bind(("secret", secret_id(key)))
    .bind(("secrets", serde_json::Value::Object(secrets)))
    .await?
    .check()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Shape {
        count: u32,
        #[serde(default)]
        token: String,
    }

    const SHAPE: Key = Key {
        name: "x",
        secrets: &["/token"],
    };

    async fn db() -> Db {
        let db = crate::server::db::connect("mem://", None).await.unwrap();
        crate::server::schema::migrate(&db).await.unwrap();
        db
    }

    #[tokio::test]
    async fn a_value_that_no_longer_decodes_is_an_error_not_the_defaults() {
        let db = db().await;
        assert_eq!(get::<Shape>(&db, SHAPE).await.unwrap(), Shape::default());
        let shape = Shape {
            count: 3,
            token: "t".into(),
        };
        put(&db, SHAPE, &shape).await.unwrap();
        assert_eq!(get::<Shape>(&db, SHAPE).await.unwrap(), shape);
        put(&db, SHAPE, &serde_json::json!({ "count": "três" }))
            .await
            .unwrap();
        let e = get::<Shape>(&db, SHAPE).await.unwrap_err();
        assert!(e.to_string().contains("does not decode"), "{e}");
    }

    #[tokio::test]
    async fn secrets_are_kept_apart_and_read_back_empty_without_their_row() {
        let db = db().await;
        let shape = Shape {
            count: 1,
            token: "s3cret-token".into(),
        };
        put(&db, SHAPE, &shape).await.unwrap();
        let mut res = db
            .query("SELECT * FROM setting; SELECT * FROM secret")
            .await
            .unwrap();
        let settings: Vec<serde_json::Value> = res.take(0).unwrap();
        let secrets: Vec<serde_json::Value> = res.take(1).unwrap();
        let (settings, secrets) = (format!("{settings:?}"), format!("{secrets:?}"));
        assert!(!settings.contains("s3cret"), "{settings}");
        assert!(secrets.contains("s3cret-token"), "{secrets}");
        assert_eq!(get::<Shape>(&db, SHAPE).await.unwrap(), shape);
        // A download restored elsewhere has no secrets: the setting reads as "not set".
        db.query("DELETE secret").await.unwrap().check().unwrap();
        let back = get::<Shape>(&db, SHAPE).await.unwrap();
        assert_eq!((back.count, back.token.as_str()), (1, ""));
    }
}
