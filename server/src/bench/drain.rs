//! `parabens bench drain`: a real server drains the queue through the sandbox under the cap.

use std::time::Instant;

use app::models::client::{ClientRecord, PersonType};
use app::server::clients;

/// `parabens bench drain`.
#[derive(Debug, clap::Args)]
pub struct DrainArgs {
    /// Messages queued before the drain.
    #[arg(long, default_value_t = 10_000)]
    pub messages: usize,
    /// The cap, messages per minute.
    #[arg(long, default_value_t = 4_800, value_parser = clap::value_parser!(u32).range(1..=6000))]
    pub rate: u32,
    /// The sandbox's latency per send.
    #[arg(long = "latency-ms", default_value_t = 50)]
    pub latency_ms: u64,
    /// Share of sends answered 429 with `Retry-After: 1` (0 to 1).
    #[arg(long = "fault-429", default_value_t = 0.0)]
    pub fault_429: f64,
}

/// `parabens bench drain --messages N --rate R --latency-ms L [--fault-429 F]`: a real server
/// (surrealkv store, apalis workers, the sandbox over loopback HTTP with latency `L` and a
/// share `F` of 429s with `Retry-After: 1`) drains `N` queued messages under a cap of `R`
/// messages per minute. Prints the achieved rate against the cap, duplicates and losses.
pub async fn drain(a: DrainArgs) -> anyhow::Result<()> {
    use app::models::agenda::TaskKind;
    use app::models::queue::{QueueStatus, Trigger};
    use app::models::settings::BirthdayParams;
    use app::server::opa::sandbox::{Faults, CHANNEL_MAIN, TEMPLATE_BIRTHDAY};
    use app::server::queue::{self, NewMessage};
    use app::server::{agenda, jobs, params, setting_store};
    use chrono::Datelike;

    anyhow::ensure!(
        (0.0..=1.0).contains(&a.fault_429),
        "--fault-429: a share between 0 and 1"
    );
    let dir = std::env::temp_dir().join("parabens-bench-drain");
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = crate::config::Config::for_tests("bench-senha-admin");
    config.db_url = format!("surrealkv://{}", dir.display());
    config.retry_base = std::time::Duration::from_secs(1);
    config.max_send_attempts = 8;
    let running = crate::start(&config, std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let state = running.state.clone();
    let db = &state.db;
    // Only the bench's own run sends.
    for mut e in agenda::list(db).await? {
        e.enabled = false;
        agenda::save(db, &e).await?;
    }
    let params = BirthdayParams {
        message_id: Some("bench".into()),
        window_from: 0,
        window_to: 24,
        per_minute: a.rate,
        ..Default::default()
    };
    setting_store::put(db, setting_store::BIRTHDAY_PARAMS, &params).await?;

    let t = Instant::now();
    // The sender checks every message against its client just before sending.
    let today = params::effective(db, &state.config).await?.today();
    let records: Vec<ClientRecord> = (0..a.messages)
        .map(|i| ClientRecord {
            external_id: format!("{}", i + 1),
            name: format!("Cliente {}", i + 1),
            trade_name: String::new(),
            person_type: PersonType::Fisica,
            active: true,
            birth_date: None,
            whatsapp: format!("119{:08}", i),
            mobile: String::new(),
            email: String::new(),
            city: String::new(),
            state: String::new(),
        })
        .collect();
    for chunk in records.chunks(200) {
        clients::insert_new(db, chunk, "bench").await?;
    }
    let messages: Vec<NewMessage> = (0..a.messages)
        .map(|i| NewMessage {
            client_id: format!("{}", i + 1),
            client_name: format!("Cliente {}", i + 1),
            phone: format!("+55119{:08}", i),
            year: today.year(),
            day: today,
            message_id: "bench".into(),
            message_description: "Bench".into(),
            channel_id: CHANNEL_MAIN.into(),
            template_id: TEMPLATE_BIRTHDAY.into(),
            variables: vec!["Ana".into(), "NetFibra".into(), "30".into()],
            text: "Parabéns!".into(),
        })
        .collect();
    for chunk in messages.chunks(200) {
        queue::enqueue(db, "bench", chunk).await?;
    }
    eprintln!(
        "enqueued {} messages in {:.1}s",
        a.messages,
        t.elapsed().as_secs_f64()
    );
    // Every delivery is counted, so the sandbox keeps them all.
    state.opa.sandbox.keep_latest(usize::MAX);
    state.opa.sandbox.set_faults(Faults {
        latency_ms: a.latency_ms,
        share_429: a.fault_429,
        retry_after_secs: 1,
        ..Default::default()
    });

    let entry = agenda::list(db)
        .await?
        .into_iter()
        .find(|e| e.task == TaskKind::SendQueue)
        .ok_or_else(|| anyhow::anyhow!("no send entry in the agenda"))?;
    let started = Instant::now();
    let mut round = 0;
    let mut current: Option<String> = None;
    let mut last_report = Instant::now();
    loop {
        let counts = queue::counts(db).await?;
        let sent = counts.get(QueueStatus::Sent) as usize;
        let failed = counts.get(QueueStatus::Failed) as usize;
        if sent + failed >= a.messages {
            break;
        }
        let finished = match &current {
            None => true,
            Some(run) => jobs::runs::get(db, run)
                .await?
                .is_some_and(|r| r.outcome.is_finished()),
        };
        if finished {
            // A run ends when nothing is due within its horizon; start the next one.
            round += 1;
            let key = format!("bench-drain-{round}");
            jobs::claim_and_push(
                &state.tasks(),
                &key,
                &entry,
                Trigger::Manual,
                chrono::Utc::now(),
            )
            .await?;
            current = Some(key);
        }
        if last_report.elapsed().as_secs() >= 10 {
            eprintln!(
                "{sent}/{} sent after {:.0}s",
                a.messages,
                started.elapsed().as_secs_f64()
            );
            last_report = Instant::now();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let inbox = state.opa.sandbox.inbox();
    let mut phones: Vec<&str> = inbox.iter().map(|m| m.phone.as_str()).collect();
    phones.sort_unstable();
    let delivered_total = phones.len();
    phones.dedup();
    let duplicates = delivered_total - phones.len();
    let lost = a.messages - phones.len();
    let cap = a.rate as f64 / 60.0;
    let rate = phones.len() as f64 / seconds;
    running.stop().await;
    println!(
        "drain: messages={} seconds={seconds:.1} rate_per_s={rate:.1} cap_per_s={cap:.0} ratio={:.3} duplicates={duplicates} lost={lost}",
        a.messages,
        rate / cap
    );
    Ok(())
}
