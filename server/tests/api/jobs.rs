//! The tasks end to end, with real apalis workers, a real (in-memory) SurrealDB and the
//! sandbox Opa! Suite over loopback HTTP: import, enqueue, send, and what must hold.

use crate::common;
use crate::fns::*;

use std::time::Duration;

use app::domain::template::Variable;
use app::models::agenda::{AgendaEntry, TaskKind};
use app::models::queue::{count, QueueStatus, RunOutcome, TaskRun, Trigger};
use app::server::jobs::{self, enqueue, runs, scheduler};
use app::server::opa::sandbox::{Faults, CHANNEL_MAIN, TEMPLATE_BIRTHDAY};
use app::server::{agenda, queue, AppState};
use chrono::{Datelike, NaiveDate, Utc};
use common::TestApp;
use serde_json::Value;

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::America::Sao_Paulo)
        .date_naive()
}

/// Clients as an IXC export: (id, name, type, active, birth date, whatsapp).
fn csv(rows: &[(&str, &str, &str, &str, NaiveDate, &str)]) -> Vec<u8> {
    let mut s = String::from(
        "id;razao;fantasia;tipo_pessoa;ativo;data_nascimento;whatsapp;telefone_celular;email;cidade;uf\n",
    );
    for (id, name, kind, active, birth, phone) in rows {
        s += &format!(
            "{id};{name};;{kind};{active};{};{phone};;;Campinas;SP\n",
            birth.format("%Y-%m-%d")
        );
    }
    s.into_bytes()
}

fn born(years_ago: i32, on: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(on.year() - years_ago, on.month(), on.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(on.year() - years_ago, 2, 28).unwrap())
}

/// A birthday message chosen in the parameters, sending all day at a high rate.
async fn birthday_message(app: &TestApp, c: &reqwest::Client, per_minute: u32) -> String {
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
    let res = app.save_message(c, input).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let id: String = res.json().await.unwrap();
    let mut params = app.birthday_params(c).await;
    params.message_id = Some(id.clone());
    params.window_from = 0;
    params.window_to = 24;
    params.per_minute = per_minute;
    let res = app.save_birthday_params(c, &params).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    id
}

/// Disables the default agenda so that no scheduled tick races the test's own runs
/// (*Executar agora* still runs a disabled entry).
async fn quiet_agenda(app: &TestApp) {
    let db = &app.running.state.db;
    for mut e in agenda::list(db).await.unwrap() {
        e.enabled = false;
        agenda::save(db, &e).await.unwrap();
    }
}

async fn entry(app: &TestApp, c: &reqwest::Client, task: TaskKind) -> AgendaEntry {
    let entries: Vec<AgendaEntry> = app.json::<ListAgenda, _>(c, &[]).await;
    entries.into_iter().find(|e| e.task == task).unwrap()
}

/// *Executar agora* and wait for the run to finish.
async fn run_now(app: &TestApp, c: &reqwest::Client, task: TaskKind) -> TaskRun {
    let e = entry(app, c, task).await;
    let res = app.call::<RunNow>(c, &[("entry_id", &e.id)]).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let run: String = res.json().await.unwrap();
    wait_run(&app.running.state, &run).await
}

async fn wait_run(state: &AppState, run: &str) -> TaskRun {
    for _ in 0..1200 {
        if let Some(r) = runs::get(&state.db, run).await.unwrap() {
            if r.outcome.is_finished() {
                return r;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("run {run} did not finish");
}

async fn status_counts(state: &AppState) -> (u64, u64, u64) {
    let c = queue::counts(&state.db).await.unwrap();
    (
        c.get(QueueStatus::Pending),
        c.get(QueueStatus::Sent),
        c.get(QueueStatus::Failed),
    )
}

#[tokio::test]
async fn a_full_day_greets_each_client_once() {
    let app = common::spawn().await;
    let c = app.logged_in_client().await;
    quiet_agenda(&app).await;
    let day = today();
    let report = app
        .import_csv(
            &c,
            &csv(&[
                ("1", "Ana Souza", "F", "S", born(30, day), "(19) 99876-5432"),
                ("2", "Bruno Lima", "F", "N", born(41, day), "11 98765-4321"),
                ("3", "Carla Dias", "F", "S", born(25, day), "(11) 3456-7890"),
                (
                    "4",
                    "Fibra Ltda",
                    "J",
                    "S",
                    born(10, day),
                    "(21) 99999-0000",
                ),
                (
                    "5",
                    "Davi Rocha",
                    "F",
                    "S",
                    born(50, day),
                    "(31) 98888-1111",
                ),
                (
                    "6",
                    "Eva Prado",
                    "F",
                    "S",
                    born(50, day.succ_opt().unwrap()),
                    "(31) 97777-1111",
                ),
            ]),
        )
        .await;
    assert!(report["error"].is_null(), "{report}");
    birthday_message(&app, &c, 6000).await;

    let run = run_now(&app, &c, TaskKind::EnqueueBirthdays).await;
    assert_eq!(run.outcome, RunOutcome::Succeeded, "{run:?}");
    assert_eq!(run.trigger, Trigger::Manual);
    assert_eq!(run.counts.get(count::FOUND), 5, "{:?}", run.counts);
    // Only natural persons with a usable number (inactive ones too: "Padrão: todos").
    assert_eq!(run.counts.get(count::ENQUEUED), 3, "{:?}", run.counts);
    assert!(run
        .counts
        .0
        .iter()
        .any(|(l, n)| l.contains("jurídica") && *n == 1));
    assert!(run
        .counts
        .0
        .iter()
        .any(|(l, n)| l.contains("Sem telefone") && *n == 1));
    assert_eq!(status_counts(&app.running.state).await, (3, 0, 0));

    let sent = run_now(&app, &c, TaskKind::SendQueue).await;
    assert_eq!(sent.outcome, RunOutcome::Succeeded, "{sent:?}");
    assert_eq!(sent.counts.get(count::SENT), 3);
    let inbox = app.running.state.opa.sandbox.inbox();
    let mut phones: Vec<&str> = inbox.iter().map(|m| m.phone.as_str()).collect();
    phones.sort();
    assert_eq!(
        phones,
        ["+5511987654321", "+5519998765432", "+5531988881111"]
    );
    let ana = inbox.iter().find(|m| m.phone == "+5519998765432").unwrap();
    assert_eq!(ana.variables, ["Ana", "NetFibra", "30"]);
    assert_eq!(status_counts(&app.running.state).await, (0, 3, 0));

    // However often the tasks run, nobody is greeted twice.
    let again = run_now(&app, &c, TaskKind::EnqueueBirthdays).await;
    assert_eq!(again.counts.get(count::ENQUEUED), 0, "{:?}", again.counts);
    assert!(again
        .counts
        .0
        .iter()
        .any(|(l, n)| l.starts_with("ignorados: Já felicitado") && *n == 3));
    let resend = run_now(&app, &c, TaskKind::SendQueue).await;
    assert_eq!(resend.counts.get(count::SENT), 0);
    assert_eq!(app.running.state.opa.sandbox.inbox().len(), 3);

    // The client page lists the message, with its attempt log.
    let mine: Vec<Value> = app
        .json::<ClientMessages, _>(&c, &[("client_id", "1")])
        .await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["status"], "Sent");
    assert!(mine[0]["text"].as_str().unwrap().starts_with("Olá Ana!"));
    let detail: Value = app
        .json::<GetQueueMessage, _>(&c, &[("id", mine[0]["id"].as_str().unwrap())])
        .await;
    assert_eq!(detail["attempts"][0]["outcome"], "Enviado");

    // The dashboard shows the four runs and today's three sends.
    let board: Value = app.json::<LoadDashboard, _>(&c, &[]).await;
    let manual = board["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["trigger"] == "Manual")
        .count();
    assert_eq!(manual, 4);
    assert_eq!(
        board["daily"].as_array().unwrap().last().unwrap()["sent"],
        3
    );
    app.running.stop().await;
}

#[tokio::test]
async fn leap_day_birthdays_in_a_non_leap_year() {
    let app = common::spawn().await;
    let c = app.logged_in_client().await;
    quiet_agenda(&app).await;
    let leap = NaiveDate::from_ymd_opt(1992, 2, 29).unwrap();
    app.import_csv(
        &c,
        &csv(&[
            ("1", "Lia Bissexta", "F", "S", leap, "(19) 99876-5432"),
            (
                "2",
                "Rui Fevereiro",
                "F",
                "S",
                NaiveDate::from_ymd_opt(1990, 2, 28).unwrap(),
                "11 98765-4321",
            ),
        ]),
    )
    .await;
    birthday_message(&app, &c, 6000).await;
    let state = &app.running.state;
    let on = |y, m, d| async move {
        let day = NaiveDate::from_ymd_opt(y, m, d).unwrap();
        enqueue::run_for_day(&state.tasks(), &format!("t-{day}"), day)
            .await
            .unwrap()
    };
    let r = on(2027, 2, 28).await;
    assert_eq!(
        r.counts.get(count::ENQUEUED),
        2,
        "both on 28 Feb: {:?}",
        r.counts
    );
    let r = on(2027, 3, 1).await;
    assert_eq!(r.counts.get(count::FOUND), 0, "{:?}", r.counts);
    // In a leap year, 29 February itself.
    let r = on(2028, 2, 29).await;
    assert_eq!(r.counts.get(count::ENQUEUED), 1);

    // With the 1 March rule, 2027's greeting moves to 1 March (a fresh year: 2029).
    let mut params = app.birthday_params(&c).await;
    params.leap_day_rule = LeapDayRule::Mar1;
    let res = app.save_birthday_params(&c, &params).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let r = on(2029, 2, 28).await;
    assert_eq!(r.counts.get(count::ENQUEUED), 1, "only Rui: {:?}", r.counts);
    let r = on(2029, 3, 1).await;
    assert_eq!(r.counts.get(count::ENQUEUED), 1, "Lia: {:?}", r.counts);
    app.running.stop().await;
}

/// A second scheduler instance over the same store, as a second server would be.
async fn second_instance(state: &AppState) -> (AppState, jobs::JobsRunning) {
    let mut other = state.clone();
    // Its own queue and import worker, as another process would have.
    other.jobs = std::sync::Arc::new(jobs::Jobs::new(other.changes.clone()));
    other.imports = std::sync::Arc::new(app::server::imports::ImportJobs::new(other.db.clone()));
    let running = jobs::start(other.tasks()).await.unwrap();
    (other, running)
}

#[tokio::test]
async fn two_scheduler_instances_never_run_a_tick_twice() {
    let app = common::spawn().await;
    let a = app.running.state.clone();
    let (b, b_jobs) = second_instance(&a).await;
    // Every minute, so every tick below is due.
    let every_minute = AgendaEntry {
        id: String::new(),
        task: TaskKind::SendQueue,
        schedule: app::domain::schedule::ScheduleInput {
            minute: "Todos".into(),
            hour: "Todos".into(),
            day_of_month: "Todos".into(),
            month: "Todos".into(),
            day_of_week: "Todos".into(),
        },
        enabled: true,
    };
    let id = agenda::save(&a.db, &every_minute).await.unwrap();
    let start = Utc::now() - chrono::Duration::days(2);
    let mut claimed = Vec::new();
    let (ta, tb) = (a.tasks(), b.tasks());
    for i in 0..40 {
        let tick = start + chrono::Duration::minutes(i);
        let (x, y) = tokio::join!(scheduler::on_tick(&ta, tick), scheduler::on_tick(&tb, tick));
        let (x, y) = (x.unwrap(), y.unwrap());
        let mine: Vec<_> = x.iter().chain(&y).filter(|r| r.starts_with(&id)).collect();
        assert_eq!(mine.len(), 1, "tick {tick}: {x:?} {y:?}");
        claimed.push(mine[0].clone());
    }
    for run in &claimed {
        let r = wait_run(&a, run).await;
        assert_eq!(r.outcome, RunOutcome::Succeeded, "{r:?}");
        assert_eq!(r.attempt, 1, "executed once: {r:?}");
    }

    // The real cron worker of both instances: the next minute's tick runs once.
    let next_minute = runs::scheduled_key(
        &id,
        chrono::DurationRound::duration_trunc(Utc::now(), chrono::Duration::minutes(1)).unwrap()
            + chrono::Duration::minutes(1),
    );
    let r = wait_run_long(&a, &next_minute).await;
    assert_eq!(r.trigger, Trigger::Schedule);
    assert_eq!(r.attempt, 1);
    let ticks: Vec<TaskRun> = runs::recent(&a.db, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.id == next_minute)
        .collect();
    assert_eq!(ticks.len(), 1);
    b_jobs.stop().await;
    drop(b);
    app.running.stop().await;
}

async fn wait_run_long(state: &AppState, run: &str) -> TaskRun {
    for _ in 0..150 {
        if runs::exists(&state.db, run).await.unwrap() {
            return wait_run(state, run).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("no scheduled run {run}");
}

/// `n` clients born today with distinct mobile numbers.
fn many(n: usize) -> Vec<u8> {
    let day = today();
    let rows: Vec<(String, String, String)> = (0..n)
        .map(|i| {
            (
                format!("{}", 100 + i),
                format!("Cliente {i}"),
                format!("(11) 9{:04}-{:04}", 1000 + i / 10_000, i % 10_000),
            )
        })
        .collect();
    let rows: Vec<(&str, &str, &str, &str, NaiveDate, &str)> = rows
        .iter()
        .map(|(id, name, phone)| {
            (
                id.as_str(),
                name.as_str(),
                "F",
                "S",
                born(20, day),
                phone.as_str(),
            )
        })
        .collect();
    csv(&rows)
}

/// Logs in on `app` with a quiet agenda, and enqueues `n` greetings of clients born today.
async fn queued_day(app: &TestApp, n: usize) -> reqwest::Client {
    let c = app.logged_in_client().await;
    quiet_agenda(app).await;
    app.import_csv(&c, &many(n)).await;
    birthday_message(app, &c, 6000).await;
    let r = run_now(app, &c, TaskKind::EnqueueBirthdays).await;
    assert_eq!(r.counts.get(count::ENQUEUED), n as u64, "{r:?}");
    c
}

#[tokio::test]
async fn retryable_faults_are_retried_until_delivered() {
    let mut config = server::config::Config::for_tests(common::ADMIN_PASSWORD);
    config.retry_base = Duration::from_millis(100);
    config.max_send_attempts = 20;
    let app = common::spawn_with(config).await;
    let c = queued_day(&app, 20).await;
    let sandbox = &app.running.state.opa.sandbox;
    sandbox.set_faults(Faults {
        share_429: 0.15,
        retry_after_secs: 1,
        share_500: 0.15,
        share_timeout: 0.1,
        timeout_ms: 200,
        ..Default::default()
    });
    // Retries due soon are waited for within the run; a later one is taken by the next run.
    let mut runs_needed = 0;
    while status_counts(&app.running.state).await.1 < 20 {
        runs_needed += 1;
        assert!(runs_needed <= 10, "not delivered after 10 runs");
        let r = run_now(&app, &c, TaskKind::SendQueue).await;
        assert_eq!(r.outcome, RunOutcome::Succeeded, "{r:?}");
    }
    let inbox = sandbox.inbox();
    let mut phones: Vec<&str> = inbox.iter().map(|m| m.phone.as_str()).collect();
    phones.sort();
    phones.dedup();
    assert_eq!(
        (inbox.len(), phones.len()),
        (20, 20),
        "each delivered exactly once"
    );
    // Failures were logged and retried; a 429's Retry-After was honoured.
    let mut retried = 0;
    let page = queue::list(
        &app.running.state.db,
        &Default::default(),
        chrono_tz::America::Sao_Paulo,
        &app::models::page::Cursor::First,
        50,
        || queue::counts(&app.running.state.db),
    )
    .await
    .unwrap();
    for m in page.items {
        let d = queue::get(&app.running.state.db, &m.id)
            .await
            .unwrap()
            .unwrap();
        for w in d.attempts.windows(2) {
            if w[0].detail.contains("Rate limit") {
                assert!(
                    w[1].at - w[0].at >= chrono::Duration::milliseconds(950),
                    "{d:?}"
                );
            }
        }
        if d.attempts.len() > 1 {
            retried += 1;
            assert_eq!(d.attempts[0].outcome, "Falha temporária");
        }
        assert_eq!(d.attempts.last().unwrap().outcome, "Enviado");
    }
    assert!(
        retried > 0,
        "with 40% faults some message must have been retried"
    );
    app.running.stop().await;
}

#[tokio::test]
async fn final_faults_stop_at_once_and_can_be_requeued() {
    let app = common::spawn().await;
    let c = queued_day(&app, 3).await;
    let sandbox = &app.running.state.opa.sandbox;
    sandbox.set_faults(Faults {
        final_numbers: vec!["+5511910000000".into()],
        ..Default::default()
    });
    let r = run_now(&app, &c, TaskKind::SendQueue).await;
    assert_eq!(
        (r.counts.get(count::SENT), r.counts.get(count::FAILED)),
        (2, 1)
    );
    let failed = queue::list(
        &app.running.state.db,
        &app::models::queue::QueueFilter {
            status: Some(QueueStatus::Failed),
            ..Default::default()
        },
        chrono_tz::America::Sao_Paulo,
        &app::models::page::Cursor::First,
        50,
        || queue::counts(&app.running.state.db),
    )
    .await
    .unwrap();
    assert_eq!(failed.total, Some(1));
    let m = &failed.items[0];
    assert_eq!(m.attempts, 1, "a final failure is not retried");
    assert!(
        m.last_error.as_deref().unwrap().contains("undeliverable"),
        "{m:?}"
    );

    // Fixed at the provider, the admin re-queues the errors and they go out.
    sandbox.set_faults(Faults::default());
    let n: usize = app
        .json::<RequeueFailed, _>(
            &c,
            &[("from", ""), ("to", ""), ("client", ""), ("message_id", "")],
        )
        .await;
    assert_eq!(n, 1);
    run_now(&app, &c, TaskKind::SendQueue).await;
    assert_eq!(status_counts(&app.running.state).await, (0, 3, 0));
    // Sent messages can be neither retried nor cancelled.
    let res = app
        .call::<QueueAction>(&c, &[("id", &m.id), ("action", "cancel")])
        .await;
    assert_eq!(res.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    app.running.stop().await;
}

#[tokio::test]
async fn a_send_run_failing_for_good_is_not_retried_by_the_executor() {
    // No message chosen in the parameters: the enqueue run fails at once, with the reason.
    let app = common::spawn().await;
    let c = app.logged_in_client().await;
    quiet_agenda(&app).await;
    let r = run_now(&app, &c, TaskKind::EnqueueBirthdays).await;
    assert_eq!(r.outcome, RunOutcome::Failed);
    assert_eq!(r.attempt, 1);
    assert!(r.error.unwrap().contains("Parâmetros"));
    app.running.stop().await;
}

/// Saves `per_minute` as the send cap.
async fn set_rate(app: &TestApp, c: &reqwest::Client, per_minute: u32) {
    let mut params = app.birthday_params(c).await;
    params.per_minute = per_minute;
    let res = app.save_birthday_params(c, &params).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
}

/// A manual run of send entry `e` claimed and queued on each instance at once; their keys.
async fn send_on_both(a: &AppState, b: &AppState, e: &AgendaEntry, prefix: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for (i, s) in [a, b].into_iter().enumerate() {
        let key = format!("{prefix}-{i}");
        let claimed = jobs::claim_and_push(&s.tasks(), &key, e, Trigger::Manual, Utc::now())
            .await
            .unwrap();
        assert_eq!(claimed.as_deref(), Some(key.as_str()));
        keys.push(key);
    }
    keys
}

#[tokio::test]
async fn two_instances_sending_at_once_stay_under_the_shared_cap() {
    let app = common::spawn().await;
    let c = queued_day(&app, 30).await;
    // 120 a minute: one send every 500 ms, whichever instance sends it; batches of ten, so
    // that both instances claim some.
    set_rate(&app, &c, 120).await;
    let a = app.running.state.clone();
    let (b, b_jobs) = second_instance(&a).await;
    let e = entry(&app, &c, TaskKind::SendQueue).await;
    let keys = send_on_both(&a, &b, &e, "send-at-once").await;
    let mut sent = Vec::new();
    for key in &keys {
        let r = wait_run(&a, key).await;
        assert_eq!(r.outcome, RunOutcome::Succeeded, "{r:?}");
        sent.push(r.counts.get(count::SENT));
    }
    assert_eq!(sent.iter().sum::<u64>(), 30, "{sent:?}");
    assert!(sent.iter().all(|n| *n > 0), "both instances sent: {sent:?}");
    let mut at: Vec<_> = a.opa.sandbox.inbox().iter().map(|m| m.at).collect();
    at.sort();
    assert_eq!(at.len(), 30);
    // No second holds more than the cap allows (two, and the one opening the next).
    for (i, t) in at.iter().enumerate() {
        let within = at[i..]
            .iter()
            .take_while(|u| **u < *t + chrono::Duration::seconds(1))
            .count();
        assert!(within <= 3, "{within} sends within a second from {t}");
    }
    let span = (at[29] - at[0]).to_std().unwrap();
    assert!(
        span >= Duration::from_millis(14_000),
        "30 sends in {span:?}"
    );
    b_jobs.stop().await;
    app.running.stop().await;
}

#[tokio::test]
async fn two_instances_share_the_channels_daily_limit() {
    let app = common::spawn().await;
    let c = queued_day(&app, 30).await;
    let a = app.running.state.clone();
    // Twelve sends left today on the channel, for both instances together; batches of ten
    // (120 a minute), so that both instances claim some.
    a.opa.sandbox.set_daily_limit(CHANNEL_MAIN, 12);
    set_rate(&app, &c, 120).await;
    let (b, b_jobs) = second_instance(&a).await;
    let e = entry(&app, &c, TaskKind::SendQueue).await;
    let keys = send_on_both(&a, &b, &e, "limit").await;
    let (mut sent, mut postponed) = (0, 0);
    for key in &keys {
        let r = wait_run(&a, key).await;
        sent += r.counts.get(count::SENT);
        postponed += r.counts.get(count::POSTPONED);
        assert_eq!(
            r.counts.get(count::RETRY),
            0,
            "the provider never refused: {r:?}"
        );
    }
    assert_eq!((sent, postponed), (12, 18));
    assert_eq!(a.opa.sandbox.inbox().len(), 12);
    assert_eq!(
        status_counts(&a).await,
        (18, 12, 0),
        "the rest waits for tomorrow"
    );
    b_jobs.stop().await;
    app.running.stop().await;
}

/// Three greetings of clients born today, enqueued; the signed-in client.
pub async fn queued_three(app: &TestApp) -> reqwest::Client {
    queued_day(app, 3).await
}

/// *Executar agora* of the send task, waited for.
pub async fn send_now(app: &TestApp, c: &reqwest::Client) -> TaskRun {
    run_now(app, c, TaskKind::SendQueue).await
}

/// Three greetings of clients born today, enqueued and sent (for the metrics' test).
pub async fn send_three(app: &TestApp) {
    let c = queued_day(app, 3).await;
    let r = run_now(app, &c, TaskKind::SendQueue).await;
    assert_eq!(r.counts.get(count::SENT), 3, "{r:?}");
}

#[tokio::test]
async fn meta_limits_are_understood_not_retried_and_counted_apart() {
    let app = common::spawn().await;
    let c = queued_day(&app, 3).await;
    let state = app.running.state.clone();
    let mut res = state
        .db
        .query("SELECT VALUE phone FROM outbox ORDER BY phone")
        .await
        .unwrap();
    let phones: Vec<String> = res.take(0).unwrap();
    assert_eq!(phones.len(), 3);
    // Meta's cap on marketing messages for the first person; a template whose variables do
    // not match for the second.
    state.opa.sandbox.set_faults(Faults {
        meta_codes: vec![(phones[0].clone(), 131049), (phones[1].clone(), 132000)],
        ..Faults::default()
    });
    let r = run_now(&app, &c, TaskKind::SendQueue).await;
    assert_eq!(r.counts.get(count::SENT), 1, "{r:?}");
    assert_eq!(r.counts.get(count::META_LIMITED), 1, "{r:?}");
    assert_eq!(r.counts.get(count::FAILED), 1, "{r:?}");
    assert_eq!(
        r.counts.get(count::RETRY),
        0,
        "neither is tried again: {r:?}"
    );
    let counts = queue::counts(&state.db).await.unwrap();
    assert_eq!(counts.get(QueueStatus::MetaLimit), 1);
    assert_eq!(counts.get(QueueStatus::Failed), 1);
    assert_eq!(counts.get(QueueStatus::Sent), 1);
    let mut res = state
        .db
        .query("SELECT phone, status, error_code, last_error, attempts FROM outbox ORDER BY phone")
        .await
        .unwrap();
    let rows: Vec<Value> = res.take(0).unwrap();
    assert_eq!(rows[0]["status"], "limite_meta");
    assert_eq!(rows[0]["error_code"], 131049);
    assert_eq!(rows[0]["attempts"], 1);
    assert!(rows[0]["last_error"]
        .as_str()
        .unwrap()
        .contains("não foi entregue hoje"));
    assert_eq!(rows[1]["status"], "erro");
    assert_eq!(rows[1]["error_code"], 132000);
    assert!(rows[1]["last_error"]
        .as_str()
        .unwrap()
        .contains("confira as variáveis da mensagem"));
    assert!(rows[2]["error_code"].is_null());
    // The Painel counts it apart.
    let board: Value = app.json::<LoadDashboard, _>(&c, &[]).await;
    assert_eq!(board["counts"]["by_status"]["MetaLimit"], 1);
    // The queue filters by reason...
    let by_reason = |code: &'static str| {
        let c = c.clone();
        let app = &app;
        async move {
            let page: Value = app
                .json::<ListQueue, _>(
                    &c,
                    &[
                        ("status", ""),
                        ("from", ""),
                        ("to", ""),
                        ("client", ""),
                        ("message_id", ""),
                        ("code", code),
                    ],
                )
                .await;
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["phone"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(by_reason("131049").await, [phones[0].clone()]);
    assert_eq!(by_reason("132000").await, [phones[1].clone()]);
    // ...and re-queues by reason in bulk: only the ones Meta's cap held back.
    let res = app
        .call::<RequeueFailed>(
            &c,
            &[
                ("from", ""),
                ("to", ""),
                ("client", ""),
                ("message_id", ""),
                ("code", "131049"),
            ],
        )
        .await;
    assert!(res.status().is_success());
    assert_eq!(res.json::<usize>().await.unwrap(), 1);
    let counts = queue::counts(&state.db).await.unwrap();
    assert_eq!(counts.get(QueueStatus::MetaLimit), 0);
    assert_eq!(counts.get(QueueStatus::Pending), 1);
    assert_eq!(counts.get(QueueStatus::Failed), 1);
    let bad = app
        .call::<ListQueue>(
            &c,
            &[
                ("status", ""),
                ("from", ""),
                ("to", ""),
                ("client", ""),
                ("message_id", ""),
                ("code", "12"),
            ],
        )
        .await;
    assert_eq!(bad.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    app.running.stop().await;
}

#[tokio::test]
async fn a_crash_while_sending_is_recovered_at_start() {
    let app = common::spawn().await;
    let c = queued_day(&app, 4).await;
    let state = app.running.state.clone();
    // A sender that died holding two messages (its lease has run out) and a run it left.
    let past = Utc::now() - chrono::Duration::minutes(5);
    let held = queue::claim_due(&state.db, "dead-instance", 2, past)
        .await
        .unwrap();
    assert_eq!(held.len(), 2);
    let e = entry(&app, &c, TaskKind::SendQueue).await;
    // One run left by the dead instance, one being run by the live first instance.
    for (key, instance) in [
        ("crashed-run", "dead-instance"),
        ("live-run", state.jobs.instance.as_str()),
    ] {
        runs::claim(
            &state.db,
            key,
            instance,
            &e.id,
            TaskKind::SendQueue,
            Trigger::Schedule,
            past,
        )
        .await
        .unwrap();
        runs::attempt_started(&state.db, key).await.unwrap();
    }

    // "Restart": the jobs of a new instance start over the same store.
    let (restarted, jobs_running) = second_instance(&state).await;
    let crashed = runs::get(&state.db, "crashed-run").await.unwrap().unwrap();
    assert_eq!(crashed.outcome, RunOutcome::Interrupted);
    let live = runs::get(&state.db, "live-run").await.unwrap().unwrap();
    assert_eq!(
        live.outcome,
        RunOutcome::Running,
        "the run of an instance that still beats is left to it"
    );
    assert_eq!(
        status_counts(&state).await,
        (4, 0, 0),
        "held messages back in the queue"
    );
    let d = queue::get(&state.db, &held[0].key).await.unwrap().unwrap();
    assert_eq!(d.attempts[0].outcome, "Recuperada");
    let key = "manual-after-restart";
    runs::claim(
        &state.db,
        key,
        &restarted.jobs.instance,
        &e.id,
        TaskKind::SendQueue,
        Trigger::Manual,
        Utc::now(),
    )
    .await
    .unwrap();
    restarted.jobs.push(jobs::RunRequest {
        run_id: key.into(),
        entry_id: e.id.clone(),
        task: TaskKind::SendQueue,
        trigger: Trigger::Manual,
    });
    let r = wait_run(&state, key).await;
    assert_eq!(r.counts.get(count::SENT), 4, "{r:?}");
    assert_eq!(state.opa.sandbox.inbox().len(), 4);
    jobs_running.stop().await;
    app.running.stop().await;
}

#[tokio::test]
async fn a_missed_enqueue_tick_is_caught_up_once() {
    let app = common::spawn().await;
    let c = app.logged_in_client().await;
    quiet_agenda(&app).await;
    let state = app.running.state.clone();
    app.import_csv(&c, &many(2)).await;
    birthday_message(&app, &c, 6000).await;
    // The enqueue entry at 00:00 every day: today's tick has passed (unless it is 00:00).
    let mut e = entry(&app, &c, TaskKind::EnqueueBirthdays).await;
    e.schedule.hour = "0".into();
    e.schedule.minute = "0".into();
    e.enabled = true;
    agenda::save(&state.db, &e).await.unwrap();
    let now = Utc::now();
    let first = scheduler::catch_up(&state.tasks(), now).await.unwrap();
    assert_eq!(first.len(), 1, "{first:?}");
    let r = wait_run(&state, &first[0]).await;
    assert_eq!(r.trigger, Trigger::CatchUp);
    assert_eq!(r.counts.get(count::ENQUEUED), 2);
    // A second start the same day has nothing to catch up.
    assert!(scheduler::catch_up(&state.tasks(), now)
        .await
        .unwrap()
        .is_empty());
    app.running.stop().await;
}

/// The agenda's send entry, enabled on a schedule that never comes round (31 February), so
/// that only a send that follows an enqueue runs it.
async fn send_entry_without_ticks(app: &TestApp, c: &reqwest::Client) -> AgendaEntry {
    let mut send = entry(app, c, TaskKind::SendQueue).await;
    send.enabled = true;
    send.schedule.day_of_month = "31".into();
    send.schedule.month = "2".into();
    agenda::save(&app.running.state.db, &send).await.unwrap();
    send
}

#[tokio::test]
async fn the_send_follows_an_enqueue_and_retries_its_last_batch_within_the_run() {
    let app = common::spawn().await;
    let c = queued_day_without_enqueue(&app, 3).await;
    let send = send_entry_without_ticks(&app, &c).await;
    let state = &app.running.state;
    // The provider answers slowly and refuses the first two sends with 429 and
    // `Retry-After: 1`: the run finds the queue empty while they are still in flight.
    state.opa.sandbox.set_faults(Faults {
        latency_ms: 300,
        next_429: 2,
        retry_after_secs: 1,
        ..Faults::default()
    });

    let enqueued = run_now(&app, &c, TaskKind::EnqueueBirthdays).await;
    assert_eq!(enqueued.counts.get(count::ENQUEUED), 3, "{enqueued:?}");
    // No tick and no click: the send follows the enqueue at once.
    let follow = wait_run(state, &format!("{}-apos-{}", send.id, enqueued.id)).await;
    assert_eq!(follow.trigger, Trigger::AfterEnqueue, "{follow:?}");
    assert_eq!(follow.outcome, RunOutcome::Succeeded, "{follow:?}");
    // The two refusals were in the run's last (only) batch: tried again a second later
    // within the same run, not left for the next scheduled one.
    assert_eq!(follow.counts.get(count::RETRY), 2, "{follow:?}");
    assert_eq!(follow.counts.get(count::SENT), 3, "{follow:?}");
    assert_eq!(state.opa.sandbox.inbox().len(), 3);
    assert_eq!(status_counts(state).await, (0, 3, 0));

    // An enqueue that queues nothing new starts no send.
    let again = run_now(&app, &c, TaskKind::EnqueueBirthdays).await;
    assert_eq!(again.counts.get(count::ENQUEUED), 0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        runs::get(&state.db, &format!("{}-apos-{}", send.id, again.id))
            .await
            .unwrap()
            .is_none()
    );
    app.running.stop().await;
}

/// Like [`queued_day`], without the enqueue.
async fn queued_day_without_enqueue(app: &TestApp, n: usize) -> reqwest::Client {
    let c = app.logged_in_client().await;
    quiet_agenda(app).await;
    app.import_csv(&c, &many(n)).await;
    birthday_message(app, &c, 6000).await;
    c
}

/// A queued message of client `id`, as the queue page shows it.
async fn message_of(app: &TestApp, c: &reqwest::Client, id: &str) -> Value {
    let list: Vec<Value> = app.json::<ClientMessages, _>(c, &[("client_id", id)]).await;
    assert_eq!(list.len(), 1, "{list:?}");
    list[0].clone()
}

#[tokio::test]
async fn a_client_no_longer_eligible_is_not_greeted_and_a_new_number_is_used() {
    let app = common::spawn().await;
    let c = app.logged_in_client().await;
    quiet_agenda(&app).await;
    let day = today();
    let people = |ana: &'static str, carla: (&'static str, &'static str), davi, eva| {
        csv(&[
            ("1", "Ana Souza", "F", "S", born(30, day), ana),
            ("2", "Bruno Lima", "F", "S", born(41, day), "11 98765-4321"),
            (
                "3",
                "Carla Dias",
                carla.0,
                carla.1,
                born(25, day),
                "(21) 99876-1111",
            ),
            ("4", "Davi Rocha", "F", "S", born(50, day), davi),
            ("5", "Eva Prado", eva, "S", born(33, day), "(31) 97777-1111"),
        ])
    };
    app.import_csv(
        &c,
        &people("(19) 99876-5432", ("F", "S"), "(31) 98888-1111", "F"),
    )
    .await;
    birthday_message(&app, &c, 6000).await;
    let mut params = app.birthday_params(&c).await;
    params.only_active = true;
    assert!(app
        .save_birthday_params(&c, &params)
        .await
        .status()
        .is_success());
    let run = run_now(&app, &c, TaskKind::EnqueueBirthdays).await;
    assert_eq!(run.counts.get(count::ENQUEUED), 5, "{run:?}");

    // After the enqueue: Bruno opts out; the next sync makes Carla inactive, Eva a company
    // and gives Davi a new number; Ana loses hers.
    let res = app
        .call::<SetClientOptOut>(&c, &[("external_id", "2"), ("opted_out", "true")])
        .await;
    assert!(res.status().is_success());
    let report = app
        .import_csv(&c, &people("", ("F", "N"), "(31) 96666-2222", "J"))
        .await;
    assert!(report["error"].is_null(), "{report}");

    let sent = run_now(&app, &c, TaskKind::SendQueue).await;
    assert_eq!(sent.counts.get(count::SENT), 1, "{sent:?}");
    assert_eq!(sent.counts.get(count::CANCELLED), 4, "{sent:?}");
    let inbox = app.running.state.opa.sandbox.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].phone, "+5531966662222", "Davi's new number");

    for (id, reason) in [
        ("1", "Sem telefone utilizável"),
        ("2", "Cliente pediu para não receber"),
        ("3", "Cliente inativo"),
        ("5", "Pessoa jurídica"),
    ] {
        let m = message_of(&app, &c, id).await;
        assert_eq!(m["status"], "Cancelled", "{m}");
        let error = m["last_error"].as_str().unwrap();
        assert!(error.starts_with("Cliente não é mais elegível"), "{m}");
        assert!(error.contains(reason), "{id}: {error}");
        assert_eq!(m["attempts"], 0, "no request was made: {m}");
    }
    let davi = message_of(&app, &c, "4").await;
    assert_eq!(davi["status"], "Sent");
    assert_eq!(davi["phone"], "+5531966662222");
    let detail: Value = app
        .json::<GetQueueMessage, _>(&c, &[("id", davi["id"].as_str().unwrap())])
        .await;
    let outcomes: Vec<&str> = detail["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["Telefone atualizado", "Enviado"]);
    app.running.stop().await;
}

#[tokio::test]
async fn a_greeting_whose_day_ended_expires_unless_late_greetings_are_allowed() {
    let app = common::spawn().await;
    let c = queued_day(&app, 2).await;
    let state = &app.running.state;
    let yesterday = (today() - chrono::Days::new(1))
        .format("%Y-%m-%d")
        .to_string();
    // As if the enqueue had run late yesterday, after the send window closed.
    let late = |ids: Vec<&'static str>| {
        let yesterday = yesterday.clone();
        async move {
            state
                .db
                .query("UPDATE outbox SET greeting_day = $d WHERE client_id IN $ids")
                .bind(("d", yesterday))
                .bind(("ids", ids))
                .await
                .unwrap()
                .check()
                .unwrap();
        }
    };
    late(vec!["100", "101"]).await;
    let run = run_now(&app, &c, TaskKind::SendQueue).await;
    assert_eq!(run.counts.get(count::EXPIRED), 2, "{run:?}");
    assert_eq!(run.counts.get(count::SENT), 0, "{run:?}");
    assert!(state.opa.sandbox.inbox().is_empty());
    let m = message_of(&app, &c, "100").await;
    assert_eq!(m["status"], "Expired");
    assert!(
        m["last_error"]
            .as_str()
            .unwrap()
            .contains("terminou sem envio"),
        "{m}"
    );
    // Counted on the dashboard.
    let board: Value = app.json::<LoadDashboard, _>(&c, &[]).await;
    assert_eq!(
        board["counts"]["by_status"]["Expired"], 2,
        "{}",
        board["counts"]
    );

    // With late greetings allowed (*Parâmetros*), a late one still goes out.
    app.import_csv(&c, &many(3)).await;
    let r = run_now(&app, &c, TaskKind::EnqueueBirthdays).await;
    assert_eq!(r.counts.get(count::ENQUEUED), 1, "{r:?}");
    late(vec!["102"]).await;
    let mut params = app.birthday_params(&c).await;
    params.allow_late = true;
    assert!(app
        .save_birthday_params(&c, &params)
        .await
        .status()
        .is_success());
    let run = run_now(&app, &c, TaskKind::SendQueue).await;
    assert_eq!(run.counts.get(count::SENT), 1, "{run:?}");
    assert_eq!(run.counts.get(count::EXPIRED), 0, "{run:?}");
    assert_eq!(message_of(&app, &c, "102").await["status"], "Sent");
    app.running.stop().await;
}

#[tokio::test]
async fn the_greetings_date_is_a_variable_in_the_business_time_zone() {
    let app = common::spawn().await;
    let c = app.logged_in_client().await;
    quiet_agenda(&app).await;
    app.import_csv(&c, &many(1)).await;
    // "Parabéns, {{1}}! Hoje é o seu dia. Um abraço de toda a equipe de {{2}}."
    let input = MessageInput {
        id: String::new(),
        description: "Com a data".into(),
        channel_id: CHANNEL_MAIN.into(),
        template_id: app::server::opa::sandbox::TEMPLATE_BIRTHDAY_NUMBERED.into(),
        variables: vec![Some(Variable::FirstName), Some(Variable::Today)],
    };
    let res = app.save_message(&c, input).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let id: String = res.json().await.unwrap();
    let mut params = app.birthday_params(&c).await;
    params.message_id = Some(id);
    params.window_from = 0;
    params.window_to = 24;
    assert!(app
        .save_birthday_params(&c, &params)
        .await
        .status()
        .is_success());
    run_now(&app, &c, TaskKind::EnqueueBirthdays).await;
    let sent = run_now(&app, &c, TaskKind::SendQueue).await;
    assert_eq!(sent.counts.get(count::SENT), 1, "{sent:?}");
    let inbox = app.running.state.opa.sandbox.inbox();
    let today = today().format("%d/%m").to_string();
    assert_eq!(inbox[0].variables, ["Cliente", today.as_str()]);
    assert!(
        inbox[0].text.contains(&format!("equipe de {today}.")),
        "{}",
        inbox[0].text
    );
    app.running.stop().await;
}
