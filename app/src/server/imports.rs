//! Client imports (a CSV file or an IXC sync) run in the background; the page polls their
//! progress by id. A whole-source failure is reported and nothing is written.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::ixc::IxcClient;
use super::{clients, csv_import, db::Db};
use crate::models::client::{ClientRecord, ImportReport, ImportStatus, RejectedRow};

#[derive(Debug, Default)]
pub struct ImportJobs {
    next: AtomicU64,
    jobs: Mutex<HashMap<u64, ImportStatus>>,
}

/// Reports a job's progress (rows done, rows in all).
#[derive(Clone)]
pub struct Progress {
    jobs: Arc<ImportJobs>,
    id: u64,
}

impl Progress {
    pub fn set(&self, done: usize, total: usize) {
        self.jobs.update(self.id, |s| {
            s.done = done;
            s.total = total;
        });
    }
}

impl ImportJobs {
    pub fn status(&self, id: u64) -> Option<ImportStatus> {
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .cloned()
    }

    fn update(&self, id: u64, f: impl FnOnce(&mut ImportStatus)) {
        if let Some(s) = self
            .jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&id)
        {
            f(s);
        }
    }

    /// Runs `job` in the background under the name `source` and returns its id at once.
    pub fn spawn<F, Fut>(self: &Arc<Self>, source: String, by: String, job: F) -> u64
    where
        F: FnOnce(Progress) -> Fut + Send + 'static,
        Fut: Future<Output = Result<ImportReport, String>> + Send + 'static,
    {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.jobs.lock().unwrap_or_else(|e| e.into_inner()).insert(
            id,
            ImportStatus {
                file_name: source.clone(),
                ..Default::default()
            },
        );
        let progress = Progress {
            jobs: self.clone(),
            id,
        };
        let jobs = self.clone();
        tokio::spawn(async move {
            let outcome = job(progress).await;
            match &outcome {
                Ok(r) => tracing::info!(
                    source = ?source, by = %by, rows = r.rows, created = r.created,
                    updated = r.updated, unchanged = r.unchanged, rejected = r.rejected.len(),
                    "client import finished"
                ),
                Err(e) => {
                    tracing::warn!(source = ?source, by = %by, error = %e, "client import refused")
                }
            }
            jobs.update(id, |s| {
                s.finished = true;
                match outcome {
                    Ok(report) => s.report = Some(report),
                    Err(e) => s.error = Some(e),
                }
            });
        });
        id
    }
}

/// A CSV file: parsed whole first (a malformed file changes nothing), then the good rows.
pub async fn import_csv(
    db: &Db,
    bytes: &[u8],
    progress: &Progress,
) -> Result<ImportReport, String> {
    let parsed = csv_import::parse(bytes).map_err(|e| e.to_string())?;
    let records: Vec<_> = parsed.records.into_iter().map(|(_, r)| r).collect();
    store(db, records, parsed.rejected, "csv", progress).await
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
        .map_err(|e| {
            tracing::error!(%e, "client import failed while writing");
            "Falha ao gravar no banco de dados; as linhas seguintes não foram gravadas. Tente novamente.".to_string()
        })?;
    report.rows += rejected.len();
    rejected.sort_by_key(|r| r.line);
    report.rejected = rejected;
    Ok(report)
}
