//! Several instances on one database. Each keeps a heartbeat row, `instance:<id>`: a run
//! whose instance has stopped beating is marked interrupted by whoever notices first, and
//! the dashboard lists the instances. The live pages' signal crosses instances through the
//! row `revision:live`, bumped after local changes and polled by every instance (LIVE
//! SELECT does not cross the nodes of a SurrealDB cluster, SurrealDB issue 5070).

use std::time::Duration;

use chrono::{DateTime, Utc};
use surrealdb::types::{RecordId, SurrealValue};

use super::changes::Changes;
use super::db::Db;
use super::jobs::runs;
use crate::models::queue::Instance;

/// How often an instance says it is alive.
pub const BEAT: Duration = Duration::from_secs(5);
/// An instance silent this long has stopped (a SIGKILL, a lost machine).
pub const DEAD_AFTER: Duration = Duration::from_secs(20);
/// How often the revision row is looked at: changes elsewhere show within about this.
pub const RELAY: Duration = Duration::from_millis(400);
/// Instances listed on the dashboard at most.
const LISTED: usize = 20;

fn rid(id: &str) -> RecordId {
    RecordId::new("instance", id)
}

/// Records that instance `me` (on `host`) is alive now.
pub async fn beat(db: &Db, me: &str, host: &str) -> surrealdb::Result<()> {
    db.query(
        "UPSERT $id SET host = $host, version = $version,
             started_at = started_at ?? time::now(), last_seen = time::now(), stopped_at = NONE
         RETURN NONE",
    )
    .bind(("id", rid(me)))
    .bind(("host", host.to_string()))
    .bind(("version", env!("CARGO_PKG_VERSION")))
    .await?
    .check()?;
    Ok(())
}

/// Records that instance `me` stopped cleanly.
pub async fn stopped(db: &Db, me: &str) -> surrealdb::Result<()> {
    db.query("UPDATE $id SET stopped_at = time::now(), last_seen = time::now() RETURN NONE")
        .bind(("id", rid(me)))
        .await?
        .check()?;
    Ok(())
}

#[derive(SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct Row {
    key: String,
    host: String,
    version: String,
    started_at: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    stopped_at: Option<DateTime<Utc>>,
}

/// The instances seen in the last day, most recently seen first (through the index).
pub async fn list(db: &Db, me: &str) -> surrealdb::Result<Vec<Instance>> {
    let mut res = db
        .query(
            "SELECT record::id(id) AS key, host, version, started_at, last_seen, stopped_at
             FROM instance WHERE last_seen > time::now() - 1d
             ORDER BY last_seen DESC LIMIT $limit",
        )
        .bind(("limit", LISTED as i64))
        .await?;
    let rows: Vec<Row> = res.take(0)?;
    let now = Utc::now();
    let dead = chrono::Duration::from_std(DEAD_AFTER).unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(|r| Instance {
            alive: r.stopped_at.is_none() && now - r.last_seen < dead,
            this: r.key == me,
            id: r.key,
            host: r.host,
            version: r.version,
            started_at: r.started_at,
            last_seen: r.last_seen,
            stopped_at: r.stopped_at,
        })
        .collect())
}

/// Bumps the revision after local changes, or reads it; tells this instance's live pages
/// when another instance changed something since `seen` (updated).
async fn relay(db: &Db, changes: &Changes, seen: &mut Option<i64>) -> surrealdb::Result<()> {
    let ours = changes.take_pending();
    let sql = if ours {
        "UPSERT ONLY revision:live SET n = (n ?? 0) + 1, at = time::now() RETURN VALUE n"
    } else {
        "RETURN revision:live.n"
    };
    let n: Option<i64> = db.query(sql).await?.take(0)?;
    let n = n.unwrap_or(0);
    if let Some(before) = *seen {
        // Our own bump adds one; anything more is another instance's.
        let others = if ours { n > before + 1 } else { n > before };
        if others {
            changes.notify_local();
        }
    }
    *seen = Some(n);
    Ok(())
}

/// Heartbeats, the sweep of dead instances' runs, the watch on Opa! Suite and IXC
/// (`reachability`) and the revision relay, until `stop`.
pub async fn run(
    db: Db,
    changes: Changes,
    opa: std::sync::Arc<super::opa::connection::OpaConnection>,
    me: String,
    audit_days: u32,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let host = hostname();
    let mut seen = None;
    let mut relay_tick = tokio::time::interval(RELAY);
    relay_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // The start-up (`jobs::start`) has just beaten and swept: the next beat is one period on.
    let mut beat_tick = tokio::time::interval_at(tokio::time::Instant::now() + BEAT, BEAT);
    beat_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // The audit log's old lines go at start and then hourly.
    let mut purge_tick = tokio::time::interval(Duration::from_secs(3600));
    purge_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            _ = relay_tick.tick() => {
                if let Err(e) = relay(&db, &changes, &mut seen).await {
                    tracing::warn!(%e, "could not relay live changes");
                }
            }
            _ = purge_tick.tick() => {
                match super::audit::purge(&db, audit_days).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(removed = n, days = audit_days, "old audit log lines removed"),
                    Err(e) => tracing::warn!(%e, "could not trim the audit log"),
                }
            }
            _ = beat_tick.tick() => {
                if let Err(e) = beat(&db, &me, &host).await {
                    tracing::warn!(%e, "could not record this instance's heartbeat");
                }
                match runs::mark_interrupted(&db, &me, DEAD_AFTER).await {
                    Ok(0) => {}
                    Ok(n) => {
                        tracing::warn!(interrupted = n, "task runs of a stopped instance marked interrupted");
                        changes.notify();
                    }
                    Err(e) => tracing::warn!(%e, "could not check for stopped instances"),
                }
                match super::reachability::watch(&db, &opa, chrono::Utc::now()).await {
                    Ok(true) => changes.notify(),
                    Ok(false) => {}
                    Err(e) => tracing::warn!(%e, "could not check whether Opa! Suite and IXC answer"),
                }
            }
        }
    }
    // Pages elsewhere learn of the last changes; the dashboard shows this one stopped.
    let _ = relay(&db, &changes, &mut seen).await;
    if let Err(e) = stopped(&db, &me).await {
        tracing::warn!(%e, "could not record this instance's stop");
    }
}

/// The machine's name for the dashboard (`HOSTNAME`, else `/etc/hostname`).
pub fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "desconhecido".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn db() -> Db {
        let db = crate::server::db::connect("mem://", None).await.unwrap();
        crate::server::schema::migrate(&db).await.unwrap();
        db
    }

    #[tokio::test]
    async fn a_change_on_one_instance_reaches_the_other_through_the_revision() {
        let db = db().await;
        let (a, b) = (Changes::default(), Changes::default());
        let (mut seen_a, mut seen_b) = (None, None);
        relay(&db, &a, &mut seen_a).await.unwrap();
        relay(&db, &b, &mut seen_b).await.unwrap();
        let mut on_a = a.subscribe();
        let mut on_b = b.subscribe();
        b.notify();
        on_b.try_recv().expect("local pages told at once");
        relay(&db, &b, &mut seen_b).await.unwrap();
        assert!(on_b.try_recv().is_err(), "its own change is not told twice");
        assert!(on_a.try_recv().is_err());
        relay(&db, &a, &mut seen_a).await.unwrap();
        on_a.try_recv()
            .expect("the other instance's change reaches A");
        // Nothing new: nothing told.
        relay(&db, &a, &mut seen_a).await.unwrap();
        assert!(on_a.try_recv().is_err());
        // Both changing at once: each learns of the other's.
        a.notify();
        b.notify();
        let _ = (on_a.try_recv(), on_b.try_recv());
        relay(&db, &a, &mut seen_a).await.unwrap();
        relay(&db, &b, &mut seen_b).await.unwrap();
        on_b.try_recv().expect("B learns of A's change");
        relay(&db, &a, &mut seen_a).await.unwrap();
        on_a.try_recv().expect("A learns of B's change");
    }

    #[tokio::test]
    async fn only_runs_of_stopped_instances_are_interrupted() {
        use crate::models::agenda::TaskKind;
        use crate::models::queue::Trigger;
        let db = db().await;
        beat(&db, "vivo", "h1").await.unwrap();
        beat(&db, "morto", "h2").await.unwrap();
        db.query("UPDATE instance:morto SET last_seen = time::now() - 1m")
            .await
            .unwrap()
            .check()
            .unwrap();
        for (key, instance) in [("r0", "x"), ("r1", "vivo"), ("r2", "morto"), ("r3", "eu")] {
            let at = Utc::now();
            assert!(runs::claim(
                &db,
                key,
                instance,
                "e",
                TaskKind::SendQueue,
                Trigger::Manual,
                at
            )
            .await
            .unwrap());
        }
        // A run from before instances were recorded has none.
        db.query("UPDATE task_run:r0 SET instance = NONE")
            .await
            .unwrap()
            .check()
            .unwrap();
        assert_eq!(
            runs::mark_interrupted(&db, "eu", DEAD_AFTER).await.unwrap(),
            2
        );
        for (key, interrupted) in [("r0", true), ("r1", false), ("r2", true), ("r3", false)] {
            let run = runs::get(&db, key).await.unwrap().unwrap();
            assert_eq!(
                run.outcome == crate::models::queue::RunOutcome::Interrupted,
                interrupted,
                "{key}: {:?}",
                run.outcome
            );
        }
        let listed = list(&db, "vivo").await.unwrap();
        assert_eq!(listed.len(), 2);
        assert!(listed[0].alive && listed[0].this && listed[0].id == "vivo");
        assert!(!listed[1].alive && !listed[1].this);
        stopped(&db, "vivo").await.unwrap();
        assert!(!list(&db, "vivo").await.unwrap()[0].alive);
    }
}
