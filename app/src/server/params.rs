//! The birthday routine's parameters in force: the saved ones, or before any save the
//! defaults in the server's time zone (`PARABENS_TZ`). Every reader goes through
//! [`effective`], so that rule lives here only.

use chrono::NaiveDate;

use super::config::Config;
use super::db::Db;
use super::setting_store;
use crate::models::settings::BirthdayParams;

/// The parameters in force and the business time zone they name.
#[derive(Debug, Clone)]
pub struct Effective {
    pub params: BirthdayParams,
    /// Whether an admin has saved parameters yet.
    pub saved: bool,
    pub time_zone: chrono_tz::Tz,
}

impl Effective {
    /// Today's date in the business time zone.
    pub fn today(&self) -> NaiveDate {
        chrono::Utc::now()
            .with_timezone(&self.time_zone)
            .date_naive()
    }
}

pub async fn effective(db: &Db, server: &Config) -> surrealdb::Result<Effective> {
    let saved: Option<BirthdayParams> =
        setting_store::get(db, setting_store::BIRTHDAY_PARAMS).await?;
    Ok(match saved {
        Some(params) => Effective {
            time_zone: params.time_zone.parse().unwrap_or(server.time_zone),
            params,
            saved: true,
        },
        None => Effective {
            params: BirthdayParams {
                time_zone: server.time_zone.name().to_string(),
                ..BirthdayParams::default()
            },
            saved: false,
            time_zone: server.time_zone,
        },
    })
}
