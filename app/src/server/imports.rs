//! Client imports run in the background; the page polls their progress by id.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::{clients, csv_import, db::Db};
use crate::models::client::{ImportReport, ImportStatus};

#[derive(Debug, Default)]
pub struct ImportJobs {
    next: AtomicU64,
    jobs: Mutex<HashMap<u64, ImportStatus>>,
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

    /// Starts importing `bytes` (a CSV file) and returns the job id at once.
    pub fn start(self: &Arc<Self>, db: Db, file_name: String, bytes: Vec<u8>, by: String) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        self.jobs.lock().unwrap_or_else(|e| e.into_inner()).insert(
            id,
            ImportStatus {
                file_name: file_name.clone(),
                ..Default::default()
            },
        );
        let jobs = self.clone();
        tokio::spawn(async move {
            let outcome = run(&db, &bytes, |done, total| {
                jobs.update(id, |s| {
                    s.done = done;
                    s.total = total;
                })
            })
            .await;
            match &outcome {
                Ok(r) => tracing::info!(
                    file = %file_name, by = %by, rows = r.rows, created = r.created,
                    updated = r.updated, unchanged = r.unchanged, rejected = r.rejected.len(),
                    "client import finished"
                ),
                Err(e) => {
                    tracing::warn!(file = %file_name, by = %by, error = %e, "client import refused")
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

/// Parses the whole file first (a malformed file changes nothing), then upserts the good rows.
pub async fn run(
    db: &Db,
    bytes: &[u8],
    mut progress: impl FnMut(usize, usize),
) -> Result<ImportReport, String> {
    let parsed = csv_import::parse(bytes).map_err(|e| e.to_string())?;
    let records: Vec<_> = parsed.records.iter().map(|(_, r)| r.clone()).collect();
    let total = records.len();
    progress(0, total);
    let mut report = clients::upsert(db, &records, "csv", |done| progress(done, total))
        .await
        .map_err(|e| {
            tracing::error!(%e, "client import failed while writing");
            "Falha ao gravar no banco de dados; nenhuma linha posterior foi gravada. Tente novamente.".to_string()
        })?;
    report.rows += parsed.rejected.len();
    report.rejected = parsed.rejected;
    report.rejected.sort_by_key(|r| r.line);
    Ok(report)
}
