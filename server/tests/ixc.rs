//! IXC sync against a fake IXC webservice on loopback: real reqwest, real HTTP, paging.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use axum::{Json, Router};
use common::spawn;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// base64("7:segredo-ixc")
const AUTH: &str = "Basic NzpzZWdyZWRvLWl4Yw==";
const CLIENTS: usize = 2_500;

#[derive(Default)]
struct Fake {
    fail_page: AtomicUsize,
    pages_served: AtomicUsize,
    saw_bad_request: AtomicBool,
}

fn registro(id: usize) -> Value {
    json!({
        "id": id.to_string(),
        "razao": format!("CLIENTE NÚMERO {id}"),
        "fantasia": "",
        "tipo_pessoa": if id.is_multiple_of(10) { "J" } else { "F" },
        "ativo": if id.is_multiple_of(7) { "N" } else { "S" },
        // One bad date, to be reported and skipped.
        "data_nascimento": if id == 13 { "2023-02-30".to_string() } else { format!("19{:02}-{:02}-{:02}", 50 + id % 49, 1 + id % 12, 1 + id % 28) },
        "whatsapp": format!("(11) 9{:04}-{:04}", id % 10_000, (id * 7) % 10_000),
        "telefone_celular": "",
        "fone": "",
        "email": "",
        "cidade": "Campinas",
        "uf": "SP",
        "cnpj_cpf": "",
    })
}

async fn start_fake(fake: Arc<Fake>) -> String {
    let app = Router::new().route(
        "/webservice/v1/cliente",
        post(move |headers: HeaderMap, Json(body): Json<Value>| {
            let fake = fake.clone();
            async move {
                if headers.get("ixcsoft").and_then(|v| v.to_str().ok()) != Some("listar")
                    || body["qtype"] != "cliente.id"
                    || body["sortorder"] != "asc"
                {
                    fake.saw_bad_request.store(true, Ordering::SeqCst);
                    return (AxumStatus::BAD_REQUEST, Json(json!({"type": "error"})));
                }
                if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(AUTH) {
                    return (
                        AxumStatus::UNAUTHORIZED,
                        Json(json!({"type": "error", "message": "Token inválido"})),
                    );
                }
                let page: usize = body["page"].as_str().unwrap().parse().unwrap();
                let rp: usize = body["rp"].as_str().unwrap().parse().unwrap();
                if page == fake.fail_page.load(Ordering::SeqCst) {
                    return (
                        AxumStatus::INTERNAL_SERVER_ERROR,
                        Json(json!({"type": "error", "message": "falha interna"})),
                    );
                }
                fake.pages_served.fetch_add(1, Ordering::SeqCst);
                let from = (page - 1) * rp + 1;
                let registros: Vec<Value> =
                    (from..(from + rp).min(CLIENTS + 1)).map(registro).collect();
                (
                    AxumStatus::OK,
                    Json(
                        json!({"page": page.to_string(), "total": CLIENTS, "registros": registros}),
                    ),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn total_clients(app: &common::TestApp, c: &reqwest::Client) -> u64 {
    let v: Value = app
        .call(c, "list_clients", &[("text", ""), ("page", "0")])
        .await
        .json()
        .await
        .unwrap();
    v[1].as_u64().unwrap()
}

#[tokio::test]
async fn sync_pages_through_ixc_and_a_failure_changes_nothing() {
    let fake = Arc::new(Fake::default());
    let ixc_url = start_fake(fake.clone()).await;
    let app = spawn().await;
    let c = app.logged_in_client().await;

    // Unconfigured: a clear error, not a crash.
    let res = app.call(&c, "test_ixc_connection", &[]).await;
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
    assert!(res.text().await.unwrap().contains("Configure"));

    // Validation happens on the server, next to the field.
    let bad = app
        .call(
            &c,
            "save_ixc_settings",
            &[("url", "ixc sem esquema"), ("user_id", "7"), ("token", "x")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("\"url\""));

    // A wrong token is reported as such.
    let saved = app
        .call(
            &c,
            "save_ixc_settings",
            &[("url", &ixc_url), ("user_id", "7"), ("token", "errado")],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let res = app.call(&c, "test_ixc_connection", &[]).await;
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
    assert!(res.text().await.unwrap().contains("recusados"));

    // The right token; an empty token later keeps it, and it is never sent back.
    app.call(
        &c,
        "save_ixc_settings",
        &[
            ("url", &ixc_url),
            ("user_id", "7"),
            ("token", "segredo-ixc"),
        ],
    )
    .await;
    app.call(
        &c,
        "save_ixc_settings",
        &[
            ("url", &format!("{ixc_url}/")),
            ("user_id", "7"),
            ("token", ""),
        ],
    )
    .await;
    let view = app
        .call(&c, "ixc_settings", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(!view.contains("segredo-ixc"), "{view}");
    assert!(view.contains("\"token_set\":true"), "{view}");
    let count: u64 = app
        .call(&c, "test_ixc_connection", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(count, CLIENTS as u64);

    let job: u64 = app
        .call(&c, "sync_ixc_now", &[])
        .await
        .json()
        .await
        .unwrap();
    let done = app.wait_import(&c, job).await;
    let report = &done["report"];
    assert!(done["error"].is_null(), "{done}");
    assert_eq!(report["created"], CLIENTS as u64 - 1);
    assert_eq!(report["rows"], CLIENTS as u64);
    assert_eq!(report["rejected"][0]["external_id"], "13");
    assert!(report["rejected"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("Data de nascimento"));
    assert_eq!(
        fake.pages_served.load(Ordering::SeqCst),
        1 + 3,
        "one test page + three of 1,000"
    );
    assert_eq!(total_clients(&app, &c).await, CLIENTS as u64 - 1);
    assert!(!fake.saw_bad_request.load(Ordering::SeqCst));

    // IXC fails on page 2 of the next sync: the error is shown, the clients stay as they were.
    app.call(
        &c,
        "set_client_opt_out",
        &[("external_id", "1"), ("opted_out", "true")],
    )
    .await;
    fake.fail_page.store(2, Ordering::SeqCst);
    let job: u64 = app
        .call(&c, "sync_ixc_now", &[])
        .await
        .json()
        .await
        .unwrap();
    let failed = app.wait_import(&c, job).await;
    assert!(
        failed["error"].as_str().unwrap().contains("HTTP 500"),
        "{failed}"
    );
    assert!(failed["report"].is_null());
    assert_eq!(total_clients(&app, &c).await, CLIENTS as u64 - 1);
    let one: Value = app
        .call(
            &c,
            "list_clients",
            &[
                ("text", "cliente número 1"),
                ("opted_out", "S"),
                ("page", "0"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one[1], 1, "the opt-out survived the failed sync: {one}");

    // The agenda's *Sincronizar clientes IXC* runs the same sync as a task: IXC fails on
    // page 2 at first, the executor's retry policy tries again after a backoff, and the
    // second attempt succeeds.
    let entry = json!({ "id": "", "task": "SyncIxc", "enabled": false, "schedule": {
        "minute": "0", "hour": "3", "day_of_month": "Todos", "month": "Todos", "day_of_week": "Todos" } });
    let res = c
        .post(app.url("/api/save_agenda_entry"))
        .json(&json!({ "entry": entry }))
        .send()
        .await
        .unwrap();
    let entry_id: String = res.json().await.unwrap();
    let run: String = app
        .call(&c, "run_now", &[("entry_id", &entry_id)])
        .await
        .json()
        .await
        .unwrap();
    let state = &app.running.state;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut saw_retrying = false;
    let done = loop {
        let r = app::server::jobs::runs::get(&state.db, &run)
            .await
            .unwrap()
            .unwrap();
        if r.outcome == app::models::queue::RunOutcome::Retrying && !saw_retrying {
            saw_retrying = true;
            assert!(r.error.as_deref().unwrap().contains("HTTP 500"), "{r:?}");
            fake.fail_page.store(0, Ordering::SeqCst);
        }
        if r.outcome.is_finished() {
            break r;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "sync run stuck: {r:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(saw_retrying, "{done:?}");
    assert_eq!(
        done.outcome,
        app::models::queue::RunOutcome::Succeeded,
        "{done:?}"
    );
    assert_eq!(done.attempt, 2);
    assert_eq!(
        done.counts.get(app::models::queue::count::IMPORTED),
        CLIENTS as u64
    );
}
