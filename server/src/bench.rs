//! `parabens bench birthdays --clients N`: the birthday selection through the month-day index
//! against a full scan, on N synthetic clients in a fresh embedded store.

use std::time::Instant;

use app::domain::birthday::LeapDayRule;
use app::models::client::{ClientRecord, PersonType};
use app::models::settings::BirthdayAudience;
use app::server::{clients, db, schema};
use chrono::NaiveDate;

fn arg(args: &[String], name: &str, default: usize) -> anyhow::Result<usize> {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .ok_or_else(|| anyhow::anyhow!("{name} needs a value"))?
            .replace('_', "")
            .parse()
            .map_err(|e| anyhow::anyhow!("{name}: {e}")),
        None => Ok(default),
    }
}

/// A deterministic pseudo-random client (xorshift), so runs are comparable.
fn synthetic(i: usize) -> ClientRecord {
    let mut x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let birth =
        NaiveDate::from_ymd_opt(1940, 1, 1).unwrap() + chrono::Days::new(next() % (365 * 65));
    ClientRecord {
        external_id: (i + 1).to_string(),
        name: format!("Cliente Sintético {}", i + 1),
        person_type: if next() % 10 == 0 {
            PersonType::Juridica
        } else {
            PersonType::Fisica
        },
        active: next() % 8 != 0,
        birth_date: (next() % 20 != 0).then_some(birth),
        whatsapp: format!("(11) 9{:04}-{:04}", next() % 10_000, next() % 10_000),
        city: "São Paulo".into(),
        state: "SP".into(),
        ..Default::default()
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

pub async fn birthdays(args: &[String]) -> anyhow::Result<()> {
    let n = arg(args, "--clients", 1_000_000)?;
    let runs = arg(args, "--runs", 7)?.max(1);
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
