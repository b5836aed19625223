//! Parabéns: the Leptos app (pages, components, server functions) and, behind the `ssr`
//! feature, the server-only code those server functions run.

// Leptos view types of the larger pages nest deeper than the default limit.
#![recursion_limit = "256"]

// The server's HTML and the bundle's hydration must agree on Leptos' erased view types: both
// get `--cfg erase_components` from .cargo/config.toml (a RUSTFLAGS variable overrides it).
#[cfg(all(any(feature = "ssr", feature = "hydrate"), not(erase_components)))]
compile_error!(
    "build with `--cfg erase_components` (.cargo/config.toml): without it the server's pages \
     and the WASM bundle disagree on hydration markers"
);

pub mod components;
pub mod domain;
pub mod error;
pub mod functions;
pub mod models;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

use components::layout::AppLayout;
use routes::*;

/// The HTML document around the app, rendered on the server. The stylesheet is a plain
/// link here, outside the hydrated `App`: the bundle has nothing to do with it, and its name
/// carries the build's hash.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    server::csp::set_for_this_page(&options);
    let stylesheet = server::assets::stylesheet_href(&options);
    view! {
        <!DOCTYPE html>
        <html lang="pt-BR">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="stylesheet" href=stylesheet />
                // Named here, or the browser asks for a /favicon.ico there is not.
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <leptos_meta::MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|text: String| format!("{text} · Parabéns") />
        <Router>
            <Routes fallback=not_found::NotFoundPage>
                <Route path=path!("/login") view=login::LoginPage />
                <ParentRoute path=path!("") view=AppLayout>
                    <Route path=path!("") view=lazy::Dashboard::route() />
                    <Route path=path!("mensagens") view=lazy::Messages::route() />
                    <Route path=path!("mensagens/:id") view=lazy::MessageEditor::route() />
                    <Route path=path!("parametros") view=lazy::Parameters::route() />
                    <Route path=path!("agenda") view=lazy::Agenda::route() />
                    <Route path=path!("fila") view=lazy::Queue::route() />
                    <Route path=path!("fila/:id") view=lazy::QueueDetail::route() />
                    <Route path=path!("clientes") view=lazy::Clients::route() />
                    <Route path=path!("clientes/importar") view=lazy::ClientImport::route() />
                    <Route path=path!("clientes/aniversariantes") view=lazy::Birthdays::route() />
                    <Route path=path!("clientes/:id") view=lazy::ClientDetail::route() />
                    <Route path=path!("integracoes") view=lazy::Integrations::route() />
                    <Route path=path!("integracoes/ixc") view=lazy::Ixc::route() />
                    <Route path=path!("integracoes/opa") view=lazy::Opa::route() />
                    <Route path=path!("integracoes/alertas") view=lazy::Alerts::route() />
                    <Route path=path!("conta") view=lazy::Account::route() />
                    <Route path=path!("conta/auditoria") view=lazy::Audit::route() />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
