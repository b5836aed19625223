//! *Integrações > IXC*: connection, test, and the sync of clients.

use leptos::prelude::*;

use crate::components::form::{field_error, form_error, succeeded, Field, FormError, Saved};
use crate::components::import_progress::{watch_import, ImportProgress};
use crate::components::layout::PageHeader;
use crate::components::loaded::Loaded;
use crate::components::resource::resource;
use crate::functions::integrations::{
    ixc_settings, sync_ixc_now, test_ixc_connection, SaveIxcSettings,
};

/// *Integrações > IXC*: connection (token write-only), connection test and a sync with progress.
#[component]
pub fn IxcPage() -> impl IntoView {
    let save = ServerAction::<SaveIxcSettings>::new();
    let value = save.value();
    let settings = resource(move || save.version().get(), |_| ixc_settings());
    let test = Action::new(|_: &()| test_ixc_connection());
    let sync = Action::new(|_: &()| sync_ixc_now());
    let job = Signal::derive(move || sync.value().get().and_then(Result::ok));
    let status = watch_import(job);
    let syncing = move || {
        sync.pending().get() || job.get().is_some() && !status.get().is_some_and(|s| s.finished)
    };

    view! {
        <PageHeader
            title="IXC Provedor"
            description="Webservice do IXC: URL do servidor, id do usuário e token. Os clientes são lidos 1.000 por página."
        />
        <div class="grid-2">
            <section class="card">
                <h2>"Conexão"</h2>
                <Loaded resource=settings let:s>
                    {view! {
                        <ActionForm action=save attr:class="form">
                            <Field id="ixc-url" label="URL do IXC" error=field_error(value, "url")>
                                <input
                                    type="text"
                                    id="ixc-url"
                                    name="url"
                                    value=s.url
                                    placeholder="https://ixc.seuprovedor.com.br"
                                    required
                                />
                            </Field>
                            <Field
                                id="ixc-user"
                                label="Id do usuário do webservice"
                                error=field_error(value, "user_id")
                            >
                                <input
                                    type="text"
                                    id="ixc-user"
                                    name="user_id"
                                    inputmode="numeric"
                                    value=s.user_id
                                    required
                                />
                            </Field>
                            <Field id="ixc-token" label="Token" error=field_error(value, "token")>
                                <input
                                    type="password"
                                    id="ixc-token"
                                    name="token"
                                    autocomplete="off"
                                    placeholder=if s.token_set {
                                        "Definido — deixe em branco para manter"
                                    } else {
                                        "Token do webservice"
                                    }
                                />
                            </Field>
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
                    }
                        .into_any()}
                </Loaded>
            </section>
            <section class="card">
                <h2>"Testar e sincronizar"</h2>
                <div class="toolbar">
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
                    <button
                        type="button"
                        class="btn btn-primary"
                        disabled=syncing
                        on:click=move |_| {
                            sync.dispatch(());
                        }
                    >
                        {move || if syncing() { "Sincronizando…" } else { "Sincronizar agora" }}
                    </button>
                </div>
                {move || {
                    test.value()
                        .get()
                        .map(|r| match r {
                            Ok(n) => {
                                view! {
                                    <div class="alert alert-success" role="status">
                                        {format!("Conexão OK: {n} clientes no IXC.")}
                                    </div>
                                }
                                    .into_any()
                            }
                            Err(e) => {
                                view! {
                                    <div class="alert alert-error" role="alert">
                                        {e.to_string()}
                                    </div>
                                }
                                    .into_any()
                            }
                        })
                }}
                {move || {
                    sync.value()
                        .get()
                        .and_then(Result::err)
                        .map(|e| {
                            view! {
                                <div class="alert alert-error" role="alert">
                                    {e.to_string()}
                                </div>
                            }
                        })
                }}
            </section>
        </div>
        {move || status.get().map(|s| view! { <ImportProgress status=s /> })}
    }
}
