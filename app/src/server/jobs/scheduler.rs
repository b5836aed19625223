//! The scheduler: an apalis-cron worker ticking at the start of every minute. Each tick
//! reads the agenda, and every enabled entry whose schedule includes that minute (in the
//! business time zone) is claimed and queued. Schedules are checked by the agenda's own
//! parser, so the crontab day-of-week rules shown to the admin are the ones that run.

use apalis::prelude::*;
use apalis_cron::{CronScheduler, Schedule, Tick};
use chrono::{DateTime, Duration, DurationRound, Utc};

use super::TaskContext;
use super::{claim_and_push, runs};
use crate::domain::schedule;
use crate::models::agenda::TaskKind;
use crate::models::queue::Trigger;
use crate::server::{agenda, params};

/// Every `seconds` (60: every minute, on the minute), in UTC; the time zone is applied per
/// tick since the parameters may change it at any time. Every instance ticks at the same
/// instants, so they claim the same keys.
#[derive(Clone, Debug)]
pub struct Every {
    pub seconds: i64,
}

impl Schedule<Utc> for Every {
    fn next_tick(&mut self, _tz: &Utc) -> Option<Tick<Utc>> {
        let (now, s) = (Utc::now().timestamp(), self.seconds.max(1));
        Some(Tick::new(((now / s + 1) * s) as u64))
    }
}

/// Adds the scheduler worker to `monitor`.
pub fn register(monitor: Monitor, state: TaskContext) -> Monitor {
    let every = Every {
        seconds: state.config.tick.as_secs().max(1) as i64,
    };
    monitor.register(move |_restarts| {
        WorkerBuilder::new("parabens-scheduler")
            .backend(CronScheduler::new(every.clone()))
            .data(state.clone())
            .build(on_cron_tick)
    })
}

async fn on_cron_tick(tick: Tick<Utc>, state: Data<TaskContext>) -> Result<(), BoxDynError> {
    let at = DateTime::from_timestamp(tick.get_timestamp() as i64, 0).unwrap_or_else(Utc::now);
    on_tick(&state, at).await?;
    Ok(())
}

/// Claims and queues every enabled entry due at `at` (a whole minute, or a whole tick with
/// the test clock). Returns the runs this instance claimed.
pub async fn on_tick(state: &TaskContext, at: DateTime<Utc>) -> surrealdb::Result<Vec<String>> {
    let tick = Duration::from_std(state.config.tick).unwrap_or(Duration::minutes(1));
    let at = at.duration_trunc(tick).unwrap_or(at);
    let tz = params::effective(&state.db, &state.config).await?.time_zone;
    let local = at.with_timezone(&tz).naive_local();
    let mut claimed = Vec::new();
    for entry in agenda::list(&state.db).await? {
        if !entry.enabled {
            continue;
        }
        let Ok(s) = schedule::parse(&entry.schedule) else {
            tracing::warn!(entry = %entry.id, "agenda entry with an invalid schedule skipped");
            continue;
        };
        if s.matches(local) {
            let key = runs::scheduled_key(&entry.id, at);
            if let Some(run) = claim_and_push(state, &key, &entry, Trigger::Schedule, at).await? {
                claimed.push(run);
            }
        }
    }
    Ok(claimed)
}

/// At start: for each enabled enqueue entry whose last tick today (before `now`) has no
/// successful run since, one catch-up run. Enqueueing is idempotent, so a doubt costs
/// nothing; a missed day does.
pub async fn catch_up(state: &TaskContext, now: DateTime<Utc>) -> surrealdb::Result<Vec<String>> {
    let effective = params::effective(&state.db, &state.config).await?;
    if effective.params.message_id.is_none() {
        // A fresh install: no birthday message yet, so a catch-up could only fail.
        tracing::info!("no birthday message chosen yet: nothing to catch up");
        return Ok(Vec::new());
    }
    let tz = effective.time_zone;
    let local_now = now.with_timezone(&tz);
    let today = local_now.date_naive();
    let day_start = today.and_hms_opt(0, 0, 0).expect("midnight exists");
    let mut claimed = Vec::new();
    for entry in agenda::list(&state.db).await? {
        if !entry.enabled || entry.task != TaskKind::EnqueueBirthdays {
            continue;
        }
        let Ok(s) = schedule::parse(&entry.schedule) else {
            continue;
        };
        // The last due minute today, strictly before now.
        let last = s
            .next_runs(day_start - Duration::minutes(1), 24 * 60)
            .into_iter()
            .take_while(|t| *t < local_now.naive_local())
            .last();
        let Some(last) = last else { continue };
        let Some(last_utc) = last.and_local_timezone(tz).earliest() else {
            continue;
        };
        let last_utc = last_utc.with_timezone(&Utc);
        if runs::succeeded_since(&state.db, &entry.id, last_utc).await? {
            continue;
        }
        let key = format!("{}-recuperacao", runs::scheduled_key(&entry.id, last_utc));
        if let Some(run) = claim_and_push(state, &key, &entry, Trigger::CatchUp, last_utc).await? {
            tracing::warn!(run = %run, "enqueue tick missed earlier today: catching up");
            claimed.push(run);
        }
    }
    Ok(claimed)
}
