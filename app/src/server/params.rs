//! The birthday routine's parameters, with the server's time zone as the default.

use chrono::NaiveDate;

use super::db::Db;
use super::settings;
use super::state::Settings;
use crate::models::settings::BirthdayParams;

/// The saved parameters; before any save, the defaults in the server's time zone.
pub async fn birthday_params(db: &Db) -> surrealdb::Result<Option<BirthdayParams>> {
    let saved: Option<BirthdayParams> = settings::get(db, settings::BIRTHDAY_PARAMS).await?;
    Ok(saved)
}

/// The business time zone: the saved one, else `PARABENS_TZ`.
pub fn time_zone(params: &Option<BirthdayParams>, server: &Settings) -> chrono_tz::Tz {
    params
        .as_ref()
        .and_then(|p| p.time_zone.parse().ok())
        .unwrap_or(server.time_zone)
}

/// The business time zone as saved now (for callers that need nothing else).
pub async fn business_time_zone(db: &Db, server: &Settings) -> surrealdb::Result<chrono_tz::Tz> {
    Ok(time_zone(&birthday_params(db).await?, server))
}

/// Today's date in the business time zone.
pub fn today(params: &Option<BirthdayParams>, server: &Settings) -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&time_zone(params, server))
        .date_naive()
}
