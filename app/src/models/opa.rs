//! Opa! Suite data as the pages show it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where messages go: a real Opa! Suite or the built-in sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpaSettingsView {
    /// The saved base URL (empty: none saved).
    pub url: String,
    pub token_set: bool,
    /// `PARABENS_OPA_URL` is set and takes precedence over the saved settings.
    pub env_overrides: bool,
    /// The URL in force.
    pub effective_url: String,
    pub sandbox: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelView {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub active: bool,
}

/// A message the sandbox accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: String,
    pub at: DateTime<Utc>,
    pub phone: String,
    pub channel: String,
    pub text: String,
}

/// How many of the latest messages the sandbox keeps.
pub const SANDBOX_KEEPS: usize = 1000;

/// A page of the sandbox's outbox (it keeps the latest messages only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct OutboxPage {
    pub items: Vec<OutboxMessage>,
    /// Messages kept in all.
    pub total: usize,
    /// The business time zone the times are shown in.
    pub time_zone: String,
}
