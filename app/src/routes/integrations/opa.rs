//! *Integrações > Opa! Suite*: connection, test, and the sandbox's outbox.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::form::{field_error, form_error, succeeded, Field, FormError, Saved};
use crate::components::layout::PageHeader;
use crate::components::loaded::Loaded;
use crate::components::pager::Pager;
use crate::components::resource::{resource, Res};
use crate::components::time::format_time;
use crate::functions::integrations::{
    opa_settings, sandbox_outbox, test_opa_connection, SaveOpaSettings, OUTBOX_PAGE,
};
use crate::models::opa::SANDBOX_KEEPS;

/// *Integrações > Opa! Suite*: base URL and token (write-only), the connection test, and the
/// sandbox's outbox while the sandbox is in use.
#[component]
pub fn OpaPage() -> impl IntoView {
    let save = ServerAction::<SaveOpaSettings>::new();
    let value = save.value();
    let settings = resource(move || save.version().get(), |_| opa_settings());
    let test = Action::new(|_: &()| test_opa_connection());
    let query = use_query_map();
    let outbox_page = move || {
        query
            .with(|q| q.get("saida").and_then(|p| p.parse::<usize>().ok()))
            .unwrap_or(0)
    };
    let outbox = resource(
        move || (save.version().get(), test.version().get(), outbox_page()),
        |(_, _, page)| sandbox_outbox(page),
    );

    view! {
        <PageHeader
            title="Opa! Suite"
            description="Instância do Opa! Suite usada para enviar as mensagens: URL da API (https://seudominio/api/v1) e token de um usuário com perfil API."
        />
        <Loaded resource=settings let:s>
            {view! {
                <div class="grid-2">
                    <section class="card">
                        <h2>"Conexão"</h2>
                        {s
                            .env_overrides
                            .then(|| {
                                view! {
                                    <div class="alert alert-warning" role="status">
                                        {format!(
                                            "PARABENS_OPA_URL está definida no servidor e tem precedência: {}",
                                            s.effective_url,
                                        )}
                                    </div>
                                }
                            })}
                        {s
                            .sandbox
                            .then(|| {
                                view! {
                                    <div class="alert alert-warning" role="status">
                                        "Nenhum Opa! Suite configurado: as mensagens vão para o sandbox embutido e não chegam a ninguém."
                                    </div>
                                }
                            })}
                        <ActionForm action=save attr:class="form">
                            <Field id="opa-url" label="URL da API" error=field_error(value, "url")>
                                <input
                                    type="text"
                                    id="opa-url"
                                    name="url"
                                    value=s.url.clone()
                                    placeholder="https://seudominio.com.br/api/v1"
                                />
                            </Field>
                            <Field id="opa-token" label="Token" error=field_error(value, "token")>
                                <input
                                    type="password"
                                    id="opa-token"
                                    name="token"
                                    autocomplete="off"
                                    placeholder=if s.token_set {
                                        "Definido — deixe em branco para manter"
                                    } else {
                                        "Token da API"
                                    }
                                />
                            </Field>
                            <p class="muted">"Deixe a URL em branco para usar o sandbox."</p>
                            <FormError message=form_error(value) />
                            <Saved when=succeeded(value) message="Configuração salva." />
                            <button
                                type="submit"
                                class="btn btn-primary"
                                disabled=move || save.pending().get()
                            >
                                "Salvar"
                            </button>
                        </ActionForm>
                    </section>
                    <section class="card">
                        <h2>"Testar conexão"</h2>
                        <p class="muted">{format!("Em uso: {}", s.effective_url)}</p>
                        <button
                            type="button"
                            class="btn btn-secondary"
                            disabled=move || test.pending().get()
                            on:click=move |_| {
                                test.dispatch(());
                            }
                        >
                            {move || {
                                if test.pending().get() { "Testando…" } else { "Testar conexão" }
                            }}
                        </button>
                        {move || {
                            test.value()
                                .get()
                                .map(|r| match r {
                                    Err(e) => {
                                        view! {
                                            <div class="alert alert-error" role="alert">
                                                {e.to_string()}
                                            </div>
                                        }
                                            .into_any()
                                    }
                                    Ok(channels) => {
                                        view! {
                                            <div class="alert alert-success" role="status">
                                                {format!("Conexão OK: {} canais.", channels.len())}
                                            </div>
                                            <table class="table" aria-label="Canais">
                                                <thead>
                                                    <tr>
                                                        <th>"Canal"</th>
                                                        <th>"Tipo"</th>
                                                        <th>"Situação"</th>
                                                    </tr>
                                                </thead>
                                                <tbody>
                                                    {channels
                                                        .into_iter()
                                                        .map(|c| {
                                                            view! {
                                                                <tr>
                                                                    <td>{c.name}</td>
                                                                    <td>{c.kind}</td>
                                                                    <td>{if c.active { "Ativo" } else { "Inativo" }}</td>
                                                                </tr>
                                                            }
                                                        })
                                                        .collect_view()}
                                                </tbody>
                                            </table>
                                        }
                                            .into_any()
                                    }
                                })
                        }}
                    </section>
                </div>
                {s
                    .sandbox
                    .then(|| {
                        view! { <SandboxOutbox outbox page=Signal::derive(outbox_page) /> }
                    })}
            }
                .into_any()}
        </Loaded>
    }
}

/// *Caixa de saída do sandbox*: what the built-in sandbox received, newest first, paged.
#[component]
fn SandboxOutbox(
    outbox: Res<Result<crate::models::opa::OutboxPage, crate::error::AppError>>,
    /// The page shown (from the URL).
    page: Signal<usize>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Caixa de saída do sandbox"</h2>
            <Loaded resource=outbox let:loaded>
                {match loaded {
                    p if p.total == 0 => {
                        view! { <p class="muted">"Nenhuma mensagem recebida pelo sandbox."</p> }
                            .into_any()
                    }
                    p => {
                        view! {
                            <p class="muted">
                                {format!(
                                    "As {} mensagens mais recentes (o sandbox guarda até {SANDBOX_KEEPS}).",
                                    p.total,
                                )}
                            </p>
                            <table class="table" aria-label="Caixa de saída do sandbox">
                                <thead>
                                    <tr>
                                        <th>"Quando"</th>
                                        <th>"Para"</th>
                                        <th>"Canal"</th>
                                        <th>"Mensagem"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {p
                                        .items
                                        .into_iter()
                                        .map(|m| {
                                            view! {
                                                <tr>
                                                    <td>{format_time(m.at, &p.time_zone)}</td>
                                                    <td>{m.phone}</td>
                                                    <td>{m.channel}</td>
                                                    <td>{m.text}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                            <Pager
                                page=page.get()
                                pages=p.total.div_ceil(OUTBOX_PAGE)
                                link=|n| format!("/integracoes/opa?saida={n}")
                            />
                        }
                            .into_any()
                    }
                }}
            </Loaded>
        </section>
    }
}
