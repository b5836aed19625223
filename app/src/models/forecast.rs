//! *Previsão*: how many clients the enqueue will greet each of the next days under the
//! current parameters, what that costs, and which days go over the channel's daily limit.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// Days forecast.
pub const DAYS: usize = 30;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastDay {
    pub date: NaiveDate,
    pub greetings: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Forecast {
    /// Today first.
    pub days: Vec<ForecastDay>,
    /// The channel's daily limit from Opa! Suite, when it has one and answered.
    pub daily_limit: Option<u64>,
    /// Why the limit is unknown, when it is.
    pub limit_note: Option<String>,
    /// Price per greeting, ten-thousandths of `currency` (`domain::money`).
    pub price: u64,
    pub currency: String,
}

/// A calendar month's part of the forecast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForecastMonth {
    pub year: i32,
    pub month: u32,
    pub greetings: u64,
    pub cost: u64,
}

impl Forecast {
    pub fn over_limit(&self, day: &ForecastDay) -> bool {
        self.daily_limit.is_some_and(|l| day.greetings > l)
    }

    /// What a day costs, ten-thousandths.
    pub fn cost(&self, day: &ForecastDay) -> u64 {
        day.greetings.saturating_mul(self.price)
    }

    pub fn total(&self) -> (u64, u64) {
        let n: u64 = self.days.iter().map(|d| d.greetings).sum();
        (n, n.saturating_mul(self.price))
    }

    /// The forecast by calendar month (the window spans one or two).
    pub fn months(&self) -> Vec<ForecastMonth> {
        let mut out: Vec<ForecastMonth> = Vec::new();
        for d in &self.days {
            let (year, month) = (d.date.year(), d.date.month());
            match out.last_mut() {
                Some(m) if m.year == year && m.month == month => {
                    m.greetings += d.greetings;
                    m.cost += self.cost(d);
                }
                _ => out.push(ForecastMonth {
                    year,
                    month,
                    greetings: d.greetings,
                    cost: self.cost(d),
                }),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_months_and_days_over_the_limit() {
        let day = |m, d, n| ForecastDay {
            date: NaiveDate::from_ymd_opt(2026, m, d).unwrap(),
            greetings: n,
        };
        let f = Forecast {
            days: vec![day(11, 30, 10), day(12, 1, 300), day(12, 2, 0)],
            daily_limit: Some(250),
            limit_note: None,
            price: 3_500,
            currency: "BRL".into(),
        };
        assert_eq!(f.cost(&f.days[0]), 35_000);
        assert!(!f.over_limit(&f.days[0]) && f.over_limit(&f.days[1]));
        assert_eq!(f.total(), (310, 1_085_000));
        let months = f.months();
        assert_eq!(months.len(), 2);
        assert_eq!((months[0].month, months[0].greetings), (11, 10));
        assert_eq!(
            (months[1].month, months[1].greetings, months[1].cost),
            (12, 300, 1_050_000)
        );
        let unlimited = Forecast {
            daily_limit: None,
            ..f
        };
        assert!(!unlimited.over_limit(&unlimited.days[1]));
    }
}
