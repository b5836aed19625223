use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::clients_nav::{format_date, ClientsNav};
use crate::components::layout::PageHeader;
use crate::components::loaded::Loaded;
use crate::components::pager::{summary, CursorPager, AFTER, BEFORE};
use crate::components::resource::resource;
use crate::domain::phone::format_display;
use crate::domain::url::percent_encode;
use crate::functions::clients::{list_clients, SetClientOptOut};

/// The filters in the page's query, in the order `list_clients` takes them.
const FILTERS: [&str; 6] = ["busca", "tipo", "ativo", "telefone", "mes", "optout"];

/// *Clientes*: search, filters, paging and opt-out.
#[component]
pub fn ClientsPage() -> impl IntoView {
    let query = use_query_map();
    let q = move |k: &str| query.with(|m| m.get(k).unwrap_or_default());
    let opt_out = ServerAction::<SetClientOptOut>::new();
    let clients = resource(
        move || (FILTERS.map(q), q(AFTER), q(BEFORE), opt_out.version().get()),
        |([text, tipo, ativo, tel, mes, optout], after, before, _)| {
            list_clients(
                text,
                Some(tipo),
                Some(ativo),
                Some(tel),
                Some(mes),
                Some(optout),
                Some(after),
                Some(before),
            )
        },
    );
    let select = move |name: &'static str,
                       label: &'static str,
                       options: &'static [(&'static str, &'static str)]| {
        view! {
            <div class="field">
                <label for=name>{label}</label>
                <select id=name name=name>
                    {options
                        .iter()
                        .map(|(v, l)| {
                            view! {
                                <option value=*v selected=move || q(name) == *v>
                                    {*l}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
        }
    };
    view! {
        <PageHeader title="Clientes" description="Clientes importados do IXC ou de planilha CSV." />
        <ClientsNav />
        <form method="get" class="card toolbar filters">
            <div class="field grow">
                <label for="busca">"Buscar"</label>
                <input
                    type="text"
                    id="busca"
                    name="busca"
                    placeholder="Nome, telefone ou id"
                    value=move || q("busca")
                />
            </div>
            {select(
                "tipo",
                "Tipo de pessoa",
                &[("", "Todos"), ("F", "Física"), ("J", "Jurídica"), ("E", "Estrangeiro")],
            )}
            {select("ativo", "Ativo", &[("", "Todos"), ("S", "Sim"), ("N", "Não")])}
            {select(
                "telefone",
                "Telefone utilizável",
                &[("", "Todos"), ("S", "Sim"), ("N", "Não")],
            )}
            {select(
                "mes",
                "Mês de aniversário",
                &[
                    ("", "Todos"),
                    ("1", "Janeiro"),
                    ("2", "Fevereiro"),
                    ("3", "Março"),
                    ("4", "Abril"),
                    ("5", "Maio"),
                    ("6", "Junho"),
                    ("7", "Julho"),
                    ("8", "Agosto"),
                    ("9", "Setembro"),
                    ("10", "Outubro"),
                    ("11", "Novembro"),
                    ("12", "Dezembro"),
                ],
            )}
            {select("optout", "Não recebe", &[("", "Todos"), ("S", "Sim"), ("N", "Não")])}
            <button type="submit" class="btn btn-primary">
                "Filtrar"
            </button>
        </form>
        <Loaded resource=clients let:loaded>
            {
                let size = summary(&loaded, "clientes", "encontrados");
                let (prev, next) = (loaded.prev, loaded.next);
                let filters = FILTERS.map(|k| (k, q(k))).to_vec();
                let list = loaded.items;
                view! {
                    <section class="card">
                        <p class="muted">{size}</p>
                        <div class="table-scroll">
                            <table class="table" aria-label="Clientes">
                                <thead>
                                    <tr>
                                        <th>"Id"</th>
                                        <th>"Nome"</th>
                                        <th>"Tipo"</th>
                                        <th>"Ativo"</th>
                                        <th>"Nascimento"</th>
                                        <th>"WhatsApp"</th>
                                        <th>"Cidade"</th>
                                        <th>"Recebe"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {list
                                        .into_iter()
                                        .map(|c| {
                                            let id = c.external_id.clone();
                                            let opted = c.opted_out;
                                            view! {
                                                <tr>
                                                    <td>{c.external_id.clone()}</td>
                                                    <td>
                                                        <a href=format!(
                                                            "/clientes/{}",
                                                            percent_encode(&c.external_id, b""),
                                                        )>{c.name.clone()}</a>
                                                    </td>
                                                    <td>{c.person_type.label()}</td>
                                                    <td>{if c.active { "Sim" } else { "Não" }}</td>
                                                    <td>{format_date(c.birth_date)}</td>
                                                    <td>
                                                        {match (&c.phone, &c.phone_problem) {
                                                            (Some(p), _) => format_display(p),
                                                            (None, Some(why)) => why.clone(),
                                                            _ => "—".into(),
                                                        }}
                                                    </td>
                                                    <td>{format!("{} {}", c.city, c.state)}</td>
                                                    <td>
                                                        <ActionForm action=opt_out attr:class="inline-form">
                                                            <input type="hidden" name="external_id" value=id />
                                                            <input
                                                                type="hidden"
                                                                name="opted_out"
                                                                value=(!opted).to_string()
                                                            />
                                                            <button type="submit" class="btn btn-ghost">
                                                                {if opted {
                                                                    "Não recebe · Voltar a enviar"
                                                                } else {
                                                                    "Recebe · Não enviar"
                                                                }}
                                                            </button>
                                                        </ActionForm>
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view()}
                                </tbody>
                            </table>
                        </div>
                        <CursorPager prev next path="/clientes" filters />
                    </section>
                }
                    .into_any()
            }
        </Loaded>
    }
}
