//! Sections whose pages are built by later work; each says what it will hold.

use leptos::prelude::*;

use crate::components::layout::PageHeader;

#[component]
fn Upcoming(title: &'static str, description: &'static str) -> impl IntoView {
    view! {
        <PageHeader title description />
        <section class="card empty-state">
            <p>"Esta seção ainda está em construção."</p>
        </section>
    }
}

#[component]
pub fn QueuePage() -> impl IntoView {
    view! { <Upcoming title="Fila de mensagens" description="Cada mensagem com situação, tentativas e erros." /> }
}
