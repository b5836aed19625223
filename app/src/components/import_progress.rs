//! Progress and report of a client import (CSV file or IXC sync), polled while it runs.

use std::time::Duration;

use leptos::prelude::*;

use crate::domain::spreadsheet;
use crate::domain::url::percent_encode;
use crate::functions::clients::client_import_status;
use crate::models::client::{ImportReport, ImportStatus};

/// The rejected rows as a CSV the admin can open in a spreadsheet (the ids come from the
/// file, so they are quoted and neutralised like every field).
fn rejected_csv(report: &ImportReport) -> String {
    let mut out = spreadsheet::row(["linha", "id", "motivo"]);
    for r in &report.rejected {
        out.push_str(&spreadsheet::row([
            r.line.to_string().as_str(),
            &r.external_id,
            &r.reason,
        ]));
    }
    out
}

fn data_url(csv: &str) -> String {
    format!("data:text/csv;charset=utf-8,{}", percent_encode(csv, b""))
}

/// Polls the import `job` every 400 ms until it finishes; the latest status.
pub fn watch_import(job: Signal<Option<String>>) -> RwSignal<Option<ImportStatus>> {
    let status = RwSignal::new(None::<ImportStatus>);
    let poller = StoredValue::new(None::<IntervalHandle>);

    // Poll the job until it finishes.
    Effect::new(move |_| {
        if let Some(job) = job.get() {
            status.set(None);
            if let Some(h) = poller.get_value() {
                h.clear();
            }
            let handle = set_interval_with_handle(
                move || {
                    let job = job.clone();
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

    status
}

#[component]
pub fn ImportProgress(status: ImportStatus) -> impl IntoView {
    let percent = (status.done * 100).checked_div(status.total).unwrap_or(0);
    view! {
        <section class="card" aria-live="polite">
            <h2>{status.file_name.clone()}</h2>
            {if !status.finished {
                view! {
                    <progress
                        max="100"
                        value=percent.to_string()
                        aria-label="Progresso da importação"
                    ></progress>
                    <p class="muted">
                        {format!("{} de {} linhas gravadas", status.done, status.total)}
                    </p>
                }
                    .into_any()
            } else if let Some(err) = status.error.clone() {
                view! {
                    <div class="alert alert-error" role="alert">
                        {format!("Arquivo recusado: {err} Nenhum cliente foi alterado.")}
                    </div>
                }
                    .into_any()
            } else {
                let report = status.report.clone().unwrap_or_default();
                let csv = data_url(&rejected_csv(&report));
                view! {
                    <div class="alert alert-success" role="status">
                        "Importação concluída."
                    </div>
                    <dl class="stats" data-testid="import-report">
                        <div>
                            <dt>"Linhas"</dt>
                            <dd>{report.rows}</dd>
                        </div>
                        <div>
                            <dt>"Criados"</dt>
                            <dd>{report.created}</dd>
                        </div>
                        <div>
                            <dt>"Atualizados"</dt>
                            <dd>{report.updated}</dd>
                        </div>
                        <div>
                            <dt>"Sem alteração"</dt>
                            <dd>{report.unchanged}</dd>
                        </div>
                        <div>
                            <dt>"Rejeitados"</dt>
                            <dd>{report.rejected.len()}</dd>
                        </div>
                    </dl>
                    {(!report.rejected.is_empty())
                        .then(|| {
                            view! {
                                <a
                                    class="btn btn-secondary"
                                    href=csv
                                    download="linhas-rejeitadas.csv"
                                >
                                    "Baixar linhas rejeitadas (CSV)"
                                </a>
                                <table class="table" aria-label="Linhas rejeitadas">
                                    <thead>
                                        <tr>
                                            <th>"Linha"</th>
                                            <th>"Id"</th>
                                            <th>"Motivo"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {report
                                            .rejected
                                            .iter()
                                            .take(500)
                                            .map(|r| {
                                                view! {
                                                    <tr>
                                                        <td>{r.line}</td>
                                                        <td>{r.external_id.clone()}</td>
                                                        <td>{r.reason.clone()}</td>
                                                    </tr>
                                                }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            }
                        })}
                }
                    .into_any()
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::rejected_csv;
    use crate::models::client::{ImportReport, RejectedRow};

    #[test]
    fn the_rejected_rows_file_runs_no_formula() {
        let row = |line, id: &str| RejectedRow {
            line,
            external_id: id.into(),
            reason: "Id inválido".into(),
        };
        let report = ImportReport {
            rejected: vec![row(2, "+cmd|'/C calc'!A0"), row(3, "@SUM(1;2)")],
            ..Default::default()
        };
        assert_eq!(
            rejected_csv(&report),
            "\"linha\";\"id\";\"motivo\"\n\
             \"2\";\"'+cmd|'/C calc'!A0\";\"Id inválido\"\n\
             \"3\";\"'@SUM(1;2)\";\"Id inválido\"\n"
        );
    }
}
