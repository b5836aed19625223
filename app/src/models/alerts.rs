//! *Integrações > Alertas*: where Parabéns tells a person that something needs them.

use serde::{Deserialize, Serialize};

use crate::error::Invalid;

/// Default: a send run with more final errors than this alerts.
pub const DEFAULT_THRESHOLD: u32 = 10;
/// Default: Opa! Suite or IXC without an answer for longer than this alerts.
pub const DEFAULT_UNREACHABLE_MINUTES: u32 = 10;

/// The form as submitted: `secret` empty keeps the saved one (for the same URL).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AlertsInput {
    pub webhook_url: String,
    pub secret: String,
    pub threshold: u32,
    pub unreachable_minutes: u32,
    pub email: EmailInput,
}

/// The e-mail part: `password` empty keeps the saved one (for the same server).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EmailInput {
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_user: String,
    pub password: String,
    pub from: String,
    pub to: String,
}

/// Whether a mail server is this machine (the only place SMTP may go unencrypted).
pub fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

fn address(field: &'static str, a: &str) -> Result<(), Invalid> {
    let (user, domain) = a.split_once('@').unwrap_or(("", ""));
    if user.is_empty()
        || !domain.contains('.') && domain != "localhost"
        || a.len() > 200
        || a.contains(char::is_whitespace)
    {
        return Err((field, "Informe um e-mail válido.".into()));
    }
    Ok(())
}

impl EmailInput {
    pub fn validate(&self) -> Result<(), Invalid> {
        if self.smtp_host.is_empty() {
            return Ok(());
        }
        if self.smtp_host.len() > 200
            || !self
                .smtp_host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:".contains(c))
        {
            return Err(("smtp_host", "Servidor SMTP inválido.".into()));
        }
        if self.smtp_port == 0 {
            return Err(("smtp_port", "Porta entre 1 e 65535.".into()));
        }
        if self.smtp_user.len() > 200 || self.password.len() > 200 {
            return Err(("smtp_user", "Usuário ou senha longos demais.".into()));
        }
        address("from", &self.from)?;
        address("to", &self.to)
    }
}

impl AlertsInput {
    pub fn new(
        webhook_url: &str,
        secret: &str,
        threshold: u32,
        unreachable_minutes: u32,
        email: EmailInput,
    ) -> Self {
        AlertsInput {
            webhook_url: webhook_url.trim().to_string(),
            secret: secret.trim().to_string(),
            threshold,
            unreachable_minutes,
            email: EmailInput {
                smtp_host: email.smtp_host.trim().to_lowercase(),
                smtp_user: email.smtp_user.trim().to_string(),
                from: email.from.trim().to_string(),
                to: email.to.trim().to_string(),
                ..email
            },
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
        if !(1..=1440).contains(&self.unreachable_minutes) {
            return Err(("unreachable_minutes", "Entre 1 e 1.440 minutos.".into()));
        }
        self.email.validate()
    }
}

/// What the page shows of the saved settings (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AlertsView {
    pub webhook_url: String,
    pub secret_set: bool,
    pub threshold: u32,
    pub unreachable_minutes: u32,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_user: String,
    pub password_set: bool,
    pub from: String,
    pub to: String,
}
