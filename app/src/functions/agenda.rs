use leptos::prelude::*;
use server_fn::codec::Json;

use crate::error::AppError;
use crate::models::agenda::AgendaEntry;

#[server(prefix = "/api", endpoint = "list_agenda")]
pub async fn list_agenda() -> Result<Vec<AgendaEntry>, AppError> {
    use crate::server::{agenda, signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        agenda::list(&state.db).await.or_internal("list agenda")
    })
    .await
}

/// Saves an entry after validating its schedule with the form's own parser.
#[server(prefix = "/api", endpoint = "save_agenda_entry", input = Json)]
pub async fn save_agenda_entry(entry: AgendaEntry) -> Result<String, AppError> {
    use crate::domain::schedule::parse;
    use crate::models::agenda::field_name;
    use crate::server::{agenda, signed_in, OrInternal, Signed};
    signed_in(|Signed { user: me, state, .. }| async move {
        crate::server::bounded("id", &entry.id, crate::domain::limits::MAX_ID)?;
        if let Err(errors) = parse(&entry.schedule) {
            let (field, message) = errors.into_iter().next().expect("parse errors are never empty");
            return Err(AppError::field(field_name(field), message));
        }
        let id = agenda::save(&state.db, &entry)
            .await
            .or_internal("save agenda entry")?;
        // The *Painel*'s next runs.
        state.changes.notify();
        tracing::info!(by = %me.username, entry = %id, task = entry.task.key(), "agenda entry saved");
        crate::server::audit::record(&state.db, &me.username, crate::models::audit::AuditAction::AgendaSaved, &format!("{} ({})", entry.task.label(), id), None).await;
        Ok(id)
    })
    .await
}

#[server(prefix = "/api", endpoint = "delete_agenda_entry")]
pub async fn delete_agenda_entry(id: String) -> Result<(), AppError> {
    use crate::server::{agenda, internal, signed_in, Signed};
    signed_in(
        |Signed {
             user: me, state, ..
         }| async move {
            crate::server::bounded("id", &id, crate::domain::limits::MAX_ID)?;
            match agenda::delete(&state.db, &id).await {
                Ok(true) => {
                    state.changes.notify();
                    tracing::info!(by = %me.username, entry = %id, "agenda entry deleted");
                    crate::server::audit::record(
                        &state.db,
                        &me.username,
                        crate::models::audit::AuditAction::AgendaDeleted,
                        &id,
                        None,
                    )
                    .await;
                    Ok(())
                }
                Ok(false) => Err(AppError::NotFound),
                Err(e) => Err(internal("delete agenda entry", e)),
            }
        },
    )
    .await
}
