//! Clients of the provider, as imported from IXC (webservice or CSV export).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// IXC `tipo_pessoa`: only natural persons (física) are ever greeted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum PersonType {
    #[default]
    Fisica,
    Juridica,
    Estrangeiro,
}

impl PersonType {
    /// From IXC's code (`F`, `J`, `E`) or a written-out name.
    pub fn from_ixc(code: &str) -> Option<Self> {
        match code.trim().to_lowercase().as_str() {
            "f" | "fisica" | "física" => Some(PersonType::Fisica),
            "j" | "juridica" | "jurídica" => Some(PersonType::Juridica),
            "e" | "estrangeiro" => Some(PersonType::Estrangeiro),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            PersonType::Fisica => "F",
            PersonType::Juridica => "J",
            PersonType::Estrangeiro => "E",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PersonType::Fisica => "Física",
            PersonType::Juridica => "Jurídica",
            PersonType::Estrangeiro => "Estrangeiro",
        }
    }
}

/// One client as read from a source, before it is stored (a CSV row or an IXC record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ClientRecord {
    /// IXC `id`: unique, the key of every upsert.
    pub external_id: String,
    pub name: String,
    pub trade_name: String,
    pub person_type: PersonType,
    pub active: bool,
    pub birth_date: Option<NaiveDate>,
    pub whatsapp: String,
    pub mobile: String,
    pub email: String,
    pub city: String,
    pub state: String,
}

/// A client as the pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientView {
    pub external_id: String,
    pub name: String,
    pub trade_name: String,
    pub person_type: PersonType,
    pub active: bool,
    pub birth_date: Option<NaiveDate>,
    /// Normalised `+55DD9XXXXXXXX`, when the client has a usable number.
    pub phone: Option<String>,
    /// Why there is no usable number (Portuguese, for the UI).
    pub phone_problem: Option<String>,
    /// The numbers as the source had them.
    pub whatsapp: String,
    pub mobile: String,
    pub email: String,
    pub city: String,
    pub state: String,
    pub opted_out: bool,
    pub source: String,
    pub synced_at: Option<DateTime<Utc>>,
}

/// A rejected input row, with the line it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedRow {
    pub line: usize,
    pub external_id: String,
    pub reason: String,
}

/// The outcome of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: Vec<RejectedRow>,
}

/// Why a client born on the day is not greeted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SkipReason {
    NotNaturalPerson(PersonType),
    Inactive,
    NoPhone(String),
    OptedOut,
    AlreadyGreeted(i32),
}

impl SkipReason {
    pub fn label(&self) -> String {
        match self {
            SkipReason::NotNaturalPerson(t) => format!("Pessoa {}", t.label().to_lowercase()),
            SkipReason::Inactive => "Cliente inativo (enviar apenas para ativos)".into(),
            SkipReason::NoPhone(why) => format!("Sem telefone utilizável: {why}"),
            SkipReason::OptedOut => "Cliente pediu para não receber".into(),
            SkipReason::AlreadyGreeted(y) => format!("Já felicitado em {y}"),
        }
    }
}

/// Who is greeted on a day and who is skipped (with the reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BirthdaySelection {
    pub date: Option<NaiveDate>,
    pub greeted: Vec<ClientView>,
    pub skipped: Vec<(ClientView, SkipReason)>,
}

/// Progress of a client import, polled by the import page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImportStatus {
    pub file_name: String,
    /// Rows written so far and rows to write (0 while the file is still being read).
    pub done: usize,
    pub total: usize,
    pub finished: bool,
    pub report: Option<ImportReport>,
    /// Why the whole file was refused (nothing was changed then).
    pub error: Option<String>,
}

impl From<&ClientView> for crate::domain::template::ClientFields {
    fn from(c: &ClientView) -> Self {
        Self {
            full_name: c.name.clone(),
            trade_name: c.trade_name.clone(),
            birth_date: c.birth_date,
            city: c.city.clone(),
        }
    }
}
