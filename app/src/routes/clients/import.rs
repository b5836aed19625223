use leptos::prelude::*;

use crate::components::form::Field;
use wasm_bindgen::JsCast;
use web_sys::{FormData, HtmlFormElement, SubmitEvent};

use crate::components::clients_nav::ClientsNav;
use crate::components::import_progress::{watch_import, ImportProgress};
use crate::components::layout::PageHeader;
use crate::functions::clients::import_clients;

/// *Clientes > Importar*: upload an IXC CSV export, watch the progress, read the report.
#[component]
pub fn ClientImportPage() -> impl IntoView {
    let upload = Action::new_local(|data: &FormData| import_clients(data.clone().into()));
    let job = Signal::derive(move || upload.value().get().and_then(Result::ok));
    let status = watch_import(job);

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
    // Busy from the upload until the job's last status arrives.
    let busy = move || {
        upload.pending().get() || job.get().is_some() && !status.get().is_some_and(|s| s.finished)
    };

    view! {
        <PageHeader
            title="Importar clientes"
            description="Arquivo CSV exportado do IXC (colunas id, razao, fantasia, tipo_pessoa, ativo, data_nascimento, whatsapp, telefone_celular, email, cidade, uf), separado por ; ou ,, em UTF-8 ou Windows-1252, até 1.000.000 de linhas (256 MB)."
        />
        <ClientsNav />
        <section class="card">
            <form class="form" on:submit=on_submit>
                <Field id="file" label="Arquivo CSV">
                    <input type="file" id="file" name="file" accept=".csv,text/csv" required />
                    <Show when=move || upload_error().is_some()>
                        <p class="field-error" role="alert">
                            {upload_error}
                        </p>
                    </Show>
                </Field>
                <button type="submit" class="btn btn-primary" disabled=busy>
                    {move || if busy() { "Importando…" } else { "Importar" }}
                </button>
            </form>
        </section>
        {move || status.get().map(|s| view! { <ImportProgress status=s /> })}
    }
}
