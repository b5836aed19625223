//! Omnichannel messages: a WhatsApp template of an Opa! Suite channel with its variables.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::template::Variable;

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

/// A template as the pickers show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateView {
    pub id: String,
    pub name: String,
    pub text: String,
    pub language: String,
    pub category: String,
}
