//! The *Painel*: task runs, next runs, queue counts, the 30-day chart, *Executar agora*.

use leptos::prelude::*;

use crate::error::AppError;
use crate::models::queue::Dashboard;

/// Runs shown on the dashboard.
pub const RECENT_RUNS: usize = 30;

/// How long one instance's dashboard serves every admin when nothing changes.
pub const FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(2);

#[server(prefix = "/api", endpoint = "load_dashboard")]
pub async fn load_dashboard() -> Result<Dashboard, AppError> {
    use crate::domain::schedule;
    use crate::models::queue::NextRun;
    use crate::server::jobs::runs;
    use crate::server::{agenda, params, queue, signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        let db = &state.db;
        let tz = params::effective(db, &state.config)
            .await
            .or_internal("read parameters")?
            .time_zone;
        let now = chrono::Utc::now();
        let today = now.with_timezone(&tz).date_naive();
        // The same for every admin until a change is told, or the time moves the next runs
        // and the instances' liveness on (FRESH_FOR).
        let key = format!("{} {} {today}", state.changes.generation(), tz.name());
        let cached = state
            .dashboard
            .get(key, || async {
                let mut next_runs = Vec::new();
                for e in agenda::list(db).await.or_internal("list agenda")? {
                    let Ok(s) = schedule::parse(&e.schedule) else {
                        continue;
                    };
                    if !e.enabled {
                        continue;
                    }
                    for t in crate::components::time::next_runs(&s, tz.name(), 3) {
                        if let Some(at) = t.and_local_timezone(tz).earliest() {
                            next_runs.push(NextRun {
                                entry_id: e.id.clone(),
                                task: e.task,
                                at: at.with_timezone(&chrono::Utc),
                            });
                        }
                    }
                }
                next_runs.sort_by_key(|r| r.at);
                next_runs.truncate(6);
                Ok::<_, AppError>(Dashboard {
                    runs: runs::recent(db, RECENT_RUNS)
                        .await
                        .or_internal("recent runs")?,
                    instances: crate::server::cluster::list(db, &state.jobs.instance)
                        .await
                        .or_internal("instances")?,
                    outages: Vec::new(),
                    next_runs,
                    counts: state
                        .queue_counts
                        .get(db, &state.changes)
                        .await
                        .or_internal("queue counts")?,
                    daily: queue::daily_stats(db, tz, today, 30)
                        .await
                        .or_internal("daily stats")?,
                    time_zone: tz.name().to_string(),
                })
            })
            .await?;
        // Read on every load (two point reads): an outage begins and ends with any call to
        // Opa! Suite or IXC, which tells no page.
        Ok(Dashboard {
            outages: crate::server::reachability::outages(db)
                .await
                .or_internal("outages")?,
            ..cached
        })
    })
    .await
}

/// *Executar agora*: queues a run of agenda entry `entry_id` with the same retry, timeout
/// and recording as scheduled runs. Returns the run's id.
#[server(prefix = "/api", endpoint = "run_now")]
pub async fn run_now(entry_id: String) -> Result<String, AppError> {
    use crate::models::queue::Trigger;
    use crate::server::jobs::claim_and_push;
    use crate::server::{agenda, signed_in, OrInternal, Signed};
    signed_in(|Signed { user: me, state, .. }| async move {
        crate::server::bounded("entry_id", &entry_id, crate::domain::limits::MAX_ID)?;
        let entry = agenda::list(&state.db)
            .await
            .or_internal("list agenda")?
            .into_iter()
            .find(|e| e.id == entry_id)
            .ok_or(AppError::NotFound)?;
        let now = chrono::Utc::now();
        let key = format!(
            "{}-manual-{}",
            entry.id,
            now.format("%Y%m%dT%H%M%S%.3fZ")
        );
        let run = claim_and_push(&state.tasks(), &key, &entry, Trigger::Manual, now)
            .await
            .or_internal("claim manual run")?
            .ok_or_else(|| AppError::field("entry_id", "Execução já solicitada; aguarde."))?;
        tracing::info!(by = %me.username, run = %run, task = entry.task.key(), "manual run queued");
        crate::server::audit::record(&state.db, &me.username, crate::models::audit::AuditAction::RunNow, &format!("{} ({run})", entry.task.label()), None).await;
        Ok(run)
    })
    .await
}
