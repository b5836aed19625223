//! Whether Opa! Suite and IXC answer, as this server's calls see them, shared by every
//! instance: `reachability:opa` / `reachability:ixc` holds since when no call has reached the
//! service (no answer, or a gateway's 502/503/504) and why, until a call gets an answer of
//! any kind. While a service fails, the heartbeat asks it again once a minute (whichever
//! instance comes first), so an outage is known to go on, or to end, with no send running.
//! Past the minutes set in *Integrações > Alertas* it is an incident: one alert, and one more
//! when the service answers again.

use chrono::{DateTime, Utc};
use surrealdb::types::{RecordId, SurrealValue};

use super::alerts::{self, AlertsConfig};
use super::db::Db;
use super::ixc::{IxcClient, IxcConfig};
use super::opa::connection::OpaConnection;
use super::setting_store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Opa,
    Ixc,
}

impl Service {
    pub const ALL: [Service; 2] = [Service::Opa, Service::Ixc];

    fn key(self) -> &'static str {
        match self {
            Service::Opa => "opa",
            Service::Ixc => "ixc",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Service::Opa => "Opa! Suite",
            Service::Ixc => "IXC",
        }
    }

    fn id(self) -> RecordId {
        RecordId::new("reachability", self.key())
    }
}

/// How often a failing service is asked again.
pub const PROBE_EVERY: chrono::Duration = chrono::Duration::seconds(60);

#[derive(Debug, Clone, SurrealValue)]
#[surreal(crate = "surrealdb::types")]
pub struct Outage {
    pub failing_since: DateTime<Utc>,
    pub last_error: String,
    pub last_try: DateTime<Utc>,
}

impl Outage {
    fn incident(&self, service: Service) -> String {
        format!(
            "inacessivel-{}-{}",
            service.key(),
            self.failing_since.timestamp_millis()
        )
    }
}

/// Records a call's outcome: `Some(why)` when it did not reach the service, `None` when it
/// got an answer (even a refusal). A failure to record is logged, never the call's.
pub async fn saw(db: &Db, service: Service, unreachable: Option<&str>) {
    let result = match unreachable {
        Some(why) => db
            .query(
                "UPSERT $id SET failing_since = failing_since ?? time::now(),
                     last_error = $why, last_try = time::now() RETURN NONE",
            )
            .bind(("id", service.id()))
            .bind(("why", why.chars().take(300).collect::<String>()))
            .await
            .and_then(|r| r.check().map(|_| ())),
        None => answered(db, service).await,
    };
    if let Err(e) = result {
        tracing::warn!(%e, service = service.name(), "could not record whether it answers");
    }
}

/// The service answered: its outage, if any, ends (and is told, when it was alerted).
async fn answered(db: &Db, service: Service) -> surrealdb::Result<()> {
    let mut res = db
        .query("IF record::exists($id) { RETURN (DELETE ONLY $id RETURN BEFORE) }")
        .bind(("id", service.id()))
        .await?;
    let ended: Option<Outage> = res.take(0)?;
    let Some(outage) = ended else {
        return Ok(());
    };
    let minutes = (Utc::now() - outage.failing_since).num_minutes();
    tracing::info!(service = service.name(), minutes, "answers again");
    if alerts::was_raised(db, &outage.incident(service)).await? {
        alerts::raise(
            db,
            &format!("{}-fim", outage.incident(service)),
            "servico_voltou",
            &format!("{} voltou a responder", service.name()),
            &format!("Ficou sem responder por cerca de {minutes} minutos."),
        )
        .await;
    }
    Ok(())
}

/// The outage of `service` going on, if any.
pub async fn outage(db: &Db, service: Service) -> surrealdb::Result<Option<Outage>> {
    let mut res = db
        .query("SELECT failing_since, last_error, last_try FROM ONLY $id")
        .bind(("id", service.id()))
        .await?;
    res.take(0)
}

/// The outages going on, for the *Painel*.
pub async fn outages(db: &Db) -> surrealdb::Result<Vec<crate::models::queue::ServiceOutage>> {
    let mut all = Vec::new();
    for service in Service::ALL {
        if let Some(o) = outage(db, service).await? {
            all.push(crate::models::queue::ServiceOutage {
                service: service.name().to_string(),
                since: o.failing_since,
                last_error: o.last_error,
            });
        }
    }
    Ok(all)
}

/// Claims the next probe of a failing service: true for one instance a minute.
pub async fn claim_probe(db: &Db, service: Service, now: DateTime<Utc>) -> surrealdb::Result<bool> {
    let mut res = db
        .query("UPDATE $id SET last_try = $now WHERE last_try <= $due RETURN VALUE last_try")
        .bind(("id", service.id()))
        .bind(("now", now))
        .bind(("due", now - PROBE_EVERY))
        .await?;
    let claimed: Vec<DateTime<Utc>> = res.take(0)?;
    Ok(!claimed.is_empty())
}

/// The heartbeat's part: asks each failing service again when its probe is due (one instance
/// a minute), then raises the alert of each outage longer than the minutes set in *Alertas*.
/// True when an outage ended (the pages have something new to show).
pub async fn watch(db: &Db, opa: &OpaConnection, now: DateTime<Utc>) -> surrealdb::Result<bool> {
    let mut ended = false;
    let mut config = None;
    for service in Service::ALL {
        // A service that answers has no row: nothing is written for it.
        let Some(mut current) = outage(db, service).await? else {
            continue;
        };
        if now - current.last_try >= PROBE_EVERY && claim_probe(db, service, now).await? {
            probe(db, opa, service).await?;
            match outage(db, service).await? {
                Some(still) => current = still,
                None => {
                    ended = true;
                    continue;
                }
            }
        }
        let minutes = match config {
            Some(m) => m,
            None => {
                let c: AlertsConfig = setting_store::get(db, setting_store::ALERTS).await?;
                *config.insert(c.unreachable_minutes)
            }
        };
        if now - current.failing_since < chrono::Duration::minutes(minutes.into()) {
            continue;
        }
        alerts::raise(
            db,
            &current.incident(service),
            "servico_inacessivel",
            &format!(
                "{} sem responder há mais de {minutes} minutos",
                service.name()
            ),
            &format!(
                "Sem resposta desde {} UTC. Último erro: {}",
                current.failing_since.format("%d/%m/%Y %H:%M"),
                current.last_error
            ),
        )
        .await;
    }
    Ok(ended)
}

/// Asks `service` again; the call records its own outcome. A service no longer configured
/// has no outage.
async fn probe(db: &Db, opa: &OpaConnection, service: Service) -> surrealdb::Result<()> {
    match service {
        Service::Opa => {
            if let Ok((client, _)) = opa.client(db).await {
                let _ = client.probe().await;
            }
        }
        Service::Ixc => {
            let config: IxcConfig = setting_store::get(db, setting_store::IXC).await?;
            match IxcClient::new(config) {
                Ok(client) => {
                    let _ = client.watched(db.clone()).count().await;
                }
                Err(_) => answered(db, service).await?,
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_outage_lasts_from_the_first_failure_to_the_first_answer() {
        let db = crate::server::db::connect("mem://", None).await.unwrap();
        crate::server::schema::migrate(&db).await.unwrap();
        assert!(outages(&db).await.unwrap().is_empty());
        saw(&db, Service::Opa, Some("recusada")).await;
        let first = outage(&db, Service::Opa).await.unwrap().unwrap();
        saw(&db, Service::Opa, Some("tempo esgotado")).await;
        let now = outage(&db, Service::Opa).await.unwrap().unwrap();
        assert_eq!(now.failing_since, first.failing_since);
        assert_eq!(now.last_error, "tempo esgotado");
        let all = outages(&db).await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].service, "Opa! Suite");
        assert!(outage(&db, Service::Ixc).await.unwrap().is_none());
        saw(&db, Service::Opa, None).await;
        assert!(outages(&db).await.unwrap().is_empty());
    }
}
