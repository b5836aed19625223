//! *Envia Mensagens Omnichannel da Fila*: sends due messages, paced under the per-minute cap,
//! within the channel's daily limit and only inside the send window. Just before sending,
//! each message is checked again against its client as the client is now ([`recheck`]): an
//! opt-out, a client no longer eligible or a greeting whose day has ended stops it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use tokio::sync::{Mutex, Semaphore};

use super::pacer;
use super::TaskContext;
use super::{RunReport, TaskError};
use crate::models::client::ClientView;
use crate::models::queue::count;
use crate::models::settings::BirthdayParams;
use crate::server::opa::error::META_MARKETING_CAP;
use crate::server::opa::OpaClient;
use crate::server::queue::{self, Claimed};
use crate::server::{clients, params};

/// Requests to the provider in flight at once.
const CONCURRENCY: usize = 32;
/// Attempts recorded per transaction at most.
const RECORD_BATCH: usize = 200;
/// How long a claimed message is ours at least; after that a stopped sender's messages are
/// recovered. It covers the wait for a slot (a claim is about five seconds of sending) plus
/// the request's own timeout; reserving the slots extends it to [`SLOT_GRACE`] past the last.
const MIN_LEASE: Duration = Duration::from_secs(45);
/// How long past its slot a message stays leased: the request's own timeout and a margin.
const SLOT_GRACE: Duration = Duration::from_secs(40);
/// A run stops after this long and leaves the rest to the next tick (the executor's
/// timeout is longer).
pub const RUN_BUDGET: Duration = Duration::from_secs(25 * 60);
/// Retries due this soon are waited for within the run instead of at the next tick.
const WAIT_FOR_RETRIES: Duration = Duration::from_secs(30);

/// The wait before attempt `attempt + 1`: exponential from `base`, capped at 30 minutes,
/// with ±20% jitter (`jitter` in 0..1) so retries of one outage do not all fire together.
pub fn retry_delay(attempt: u32, base: Duration, jitter: f64) -> Duration {
    let exp = base.saturating_mul(1 << attempt.saturating_sub(1).min(16));
    let capped = exp.min(Duration::from_secs(30 * 60)).max(base);
    capped.mul_f64(0.8 + 0.4 * jitter.clamp(0.0, 1.0))
}

#[derive(Default)]
struct Tally {
    sent: AtomicU64,
    retry: AtomicU64,
    failed: AtomicU64,
    postponed: AtomicU64,
    cancelled: AtomicU64,
    expired: AtomicU64,
    meta_limited: AtomicU64,
}

/// What happens to a claimed message, decided just before sending it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Send,
    /// The client's number changed since the enqueue: send to the new one.
    SendTo(String),
    /// The client is no longer eligible (opted out, inactive, not a natural person, no
    /// usable phone, gone): cancelled with the reason.
    Cancel(String),
    /// The greeting's day has ended and late greetings are off.
    Expire(String),
}

/// The day a message greets (its stored greeting day, `YYYY-MM-DD`).
fn greeting_day(m: &Claimed) -> Option<NaiveDate> {
    m.greeting_day
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// Why a greeting expires unsent (see [`expired_reason`] for one whose day is known).
const EXPIRED: &str = "terminou sem envio; felicitações atrasadas estão desativadas em Parâmetros.";

/// The reason a greeting of `day` that did not go out expires.
pub fn expired_reason(day: NaiveDate) -> String {
    format!("O dia da felicitação ({}) {EXPIRED}", day.format("%d/%m"))
}

/// Whether claimed message `m` still goes out, checked against its client as it is now
/// (`None`: no longer in the register) under parameters `p` on business date `today`. The
/// same eligibility rule as the enqueue's selection ([`clients::skip_reason`]).
pub fn recheck(
    m: &Claimed,
    client: Option<&ClientView>,
    p: &BirthdayParams,
    today: NaiveDate,
) -> Check {
    if let Some(day) = greeting_day(m) {
        if day < today && !p.allow_late {
            return Check::Expire(expired_reason(day));
        }
    }
    let Some(c) = client else {
        return Check::Cancel("Cliente não está mais no cadastro.".into());
    };
    if let Some(reason) = clients::skip_reason(c, &p.audience(), false, today.year()) {
        return Check::Cancel(format!("Cliente não é mais elegível: {}.", reason.label()));
    }
    match &c.phone {
        Some(phone) if *phone != m.phone => Check::SendTo(phone.clone()),
        _ => Check::Send,
    }
}

/// What Opa! Suite says is left of each channel's daily allowance (`None`: no limit), read
/// once per run; the count all instances take from is in the database ([`pacer::take_allowance`]).
#[derive(Default)]
struct DailyLimits {
    available: Mutex<HashMap<String, Option<u64>>>,
}

impl DailyLimits {
    /// How many of `want` sends `channel` still allows on business day `day`.
    async fn take(
        &self,
        state: &TaskContext,
        client: &OpaClient,
        channel: &str,
        day: NaiveDate,
        want: u64,
    ) -> Result<u64, TaskError> {
        let available = {
            let mut map = self.available.lock().await;
            match map.get(channel) {
                Some(a) => *a,
                None => {
                    let a = match client.daily_limit(channel).await {
                        Ok(l) => l.available_amount,
                        Err(e) => {
                            tracing::warn!(channel, error = %e, "daily limit unknown; sending without it");
                            None
                        }
                    };
                    map.insert(channel.to_string(), a);
                    a
                }
            }
        };
        let Some(available) = available else {
            return Ok(want);
        };
        let day = day.format("%Y-%m-%d").to_string();
        pacer::take_allowance(&state.db, channel, &day, want, available)
            .await
            .map_err(TaskError::db)
    }
}

/// A send run. `wait_for_other`: a run that follows an enqueue waits for a send already
/// running in this process (which may have missed the new messages) instead of giving up.
pub async fn run(
    state: &TaskContext,
    run_id: &str,
    wait_for_other: bool,
) -> Result<RunReport, TaskError> {
    // One sender per server (the cap itself is shared by all servers: see `pacer`).
    let _only =
        match state.jobs.send_lock.try_lock() {
            Ok(guard) => guard,
            Err(_) if wait_for_other => state.jobs.send_lock.lock().await,
            Err(_) => return Ok(RunReport::noted(
                "Outro envio já está em andamento neste servidor; esta execução não enviou nada.",
            )),
        };
    let tally = Arc::new(Tally::default());
    let (results, attempts) = tokio::sync::mpsc::unbounded_channel();
    let run = SendRun::prepare(state, tally.clone(), results).await?;
    let recorder = tokio::spawn(flush_attempts(
        state.clone(),
        attempts,
        run.unrecorded.clone(),
    ));
    let note = run.drive().await?;
    // Every send started by this run is recorded before the run ends: the recorder stops
    // once the run and the last sending task have dropped their senders.
    let _ = recorder.await;
    state.changes.notify();
    tracing::info!(
        run = run_id,
        sent = tally.sent.load(Ordering::Relaxed),
        "send run finished"
    );
    Ok(tally.report(note))
}

/// One send run's set-up and state: the parameters, the provider, the pacing, and the
/// outcomes on their way to the recorder.
struct SendRun<'a> {
    state: &'a TaskContext,
    params: BirthdayParams,
    tz: chrono_tz::Tz,
    client: OpaClient,
    /// Time between two sends, across all instances.
    step: Duration,
    sem: Arc<Semaphore>,
    limits: DailyLimits,
    tally: Arc<Tally>,
    /// Outcomes decided but not yet written: while any are, the queue is not known to be
    /// empty (a retry due in a second may be among them).
    unrecorded: Arc<AtomicUsize>,
    results: tokio::sync::mpsc::UnboundedSender<queue::Attempt>,
    /// Messages per claim: about five seconds of sending, so claimed messages never wait
    /// long and the claim query (the only pause in the pacing) runs rarely.
    batch: usize,
    lease: Duration,
    started: tokio::time::Instant,
}

impl<'a> SendRun<'a> {
    /// Reads the parameters, expires and recovers what the last runs left, and connects.
    async fn prepare(
        state: &'a TaskContext,
        tally: Arc<Tally>,
        results: tokio::sync::mpsc::UnboundedSender<queue::Attempt>,
    ) -> Result<Self, TaskError> {
        let db = &state.db;
        let effective = params::effective(db, &state.config)
            .await
            .map_err(TaskError::db)?;
        let (params, tz) = (effective.params, effective.time_zone);
        if !params.allow_late {
            // Expired even outside the send window, so the dashboard says so from midnight.
            let today = Utc::now().with_timezone(&tz).date_naive();
            let why = format!("O dia da felicitação {EXPIRED}");
            let expired = queue::expire_ended(db, today, &why)
                .await
                .map_err(TaskError::db)?;
            if expired > 0 {
                tracing::warn!(expired, "greetings whose day ended unsent expired");
                tally.expired.fetch_add(expired as u64, Ordering::Relaxed);
                state.changes.notify();
            }
        }
        let recovered = queue::recover_expired(db).await.map_err(TaskError::db)?;
        if recovered > 0 {
            tracing::warn!(
                recovered,
                "messages left in 'enviando' went back to the queue"
            );
        }
        let (client, _) = state
            .opa
            .client(db)
            .await
            .map_err(|e| TaskError::Retryable(e.to_string()))?;
        let per_minute = params.per_minute;
        Ok(SendRun {
            state,
            tz,
            client,
            step: pacer::step(per_minute),
            sem: Arc::new(Semaphore::new(CONCURRENCY)),
            limits: DailyLimits::default(),
            tally,
            unrecorded: Arc::new(AtomicUsize::new(0)),
            results,
            batch: ((per_minute as usize) / 12).clamp(1, 500),
            lease: MIN_LEASE
                .max(Duration::from_secs(60) / per_minute.max(1) * 2 + Duration::from_secs(30)),
            started: tokio::time::Instant::now(),
            params,
        })
    }

    /// Claims and sends until a stop condition or an empty queue; the stop's note.
    async fn drive(self) -> Result<Option<String>, TaskError> {
        // The next batch is claimed while the current one is paced out, so the claim query
        // never holds up the pacing.
        let mut prefetched: Option<tokio::task::JoinHandle<surrealdb::Result<Vec<Claimed>>>> = None;
        loop {
            if let Some(why) = self.stop_reason() {
                if let Some(h) = prefetched.take() {
                    for m in h.await.ok().and_then(Result::ok).unwrap_or_default() {
                        release(self.state, &m, Utc::now(), &why).await;
                    }
                }
                return Ok(Some(why));
            }
            let now = Utc::now();
            let until = now + chrono::Duration::from_std(self.lease).unwrap_or_default();
            let claimed = match prefetched.take() {
                Some(h) => h
                    .await
                    .map_err(|e| TaskError::Retryable(e.to_string()))?
                    .map_err(TaskError::db)?,
                None => self.claim(until).await.map_err(TaskError::db)?,
            };
            if claimed.is_empty() {
                if self.more_may_come(now).await? {
                    continue;
                }
                return Ok(None);
            }
            if claimed.len() == self.batch {
                let (db, owner, batch) = (
                    self.state.db.clone(),
                    self.state.jobs.instance.clone(),
                    self.batch,
                );
                prefetched = Some(tokio::spawn(async move {
                    queue::claim_due(&db, &owner, batch, until).await
                }));
            }
            self.state.changes.notify();
            self.dispatch(claimed, now.with_timezone(&self.tz)).await?;
        }
    }

    /// Why the run stops now, if it does.
    fn stop_reason(&self) -> Option<String> {
        if self.state.jobs.is_stopping() {
            Some("Servidor parando; o restante fica para a próxima execução.".to_string())
        } else if !self
            .params
            .in_send_window(Utc::now().with_timezone(&self.tz).hour())
        {
            Some(format!(
                "Fora da janela de envio ({}h às {}h).",
                self.params.window_from, self.params.window_to
            ))
        } else if self.started.elapsed() > RUN_BUDGET {
            Some("Tempo da execução esgotado; o restante fica para a próxima.".to_string())
        } else {
            None
        }
    }

    async fn claim(&self, until: DateTime<Utc>) -> surrealdb::Result<Vec<Claimed>> {
        queue::claim_due(&self.state.db, &self.state.jobs.instance, self.batch, until).await
    }

    /// With nothing due now: whether to look again (after a short wait) rather than end —
    /// while the last sends are unrecorded, or when a retry is due within the run.
    async fn more_may_come(&self, now: DateTime<Utc>) -> Result<bool, TaskError> {
        if self.unrecorded.load(Ordering::Acquire) > 0 {
            // The last sends are still being answered or written: their retries may be due
            // within this run.
            tokio::time::sleep(Duration::from_millis(50)).await;
            return Ok(true);
        }
        match queue::next_due(&self.state.db)
            .await
            .map_err(TaskError::db)?
        {
            Some(at)
                if at - now <= chrono::Duration::from_std(WAIT_FOR_RETRIES).unwrap_or_default() =>
            {
                let wait = (at - now).to_std().unwrap_or_default();
                tokio::time::sleep(wait.max(Duration::from_millis(100))).await;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Checks each claimed message against its client as it is now, records why not for
    /// those that no longer go out, postpones those past their channel's daily limit, and
    /// sends the rest in the slots reserved for them.
    async fn dispatch(
        &self,
        claimed: Vec<Claimed>,
        local: DateTime<chrono_tz::Tz>,
    ) -> Result<(), TaskError> {
        let db = &self.state.db;
        let ids: Vec<String> = claimed.iter().map(|m| m.client_id.clone()).collect();
        let current = clients::get_many(db, &ids).await.map_err(TaskError::db)?;
        let mut sendable: Vec<Claimed> = Vec::with_capacity(claimed.len());
        for mut m in claimed {
            let check = recheck(
                &m,
                current.get(&m.client_id),
                &self.params,
                local.date_naive(),
            );
            let not_sent = match check {
                Check::Send => None,
                Check::SendTo(phone) => {
                    let owner = &self.state.jobs.instance;
                    if let Err(e) = queue::set_phone(db, &m.key, owner, &phone).await {
                        tracing::error!(message = %m.key, %e, "could not update a message's phone");
                    }
                    m.phone = phone;
                    None
                }
                Check::Cancel(why) => {
                    self.tally.cancelled.fetch_add(1, Ordering::Relaxed);
                    Some(queue::Outcome::Cancelled(why))
                }
                Check::Expire(why) => {
                    self.tally.expired.fetch_add(1, Ordering::Relaxed);
                    Some(queue::Outcome::Expired(why))
                }
            };
            match not_sent {
                None => sendable.push(m),
                Some(outcome) => {
                    tracing::info!(message = %m.key, ?outcome, "queued greeting not sent");
                    self.unrecorded.fetch_add(1, Ordering::AcqRel);
                    let _ = self.results.send(queue::Attempt {
                        code: None,
                        key: m.key,
                        at: Utc::now(),
                        outcome,
                    });
                }
            }
        }
        let sendable = self.within_daily_limits(sendable, local).await?;
        if sendable.is_empty() {
            return Ok(());
        }
        let keys: Vec<String> = sendable.iter().map(|m| m.key.clone()).collect();
        let start = pacer::reserve(db, &self.state.jobs.instance, &keys, self.step, SLOT_GRACE)
            .await
            .map_err(TaskError::db)?;
        for (i, m) in sendable.into_iter().enumerate() {
            let slot = start + chrono::Duration::from_std(self.step * i as u32).unwrap_or_default();
            self.send(m, slot).await;
        }
        Ok(())
    }

    /// The messages their channel's daily allowance still lets out today; the others are
    /// given back for the next day.
    async fn within_daily_limits(
        &self,
        messages: Vec<Claimed>,
        local: DateTime<chrono_tz::Tz>,
    ) -> Result<Vec<Claimed>, TaskError> {
        let mut wanted: HashMap<String, u64> = HashMap::new();
        for m in &messages {
            *wanted.entry(m.channel_id.clone()).or_default() += 1;
        }
        let mut granted = HashMap::new();
        for (channel, want) in wanted {
            let n = self
                .limits
                .take(self.state, &self.client, &channel, local.date_naive(), want)
                .await?;
            granted.insert(channel, n);
        }
        let mut out = Vec::with_capacity(messages.len());
        for m in messages {
            let left = granted.get_mut(&m.channel_id).expect("every channel asked");
            if *left > 0 {
                *left -= 1;
                out.push(m);
                continue;
            }
            let tomorrow = queue::day_start(local.date_naive() + chrono::Days::new(1), self.tz);
            release(
                self.state,
                &m,
                tomorrow,
                "Limite diário de envios do canal atingido; a mensagem sai no próximo dia.",
            )
            .await;
            self.tally.postponed.fetch_add(1, Ordering::Relaxed);
        }
        Ok(out)
    }

    /// Starts sending `m` at its `slot`, within the concurrency limit.
    async fn send(&self, m: Claimed, slot: DateTime<Utc>) {
        let permit = self
            .sem
            .clone()
            .acquire_owned()
            .await
            .expect("semaphore open");
        if let Ok(wait) = (slot - Utc::now()).to_std() {
            tokio::time::sleep(wait).await;
        }
        self.unrecorded.fetch_add(1, Ordering::AcqRel);
        let (state, client, tally, results) = (
            self.state.clone(),
            self.client.clone(),
            self.tally.clone(),
            self.results.clone(),
        );
        tokio::spawn(async move {
            let attempt = send_one(&state, &client, &tally, m).await;
            drop(permit);
            let _ = results.send(attempt);
        });
    }
}

impl Tally {
    /// The run's report: what was sent, retried, failed, and (when any) set aside.
    fn report(&self, note: Option<String>) -> RunReport {
        let mut report = RunReport {
            note,
            ..Default::default()
        };
        report
            .counts
            .add(count::SENT, self.sent.load(Ordering::Relaxed));
        report
            .counts
            .add(count::RETRY, self.retry.load(Ordering::Relaxed));
        report
            .counts
            .add(count::FAILED, self.failed.load(Ordering::Relaxed));
        for (label, n) in [
            (count::META_LIMITED, &self.meta_limited),
            (count::POSTPONED, &self.postponed),
            (count::CANCELLED, &self.cancelled),
            (count::EXPIRED, &self.expired),
        ] {
            let n = n.load(Ordering::Relaxed);
            if n > 0 {
                report.counts.add(label, n);
            }
        }
        report
    }
}

/// Gives a claimed message back unsent, due again at `at`.
async fn release(state: &TaskContext, m: &Claimed, at: DateTime<Utc>, why: &str) {
    if let Err(e) = queue::release(&state.db, &m.key, &state.jobs.instance, at, why).await {
        // The lease expires and the message is recovered: nothing is lost.
        tracing::error!(message = %m.key, %e, "could not release a message");
    }
}

/// Writes the results of attempts as they come, many per transaction under load.
async fn flush_attempts(
    state: TaskContext,
    mut attempts: tokio::sync::mpsc::UnboundedReceiver<queue::Attempt>,
    unrecorded: Arc<AtomicUsize>,
) {
    while let Some(first) = attempts.recv().await {
        let mut batch = vec![first];
        while batch.len() < RECORD_BATCH {
            match attempts.try_recv() {
                Ok(a) => batch.push(a),
                Err(_) => break,
            }
        }
        let mut written = queue::save_attempts(&state.db, &state.jobs.instance, &batch).await;
        for wait in [50, 200, 1000, 3000] {
            if written.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(wait)).await;
            written = queue::save_attempts(&state.db, &state.jobs.instance, &batch).await;
        }
        if let Err(e) = written {
            // The messages stay `enviando` until their lease runs out and are then sent
            // again: a duplicate is better than a lost greeting.
            tracing::error!(%e, messages = batch.len(), "could not record send attempts");
        }
        unrecorded.fetch_sub(batch.len(), Ordering::AcqRel);
        state.changes.notify();
    }
}

/// One attempt: the provider's answer, classified into what happens to the message next.
async fn send_one(
    state: &TaskContext,
    client: &OpaClient,
    tally: &Tally,
    m: Claimed,
) -> queue::Attempt {
    let metadata = serde_json::json!({ "origem": "parabens", "fila": m.key });
    let started = std::time::Instant::now();
    let result = client
        .send(
            &m.phone,
            &m.channel_id,
            &m.template_id,
            m.variables.clone(),
            Some(metadata),
        )
        .await;
    let attempt = m.attempts.max(0) as u32 + 1;
    let code = result.as_ref().err().and_then(|e| e.meta_code);
    let outcome = match result {
        Ok(provider_id) => {
            tally.sent.fetch_add(1, Ordering::Relaxed);
            queue::Outcome::Sent(provider_id)
        }
        Err(e) if e.meta_code == Some(META_MARKETING_CAP) => {
            // Meta will not deliver another marketing message to this person today: an
            // attempt now or later today would fail the same way.
            tally.meta_limited.fetch_add(1, Ordering::Relaxed);
            tracing::info!(message = %m.key, error = %e, "held back by Meta's marketing cap");
            queue::Outcome::MetaLimit(e.to_string())
        }
        Err(e) if e.is_retryable() && attempt < state.config.max_send_attempts => {
            tally.retry.fetch_add(1, Ordering::Relaxed);
            // The provider's own wait when it gave one, else ours.
            let wait = e
                .retry_after
                .unwrap_or_else(|| retry_delay(attempt, state.config.retry_base, rand::random()));
            tracing::info!(message = %m.key, attempt, error = %e, "send failed, will retry");
            queue::Outcome::Retry(
                Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default(),
                e.to_string(),
            )
        }
        Err(e) => {
            tally.failed.fetch_add(1, Ordering::Relaxed);
            let why = if e.is_retryable() {
                format!("{e} (desistência após {attempt} tentativas)")
            } else {
                e.to_string()
            };
            tracing::warn!(message = %m.key, attempt, error = %why, "send failed for good");
            queue::Outcome::Failed(why)
        }
    };
    let stored = match &outcome {
        queue::Outcome::Sent(_) => "enviado",
        queue::Outcome::Retry(..) => "pendente",
        queue::Outcome::MetaLimit(_) => "limite_meta",
        _ => "erro",
    };
    state.metrics.send_answered(stored, code, started.elapsed());
    queue::Attempt {
        key: m.key,
        at: Utc::now(),
        outcome,
        code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_grow_are_capped_and_jittered() {
        let base = Duration::from_secs(30);
        assert_eq!(retry_delay(1, base, 0.5), Duration::from_secs(30));
        assert_eq!(retry_delay(2, base, 0.5), Duration::from_secs(60));
        assert_eq!(retry_delay(3, base, 0.5), Duration::from_secs(120));
        assert_eq!(retry_delay(30, base, 0.5), Duration::from_secs(1800));
        assert_eq!(retry_delay(1, base, 0.0), Duration::from_secs(24));
        assert_eq!(retry_delay(1, base, 1.0), Duration::from_secs(36));
    }
}
