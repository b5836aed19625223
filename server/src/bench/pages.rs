//! `parabens bench pages --clients N --queue M --concurrency C`: a fresh store with N clients
//! and M queued messages spread over a year, the real server started on it as its own
//! process, signed in, and each page and server function a provider's admins use requested
//! `--requests` times, C at once, over HTTP.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use app::server::queue::{outbox_key, BIRTHDAY};
use app::server::{clients, db, schema};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use surrealdb::types::{RecordId, SurrealValue};

use super::serve::Server;
use super::synthetic;

/// `parabens bench pages`.
#[derive(Debug, clap::Args)]
pub struct PagesArgs {
    #[arg(long, default_value_t = 1_000_000)]
    pub clients: usize,
    /// Messages in the queue, created over the last 365 days.
    #[arg(long, default_value_t = 1_000_000)]
    pub queue: usize,
    /// Requests in flight at once (admins at the same time).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub concurrency: u32,
    /// Requests per target.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    pub requests: u32,
}

/// An outbox row as the sender leaves it (the bench writes them directly, in bulk).
#[derive(SurrealValue)]
#[surreal(crate = "surrealdb::types")]
struct Message {
    id: RecordId,
    kind: String,
    year: i64,
    client_id: String,
    client_name: String,
    phone: String,
    message_id: String,
    message_description: String,
    channel_id: String,
    template_id: String,
    variables: Vec<String>,
    text: String,
    status: String,
    attempts: i64,
    next_attempt_at: DateTime<Utc>,
    run_id: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    failed_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    greeting_day: String,
}

/// Message `i` of `m`: one a year per client, most sent, some failed, pending or expired.
fn message(i: usize, clients: usize, m: usize, now: DateTime<Utc>) -> Message {
    let client = synthetic(i % clients);
    let year = 2000 + (i / clients) as i32;
    let created = now - chrono::Duration::seconds((i as i64 * 365 * 86_400) / m as i64);
    let status = match i % 100 {
        0..=2 => "erro",
        3 => "cancelado",
        4 => "expirado",
        5 | 6 => "pendente",
        _ => "enviado",
    };
    let done = created + chrono::Duration::seconds(90);
    Message {
        id: RecordId::new("outbox", outbox_key(&client.external_id, BIRTHDAY, year)),
        kind: BIRTHDAY.into(),
        year: year.into(),
        client_name: client.name.clone(),
        phone: format!(
            "+55{}",
            client.whatsapp.replace(|c: char| !c.is_ascii_digit(), "")
        ),
        client_id: client.external_id,
        message_id: "bench".into(),
        message_description: "Aniversário".into(),
        channel_id: "canal".into(),
        template_id: "modelo".into(),
        variables: vec!["Ana".into(), "NetFibra".into()],
        text: "Parabéns, Ana! Um abraço da NetFibra.".into(),
        status: status.into(),
        attempts: i64::from(status != "pendente"),
        next_attempt_at: created,
        run_id: "bench".into(),
        created_at: created,
        updated_at: done,
        sent_at: (status == "enviado").then_some(done),
        failed_at: (status == "erro").then_some(done),
        last_error: (status == "erro").then(|| "131026: Message undeliverable".into()),
        greeting_day: created.format("%Y-%m-%d").to_string(),
    }
}

/// Fills a fresh store at `dir`; returns its URL.
async fn seed(dir: &std::path::Path, n: usize, m: usize) -> anyhow::Result<String> {
    let _ = std::fs::remove_dir_all(dir);
    let url = format!("surrealkv://{}", dir.display());
    let db = db::connect(&url, None).await?;
    schema::migrate(&db).await?;
    let t = Instant::now();
    for start in (0..n).step_by(1_000) {
        let rows: Vec<_> = (start..(start + 1_000).min(n)).map(synthetic).collect();
        clients::insert_new(&db, &rows, "bench").await?;
        if start % 100_000 == 0 {
            eprintln!("clients {start}/{n} ({:.0}s)", t.elapsed().as_secs_f64());
        }
    }
    let now = Utc::now();
    for start in (0..m).step_by(1_000) {
        let rows: Vec<Message> = (start..(start + 1_000).min(m))
            .map(|i| message(i, n, m, now))
            .collect();
        db.query("INSERT INTO outbox $rows RETURN NONE")
            .bind(("rows", rows))
            .await?
            .check()?;
        if start % 100_000 == 0 {
            eprintln!("messages {start}/{m} ({:.0}s)", t.elapsed().as_secs_f64());
        }
    }
    eprintln!("seeded in {:.0}s", t.elapsed().as_secs_f64());
    drop(db);
    wait_closed(dir).await?;
    Ok(url)
}

/// The embedded store finishes closing in the background after its last handle goes; the
/// server can open it once its lock file is free.
async fn wait_closed(dir: &std::path::Path) -> anyhow::Result<()> {
    let lock = dir.join("LOCK");
    for _ in 0..1200 {
        let free = std::fs::File::open(&lock).map(|f| f.try_lock().is_ok());
        if free.unwrap_or(false) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the seeded store at {} did not close", dir.display())
}

/// What one target requests.
enum Request {
    Page(String),
    Function(&'static str, Vec<(&'static str, String)>),
}

struct Figures {
    p50: f64,
    p99: f64,
    rps: f64,
}

async fn measure(
    server: &Server,
    req: &Request,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<Figures> {
    let started = Instant::now();
    let mut times: Vec<f64> = futures::stream::iter(0..requests)
        .map(|_| async {
            let t = Instant::now();
            let res = match req {
                Request::Page(path) => server.http.get(server.url(path)).send().await,
                Request::Function(path, form) => {
                    server.http.post(server.url(path)).form(form).send().await
                }
            }?;
            let status = res.status();
            res.bytes().await?;
            anyhow::ensure!(status.is_success(), "HTTP {status}");
            Ok(t.elapsed().as_secs_f64() * 1000.0)
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<anyhow::Result<f64>>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let seconds = started.elapsed().as_secs_f64();
    times.sort_by(|a, b| a.total_cmp(b));
    let at = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
    Ok(Figures {
        p50: at(50),
        p99: at(99),
        rps: times.len() as f64 / seconds,
    })
}

pub async fn pages(a: PagesArgs) -> anyhow::Result<()> {
    anyhow::ensure!(a.clients > 0, "--clients: at least one");
    let dir = std::env::temp_dir().join("parabens-bench-pages");
    let url = seed(&dir, a.clients, a.queue.max(1)).await?;
    let server = Server::start(&url).await.context("server")?;
    eprintln!("server up, {:.0} MB", server.rss_mb());

    let known = synthetic(a.clients / 2);
    let by_phone = synthetic(a.clients / 3);
    let today = Utc::now().date_naive();
    let client_fn = |text: String| {
        Request::Function(
            "/api/list_clients",
            vec![("text", text), ("after", String::new())],
        )
    };
    let targets = [
        ("clientes", Request::Page("/clientes".into())),
        ("clientes_fundo", Request::Page("/clientes?depois=m".into())),
        ("busca_nome", client_fn(known.name.to_lowercase())),
        ("busca_telefone", client_fn(by_phone.whatsapp.clone())),
        (
            "cliente",
            Request::Page(format!("/clientes/{}", known.external_id)),
        ),
        ("fila", Request::Page("/fila".into())),
        (
            "fila_filtrada",
            Request::Function(
                "/api/list_queue",
                vec![
                    ("status", "erro".into()),
                    ("from", (today - chrono::Days::new(90)).to_string()),
                    ("to", today.to_string()),
                    ("client", String::new()),
                    ("message_id", String::new()),
                ],
            ),
        ),
        ("painel", Request::Page("/".into())),
    ];
    let (mut worst_p50, mut worst_p99) = (0f64, 0f64);
    for (name, req) in &targets {
        // One warm-up request, as an admin's second visit.
        measure(&server, req, 1, 1)
            .await
            .with_context(|| name.to_string())?;
        let f = measure(&server, req, a.requests as usize, a.concurrency as usize)
            .await
            .with_context(|| name.to_string())?;
        println!(
            "target={name} requests={} p50_ms={:.1} p99_ms={:.1} rps={:.0}",
            a.requests, f.p50, f.p99, f.rps
        );
        worst_p50 = worst_p50.max(f.p50);
        worst_p99 = worst_p99.max(f.p99);
    }
    let peak = server.peak_rss_mb();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle = server.rss_mb();
    server.stop()?;
    println!(
        "pages: clients={} queue={} concurrency={} worst_p50_ms={worst_p50:.1} worst_p99_ms={worst_p99:.1} peak_rss_mb={peak:.0} idle_rss_mb={idle:.0}",
        a.clients, a.queue, a.concurrency
    );
    Ok(())
}
