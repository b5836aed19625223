//! *Enviar OmniChannel Clientes Aniversariantes*: today's birthday greetings into the queue.

use chrono::Datelike;

use super::TaskContext;
use super::{RunReport, TaskError};
use crate::domain::template::{render_text, render_variables, ClientFields};
use crate::models::queue::count;
use crate::server::queue::{self, NewMessage};
use crate::server::{clients, messages, params};

/// Rows per enqueue transaction.
const BATCH: usize = 200;

/// The enqueue task for today's birthdays (business date).
pub async fn run(state: &TaskContext, run_id: &str) -> Result<RunReport, TaskError> {
    run_on(state, run_id, None).await
}

/// The enqueue task for the birthdays of `day` (a business date).
pub async fn run_for_day(
    state: &TaskContext,
    run_id: &str,
    day: chrono::NaiveDate,
) -> Result<RunReport, TaskError> {
    run_on(state, run_id, Some(day)).await
}

async fn run_on(
    state: &TaskContext,
    run_id: &str,
    day: Option<chrono::NaiveDate>,
) -> Result<RunReport, TaskError> {
    let db = &state.db;
    let effective = params::effective(db, &state.config)
        .await
        .map_err(TaskError::db)?;
    let today = day.unwrap_or_else(|| effective.today());
    let p = effective.params;
    let message_id = p.message_id.clone().ok_or_else(|| {
        TaskError::Final("Nenhuma mensagem de aniversário escolhida em Parâmetros.".into())
    })?;
    let message = messages::get(db, &message_id)
        .await
        .map_err(TaskError::db)?
        .ok_or_else(|| {
            TaskError::Final("A mensagem escolhida em Parâmetros não existe mais.".into())
        })?;
    let selection = clients::select_birthdays(db, today, &p.audience())
        .await
        .map_err(TaskError::db)?;

    let mut report = RunReport::default();
    let c = &mut report.counts;
    c.add(
        count::FOUND,
        (selection.greeted.len() + selection.skipped.len()) as u64,
    );
    c.add(count::ENQUEUED, 0);
    for (_, reason) in &selection.skipped {
        c.add(&format!("ignorados: {}", reason.label()), 1);
    }
    let mut batch = Vec::new();
    for client in &selection.greeted {
        let values = render_variables(&message.variables, &ClientFields::from(client), today);
        if values.iter().any(Option::is_none) {
            c.add("ignorados: variável da mensagem sem valor no cadastro", 1);
            tracing::warn!(client = %client.external_id, "birthday greeting skipped: a variable has no value");
            continue;
        }
        let Some(phone) = client.phone.clone() else {
            continue; // the selection already skipped clients without a phone
        };
        let text = render_text(&message.template_text, &values);
        batch.push(NewMessage {
            client_id: client.external_id.clone(),
            client_name: client.name.clone(),
            phone,
            year: today.year(),
            day: today,
            message_id: message.id.clone(),
            message_description: message.description.clone(),
            channel_id: message.channel_id.clone(),
            template_id: message.template_id.clone(),
            variables: values.into_iter().flatten().collect(),
            text,
        });
    }
    let mut enqueued = 0;
    for chunk in batch.chunks(BATCH) {
        let done = enqueue_with_retry(state, run_id, chunk).await?;
        enqueued += done;
        if chunk.len() > done {
            // Another run (or instance) enqueued them between selection and now.
            c.add("ignorados: já na fila", (chunk.len() - done) as u64);
        }
        state.changes.notify();
    }
    c.add(count::ENQUEUED, enqueued as u64);
    report.note = Some(format!("Aniversariantes de {}", today.format("%d/%m/%Y")));
    tracing::info!(run = run_id, day = %today, enqueued, "birthday greetings enqueued");
    Ok(report)
}

/// A transaction that conflicts with another instance's is simply tried again: the
/// one-greeting check inside it makes the retry safe.
async fn enqueue_with_retry(
    state: &TaskContext,
    run_id: &str,
    chunk: &[NewMessage],
) -> Result<usize, TaskError> {
    crate::server::db::retrying(3, "enqueue batch", || {
        queue::enqueue(&state.db, run_id, chunk)
    })
    .await
    .map(|ids| ids.len())
    .map_err(TaskError::db)
}
