//! *Integrações > Alertas*: the webhook that hears when something needs a person.

use leptos::prelude::*;

use crate::components::form::{field_error, form_error, Field, FormError};
use crate::components::layout::PageHeader;
use crate::components::loaded::Loaded;
use crate::functions::integrations::{get_alerts_settings, SaveAlertsSettings, SendTestAlert};

/// Webhook URL, signing secret (write-only), error threshold, and *Enviar alerta de teste*.
#[component]
pub fn AlertsPage() -> impl IntoView {
    let save = ServerAction::<SaveAlertsSettings>::new();
    let value = save.value();
    let settings = Resource::new(move || save.version().get(), |_| get_alerts_settings());
    let test = ServerAction::<SendTestAlert>::new();
    let tested = test.value();
    view! {
        <PageHeader
            title="Alertas"
            description="Avisos quando algo precisa de uma pessoa: uma tarefa que falhou de vez, um envio com erros acima do limite, o limite diário do canal atingido. Um aviso por ocorrência."
        />
        <Loaded resource=settings let:s>
            {view! {
                <div class="grid-2">
                    <section class="card">
                        <h2>"Webhook"</h2>
                        <p class="muted">
                            "Cada alerta é um POST JSON (event, title, detail, at) assinado com HMAC-SHA256 do corpo no cabeçalho X-Parabens-Signature: sha256=…"
                        </p>
                        <ActionForm action=save attr:class="form">
                            <Field
                                id="webhook_url"
                                label="URL do webhook"
                                error=field_error(value, "webhook_url")
                            >
                                <input
                                    type="text"
                                    id="webhook_url"
                                    name="webhook_url"
                                    value=s.webhook_url.clone()
                                    placeholder="https://exemplo.com.br/alertas"
                                />
                            </Field>
                            <Field
                                id="secret"
                                label="Segredo da assinatura"
                                error=field_error(value, "secret")
                            >
                                <input
                                    type="password"
                                    id="secret"
                                    name="secret"
                                    autocomplete="off"
                                    placeholder=if s.secret_set {
                                        "Definido — deixe em branco para manter"
                                    } else {
                                        "Segredo compartilhado com o receptor"
                                    }
                                />
                            </Field>
                            <Field
                                id="threshold"
                                label="Alertar quando um envio tiver mais erros finais que"
                                error=field_error(value, "threshold")
                            >
                                <input
                                    type="number"
                                    id="threshold"
                                    name="threshold"
                                    min="0"
                                    value=s.threshold.to_string()
                                />
                            </Field>
                            <FormError message=form_error(value) />
                            <Show when=move || matches!(value.get(), Some(Ok(())))>
                                <div class="alert alert-success" role="status">
                                    "Alertas salvos."
                                </div>
                            </Show>
                            <button
                                type="submit"
                                class="btn btn-primary"
                                disabled=move || save.pending().get()
                            >
                                "Salvar"
                            </button>
                        </ActionForm>
                    </section>
                    <section class="card" aria-label="Alerta de teste">
                        <h2>"Alerta de teste"</h2>
                        <ActionForm action=test>
                            <button
                                type="submit"
                                class="btn btn-secondary"
                                disabled=move || test.pending().get()
                            >
                                "Enviar alerta de teste"
                            </button>
                        </ActionForm>
                        {move || {
                            tested
                                .get()
                                .map(|r| match r {
                                    Ok(()) => {
                                        view! {
                                            <div class="alert alert-success" role="status">
                                                "Alerta de teste enviado."
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
                    </section>
                </div>
            }
                .into_any()}
        </Loaded>
    }
}
