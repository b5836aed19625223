use leptos::prelude::*;

use crate::error::AppError;
use crate::models::settings::IxcSettingsView;

#[cfg(feature = "ssr")]
async fn ixc_config() -> Result<crate::server::ixc::IxcConfig, AppError> {
    use crate::server::{internal, settings, state::app_state};
    settings::get(&app_state()?.db, settings::IXC)
        .await
        .map_err(|e| internal("read IXC settings", e))
}

#[cfg(feature = "ssr")]
fn ixc_client(
    config: crate::server::ixc::IxcConfig,
) -> Result<crate::server::ixc::IxcClient, AppError> {
    crate::server::ixc::IxcClient::new(config).map_err(|e| AppError::External(e.to_string()))
}

/// The IXC connection, without its token.
#[server(prefix = "/api", endpoint = "ixc_settings")]
pub async fn ixc_settings() -> Result<IxcSettingsView, AppError> {
    use crate::server::{finish, session};
    finish(
        async {
            session::require_admin().await?;
            let c = ixc_config().await?;
            Ok(IxcSettingsView {
                url: c.url,
                user_id: c.user_id,
                token_set: !c.token.is_empty(),
            })
        }
        .await,
    )
}

/// Saves the IXC connection. An empty `token` keeps the stored one (it is write-only).
#[server(prefix = "/api", endpoint = "save_ixc_settings")]
pub async fn save_ixc_settings(
    url: String,
    user_id: String,
    token: String,
) -> Result<(), AppError> {
    use crate::domain::url::validate_base_url;
    use crate::server::{finish, internal, session, settings, state::app_state};
    finish(
        async {
            let me = session::require_admin().await?;
            let url = url.trim().trim_end_matches('/').to_string();
            validate_base_url(&url).map_err(|m| AppError::field("url", m))?;
            let user_id = user_id.trim().to_string();
            if user_id.is_empty()
                || user_id.len() > 10
                || !user_id.chars().all(|c| c.is_ascii_digit())
            {
                return Err(AppError::field(
                    "user_id",
                    "Informe o id numérico do usuário do webservice.",
                ));
            }
            let mut config = ixc_config().await?;
            let token = token.trim();
            if token.is_empty() && config.token.is_empty() {
                return Err(AppError::field("token", "Informe o token do webservice."));
            }
            if token.len() > 200 {
                return Err(AppError::field("token", "Token longo demais."));
            }
            if !token.is_empty() {
                config.token = token.to_string();
            }
            config.url = url;
            config.user_id = user_id;
            settings::put(&app_state()?.db, settings::IXC, &config)
                .await
                .map_err(|e| internal("save IXC settings", e))?;
            tracing::info!(by = %me.username, url = %config.url, "IXC settings saved");
            Ok(())
        }
        .await,
    )
}

/// "Testar conexão": how many clients IXC reports, or the exact error.
#[server(prefix = "/api", endpoint = "test_ixc_connection")]
pub async fn test_ixc_connection() -> Result<usize, AppError> {
    use crate::server::{finish, session};
    finish(
        async {
            session::require_admin().await?;
            let ixc = ixc_client(ixc_config().await?)?;
            ixc.count().await.map_err(|e| {
                tracing::warn!(error = %e, "IXC connection test failed");
                AppError::External(e.to_string())
            })
        }
        .await,
    )
}

/// "Sincronizar agora": starts a sync; poll it with `client_import_status`.
#[server(prefix = "/api", endpoint = "sync_ixc_now")]
pub async fn sync_ixc_now() -> Result<u64, AppError> {
    use crate::server::{finish, imports, session, state::app_state};
    finish(
        async {
            let me = session::require_admin().await?;
            let state = app_state()?;
            let ixc = ixc_client(ixc_config().await?)?;
            let db = state.db.clone();
            Ok(state
                .imports
                .spawn("IXC".into(), me.username, move |progress| async move {
                    imports::sync_ixc(&db, &ixc, &progress).await
                }))
        }
        .await,
    )
}
