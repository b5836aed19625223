//! *Previsão dos próximos 30 dias*, shown on the *Painel* and on *Clientes > Aniversariantes*.

use leptos::prelude::*;

use crate::domain::money::{format_money, format_price};
use crate::domain::number::thousands;
use crate::functions::clients::load_forecast;
use crate::models::forecast::{Forecast, DAYS};

use super::loaded::Loaded;
use crate::components::resource::resource;

const MONTHS: [&str; 12] = [
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
];

/// Loads and shows the forecast.
#[component]
pub fn ForecastSection() -> impl IntoView {
    let forecast = resource(|| (), |_| load_forecast());
    view! {
        <Loaded resource=forecast let:f>
            <ForecastView f />
        </Loaded>
    }
}

#[component]
fn ForecastView(f: Forecast) -> impl IntoView {
    let (greetings, cost) = f.total();
    let cur = f.currency.clone();
    let limit = match (f.daily_limit, &f.limit_note) {
        (Some(l), _) => format!("Limite diário do canal: {} mensagens.", thousands(l)),
        (None, Some(note)) => note.clone(),
        (None, None) => String::new(),
    };
    let over: Vec<String> = f
        .days
        .iter()
        .filter(|d| f.over_limit(d))
        .map(|d| crate::domain::dates::day_month(d.date))
        .collect();
    let months = f
        .months()
        .into_iter()
        .map(|m| {
            format!(
                "{} de {}: {} felicitações, {}",
                MONTHS[(m.month as usize).saturating_sub(1) % 12],
                m.year,
                thousands(m.greetings),
                format_money(m.cost, &cur)
            )
        })
        .collect::<Vec<_>>();
    let rows = f
        .days
        .iter()
        .map(|d| {
            let over = f.over_limit(d);
            view! {
                <tr class=over.then_some("row-warning")>
                    <td>{crate::domain::dates::date(d.date)}</td>
                    <td>{thousands(d.greetings)}</td>
                    <td>{format_money(f.cost(d), &f.currency)}</td>
                    <td>
                        {over
                            .then(|| {
                                view! {
                                    <span class="badge outcome-interrompida">
                                        "Acima do limite diário"
                                    </span>
                                }
                            })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-label="Previsão">
            <h2>{format!("Previsão dos próximos {DAYS} dias")}</h2>
            <p>
                {format!(
                    "{} felicitações com os parâmetros atuais, custo estimado de {} ({} por mensagem entregue; modelos de marketing do WhatsApp são cobrados pela Meta por mensagem).",
                    thousands(greetings),
                    format_money(cost, &cur),
                    format_price(f.price, &cur),
                )}
            </p>
            <ul class="muted">
                {months.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
            </ul>
            <p class="muted">{limit}</p>
            {(!over.is_empty())
                .then(|| {
                    view! {
                        <div class="alert alert-warning" role="alert">
                            {format!(
                                "{} dia(s) acima do limite diário do canal: {}. O que passar do limite fica para o dia seguinte.",
                                over.len(),
                                over.join(", "),
                            )}
                        </div>
                    }
                })}
            <div class="table-scroll">
                <table class="table" aria-label="Previsão por dia">
                    <thead>
                        <tr>
                            <th>"Data"</th>
                            <th>"Felicitações"</th>
                            <th>"Custo estimado"</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}
