//! Alerts for a person: a run that failed for good, a send run with more final errors than
//! the threshold, the channel's daily limit reached, Opa! Suite or IXC not answering for
//! longer than the minutes set (`reachability`), and again when it answers. Delivered as a JSON `POST` to the
//! webhook in *Integrações > Alertas*, signed with HMAC-SHA256 over the body
//! (`X-Parabens-Signature: sha256=<hex>`), and by e-mail over SMTP. One alert per incident,
//! whichever instance notices it: the incident's row is created once (`alert_incident:<key>`).

use std::time::Duration;

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use surrealdb::types::RecordId;

use super::db::Db;
use super::{secret, setting_store};

/// The signature's header.
pub const SIGNATURE: &str = "x-parabens-signature";
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlertsConfig {
    pub webhook_url: String,
    #[serde(serialize_with = "secret::serialize")]
    pub secret: SecretString,
    pub threshold: u32,
    /// Opa! Suite or IXC without an answer this long is an incident.
    #[serde(default = "default_unreachable_minutes")]
    pub unreachable_minutes: u32,
    #[serde(default)]
    pub email: EmailConfig,
}

fn default_unreachable_minutes() -> u32 {
    crate::models::alerts::DEFAULT_UNREACHABLE_MINUTES
}

/// The mail server and addresses; no host: no e-mail.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EmailConfig {
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_user: String,
    #[serde(serialize_with = "secret::serialize")]
    pub password: SecretString,
    pub from: String,
    pub to: String,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            webhook_url: String::new(),
            secret: SecretString::default(),
            threshold: crate::models::alerts::DEFAULT_THRESHOLD,
            unreachable_minutes: default_unreachable_minutes(),
            email: EmailConfig::default(),
        }
    }
}

impl AlertsConfig {
    fn any(&self) -> bool {
        !self.webhook_url.is_empty() || !self.email.smtp_host.is_empty()
    }
}

/// What a webhook receives.
#[derive(Debug, Clone, Serialize)]
pub struct Alert {
    /// `execucao_falhou`, `erros_de_envio`, `limite_diario`, `servico_inacessivel`,
    /// `servico_voltou`, `teste`.
    pub event: &'static str,
    pub title: String,
    pub detail: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// `sha256=<hex>` of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any size");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// Sends `alert` by every configured way; the error says which failed and why, in Portuguese.
pub async fn deliver(config: &AlertsConfig, alert: &Alert) -> Result<(), String> {
    if !config.any() {
        return Err("Nenhum webhook ou e-mail configurado.".into());
    }
    let mut errors = Vec::new();
    if !config.webhook_url.is_empty() {
        if let Err(e) = post(config, alert).await {
            errors.push(e);
        }
    }
    if !config.email.smtp_host.is_empty() {
        if let Err(e) = mail(&config.email, alert).await {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join(" "))
    }
}

/// The alert as an e-mail: STARTTLS (or TLS on port 465); unencrypted only to this machine.
async fn mail(c: &EmailConfig, alert: &Alert) -> Result<(), String> {
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
    let bad = |e: &dyn std::fmt::Display| format!("E-mail não enviado: {e}");
    let message = Message::builder()
        .from(c.from.parse().map_err(|e| bad(&e))?)
        .to(c.to.parse().map_err(|e| bad(&e))?)
        .subject(format!("[Parabéns] {}", alert.title))
        .body(format!(
            "{}\n\n{}\n\n({} · {})\n",
            alert.title,
            alert.detail,
            alert.event,
            alert.at.format("%d/%m/%Y %H:%M UTC")
        ))
        .map_err(|e| bad(&e))?;
    let builder = if crate::models::alerts::is_loopback(&c.smtp_host) {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.smtp_host)
    } else if c.smtp_port == 465 {
        AsyncSmtpTransport::<Tokio1Executor>::relay(&c.smtp_host).map_err(|e| bad(&e))?
    } else {
        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.smtp_host).map_err(|e| bad(&e))?
    };
    let mut builder = builder.port(c.smtp_port).timeout(Some(TIMEOUT));
    if !c.smtp_user.is_empty() {
        builder = builder.credentials(Credentials::new(
            c.smtp_user.clone(),
            c.password.expose_secret().to_string(),
        ));
    }
    builder
        .build()
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| bad(&e))
}

/// The alert as a signed JSON `POST`.
async fn post(config: &AlertsConfig, alert: &Alert) -> Result<(), String> {
    let body = serde_json::to_vec(alert).map_err(|e| e.to_string())?;
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        // A webhook answers where it is: a redirect could take the alert elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let res = client
        .post(&config.webhook_url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE, signature(config.secret.expose_secret(), &body))
        .body(body)
        .send()
        .await
        .map_err(|e| format!("O webhook não respondeu ({}).", super::no_answer(&e)))?;
    if !res.status().is_success() {
        return Err(format!(
            "O webhook respondeu HTTP {}.",
            res.status().as_u16()
        ));
    }
    Ok(())
}

/// Whether the alert of incident `key` was raised (by any instance).
pub async fn was_raised(db: &Db, key: &str) -> surrealdb::Result<bool> {
    let mut res = db
        .query("RETURN record::exists($id)")
        .bind(("id", RecordId::new("alert_incident", key)))
        .await?;
    Ok(res.take::<Option<bool>>(0)?.unwrap_or(false))
}

/// Raises the alert of incident `key` once: the first call (in any instance) delivers it,
/// in the background; later calls for the same incident do nothing.
pub async fn raise(db: &Db, key: &str, event: &'static str, title: &str, detail: &str) {
    let config: AlertsConfig = match setting_store::get(db, setting_store::ALERTS).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(%e, "could not read the alert settings");
            return;
        }
    };
    if !config.any() {
        return;
    }
    let first = db
        .query("CREATE $id SET event = $event, at = time::now() RETURN NONE")
        .bind(("id", RecordId::new("alert_incident", key)))
        .bind(("event", event))
        .await
        .and_then(|r| r.check().map(|_| ()))
        .is_ok();
    if !first {
        return;
    }
    let alert = Alert {
        event,
        title: title.to_string(),
        detail: detail.to_string(),
        at: chrono::Utc::now(),
    };
    tokio::spawn(async move {
        match deliver(&config, &alert).await {
            Ok(()) => tracing::info!(event = alert.event, "alert delivered"),
            Err(e) => tracing::warn!(event = alert.event, error = %e, "alert not delivered"),
        }
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_signature_is_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            super::signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
