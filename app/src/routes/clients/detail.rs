use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::clients_nav::{format_date, ClientsNav};
use crate::components::layout::PageHeader;
use crate::components::loaded::Loaded;
use crate::components::queue_status::{LastError, StatusBadge};
use crate::components::resource::{once, resource};
use crate::components::time::{format_opt, format_time, in_zone};
use crate::domain::birthday::age_on;
use crate::domain::phone::format_display;
use crate::domain::url::percent_encode;
use crate::functions::clients::{get_client, SetClientOptOut};
use crate::functions::messages::get_birthday_params;
use crate::functions::queue::client_messages;
use crate::models::queue::QueueStatus;

/// *Clientes > (cliente)*: a client's data, phone status, consent and their messages.
#[component]
pub fn ClientDetailPage() -> impl IntoView {
    let params = use_params_map();
    let opt_out = ServerAction::<SetClientOptOut>::new();
    let client = resource(
        move || {
            (
                params.with(|p| p.get("id").unwrap_or_default()),
                opt_out.version().get(),
            )
        },
        |(id, _)| get_client(id),
    );
    // Ages are counted on today's date in the business time zone, as the greetings are.
    let business = once(get_birthday_params());

    view! {
        <PageHeader title="Cliente" />
        <ClientsNav />
        <Loaded resource=client let:c>
            {
                let tz = business
                    .get()
                    .and_then(Result::ok)
                    .map(|p| p.time_zone)
                    .unwrap_or_default();
                let today = in_zone(chrono::Utc::now(), &tz).date();
                let opted = c.opted_out;
                let client_id = c.external_id.clone();
                let row = |label: &'static str, value: String| {
                    view! {
                        <div>
                            <dt>{label}</dt>
                            <dd>{value}</dd>
                        </div>
                    }
                };
                view! {
                    <section class="card">
                        <h2 data-testid="client-name">{c.name.clone()}</h2>
                        <dl class="details">
                            {row("Id no IXC", c.external_id.clone())}
                            {row(
                                "Nome fantasia",
                                if c.trade_name.is_empty() {
                                    "—".into()
                                } else {
                                    c.trade_name.clone()
                                },
                            )} {row("Tipo de pessoa", c.person_type.label().into())}
                            {row("Ativo", if c.active { "Sim".into() } else { "Não".into() })}
                            {row(
                                "Nascimento",
                                match c.birth_date.and_then(|b| age_on(b, today).map(|a| (b, a))) {
                                    Some((b, age)) => {
                                        format!("{} ({age} anos)", format_date(Some(b)))
                                    }
                                    None => format_date(c.birth_date),
                                },
                            )}
                            {row(
                                "WhatsApp para envio",
                                match (&c.phone, &c.phone_problem) {
                                    (Some(p), _) => format_display(p),
                                    (None, Some(why)) => format!("Nenhum — {why}"),
                                    _ => "—".into(),
                                },
                            )} {row("WhatsApp (cadastro)", c.whatsapp.clone())}
                            {row("Celular (cadastro)", c.mobile.clone())}
                            {row("E-mail", c.email.clone())}
                            {row("Cidade", format!("{} {}", c.city, c.state))}
                            {row("Origem", c.source.to_uppercase())}
                            {row("Última sincronização", format_opt(c.synced_at, &tz))}
                            {row(
                                "Mensagens de aniversário",
                                if opted {
                                    "Não recebe (pediu para sair)".into()
                                } else {
                                    "Recebe".into()
                                },
                            )}
                        </dl>
                        <ActionForm action=opt_out attr:class="inline-form">
                            <input type="hidden" name="external_id" value=c.external_id.clone() />
                            <input type="hidden" name="opted_out" value=(!opted).to_string() />
                            <button type="submit" class="btn btn-secondary">
                                {if opted { "Voltar a enviar" } else { "Não enviar mais" }}
                            </button>
                        </ActionForm>
                    </section>
                    <ClientMessages client_id />
                }
                    .into_any()
            }
        </Loaded>
    }
}

/// The client's messages, newest first: status, date, text and last error.
#[component]
fn ClientMessages(client_id: String) -> impl IntoView {
    let messages = resource(move || client_id.clone(), client_messages);
    let params = once(get_birthday_params());
    view! {
        <section class="card">
            <h2>"Mensagens"</h2>
            <Loaded resource=messages let:loaded>
                {match loaded {
                    list if list.is_empty() => {
                        view! { <p class="muted">"Nenhuma mensagem enviada a este cliente."</p> }
                            .into_any()
                    }
                    list => {
                        let tz = params
                            .get()
                            .and_then(Result::ok)
                            .map(|p| p.time_zone)
                            .unwrap_or_default();
                        view! {
                            <div class="table-scroll">
                                <table class="table" aria-label="Mensagens do cliente">
                                    <thead>
                                        <tr>
                                            <th>"Situação"</th>
                                            <th>"Data"</th>
                                            <th>"Texto"</th>
                                            <th>"Último erro"</th>
                                            <th></th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|m| {
                                                view! {
                                                    <tr>
                                                        <td>
                                                            <StatusBadge status=m.status />
                                                        </td>
                                                        <td class="nowrap">
                                                            {format_time(
                                                                if m.status == QueueStatus::Sent {
                                                                    m.sent_at.unwrap_or(m.created_at)
                                                                } else {
                                                                    m.created_at
                                                                },
                                                                &tz,
                                                            )}
                                                        </td>
                                                        <td class="message-text">{m.text.clone()}</td>
                                                        <td>
                                                            <LastError error=m.last_error.clone() />
                                                        </td>
                                                        <td>
                                                            <a href=format!(
                                                                "/fila/{}",
                                                                percent_encode(&m.id, b""),
                                                            )>"Detalhes"</a>
                                                        </td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                            .into_any()
                    }
                }}
            </Loaded>
        </section>
    }
}
