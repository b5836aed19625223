use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{FormData, HtmlFormElement, SubmitEvent};

use crate::components::clients_nav::ClientsNav;
use crate::components::layout::PageHeader;
use crate::domain::url::percent_encode;
use crate::functions::clients::{client_import_status, import_clients};
use crate::models::client::{ImportReport, ImportStatus};

/// The rejected rows as a CSV the admin can open in a spreadsheet.
fn rejected_csv(report: &ImportReport) -> String {
    let mut out = String::from("linha;id;motivo\n");
    for r in &report.rejected {
        out.push_str(&format!(
            "{};{};\"{}\"\n",
            r.line,
            r.external_id,
            r.reason.replace('"', "\"\"")
        ));
    }
    out
}

fn data_url(csv: &str) -> String {
    format!("data:text/csv;charset=utf-8,{}", percent_encode(csv, b""))
}

/// *Clientes > Importar*: upload an IXC CSV export, watch the progress, read the report.
#[component]
pub fn ClientImportPage() -> impl IntoView {
    let upload = Action::new_local(|data: &FormData| import_clients(data.clone().into()));
    let status = RwSignal::new(None::<ImportStatus>);
    let poller = StoredValue::new(None::<IntervalHandle>);

    // Poll the job until it finishes.
    Effect::new(move |_| {
        if let Some(Ok(job)) = upload.value().get() {
            status.set(None);
            if let Some(h) = poller.get_value() {
                h.clear();
            }
            let handle = set_interval_with_handle(
                move || {
                    leptos::task::spawn_local(async move {
                        if let Ok(s) = client_import_status(job).await {
                            if s.finished {
                                if let Some(h) = poller.get_value() {
                                    h.clear();
                                }
                            }
                            status.set(Some(s));
                        }
                    })
                },
                Duration::from_millis(400),
            )
            .ok();
            poller.set_value(handle);
        }
    });
    on_cleanup(move || {
        if let Some(h) = poller.get_value() {
            h.clear();
        }
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        if let Ok(data) = FormData::new_with_form(&form) {
            upload.dispatch_local(data);
        }
    };
    let upload_error = move || match upload.value().get() {
        Some(Err(e)) => Some(e.to_string()),
        _ => None,
    };
    let busy = move || {
        upload.pending().get()
            || status.get().is_some_and(|s| !s.finished)
            || matches!(upload.value().get(), Some(Ok(_))) && status.get().is_none()
    };

    view! {
        <PageHeader title="Importar clientes" description="Arquivo CSV exportado do IXC (colunas id, razao, fantasia, tipo_pessoa, ativo, data_nascimento, whatsapp, telefone_celular, email, cidade, uf), separado por ; ou ,, em UTF-8 ou Windows-1252, até 100.000 linhas." />
        <ClientsNav />
        <section class="card">
            <form class="form" on:submit=on_submit>
                <div class="field">
                    <label for="file">"Arquivo CSV"</label>
                    <input type="file" id="file" name="file" accept=".csv,text/csv" required />
                    <Show when=move || upload_error().is_some()>
                        <p class="field-error" role="alert">{upload_error}</p>
                    </Show>
                </div>
                <button type="submit" class="btn btn-primary" disabled=busy>
                    {move || if busy() { "Importando…" } else { "Importar" }}
                </button>
            </form>
        </section>
        {move || status.get().map(|s| view! { <ImportProgress status=s /> })}
    }
}

#[component]
fn ImportProgress(status: ImportStatus) -> impl IntoView {
    let percent = (status.done * 100).checked_div(status.total).unwrap_or(0);
    view! {
        <section class="card" aria-live="polite">
            <h2>{status.file_name.clone()}</h2>
            {if !status.finished {
                view! {
                    <progress max="100" value=percent.to_string() aria-label="Progresso da importação"></progress>
                    <p class="muted">{format!("{} de {} linhas gravadas", status.done, status.total)}</p>
                }.into_any()
            } else if let Some(err) = status.error.clone() {
                view! {
                    <div class="alert alert-error" role="alert">
                        {format!("Arquivo recusado: {err} Nenhum cliente foi alterado.")}
                    </div>
                }.into_any()
            } else {
                let report = status.report.clone().unwrap_or_default();
                let csv = data_url(&rejected_csv(&report));
                view! {
                    <div class="alert alert-success" role="status">"Importação concluída."</div>
                    <dl class="stats" data-testid="import-report">
                        <div><dt>"Linhas"</dt><dd>{report.rows}</dd></div>
                        <div><dt>"Criados"</dt><dd>{report.created}</dd></div>
                        <div><dt>"Atualizados"</dt><dd>{report.updated}</dd></div>
                        <div><dt>"Sem alteração"</dt><dd>{report.unchanged}</dd></div>
                        <div><dt>"Rejeitados"</dt><dd>{report.rejected.len()}</dd></div>
                    </dl>
                    {(!report.rejected.is_empty()).then(|| view! {
                        <a class="btn btn-secondary" href=csv download="linhas-rejeitadas.csv">"Baixar linhas rejeitadas (CSV)"</a>
                        <table class="table" aria-label="Linhas rejeitadas">
                            <thead><tr><th>"Linha"</th><th>"Id"</th><th>"Motivo"</th></tr></thead>
                            <tbody>
                                {report.rejected.iter().take(500).map(|r| view! {
                                    <tr><td>{r.line}</td><td>{r.external_id.clone()}</td><td>{r.reason.clone()}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })}
                }.into_any()
            }}
        </section>
    }
}
