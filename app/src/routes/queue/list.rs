//! *Fila de mensagens*: filters, the live table and the bulk re-queue.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::form::{field_error, FieldError};
use crate::components::layout::PageHeader;
use crate::components::live::live_changes;
use crate::components::pager::{summary, CursorPager, AFTER, BEFORE};
use crate::components::queue_status::{LastError, StatusBadge};
use crate::components::time::{format_opt, format_time};
use crate::domain::phone::format_display;
use crate::error::AppError;
use crate::functions::messages::list_messages;
use crate::functions::queue::{list_queue, QueueAction, RequeueFailed};
use crate::models::page::Page;
use crate::models::queue::{QueueMessage, QueueStatus, META_CODES};

use super::*;
use crate::components::resource::{once, resource, Res};

/// *Fila de mensagens*: filters kept in the URL, paging, per-message actions and the bulk
/// re-queue of failed messages. Live through the server's change stream.
#[component]
pub fn QueuePage() -> impl IntoView {
    let query = use_query_map();
    let q = move |k: &str| query.with(|m| m.get(k).unwrap_or_default());
    let changes = live_changes();
    let act = ServerAction::<QueueAction>::new();
    let requeue = ServerAction::<RequeueFailed>::new();
    let messages = once(list_messages());
    provide_context(Pressed(RwSignal::new(None)));

    // What the admin is typing, checked by the validator the server runs; follows the URL.
    let draft = RwSignal::new(KEYS.map(q));
    Effect::new(move |_| draft.set(KEYS.map(q)));
    let draft_error = Memo::new(move |_| draft.with(|d| check(d).err()));
    let requeue_value = requeue.value();
    let error = move |field: &'static str| {
        let server = field_error(requeue_value, field);
        Signal::derive(move || {
            draft_error
                .with(|e| {
                    e.as_ref()
                        .filter(|(f, _)| *f == field)
                        .map(|(_, m)| m.clone())
                })
                .or_else(|| server.get())
        })
    };
    let list = resource(
        move || {
            (
                KEYS.map(q),
                (q(AFTER), q(BEFORE)),
                changes.get(),
                act.version().get(),
                requeue.version().get(),
            )
        },
        |(values, (after, before), ..)| async move {
            check(&values).map_err(|(field, message)| AppError::field(field, message))?;
            let [status, from, to, client, message, code] = values;
            list_queue(
                status,
                from,
                to,
                client,
                message,
                Some(after),
                Some(before),
                Some(code),
            )
            .await
        },
    );

    let input =
        move |i: usize, label: &'static str, kind: &'static str, placeholder: &'static str| {
            let (key, id) = (KEYS[i], FIELDS[i]);
            let message = error(id);
            let error_id = format!("{id}-error");
            view! {
                <div class="field" class:grow=kind == "text">
                    <label for=id>{label}</label>
                    <input
                        type=kind
                        id=id
                        name=key
                        placeholder=placeholder
                        value=move || q(key)
                        aria-invalid=move || message.get().is_some().to_string()
                        aria-describedby=error_id.clone()
                        on:input=move |ev| {
                            let v = event_target_value(&ev);
                            draft.update(|d| d[i] = v);
                        }
                    />
                    <FieldError message id=error_id />
                </div>
            }
        };
    let select = move |i: usize, label: &'static str, options: Vec<(String, String)>| {
        let (key, id) = (KEYS[i], FIELDS[i]);
        let message = error(id);
        let error_id = format!("{id}-error");
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <select
                    id=id
                    name=key
                    aria-invalid=move || message.get().is_some().to_string()
                    aria-describedby=error_id.clone()
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        draft.update(|d| d[i] = v);
                    }
                >
                    {options
                        .into_iter()
                        .map(|(v, l)| {
                            let selected = v.clone();
                            view! {
                                <option value=v selected=move || q(key) == selected>
                                    {l}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <FieldError message id=error_id />
            </div>
        }
    };
    let reasons = std::iter::once((String::new(), "Todos".to_string()))
        .chain(
            META_CODES
                .iter()
                .map(|(code, label)| (code.to_string(), format!("{label} ({code})"))),
        )
        .collect::<Vec<_>>();
    let statuses = std::iter::once((String::new(), "Todas".to_string()))
        .chain(QueueStatus::ALL.map(|s| (s.key().to_string(), s.label().to_string())))
        .collect::<Vec<_>>();

    view! {
        <PageHeader
            title="Fila de mensagens"
            description="Cada mensagem com situação, tentativas e erros."
        />
        <form
            method="get"
            action="/fila"
            class="card toolbar filters"
            aria-label="Filtros"
            on:submit=move |ev| {
                if draft_error.with(Option::is_some) {
                    ev.prevent_default();
                }
            }
        >
            {select(0, "Situação", statuses)}
            {input(1, "Enfileiradas de", "date", "")}
            {input(2, "até", "date", "")}
            {input(3, "Cliente", "text", "Nome ou id")}
            <Transition fallback=|| {
                view! { <p class="muted">"Carregando mensagens…"</p> }
            }>
                {move || {
                    messages
                        .get()
                        .map(|r| match r {
                            Err(e) => {
                                view! { <p class="field-error">{e.to_string()}</p> }.into_any()
                            }
                            Ok(list) => {
                                select(
                                        4,
                                        "Mensagem",
                                        std::iter::once((String::new(), "Todas".to_string()))
                                            .chain(list.into_iter().map(|m| (m.id, m.description)))
                                            .collect(),
                                    )
                                    .into_any()
                            }
                        })
                }}
            </Transition>
            {select(5, "Motivo", reasons)}
            <button type="submit" class="btn btn-primary">
                "Filtrar"
            </button>
            <a class="btn btn-secondary" href="/fila">
                "Limpar"
            </a>
        </form>
        <RequeueForm requeue />
        <QueueResults list act />
    }
}

/// *Reenfileirar erros*: the failed messages matching the filters in the URL go back to
/// the queue.
#[component]
fn RequeueForm(requeue: ServerAction<RequeueFailed>) -> impl IntoView {
    let query = use_query_map();
    let q = move |k: &str| query.with(|m| m.get(k).unwrap_or_default());
    let requeue_value = requeue.value();
    view! {
        <section class="card toolbar requeue" aria-label="Reenfileirar erros">
            <ActionForm action=requeue attr:class="inline-form">
                <input type="hidden" name="from" value=move || q("de") />
                <input type="hidden" name="to" value=move || q("ate") />
                <input type="hidden" name="client" value=move || q("cliente") />
                <input type="hidden" name="message_id" value=move || q("mensagem") />
                <input type="hidden" name="code" value=move || q("motivo") />
                <button
                    type="submit"
                    class="btn btn-secondary"
                    disabled=move || requeue.pending().get()
                >
                    "Reenfileirar erros"
                </button>
            </ActionForm>
            <p class="muted">
                "Volta para pendente cada mensagem com erro ou barrada pelo limite da Meta que atende aos filtros de data, cliente, mensagem e motivo."
            </p>
            {move || {
                requeue_value
                    .get()
                    .map(|r| match r {
                        Ok(n) => {
                            view! {
                                <p class="alert alert-success" role="status">
                                    {if n == 1 {
                                        "1 mensagem reenfileirada.".to_string()
                                    } else {
                                        format!("{n} mensagens reenfileiradas.")
                                    }}
                                </p>
                            }
                                .into_any()
                        }
                        Err(e) if e.is_field() => ().into_any(),
                        Err(e) => {
                            view! {
                                <p class="alert alert-error" role="alert">
                                    {e.to_string()}
                                </p>
                            }
                                .into_any()
                        }
                    })
            }}
        </section>
    }
}

/// The page of the queue the filters select, with its pager.
#[component]
fn QueueResults(
    list: Res<Result<Page<QueueMessage>, AppError>>,
    act: ServerAction<QueueAction>,
) -> impl IntoView {
    let query = use_query_map();
    let q = move |k: &str| query.with(|m| m.get(k).unwrap_or_default());
    let tz = time_zone();
    view! {
        <Transition fallback=|| {
            view! { <p class="muted">"Carregando…"</p> }
        }>
            {move || {
                list.get()
                    .map(|r| match r {
                        Err(e) if e.is_field() => {
                            view! { <p class="muted">"Corrija os filtros para ver a fila."</p> }
                                .into_any()
                        }
                        Err(e) => {
                            view! {
                                <div class="alert alert-error" role="alert">
                                    {e.to_string()}
                                </div>
                            }
                                .into_any()
                        }
                        Ok(p) => {
                            let size = summary(&p, "mensagens", "encontradas");
                            let (prev, next) = (p.prev, p.next);
                            let filters = KEYS.map(|k| (k, q(k))).to_vec();
                            let tz = tz();
                            view! {
                                <section class="card">
                                    <p class="muted">{format!("{size} · horários em {tz}")}</p>
                                    {if p.items.is_empty() {
                                        view! {
                                            <p class="empty-state">
                                                "Nenhuma mensagem na fila com esses filtros."
                                            </p>
                                        }
                                            .into_any()
                                    } else {
                                        view! { <QueueTable items=p.items tz act /> }.into_any()
                                    }}
                                    <CursorPager prev next path="/fila" filters />
                                </section>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}

#[component]
fn QueueTable(
    items: Vec<QueueMessage>,
    tz: String,
    act: ServerAction<QueueAction>,
) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="table" aria-label="Mensagens na fila">
                <thead>
                    <tr>
                        <th>"Cliente"</th>
                        <th>"Telefone"</th>
                        <th>"Mensagem"</th>
                        <th>"Situação"</th>
                        <th>"Tentativas"</th>
                        <th>"Próxima tentativa / enviada em"</th>
                        <th>"Último erro / motivo"</th>
                        <th>"Ações"</th>
                    </tr>
                </thead>
                <tbody>
                    {items
                        .into_iter()
                        .map(|m| {
                            let when = match m.status {
                                QueueStatus::Sent => format_opt(m.sent_at, &tz),
                                QueueStatus::Pending => format_time(m.next_attempt_at, &tz),
                                QueueStatus::Sending => "Enviando agora".into(),
                                QueueStatus::Failed
                                | QueueStatus::Cancelled
                                | QueueStatus::Expired
                                | QueueStatus::MetaLimit => "—".into(),
                            };
                            view! {
                                <tr>
                                    <td>
                                        <a href=client_href(
                                            &m.client_id,
                                        )>{m.client_name.clone()}</a>
                                    </td>
                                    <td class="nowrap">{format_display(&m.phone)}</td>
                                    <td>{m.message_description.clone()}</td>
                                    <td>
                                        <StatusBadge status=m.status />
                                    </td>
                                    <td>{m.attempts}</td>
                                    <td class="nowrap">{when}</td>
                                    <td>
                                        <LastError error=m.last_error.clone() />
                                    </td>
                                    <td class="actions">
                                        <a href=detail_href(&m.id)>"Detalhes"</a>
                                        {actionable(m.status)
                                            .then(|| view! { <MessageActions id=m.id.clone() act /> })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// *Reenviar agora* and *Cancelar* for one message, with the answer beside them. The
/// action is the page's; the message pressed last is kept in the page's context.
#[component]
pub(super) fn MessageActions(id: String, act: ServerAction<QueueAction>) -> impl IntoView {
    let pressed = pressed_message();
    let (mine, mine2) = (id.clone(), id.clone());
    let is_mine = move || pressed.with(|p| p.as_deref() == Some(mine.as_str()));
    let form = move |action: &'static str, label: &'static str, class: &'static str| {
        let id = id.clone();
        view! {
            <ActionForm action=act attr:class="inline-form">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="action" value=action />
                <button
                    type="submit"
                    class=format!("btn {class}")
                    disabled=move || act.pending().get()
                >
                    {label}
                </button>
            </ActionForm>
        }
    };
    view! {
        <div class="row-actions" on:submit=move |_| pressed.set(Some(mine2.clone()))>
            {form("retry", "Reenviar agora", "btn-secondary")}
            {form("cancel", "Cancelar", "btn-ghost")}
        </div>
        {move || {
            is_mine()
                .then(|| act.value().get())
                .flatten()
                .and_then(Result::err)
                .map(|e| {
                    view! {
                        <p class="field-error" role="alert">
                            {e.to_string()}
                        </p>
                    }
                })
        }}
    }
}

/// The message whose action button was pressed last, shared by the rows of one page.
#[derive(Clone, Copy)]
pub(super) struct Pressed(pub(super) RwSignal<Option<String>>);

fn pressed_message() -> RwSignal<Option<String>> {
    use_context::<Pressed>()
        .map(|Pressed(p)| p)
        .unwrap_or_else(|| RwSignal::new(None))
}
