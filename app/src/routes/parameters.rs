use leptos::prelude::*;

use crate::components::form::{field_error, succeeded, Field, FieldError, Saved};
use crate::components::layout::PageHeader;
use crate::components::loaded::Loaded;
use crate::components::resource::{resource, Res};
use crate::domain::birthday::LeapDayRule;
use crate::functions::messages::{
    get_birthday_params, list_messages, save_birthday_params, send_test_message,
};
use crate::models::settings::{BirthdayParams, TIME_ZONES};

/// *Parâmetros > CRM > Mensagens para clientes aniversariantes*.
#[component]
pub fn ParametersPage() -> impl IntoView {
    let save = Action::new(|p: &BirthdayParams| save_birthday_params(p.clone()));
    // Loaded once: after a save the form already holds what was saved, and after a refused
    // one it must keep the admin's other edits.
    let saved = resource(|| (), |_| get_birthday_params());
    let messages = resource(|| (), |_| list_messages());

    view! {
        <PageHeader
            title="Parâmetros"
            description="CRM › Mensagens para clientes aniversariantes."
        />
        <Loaded resource=saved let:p>
            {view! { <ParamsForm initial=p save messages /> }.into_any()}
        </Loaded>
    }
}

#[component]
fn ParamsForm(
    initial: BirthdayParams,
    save: Action<BirthdayParams, Result<(), crate::error::AppError>>,
    messages: Res<Result<Vec<crate::models::message::OmniMessage>, crate::error::AppError>>,
) -> impl IntoView {
    let params = RwSignal::new(initial);
    let value = save.value();
    // The server's answer for a field, else the same validator run here as the admin types.
    let error = move |field: &'static str| {
        let server = field_error(value, field);
        Signal::derive(move || {
            server.get().or_else(|| {
                params.with(|p| {
                    p.validate()
                        .into_iter()
                        .find(|(f, _)| *f == field)
                        .map(|(_, m)| m)
                })
            })
        })
    };
    let number = |ev: leptos::ev::Event| {
        event_target_value(&ev)
            .trim()
            .parse::<u32>()
            .unwrap_or(u32::MAX)
    };

    view! {
        <div class="grid-2">
            <section class="card">
                <h2>"Mensagens para clientes aniversariantes"</h2>
                <div class="form">
                    <Field id="message_id" label="Mensagem omnichannel" error=error("message_id")>
                        <MessageChoice params messages />
                    </Field>
                    <fieldset class="field">
                        <legend>"Enviar mensagens para"</legend>
                        <label>
                            <input
                                type="radio"
                                name="only_active"
                                prop:checked=move || params.with(|p| p.only_active)
                                on:change=move |_| params.update(|p| p.only_active = true)
                            />
                            " Apenas clientes ativos"
                        </label>
                        <label>
                            <input
                                type="radio"
                                name="only_active"
                                prop:checked=move || params.with(|p| !p.only_active)
                                on:change=move |_| params.update(|p| p.only_active = false)
                            />
                            " Padrão: todos"
                        </label>
                        <p class="muted">"Somente pessoas físicas recebem."</p>
                    </fieldset>
                    <Field id="time_zone" label="Fuso horário" error=error("time_zone")>
                        <select
                            id="time_zone"
                            on:change=move |ev| {
                                params.update(|p| p.time_zone = event_target_value(&ev))
                            }
                        >
                            {TIME_ZONES
                                .iter()
                                .map(|tz| {
                                    view! {
                                        <option
                                            value=*tz
                                            selected=move || params.with(|p| p.time_zone == *tz)
                                        >
                                            {*tz}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </Field>
                    <div class="field">
                        <label for="leap">
                            "Nascidos em 29 de fevereiro, em anos não bissextos"
                        </label>
                        <select
                            id="leap"
                            on:change=move |ev| {
                                params
                                    .update(|p| {
                                        p.leap_day_rule = if event_target_value(&ev) == "mar1" {
                                            LeapDayRule::Mar1
                                        } else {
                                            LeapDayRule::Feb28
                                        };
                                    })
                            }
                        >
                            <option
                                value="feb28"
                                selected=move || {
                                    params.with(|p| p.leap_day_rule == LeapDayRule::Feb28)
                                }
                            >
                                "Felicitar em 28 de fevereiro"
                            </option>
                            <option
                                value="mar1"
                                selected=move || {
                                    params.with(|p| p.leap_day_rule == LeapDayRule::Mar1)
                                }
                            >
                                "Felicitar em 1º de março"
                            </option>
                        </select>
                    </div>
                    <Field
                        id="window_from"
                        label="Enviar a partir de (hora)"
                        error=error("window_from")
                    >
                        <input
                            type="number"
                            id="window_from"
                            min="0"
                            max="23"
                            prop:value=move || params.with(|p| p.window_from.to_string())
                            on:input=move |ev| params.update(|p| p.window_from = number(ev))
                        />
                    </Field>
                    <Field id="window_to" label="Enviar até (hora)" error=error("window_to")>
                        <input
                            type="number"
                            id="window_to"
                            min="1"
                            max="24"
                            prop:value=move || params.with(|p| p.window_to.to_string())
                            on:input=move |ev| params.update(|p| p.window_to = number(ev))
                        />
                    </Field>
                    <div class="field">
                        <label class="checkbox">
                            <input
                                type="checkbox"
                                id="allow_late"
                                prop:checked=move || params.with(|p| p.allow_late)
                                on:change=move |ev| {
                                    params.update(|p| p.allow_late = event_target_checked(&ev))
                                }
                            />
                            " Enviar felicitações atrasadas"
                        </label>
                        <p class="muted">
                            "Desligado (padrão): uma felicitação que não saiu até o fim do dia do aniversário (no fuso acima) expira sem ser enviada e aparece como Expirada na fila e no painel. Ligado: ela sai no próximo horário da janela, com atraso."
                        </p>
                    </div>
                    <Field
                        id="per_minute"
                        label="Máximo de mensagens por minuto"
                        error=error("per_minute")
                    >
                        <input
                            type="number"
                            id="per_minute"
                            min="1"
                            max="6000"
                            prop:value=move || params.with(|p| p.per_minute.to_string())
                            on:input=move |ev| params.update(|p| p.per_minute = number(ev))
                        />
                    </Field>
                    <Field
                        id="message_price"
                        label="Preço por mensagem (previsão de custo)"
                        error=error("message_price")
                    >
                        <input
                            type="text"
                            id="message_price"
                            inputmode="decimal"
                            prop:value=move || params.with(|p| p.message_price.clone())
                            on:input=move |ev| {
                                params.update(|p| p.message_price = event_target_value(&ev))
                            }
                        />
                    </Field>
                    <Field id="currency" label="Moeda" error=error("currency")>
                        <select
                            id="currency"
                            prop:value=move || params.with(|p| p.currency.clone())
                            on:change=move |ev| {
                                params.update(|p| p.currency = event_target_value(&ev))
                            }
                        >
                            {crate::domain::money::CURRENCIES
                                .iter()
                                .map(|(code, sign)| {
                                    view! {
                                        <option value=*code>{format!("{code} ({sign})")}</option>
                                    }
                                })
                                .collect_view()}
                        </select>
                    </Field>
                    <p class="muted">
                        "A Meta cobra cada mensagem de marketing entregue (no Brasil, US$ 0,0625 desde 2025); informe o que o seu provedor paga por mensagem para ver o custo previsto no Painel."
                    </p>
                    <Saved when=succeeded(value) message="Parâmetros salvos." />
                    <Show when=move || matches!(value.get(), Some(Err(ref e)) if !e.is_field())>
                        <div class="alert alert-error" role="alert">
                            {move || value.get().and_then(Result::err).map(|e| e.to_string())}
                        </div>
                    </Show>
                    <button
                        type="button"
                        class="btn btn-primary"
                        disabled=move || save.pending().get()
                        on:click=move |_| {
                            save.dispatch(params.get());
                        }
                    >
                        "Salvar"
                    </button>
                </div>
            </section>
            <SendTest />
        </div>
    }
}

/// *Enviar teste*: the saved birthday message, as a client would get it, to a given number.
#[component]
fn SendTest() -> impl IntoView {
    let test = Action::new(|(client, phone): &(String, String)| {
        send_test_message(client.clone(), phone.clone())
    });
    let test_client = RwSignal::new(String::new());
    let test_phone = RwSignal::new(String::new());
    view! {
        <section class="card">
            <h2>"Enviar teste"</h2>
            <p class="muted">
                "Envia a mensagem de aniversário salva, como o cliente a receberia, para o número informado."
            </p>
            <div class="form">
                <Field
                    id="test-client"
                    label="Id do cliente (vazio: cliente de exemplo)"
                    error=field_error(test.value(), "client_id")
                >
                    <input
                        type="text"
                        id="test-client"
                        on:input=move |ev| test_client.set(event_target_value(&ev))
                    />
                </Field>
                <Field
                    id="test-phone"
                    label="Enviar para (WhatsApp)"
                    error=field_error(test.value(), "phone")
                >
                    <input
                        type="tel"
                        id="test-phone"
                        placeholder="(11) 98765-4321"
                        on:input=move |ev| test_phone.set(event_target_value(&ev))
                    />
                    <FieldError message=field_error(test.value(), "message_id") />
                </Field>
                <button
                    type="button"
                    class="btn btn-secondary"
                    disabled=move || test.pending().get()
                    on:click=move |_| {
                        test.dispatch((test_client.get(), test_phone.get()));
                    }
                >
                    {move || if test.pending().get() { "Enviando…" } else { "Enviar teste" }}
                </button>
                {move || {
                    test.value()
                        .get()
                        .map(|r| match r {
                            Ok((id, text)) => {
                                view! {
                                    <div class="alert alert-success" role="status">
                                        {format!("Enviada pelo Opa! Suite (id {id}):")}
                                        <br />
                                        {text}
                                    </div>
                                }
                                    .into_any()
                            }
                            Err(e) if !e.is_field() => {
                                view! {
                                    <div class="alert alert-error" role="alert">
                                        {e.to_string()}
                                    </div>
                                }
                                    .into_any()
                            }
                            Err(_) => ().into_any(),
                        })
                }}
            </div>
        </section>
    }
}

/// *Mensagem omnichannel*: which saved message the routine sends.
#[component]
fn MessageChoice(
    params: RwSignal<BirthdayParams>,
    messages: Res<Result<Vec<crate::models::message::OmniMessage>, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <Transition fallback=|| {
            view! { <p class="muted">"Carregando mensagens…"</p> }
        }>
            {move || {
                messages
                    .get()
                    .map(|r| match r {
                        Err(e) => view! { <p class="field-error">{e.to_string()}</p> }.into_any(),
                        Ok(list) => {
                            view! {
                                <select
                                    id="message_id"
                                    on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        params
                                            .update(|p| p.message_id = (!v.is_empty()).then_some(v));
                                    }
                                >
                                    <option
                                        value=""
                                        selected=move || params.with(|p| p.message_id.is_none())
                                    >
                                        "Nenhuma (não enviar)"
                                    </option>
                                    {list
                                        .into_iter()
                                        .map(|m| {
                                            let id = m.id.clone();
                                            view! {
                                                <option
                                                    value=m.id.clone()
                                                    selected=move || {
                                                        params
                                                            .with(|p| p.message_id.as_deref() == Some(id.as_str()))
                                                    }
                                                >
                                                    {m.description}
                                                </option>
                                            }
                                        })
                                        .collect_view()}
                                </select>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
    }
}
