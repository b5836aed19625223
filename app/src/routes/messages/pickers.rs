//! The editor's pickers, each live from Opa! Suite or the client base.

use leptos::prelude::*;

use crate::components::form::Field;

use crate::domain::template::{sample_client, ClientFields};
use crate::functions::messages::{opa_channels, opa_templates, preview_clients};
use crate::models::message::TemplateView;
use crate::models::opa::ChannelView;

/// "Canal comunicação" with "Buscar canais": a dialog of the active WhatsApp channels.
#[component]
pub(super) fn ChannelPicker(
    channel: RwSignal<Option<(String, String)>>,
    on_pick: Callback<ChannelView>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let load = Action::new(|_: &()| opa_channels());
    view! {
        <Field id="channel" label="Canal comunicação">
            <div class="password-input">
                <input
                    type="text"
                    id="channel"
                    readonly
                    prop:value=move || channel.get().map(|c| c.1).unwrap_or_default()
                    placeholder="Nenhum canal escolhido"
                />
                <button
                    type="button"
                    class="btn btn-secondary"
                    on:click=move |_| {
                        open.set(true);
                        load.dispatch(());
                    }
                >
                    "Buscar canais"
                </button>
            </div>
        </Field>
        <PickDialog open label="Canais de comunicação" title="Canais de WhatsApp ativos">
            {move || match (load.pending().get(), load.value().get()) {
                (true, _) | (_, None) => {
                    view! { <p class="muted">"Carregando canais do Opa! Suite…"</p> }.into_any()
                }
                (_, Some(Err(e))) => {
                    view! {
                        <div class="alert alert-error" role="alert">
                            {e.to_string()}
                        </div>
                    }
                        .into_any()
                }
                (_, Some(Ok(list))) if list.is_empty() => {
                    view! { <p class="muted">"Nenhum canal de WhatsApp ativo."</p> }.into_any()
                }
                (_, Some(Ok(list))) => {
                    view! {
                        <ul class="pick-list">
                            {list
                                .into_iter()
                                .map(|c| {
                                    let name = c.name.clone();
                                    view! {
                                        <li>
                                            <button
                                                type="button"
                                                class="btn btn-ghost"
                                                on:click=move |_| {
                                                    on_pick.run(c.clone());
                                                    open.set(false);
                                                }
                                            >
                                                {name}
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
        </PickDialog>
    }
}

/// "Template" with "Buscar template": the chosen channel's templates, searchable.
#[component]
pub(super) fn TemplatePicker(
    channel: RwSignal<Option<(String, String)>>,
    on_pick: Callback<TemplateView>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let search = RwSignal::new(String::new());
    let load = Action::new(|channel_id: &String| opa_templates(channel_id.clone()));
    let current = RwSignal::new(String::new());
    view! {
        <Field id="template" label="Template">
            <div class="password-input">
                <input
                    type="text"
                    id="template"
                    readonly
                    prop:value=move || current.get()
                    placeholder="Nenhum template escolhido"
                />
                <button
                    type="button"
                    class="btn btn-secondary"
                    disabled=move || channel.get().is_none()
                    on:click=move |_| {
                        if let Some((id, _)) = channel.get() {
                            search.set(String::new());
                            open.set(true);
                            load.dispatch(id);
                        }
                    }
                >
                    "Buscar template"
                </button>
            </div>
        </Field>
        <PickDialog open label="Templates do canal" title="Templates do canal">
            <input
                type="search"
                aria-label="Buscar template"
                placeholder="Buscar por nome ou texto"
                on:input=move |ev| search.set(event_target_value(&ev).to_lowercase())
            />
            {move || match (load.pending().get(), load.value().get()) {
                (true, _) | (_, None) => {
                    view! { <p class="muted">"Carregando templates…"</p> }.into_any()
                }
                (_, Some(Err(e))) => {
                    view! {
                        <div class="alert alert-error" role="alert">
                            {e.to_string()}
                        </div>
                    }
                        .into_any()
                }
                (_, Some(Ok(list))) => {
                    let q = search.get();
                    let shown: Vec<_> = list
                        .into_iter()
                        .filter(|t| {
                            q.is_empty() || t.name.to_lowercase().contains(&q)
                                || t.text.to_lowercase().contains(&q)
                        })
                        .collect();
                    if shown.is_empty() {
                        return view! { <p class="muted">"Nenhum template encontrado."</p> }
                            .into_any();
                    }
                    view! {
                        <ul class="pick-list">
                            {shown
                                .into_iter()
                                .map(|t| {
                                    let (name, text) = (t.name.clone(), t.text.clone());
                                    view! {
                                        <li>
                                            <button
                                                type="button"
                                                class="btn btn-ghost"
                                                on:click=move |_| {
                                                    current.set(t.name.clone());
                                                    on_pick.run(t.clone());
                                                    open.set(false);
                                                }
                                            >
                                                {name}
                                            </button>
                                            <p class="muted">{text}</p>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
        </PickDialog>
    }
}

/// Which client the preview shows: a searched client or the sample one.
#[component]
pub(super) fn PreviewClientPicker(
    preview_client: RwSignal<(String, ClientFields)>,
) -> impl IntoView {
    let search = Action::new(|text: &String| preview_clients(text.clone()));
    view! {
        <Field id="preview-client" label="Cliente da pré-visualização">
            <input
                type="search"
                id="preview-client"
                placeholder="Buscar cliente (nome, telefone ou id)"
                on:input=move |ev| {
                    search.dispatch(event_target_value(&ev));
                }
            />
            <p class="muted" data-testid="preview-client">
                {move || preview_client.get().0}
            </p>
            <button
                type="button"
                class="btn btn-ghost"
                on:click=move |_| preview_client.set(("Cliente de exemplo".into(), sample_client()))
            >
                "Usar cliente de exemplo"
            </button>
            {move || {
                search
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|list| {
                        view! {
                            <ul class="pick-list">
                                {list
                                    .into_iter()
                                    .map(|(id, name, fields)| {
                                        let label = format!("{name} ({id})");
                                        view! {
                                            <li>
                                                <button
                                                    type="button"
                                                    class="btn btn-ghost"
                                                    on:click=move |_| {
                                                        preview_client.set((name.clone(), fields.clone()))
                                                    }
                                                >
                                                    {label}
                                                </button>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                    })
            }}
        </Field>
    }
}

/// The dialog a picker opens: its title, the choices (children) and *Fechar*.
#[component]
fn PickDialog(
    open: RwSignal<bool>,
    /// For screen readers.
    label: &'static str,
    title: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    view! {
        <Show when=move || open.get()>
            <div class="modal-backdrop">
                <div class="modal card" role="dialog" aria-modal="true" aria-label=label>
                    <h2>{title}</h2>
                    {children()}
                    <button
                        type="button"
                        class="btn btn-secondary"
                        on:click=move |_| open.set(false)
                    >
                        "Fechar"
                    </button>
                </div>
            </div>
        </Show>
    }
}
