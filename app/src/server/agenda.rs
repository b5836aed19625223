//! Agenda entries, stored as rows of `agenda_entry`.

use surrealdb::types::{RecordId, SurrealValue};

use super::db::Db;
use crate::domain::schedule::ScheduleInput;
use crate::models::agenda::{default_agenda, AgendaEntry, TaskKind};

#[derive(Debug, SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct Row {
    key: String,
    task: String,
    minute: String,
    hour: String,
    day_of_month: String,
    month: String,
    day_of_week: String,
    enabled: bool,
}

fn record(id: &str) -> RecordId {
    RecordId::new("agenda_entry", id)
}

pub async fn list(db: &Db) -> surrealdb::Result<Vec<AgendaEntry>> {
    let mut res = db
        .query(
            "SELECT record::id(id) AS key, task, minute, hour, day_of_month, month, day_of_week, \
             enabled, created_at FROM agenda_entry ORDER BY created_at",
        )
        .await?;
    let rows: Vec<Row> = res.take(0)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(AgendaEntry {
                task: TaskKind::from_key(&r.task)?,
                id: r.key,
                schedule: ScheduleInput {
                    minute: r.minute,
                    hour: r.hour,
                    day_of_month: r.day_of_month,
                    month: r.month,
                    day_of_week: r.day_of_week,
                },
                enabled: r.enabled,
            })
        })
        .collect())
}

/// Creates (empty id) or updates an entry; returns its id. The caller has validated it.
pub async fn save(db: &Db, e: &AgendaEntry) -> surrealdb::Result<String> {
    let id = if e.id.is_empty() {
        super::random_id(16)
    } else {
        e.id.clone()
    };
    db.query(
        "UPSERT $id SET task = $task, minute = $minute, hour = $hour, day_of_month = $dom, \
         month = $month, day_of_week = $dow, enabled = $enabled, \
         created_at = created_at ?? time::now() RETURN NONE",
    )
    .bind(("id", record(&id)))
    .bind(("task", e.task.key().to_string()))
    .bind(("minute", e.schedule.minute.trim().to_string()))
    .bind(("hour", e.schedule.hour.trim().to_string()))
    .bind(("dom", e.schedule.day_of_month.trim().to_string()))
    .bind(("month", e.schedule.month.trim().to_string()))
    .bind(("dow", e.schedule.day_of_week.trim().to_string()))
    .bind(("enabled", e.enabled))
    .await?
    .check()?;
    Ok(id)
}

pub async fn delete(db: &Db, id: &str) -> surrealdb::Result<bool> {
    let mut res = db
        .query("DELETE $id RETURN BEFORE")
        .bind(("id", record(id)))
        .await?;
    let gone: Vec<serde_json::Value> = res.take(0)?;
    Ok(!gone.is_empty())
}

/// On the very first start (no entry ever saved), the default agenda.
pub async fn seed_defaults(db: &Db) -> surrealdb::Result<()> {
    let mut res = db
        .query("SELECT VALUE value FROM ONLY setting:agenda_seeded")
        .await?;
    let seeded: Option<bool> = res.take(0)?;
    if seeded.unwrap_or(false) {
        return Ok(());
    }
    for e in default_agenda() {
        save(db, &e).await?;
    }
    db.query("UPSERT setting:agenda_seeded SET value = true RETURN NONE")
        .await?
        .check()?;
    Ok(())
}
