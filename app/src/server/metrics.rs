//! `GET /metrics` for operators, in the Prometheus (OpenMetrics) text format. What this
//! process did since it started — sends by outcome and Meta code, run durations by task,
//! Opa! Suite's latency — is counted here as it happens; what the database knows — the queue
//! by status (its COUNT indexes), each task's last success — is read at each scrape.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use super::db::Db;
use crate::models::agenda::TaskKind;
use crate::models::queue::QueueStatus;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SendLabels {
    outcome: String,
    /// Meta's code, empty when there was none.
    code: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    task: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TaskLabel {
    task: String,
}

type Timestamp = Gauge<f64, std::sync::atomic::AtomicU64>;

/// This server's counters (one per server state, shared by its tasks and its router).
pub struct Metrics {
    sends: Family<SendLabels, Counter>,
    runs: Family<RunLabels, Histogram>,
    opa: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            sends: Family::default(),
            // 50 ms to about 28 minutes: an enqueue takes seconds, a send run up to its budget.
            runs: Family::new_with_constructor(|| {
                Histogram::new(exponential_buckets(0.05, 2.0, 16))
            }),
            // 5 ms to about 10 s.
            opa: Histogram::new(exponential_buckets(0.005, 2.0, 12)),
        }
    }
}

impl Metrics {
    /// One answer to a send: `outcome` as the queue stores it (`enviado`, `pendente` for a
    /// retry, `erro`, `limite_meta`), Meta's code if any.
    pub fn send_answered(&self, outcome: &str, code: Option<u64>, took: Duration) {
        self.sends
            .get_or_create(&SendLabels {
                outcome: outcome.to_string(),
                code: code.map(|c| c.to_string()).unwrap_or_default(),
            })
            .inc();
        self.opa.observe(took.as_secs_f64());
    }

    /// An attempt of a task run ended (`ok` or `erro`) after `took`.
    pub fn run_attempted(&self, task: TaskKind, ok: bool, took: Duration) {
        self.runs
            .get_or_create(&RunLabels {
                task: task.key().to_string(),
                outcome: if ok { "ok" } else { "erro" }.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    /// The whole exposition: this server's counters and what the database says now.
    pub async fn render(&self, db: &Db) -> surrealdb::Result<String> {
        let mut registry = Registry::with_prefix("parabens");
        registry.register(
            "sends",
            "Answers to sends since start, by outcome and Meta code",
            self.sends.clone(),
        );
        registry.register(
            "run_duration_seconds",
            "Task run attempts since start, by task and outcome",
            self.runs.clone(),
        );
        registry.register(
            "opa_send_duration_seconds",
            "Time Opa! Suite took to answer a send",
            self.opa.clone(),
        );
        let queue = Family::<StatusLabel, Gauge>::default();
        let counts = super::queue::counts(db).await?;
        for s in QueueStatus::ALL {
            queue
                .get_or_create(&StatusLabel {
                    status: s.key().to_string(),
                })
                .set(counts.get(s).min(i64::MAX as u64) as i64);
        }
        registry.register("queue_messages", "Messages in the queue by status", queue);
        let last = Family::<TaskLabel, Timestamp>::default();
        for task in TaskKind::ALL {
            if let Some(at) = super::jobs::runs::last_success(db, task).await? {
                last.get_or_create(&TaskLabel {
                    task: task.key().to_string(),
                })
                .set(at.timestamp_millis() as f64 / 1000.0);
            }
        }
        registry.register(
            "last_success_timestamp_seconds",
            "When each task last finished successfully (Unix time)",
            last,
        );
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &registry)
            .expect("writing to a String cannot fail");
        Ok(out)
    }
}
