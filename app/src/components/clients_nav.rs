use leptos::prelude::*;
use leptos_router::components::A;

/// The sub-sections of *Clientes*.
#[component]
pub fn ClientsNav() -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Clientes">
            <A href="/clientes" exact=true>
                "Lista"
            </A>
            <A href="/clientes/importar">"Importar"</A>
            <A href="/clientes/aniversariantes">"Aniversariantes"</A>
        </nav>
    }
}

/// `dd/mm/aaaa`, or a dash.
pub fn format_date(d: Option<chrono::NaiveDate>) -> String {
    d.map(crate::domain::dates::date)
        .unwrap_or_else(|| "—".into())
}
