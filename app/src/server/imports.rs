//! Client imports (a CSV file or an IXC sync) run as tasks of an apalis worker beside the
//! executor. Each job is a row of `import_job` (a random id, its progress and, once done, its
//! report), so the page polls the database: a restart shows an unfinished import as
//! interrupted, never reuses an id, and finished jobs are forgotten after [`KEEP_DAYS`]. A
//! whole-source failure is reported and nothing is written.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apalis::prelude::*;
use futures::channel::mpsc;
use futures::StreamExt;
use surrealdb::types::RecordId;

use super::ixc::IxcClient;
use super::{clients, csv_import, db::Db};
use crate::models::client::{ClientRecord, ImportReport, ImportStatus, RejectedRow};

/// Finished imports are kept this long (their report, with its rejected rows).
pub const KEEP_DAYS: i64 = 7;
/// One import's time limit.
pub const TIMEOUT: Duration = Duration::from_secs(2 * 60 * 60);
/// How often a running import's progress is written.
const PROGRESS_EVERY: Duration = Duration::from_millis(400);
/// What an import left unfinished by a stop reads as.
pub const INTERRUPTED: &str =
    "Importação interrompida: o servidor parou antes do fim. Envie o arquivo ou sincronize de novo.";

type Work = Box<
    dyn FnOnce(Progress) -> Pin<Box<dyn Future<Output = Result<ImportReport, String>> + Send>>
        + Send,
>;

/// A queued import: its job id and the work (taken once by the worker).
#[derive(Clone)]
pub struct ImportTask {
    id: String,
    source: String,
    by: String,
    work: Arc<Mutex<Option<Work>>>,
}

impl std::fmt::Debug for ImportTask {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportTask").field("id", &self.id).finish()
    }
}

/// The imports' queue and their rows.
pub struct ImportJobs {
    db: Db,
    sender: mpsc::UnboundedSender<Task<ImportTask>>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<Task<ImportTask>>>>,
}

/// Reports a job's progress (rows done, rows in all); written every [`PROGRESS_EVERY`].
#[derive(Clone, Default)]
pub struct Progress(Arc<Mutex<(usize, usize)>>);

impl Progress {
    pub fn set(&self, done: usize, total: usize) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = (done, total);
    }

    fn get(&self) -> (usize, usize) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn job_id(id: &str) -> RecordId {
    RecordId::new("import_job", id)
}

impl ImportJobs {
    pub fn new(db: Db) -> Self {
        let (sender, receiver) = mpsc::unbounded();
        Self {
            db,
            sender,
            receiver: Mutex::new(Some(receiver)),
        }
    }

    /// The job's status; `None` for an unknown id.
    pub async fn status(&self, id: &str) -> surrealdb::Result<Option<ImportStatus>> {
        let mut res = self
            .db
            .query("SELECT VALUE status FROM ONLY $id")
            .bind(("id", job_id(id)))
            .await?;
        let value: Option<serde_json::Value> = res.take(0)?;
        // A row that no longer decodes is an error, as for saved settings, not "unknown id".
        value.map(serde_json::from_value).transpose().map_err(|e| {
            surrealdb::Error::internal(format!("import job {id:?} does not decode: {e}"))
        })
    }

    async fn write(&self, id: &str, status: &ImportStatus) -> surrealdb::Result<()> {
        let json = serde_json::to_value(status).unwrap_or_default();
        self.db
            .query(
                "UPSERT $id SET status = $status, finished = $finished, updated_at = time::now() \
                 RETURN NONE",
            )
            .bind(("id", job_id(id)))
            .bind(("status", json))
            .bind(("finished", status.finished))
            .await?
            .check()?;
        Ok(())
    }

    /// Queues `job` under the name `source` and returns its id at once.
    pub async fn spawn<F, Fut>(
        &self,
        source: String,
        by: String,
        job: F,
    ) -> surrealdb::Result<String>
    where
        F: FnOnce(Progress) -> Fut + Send + 'static,
        Fut: Future<Output = Result<ImportReport, String>> + Send + 'static,
    {
        let id = super::random_id(20);
        self.write(
            &id,
            &ImportStatus {
                file_name: source.clone(),
                ..Default::default()
            },
        )
        .await?;
        let work: Work = Box::new(move |p| Box::pin(job(p)));
        let task = ImportTask {
            id: id.clone(),
            source,
            by,
            work: Arc::new(Mutex::new(Some(work))),
        };
        // The id names the task too (apalis' tracing layer needs one).
        let task = TaskBuilder::new(task)
            .task_id(TaskId::from_string(id.clone()))
            .build();
        if self.sender.unbounded_send(task).is_err() {
            tracing::error!("import queue closed");
            let status = ImportStatus {
                finished: true,
                error: Some(INTERRUPTED.into()),
                ..Default::default()
            };
            let _ = self.write(&id, &status).await;
        }
        Ok(id)
    }

    /// At start: what the last stop left running reads as interrupted; old jobs go.
    pub async fn recover(&self) -> surrealdb::Result<usize> {
        let mut res = self
            .db
            .query(format!(
                "DELETE import_job WHERE finished = true AND updated_at < time::now() - {KEEP_DAYS}d;
                 UPDATE import_job SET finished = true, status.finished = true,
                     status.error = $why, updated_at = time::now()
                 WHERE finished = false RETURN VALUE id"
            ))
            .bind(("why", INTERRUPTED))
            .await?;
        let ids: Vec<RecordId> = res.take(1)?;
        Ok(ids.len())
    }

    fn take_receiver(&self) -> Option<mpsc::UnboundedReceiver<Task<ImportTask>>> {
        self.receiver
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

/// Adds the import worker to `monitor` (built once, like the executor: the receiver can be
/// taken only once).
pub fn register(monitor: Monitor, jobs: Arc<ImportJobs>) -> Monitor {
    monitor.register(move |_restarts| {
        let receiver = jobs
            .take_receiver()
            .expect("the import worker is built once per state");
        let sink = jobs.sender.clone();
        let sink: Box<
            dyn futures::Sink<Task<ImportTask>, Error = MemoryStorageError> + Send + Sync + Unpin,
        > = Box::new(futures::SinkExt::sink_map_err(sink, |e| e.into()));
        let backend = MemoryStorage::new_with(
            MemorySink::new(Arc::new(futures::lock::Mutex::new(sink))),
            receiver.boxed(),
        );
        WorkerBuilder::new("parabens-imports")
            .backend(backend)
            .timeout(TIMEOUT)
            .enable_tracing()
            .data(jobs.clone())
            .build(run_import)
    })
}

/// One import: the work, its progress written as it goes, then its report or error.
async fn run_import(task: ImportTask, jobs: Data<Arc<ImportJobs>>) -> Result<(), BoxDynError> {
    let span = tracing::info_span!("import", job = %task.id, source = ?task.source, by = %task.by);
    tracing::Instrument::instrument(
        async move {
            let Some(work) = task.work.lock().unwrap_or_else(|e| e.into_inner()).take() else {
                return Ok(());
            };
            let progress = Progress::default();
            let running = work(progress.clone());
            tokio::pin!(running);
            let mut tick = tokio::time::interval(PROGRESS_EVERY);
            let outcome = loop {
                tokio::select! {
                    outcome = &mut running => break outcome,
                    _ = tick.tick() => {
                        let (done, total) = progress.get();
                        let status = ImportStatus { file_name: task.source.clone(), done, total, ..Default::default() };
                        if let Err(e) = jobs.write(&task.id, &status).await {
                            tracing::warn!(%e, "could not write an import's progress");
                        }
                    }
                }
            };
            match &outcome {
                Ok(r) => tracing::info!(
                    rows = r.rows, created = r.created, updated = r.updated,
                    unchanged = r.unchanged, rejected = r.rejected.len(),
                    "client import finished"
                ),
                Err(e) => tracing::warn!(error = %e, "client import refused"),
            }
            let (done, total) = progress.get();
            let mut status = ImportStatus {
                file_name: task.source.clone(),
                done,
                total,
                finished: true,
                ..Default::default()
            };
            match outcome {
                Ok(report) => status.report = Some(report),
                Err(e) => status.error = Some(e),
            }
            jobs.write(&task.id, &status).await.map_err(|e| {
                tracing::error!(%e, "could not record an import's outcome");
                BoxDynError::from(e.to_string())
            })
        },
        span,
    )
    .await
}

/// A CSV file, read twice: whole first to check it (a malformed file changes nothing), then
/// its good rows in batches while they are written, so a million rows are never a million
/// records in memory at once.
pub async fn import_csv(
    db: &Db,
    bytes: Vec<u8>,
    progress: &Progress,
) -> Result<ImportReport, String> {
    let bytes = Arc::new(bytes);
    let file = Arc::clone(&bytes);
    let checked = tokio::task::spawn_blocking(move || csv_import::check(&file))
        .await
        .map_err(read_failed)?
        .map_err(|e| e.to_string())?;
    let total = checked.rows;
    progress.set(0, total);
    let checked = Arc::new(checked);
    // The reader stays at most two batches ahead of the writes.
    let (batches, mut next) = tokio::sync::mpsc::channel(2);
    let reader = {
        let checked = Arc::clone(&checked);
        tokio::task::spawn_blocking(move || {
            checked.read(&bytes, READ_BATCH, |b| batches.blocking_send(b).is_ok())
        })
    };
    let mut report = ImportReport::default();
    while let Some(batch) = next.recv().await {
        let records: Vec<ClientRecord> = batch.into_iter().map(|(_, r)| r).collect();
        let before = report.rows;
        let written = clients::upsert(db, &records, "csv", |done| {
            progress.set(before + done, total)
        })
        .await
        .map_err(write_failed)?;
        report.rows += written.rows;
        report.created += written.created;
        report.updated += written.updated;
        report.unchanged += written.unchanged;
    }
    reader
        .await
        .map_err(read_failed)?
        .map_err(|e| e.to_string())?;
    report.rows += checked.rejected.len();
    report.rejected = checked.rejected.clone();
    Ok(report)
}

/// Rows a CSV import hands to the writes at once: what `clients::upsert` writes at once (two
/// batches, each on a task of its own).
const READ_BATCH: usize = 2 * clients::BATCH;

/// What an import whose reading failed says (the error itself goes to the log).
fn read_failed(e: tokio::task::JoinError) -> String {
    tracing::error!(%e, "CSV import failed while reading the file");
    "Falha ao ler o arquivo; as linhas seguintes não foram gravadas. Tente novamente.".to_string()
}

/// What an import that failed while writing says (the error itself goes to the log).
fn write_failed(e: surrealdb::Error) -> String {
    tracing::error!(%e, "client import failed while writing");
    "Falha ao gravar no banco de dados; as linhas seguintes não foram gravadas. Tente novamente."
        .to_string()
}

/// An IXC sync: every page read first (a failure changes nothing), then stored.
pub async fn sync_ixc(
    db: &Db,
    ixc: &IxcClient,
    progress: &Progress,
) -> Result<ImportReport, String> {
    let (records, rejected) = ixc
        .fetch_all(|read, total| progress.set(0, total.max(read)))
        .await
        .map_err(|e| e.to_string())?;
    store(db, records, rejected, "ixc", progress).await
}

async fn store(
    db: &Db,
    records: Vec<ClientRecord>,
    mut rejected: Vec<RejectedRow>,
    source: &str,
    progress: &Progress,
) -> Result<ImportReport, String> {
    let total = records.len();
    progress.set(0, total);
    let mut report = clients::upsert(db, &records, source, |done| progress.set(done, total))
        .await
        .map_err(write_failed)?;
    report.rows += rejected.len();
    rejected.sort_by_key(|r| r.line);
    report.rejected = rejected;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> Db {
        let db = crate::server::db::connect("mem://", None).await.unwrap();
        crate::server::schema::migrate(&db).await.unwrap();
        db
    }

    #[tokio::test]
    async fn a_file_of_several_batches_is_written_whole_with_its_progress() {
        use crate::models::page::Cursor;
        let db = store().await;
        let mut file = String::from("id;razao;data_nascimento\n");
        for i in 1..=READ_BATCH * 2 + 345 {
            file.push_str(&format!("{i};Cliente {i};1990-01-01\n"));
        }
        file.push_str("x;Sem id válido;1990-01-01\n");
        let progress = Progress::default();
        let report = import_csv(&db, file.into_bytes(), &progress).await.unwrap();
        let rows = READ_BATCH * 2 + 345;
        assert_eq!(
            (report.rows, report.created, report.rejected.len()),
            (rows + 1, rows, 1)
        );
        assert_eq!(progress.get(), (rows, rows));
        let page = clients::search(&db, &Default::default(), &Cursor::First, 50)
            .await
            .unwrap();
        assert_eq!(page.total, Some(rows as u64));
    }

    #[tokio::test]
    async fn a_restart_shows_an_unfinished_import_as_interrupted_and_never_reuses_its_id() {
        let db = store().await;
        let before = ImportJobs::new(db.clone());
        // Queued but never run: the process stopped first.
        let id = before
            .spawn("clientes.csv".into(), "admin".into(), |_| async {
                Ok(ImportReport::default())
            })
            .await
            .unwrap();
        let s = before.status(&id).await.unwrap().unwrap();
        assert!(!s.finished);
        assert_eq!(s.file_name, "clientes.csv");

        let after = ImportJobs::new(db.clone());
        assert_eq!(after.recover().await.unwrap(), 1);
        let s = after.status(&id).await.unwrap().unwrap();
        assert!(s.finished && s.report.is_none());
        assert_eq!(s.error.as_deref(), Some(INTERRUPTED));
        assert_eq!(s.file_name, "clientes.csv");
        let next = after
            .spawn("outro.csv".into(), "admin".into(), |_| async {
                Ok(ImportReport::default())
            })
            .await
            .unwrap();
        assert_ne!(next, id);
        assert!(after.status("nenhum").await.unwrap().is_none());

        // Finished jobs are forgotten after KEEP_DAYS.
        db.query("UPDATE import_job SET updated_at = time::now() - 8d WHERE finished = true")
            .await
            .unwrap()
            .check()
            .unwrap();
        assert_eq!(after.recover().await.unwrap(), 1, "the unfinished one");
        assert!(after.status(&id).await.unwrap().is_none());
        assert!(after.status(&next).await.unwrap().is_some());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_worker_writes_progress_and_the_report() {
        let db = store().await;
        let jobs = Arc::new(ImportJobs::new(db));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let monitor = register(Monitor::new(), jobs.clone());
        let worker = tokio::spawn(monitor.run_with_signal(async {
            let _ = stopped.await;
            Ok(())
        }));
        let id = jobs
            .spawn("x.csv".into(), "admin".into(), |p| async move {
                p.set(1, 2);
                tokio::time::sleep(PROGRESS_EVERY * 3).await;
                p.set(2, 2);
                Ok(ImportReport {
                    rows: 2,
                    created: 2,
                    ..Default::default()
                })
            })
            .await
            .unwrap();
        let mut seen_half = false;
        let done = loop {
            let s = jobs.status(&id).await.unwrap().unwrap();
            seen_half |= !s.finished && s.done == 1 && s.total == 2;
            if s.finished {
                break s;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(seen_half, "progress is written while the import runs");
        assert_eq!((done.done, done.total), (2, 2));
        assert_eq!(done.report.map(|r| r.created), Some(2));
        let _ = stop.send(());
        worker.await.unwrap().unwrap();
    }
}
