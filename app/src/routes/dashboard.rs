use leptos::prelude::*;

use crate::components::layout::PageHeader;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <PageHeader title="Painel" description="Execuções das tarefas e situação da fila de mensagens." />
        <section class="card empty-state">
            <p>"Nenhuma tarefa executada ainda."</p>
        </section>
    }
}
