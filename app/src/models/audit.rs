//! *Conta > Auditoria*: who changed what and when. Never the secrets themselves: a saved
//! token is recorded as "token alterado", not its value.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditAction {
    Login,
    LoginFailed,
    Logout,
    MessageSaved,
    MessageDeleted,
    ParamsSaved,
    AgendaSaved,
    AgendaDeleted,
    IntegrationSaved,
    AdminAdded,
    AdminRemoved,
    PasswordChanged,
    RunNow,
    QueueAction,
    Requeue,
    ClientOptOut,
    Import,
    BackupDownloaded,
}

impl AuditAction {
    pub const ALL: [AuditAction; 18] = [
        AuditAction::Login,
        AuditAction::LoginFailed,
        AuditAction::Logout,
        AuditAction::MessageSaved,
        AuditAction::MessageDeleted,
        AuditAction::ParamsSaved,
        AuditAction::AgendaSaved,
        AuditAction::AgendaDeleted,
        AuditAction::IntegrationSaved,
        AuditAction::AdminAdded,
        AuditAction::AdminRemoved,
        AuditAction::PasswordChanged,
        AuditAction::RunNow,
        AuditAction::QueueAction,
        AuditAction::Requeue,
        AuditAction::ClientOptOut,
        AuditAction::Import,
        AuditAction::BackupDownloaded,
    ];

    /// The stored value (and the filter's).
    pub fn key(self) -> &'static str {
        match self {
            AuditAction::Login => "entrada",
            AuditAction::LoginFailed => "entrada_recusada",
            AuditAction::Logout => "saida",
            AuditAction::MessageSaved => "mensagem_salva",
            AuditAction::MessageDeleted => "mensagem_excluida",
            AuditAction::ParamsSaved => "parametros_salvos",
            AuditAction::AgendaSaved => "agenda_salva",
            AuditAction::AgendaDeleted => "agenda_excluida",
            AuditAction::IntegrationSaved => "integracao_salva",
            AuditAction::AdminAdded => "admin_adicionado",
            AuditAction::AdminRemoved => "admin_removido",
            AuditAction::PasswordChanged => "senha_alterada",
            AuditAction::RunNow => "execucao_manual",
            AuditAction::QueueAction => "acao_na_fila",
            AuditAction::Requeue => "reenfileiramento",
            AuditAction::ClientOptOut => "opt_out",
            AuditAction::Import => "importacao",
            AuditAction::BackupDownloaded => "backup_baixado",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            AuditAction::Login => "Entrada",
            AuditAction::LoginFailed => "Entrada recusada",
            AuditAction::Logout => "Saída",
            AuditAction::MessageSaved => "Mensagem salva",
            AuditAction::MessageDeleted => "Mensagem excluída",
            AuditAction::ParamsSaved => "Parâmetros salvos",
            AuditAction::AgendaSaved => "Agenda salva",
            AuditAction::AgendaDeleted => "Tarefa da agenda excluída",
            AuditAction::IntegrationSaved => "Integração salva",
            AuditAction::AdminAdded => "Administrador adicionado",
            AuditAction::AdminRemoved => "Administrador removido",
            AuditAction::PasswordChanged => "Senha alterada",
            AuditAction::RunNow => "Execução manual",
            AuditAction::QueueAction => "Ação na fila",
            AuditAction::Requeue => "Reenfileiramento",
            AuditAction::ClientOptOut => "Opt-out de cliente",
            AuditAction::Import => "Importação de clientes",
            AuditAction::BackupDownloaded => "Backup baixado",
        }
    }
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: AuditAction,
    pub detail: String,
    pub ip: Option<String>,
}

/// The log's filters, from the page's fields (as in its URL).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFilter {
    pub actor: String,
    pub action: Option<AuditAction>,
}

impl AuditFilter {
    /// The page and the server both call this; errors name the field.
    pub fn parse(actor: &str, action: &str) -> Result<Self, (&'static str, String)> {
        let actor = actor.trim().to_lowercase();
        if actor.chars().count() > crate::domain::account::MAX_USERNAME_LEN {
            return Err(("actor", "Usuário longo demais.".into()));
        }
        let action = match action.trim() {
            "" => None,
            a => Some(AuditAction::from_key(a).ok_or(("action", "Ação inválida.".to_string()))?),
        };
        Ok(AuditFilter { actor, action })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_the_filter_is_checked() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::from_key(a.key()), Some(a));
        }
        let f = AuditFilter::parse(" Admin ", "parametros_salvos").unwrap();
        assert_eq!(
            (f.actor.as_str(), f.action),
            ("admin", Some(AuditAction::ParamsSaved))
        );
        assert_eq!(AuditFilter::parse("", "x").unwrap_err().0, "action");
        assert_eq!(
            AuditFilter::parse(&"a".repeat(200), "").unwrap_err().0,
            "actor"
        );
    }
}
