//! Omnichannel messages: a WhatsApp template of an Opa! Suite channel with its variables.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::template::Variable;
use crate::error::Invalid;

/// A saved omnichannel message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OmniMessage {
    pub id: String,
    /// *Tipo comunicação*: only WhatsApp for now.
    pub kind: String,
    pub description: String,
    pub channel_id: String,
    pub channel_name: String,
    pub template_id: String,
    pub template_name: String,
    /// *Texto do template*, as read from the provider when saved.
    pub template_text: String,
    /// The variable of each placeholder, in order of appearance.
    pub variables: Vec<Variable>,
    pub updated_at: DateTime<Utc>,
}

/// What the editor sends to save a message (`id` empty for a new one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MessageInput {
    pub id: String,
    pub description: String,
    pub channel_id: String,
    pub template_id: String,
    /// `None` where the admin has not chosen a variable yet.
    pub variables: Vec<Option<Variable>>,
}

impl MessageInput {
    /// What can be checked without asking the provider: sizes, and that description,
    /// channel and template are filled in.
    pub fn validate(&self) -> Result<(), Invalid> {
        use crate::domain::limits::{at_most, MAX_ID};
        for (field, value) in [
            ("id", &self.id),
            ("channel_id", &self.channel_id),
            ("template_id", &self.template_id),
        ] {
            at_most(value, MAX_ID).map_err(|m| (field, m))?;
        }
        let description = self.description.trim();
        if description.is_empty() {
            return Err(("description", "Informe a descrição.".into()));
        }
        if description.chars().count() > MAX_DESCRIPTION {
            return Err((
                "description",
                format!("No máximo {MAX_DESCRIPTION} caracteres."),
            ));
        }
        if self.channel_id.trim().is_empty() {
            return Err(("channel_id", "Escolha o canal em \"Buscar canais\".".into()));
        }
        if self.template_id.trim().is_empty() {
            return Err((
                "template_id",
                "Escolha o template em \"Buscar template\".".into(),
            ));
        }
        Ok(())
    }

    /// Whether every placeholder of `template_text` has a variable; if not, which ones lack it.
    pub fn check_variables(&self, template_text: &str) -> Result<(), Invalid> {
        use crate::domain::template::{check_mapping, placeholders};
        let Err(unmapped) = check_mapping(template_text, &self.variables) else {
            return Ok(());
        };
        let names = placeholders(template_text);
        let list: Vec<String> = unmapped
            .iter()
            .map(|i| {
                names
                    .get(*i)
                    .map(|p| format!("{{{{{}}}}}", p.name))
                    .unwrap_or_else(|| format!("#{}", i + 1))
            })
            .collect();
        Err((
            "variables",
            format!("Escolha a variável de: {}.", list.join(", ")),
        ))
    }
}

/// Longest *Descrição* of a message.
pub const MAX_DESCRIPTION: usize = 100;

/// A template as the pickers show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateView {
    pub id: String,
    pub name: String,
    pub text: String,
    pub language: String,
    pub category: String,
}
