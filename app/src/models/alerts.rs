//! *Integrações > Alertas*: where Parabéns tells a person that something needs them.

use serde::{Deserialize, Serialize};

use crate::error::Invalid;

/// Default: a send run with more final errors than this alerts.
pub const DEFAULT_THRESHOLD: u32 = 10;

/// The form as submitted: `secret` empty keeps the saved one (for the same URL).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AlertsInput {
    pub webhook_url: String,
    pub secret: String,
    pub threshold: u32,
}

impl AlertsInput {
    pub fn new(webhook_url: &str, secret: &str, threshold: u32) -> Self {
        AlertsInput {
            webhook_url: webhook_url.trim().to_string(),
            secret: secret.trim().to_string(),
            threshold,
        }
    }

    /// The same check in the form and on the server; errors name the field.
    pub fn validate(&self) -> Result<(), Invalid> {
        if !self.webhook_url.is_empty() {
            crate::domain::url::validate_base_url(&self.webhook_url)
                .map_err(|m| ("webhook_url", m))?;
        }
        if self.secret.len() > 200 {
            return Err(("secret", "Segredo longo demais.".into()));
        }
        if !(0..=100_000).contains(&self.threshold) {
            return Err(("threshold", "Entre 0 e 100.000 erros.".into()));
        }
        Ok(())
    }
}

/// What the page shows of the saved settings (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AlertsView {
    pub webhook_url: String,
    pub secret_set: bool,
    pub threshold: u32,
}
