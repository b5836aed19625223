//! The forecast of the next days' greetings: the enqueue's own selection
//! ([`clients::select_birthdays`]) run for each day, against the chosen message's channel's
//! daily limit from Opa! Suite.

use std::time::Duration;

use chrono::Days;

use super::db::Db;
use super::fresh::Fresh;
use super::opa::connection::OpaConnection;
use super::params::Effective;
use super::{clients, messages};
use crate::models::forecast::{Forecast, ForecastDay, DAYS};

pub async fn forecast(
    db: &Db,
    opa: &OpaConnection,
    effective: &Effective,
) -> surrealdb::Result<Forecast> {
    let audience = effective.params.audience();
    let today = effective.today();
    let mut days = Vec::with_capacity(DAYS);
    for i in 0..DAYS {
        let date = today + Days::new(i as u64);
        let selection = clients::select_birthdays(db, date, &audience).await?;
        days.push(ForecastDay {
            date,
            greetings: selection.greeted.len() as u64,
        });
    }
    let (daily_limit, limit_note) = channel_limit(db, opa, effective).await?;
    Ok(Forecast {
        days,
        daily_limit,
        limit_note,
        price: effective.params.price(),
        currency: effective.params.currency.clone(),
    })
}

/// How long one instance's forecast serves every request (see [`ForecastCache`]).
pub const FRESH_FOR: Duration = Duration::from_secs(60);

/// One forecast per instance, computed once for every request that asks within
/// [`FRESH_FOR`] (the others wait for it): a forecast reads the birthdays of 30 days, about a
/// twelfth of the clients, and asks Opa! Suite for the channel's limit, so fifty admins on the
/// *Painel* at once would each do it. New parameters, a new day or a new client count make a
/// new one at once; other changes to clients show within [`FRESH_FOR`].
pub struct ForecastCache(Fresh<Forecast>);

impl Default for ForecastCache {
    fn default() -> Self {
        Self(Fresh::new(FRESH_FOR))
    }
}

impl ForecastCache {
    pub async fn get(
        &self,
        db: &Db,
        opa: &OpaConnection,
        effective: &Effective,
    ) -> surrealdb::Result<Forecast> {
        let key = serde_json::json!([
            effective.today(),
            effective.params,
            clients::count(db).await?
        ])
        .to_string();
        self.0.get(key, || forecast(db, opa, effective)).await
    }
}

/// The daily limit of the birthday message's channel, or why it is not known.
async fn channel_limit(
    db: &Db,
    opa: &OpaConnection,
    effective: &Effective,
) -> surrealdb::Result<(Option<u64>, Option<String>)> {
    let Some(id) = effective.params.message_id.as_deref() else {
        return Ok((
            None,
            Some("Nenhuma mensagem de aniversário escolhida em Parâmetros.".into()),
        ));
    };
    let Some(message) = messages::get(db, id).await? else {
        return Ok((
            None,
            Some("A mensagem de aniversário escolhida não existe mais.".into()),
        ));
    };
    let answer = match opa.client(db).await {
        Ok((client, _)) => client.daily_limit(&message.channel_id).await,
        Err(e) => Err(e),
    };
    Ok(match answer {
        Ok(l) => match l.daily_limit {
            Some(n) => (Some(n), None),
            None => (None, Some("O canal não informa limite diário.".into())),
        },
        Err(e) => {
            tracing::warn!(error = %e, "daily limit unknown for the forecast");
            (None, Some(format!("Limite diário indisponível: {e}")))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::client::ClientRecord;
    use crate::models::settings::BirthdayParams;

    #[tokio::test]
    async fn each_day_counts_whom_the_enqueue_would_greet() {
        let db = crate::server::db::connect("mem://", None).await.unwrap();
        crate::server::schema::migrate(&db).await.unwrap();
        let effective = Effective {
            params: BirthdayParams {
                only_active: true,
                message_price: "0,50".into(),
                ..Default::default()
            },
            time_zone: chrono_tz::America::Sao_Paulo,
            saved: true,
        };
        let today = effective.today();
        let born = |days: u64| {
            let d = today + Days::new(days);
            chrono::NaiveDate::from_ymd_opt(
                1990,
                chrono::Datelike::month(&d),
                chrono::Datelike::day(&d),
            )
            .or_else(|| chrono::NaiveDate::from_ymd_opt(1990, 2, 28))
        };
        let client = |id: &str, days: u64, active: bool| ClientRecord {
            external_id: id.into(),
            name: format!("Cliente {id}"),
            active,
            birth_date: born(days),
            whatsapp: format!("(11) 98765-{:04}", id.parse::<u32>().unwrap()),
            ..Default::default()
        };
        let rows = vec![
            client("1", 0, true),
            client("2", 0, true),
            client("3", 0, false),
            client("4", 2, true),
            client("5", 45, true),
        ];
        clients::upsert(&db, &rows, "csv", |_| {}).await.unwrap();
        let opa = OpaConnection::new(None, None);
        let f = forecast(&db, &opa, &effective).await.unwrap();
        assert_eq!(f.days.len(), DAYS);
        assert_eq!(f.days[0].date, today);
        // Two today (the inactive one is left out, as the enqueue does), one in two days,
        // none beyond the window.
        let counts: Vec<u64> = f.days.iter().map(|d| d.greetings).collect();
        assert_eq!(counts.iter().sum::<u64>(), 3, "{counts:?}");
        assert_eq!((counts[0], counts[2]), (2, 1));
        assert_eq!(f.total(), (3, 15_000));
        // No message chosen: the limit is unknown, and the forecast says why.
        assert_eq!(f.daily_limit, None);
        assert!(f.limit_note.clone().unwrap().contains("Nenhuma mensagem"));

        // Cached: the same forecast until the parameters or the client count change.
        let cache = ForecastCache::default();
        assert_eq!(cache.get(&db, &opa, &effective).await.unwrap(), f);
        clients::upsert(&db, &[client("6", 1, true)], "csv", |_| {})
            .await
            .unwrap();
        let more = cache.get(&db, &opa, &effective).await.unwrap();
        assert_eq!(more.days[1].greetings, 1, "a new client counts at once");
        let inactive_too = Effective {
            params: BirthdayParams {
                only_active: false,
                ..effective.params.clone()
            },
            ..effective.clone()
        };
        let all = cache.get(&db, &opa, &inactive_too).await.unwrap();
        assert_eq!(all.days[0].greetings, 3, "new parameters count at once");
    }
}
