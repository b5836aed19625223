use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Página não encontrada" />
        <main class="login-page">
            <div class="card">
                <h1>"Página não encontrada"</h1>
                <p>
                    <a href="/">"Voltar ao painel"</a>
                </p>
            </div>
        </main>
    }
}
