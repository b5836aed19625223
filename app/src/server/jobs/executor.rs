//! The executor worker: runs queued task runs. Layers, outermost first: retry with
//! exponential backoff (final failures are not retried), [`AttemptLog`] (every attempt in
//! `task_run`), then a timeout per attempt.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use apalis::layers::retry::backoff::{ExponentialBackoffMaker, MakeBackoff};
use apalis::layers::retry::HasherRng;
use apalis::prelude::*;
use futures::StreamExt;

use super::TaskContext;
use super::{enqueue, runs, send, RunReport, RunRequest, TaskError};
use crate::models::agenda::TaskKind;
use crate::models::queue::{count, RunOutcome, Trigger};

/// Retries after a failed attempt: up to three attempts in all.
pub const RETRIES: usize = 2;
/// One attempt's time limit: longer than the send task's own budget.
pub const TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Adds the executor worker to `monitor`. The worker is built once: the monitor restarts
/// no worker, and the queue's receiver can be taken only once.
pub fn register(monitor: Monitor, state: TaskContext) -> Monitor {
    monitor.register(move |_restarts| {
        let receiver = state
            .jobs
            .take_receiver()
            .expect("the executor is built once per state");
        // Pushes go straight into the channel (`Jobs::push`), so this sink's lock is never
        // contended; the backend only polls it for readiness, so it must stay connected.
        let sink = state.jobs.sender();
        let sink: Box<
            dyn futures::Sink<Task<RunRequest>, Error = MemoryStorageError> + Send + Sync + Unpin,
        > = Box::new(futures::SinkExt::sink_map_err(sink, |e| e.into()));
        let backend = MemoryStorage::new_with(
            MemorySink::new(std::sync::Arc::new(futures::lock::Mutex::new(sink))),
            receiver.boxed(),
        );
        let backoff = ExponentialBackoffMaker::new(
            Duration::from_secs(2),
            Duration::from_secs(20),
            0.5,
            HasherRng::default(),
        )
        .expect("valid backoff")
        .make_backoff();
        WorkerBuilder::new("parabens-executor")
            .backend(backend)
            .retry(RetryPolicy::retries(RETRIES).with_backoff(backoff))
            .layer(AttemptLogLayer {
                state: state.clone(),
            })
            .timeout(TIMEOUT)
            // Innermost, as apalis asks: its spans then see each attempt and its timeout.
            .enable_tracing()
            .data(state.clone())
            .build(execute)
    })
}

/// The task itself, by kind.
async fn execute(req: RunRequest, state: Data<TaskContext>) -> Result<RunReport, BoxDynError> {
    let started = std::time::Instant::now();
    let result = match req.task {
        TaskKind::EnqueueBirthdays => enqueue::run(&state, &req.run_id).await,
        TaskKind::SendQueue => {
            send::run(&state, &req.run_id, req.trigger == Trigger::AfterEnqueue).await
        }
        TaskKind::SyncIxc => sync_ixc(&state).await,
    };
    if let (TaskKind::EnqueueBirthdays, Ok(report)) = (req.task, &result) {
        if report.counts.get(count::ENQUEUED) > 0 {
            if let Err(e) = super::follow_with_send(&state, &req.run_id).await {
                // The send's own schedule still picks the messages up.
                tracing::error!(run = %req.run_id, %e, "could not start the send after the enqueue");
            }
        }
    }
    state
        .metrics
        .run_attempted(req.task, result.is_ok(), started.elapsed());
    match result {
        Ok(report) => Ok(report),
        Err(TaskError::Final(m)) => Err(AbortError::new(m).into()),
        Err(TaskError::Retryable(m)) => Err(m.into()),
    }
}

/// *Sincronizar clientes IXC*: the same sync as *Sincronizar agora*, visible on the IXC page.
async fn sync_ixc(state: &TaskContext) -> Result<RunReport, TaskError> {
    use crate::server::{imports, ixc, setting_store};
    let config: ixc::IxcConfig = setting_store::get(&state.db, setting_store::IXC)
        .await
        .map_err(TaskError::db)?;
    if config.url.is_empty() {
        return Err(TaskError::Final(
            "A integração IXC não está configurada (Integrações > IXC).".into(),
        ));
    }
    let client = ixc::IxcClient::new(config)
        .map_err(|e| TaskError::Final(e.to_string()))?
        .watched(state.db.clone());
    let db = state.db.clone();
    let id = state
        .imports
        .spawn(
            "IXC (agenda)".into(),
            "agenda".into(),
            move |progress| async move { imports::sync_ixc(&db, &client, &progress).await },
        )
        .await
        .map_err(TaskError::db)?;
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        match state.imports.status(&id).await.map_err(TaskError::db)? {
            Some(s) if s.finished => {
                return match (s.report, s.error) {
                    (Some(r), _) => {
                        let mut report = RunReport::default();
                        report.counts.add(count::IMPORTED, r.rows as u64);
                        report.counts.add("novos", r.created as u64);
                        report.counts.add("atualizados", r.updated as u64);
                        report.counts.add("rejeitados", r.rejected.len() as u64);
                        Ok(report)
                    }
                    (None, e) => Err(TaskError::Retryable(
                        e.unwrap_or_else(|| "Sincronização falhou.".into()),
                    )),
                };
            }
            Some(_) => continue,
            None => return Err(TaskError::Retryable("Sincronização perdida.".into())),
        }
    }
}

/// Records each attempt of a run: started, then succeeded, retrying or failed.
#[derive(Clone)]
pub struct AttemptLogLayer {
    state: TaskContext,
}

impl<S> Layer<S> for AttemptLogLayer {
    type Service = AttemptLog<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AttemptLog {
            inner,
            state: self.state.clone(),
        }
    }
}

#[derive(Clone)]
pub struct AttemptLog<S> {
    inner: S,
    state: TaskContext,
}

impl<S> Service<Task<RunRequest>> for AttemptLog<S>
where
    S: Service<Task<RunRequest>, Response = RunReport>,
    S::Error: Into<BoxDynError>,
    S::Future: Send + 'static,
{
    type Response = RunReport;
    type Error = BoxDynError;
    type Future = Pin<Box<dyn Future<Output = Result<RunReport, BoxDynError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, task: Task<RunRequest>) -> Self::Future {
        let state = self.state.clone();
        let key = task.args.run_id.clone();
        let task_kind = task.args.task;
        let fut = self.inner.call(task);
        // Every log line of the run carries its id and task.
        let span = tracing::info_span!("task_run", run = %key, task = task_kind.key());
        Box::pin(tracing::Instrument::instrument(
            async move {
                let db = &state.db;
                let attempt = runs::attempt_started(db, &key).await.unwrap_or_else(|e| {
                    tracing::error!(run = %key, %e, "could not record a run attempt");
                    1
                });
                state.changes.notify();
                let result = fut.await.map_err(Into::into);
                let written = match &result {
                    Ok(report) => {
                        report_alerts(&state, &key, report).await;
                        runs::finish_attempt(
                            db,
                            &key,
                            RunOutcome::Succeeded,
                            Some(&report.counts),
                            report.note.as_deref(),
                            None,
                        )
                        .await
                    }
                    Err(e) => {
                        let last = e.downcast_ref::<AbortError>().is_some()
                            || attempt as usize > RETRIES
                            || state.jobs.is_stopping();
                        let message = error_message(e.as_ref());
                        tracing::warn!(run = %key, task = task_kind.key(), attempt, error = %message, "task run attempt failed");
                        let outcome = if last {
                            RunOutcome::Failed
                        } else {
                            RunOutcome::Retrying
                        };
                        if last && !state.jobs.is_stopping() {
                            crate::server::alerts::raise(
                                db,
                                &format!("execucao-falhou-{key}"),
                                "execucao_falhou",
                                &format!("A tarefa {} falhou", task_kind.label()),
                                &message,
                            )
                            .await;
                        }
                        runs::finish_attempt(db, &key, outcome, None, None, Some(&message)).await
                    }
                };
                if let Err(e) = written {
                    tracing::error!(run = %key, %e, "could not record a run's outcome");
                }
                state.changes.notify();
                result
            },
            span,
        ))
    }
}

/// A finished run's report that needs a person: final send errors above the threshold, the
/// channel's daily limit reached (one alert a day).
async fn report_alerts(state: &TaskContext, key: &str, report: &RunReport) {
    use crate::server::{alerts, setting_store};
    let failed = report.counts.get(count::FAILED);
    if failed > 0 {
        let threshold =
            setting_store::get::<alerts::AlertsConfig>(&state.db, setting_store::ALERTS)
                .await
                .map(|c| c.threshold)
                .unwrap_or(u32::MAX);
        if failed > threshold as u64 {
            alerts::raise(
                &state.db,
                &format!("erros-de-envio-{key}"),
                "erros_de_envio",
                &format!("{failed} mensagens falharam de vez num envio"),
                &format!(
                    "Mais que o limite de {threshold} erros: veja a fila, filtrando por Erro."
                ),
            )
            .await;
        }
    }
    if report.counts.get(count::POSTPONED) > 0 {
        let day = chrono::Utc::now().format("%Y-%m-%d");
        alerts::raise(
            &state.db,
            &format!("limite-diario-{day}"),
            "limite_diario",
            "Limite diário do canal atingido",
            "As mensagens restantes saem no próximo dia.",
        )
        .await;
    }
}

/// The admin-facing text of an attempt's error (the innermost message, in Portuguese).
fn error_message(e: &(dyn std::error::Error + 'static)) -> String {
    let mut inner: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = inner.source() {
        inner = next;
    }
    let text = inner.to_string();
    if text.contains("elapsed") || text.contains("timed out") {
        format!(
            "Tempo limite de {} minutos excedido.",
            TIMEOUT.as_secs() / 60
        )
    } else {
        text
    }
}
