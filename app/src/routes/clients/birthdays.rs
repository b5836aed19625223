use leptos::prelude::*;

use crate::components::form::Field;
use leptos_router::hooks::use_query_map;

use crate::components::clients_nav::{format_date, ClientsNav};
use crate::components::forecast::ForecastSection;
use crate::components::layout::PageHeader;
use crate::components::loaded::Loaded;
use crate::components::resource::resource;
use crate::domain::phone::format_display;
use crate::functions::clients::birthday_preview;

/// *Clientes > Aniversariantes*: who the enqueue task would greet on a date, and who it skips.
#[component]
pub fn BirthdaysPage() -> impl IntoView {
    let query = use_query_map();
    let date = move || query.with(|q| q.get("data"));
    let selection = resource(date, birthday_preview);

    view! {
        <PageHeader
            title="Aniversariantes"
            description="Quem recebe a mensagem de aniversário em uma data, com os parâmetros atuais, e quem fica de fora e por quê."
        />
        <ClientsNav />
        <form method="get" class="toolbar card">
            <Field id="data" label="Data">
                <input type="date" id="data" name="data" value=move || date().unwrap_or_default() />
            </Field>
            <button type="submit" class="btn btn-primary">
                "Ver"
            </button>
        </form>
        <Loaded resource=selection let:sel>
            {view! {
                <section class="card">
                    <h2>
                        {format!("Recebem em {} ({})", format_date(sel.date), sel.greeted.len())}
                    </h2>
                    {if sel.greeted.is_empty() {
                        view! { <p class="muted">"Ninguém recebe mensagem nesta data."</p> }
                            .into_any()
                    } else {
                        view! {
                            <table class="table" aria-label="Recebem">
                                <thead>
                                    <tr>
                                        <th>"Id"</th>
                                        <th>"Cliente"</th>
                                        <th>"Nascimento"</th>
                                        <th>"WhatsApp"</th>
                                        <th>"Cidade"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {sel
                                        .greeted
                                        .into_iter()
                                        .map(|c| {
                                            view! {
                                                <tr>
                                                    <td>{c.external_id}</td>
                                                    <td>{c.name}</td>
                                                    <td>{format_date(c.birth_date)}</td>
                                                    <td>
                                                        {c.phone.as_deref().map(format_display).unwrap_or_default()}
                                                    </td>
                                                    <td>{format!("{} {}", c.city, c.state)}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        }
                            .into_any()
                    }}
                </section>
                <section class="card">
                    <h2>{format!("Não recebem ({})", sel.skipped.len())}</h2>
                    <table class="table" aria-label="Não recebem">
                        <thead>
                            <tr>
                                <th>"Id"</th>
                                <th>"Cliente"</th>
                                <th>"Nascimento"</th>
                                <th>"Motivo"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {sel
                                .skipped
                                .into_iter()
                                .map(|(c, why)| {
                                    view! {
                                        <tr>
                                            <td>{c.external_id}</td>
                                            <td>{c.name}</td>
                                            <td>{format_date(c.birth_date)}</td>
                                            <td>{why.label()}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </section>
            }
                .into_any()}
        </Loaded>
        <ForecastSection />
    }
}
