use leptos::prelude::*;

use crate::components::form::{field_error, Field};
use crate::components::layout::PageHeader;
use crate::components::loaded::Loaded;
use crate::components::resource::resource;
use crate::components::time::next_runs;
use crate::domain::schedule::{parse, Field as ScheduleField, ScheduleInput};
use crate::functions::agenda::{delete_agenda_entry, list_agenda, save_agenda_entry};
use crate::functions::messages::get_birthday_params;
use crate::models::agenda::{field_name, AgendaEntry, TaskKind};

/// *Agenda de tarefas*: scheduled tasks, with their next runs.
#[component]
pub fn AgendaPage() -> impl IntoView {
    let save = Action::new(|e: &AgendaEntry| save_agenda_entry(e.clone()));
    let delete = Action::new(|id: &String| delete_agenda_entry(id.clone()));
    // Times are the business time zone's, whatever the browser's zone.
    let list = resource(
        move || (save.version().get(), delete.version().get()),
        |_| async move {
            let entries = list_agenda().await?;
            let tz = get_birthday_params().await?.time_zone;
            Ok::<_, crate::error::AppError>((entries, tz))
        },
    );
    let time_zone = move || {
        list.get()
            .and_then(|r| r.ok())
            .map(|(_, tz)| tz)
            .unwrap_or_default()
    };
    let editing = RwSignal::new(None::<AgendaEntry>);
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });
    let new_entry = move |_| {
        save.value().set(None);
        editing.set(Some(AgendaEntry {
            id: String::new(),
            task: TaskKind::EnqueueBirthdays,
            schedule: ScheduleInput {
                minute: "0".into(),
                hour: "8".into(),
                day_of_month: "Todos".into(),
                month: "Todos".into(),
                day_of_week: "Todos".into(),
            },
            enabled: true,
        }))
    };

    view! {
        <PageHeader
            title="Agenda de tarefas"
            description="Quando cada tarefa roda. Valores aceitam números, intervalos (1-5), listas (1,15) e passos (*/5); dia da semana 0 ou 7 = domingo."
        />
        <div class="toolbar">
            <button type="button" class="btn btn-primary" on:click=new_entry>
                "Nova tarefa"
            </button>
        </div>
        {move || {
            editing
                .get()
                .map(|e| view! { <EntryForm entry=e save editing time_zone=time_zone() /> })
        }}
        <Loaded resource=list let:loaded>
            {
                let (entries, tz) = loaded;
                view! {
                    <p class="muted">{format!("Horários em {tz}.")}</p>
                    <section class="card table-scroll">
                        <table class="table" aria-label="Tarefas agendadas">
                            <thead>
                                <tr>
                                    <th>"Tarefa"</th>
                                    <th>"Minuto"</th>
                                    <th>"Hora"</th>
                                    <th>"Dia do mês"</th>
                                    <th>"Mês"</th>
                                    <th>"Dia da semana"</th>
                                    <th>"Próxima execução"</th>
                                    <th>"Ativa"</th>
                                    <th></th>
                                </tr>
                            </thead>
                            <tbody>
                                {entries
                                    .into_iter()
                                    .map(|e| {
                                        let next = parse(&e.schedule)
                                            .ok()
                                            .and_then(|s| next_runs(&s, &tz, 1).pop())
                                            .map(crate::domain::dates::date_time)
                                            .unwrap_or_else(|| "—".into());
                                        let (edit, toggle, id) = (
                                            e.clone(),
                                            e.clone(),
                                            e.id.clone(),
                                        );
                                        view! {
                                            <tr>
                                                <td>{e.task.label()}</td>
                                                <td>{e.schedule.minute.clone()}</td>
                                                <td>{e.schedule.hour.clone()}</td>
                                                <td>{e.schedule.day_of_month.clone()}</td>
                                                <td>{e.schedule.month.clone()}</td>
                                                <td>{e.schedule.day_of_week.clone()}</td>
                                                <td>{next}</td>
                                                <td>
                                                    <button
                                                        type="button"
                                                        class="btn btn-ghost"
                                                        aria-pressed=e.enabled.to_string()
                                                        on:click=move |_| {
                                                            save.dispatch(AgendaEntry {
                                                                enabled: !toggle.enabled,
                                                                ..toggle.clone()
                                                            });
                                                        }
                                                    >
                                                        {if e.enabled {
                                                            "Ativa · Desativar"
                                                        } else {
                                                            "Inativa · Ativar"
                                                        }}
                                                    </button>
                                                </td>
                                                <td>
                                                    <button
                                                        type="button"
                                                        class="btn btn-ghost"
                                                        on:click=move |_| {
                                                            save.value().set(None);
                                                            editing.set(Some(edit.clone()));
                                                        }
                                                    >
                                                        "Editar"
                                                    </button>
                                                    <button
                                                        type="button"
                                                        class="btn btn-ghost"
                                                        on:click=move |_| {
                                                            delete.dispatch(id.clone());
                                                        }
                                                    >
                                                        "Excluir"
                                                    </button>
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </section>
                }
                    .into_any()
            }
        </Loaded>
    }
}

/// Create or edit an entry. Each field is checked as the admin types, by the parser the server
/// runs too, and the next five runs follow the schedule live.
#[component]
fn EntryForm(
    entry: AgendaEntry,
    save: Action<AgendaEntry, Result<String, crate::error::AppError>>,
    editing: RwSignal<Option<AgendaEntry>>,
    /// The business time zone the next runs are shown in.
    time_zone: String,
) -> impl IntoView {
    let draft = RwSignal::new(entry);
    let parsed = Memo::new(move |_| draft.with(|d| parse(&d.schedule)));
    let value = save.value();
    let error = move |field: ScheduleField| {
        let server = field_error(value, field_name(field));
        Signal::derive(move || {
            parsed
                .with(|p| match p {
                    Err(errors) => errors
                        .iter()
                        .find(|(f, _)| *f == field)
                        .map(|(_, m)| m.clone()),
                    Ok(_) => None,
                })
                .or_else(|| server.get())
        })
    };
    let input = move |field: ScheduleField| {
        let id = field_name(field);
        let message = error(field);
        view! {
            <div class="field">
                <label for=id>{field.label()}</label>
                <input
                    type="text"
                    id=id
                    aria-invalid=move || message.get().is_some().to_string()
                    prop:value=move || {
                        draft
                            .with(|d| match field {
                                ScheduleField::Minute => d.schedule.minute.clone(),
                                ScheduleField::Hour => d.schedule.hour.clone(),
                                ScheduleField::DayOfMonth => d.schedule.day_of_month.clone(),
                                ScheduleField::Month => d.schedule.month.clone(),
                                ScheduleField::DayOfWeek => d.schedule.day_of_week.clone(),
                            })
                    }
                    on:input=move |ev| {
                        let v = event_target_value(&ev);
                        draft
                            .update(|d| match field {
                                ScheduleField::Minute => d.schedule.minute = v,
                                ScheduleField::Hour => d.schedule.hour = v,
                                ScheduleField::DayOfMonth => d.schedule.day_of_month = v,
                                ScheduleField::Month => d.schedule.month = v,
                                ScheduleField::DayOfWeek => d.schedule.day_of_week = v,
                            })
                    }
                />
                <Show when=move || message.get().is_some()>
                    <p class="field-error" role="alert">
                        {move || message.get()}
                    </p>
                </Show>
            </div>
        }
    };

    view! {
        <section class="card" aria-label="Tarefa">
            <h2>
                {move || {
                    if draft.with(|d| d.id.is_empty()) { "Nova tarefa" } else { "Editar tarefa" }
                }}
            </h2>
            <div class="form">
                <Field id="task" label="Tarefa">
                    <select
                        id="task"
                        on:change=move |ev| {
                            if let Some(t) = TaskKind::from_key(&event_target_value(&ev)) {
                                draft.update(|d| d.task = t);
                            }
                        }
                    >
                        {TaskKind::ALL
                            .into_iter()
                            .map(|t| {
                                view! {
                                    <option
                                        value=t.key()
                                        selected=move || draft.with(|d| d.task == t)
                                    >
                                        {t.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </Field>
                <div class="schedule-fields">
                    {ScheduleField::ALL.into_iter().map(input).collect_view()}
                </div>
                <div aria-live="polite">
                    <h3>"Próximas execuções"</h3>
                    {move || match parsed.get() {
                        Err(_) => {
                            view! {
                                <p class="muted">
                                    "Corrija os campos para ver as próximas execuções."
                                </p>
                            }
                                .into_any()
                        }
                        Ok(s) => {
                            let runs = next_runs(&s, &time_zone, 5);
                            if runs.is_empty() {
                                view! { <p class="muted">"Este agendamento nunca roda."</p> }
                                    .into_any()
                            } else {
                                view! {
                                    <ol class="next-runs" data-testid="next-runs">
                                        {runs
                                            .into_iter()
                                            .map(|t| {
                                                view! {
                                                    <li>{crate::domain::dates::weekday_date_time(t)}</li>
                                                }
                                            })
                                            .collect_view()}
                                    </ol>
                                }
                                    .into_any()
                            }
                        }
                    }}
                </div>
                <div class="toolbar">
                    <button
                        type="button"
                        class="btn btn-primary"
                        disabled=move || save.pending().get()
                        on:click=move |_| {
                            save.dispatch(draft.get());
                        }
                    >
                        "Salvar tarefa"
                    </button>
                    <button
                        type="button"
                        class="btn btn-secondary"
                        on:click=move |_| editing.set(None)
                    >
                        "Cancelar"
                    </button>
                </div>
            </div>
        </section>
    }
}
