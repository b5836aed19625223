//! Page links under a paged list.

use leptos::prelude::*;

use crate::domain::number::thousands;
use crate::domain::url::percent_encode;
use crate::models::page::Page;

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

/// "Anterior · Próxima" under a list paged by key (`Page`): links to `path` with the
/// list's `filters` kept and `depois=cursor` (next) or `antes=cursor` (previous).
#[component]
pub fn CursorPager(
    prev: Option<String>,
    next: Option<String>,
    path: &'static str,
    filters: Vec<(&'static str, String)>,
) -> impl IntoView {
    let link = move |param: &str, cursor: &str| {
        let query: Vec<String> = filters
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .chain([(param, cursor)])
            .map(|(k, v)| format!("{k}={}", percent_encode(v, b"")))
            .collect();
        format!("{path}?{}", query.join("&"))
    };
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
/// else what the page itself shows (more than it, when there are other pages). `found`
/// agrees with `noun`: "clientes encontrados", "mensagens encontradas".
pub fn summary<T>(page: &Page<T>, noun: &str, found: &str) -> String {
    let shown = page.items.len();
    let more = page.prev.is_some() || page.next.is_some();
    match page.total {
        Some(t) => format!("{} {noun}", thousands(t)),
        None if more => format!("Mais de {shown} {noun} {found}"),
        None => format!("{shown} {noun} {found}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(shown: usize, total: Option<u64>, next: bool) -> Page<u8> {
        Page {
            items: vec![0; shown],
            prev: None,
            next: next.then(|| "k".to_string()),
            total,
        }
    }

    #[test]
    fn sizes_say_what_is_known() {
        assert_eq!(
            summary(&page(50, Some(27_538), true), "clientes", "encontrados"),
            "27.538 clientes"
        );
        assert_eq!(
            summary(&page(3, None, false), "mensagens", "encontradas"),
            "3 mensagens encontradas"
        );
        assert_eq!(
            summary(&page(50, None, true), "clientes", "encontrados"),
            "Mais de 50 clientes encontrados"
        );
    }
}
