//! *Integrações*: the two integrations and where each stands.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::layout::PageHeader;

/// *Integrações*: the systems Parabéns talks to.
#[component]
pub fn IntegrationsPage() -> impl IntoView {
    view! {
        <PageHeader
            title="Integrações"
            description="Conexões com o IXC Provedor (clientes) e o Opa! Suite (envio das mensagens)."
        />
        <div class="grid-2">
            <section class="card">
                <h2>"IXC Provedor"</h2>
                <p class="muted">"Sincroniza os clientes pelo webservice do IXC."</p>
                <A href="/integracoes/ixc" attr:class="btn btn-primary">
                    "Configurar IXC"
                </A>
            </section>
            <section class="card">
                <h2>"Opa! Suite"</h2>
                <p class="muted">"Canais, templates e envio das mensagens de WhatsApp."</p>
                <A href="/integracoes/opa" attr:class="btn btn-primary">
                    "Configurar Opa! Suite"
                </A>
            </section>
            <section class="card">
                <h2>"Alertas"</h2>
                <p class="muted">"Avisos por webhook quando algo precisa de uma pessoa."</p>
                <A href="/integracoes/alertas" attr:class="btn btn-primary">
                    "Configurar alertas"
                </A>
            </section>
        </div>
    }
}
