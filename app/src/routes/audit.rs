use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::layout::PageHeader;
use crate::components::loaded::Loaded;
use crate::components::pager::{summary, CursorPager, AFTER, BEFORE};
use crate::components::resource::{once, resource};
use crate::components::time::format_time;
use crate::functions::auth::list_audit;
use crate::functions::messages::get_birthday_params;
use crate::models::audit::AuditAction;

/// The filters in the page's query, in the order `list_audit` takes them.
const FILTERS: [&str; 2] = ["usuario", "acao"];

/// *Conta > Auditoria*: who changed what and when, newest first.
#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let q = move |k: &str| query.with(|m| m.get(k).unwrap_or_default());
    let log = resource(
        move || (FILTERS.map(q), q(AFTER), q(BEFORE)),
        |([actor, action], after, before)| list_audit(actor, action, Some(after), Some(before)),
    );
    // Times in the business time zone, as everywhere else.
    let params = once(get_birthday_params());
    let tz = move || {
        params
            .get()
            .and_then(Result::ok)
            .map(|p| p.time_zone)
            .unwrap_or_else(|| "America/Sao_Paulo".into())
    };
    view! {
        <PageHeader
            title="Auditoria"
            description="Quem mudou o quê e quando: mensagens, parâmetros, agenda, integrações (nunca os tokens), administradores, execuções manuais, ações na fila e entradas."
        />
        <p>
            <a href="/conta">"← Conta"</a>
        </p>
        <form method="get" class="card toolbar filters" aria-label="Filtros">
            <div class="field">
                <label for="usuario">"Usuário"</label>
                <input type="text" id="usuario" name="usuario" value=move || q("usuario") />
            </div>
            <div class="field">
                <label for="acao">"Ação"</label>
                <select id="acao" name="acao">
                    <option value="" selected=move || q("acao").is_empty()>
                        "Todas"
                    </option>
                    {AuditAction::ALL
                        .map(|a| {
                            view! {
                                <option value=a.key() selected=move || q("acao") == a.key()>
                                    {a.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class="btn btn-primary">
                "Filtrar"
            </button>
        </form>
        <Loaded resource=log let:page>
            {
                let size = summary(&page, "registros", "encontrados");
                let (prev, next) = (page.prev, page.next);
                let filters = FILTERS.map(|k| (k, q(k))).to_vec();
                view! {
                    <section class="card">
                        <p class="muted">{size} " · horários em " {tz}</p>
                        <div class="table-scroll">
                            <table class="table" aria-label="Registro de auditoria">
                                <thead>
                                    <tr>
                                        <th>"Quando"</th>
                                        <th>"Usuário"</th>
                                        <th>"Ação"</th>
                                        <th>"Detalhe"</th>
                                        <th>"IP"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {page
                                        .items
                                        .into_iter()
                                        .map(|e| {
                                            view! {
                                                <tr>
                                                    <td>{move || format_time(e.at, &tz())}</td>
                                                    <td>{e.actor}</td>
                                                    <td>{e.action.label()}</td>
                                                    <td>{e.detail}</td>
                                                    <td>{e.ip.unwrap_or_default()}</td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <CursorPager prev next path="/conta/auditoria" filters />
                    </section>
                }
            }
        </Loaded>
    }
}
