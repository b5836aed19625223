//! Task runs in SurrealDB: claimed once per key, then updated attempt by attempt.

use chrono::{DateTime, Utc};
use surrealdb::types::{RecordId, SurrealValue};

use crate::models::agenda::TaskKind;
use crate::models::queue::{RunCounts, RunOutcome, TaskRun, Trigger};
use crate::server::db::Db;

fn rid(key: &str) -> RecordId {
    RecordId::new("task_run", key)
}

/// The key of an entry's scheduled run at `tick`: the same in every instance. (A tick off
/// the minute exists only with the test clock, `PARABENS_TICK_SECONDS`: it keeps its second.)
pub fn scheduled_key(entry_id: &str, tick: DateTime<Utc>) -> String {
    use chrono::Timelike;
    if tick.second() == 0 {
        format!("{entry_id}-{}", tick.format("%Y%m%dT%H%MZ"))
    } else {
        format!("{entry_id}-{}", tick.format("%Y%m%dT%H%M%SZ"))
    }
}

/// Creates run `key` in `Queued`, executed by `instance`; `false` when it already exists
/// (another instance, or an earlier call, claimed it). Concurrent claims conflict in the
/// database: one wins.
#[allow(clippy::too_many_arguments)]
pub async fn claim(
    db: &Db,
    key: &str,
    instance: &str,
    entry_id: &str,
    task: TaskKind,
    trigger: Trigger,
    scheduled_for: DateTime<Utc>,
) -> surrealdb::Result<bool> {
    let created = db
        .query(
            "CREATE $id SET entry_id = $entry, task = $task, trigger = $trigger,
                 scheduled_for = $at, outcome = 'aguardando', attempt = 0, counts = '[]',
                 instance = $instance, created_at = time::now() RETURN NONE",
        )
        .bind(("id", rid(key)))
        .bind(("instance", instance.to_string()))
        .bind(("entry", entry_id.to_string()))
        .bind(("task", task.key()))
        .bind(("trigger", trigger.key()))
        .bind(("at", scheduled_for))
        .await
        .and_then(|r| r.check().map(|_| ()));
    match created {
        Ok(()) => Ok(true),
        // Lost the race (already exists, or a write conflict with the winner).
        Err(e) => {
            if exists(db, key).await? {
                Ok(false)
            } else {
                Err(e)
            }
        }
    }
}

pub async fn exists(db: &Db, key: &str) -> surrealdb::Result<bool> {
    let mut res = db
        .query("RETURN record::exists($id)")
        .bind(("id", rid(key)))
        .await?;
    Ok(res.take::<Option<bool>>(0)?.unwrap_or(false))
}

/// An attempt begins: returns its number (1 for the first).
pub async fn attempt_started(db: &Db, key: &str) -> surrealdb::Result<u32> {
    let mut res = db
        .query(
            "UPDATE $id SET attempt += 1, outcome = 'executando',
                 started_at = started_at ?? time::now() RETURN VALUE attempt",
        )
        .bind(("id", rid(key)))
        .await?;
    let n: Option<i64> = res.take(0)?;
    Ok(n.unwrap_or(1).max(1) as u32)
}

/// Records where a run is now. `finished` sets the end time (success, failure).
pub async fn finish_attempt(
    db: &Db,
    key: &str,
    outcome: RunOutcome,
    counts: Option<&RunCounts>,
    note: Option<&str>,
    error: Option<&str>,
) -> surrealdb::Result<()> {
    let counts = counts.map(|c| serde_json::to_string(c).unwrap_or_else(|_| "[]".into()));
    db.query(
        "UPDATE $id SET outcome = $outcome, counts = $counts ?? counts, note = $note ?? note,
             error = $error,
             finished_at = IF $finished THEN time::now() ELSE NONE END RETURN NONE",
    )
    .bind(("id", rid(key)))
    .bind(("outcome", outcome.key()))
    .bind(("counts", counts))
    .bind(("note", note.map(str::to_string)))
    .bind(("error", error.map(str::to_string)))
    .bind(("finished", outcome.is_finished()))
    .await?
    .check()?;
    Ok(())
}

/// Runs left unfinished by an instance that stopped (its heartbeat older than `dead_after`,
/// or none: a run from before instances were recorded) are marked interrupted; the runs of
/// `me` and of every live instance are left alone.
pub async fn mark_interrupted(
    db: &Db,
    me: &str,
    dead_after: std::time::Duration,
) -> surrealdb::Result<usize> {
    let mut res = db
        .query(
            "LET $before = time::now() - duration::from_millis($dead_ms);
             UPDATE task_run SET outcome = 'interrompida', finished_at = time::now(),
                 error = error ?? 'O servidor parou durante a execução.'
             WHERE outcome IN ['aguardando', 'executando', 'nova_tentativa']
                 AND instance != $me
                 AND (instance = NONE
                     OR (type::record('instance', instance).last_seen ?? $before) <= $before)
             RETURN VALUE id",
        )
        .bind(("me", me.to_string()))
        .bind((
            "dead_ms",
            dead_after.as_millis().min(i64::MAX as u128) as i64,
        ))
        .await?;
    let ids: Vec<RecordId> = res.take(1)?;
    Ok(ids.len())
}

/// Whether `entry_id` ran to success since `since`.
pub async fn succeeded_since(
    db: &Db,
    entry_id: &str,
    since: DateTime<Utc>,
) -> surrealdb::Result<bool> {
    let mut res = db
        .query(
            "SELECT count() AS n FROM task_run WHERE entry_id = $entry AND outcome = 'sucesso'
                 AND scheduled_for >= $since GROUP ALL",
        )
        .bind(("entry", entry_id.to_string()))
        .bind(("since", since))
        .await?;
    let n: Option<i64> = res.take((0, "n"))?;
    Ok(n.unwrap_or(0) > 0)
}

#[derive(Debug, SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct Row {
    key: String,
    entry_id: String,
    task: String,
    trigger: String,
    scheduled_for: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    outcome: String,
    attempt: i64,
    counts: String,
    note: Option<String>,
    error: Option<String>,
}

const FIELDS: &str = "record::id(id) AS key, entry_id, task, trigger, scheduled_for, \
    started_at, finished_at, outcome, attempt, counts, note, error";

impl Row {
    fn view(self) -> Option<TaskRun> {
        Some(TaskRun {
            id: self.key,
            entry_id: self.entry_id,
            task: TaskKind::from_key(&self.task)?,
            trigger: Trigger::from_key(&self.trigger)?,
            scheduled_for: self.scheduled_for,
            started_at: self.started_at,
            finished_at: self.finished_at,
            outcome: RunOutcome::from_key(&self.outcome)?,
            attempt: self.attempt.max(0) as u32,
            counts: serde_json::from_str(&self.counts).unwrap_or_default(),
            note: self.note,
            error: self.error,
        })
    }
}

/// The newest runs first.
pub async fn recent(db: &Db, limit: usize) -> surrealdb::Result<Vec<TaskRun>> {
    let mut res = db
        .query(format!(
            "SELECT {FIELDS}, created_at FROM task_run ORDER BY created_at DESC LIMIT $limit"
        ))
        .bind(("limit", limit as i64))
        .await?;
    let rows: Vec<Row> = res.take(0)?;
    Ok(rows.into_iter().filter_map(Row::view).collect())
}

pub async fn get(db: &Db, key: &str) -> surrealdb::Result<Option<TaskRun>> {
    let mut res = db
        .query(format!("SELECT {FIELDS} FROM ONLY $id"))
        .bind(("id", rid(key)))
        .await?;
    let row: Option<Row> = res.take(0)?;
    Ok(row.and_then(Row::view))
}

/// When a run of `task` last finished successfully (through its index: one key read).
pub async fn last_success(db: &Db, task: TaskKind) -> surrealdb::Result<Option<DateTime<Utc>>> {
    let mut res = db
        .query(
            "SELECT VALUE finished_at FROM task_run WHERE task = $task AND outcome = 'sucesso'
             ORDER BY finished_at DESC LIMIT 1",
        )
        .bind(("task", task.key()))
        .await?;
    let at: Vec<Option<DateTime<Utc>>> = res.take(0)?;
    Ok(at.into_iter().flatten().next())
}
