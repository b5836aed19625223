//! Page links under a paged list.

use leptos::prelude::*;

/// "Anterior · Página n de m · Próxima"; `link(page)` is the URL of a (0-based) page.
#[component]
pub fn Pager(page: usize, pages: usize, link: impl Fn(usize) -> String) -> impl IntoView {
    view! {
        <nav class="pager" aria-label="Páginas">
            {(page > 0).then(|| view! { <a href=link(page - 1)>"Anterior"</a> })}
            <span>{format!("Página {} de {}", page + 1, pages.max(1))}</span>
            {(page + 1 < pages).then(|| view! { <a href=link(page + 1)>"Próxima"</a> })}
        </nav>
    }
}
