//! *Mensagens Omnichannel*: the saved messages.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::layout::PageHeader;
use crate::components::loaded::Loaded;
use crate::components::resource::resource;
use crate::functions::messages::{delete_message, list_messages};

/// *Mensagens Omnichannel*: the saved messages.
#[component]
pub fn MessagesPage() -> impl IntoView {
    let delete = Action::new(|id: &String| delete_message(id.clone()));
    let list = resource(move || delete.version().get(), |_| list_messages());
    let delete_error = move || match delete.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    view! {
        <PageHeader
            title="Mensagens Omnichannel"
            description="Mensagens de WhatsApp: canal e template do Opa! Suite, com as variáveis ligadas aos dados do cliente."
        />
        <div class="toolbar">
            <A href="/mensagens/nova" attr:class="btn btn-primary">
                "Nova mensagem"
            </A>
        </div>
        <Show when=move || delete_error().is_some()>
            <div class="alert alert-error" role="alert">
                {delete_error}
            </div>
        </Show>
        <Loaded resource=list let:loaded>
            {match loaded {
                list if list.is_empty() => {
                    view! {
                        <section class="card empty-state">
                            <p>"Nenhuma mensagem cadastrada."</p>
                        </section>
                    }
                        .into_any()
                }
                list => {
                    view! {
                        <section class="card table-scroll">
                            <table class="table" aria-label="Mensagens">
                                <thead>
                                    <tr>
                                        <th>"Descrição"</th>
                                        <th>"Tipo"</th>
                                        <th>"Canal"</th>
                                        <th>"Template"</th>
                                        <th></th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list
                                        .into_iter()
                                        .map(|m| {
                                            let id = m.id.clone();
                                            view! {
                                                <tr>
                                                    <td>
                                                        <a href=format!(
                                                            "/mensagens/{}",
                                                            m.id,
                                                        )>{m.description.clone()}</a>
                                                    </td>
                                                    <td>{m.kind.clone()}</td>
                                                    <td>{m.channel_name.clone()}</td>
                                                    <td>{m.template_name.clone()}</td>
                                                    <td>
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
            }}
        </Loaded>
    }
}
