use leptos::prelude::*;

use crate::error::AppError;
use crate::models::client::{BirthdaySelection, ClientView};
use crate::models::page::Page;

/// Clients per page of *Clientes*.
pub const PER_PAGE: usize = 50;

/// Who would be greeted on `date` (`YYYY-MM-DD`, default today in the business time zone)
/// under the saved parameters, and who would be skipped and why.
#[server(prefix = "/api", endpoint = "birthday_preview")]
pub async fn birthday_preview(date: Option<String>) -> Result<BirthdaySelection, AppError> {
    use crate::server::{clients, signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        let effective = crate::server::params::effective(&state.db, &state.config)
            .await
            .or_internal("read parameters")?;
        let day = match date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => crate::domain::dates::parse_iso(d)
                .ok_or_else(|| AppError::field("date", "Data inválida."))?,
            None => effective.today(),
        };
        let audience = effective.params.audience();
        clients::select_birthdays(&state.db, day, &audience)
            .await
            .or_internal("birthday selection")
    })
    .await
}

/// The next days' greetings under the saved parameters (the enqueue's own selection), their
/// estimated cost and the days over the channel's daily limit.
#[server(prefix = "/api", endpoint = "load_forecast")]
pub async fn load_forecast() -> Result<crate::models::forecast::Forecast, AppError> {
    use crate::server::{signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        let effective = crate::server::params::effective(&state.db, &state.config)
            .await
            .or_internal("read parameters")?;
        state
            .forecast
            .get(&state.db, &state.opa, &effective)
            .await
            .or_internal("forecast")
    })
    .await
}

/// A page of clients matching the filters, after or before a cursor (see `Page`).
#[server(prefix = "/api", endpoint = "list_clients")]
#[allow(clippy::too_many_arguments)]
pub async fn list_clients(
    text: String,
    person_type: Option<String>,
    active: Option<String>,
    usable_phone: Option<String>,
    birth_month: Option<String>,
    opted_out: Option<String>,
    after: Option<String>,
    before: Option<String>,
) -> Result<Page<ClientView>, AppError> {
    use crate::models::client::PersonType;
    use crate::models::page::Cursor;
    use crate::server::clients::{search, ClientFilter};
    use crate::server::{signed_in, OrInternal, Signed};
    fn flag(v: Option<String>, field: &str) -> Result<Option<bool>, AppError> {
        match v.as_deref().unwrap_or("") {
            "" => Ok(None),
            "S" | "sim" | "true" => Ok(Some(true)),
            "N" | "nao" | "false" => Ok(Some(false)),
            _ => Err(AppError::field(field, "Valor inválido.")),
        }
    }
    signed_in(|Signed { state, .. }| async move {
        if text.len() > 200 {
            return Err(AppError::field("text", "Busca longa demais."));
        }
        let person_type = match person_type.as_deref().unwrap_or("") {
            "" => None,
            code => Some(
                PersonType::from_ixc(code)
                    .ok_or_else(|| AppError::field("person_type", "Tipo de pessoa inválido."))?,
            ),
        };
        let birth_month = match birth_month.as_deref().unwrap_or("") {
            "" => None,
            m => match m.parse::<u32>() {
                Ok(m) if (1..=12).contains(&m) => Some(m),
                _ => return Err(AppError::field("birth_month", "Mês inválido.")),
            },
        };
        let filter = ClientFilter {
            text,
            person_type,
            active: flag(active, "active")?,
            usable_phone: flag(usable_phone, "usable_phone")?,
            birth_month,
            opted_out: flag(opted_out, "opted_out")?,
        };
        let cursor = Cursor::from_query(after, before).map_err(|m| AppError::field("cursor", m))?;
        search(&state.db, &filter, &cursor, PER_PAGE)
            .await
            .or_internal("list clients")
    })
    .await
}

/// Opts a client out of birthday greetings, or back in.
#[server(prefix = "/api", endpoint = "set_client_opt_out")]
pub async fn set_client_opt_out(external_id: String, opted_out: bool) -> Result<(), AppError> {
    use crate::server::{clients, internal, signed_in, Signed};
    signed_in(|Signed { user: me, state, .. }| async move {
        if external_id.trim().is_empty() || external_id.len() > 64 {
            return Err(AppError::field("external_id", "Cliente inválido."));
        }
        match clients::set_opt_out(&state.db, external_id.trim(), opted_out).await {
            Ok(true) => {
                tracing::info!(by = %me.username, client = %external_id, opted_out, "client opt-out changed");
                crate::server::audit::record(&state.db, &me.username, crate::models::audit::AuditAction::ClientOptOut, &format!("cliente {external_id}: {}", if opted_out { "não recebe mais" } else { "volta a receber" }), None).await;
                Ok(())
            }
            Ok(false) => Err(AppError::NotFound),
            Err(e) => Err(internal("opt out", e)),
        }
    })
    .await
}

/// Largest CSV accepted: 1,000,000 IXC rows (`csv_import::MAX_ROWS`) are about 200 MB.
pub const MAX_UPLOAD_BYTES: usize = 256 * 1024 * 1024;

/// Receives a CSV file (multipart field `file`) and starts importing it; returns the job id
/// to poll with [`client_import_status`].
#[server(prefix = "/api", endpoint = "import_clients", input = server_fn::codec::MultipartFormData)]
pub async fn import_clients(data: server_fn::codec::MultipartData) -> Result<String, AppError> {
    use crate::server::{signed_in, OrInternal, Signed};
    signed_in(
        |Signed {
             user: me, state, ..
         }| async move {
            let bad = |m: &str| AppError::field("file", m);
            let mut form = data.into_inner().ok_or_else(|| bad("Envio inválido."))?;
            let (mut name, mut bytes) = (String::new(), Vec::new());
            while let Some(mut field) = form
                .next_field()
                .await
                .map_err(|_| bad("Envio interrompido. Tente novamente."))?
            {
                if field.name() != Some("file") {
                    continue;
                }
                name = field
                    .file_name()
                    .unwrap_or("arquivo.csv")
                    .chars()
                    .take(200)
                    .collect();
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|_| bad("Envio interrompido. Tente novamente."))?
                {
                    if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                        return Err(bad("Arquivo grande demais (máximo 256 MB)."));
                    }
                    bytes.extend_from_slice(&chunk);
                }
            }
            if bytes.is_empty() {
                return Err(bad("Escolha um arquivo CSV que não esteja vazio."));
            }
            crate::server::audit::record(
                &state.db,
                &me.username,
                crate::models::audit::AuditAction::Import,
                &format!("arquivo {name}"),
                None,
            )
            .await;
            let db = state.db.clone();
            state
                .imports
                .spawn(name, me.username, move |progress| async move {
                    crate::server::imports::import_csv(&db, bytes, &progress).await
                })
                .await
                .or_internal("queue an import")
        },
    )
    .await
}

#[server(prefix = "/api", endpoint = "client_import_status")]
pub async fn client_import_status(
    job: String,
) -> Result<crate::models::client::ImportStatus, AppError> {
    use crate::server::{signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        // Ids are random base-36 keys.
        if job.is_empty() || job.len() > 32 || !job.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(AppError::NotFound);
        }
        state
            .imports
            .status(&job)
            .await
            .or_internal("read import status")?
            .ok_or(AppError::NotFound)
    })
    .await
}

/// One client, for the detail page.
#[server(prefix = "/api", endpoint = "get_client")]
pub async fn get_client(external_id: String) -> Result<ClientView, AppError> {
    use crate::server::{clients, signed_in, OrInternal, Signed};
    signed_in(|Signed { state, .. }| async move {
        let id = external_id.trim();
        if id.is_empty() || id.len() > 64 {
            return Err(AppError::NotFound);
        }
        clients::get(&state.db, id)
            .await
            .or_internal("get client")?
            .ok_or(AppError::NotFound)
    })
    .await
}
