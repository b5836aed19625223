//! The message queue: list, detail, and the admin's actions on messages.

use leptos::prelude::*;

use crate::error::AppError;
use crate::models::page::Page;
use crate::models::queue::{QueueDetail, QueueMessage};

/// Messages per page of *Fila de mensagens*.
pub const PER_PAGE: usize = 50;

#[cfg(feature = "ssr")]
fn filter(
    status: &str,
    from: &str,
    to: &str,
    client: &str,
    message_id: &str,
    code: Option<&str>,
) -> Result<crate::models::queue::QueueFilter, AppError> {
    crate::models::queue::QueueFilter::parse(
        status,
        from,
        to,
        client,
        message_id,
        code.unwrap_or(""),
    )
    .map_err(|(field, message)| AppError::field(field, message))
}

#[cfg(feature = "ssr")]
fn message_key(id: &str) -> Result<&str, AppError> {
    // Keys are `kind-year-clientid`: letters, digits and dashes.
    if id.is_empty()
        || id.len() > 128
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
    {
        return Err(AppError::NotFound);
    }
    Ok(id)
}

/// A page of the queue, newest first, after or before a cursor (see `Page`).
#[server(prefix = "/api", endpoint = "list_queue")]
#[allow(clippy::too_many_arguments)]
pub async fn list_queue(
    status: String,
    from: String,
    to: String,
    client: String,
    message_id: String,
    after: Option<String>,
    before: Option<String>,
    /// The Meta code of the last failure (absent: any).
    code: Option<String>,
) -> Result<Page<QueueMessage>, AppError> {
    use crate::models::page::Cursor;
    use crate::server::{params, queue, signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        let f = filter(&status, &from, &to, &client, &message_id, code.as_deref())?;
        let cursor = Cursor::from_query(after, before).map_err(|m| AppError::field("cursor", m))?;
        let tz = params::effective(&state.db, &state.config)
            .await
            .or_internal("read parameters")?
            .time_zone;
        let counts = || state.queue_counts.get(&state.db, &state.changes);
        queue::list(&state.db, &f, tz, &cursor, PER_PAGE, counts)
            .await
            .or_internal("list queue")
    })
    .await
}

/// One message with its attempts.
#[server(prefix = "/api", endpoint = "get_queue_message")]
pub async fn get_queue_message(id: String) -> Result<QueueDetail, AppError> {
    use crate::server::{queue, signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        queue::get(&state.db, message_key(&id)?)
            .await
            .or_internal("read queued message")?
            .ok_or(AppError::NotFound)
    })
    .await
}

/// *Reenviar agora* (`action = "retry"`) or *Cancelar* (`action = "cancel"`).
#[server(prefix = "/api", endpoint = "queue_action")]
pub async fn queue_action(id: String, action: String) -> Result<(), AppError> {
    use crate::server::{queue, signed_in, OrInternal, Signed};
    signed_in(
        |Signed {
             user: me, state, ..
         }| async move {
            let key = message_key(&id)?;
            let done = match action.as_str() {
                "retry" => queue::retry_now(&state.db, key, &me.username).await,
                "cancel" => queue::cancel(&state.db, key, &me.username).await,
                _ => return Err(AppError::field("action", "Ação inválida.")),
            }
            .or_internal("queue action")?;
            if !done {
                return Err(AppError::field(
                    "action",
                    "Só mensagens pendentes ou com erro podem ser reenviadas ou canceladas.",
                ));
            }
            tracing::info!(by = %me.username, message = key, action = %action, "queue action");
            crate::server::audit::record(
                &state.db,
                &me.username,
                crate::models::audit::AuditAction::QueueAction,
                &format!("{action}: {key}"),
                None,
            )
            .await;
            state.changes.notify();
            Ok(())
        },
    )
    .await
}

/// *Reenfileirar erros*: every message that failed (`erro`) or that Meta's marketing cap held
/// back (`limite_meta`) matching the filters — a reason among them — goes back to `pendente`.
#[server(prefix = "/api", endpoint = "requeue_failed")]
pub async fn requeue_failed(
    from: String,
    to: String,
    client: String,
    message_id: String,
    code: Option<String>,
) -> Result<usize, AppError> {
    use crate::server::{params, queue, signed_in, OrInternal, Signed};
    signed_in(
        |Signed {
             user: me, state, ..
         }| async move {
            let f = filter("", &from, &to, &client, &message_id, code.as_deref())?;
            let tz = params::effective(&state.db, &state.config)
                .await
                .or_internal("read parameters")?
                .time_zone;
            let n = queue::requeue_failed(&state.db, &f, tz, &me.username)
                .await
                .or_internal("requeue failed messages")?;
            tracing::info!(by = %me.username, requeued = n, "failed messages requeued");
            crate::server::audit::record(
                &state.db,
                &me.username,
                crate::models::audit::AuditAction::Requeue,
                &format!("{n} mensagens"),
                None,
            )
            .await;
            state.changes.notify();
            Ok(n)
        },
    )
    .await
}

/// A client's messages (client detail page).
#[server(prefix = "/api", endpoint = "client_messages")]
pub async fn client_messages(client_id: String) -> Result<Vec<QueueMessage>, AppError> {
    use crate::server::{queue, signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        crate::server::bounded("client_id", &client_id, crate::domain::limits::MAX_ID)?;
        if client_id.len() > 64 {
            return Err(AppError::NotFound);
        }
        queue::for_client(&state.db, &client_id)
            .await
            .or_internal("client messages")
    })
    .await
}
