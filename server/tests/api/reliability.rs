//! SIGKILL in the middle of a drain: the real binary on an on-disk store, sending through a
//! sandbox Opa! Suite that lives in this test process (so its inbox survives the kill), is
//! killed and restarted. Nothing may be lost, and no more messages may be sent twice than
//! were in flight at the kill.
//!
//! `PARABENS_RELIABILITY_MESSAGES` sets the size (default 2,000; the figure is
//! 10,000, e.g. with `PARABENS_TEST_BIN=target/release/parabens`).

use crate::common;
use crate::fns::*;

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::domain::template::Variable;
use app::server::opa::sandbox::{self, Faults, Sandbox, CHANNEL_MAIN, TEMPLATE_BIRTHDAY};
use chrono::{Datelike, Utc};
use common::binary::{start_with, Proc};
use serde_json::{json, Value};

const TOKEN: &str = "token-do-sandbox-externo";
const PASSWORD: &str = "senha-confiavel-123";

async fn serve_sandbox() -> (Arc<Sandbox>, String) {
    let sandbox = Sandbox::new(TOKEN);
    // Every delivery is counted, so the inbox keeps them all.
    sandbox.keep_latest(usize::MAX);
    let app = axum::Router::new().nest("/opa/api/v1", sandbox::router(sandbox.clone()));
    (sandbox, format!("{}/opa/api/v1", common::serve(app).await))
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap()
}

/// The JSON answer of a server function, which must succeed.
async fn answer(name: &str, req: reqwest::RequestBuilder) -> Value {
    let res = req.send().await.unwrap();
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{name}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

async fn post(c: &reqwest::Client, p: &Proc, path: &str, body: Value) -> Value {
    answer(path, c.post(format!("{}{path}", p.base)).json(&body)).await
}

async fn form(c: &reqwest::Client, p: &Proc, path: &str, form: &[(&str, &str)]) -> Value {
    answer(path, c.post(format!("{}{path}", p.base)).form(form)).await
}

async fn login(p: &Proc) -> reqwest::Client {
    let c = client();
    form(
        &c,
        p,
        Login::PATH,
        &[("username", "admin"), ("password", PASSWORD)],
    )
    .await;
    c
}

fn count(board: &Value, status: &str) -> u64 {
    board["counts"]["by_status"][status].as_u64().unwrap_or(0)
}

async fn run_now(c: &reqwest::Client, p: &Proc, task: &str) -> String {
    let entries = form(c, p, ListAgenda::PATH, &[]).await;
    let id = entries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["task"] == task)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    form(c, p, RunNow::PATH, &[("entry_id", &id)])
        .await
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn sigkill_mid_drain_loses_nothing_and_duplicates_at_most_the_in_flight() {
    let n: usize = std::env::var("PARABENS_RELIABILITY_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let (sandbox, opa_url) = serve_sandbox().await;
    sandbox.set_faults(Faults {
        latency_ms: 50,
        ..Default::default()
    });
    let dir = std::env::temp_dir().join(format!("parabens-reliability-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = format!("surrealkv://{}", dir.join("db").display());
    let env = [
        ("PARABENS_OPA_URL", opa_url.as_str()),
        ("PARABENS_OPA_TOKEN", TOKEN),
        ("RUST_LOG", "info"),
    ];
    let p = start_with(&db, Some(PASSWORD), &env).await;
    let c = login(&p).await;

    // Only the test's own runs: the default agenda is switched off.
    for mut e in form(&c, &p, ListAgenda::PATH, &[])
        .await
        .as_array()
        .unwrap()
        .clone()
    {
        e["enabled"] = json!(false);
        post(&c, &p, SaveAgendaEntry::PATH, json!({ "entry": e })).await;
    }
    let today = Utc::now()
        .with_timezone(&chrono_tz::America::Sao_Paulo)
        .date_naive();
    // 1992 is a leap year: any month and day of today exist in it.
    let born = chrono::NaiveDate::from_ymd_opt(1992, today.month(), today.day()).unwrap();
    let mut csv = String::from(
        "id;razao;fantasia;tipo_pessoa;ativo;data_nascimento;whatsapp;telefone_celular;email;cidade;uf\n",
    );
    for i in 0..n {
        csv += &format!(
            "{};Cliente {i};;F;S;{born};(11) 9{:04}-{:04};;;Campinas;SP\n",
            i + 1,
            5000 + i / 10_000,
            i % 10_000
        );
    }
    let upload = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("clientes.csv"),
    );
    let res = c
        .post(format!("{}/api/import_clients", p.base))
        .multipart(upload)
        .send()
        .await
        .unwrap();
    let job: String = res.json().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let s = form(&c, &p, ClientImportStatus::PATH, &[("job", &job)]).await;
        if s["finished"] == true {
            assert!(s["error"].is_null(), "{s}");
            break;
        }
        assert!(Instant::now() < deadline, "import too slow");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let message = post(
        &c,
        &p,
        SaveMessage::PATH,
        json!({ "input": {
            "id": "", "description": "Aniversário", "channel_id": CHANNEL_MAIN,
            "template_id": TEMPLATE_BIRTHDAY,
            "variables": [Variable::FirstName, Variable::Fixed("NetFibra".into()), Variable::Age],
        }}),
    )
    .await;
    let mut params = form(&c, &p, GetBirthdayParams::PATH, &[]).await;
    params["message_id"] = message;
    params["window_from"] = json!(0);
    params["window_to"] = json!(24);
    params["per_minute"] = json!(6000);
    post(
        &c,
        &p,
        SaveBirthdayParams::PATH,
        json!({ "params": params }),
    )
    .await;

    run_now(&c, &p, "EnqueueBirthdays").await;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let board = form(&c, &p, LoadDashboard::PATH, &[]).await;
        if count(&board, "Pending") as usize == n {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "enqueue too slow: {}",
            board["runs"]
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Drain, and kill the server about a third of the way through.
    let started = Instant::now();
    run_now(&c, &p, "SendQueue").await;
    while sandbox.inbox().len() < n / 3 {
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "drain too slow"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    p.kill();
    let at_kill = sandbox.inbox().len();

    let p = start_with(&db, Some(PASSWORD), &env).await;
    let c = login(&p).await;
    let board = form(&c, &p, LoadDashboard::PATH, &[]).await;
    // Claimed and not recorded when the process died: the most that can go out twice.
    let in_flight = count(&board, "Sending") as usize;
    let mut last_run: Option<String> = None;
    let mut last_push = Instant::now() - Duration::from_secs(60);
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let board = form(&c, &p, LoadDashboard::PATH, &[]).await;
        if count(&board, "Sent") as usize + count(&board, "Failed") as usize >= n {
            break;
        }
        let idle = match &last_run {
            None => true,
            Some(id) => board["runs"].as_array().unwrap().iter().any(|r| {
                r["id"] == id.as_str()
                    && !matches!(
                        r["outcome"].as_str(),
                        Some("Queued" | "Running" | "Retrying")
                    )
            }),
        };
        if idle && last_push.elapsed() > Duration::from_secs(5) {
            last_push = Instant::now();
            // Messages held by the killed process come back when their lease runs out.
            last_run = Some(run_now(&c, &p, "SendQueue").await);
        }
        assert!(Instant::now() < deadline, "not drained after the restart");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let inbox = sandbox.inbox();
    let mut phones: Vec<&str> = inbox.iter().map(|m| m.phone.as_str()).collect();
    phones.sort_unstable();
    let total = phones.len();
    phones.dedup();
    let duplicates = total - phones.len();
    let lost = n - phones.len();
    println!(
        "reliability: messages={n} delivered_at_kill={at_kill} in_flight_at_kill={in_flight} duplicates={duplicates} lost={lost} seconds={seconds:.1}"
    );
    let log = p.terminate();
    assert_eq!(lost, 0);
    assert!(
        duplicates <= in_flight,
        "{duplicates} duplicates > {in_flight} in flight"
    );
    assert!(!log.contains(TOKEN), "the Opa token reached the log");
    let _ = std::fs::remove_dir_all(&dir);
}
