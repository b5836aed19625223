use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};

use crate::components::resource::once;
use crate::error::AppError;
use crate::functions::auth::{get_current_user, Logout};
use crate::functions::integrations::opa_uses_sandbox;

/// The sections of the product, in menu order.
pub const NAV: &[(&str, &str)] = &[
    ("/", "Painel"),
    ("/mensagens", "Mensagens Omnichannel"),
    ("/parametros", "Parâmetros"),
    ("/agenda", "Agenda de tarefas"),
    ("/fila", "Fila de mensagens"),
    ("/clientes", "Clientes"),
    ("/integracoes", "Integrações"),
];

/// Frame of every signed-in page: navigation, the admin's name, logout, and the page.
#[component]
pub fn AppLayout() -> impl IntoView {
    let user = once(get_current_user());
    let sandbox = once(opa_uses_sandbox());
    let logout = ServerAction::<Logout>::new();
    let menu_open = RwSignal::new(false);

    view! {
        <div class="app" class:menu-open=move || menu_open.get()>
            <header class="topbar">
                <button
                    type="button"
                    class="btn btn-ghost menu-toggle"
                    aria-controls="main-nav"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| menu_open.update(|o| *o = !*o)
                >
                    "Menu"
                </button>
                <a href="/" class="brand">
                    "Parabéns"
                </a>
                <div class="topbar-user">
                    <Transition fallback=|| ()>
                        {move || {
                            user.get()
                                .map(|u| match u {
                                    Ok(u) => {
                                        view! {
                                            <span class="user-name" data-testid="user-name">
                                                {u.username}
                                            </span>
                                        }
                                            .into_any()
                                    }
                                    Err(AppError::Unauthorized) => {
                                        view! { <Redirect path="/login" /> }.into_any()
                                    }
                                    Err(e) => {
                                        view! { <span class="field-error">{e.to_string()}</span> }
                                            .into_any()
                                    }
                                })
                        }}
                    </Transition>
                    <a href="/conta" class="btn btn-ghost">
                        "Conta"
                    </a>
                    <ActionForm action=logout attr:class="inline-form">
                        <button type="submit" class="btn btn-secondary">
                            "Sair"
                        </button>
                    </ActionForm>
                </div>
            </header>
            <nav id="main-nav" class="sidebar" aria-label="Navegação principal">
                <ul>
                    {NAV
                        .iter()
                        .map(|(href, label)| {
                            view! {
                                <li>
                                    <A
                                        href=*href
                                        exact=*href == "/"
                                        on:click=move |_| menu_open.set(false)
                                    >
                                        {*label}
                                    </A>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            </nav>
            <main class="content">
                <Transition fallback=|| ()>
                    {move || {
                        matches!(sandbox.get(), Some(Ok(true)))
                            .then(|| {
                                view! {
                                    <div
                                        class="alert alert-warning sandbox-banner"
                                        role="status"
                                        data-testid="sandbox-banner"
                                    >
                                        "Modo sandbox: nenhum Opa! Suite configurado, as mensagens não são entregues a ninguém. "
                                        <a href="/integracoes/opa">"Configurar"</a>
                                    </div>
                                }
                            })
                    }}
                </Transition>
                <Outlet />
            </main>
        </div>
    }
}

/// Page heading with an optional description.
#[component]
pub fn PageHeader(
    title: &'static str,
    #[prop(optional)] description: &'static str,
) -> impl IntoView {
    view! {
        <leptos_meta::Title text=title />
        <div class="page-header">
            <h1>{title}</h1>
            {(!description.is_empty()).then(|| view! { <p class="muted">{description}</p> })}
        </div>
    }
}
