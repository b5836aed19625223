//! Saved omnichannel messages.

use chrono::{DateTime, Utc};
use surrealdb::types::{RecordId, SurrealValue};

use super::db::Db;
use crate::models::message::OmniMessage;

#[derive(Debug, SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct Row {
    key: String,
    kind: String,
    description: String,
    channel_id: String,
    channel_name: String,
    template_id: String,
    template_name: String,
    template_text: String,
    /// JSON of `Vec<Variable>`: the enum with its fixed texts, kept whole.
    variables: String,
    updated_at: DateTime<Utc>,
}

impl Row {
    fn into_message(self) -> OmniMessage {
        OmniMessage {
            id: self.key,
            kind: self.kind,
            description: self.description,
            channel_id: self.channel_id,
            channel_name: self.channel_name,
            template_id: self.template_id,
            template_name: self.template_name,
            template_text: self.template_text,
            variables: serde_json::from_str(&self.variables).unwrap_or_default(),
            updated_at: self.updated_at,
        }
    }
}

fn record(id: &str) -> RecordId {
    RecordId::new("omni_message", id)
}

const FIELDS: &str = "record::id(id) AS key, kind, description, channel_id, channel_name, \
    template_id, template_name, template_text, variables, updated_at";

pub async fn list(db: &Db) -> surrealdb::Result<Vec<OmniMessage>> {
    let mut res = db
        .query(format!(
            "SELECT {FIELDS} FROM omni_message ORDER BY description"
        ))
        .await?;
    let rows: Vec<Row> = res.take(0)?;
    Ok(rows.into_iter().map(Row::into_message).collect())
}

pub async fn get(db: &Db, id: &str) -> surrealdb::Result<Option<OmniMessage>> {
    let mut res = db
        .query(format!("SELECT {FIELDS} FROM ONLY $id"))
        .bind(("id", record(id)))
        .await?;
    let row: Option<Row> = res.take(0)?;
    Ok(row.map(Row::into_message))
}

/// Creates (empty `m.id`) or replaces a message; returns its id.
pub async fn save(db: &Db, m: &OmniMessage) -> surrealdb::Result<String> {
    let id = if m.id.is_empty() {
        super::random_id(16)
    } else {
        m.id.clone()
    };
    db.query(
        "UPSERT $id SET kind = $kind, description = $description, channel_id = $channel_id, \
         channel_name = $channel_name, template_id = $template_id, template_name = $template_name, \
         template_text = $template_text, variables = $variables, updated_at = time::now() RETURN NONE",
    )
    .bind(("id", record(&id)))
    .bind(("kind", m.kind.clone()))
    .bind(("description", m.description.clone()))
    .bind(("channel_id", m.channel_id.clone()))
    .bind(("channel_name", m.channel_name.clone()))
    .bind(("template_id", m.template_id.clone()))
    .bind(("template_name", m.template_name.clone()))
    .bind(("template_text", m.template_text.clone()))
    .bind(("variables", serde_json::to_string(&m.variables).unwrap_or_else(|_| "[]".into())))
    .await?
    .check()?;
    Ok(id)
}

/// Deletes a message; `false` when it did not exist.
pub async fn delete(db: &Db, id: &str) -> surrealdb::Result<bool> {
    let mut res = db
        .query("DELETE $id RETURN BEFORE")
        .bind(("id", record(id)))
        .await?;
    let gone: Vec<serde_json::Value> = res.take(0)?;
    Ok(!gone.is_empty())
}
