use leptos::prelude::*;

use crate::components::forecast::ForecastSection;
use crate::components::layout::PageHeader;
use crate::components::live::live_changes;
use crate::components::loaded::Loaded;
use crate::components::resource::resource;
use crate::components::time::{format_duration, format_opt, format_time};
use crate::functions::agenda::list_agenda;
use crate::functions::dashboard::{load_dashboard, RunNow, RECENT_RUNS};
use crate::models::queue::{
    Dashboard, DayStat, Instance, QueueCounts, QueueStatus, ServiceOutage, TaskRun,
};

/// *Painel*: the queue by status, sends per day, *Executar agora*, the next runs and every
/// task run. Live: it refetches whenever the server reports a change.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let changes = live_changes();
    let run_now = ServerAction::<RunNow>::new();
    let dashboard = resource(
        move || (changes.get(), run_now.version().get()),
        |_| load_dashboard(),
    );

    // The page's sections each follow the same resource; only the first shows its error.
    let part = move |f: fn(Dashboard) -> AnyView, errors: bool| {
        view! {
            <Transition fallback=|| ()>
                {move || {
                    dashboard
                        .get()
                        .map(|r| match r {
                            Err(e) => {
                                errors
                                    .then(|| {
                                        view! {
                                            <div class="alert alert-error" role="alert">
                                                {e.to_string()}
                                            </div>
                                        }
                                    })
                                    .into_any()
                            }
                            Ok(d) => f(d),
                        })
                }}
            </Transition>
        }
    };

    view! {
        <PageHeader
            title="Painel"
            description="Execuções das tarefas e situação da fila de mensagens."
        />
        {part(|d| view! { <OutagesView outages=d.outages tz=d.time_zone /> }.into_any(), false)}
        {part(
            |d| {
                view! {
                    <section class="card" aria-label="Fila de mensagens">
                        <h2>"Fila de mensagens"</h2>
                        <QueueCards counts=d.counts />
                    </section>
                }
                    .into_any()
            },
            true,
        )}
        <div class="grid-2 dashboard-row">
            {part(
                |d| {
                    view! {
                        <section class="card" aria-label="Envios por dia">
                            <h2>"Envios nos últimos 30 dias"</h2>
                            <DailyChart days=d.daily />
                        </section>
                    }
                        .into_any()
                },
                false,
            )} <RunNowSection action=run_now />
        </div>
        <ForecastSection />
        {part(|d| view! { <RunsView d /> }.into_any(), false)}
        {part(
            |d| view! { <InstancesView instances=d.instances tz=d.time_zone /> }.into_any(),
            false,
        )}
    }
}

/// Opa! Suite or IXC not answering: since when, and the last error (none: nothing shown).
#[component]
fn OutagesView(outages: Vec<ServiceOutage>, tz: String) -> impl IntoView {
    outages
        .into_iter()
        .map(|o| {
            view! {
                <div class="alert alert-error" role="alert">
                    <strong>{format!("{} sem responder", o.service)}</strong>
                    {format!(
                        " desde {}. Último erro: {} Parabéns tenta de novo a cada minuto.",
                        format_time(o.since, &tz),
                        o.last_error,
                    )}
                </div>
            }
        })
        .collect_view()
}

/// The Parabéns instances on this database and when each was last seen.
#[component]
fn InstancesView(instances: Vec<Instance>, tz: String) -> impl IntoView {
    view! {
        <section class="card" aria-label="Instâncias">
            <h2>"Instâncias"</h2>
            <p class="muted">
                "Servidores do Parabéns neste banco de dados. Uma instância que para de dar sinal tem suas execuções marcadas como interrompidas."
            </p>
            <div class="table-scroll">
                <table class="table" aria-label="Instâncias">
                    <thead>
                        <tr>
                            <th>"Servidor"</th>
                            <th>"Versão"</th>
                            <th>"Iniciada"</th>
                            <th>"Último sinal"</th>
                            <th>"Situação"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {instances
                            .into_iter()
                            .map(|i| {
                                let (class, label) = match (i.alive, i.stopped_at) {
                                    (true, _) => ("badge outcome-sucesso", "Ativa"),
                                    (false, Some(_)) => ("badge", "Parada"),
                                    (false, None) => ("badge outcome-interrompida", "Sem sinal"),
                                };
                                view! {
                                    <tr>
                                        <td>
                                            {format!("{} ({})", i.host, i.id)}
                                            {i
                                                .this
                                                .then(|| view! { <span class="muted">" — esta"</span> })}
                                        </td>
                                        <td>{i.version}</td>
                                        <td>{format_time(i.started_at, &tz)}</td>
                                        <td>{format_time(i.last_seen, &tz)}</td>
                                        <td>
                                            <span class=class>{label}</span>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}

/// The next runs and the recent ones.
#[component]
fn RunsView(d: Dashboard) -> impl IntoView {
    let tz = d.time_zone.clone();
    view! {
        <section class="card">
            <h2>"Próximas execuções"</h2>
            {if d.next_runs.is_empty() {
                view! { <p class="muted">"Nenhuma tarefa ativa na agenda."</p> }.into_any()
            } else {
                let tz = tz.clone();
                view! {
                    <div class="table-scroll">
                        <table class="table" aria-label="Próximas execuções">
                            <thead>
                                <tr>
                                    <th>"Tarefa"</th>
                                    <th>"Quando"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {d
                                    .next_runs
                                    .into_iter()
                                    .map(|n| {
                                        view! {
                                            <tr>
                                                <td>{n.task.label()}</td>
                                                <td>{format_time(n.at, &tz)}</td>
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
        <section class="card">
            <h2>"Execuções"</h2>
            <p class="muted">
                {format!("Horários em {tz}; as {RECENT_RUNS} execuções mais recentes.")}
            </p>
            {if d.runs.is_empty() {
                view! { <p class="muted">"Nenhuma tarefa executada ainda."</p> }.into_any()
            } else {
                view! { <RunsTable runs=d.runs tz=tz.clone() /> }.into_any()
            }}
        </section>
    }
}

/// One card per status, each opening the queue filtered by it.
#[component]
fn QueueCards(counts: QueueCounts) -> impl IntoView {
    view! {
        <ul class="stat-cards">
            {QueueStatus::ALL
                .into_iter()
                .map(|s| {
                    view! {
                        <li>
                            <a
                                class=format!("stat-card status-{}", s.key())
                                href=format!("/fila?status={}", s.key())
                                data-testid=format!("count-{}", s.key())
                            >
                                <span class="stat-value">{counts.get(s)}</span>
                                <span class="stat-label">{s.label()}</span>
                            </a>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// Sent and failed messages per day as CSS bars, summarised for screen readers.
#[component]
fn DailyChart(days: Vec<DayStat>) -> impl IntoView {
    let sent: u64 = days.iter().map(|d| d.sent).sum();
    let failed: u64 = days.iter().map(|d| d.failed).sum();
    let max = days
        .iter()
        .map(|d| d.sent.max(d.failed))
        .max()
        .unwrap_or(0)
        .max(1);
    // A day with any message keeps a visible bar however small next to the busiest day.
    let pct = move |n: u64| {
        let h = if n == 0 { 0 } else { (n * 100 / max).max(2) };
        format!("height: {h}%")
    };
    let summary = format!(
        "Últimos {} dias: {sent} {} e {failed} com erro",
        days.len(),
        if sent == 1 {
            "mensagem enviada"
        } else {
            "mensagens enviadas"
        },
    );
    let first = days
        .first()
        .map(|d| crate::domain::dates::day_month(d.date));
    let last = days.last().map(|d| crate::domain::dates::day_month(d.date));
    view! {
        <div class="chart" role="img" aria-label=summary.clone() data-testid="daily-chart">
            <div class="chart-bars">
                {days
                    .into_iter()
                    .map(|d| {
                        view! {
                            <div
                                class="chart-day"
                                title=format!(
                                    "{}: {} enviadas, {} com erro",
                                    crate::domain::dates::day_month(d.date),
                                    d.sent,
                                    d.failed,
                                )
                            >
                                <span class="bar bar-sent" style=pct(d.sent)></span>
                                <span class="bar bar-failed" style=pct(d.failed)></span>
                            </div>
                        }
                    })
                    .collect_view()}
            </div>
            <div class="chart-axis" aria-hidden="true">
                <span>{first}</span>
                <span>{last}</span>
            </div>
        </div>
        <p class="chart-legend">
            <span class="legend legend-sent">{format!("Enviadas: {sent}")}</span>
            <span class="legend legend-failed">{format!("Com erro: {failed}")}</span>
        </p>
    }
}

#[component]
fn RunsTable(runs: Vec<TaskRun>, tz: String) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="table" aria-label="Execuções">
                <thead>
                    <tr>
                        <th>"Tarefa"</th>
                        <th>"Origem"</th>
                        <th>"Agendada para"</th>
                        <th>"Início"</th>
                        <th>"Duração"</th>
                        <th>"Situação"</th>
                        <th>"Tentativa"</th>
                        <th>"Contagens"</th>
                        <th>"Nota / erro"</th>
                    </tr>
                </thead>
                <tbody>
                    {runs
                        .into_iter()
                        .map(|r| {
                            let counts = r
                                .counts
                                .0
                                .iter()
                                .map(|(label, n)| format!("{label}: {n}"))
                                .collect::<Vec<_>>()
                                .join(" · ");
                            let duration = r
                                .duration_ms()
                                .map(format_duration)
                                .unwrap_or_else(|| "—".into());
                            view! {
                                <tr>
                                    <td>{r.task.label()}</td>
                                    <td>{r.trigger.label()}</td>
                                    <td>{format_time(r.scheduled_for, &tz)}</td>
                                    <td>{format_opt(r.started_at, &tz)}</td>
                                    <td>{duration}</td>
                                    <td>
                                        <span class=format!(
                                            "badge outcome-{}",
                                            r.outcome.key(),
                                        )>{r.outcome.label()}</span>
                                    </td>
                                    <td>{r.attempt}</td>
                                    <td>
                                        {if counts.is_empty() { "—".to_string() } else { counts }}
                                    </td>
                                    <td>
                                        {r.note.clone().map(|n| view! { <span>{n}</span> })}
                                        {r
                                            .error
                                            .clone()
                                            .map(|e| view! { <span class="field-error">{e}</span> })}
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

/// One *Executar agora* per agenda entry. Works before hydration too (a plain form post).
#[component]
fn RunNowSection(action: ServerAction<RunNow>) -> impl IntoView {
    let agenda = resource(|| (), |_| list_agenda());
    // The entry whose button was pressed last: its answer is shown beside it.
    let pressed = RwSignal::new(None::<String>);
    view! {
        <section class="card" aria-label="Executar agora">
            <h2>"Executar agora"</h2>
            <p class="muted">
                "Roda a tarefa agora, com as mesmas regras e o mesmo registro da agenda."
            </p>
            <Loaded resource=agenda let:loaded>
                {match loaded {
                    entries if entries.is_empty() => {
                        view! {
                            <p class="muted">
                                "Nenhuma tarefa na agenda. " <a href="/agenda">"Criar uma"</a>
                            </p>
                        }
                            .into_any()
                    }
                    entries => {
                        view! {
                            <ul class="run-now">
                                {entries
                                    .into_iter()
                                    .map(|e| {
                                        let id = e.id.clone();
                                        let (mine, mine2, mine3) = (
                                            id.clone(),
                                            id.clone(),
                                            id.clone(),
                                        );
                                        let is_mine = move || {
                                            pressed.with(|p| p.as_deref() == Some(mine.as_str()))
                                        };
                                        let label_id = format!("run-now-{}", e.id);
                                        view! {
                                            <li>
                                                <div>
                                                    <strong id=label_id.clone()>{e.task.label()}</strong>
                                                    {(!e.enabled)
                                                        .then(|| {
                                                            view! { <span class="muted">" (inativa na agenda)"</span> }
                                                        })}
                                                </div>
                                                <div on:submit=move |_| pressed.set(Some(mine2.clone()))>
                                                    <ActionForm action attr:class="inline-form">
                                                        <input type="hidden" name="entry_id" value=id />
                                                        <button
                                                            type="submit"
                                                            class="btn btn-primary"
                                                            aria-describedby=label_id
                                                            disabled=move || {
                                                                action.pending().get()
                                                                    && pressed.with(|p| p.as_deref() == Some(mine3.as_str()))
                                                            }
                                                        >
                                                            "Executar agora"
                                                        </button>
                                                    </ActionForm>
                                                </div>
                                                {move || {
                                                    is_mine()
                                                        .then(|| action.value().get())
                                                        .flatten()
                                                        .map(|r| match r {
                                                            Ok(_) => {
                                                                view! {
                                                                    <p class="field-success" role="status">
                                                                        "Execução solicitada."
                                                                    </p>
                                                                }
                                                                    .into_any()
                                                            }
                                                            Err(e) => {
                                                                view! {
                                                                    <p class="field-error" role="alert">
                                                                        {e.to_string()}
                                                                    </p>
                                                                }
                                                                    .into_any()
                                                            }
                                                        })
                                                }}
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                }}
            </Loaded>
        </section>
    }
}
