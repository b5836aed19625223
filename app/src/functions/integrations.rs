use leptos::prelude::*;

use crate::error::AppError;
use crate::models::settings::IxcSettingsView;

#[cfg(feature = "ssr")]
async fn ixc_config(db: &crate::server::db::Db) -> Result<crate::server::ixc::IxcConfig, AppError> {
    use crate::server::{setting_store, OrInternal};
    setting_store::get(db, setting_store::IXC)
        .await
        .or_internal("read IXC settings")
}

#[cfg(feature = "ssr")]
fn ixc_client(
    config: crate::server::ixc::IxcConfig,
    db: &crate::server::db::Db,
) -> Result<crate::server::ixc::IxcClient, AppError> {
    crate::server::ixc::IxcClient::new(config)
        .map(|c| c.watched(db.clone()))
        .map_err(|e| AppError::External(e.to_string()))
}

/// The IXC connection, without its token.
#[server(prefix = "/api", endpoint = "ixc_settings")]
pub async fn ixc_settings() -> Result<IxcSettingsView, AppError> {
    use crate::server::{signed_in, Signed};
    signed_in(|Signed { state, .. }| async move {
        let c = ixc_config(&state.db).await?;
        Ok(IxcSettingsView {
            url: c.url,
            user_id: c.user_id,
            token_set: crate::server::secret::is_set(&c.token),
        })
    })
    .await
}

/// Saves the IXC connection. An empty `token` keeps the stored one (it is write-only).
#[server(prefix = "/api", endpoint = "save_ixc_settings")]
pub async fn save_ixc_settings(
    url: String,
    user_id: String,
    token: String,
) -> Result<(), AppError> {
    use crate::domain::url::keep_token_error;
    use crate::models::settings::IxcInput;
    use crate::server::{setting_store, signed_in, OrInternal, Signed};
    signed_in(
        |Signed {
             user: me, state, ..
         }| async move {
            let input = IxcInput::new(&url, &user_id, &token);
            input.validate()?;
            let mut config = ixc_config(&state.db).await?;
            if input.token.is_empty() {
                if let Some(m) = keep_token_error(
                    &config.url,
                    crate::server::secret::is_set(&config.token),
                    &input.url,
                ) {
                    return Err(AppError::field("token", m));
                }
            } else {
                config.token = input.token.into();
            }
            config.url = input.url;
            config.user_id = input.user_id;
            setting_store::put(&state.db, setting_store::IXC, &config)
                .await
                .or_internal("save IXC settings")?;
            tracing::info!(by = %me.username, url = %config.url, "IXC settings saved");
            crate::server::audit::record(
                &state.db,
                &me.username,
                crate::models::audit::AuditAction::IntegrationSaved,
                &format!("IXC: {}", config.url),
                None,
            )
            .await;
            Ok(())
        },
    )
    .await
}

/// "Testar conexão": how many clients IXC reports, or the exact error.
#[server(prefix = "/api", endpoint = "test_ixc_connection")]
pub async fn test_ixc_connection() -> Result<usize, AppError> {
    use crate::server::{signed_in, Signed};
    signed_in(|Signed { state, .. }| async move {
        let ixc = ixc_client(ixc_config(&state.db).await?, &state.db)?;
        ixc.count().await.map_err(|e| {
            tracing::warn!(error = %e, "IXC connection test failed");
            AppError::External(e.to_string())
        })
    })
    .await
}

/// "Sincronizar agora": starts a sync; poll it with `client_import_status`.
#[server(prefix = "/api", endpoint = "sync_ixc_now")]
pub async fn sync_ixc_now() -> Result<String, AppError> {
    use crate::server::{imports, signed_in, OrInternal, Signed};
    signed_in(
        |Signed {
             user: me, state, ..
         }| async move {
            let ixc = ixc_client(ixc_config(&state.db).await?, &state.db)?;
            crate::server::audit::record(
                &state.db,
                &me.username,
                crate::models::audit::AuditAction::Import,
                "sincronização IXC",
                None,
            )
            .await;
            let db = state.db.clone();
            state
                .imports
                .spawn("IXC".into(), me.username, move |progress| async move {
                    imports::sync_ixc(&db, &ixc, &progress).await
                })
                .await
                .or_internal("queue an IXC sync")
        },
    )
    .await
}

/// The Opa! Suite connection in force, without its token.
#[server(prefix = "/api", endpoint = "opa_settings")]
pub async fn opa_settings() -> Result<crate::models::opa::OpaSettingsView, AppError> {
    use crate::server::opa::connection::{OpaConfig, OpaSource};
    use crate::server::{setting_store, signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        let saved: OpaConfig = setting_store::get(&state.db, setting_store::OPA)
            .await
            .or_internal("read Opa settings")?;
        let (effective, source) = state
            .opa
            .resolve(&state.db)
            .await
            .or_internal("resolve Opa settings")?;
        Ok(crate::models::opa::OpaSettingsView {
            url: saved.url,
            token_set: crate::server::secret::is_set(&saved.token),
            env_overrides: source == OpaSource::Environment,
            effective_url: effective.url,
            sandbox: source == OpaSource::Sandbox,
        })
    })
    .await
}

/// Saves the Opa! Suite base URL and token (write-only: empty keeps the saved one). An empty
/// URL goes back to the built-in sandbox.
#[server(prefix = "/api", endpoint = "save_opa_settings")]
pub async fn save_opa_settings(url: String, token: String) -> Result<(), AppError> {
    use crate::domain::url::keep_token_error;
    use crate::models::settings::OpaInput;
    use crate::server::opa::connection::OpaConfig;
    use crate::server::{setting_store, signed_in, OrInternal, Signed};
    signed_in(
        |Signed {
             user: me, state, ..
         }| async move {
            let input = OpaInput::new(&url, &token);
            input.validate()?;
            let mut config: OpaConfig = setting_store::get(&state.db, setting_store::OPA)
                .await
                .or_internal("read Opa settings")?;
            if input.url.is_empty() {
                config = OpaConfig::default();
            } else {
                if input.token.is_empty() {
                    if let Some(m) = keep_token_error(
                        &config.url,
                        crate::server::secret::is_set(&config.token),
                        &input.url,
                    ) {
                        return Err(AppError::field("token", m));
                    }
                } else {
                    config.token = input.token.into();
                }
                config.url = input.url;
            }
            setting_store::put(&state.db, setting_store::OPA, &config)
                .await
                .or_internal("save Opa settings")?;
            tracing::info!(by = %me.username, url = %config.url, "Opa! Suite settings saved");
            crate::server::audit::record(
                &state.db,
                &me.username,
                crate::models::audit::AuditAction::IntegrationSaved,
                &format!("Opa! Suite: {}", config.url),
                None,
            )
            .await;
            Ok(())
        },
    )
    .await
}

/// "Testar conexão": the channels the Opa! Suite in force lists, or its exact error.
#[server(prefix = "/api", endpoint = "test_opa_connection")]
pub async fn test_opa_connection() -> Result<Vec<crate::models::opa::ChannelView>, AppError> {
    use crate::server::opa::types::ChannelFilter;
    use crate::server::{signed_in, Signed};
    signed_in(|Signed { state, .. }| async move {
        let external = |e: crate::server::opa::OpaError| {
            tracing::warn!(error = %e, status = ?e.status, "Opa! Suite connection test failed");
            AppError::External(e.to_string())
        };
        let (opa, _) = state.opa.client(&state.db).await.map_err(external)?;
        // Opa! Suite refuses a listing without a filter: active ones, then inactive ones.
        let mut channels = Vec::new();
        for active in [true, false] {
            channels.extend(
                opa.list_channels(&ChannelFilter::by_status(active))
                    .await
                    .map_err(external)?,
            );
        }
        Ok(channels
            .into_iter()
            .map(|c| crate::models::opa::ChannelView {
                active: c.is_active(),
                id: c.id,
                name: c.nome,
                kind: c.canal,
            })
            .collect())
    })
    .await
}

/// Whether messages currently go to the built-in sandbox (every page says so).
#[server(prefix = "/api", endpoint = "opa_uses_sandbox")]
pub async fn opa_uses_sandbox() -> Result<bool, AppError> {
    use crate::server::opa::connection::OpaSource;
    use crate::server::{signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        let (_, source) = state
            .opa
            .resolve(&state.db)
            .await
            .or_internal("resolve Opa settings")?;
        Ok(source == OpaSource::Sandbox)
    })
    .await
}

/// Messages per page of *Caixa de saída do sandbox*.
pub const OUTBOX_PAGE: usize = 50;

/// *Caixa de saída do sandbox*: page `page` of what the sandbox kept, newest first.
#[server(prefix = "/api", endpoint = "sandbox_outbox")]
pub async fn sandbox_outbox(page: usize) -> Result<crate::models::opa::OutboxPage, AppError> {
    use crate::server::{signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        let (items, total) = state.opa.sandbox.inbox_page(page, OUTBOX_PAGE);
        let tz = crate::server::params::effective(&state.db, &state.config)
            .await
            .or_internal("read parameters")?
            .time_zone;
        Ok(crate::models::opa::OutboxPage {
            items: items
                .into_iter()
                .map(|m| crate::models::opa::OutboxMessage {
                    id: m.id,
                    at: m.at,
                    phone: m.phone,
                    channel: m.channel,
                    text: m.text,
                })
                .collect(),
            total,
            time_zone: tz.name().to_string(),
        })
    })
    .await
}

/// *Integrações > Alertas* as saved (never the secret).
#[server(prefix = "/api", endpoint = "get_alerts_settings")]
pub async fn get_alerts_settings() -> Result<crate::models::alerts::AlertsView, AppError> {
    use crate::server::alerts::AlertsConfig;
    use crate::server::{setting_store, signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        let c: AlertsConfig = setting_store::get(&state.db, setting_store::ALERTS)
            .await
            .or_internal("read alert settings")?;
        Ok(crate::models::alerts::AlertsView {
            webhook_url: c.webhook_url,
            secret_set: crate::server::secret::is_set(&c.secret),
            threshold: c.threshold,
            unreachable_minutes: c.unreachable_minutes,
            smtp_host: c.email.smtp_host,
            smtp_port: c.email.smtp_port,
            smtp_user: c.email.smtp_user,
            password_set: crate::server::secret::is_set(&c.email.password),
            from: c.email.from,
            to: c.email.to,
        })
    })
    .await
}

/// Saves *Integrações > Alertas*. An empty `secret` (or SMTP `password`) keeps the saved one,
/// for the same URL (or mail server) only: a saved secret never goes to another host.
#[server(prefix = "/api", endpoint = "save_alerts_settings")]
#[allow(clippy::too_many_arguments)]
pub async fn save_alerts_settings(
    webhook_url: String,
    secret: String,
    threshold: String,
    unreachable_minutes: Option<String>,
    smtp_host: Option<String>,
    smtp_port: Option<String>,
    smtp_user: Option<String>,
    password: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> Result<(), AppError> {
    use crate::domain::url::keep_token_error;
    use crate::models::alerts::{AlertsInput, EmailInput};
    use crate::server::alerts::AlertsConfig;
    use crate::server::{setting_store, signed_in, OrInternal, Signed};
    signed_in(
        |Signed {
             user: me, state, ..
         }| async move {
            let threshold: u32 = threshold
                .trim()
                .parse()
                .map_err(|_| AppError::field("threshold", "Informe um número de erros."))?;
            let minutes = match unreachable_minutes.as_deref().map(str::trim).unwrap_or("") {
                "" => crate::models::alerts::DEFAULT_UNREACHABLE_MINUTES,
                m => m.parse().map_err(|_| {
                    AppError::field("unreachable_minutes", "Informe um número de minutos.")
                })?,
            };
            let port = match smtp_port.as_deref().map(str::trim).unwrap_or("") {
                "" => 587,
                p => p
                    .parse()
                    .map_err(|_| AppError::field("smtp_port", "Porta entre 1 e 65535."))?,
            };
            let email = EmailInput {
                smtp_host: smtp_host.unwrap_or_default(),
                smtp_port: port,
                smtp_user: smtp_user.unwrap_or_default(),
                password: password.unwrap_or_default(),
                from: from.unwrap_or_default(),
                to: to.unwrap_or_default(),
            };
            let input = AlertsInput::new(&webhook_url, &secret, threshold, minutes, email);
            input.validate()?;
            let mut config: AlertsConfig = setting_store::get(&state.db, setting_store::ALERTS)
                .await
                .or_internal("read alert settings")?;
            if input.webhook_url.is_empty() {
                config.secret = Default::default();
            } else if input.secret.is_empty() {
                if let Some(m) = keep_token_error(
                    &config.webhook_url,
                    crate::server::secret::is_set(&config.secret),
                    &input.webhook_url,
                ) {
                    return Err(AppError::field("secret", m));
                }
            } else {
                config.secret = input.secret.into();
            }
            config.webhook_url = input.webhook_url;
            config.threshold = input.threshold;
            config.unreachable_minutes = input.unreachable_minutes;
            let e = input.email;
            if e.password.is_empty() {
                let saved = crate::server::secret::is_set(&config.email.password);
                if saved && config.email.smtp_host != e.smtp_host {
                    return Err(AppError::field(
                        "password",
                        "O servidor SMTP mudou: informe a senha de novo.",
                    ));
                }
            } else {
                config.email.password = e.password.into();
            }
            config.email.smtp_host = e.smtp_host;
            config.email.smtp_port = e.smtp_port;
            config.email.smtp_user = e.smtp_user;
            config.email.from = e.from;
            config.email.to = e.to;
            setting_store::put(&state.db, setting_store::ALERTS, &config)
                .await
                .or_internal("save alert settings")?;
            tracing::info!(by = %me.username, url = %config.webhook_url, "alert settings saved");
            crate::server::audit::record(
                &state.db,
                &me.username,
                crate::models::audit::AuditAction::IntegrationSaved,
                &format!("Alertas: {}", config.webhook_url),
                None,
            )
            .await;
            Ok(())
        },
    )
    .await
}

/// *Enviar alerta de teste*: a test alert to the saved webhook, now; the error says why not.
#[server(prefix = "/api", endpoint = "send_test_alert")]
pub async fn send_test_alert() -> Result<(), AppError> {
    use crate::server::alerts::{deliver, Alert, AlertsConfig};
    use crate::server::{setting_store, signed_in, OrInternal, Signed};
    signed_in(
        |Signed {
             user: me, state, ..
         }| async move {
            let config: AlertsConfig = setting_store::get(&state.db, setting_store::ALERTS)
                .await
                .or_internal("read alert settings")?;
            let alert = Alert {
                event: "teste",
                title: "Alerta de teste do Parabéns".into(),
                detail: format!("Enviado por {} em Integrações > Alertas.", me.username),
                at: chrono::Utc::now(),
            };
            deliver(&config, &alert)
                .await
                .map_err(|m| AppError::field("webhook_url", m))
        },
    )
    .await
}
