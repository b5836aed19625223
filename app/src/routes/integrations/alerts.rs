//! *Integrações > Alertas*: the webhook that hears when something needs a person.

use leptos::prelude::*;

use crate::components::form::{field_error, form_error, succeeded, Field, FormError, Saved};
use crate::components::layout::PageHeader;
use crate::components::loaded::Loaded;
use crate::components::resource::resource;
use crate::functions::integrations::{get_alerts_settings, SaveAlertsSettings, SendTestAlert};

/// Webhook URL, signing secret (write-only), error threshold, minutes without an answer,
/// the mail server, and *Enviar alerta de teste*.
#[component]
pub fn AlertsPage() -> impl IntoView {
    let save = ServerAction::<SaveAlertsSettings>::new();
    let value = save.value();
    let settings = resource(move || save.version().get(), |_| get_alerts_settings());
    let test = ServerAction::<SendTestAlert>::new();
    let tested = test.value();
    view! {
        <PageHeader
            title="Alertas"
            description="Avisos quando algo precisa de uma pessoa: uma tarefa que falhou de vez, um envio com erros acima do limite, o limite diário do canal atingido, o Opa! Suite ou o IXC sem responder (e quando voltam). Um aviso por ocorrência."
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
                            <Field
                                id="unreachable_minutes"
                                label="Alertar quando o Opa! Suite ou o IXC não responderem por mais de (minutos)"
                                error=field_error(value, "unreachable_minutes")
                            >
                                <input
                                    type="number"
                                    id="unreachable_minutes"
                                    name="unreachable_minutes"
                                    value=s.unreachable_minutes.to_string()
                                />
                            </Field>
                            <h3>"E-mail"</h3>
                            <p class="muted">
                                "Por SMTP com STARTTLS (ou TLS na porta 465). Deixe o servidor em branco para não enviar e-mails."
                            </p>
                            <Field
                                id="smtp_host"
                                label="Servidor SMTP"
                                error=field_error(value, "smtp_host")
                            >
                                <input
                                    type="text"
                                    id="smtp_host"
                                    name="smtp_host"
                                    value=s.smtp_host.clone()
                                    placeholder="smtp.exemplo.com.br"
                                />
                            </Field>
                            <Field
                                id="smtp_port"
                                label="Porta"
                                error=field_error(value, "smtp_port")
                            >
                                <input
                                    type="number"
                                    id="smtp_port"
                                    name="smtp_port"
                                    value=if s.smtp_port == 0 {
                                        "587".to_string()
                                    } else {
                                        s.smtp_port.to_string()
                                    }
                                />
                            </Field>
                            <Field
                                id="smtp_user"
                                label="Usuário SMTP"
                                error=field_error(value, "smtp_user")
                            >
                                <input
                                    type="text"
                                    id="smtp_user"
                                    name="smtp_user"
                                    value=s.smtp_user.clone()
                                    autocomplete="off"
                                />
                            </Field>
                            <Field
                                id="smtp_password"
                                label="Senha SMTP"
                                error=field_error(value, "password")
                            >
                                <input
                                    type="password"
                                    id="smtp_password"
                                    name="password"
                                    autocomplete="off"
                                    placeholder=if s.password_set {
                                        "Definida — deixe em branco para manter"
                                    } else {
                                        ""
                                    }
                                />
                            </Field>
                            <Field id="from" label="Remetente" error=field_error(value, "from")>
                                <input
                                    type="text"
                                    id="from"
                                    name="from"
                                    value=s.from.clone()
                                    placeholder="parabens@exemplo.com.br"
                                />
                            </Field>
                            <Field id="to" label="Enviar para" error=field_error(value, "to")>
                                <input
                                    type="text"
                                    id="to"
                                    name="to"
                                    value=s.to.clone()
                                    placeholder="noc@exemplo.com.br"
                                />
                            </Field>
                            <FormError message=form_error(value) />
                            <Saved when=succeeded(value) message="Alertas salvos." />
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
