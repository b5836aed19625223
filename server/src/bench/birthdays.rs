//! `parabens bench birthdays --clients N`: the birthday selection through the month-day index
//! against a full scan, on N synthetic clients in a fresh embedded store.

use std::time::Instant;

use app::domain::birthday::LeapDayRule;
use app::models::settings::BirthdayAudience;
use app::server::{clients, db, schema};
use chrono::NaiveDate;

use super::{median, synthetic};

/// `parabens bench birthdays`.
#[derive(Debug, clap::Args)]
pub struct BirthdaysArgs {
    /// Synthetic clients in the fresh store.
    #[arg(long, default_value_t = 1_000_000)]
    pub clients: usize,
    /// Timed runs of each query (the median is printed).
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
}

pub async fn birthdays(args: BirthdaysArgs) -> anyhow::Result<()> {
    let n = args.clients;
    let runs = args.runs as usize;
    let dir = std::env::temp_dir().join("parabens-bench-birthdays");
    let _ = std::fs::remove_dir_all(&dir);
    let db = db::connect(&format!("surrealkv://{}", dir.display()), None).await?;
    schema::migrate(&db).await?;

    let t = Instant::now();
    let batch = 200;
    for start in (0..n).step_by(batch) {
        let rows: Vec<_> = (start..(start + batch).min(n)).map(synthetic).collect();
        clients::insert_new(&db, &rows, "bench").await?;
        if (start / batch) % 500 == 0 {
            eprintln!("inserted {start}/{n} ({:.0}s)", t.elapsed().as_secs_f64());
        }
    }
    eprintln!("inserted {n} clients in {:.1}s", t.elapsed().as_secs_f64());

    let day = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let audience = BirthdayAudience {
        only_active: true,
        leap_day_rule: LeapDayRule::Feb28,
    };
    let (mut indexed, mut scan) = (Vec::new(), Vec::new());
    let (mut matched, mut scanned) = (0, 0);
    for _ in 0..runs {
        let t = Instant::now();
        let sel = clients::select_birthdays(&db, day, &audience).await?;
        indexed.push(t.elapsed().as_secs_f64() * 1000.0);
        matched = sel.greeted.len() + sel.skipped.len();
        let t = Instant::now();
        scanned = clients::born_on_by_scan(&db, day, audience.leap_day_rule).await?;
        scan.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    anyhow::ensure!(
        matched == scanned,
        "index found {matched}, scan found {scanned}"
    );
    let (i, s) = (median(indexed), median(scan));
    drop(db);
    // surrealkv flushes in the background on close; deleting now would race it. The store is
    // removed at the start of the next run instead.
    eprintln!(
        "store left at {} (about 0.8 GB per million clients)",
        dir.display()
    );
    println!(
        "birthdays: clients={n} matched={matched} indexed_ms={i:.1} scan_ms={s:.1} speedup={:.1}",
        s / i
    );
    Ok(())
}
