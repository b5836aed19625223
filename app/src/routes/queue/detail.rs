//! One queued message with its attempts.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::layout::PageHeader;
use crate::components::live::live_changes;
use crate::components::loaded::Loaded;
use crate::components::queue_status::StatusBadge;
use crate::components::time::{format_opt, format_time};
use crate::domain::phone::format_display;
use crate::functions::queue::{get_queue_message, QueueAction};

use super::list::{MessageActions, Pressed};
use super::*;
use crate::components::resource::resource;

/// *Fila de mensagens > (mensagem)*: the rendered text, every attempt and the actions.
#[component]
pub fn QueueDetailPage() -> impl IntoView {
    let params = use_params_map();
    let changes = live_changes();
    let act = ServerAction::<QueueAction>::new();
    // Provided here, so the pressed button outlives the refetches that redraw the actions.
    provide_context(Pressed(RwSignal::new(None)));
    let tz = time_zone();
    let detail = resource(
        move || {
            (
                params.with(|p| p.get("id").unwrap_or_default()),
                changes.get(),
                act.version().get(),
            )
        },
        |(id, ..)| get_queue_message(id),
    );

    view! {
        <PageHeader title="Mensagem da fila" />
        <p>
            <a href="/fila">"← Fila de mensagens"</a>
        </p>
        <Loaded resource=detail let:d>
            {
                let tz = tz();
                let m = d.message;
                let row = |label: &'static str, value: String| {
                    view! {
                        <div>
                            <dt>{label}</dt>
                            <dd>{value}</dd>
                        </div>
                    }
                };
                view! {
                    <section class="card" aria-label="Mensagem">
                        <h2>
                            <a href=client_href(&m.client_id)>{m.client_name.clone()}</a>
                            " "
                            <StatusBadge status=m.status />
                        </h2>
                        <dl class="details">
                            {row("Telefone", format_display(&m.phone))}
                            {row("Mensagem", m.message_description.clone())}
                            {row("Tentativas", m.attempts.to_string())}
                            {row("Enfileirada em", format_time(m.created_at, &tz))}
                            {row(
                                "Próxima tentativa",
                                if actionable(m.status) {
                                    format_time(m.next_attempt_at, &tz)
                                } else {
                                    "—".into()
                                },
                            )} {row("Enviada em", format_opt(m.sent_at, &tz))}
                            {row(
                                "Id no Opa! Suite",
                                m.provider_id.clone().unwrap_or_else(|| "—".into()),
                            )}
                            {row(
                                "Último erro",
                                m.last_error.clone().unwrap_or_else(|| "—".into()),
                            )}
                        </dl>
                        <h3>"Texto enviado"</h3>
                        <div class="bubble" data-testid="queue-text">
                            {m.text.clone()}
                        </div>
                        {actionable(m.status)
                            .then(|| {
                                view! {
                                    <div class="toolbar detail-actions">
                                        <MessageActions id=m.id.clone() act />
                                    </div>
                                }
                            })}
                    </section>
                    <section class="card">
                        <h2>"Tentativas"</h2>
                        {if d.attempts.is_empty() {
                            view! { <p class="muted">"Nenhuma tentativa ainda."</p> }.into_any()
                        } else {
                            view! {
                                <div class="table-scroll">
                                    <table class="table" aria-label="Tentativas">
                                        <thead>
                                            <tr>
                                                <th>"Quando"</th>
                                                <th>"Resultado"</th>
                                                <th>"Detalhe"</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {d
                                                .attempts
                                                .into_iter()
                                                .map(|a| {
                                                    view! {
                                                        <tr>
                                                            <td class="nowrap">{format_time(a.at, &tz)}</td>
                                                            <td>{a.outcome}</td>
                                                            <td>{a.detail}</td>
                                                        </tr>
                                                    }
                                                })
                                                .collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }
                                .into_any()
                        }}
                    </section>
                }
                    .into_any()
            }
        </Loaded>
    }
}
