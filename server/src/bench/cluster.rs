//! `parabens bench cluster --surreal BIN`: the proof that several instances share one
//! SurrealDB server. Starts SurrealDB's own server (`server/scripts/surreal.sh` builds it)
//! on loopback, two Parabéns instances on it — A with its sandbox Opa! Suite, B sending
//! through A's sandbox as two servers share one real Opa! Suite — imports clients born today
//! through A, measures how fast a change on one instance reaches the other's live event
//! stream, then lets both schedulers run the agenda (enqueue and send on every tick) with the
//! test clock: one tick a second (`PARABENS_TICK_SECONDS=1`), each tick standing for a
//! minute. In the middle of the drain, B is killed with SIGKILL while it is sending, and
//! restarted. Prints one line:
//!
//! `cluster: instances=2 ticks=.. double_runs=0 double_greetings=0 lost=0 rate_ratio=.. live_lag_ms=..`
//!
//! and fails unless every greeting went out exactly once, no tick ran twice, the two
//! instances together kept under the cap (`rate_ratio` ≤ 1.02: the most sends in any 60 s
//! over the per-minute cap) and changes crossed within 2 s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use app::domain::schedule::ScheduleInput;
use app::domain::template::Variable;
use app::functions::agenda::{ListAgenda, SaveAgendaEntry};
use app::functions::dashboard::RunNow;
use app::functions::integrations::SandboxOutbox;
use app::functions::messages::{GetBirthdayParams, SaveBirthdayParams, SaveMessage};
use app::models::agenda::{AgendaEntry, TaskKind};
use app::models::message::MessageInput;
use app::models::opa::OutboxPage;
use app::models::settings::BirthdayParams;
use app::server::db::{self, DbCredentials};
use app::server::opa::sandbox::{CHANNEL_MAIN, TEMPLATE_BIRTHDAY};
use chrono::{DateTime, Datelike, Utc};
use leptos::server_fn::ServerFn;

use super::serve::Server;

/// `parabens bench cluster`.
#[derive(Debug, clap::Args)]
pub struct ClusterArgs {
    /// SurrealDB's server binary (`server/scripts/surreal.sh` prints its path).
    #[arg(long)]
    pub surreal: PathBuf,
    /// Clients born today, each to be greeted once.
    #[arg(long, default_value_t = 300)]
    pub clients: usize,
    /// The send cap both instances share.
    #[arg(long, default_value_t = 240)]
    pub per_minute: u32,
    /// Scheduler ticks to run at least (one a second).
    #[arg(long, default_value_t = 100)]
    pub ticks: usize,
}

const DB_USER: &str = "root";
const DB_PASS: &str = "senha-do-surreal-de-teste";
const OPA_TOKEN: &str = "token-do-sandbox-do-cluster";
/// Probes of the live signal, each way.
const PROBES: usize = 5;

/// SurrealDB's server as a child process on a free loopback port.
struct Surreal {
    child: Child,
    url: String,
}

impl Surreal {
    async fn start(bin: &Path, dir: &Path) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new(bin)
            .args(["start", "--no-banner", "--bind"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["--user", DB_USER, "--pass", DB_PASS])
            .arg(format!("surrealkv://{}", dir.join("db").display()))
            .env("SURREAL_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(dir.join("surreal.log"))?))
            .spawn()
            .with_context(|| format!("start {}", bin.display()))?;
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let up = http
                .get(format!("http://127.0.0.1:{port}/health"))
                .send()
                .await;
            if up.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            anyhow::ensure!(Instant::now() < deadline, "SurrealDB did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(Self {
            child,
            url: format!("ws://127.0.0.1:{port}"),
        })
    }
}

impl Drop for Surreal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server function's JSON answer, which must succeed.
async fn call<F: ServerFn, T: serde::de::DeserializeOwned>(
    s: &Server,
    body: impl serde::Serialize,
    json: bool,
) -> anyhow::Result<T> {
    let req = s.http.post(s.url(F::PATH));
    let req = if json {
        req.json(&body)
    } else {
        req.form(&body)
    };
    let res = req.send().await?;
    let status = res.status();
    let text = res.text().await?;
    anyhow::ensure!(status.is_success(), "{}: {status} {text}", F::PATH);
    Ok(serde_json::from_str(&text).unwrap_or_else(|_| serde_json::from_str("null").unwrap()))
}

/// The instances' business time zone: "today" is the day there (in the evening in Brazil
/// it is already tomorrow in UTC).
const TZ: chrono_tz::Tz = chrono_tz::America::Sao_Paulo;

/// `n` active natural persons born today (twenty years ago), each with their own mobile.
fn clients_csv(n: usize) -> String {
    let today = Utc::now().with_timezone(&TZ).date_naive();
    let born = today.with_year(today.year() - 20).unwrap_or(today);
    let mut out = String::from("id;razao;tipo_pessoa;ativo;data_nascimento;telefone_celular\n");
    for i in 0..n {
        out.push_str(&format!(
            "{};Cliente {i} do Cluster;F;S;{born};(11) 9{:04}-{:04}\n",
            1000 + i,
            2000 + i / 10_000,
            i % 10_000
        ));
    }
    out
}

/// Everything greeted before the run starts: message, parameters, clients; agenda quiet.
async fn set_up(a: &Server, clients: usize, per_minute: u32) -> anyhow::Result<()> {
    for mut e in call::<ListAgenda, Vec<AgendaEntry>>(a, (), false).await? {
        e.enabled = false;
        call::<SaveAgendaEntry, String>(a, serde_json::json!({ "entry": e }), true).await?;
    }
    let input = MessageInput {
        id: String::new(),
        description: "Aniversário".into(),
        channel_id: CHANNEL_MAIN.into(),
        template_id: TEMPLATE_BIRTHDAY.into(),
        variables: vec![
            Some(Variable::FirstName),
            Some(Variable::Fixed("NetFibra".into())),
            Some(Variable::Age),
        ],
    };
    let id: String =
        call::<SaveMessage, String>(a, serde_json::json!({ "input": input }), true).await?;
    let mut params: BirthdayParams = call::<GetBirthdayParams, _>(a, (), false).await?;
    params.message_id = Some(id);
    (params.window_from, params.window_to, params.per_minute) = (0, 24, per_minute);
    call::<SaveBirthdayParams, ()>(a, serde_json::json!({ "params": params }), true).await?;
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(clients_csv(clients).into_bytes())
            .file_name("clientes.csv"),
    );
    let res = a
        .http
        .post(a.url("/api/import_clients"))
        .multipart(form)
        .send()
        .await?;
    anyhow::ensure!(res.status().is_success(), "import: {}", res.text().await?);
    let job: String = res.json().await?;
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let s: serde_json::Value = call::<app::functions::clients::ClientImportStatus, _>(
            a,
            [("job", job.as_str())],
            false,
        )
        .await?;
        if s["finished"] == true {
            anyhow::ensure!(s["error"].is_null(), "import failed: {s}");
            return Ok(());
        }
    }
}

/// How long a change made through `from` takes to reach `to`'s live event stream.
async fn live_lag(from: &Server, to: &Server, send_entry: &str) -> anyhow::Result<Duration> {
    let mut stream = to.http.get(to.url("/api/events")).send().await?;
    anyhow::ensure!(stream.status().is_success(), "events: {}", stream.status());
    // Whatever was under way settles first.
    let settle = tokio::time::sleep(Duration::from_millis(1500));
    tokio::pin!(settle);
    loop {
        tokio::select! {
            _ = &mut settle => break,
            chunk = stream.chunk() => { chunk?; }
        }
    }
    let started = Instant::now();
    call::<RunNow, String>(from, [("entry_id", send_entry)], false).await?;
    loop {
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
            .await
            .context("no change reached the other instance within 10 s")??
            .context("event stream closed")?;
        if String::from_utf8_lossy(&chunk).contains("event: change") {
            return Ok(started.elapsed());
        }
    }
}

/// Every enabled entry on every tick.
async fn every_tick(a: &Server) -> anyhow::Result<()> {
    for mut e in call::<ListAgenda, Vec<AgendaEntry>>(a, (), false).await? {
        if !matches!(e.task, TaskKind::EnqueueBirthdays | TaskKind::SendQueue) {
            continue;
        }
        let all = || "Todos".to_string();
        e.schedule = ScheduleInput {
            minute: all(),
            hour: all(),
            day_of_month: all(),
            month: all(),
            day_of_week: all(),
        };
        e.enabled = true;
        call::<SaveAgendaEntry, String>(a, serde_json::json!({ "entry": e }), true).await?;
    }
    Ok(())
}

/// What A's sandbox received, oldest first.
async fn inbox(a: &Server) -> anyhow::Result<Vec<(DateTime<Utc>, String)>> {
    let mut out = Vec::new();
    for page in 0.. {
        let p: OutboxPage =
            call::<SandboxOutbox, _>(a, [("page", page.to_string())], false).await?;
        if p.items.is_empty() {
            break;
        }
        out.extend(p.items.into_iter().map(|m| (m.at, m.phone)));
    }
    out.sort();
    Ok(out)
}

/// One number from a query.
async fn number(db: &db::Db, sql: &str) -> anyhow::Result<i64> {
    let n: Option<i64> = db.query(sql).await?.take(0)?;
    Ok(n.unwrap_or(0))
}

pub async fn cluster(a: ClusterArgs) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join("parabens-cluster");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let surreal = Surreal::start(&a.surreal, &dir).await?;
    eprintln!("SurrealDB server at {}", surreal.url);
    let env = |opa_url: Option<&str>| {
        let mut env = vec![
            ("PARABENS_DB_USER", DB_USER.to_string()),
            ("PARABENS_DB_PASS", DB_PASS.to_string()),
            ("PARABENS_OPA_TOKEN", OPA_TOKEN.to_string()),
            ("PARABENS_TICK_SECONDS", "1".to_string()),
            ("PARABENS_RETRY_BASE_MS", "1000".to_string()),
            ("PARABENS_TZ", TZ.name().to_string()),
            // Each claim is logged: a run claimed by two instances would be in two logs.
            ("RUST_LOG", "warn,app::server::jobs=info".to_string()),
            ("NO_COLOR", "1".to_string()),
        ];
        if let Some(url) = opa_url {
            env.push(("PARABENS_OPA_URL", url.to_string()));
        }
        env
    };
    let inst_a = Server::start_with(&surreal.url, &env(None), Some(&dir.join("a.log"))).await?;
    let sandbox = inst_a.url(app::server::opa::connection::SANDBOX_PATH);
    let b_env = env(Some(&sandbox));
    let inst_b = Server::start_with(&surreal.url, &b_env, Some(&dir.join("b.log"))).await?;
    let creds = DbCredentials {
        username: DB_USER.into(),
        password: DB_PASS.to_string().into(),
    };
    let db = db::connect(&surreal.url, Some(&creds)).await?;
    let ids: Vec<String> = db
        .query("SELECT VALUE record::id(id) FROM instance ORDER BY started_at")
        .await?
        .take(0)?;
    anyhow::ensure!(ids.len() == 2, "instances registered: {ids:?}");
    let b_id = ids[1].clone();

    set_up(&inst_a, a.clients, a.per_minute).await?;
    let send_entry = call::<ListAgenda, Vec<AgendaEntry>>(&inst_a, (), false)
        .await?
        .into_iter()
        .find(|e| e.task == TaskKind::SendQueue)
        .context("a send entry")?
        .id;
    let mut lag = Duration::ZERO;
    for _ in 0..PROBES {
        lag = lag.max(live_lag(&inst_b, &inst_a, &send_entry).await?);
        lag = lag.max(live_lag(&inst_a, &inst_b, &send_entry).await?);
    }
    eprintln!("worst live lag {lag:?}");

    every_tick(&inst_a).await?;
    let started = Utc::now();
    let begun = Instant::now();
    // Kill B once it is sending and a third of the greetings are out.
    loop {
        let sent = inbox(&inst_a).await?.len();
        let b_sending = number(
            &db,
            &format!(
                "RETURN count(SELECT id FROM task_run WHERE task = 'send_queue'
                     AND outcome = 'executando' AND instance = '{b_id}')"
            ),
        )
        .await?;
        if sent >= a.clients / 3 && b_sending > 0 {
            break;
        }
        anyhow::ensure!(
            begun.elapsed() < Duration::from_secs(300),
            "B never sent while a third of the greetings went out ({sent} sent)"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Between two sends (one slot every 60 s / cap): just after one lands, so that no
    // request is in flight at the kill — one that is can go out twice, as Opa! Suite cannot
    // be asked whether it arrived (README). The kill still lands mid-run, with messages
    // claimed and slots reserved.
    let seen = inbox(&inst_a).await?.len();
    while inbox(&inst_a).await?.len() == seen {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(app::server::jobs::pacer::step(a.per_minute) / 3).await;
    inst_b.kill()?;
    let at_kill = inbox(&inst_a).await?.len();
    eprintln!("B killed with SIGKILL at {at_kill} greetings sent");
    let inst_b =
        Server::start_with(&surreal.url, &b_env, Some(&dir.join("b-restarted.log"))).await?;

    // Until every greeting is out and the ticks have run.
    let deadline = Instant::now() + Duration::from_secs(600);
    let got = loop {
        let got = inbox(&inst_a).await?;
        let ticks = begun.elapsed().as_secs() as usize;
        if got.len() >= a.clients && ticks >= a.ticks {
            // Anything still in flight lands, then the count is final.
            tokio::time::sleep(Duration::from_secs(3)).await;
            break inbox(&inst_a).await?;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "only {} of {} greetings after {:?}",
            got.len(),
            a.clients,
            begun.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let ticks = tick_count(&db, started).await?;
    let logs = ["a.log", "b.log", "b-restarted.log"].map(|f| dir.join(f));
    let double_runs = claimed_twice(&logs)?;
    // Heartbeats: the killed B's runs were found interrupted; A's, never.
    let a_id = &ids[0];
    let left = number(
        &db,
        &format!(
            "RETURN count(SELECT id FROM task_run WHERE instance = '{b_id}'
                 AND outcome IN ['aguardando', 'executando', 'nova_tentativa'])"
        ),
    )
    .await?;
    let a_interrupted = number(
        &db,
        &format!(
            "RETURN count(SELECT id FROM task_run WHERE instance = '{a_id}'
                 AND outcome = 'interrompida')"
        ),
    )
    .await?;

    let mut per_phone: HashMap<&str, usize> = HashMap::new();
    for (_, phone) in &got {
        *per_phone.entry(phone.as_str()).or_default() += 1;
    }
    let double_greetings: usize = per_phone.values().map(|n| n - 1).sum();
    let lost = a.clients.saturating_sub(per_phone.len());
    let rate_ratio = busiest_minute(&got) as f64 / a.per_minute as f64;
    let live_lag_ms = lag.as_millis();
    inst_b.stop()?;
    inst_a.stop()?;
    println!(
        "cluster: instances=2 ticks={ticks} double_runs={double_runs} double_greetings={double_greetings} lost={lost} rate_ratio={rate_ratio:.3} live_lag_ms={live_lag_ms}"
    );
    anyhow::ensure!(double_runs == 0, "a tick ran twice");
    anyhow::ensure!(double_greetings == 0, "a client was greeted twice");
    anyhow::ensure!(lost == 0, "greetings were lost");
    anyhow::ensure!(
        rate_ratio <= 1.02,
        "the instances together sent over the cap"
    );
    anyhow::ensure!(live_lag_ms < 2000, "a change took over 2 s to cross");
    anyhow::ensure!(
        left == 0,
        "{left} runs of the killed instance never marked interrupted"
    );
    anyhow::ensure!(
        a_interrupted == 0,
        "{a_interrupted} runs of the live instance interrupted"
    );
    Ok(())
}

/// The agenda ticks claimed since `since` (by either instance).
async fn tick_count(db: &db::Db, since: DateTime<Utc>) -> anyhow::Result<usize> {
    let at: Vec<DateTime<Utc>> = db
        .query(
            "SELECT VALUE scheduled_for FROM task_run WHERE trigger = 'agenda'
                 AND scheduled_for >= $since",
        )
        .bind(("since", since))
        .await?
        .take(0)?;
    let ticks: std::collections::HashSet<i64> = at.into_iter().map(|t| t.timestamp()).collect();
    Ok(ticks.len())
}

/// Runs claimed by more than one process, from each one's log ("task run claimed run=..").
fn claimed_twice(logs: &[PathBuf]) -> anyhow::Result<usize> {
    let mut by: HashMap<String, usize> = HashMap::new();
    let mut claims = 0;
    for log in logs {
        let text = std::fs::read_to_string(log).with_context(|| log.display().to_string())?;
        let mut mine = std::collections::HashSet::new();
        for line in text.lines().filter(|l| l.contains("task run claimed")) {
            let run = line
                .split_whitespace()
                .find_map(|w| w.strip_prefix("run="))
                .context("a claim line without its run")?;
            mine.insert(run.to_string());
        }
        claims += mine.len();
        for run in mine {
            *by.entry(run).or_default() += 1;
        }
    }
    anyhow::ensure!(claims > 0, "no claim in the instances' logs");
    Ok(by.values().filter(|n| **n > 1).count())
}

/// The most sends within any 60 s.
fn busiest_minute(got: &[(DateTime<Utc>, String)]) -> usize {
    let mut best = 0;
    let mut j = 0;
    for i in 0..got.len() {
        while got[j].0 + chrono::Duration::seconds(60) <= got[i].0 {
            j += 1;
        }
        best = best.max(i - j + 1);
    }
    best
}
