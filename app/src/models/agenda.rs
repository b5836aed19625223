//! The task agenda: which task runs when.

use serde::{Deserialize, Serialize};

use crate::domain::schedule::{Field, ScheduleInput};

/// The tasks an agenda entry can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TaskKind {
    /// Enviar OmniChannel Clientes Aniversariantes.
    EnqueueBirthdays,
    /// Envia Mensagens Omnichannel da Fila.
    SendQueue,
    /// Sincronizar clientes IXC.
    SyncIxc,
}

impl TaskKind {
    pub const ALL: [TaskKind; 3] = [
        TaskKind::EnqueueBirthdays,
        TaskKind::SendQueue,
        TaskKind::SyncIxc,
    ];

    pub fn label(self) -> &'static str {
        match self {
            TaskKind::EnqueueBirthdays => "Enviar OmniChannel Clientes Aniversariantes",
            TaskKind::SendQueue => "Envia Mensagens Omnichannel da Fila",
            TaskKind::SyncIxc => "Sincronizar clientes IXC",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            TaskKind::EnqueueBirthdays => "enqueue_birthdays",
            TaskKind::SendQueue => "send_queue",
            TaskKind::SyncIxc => "sync_ixc",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.key() == key)
    }
}

/// An agenda entry (`id` empty for a new one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaEntry {
    pub id: String,
    pub task: TaskKind,
    pub schedule: ScheduleInput,
    pub enabled: bool,
}

/// The form field name of a schedule field (for errors shown beside it).
pub fn field_name(field: Field) -> &'static str {
    match field {
        Field::Minute => "minute",
        Field::Hour => "hour",
        Field::DayOfMonth => "day_of_month",
        Field::Month => "month",
        Field::DayOfWeek => "day_of_week",
    }
}

/// A fresh install's agenda: enqueue daily at 08:00, send every 5 minutes.
pub fn default_agenda() -> Vec<AgendaEntry> {
    let s = |m: &str, h: &str| ScheduleInput {
        minute: m.into(),
        hour: h.into(),
        day_of_month: "Todos".into(),
        month: "Todos".into(),
        day_of_week: "Todos".into(),
    };
    vec![
        AgendaEntry {
            id: String::new(),
            task: TaskKind::EnqueueBirthdays,
            schedule: s("0", "8"),
            enabled: true,
        },
        AgendaEntry {
            id: String::new(),
            task: TaskKind::SendQueue,
            schedule: s("*/5", "Todos"),
            enabled: true,
        },
    ]
}
