//! The task machinery: apalis workers that run the agenda's tasks.
//!
//! - `scheduler`: one apalis-cron worker ticking every minute. It reads the agenda (so edits
//!   take effect at the next minute, without a restart), claims each due entry's tick in
//!   SurrealDB (`task_run:<entry>-<tick>`, created once whatever the number of instances) and
//!   pushes the run onto the executor's queue.
//! - `executor`: one apalis worker running queued runs — scheduled, caught up or manual —
//!   under a retry policy with exponential backoff, a recording layer and a timeout.
//! - `enqueue` / `send` / sync: the tasks themselves.

pub mod enqueue;
pub mod executor;
pub mod pacer;
pub mod runs;
pub mod scheduler;
pub mod send;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use apalis::prelude::*;
use futures::channel::mpsc;

use crate::models::agenda::TaskKind;
use crate::models::queue::{RunCounts, Trigger};

/// A run for the executor: which task, for which entry, recorded under `run_id`.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub run_id: String,
    pub entry_id: String,
    pub task: TaskKind,
    pub trigger: Trigger,
}

/// What a task run reports for the dashboard.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    pub counts: RunCounts,
    pub note: Option<String>,
}

impl RunReport {
    pub fn noted(note: &str) -> Self {
        Self {
            note: Some(note.to_string()),
            ..Default::default()
        }
    }
}

/// Why a task failed: worth another attempt, or not.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TaskError {
    #[error("{0}")]
    Retryable(String),
    #[error("{0}")]
    Final(String),
}

impl TaskError {
    pub fn db(e: surrealdb::Error) -> Self {
        tracing::error!(%e, "database error in a task");
        TaskError::Retryable("Falha ao acessar o banco de dados; veja os logs do servidor.".into())
    }
}

/// The jobs' shared handle: the executor's queue, change notifications for the live pages,
/// and this instance's identity.
pub struct Jobs {
    /// Names this process's leases on messages.
    pub instance: String,
    sender: mpsc::UnboundedSender<Task<RunRequest>>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<Task<RunRequest>>>>,
    changes: crate::server::changes::Changes,
    stopping: AtomicBool,
    /// Held by the running send task: one sender per process.
    pub send_lock: tokio::sync::Mutex<()>,
}

impl Jobs {
    /// `changes`: told whenever a run is queued.
    pub fn new(changes: crate::server::changes::Changes) -> Self {
        let (sender, receiver) = mpsc::unbounded();
        Self {
            instance: crate::server::random_id(12),
            sender,
            receiver: Mutex::new(Some(receiver)),
            changes,
            stopping: AtomicBool::new(false),
            send_lock: tokio::sync::Mutex::new(()),
        }
    }
}

impl Jobs {
    /// Queues a claimed run for the executor.
    pub fn push(&self, request: RunRequest) {
        let task = TaskBuilder::new(request.clone())
            .task_id(TaskId::from_string(request.run_id))
            .build();
        if self.sender.unbounded_send(task).is_err() {
            tracing::error!("executor queue closed; the run stays 'aguardando' until restart");
        }
        self.changes.notify();
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    fn sender(&self) -> mpsc::UnboundedSender<Task<RunRequest>> {
        self.sender.clone()
    }

    fn take_receiver(&self) -> Option<mpsc::UnboundedReceiver<Task<RunRequest>>> {
        self.receiver
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

/// What the tasks run with: the part of the server state they need (no sessions, login
/// throttle or site options), built by `AppState::tasks`.
#[derive(Clone)]
pub struct TaskContext {
    pub db: crate::server::db::Db,
    pub config: std::sync::Arc<crate::server::config::Config>,
    pub opa: std::sync::Arc<crate::server::opa::connection::OpaConnection>,
    pub jobs: std::sync::Arc<Jobs>,
    pub imports: std::sync::Arc<crate::server::imports::ImportJobs>,
    pub changes: crate::server::changes::Changes,
    pub metrics: std::sync::Arc<crate::server::metrics::Metrics>,
}

/// Claims a run and queues it; `None` when it was already claimed.
pub async fn claim_and_push(
    state: &TaskContext,
    key: &str,
    entry: &crate::models::agenda::AgendaEntry,
    trigger: Trigger,
    scheduled_for: chrono::DateTime<chrono::Utc>,
) -> surrealdb::Result<Option<String>> {
    if !runs::claim(
        &state.db,
        key,
        &state.jobs.instance,
        &entry.id,
        entry.task,
        trigger,
        scheduled_for,
    )
    .await?
    {
        return Ok(None);
    }
    tracing::info!(
        run = key,
        task = entry.task.key(),
        trigger = trigger.key(),
        "task run claimed"
    );
    state.jobs.push(RunRequest {
        run_id: key.to_string(),
        entry_id: entry.id.clone(),
        task: entry.task,
        trigger,
    });
    Ok(Some(key.to_string()))
}

/// After an enqueue run that queued new messages, the agenda's enabled send entry runs at
/// once (claimed, retried and recorded like any run) rather than at its next tick: the
/// send follows the enqueue, as IXC's routine has it.
pub async fn follow_with_send(
    state: &TaskContext,
    enqueue_run: &str,
) -> surrealdb::Result<Option<String>> {
    let entries = crate::server::agenda::list(&state.db).await?;
    let Some(send) = entries
        .iter()
        .find(|e| e.enabled && e.task == TaskKind::SendQueue)
    else {
        return Ok(None);
    };
    let key = format!("{}-apos-{enqueue_run}", send.id);
    claim_and_push(state, &key, send, Trigger::AfterEnqueue, chrono::Utc::now()).await
}

/// How long a stop waits for current attempts before it gives up on them.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// The running workers under one apalis [`Monitor`]; [`JobsRunning::stop`] lets current
/// attempts finish (up to [`STOP_GRACE`]).
pub struct JobsRunning {
    stop: tokio::sync::oneshot::Sender<()>,
    monitor: tokio::task::JoinHandle<()>,
    stop_cluster: tokio::sync::oneshot::Sender<()>,
    cluster: tokio::task::JoinHandle<()>,
    state: TaskContext,
}

impl JobsRunning {
    pub async fn stop(self) {
        self.state.jobs.stopping.store(true, Ordering::Relaxed);
        let _ = self.stop.send(());
        let _ = self.monitor.await;
        // Last: the heartbeat says "stopped" once nothing of ours runs any more.
        let _ = self.stop_cluster.send(());
        let _ = self.cluster.await;
    }
}

/// Recovers what a stopped server left behind, catches up a missed enqueue tick and starts
/// the scheduler and executor workers.
pub async fn start(state: TaskContext) -> surrealdb::Result<JobsRunning> {
    use crate::server::cluster;
    let me = &state.jobs.instance;
    cluster::beat(&state.db, me, &cluster::hostname()).await?;
    // Only the runs of instances that stopped: another live instance may be running its own.
    let interrupted = runs::mark_interrupted(&state.db, me, cluster::DEAD_AFTER).await?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "task runs left unfinished by a stopped instance marked interrupted"
        );
    }
    let recovered = crate::server::queue::recover_expired(&state.db).await?;
    if recovered > 0 {
        tracing::warn!(
            recovered,
            "messages left in 'enviando' went back to the queue"
        );
    }
    let interrupted = state.imports.recover().await?;
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "client imports left unfinished by the last stop marked interrupted"
        );
    }
    let monitor = Monitor::new().with_terminator(tokio::time::sleep(STOP_GRACE));
    let monitor = executor::register(monitor, state.clone());
    let monitor = scheduler::register(monitor, state.clone());
    let monitor = crate::server::imports::register(monitor, state.imports.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let monitor = tokio::spawn(async move {
        let signal = async {
            let _ = stopped.await;
            Ok(())
        };
        if let Err(e) = monitor.run_with_signal(signal).await {
            tracing::error!(%e, "task workers stopped with an error");
        }
    });
    let (stop_cluster, cluster_stopped) = tokio::sync::oneshot::channel();
    let cluster = tokio::spawn(cluster::run(
        state.db.clone(),
        state.changes.clone(),
        state.opa.clone(),
        me.clone(),
        state.config.audit_days,
        cluster_stopped,
    ));
    scheduler::catch_up(&state, chrono::Utc::now()).await?;
    Ok(JobsRunning {
        stop,
        monitor,
        stop_cluster,
        cluster,
        state,
    })
}
