//! The message queue (outbox) as the pages see it, and the task runs of the dashboard.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::agenda::TaskKind;

/// Where a queued message is in its life: `pendente → enviando → enviado`, or `erro`, or
/// `cancelado` (by an admin, or because the client is no longer eligible), or `expirado`
/// (its day ended unsent and late greetings are off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum QueueStatus {
    Pending,
    Sending,
    Sent,
    Failed,
    Cancelled,
    Expired,
    /// Meta's cap on marketing messages per person held it back (131049): not a fault, not
    /// retried the same day.
    MetaLimit,
}

impl QueueStatus {
    pub const ALL: [QueueStatus; 7] = [
        QueueStatus::Pending,
        QueueStatus::Sending,
        QueueStatus::Sent,
        QueueStatus::Failed,
        QueueStatus::Cancelled,
        QueueStatus::Expired,
        QueueStatus::MetaLimit,
    ];

    /// The stored value (and the value of the filter's `<select>`).
    pub fn key(self) -> &'static str {
        match self {
            QueueStatus::Pending => "pendente",
            QueueStatus::Sending => "enviando",
            QueueStatus::Sent => "enviado",
            QueueStatus::Failed => "erro",
            QueueStatus::Cancelled => "cancelado",
            QueueStatus::Expired => "expirado",
            QueueStatus::MetaLimit => "limite_meta",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            QueueStatus::Pending => "Pendente",
            QueueStatus::Sending => "Enviando",
            QueueStatus::Sent => "Enviado",
            QueueStatus::Failed => "Erro",
            QueueStatus::Cancelled => "Cancelado",
            QueueStatus::Expired => "Expirado",
            QueueStatus::MetaLimit => "Não entregue hoje (limite da Meta)",
        }
    }
}

/// One queued message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueMessage {
    pub id: String,
    pub client_id: String,
    pub client_name: String,
    pub phone: String,
    pub message_id: String,
    pub message_description: String,
    /// The template text with the variables rendered at enqueue time.
    pub text: String,
    pub status: QueueStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub provider_id: Option<String>,
    pub last_error: Option<String>,
}

/// One attempt to send a message (or an admin's action on it), newest last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueAttempt {
    pub at: DateTime<Utc>,
    pub outcome: String,
    pub detail: String,
}

/// A message with its attempts (the queue's detail view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueDetail {
    pub message: QueueMessage,
    pub attempts: Vec<QueueAttempt>,
}

/// Filters of *Fila de mensagens*; empty fields do not filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct QueueFilter {
    pub status: Option<QueueStatus>,
    /// Enqueued on or after / on or before (dates in the business time zone).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Client id or part of the client's name.
    pub client: String,
    pub message_id: String,
    /// The Meta code of the last failure (`META_CODES`).
    pub code: Option<u64>,
}

/// The Meta codes the queue filters by, with what each means to an admin.
pub const META_CODES: [(u64, &str); 8] = [
    (131049, "Limite de marketing da Meta"),
    (131026, "Número não recebe mensagens"),
    (131047, "Fora da janela de 24 horas"),
    (132000, "Variáveis não batem com o template"),
    (132001, "Template inexistente"),
    (132018, "Variável com formato inválido"),
    (130429, "Envios rápidos demais"),
    (131056, "Muitas mensagens ao mesmo número"),
];

/// Messages per status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct QueueCounts {
    pub by_status: BTreeMap<QueueStatus, u64>,
}

impl QueueCounts {
    pub fn get(&self, s: QueueStatus) -> u64 {
        self.by_status.get(&s).copied().unwrap_or(0)
    }
}

/// Messages sent and failed on one day (business time zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayStat {
    pub date: NaiveDate,
    pub sent: u64,
    pub failed: u64,
}

/// What started a task run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Trigger {
    /// A tick of the agenda.
    Schedule,
    /// At start, an enqueue tick missed earlier the same day.
    CatchUp,
    /// *Executar agora*.
    Manual,
    /// A send run that follows an enqueue run which queued new messages.
    AfterEnqueue,
}

impl Trigger {
    pub fn key(self) -> &'static str {
        match self {
            Trigger::Schedule => "agenda",
            Trigger::CatchUp => "recuperacao",
            Trigger::Manual => "manual",
            Trigger::AfterEnqueue => "apos_enfileirar",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [
            Trigger::Schedule,
            Trigger::CatchUp,
            Trigger::Manual,
            Trigger::AfterEnqueue,
        ]
        .into_iter()
        .find(|t| t.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            Trigger::Schedule => "Agenda",
            Trigger::CatchUp => "Recuperação",
            Trigger::Manual => "Manual",
            Trigger::AfterEnqueue => "Após enfileirar",
        }
    }
}

/// Where a task run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunOutcome {
    /// Claimed, waiting for the executor.
    Queued,
    Running,
    /// Failed an attempt; the retry policy will try again.
    Retrying,
    Succeeded,
    Failed,
    /// The server stopped while it ran.
    Interrupted,
}

impl RunOutcome {
    pub const ALL: [RunOutcome; 6] = [
        RunOutcome::Queued,
        RunOutcome::Running,
        RunOutcome::Retrying,
        RunOutcome::Succeeded,
        RunOutcome::Failed,
        RunOutcome::Interrupted,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RunOutcome::Queued => "aguardando",
            RunOutcome::Running => "executando",
            RunOutcome::Retrying => "nova_tentativa",
            RunOutcome::Succeeded => "sucesso",
            RunOutcome::Failed => "falhou",
            RunOutcome::Interrupted => "interrompida",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            RunOutcome::Queued => "Aguardando",
            RunOutcome::Running => "Executando",
            RunOutcome::Retrying => "Nova tentativa",
            RunOutcome::Succeeded => "Sucesso",
            RunOutcome::Failed => "Falhou",
            RunOutcome::Interrupted => "Interrompida",
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(
            self,
            RunOutcome::Succeeded | RunOutcome::Failed | RunOutcome::Interrupted
        )
    }
}

/// What a run did, as labelled counts (Portuguese labels, in the order they were added).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct RunCounts(pub Vec<(String, u64)>);

impl RunCounts {
    pub fn add(&mut self, label: &str, n: u64) {
        match self.0.iter_mut().find(|(l, _)| l == label) {
            Some((_, v)) => *v += n,
            None => self.0.push((label.to_string(), n)),
        }
    }

    pub fn get(&self, label: &str) -> u64 {
        self.0
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, v)| *v)
            .unwrap_or(0)
    }
}

/// Count labels shared by the tasks and the tests that read them.
pub mod count {
    pub const FOUND: &str = "aniversariantes";
    pub const ENQUEUED: &str = "enfileiradas";
    pub const SENT: &str = "enviadas";
    pub const RETRY: &str = "reagendadas";
    pub const FAILED: &str = "com erro";
    pub const POSTPONED: &str = "adiadas (limite diário)";
    pub const META_LIMITED: &str = "não entregues hoje (limite da Meta)";
    pub const CANCELLED: &str = "canceladas (cliente não elegível)";
    pub const EXPIRED: &str = "expiradas (dia do aniversário encerrado)";
    pub const IMPORTED: &str = "clientes lidos";
}

/// One run of a task, for the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRun {
    pub id: String,
    pub entry_id: String,
    pub task: TaskKind,
    pub trigger: Trigger,
    pub scheduled_for: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub outcome: RunOutcome,
    pub attempt: u32,
    pub counts: RunCounts,
    pub note: Option<String>,
    pub error: Option<String>,
}

impl TaskRun {
    pub fn duration_ms(&self) -> Option<i64> {
        Some((self.finished_at? - self.started_at?).num_milliseconds())
    }
}

/// A coming run of an agenda entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextRun {
    pub entry_id: String,
    pub task: TaskKind,
    pub at: DateTime<Utc>,
}

/// A service (Opa! Suite, IXC) that no call has reached since `since`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceOutage {
    pub service: String,
    pub since: DateTime<Utc>,
    pub last_error: String,
}

/// A Parabéns instance on this database, as its heartbeat says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    pub id: String,
    pub host: String,
    pub version: String,
    pub started_at: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Stopped cleanly at this time.
    pub stopped_at: Option<DateTime<Utc>>,
    /// Still beating (seen within the last few heartbeats).
    pub alive: bool,
    /// The instance answering this request.
    pub this: bool,
}

/// Everything the *Painel* shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Dashboard {
    pub runs: Vec<TaskRun>,
    /// The instances seen lately, most recently seen first.
    pub instances: Vec<Instance>,
    /// Opa! Suite or IXC not answering now.
    pub outages: Vec<ServiceOutage>,
    pub next_runs: Vec<NextRun>,
    pub counts: QueueCounts,
    /// The last 30 days, oldest first.
    pub daily: Vec<DayStat>,
    /// The business time zone, for showing times.
    pub time_zone: String,
}

impl QueueFilter {
    /// The filter from the queue page's form fields (as in its URL). The page and the server
    /// both call this; errors name the field.
    pub fn parse(
        status: &str,
        from: &str,
        to: &str,
        client: &str,
        message_id: &str,
        code: &str,
    ) -> Result<Self, (&'static str, String)> {
        let status = match status.trim() {
            "" => None,
            s => {
                Some(QueueStatus::from_key(s).ok_or(("status", "Situação inválida.".to_string()))?)
            }
        };
        let date = |field: &'static str, v: &str| match v.trim() {
            "" => Ok(None),
            d => crate::domain::dates::parse_iso(d)
                .map(Some)
                .ok_or((field, "Data inválida (use AAAA-MM-DD).".to_string())),
        };
        let from = date("from", from)?;
        let to = date("to", to)?;
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                return Err(("to", "A data final é anterior à inicial.".to_string()));
            }
        }
        if client.len() > 200 {
            return Err(("client", "Busca longa demais.".to_string()));
        }
        if message_id.len() > 64 || !message_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(("message_id", "Mensagem inválida.".to_string()));
        }
        let code = match code.trim() {
            "" => None,
            c => Some(
                c.parse::<u64>()
                    .ok()
                    .filter(|c| META_CODES.iter().any(|(k, _)| k == c))
                    .ok_or(("code", "Motivo inválido.".to_string()))?,
            ),
        };
        Ok(QueueFilter {
            status,
            from,
            to,
            client: client.trim().to_string(),
            message_id: message_id.to_string(),
            code,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_filter_takes_known_meta_codes_only() {
        let f = QueueFilter::parse("", "", "", "", "", "131049").unwrap();
        assert_eq!(f.code, Some(131049));
        for bad in ["abc", "999", "-1"] {
            assert_eq!(
                QueueFilter::parse("", "", "", "", "", bad).unwrap_err().0,
                "code"
            );
        }
    }

    #[test]
    fn filter_fields_are_checked_and_named() {
        assert_eq!(
            QueueFilter::parse("", "", "", "", "", ""),
            Ok(QueueFilter::default())
        );
        let f =
            QueueFilter::parse("erro", "2026-11-01", "2026-11-29", " Ana ", "abc123", "").unwrap();
        assert_eq!(f.status, Some(QueueStatus::Failed));
        assert_eq!(f.client, "Ana");
        assert_eq!(
            QueueFilter::parse("x", "", "", "", "", "").unwrap_err().0,
            "status"
        );
        assert_eq!(
            QueueFilter::parse("", "01/11/2026", "", "", "", "")
                .unwrap_err()
                .0,
            "from"
        );
        assert_eq!(
            QueueFilter::parse("", "2026-11-02", "2026-11-01", "", "", "")
                .unwrap_err()
                .0,
            "to"
        );
        assert_eq!(
            QueueFilter::parse("", "", "", "", "a'b", "").unwrap_err().0,
            "message_id"
        );
    }

    #[test]
    fn counts_add_up_by_label() {
        let mut c = RunCounts::default();
        c.add(count::SENT, 2);
        c.add(count::FAILED, 1);
        c.add(count::SENT, 3);
        assert_eq!(c.get(count::SENT), 5);
        assert_eq!(c.0.len(), 2);
    }
}
