//! Omnichannel messages, the live Opa! Suite pickers, the preview's clients and the CRM
//! parameters of the birthday routine.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::domain::template::ClientFields;
use crate::error::AppError;
use crate::models::message::{MessageInput, OmniMessage, TemplateView};
use crate::models::opa::ChannelView;
use crate::models::settings::BirthdayParams;

#[cfg(feature = "ssr")]
fn external(e: crate::server::opa::OpaError) -> AppError {
    tracing::warn!(error = %e, status = ?e.status, "Opa! Suite call failed");
    AppError::External(e.to_string())
}

#[cfg(feature = "ssr")]
async fn opa(state: &crate::server::AppState) -> Result<crate::server::opa::OpaClient, AppError> {
    state
        .opa
        .client(&state.db)
        .await
        .map(|(c, _)| c)
        .map_err(external)
}

#[server(prefix = "/api", endpoint = "list_messages")]
pub async fn list_messages() -> Result<Vec<OmniMessage>, AppError> {
    use crate::server::{messages, signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        messages::list(&state.db).await.or_internal("list messages")
    })
    .await
}

#[server(prefix = "/api", endpoint = "get_message")]
pub async fn get_message(id: String) -> Result<OmniMessage, AppError> {
    use crate::server::{messages, signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        if id.is_empty() || id.len() > 64 {
            return Err(AppError::NotFound);
        }
        messages::get(&state.db, &id)
            .await
            .or_internal("get message")?
            .ok_or(AppError::NotFound)
    })
    .await
}

/// "Buscar canais": the active WhatsApp channels, live from Opa! Suite.
#[server(prefix = "/api", endpoint = "opa_channels")]
pub async fn opa_channels() -> Result<Vec<ChannelView>, AppError> {
    use crate::server::{signed_in, Signed};
    signed_in(|Signed { state, .. }| async move {
        let list = opa(&state)
            .await?
            .list_channels(&crate::server::opa::types::ChannelFilter::active_whatsapp())
            .await
            .map_err(external)?;
        Ok(list
            .into_iter()
            .filter(|c| c.is_active() && c.canal == "Whatsapp")
            .map(|c| ChannelView {
                active: true,
                id: c.id,
                name: c.nome,
                kind: c.canal,
            })
            .collect())
    })
    .await
}

/// "Buscar template": the templates of a channel, live from Opa! Suite.
#[server(prefix = "/api", endpoint = "opa_templates")]
pub async fn opa_templates(channel_id: String) -> Result<Vec<TemplateView>, AppError> {
    use crate::server::{signed_in, Signed};
    signed_in(|Signed { state, .. }| async move {
        crate::server::bounded("channel_id", &channel_id, crate::domain::limits::MAX_ID)?;
        if channel_id.trim().is_empty() {
            return Err(AppError::field("channel_id", "Escolha primeiro o canal."));
        }
        let list = opa(&state)
            .await?
            .channel_templates(channel_id.trim())
            .await
            .map_err(external)?;
        Ok(list
            .into_iter()
            .map(|t| {
                let data = t.data();
                TemplateView {
                    id: t.id,
                    name: if data.element_name.is_empty() {
                        t.atalho
                    } else {
                        data.element_name
                    },
                    text: t.texto,
                    language: data.idioma,
                    category: data.category,
                }
            })
            .collect())
    })
    .await
}

/// Saves a message after checking, at the provider, that its channel is an active WhatsApp
/// channel and its template still exists, and that every placeholder has a variable.
#[server(prefix = "/api", endpoint = "save_message", input = Json)]
pub async fn save_message(input: MessageInput) -> Result<String, AppError> {
    use crate::domain::template::Variable;
    use crate::server::{messages, signed_in, OrInternal, Signed};
    signed_in(
        |Signed {
             user: me, state, ..
         }| async move {
            input.validate()?;
            let description = input.description.trim().to_string();
            let opa = opa(&state).await?;
            let channel =
                opa.channel(input.channel_id.trim())
                    .await
                    .map_err(|e| match e.status {
                        // Unknown to Opa! Suite, or not even an id it could know.
                        Some(404) | None if !e.is_retryable() => {
                            AppError::field("channel_id", "Canal não encontrado no Opa! Suite.")
                        }
                        _ => external(e),
                    })?;
            if !channel.is_active() {
                return Err(AppError::field(
                    "channel_id",
                    "Este canal está inativo no Opa! Suite.",
                ));
            }
            if channel.canal != "Whatsapp" {
                return Err(AppError::field(
                    "channel_id",
                    "Escolha um canal de WhatsApp.",
                ));
            }
            let template = opa
                .channel_templates(&channel.id)
                .await
                .map_err(external)?
                .into_iter()
                .find(|t| t.id == input.template_id)
                .ok_or_else(|| {
                    AppError::field(
                        "template_id",
                        "Este template não existe mais no Opa! Suite.",
                    )
                })?;
            input.check_variables(&template.texto)?;
            let variables: Vec<Variable> = input.variables.into_iter().flatten().collect();
            let data = template.data();
            let id = messages::save(
                &state.db,
                &OmniMessage {
                    id: input.id.trim().to_string(),
                    kind: "WhatsApp".into(),
                    description,
                    channel_id: channel.id,
                    channel_name: channel.nome,
                    template_id: template.id,
                    template_name: if data.element_name.is_empty() {
                        template.atalho
                    } else {
                        data.element_name
                    },
                    template_text: template.texto,
                    variables,
                    updated_at: chrono::Utc::now(),
                },
            )
            .await
            .or_internal("save message")?;
            tracing::info!(by = %me.username, message = %id, "omnichannel message saved");
            crate::server::audit::record(
                &state.db,
                &me.username,
                crate::models::audit::AuditAction::MessageSaved,
                &id,
                None,
            )
            .await;
            Ok(id)
        },
    )
    .await
}

/// Deletes a message, unless it is the birthday message of the parameters.
#[server(prefix = "/api", endpoint = "delete_message")]
pub async fn delete_message(id: String) -> Result<(), AppError> {
    use crate::server::{internal, messages, params, signed_in, OrInternal, Signed};
    signed_in(|Signed { user: me, state, .. }| async move {
        crate::server::bounded("id", &id, crate::domain::limits::MAX_ID)?;
        let p = params::effective(&state.db, &state.config)
            .await
            .or_internal("read parameters")?;
        if p.params.message_id.as_deref() == Some(id.as_str()) {
            return Err(AppError::field(
                "delete",
                "Esta é a mensagem de aniversário dos Parâmetros; escolha outra lá antes de excluí-la.",
            ));
        }
        match messages::delete(&state.db, &id).await {
            Ok(true) => {
                tracing::info!(by = %me.username, message = %id, "omnichannel message deleted");
                crate::server::audit::record(&state.db, &me.username, crate::models::audit::AuditAction::MessageDeleted, &id, None).await;
                Ok(())
            }
            Ok(false) => Err(AppError::NotFound),
            Err(e) => Err(internal("delete message", e)),
        }
    })
    .await
}

/// Clients to preview a message with: (external id, name, fields).
#[server(prefix = "/api", endpoint = "preview_clients")]
pub async fn preview_clients(
    text: String,
) -> Result<Vec<(String, String, ClientFields)>, AppError> {
    use crate::server::clients::{search, ClientFilter};
    use crate::server::{signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        if text.len() > 100 {
            return Err(AppError::field("text", "Busca longa demais."));
        }
        let filter = ClientFilter {
            text,
            ..Default::default()
        };
        let first = crate::models::page::Cursor::First;
        let page = search(&state.db, &filter, &first, 10)
            .await
            .or_internal("preview clients")?;
        Ok(page
            .items
            .iter()
            .map(|c| (c.external_id.clone(), c.name.clone(), ClientFields::from(c)))
            .collect())
    })
    .await
}

#[server(prefix = "/api", endpoint = "get_birthday_params")]
pub async fn get_birthday_params() -> Result<BirthdayParams, AppError> {
    use crate::server::{params, signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        Ok(params::effective(&state.db, &state.config)
            .await
            .or_internal("read parameters")?
            .params)
    })
    .await
}

#[server(prefix = "/api", endpoint = "save_birthday_params", input = Json)]
pub async fn save_birthday_params(params: BirthdayParams) -> Result<(), AppError> {
    use crate::server::{messages, setting_store, signed_in, OrInternal, Signed};
    signed_in(
        |Signed {
             user: me, state, ..
         }| async move {
            if let Some((field, message)) = params.validate().into_iter().next() {
                return Err(AppError::field(field, message));
            }
            if let Some(id) = &params.message_id {
                let exists = messages::get(&state.db, id)
                    .await
                    .or_internal("read message")?
                    .is_some();
                if !exists {
                    return Err(AppError::field("message_id", "Mensagem não encontrada."));
                }
            }
            setting_store::put(&state.db, setting_store::BIRTHDAY_PARAMS, &params)
                .await
                .or_internal("save parameters")?;
            tracing::info!(by = %me.username, ?params, "birthday parameters saved");
            crate::server::audit::record(
                &state.db,
                &me.username,
                crate::models::audit::AuditAction::ParamsSaved,
                &format!(
                    "mensagem {}, {} por minuto, das {}h às {}h",
                    params.message_id.as_deref().unwrap_or("nenhuma"),
                    params.per_minute,
                    params.window_from,
                    params.window_to
                ),
                None,
            )
            .await;
            Ok(())
        },
    )
    .await
}

/// "Enviar teste": sends the birthday message as `client` would get it, to `phone`; the
/// provider's message id and the text sent.
#[server(prefix = "/api", endpoint = "send_test_message")]
pub async fn send_test_message(
    client_id: String,
    phone: String,
) -> Result<(String, String), AppError> {
    use crate::domain::phone::normalize;
    use crate::domain::template::{render_text, render_variables, sample_client};
    use crate::server::{clients, messages, params, signed_in, OrInternal, Signed};
    signed_in(
        |Signed {
             user: me, state, ..
         }| async move {
            crate::server::bounded("client_id", &client_id, crate::domain::limits::MAX_ID)?;
            crate::server::bounded("phone", &phone, crate::domain::limits::MAX_ID)?;
            let phone = normalize(&phone).map_err(|why| AppError::field("phone", why.message()))?;
            let p = params::effective(&state.db, &state.config)
                .await
                .or_internal("read parameters")?;
            let message_id = p.params.message_id.clone().ok_or_else(|| {
                AppError::field(
                    "message_id",
                    "Escolha e salve a mensagem omnichannel primeiro.",
                )
            })?;
            let message = messages::get(&state.db, &message_id)
                .await
                .or_internal("read message")?
                .ok_or_else(|| AppError::field("message_id", "Mensagem não encontrada."))?;
            let fields = match client_id.trim() {
                "" => sample_client(),
                id => ClientFields::from(
                    &clients::get(&state.db, id)
                        .await
                        .or_internal("read client")?
                        .ok_or_else(|| AppError::field("client_id", "Cliente não encontrado."))?,
                ),
            };
            let today = p.today();
            let values = render_variables(&message.variables, &fields, today);
            if values.iter().any(Option::is_none) {
                return Err(AppError::field(
                    "client_id",
                    "Este cliente não tem todos os dados que o template usa.",
                ));
            }
            let text = render_text(&message.template_text, &values);
            let sent = opa(&state)
                .await?
                .send(
                    &phone,
                    &message.channel_id,
                    &message.template_id,
                    values.into_iter().flatten().collect(),
                    Some(serde_json::json!({ "origem": "parabens-teste" })),
                )
                .await
                .map_err(external)?;
            tracing::info!(by = %me.username, provider_id = %sent, "test message sent");
            Ok((sent, text))
        },
    )
    .await
}
