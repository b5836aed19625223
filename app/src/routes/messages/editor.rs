//! The message editor: channel, template, variables and the live preview.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::components::form::{field_error, Field, FieldError};
use crate::components::layout::PageHeader;
use crate::components::time::today_in;
use crate::domain::template::{
    placeholders, render_mapping, render_preview, sample_client, Segment, Variable, CATALOGUE,
};
use crate::error::AppError;
use crate::functions::messages::{get_birthday_params, get_message, save_message};
use crate::models::message::{MessageInput, TemplateView, MAX_DESCRIPTION};
use crate::models::opa::ChannelView;

use super::pickers::{ChannelPicker, PreviewClientPicker, TemplatePicker};
use crate::components::resource::resource;

/// Create or edit a message, with the live preview beside the form.
#[component]
pub fn MessageEditorPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .with(|p| p.get("id"))
            .filter(|id| id != "nova")
            .unwrap_or_default()
    };
    let description = RwSignal::new(String::new());
    let channel = RwSignal::new(None::<(String, String)>);
    let template = RwSignal::new(None::<TemplateView>);
    let mapping = RwSignal::new(Vec::<Option<Variable>>::new());

    // Editing: load the saved message once.
    let existing = resource(id, |id| async move {
        if id.is_empty() {
            Ok(None)
        } else {
            get_message(id).await.map(Some)
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(Some(m))) = existing.get() {
            description.set(m.description.clone());
            channel.set(Some((m.channel_id.clone(), m.channel_name.clone())));
            template.set(Some(TemplateView {
                id: m.template_id.clone(),
                name: m.template_name.clone(),
                text: m.template_text.clone(),
                language: String::new(),
                category: String::new(),
            }));
            mapping.set(m.variables.iter().cloned().map(Some).collect());
        }
    });

    let save = Action::new(|input: &MessageInput| save_message(input.clone()));
    // The browser's own check (the same `validate` as the server's) answers before the
    // provider is asked; otherwise the server's answer is shown.
    let checked = RwSignal::new(None::<Result<String, AppError>>);
    let server_value = save.value();
    let value = Signal::derive(move || checked.get().or_else(|| server_value.get()));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(_)) = server_value.get() {
            navigate("/mensagens", Default::default());
        }
    });
    let on_save = move |_| {
        let input = MessageInput {
            id: id(),
            description: description.get(),
            channel_id: channel.get().map(|c| c.0).unwrap_or_default(),
            template_id: template.get().map(|t| t.id).unwrap_or_default(),
            variables: mapping.get(),
        };
        let text = template.with(|t| t.as_ref().map(|t| t.text.clone()).unwrap_or_default());
        match input.validate().and_then(|()| input.check_variables(&text)) {
            Err(e) => checked.set(Some(Err(e.into()))),
            Ok(()) => {
                checked.set(None);
                save.dispatch(input);
            }
        }
    };
    let form_error = move || match value.get() {
        Some(Err(e)) if !e.is_field() => Some(e.to_string()),
        _ => None,
    };

    let choose_template = move |t: TemplateView| {
        mapping.set(vec![None; placeholders(&t.text).len()]);
        template.set(Some(t));
    };

    view! {
        <PageHeader
            title="Mensagem omnichannel"
            description="Escolha o canal e o template do Opa! Suite e ligue cada variável a um dado do cliente."
        />
        <div class="editor">
            <section class="card">
                <div class="form">
                    <Field id="kind" label="Tipo comunicação">
                        <select id="kind" disabled>
                            <option>"WhatsApp"</option>
                        </select>
                    </Field>
                    <Field
                        id="description"
                        label="Descrição"
                        error=field_error(value, "description")
                    >
                        <input
                            type="text"
                            id="description"
                            maxlength=MAX_DESCRIPTION
                            prop:value=move || description.get()
                            on:input=move |ev| description.set(event_target_value(&ev))
                        />
                    </Field>
                    <ChannelPicker
                        channel
                        on_pick=Callback::new(move |c: ChannelView| {
                            channel.set(Some((c.id, c.name)));
                            template.set(None);
                            mapping.set(vec![]);
                        })
                    />
                    <FieldError message=field_error(value, "channel_id") />
                    <TemplatePicker channel on_pick=Callback::new(choose_template) />
                    <FieldError message=field_error(value, "template_id") />
                    <Field id="template-text" label="Texto do template">
                        <textarea
                            id="template-text"
                            readonly
                            rows="4"
                            prop:value=move || template.get().map(|t| t.text).unwrap_or_default()
                        ></textarea>
                    </Field>
                    <VariablesField template mapping error=field_error(value, "variables") />
                    <Show when=move || form_error().is_some()>
                        <div class="alert alert-error" role="alert">
                            {form_error}
                        </div>
                    </Show>
                    <div class="toolbar">
                        <button
                            type="button"
                            class="btn btn-primary"
                            on:click=on_save
                            disabled=move || save.pending().get()
                        >
                            {move || if save.pending().get() { "Salvando…" } else { "Salvar" }}
                        </button>
                        <A href="/mensagens" attr:class="btn btn-secondary">
                            "Cancelar"
                        </A>
                    </div>
                </div>
            </section>
            <MessagePreview template mapping />
        </div>
    }
}

/// *Variáveis template*: one picker per placeholder of the chosen template.
#[component]
fn VariablesField(
    template: RwSignal<Option<TemplateView>>,
    mapping: RwSignal<Vec<Option<Variable>>>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <fieldset class="field">
            <legend>"Variáveis template"</legend>
            {move || {
                let text = template.get().map(|t| t.text).unwrap_or_default();
                let names = placeholders(&text);
                if names.is_empty() {
                    return view! {
                        <p class="muted">"O template escolhido não tem variáveis."</p>
                    }
                        .into_any();
                }
                names
                    .into_iter()
                    .enumerate()
                    .map(|(i, p)| view! { <VariablePicker index=i name=p.name mapping /> })
                    .collect_view()
                    .into_any()
            }}
            <FieldError message=error />
        </fieldset>
    }
}

/// *Pré-visualização*: the template as a chosen client (or the sample one) would get it
/// today, by the renderer the send uses.
#[component]
fn MessagePreview(
    template: RwSignal<Option<TemplateView>>,
    mapping: RwSignal<Vec<Option<Variable>>>,
) -> impl IntoView {
    let preview_client = RwSignal::new((String::from("Cliente de exemplo"), sample_client()));
    // Ages and the greeting's date in the preview: today in the business time zone. The
    // preview is the browser's own work, so the zone is fetched there.
    let params = LocalResource::new(get_birthday_params);
    let time_zone = move || {
        params
            .get()
            .and_then(|r| r.ok())
            .map(|p| p.time_zone)
            .unwrap_or_default()
    };
    let segments = Memo::new(move |_| {
        let text = template.with(|t| t.as_ref().map(|t| t.text.clone()).unwrap_or_default());
        let today = today_in(&time_zone());
        let values = mapping.with(|m| preview_client.with(|(_, c)| render_mapping(m, c, today)));
        render_preview(&text, &values)
    });
    view! {
        <section class="card preview" aria-label="Pré-visualização">
            <h2>"Pré-visualização"</h2>
            <PreviewClientPicker preview_client />
            <div class="bubble" data-testid="preview">
                {move || {
                    segments
                        .get()
                        .into_iter()
                        .map(|s| match s {
                            Segment::Text(t) => view! { <span>{t}</span> }.into_any(),
                            Segment::Value(v) => view! { <mark class="value">{v}</mark> }.into_any(),
                            Segment::Missing(name) => {
                                view! {
                                    <mark class="missing" title="Sem valor">
                                        {format!("{{{{{name}}}}}")}
                                    </mark>
                                }
                                    .into_any()
                            }
                        })
                        .collect_view()
                }}
            </div>
        </section>
    }
}

/// One placeholder's variable: a client field or a fixed text.
#[component]
fn VariablePicker(
    index: usize,
    name: String,
    mapping: RwSignal<Vec<Option<Variable>>>,
) -> impl IntoView {
    let current = move || mapping.with(|m| m.get(index).cloned().flatten());
    let set = move |v: Option<Variable>| {
        mapping.update(|m| {
            if m.len() <= index {
                m.resize(index + 1, None);
            }
            m[index] = v;
        })
    };
    let select_id = format!("var-{index}");
    view! {
        <div class="field variable">
            <label for=select_id.clone()>{format!("{{{{{name}}}}}")}</label>
            <select
                id=select_id
                on:change=move |ev| set(Variable::from_key(&event_target_value(&ev)))
            >
                <option value="" selected=move || current().is_none()>
                    "Escolha…"
                </option>
                {CATALOGUE
                    .iter()
                    .map(|v| {
                        let key = v.key();
                        view! {
                            <option
                                value=key
                                selected=move || current().is_some_and(|c| c.key() == key)
                            >
                                {v.label()}
                            </option>
                        }
                    })
                    .collect_view()}
                <option value="fixo" selected=move || matches!(current(), Some(Variable::Fixed(_)))>
                    "Texto fixo"
                </option>
            </select>
            <Show when=move || matches!(current(), Some(Variable::Fixed(_)))>
                <input
                    type="text"
                    aria-label=format!("Texto fixo de {{{{{name}}}}}")
                    prop:value=move || match current() {
                        Some(Variable::Fixed(t)) => t,
                        _ => String::new(),
                    }
                    on:input=move |ev| set(Some(Variable::Fixed(event_target_value(&ev))))
                />
            </Show>
        </div>
    }
}
