//! Page links under a paged list.

use leptos::prelude::*;

use crate::domain::number::thousands;

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

/// "Anterior · Próxima" under a list paged by key (`Page`): `link(param, cursor)` is the
/// URL with `depois=cursor` (next) or `antes=cursor` (previous).
#[component]
pub fn CursorPager(
    prev: Option<String>,
    next: Option<String>,
    link: impl Fn(&'static str, &str) -> String,
) -> impl IntoView {
    view! {
        <nav class="pager" aria-label="Páginas">
            {prev.map(|c| view! { <a href=link(BEFORE, &c)>"Anterior"</a> })}
            {next.map(|c| view! { <a href=link(AFTER, &c)>"Próxima"</a> })}
        </nav>
    }
}

/// The query parameters of a page's cursor.
pub const AFTER: &str = "depois";
pub const BEFORE: &str = "antes";

/// What a page of a list says about its size: the maintained total when there is one,
/// else what the page itself shows.
pub fn summary(total: Option<u64>, shown: usize, more: bool, noun: &str) -> String {
    match total {
        Some(t) => format!("{} {noun}", thousands(t)),
        None if more => format!("Mais de {shown} {noun} encontrados"),
        None => format!("{shown} {noun} encontrados"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_say_what_is_known() {
        assert_eq!(
            summary(Some(27_538), 50, true, "clientes"),
            "27.538 clientes"
        );
        assert_eq!(
            summary(None, 3, false, "clientes"),
            "3 clientes encontrados"
        );
        assert_eq!(
            summary(None, 50, true, "clientes"),
            "Mais de 50 clientes encontrados"
        );
    }
}
