//! IXC sync against a fake IXC webservice on loopback: real reqwest, real HTTP, paging.
//!
//! The fake answers as live IXC instances do (2026), so that the tests fail the way
//! production would:
//! - errors come back as HTTP 200 with a `text/html` body `{"type":"error","message":...}`
//!   (a malformed request, or an API user without the permission: "Recurso cliente não está
//!   disponível!"); only a bad token gets 401;
//! - there is no field projection: every row carries every column, the client's plain-text
//!   passwords (`senha`, `senha_central`, `hotsite_senha`) among them;
//! - values are strings; `total` is a number.

use crate::common;
use crate::fns::*;
use app::models::agenda::TaskKind;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::{header, HeaderMap, StatusCode as AxumStatus};
use axum::response::{IntoResponse, Response};
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
    /// The API user lacks the permission to list clients.
    denied: AtomicBool,
}

/// A client's password as IXC sends it along with every row.
fn password(id: usize) -> String {
    format!("senha-secreta-{id}")
}

/// IXC's error: HTTP 200, `text/html`, `{"type":"error","message":...}`.
fn ixc_error(message: &str) -> Response {
    (
        AxumStatus::OK,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        json!({ "type": "error", "message": message }).to_string(),
    )
        .into_response()
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
        "senha": password(id),
        "senha_central": password(id),
        "hotsite_senha": password(id),
        "hotsite_email": format!("cliente{id}@example.com"),
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
                    return ixc_error("Requisição inválida.");
                }
                if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(AUTH) {
                    return (
                        AxumStatus::UNAUTHORIZED,
                        Json(json!({"type": "error", "message": "Token inválido"})),
                    )
                        .into_response();
                }
                if fake.denied.load(Ordering::SeqCst) {
                    return ixc_error("Recurso cliente não está disponível!");
                }
                let page: usize = body["page"].as_str().unwrap().parse().unwrap();
                let rp: usize = body["rp"].as_str().unwrap().parse().unwrap();
                if page == fake.fail_page.load(Ordering::SeqCst) {
                    return (
                        AxumStatus::INTERNAL_SERVER_ERROR,
                        Json(json!({"type": "error", "message": "falha interna"})),
                    )
                        .into_response();
                }
                fake.pages_served.fetch_add(1, Ordering::SeqCst);
                let from = (page - 1) * rp + 1;
                let registros: Vec<Value> =
                    (from..(from + rp).min(CLIENTS + 1)).map(registro).collect();
                (
                    AxumStatus::OK,
                    [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
                    json!({"page": page.to_string(), "total": CLIENTS, "registros": registros})
                        .to_string(),
                )
                    .into_response()
            }
        }),
    );
    common::serve(app).await
}

async fn total_clients(app: &common::TestApp, c: &reqwest::Client) -> u64 {
    let v: Value = app
        .json::<ListClients, _>(c, &[("text", ""), ("after", "")])
        .await;
    v["total"].as_u64().unwrap()
}

#[tokio::test]
async fn sync_pages_through_ixc_and_a_failure_changes_nothing() {
    let fake = Arc::new(Fake::default());
    let ixc_url = start_fake(fake.clone()).await;
    let app = spawn().await;
    let c = app.logged_in_client().await;

    // Unconfigured: a clear error, not a crash.
    let res = app.call::<TestIxcConnection>(&c, &[]).await;
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
    assert!(res.text().await.unwrap().contains("Configure"));

    // Validation happens on the server, next to the field.
    let bad = app
        .call::<SaveIxcSettings>(
            &c,
            &[("url", "ixc sem esquema"), ("user_id", "7"), ("token", "x")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("\"url\""));

    // A wrong token is reported as such.
    let saved = app
        .call::<SaveIxcSettings>(
            &c,
            &[("url", &ixc_url), ("user_id", "7"), ("token", "errado")],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let res = app.call::<TestIxcConnection>(&c, &[]).await;
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
    assert!(res.text().await.unwrap().contains("recusados"));

    // The right token; an empty token later keeps it, and it is never sent back.
    app.call::<SaveIxcSettings>(
        &c,
        &[
            ("url", &ixc_url),
            ("user_id", "7"),
            ("token", "segredo-ixc"),
        ],
    )
    .await;
    app.call::<SaveIxcSettings>(
        &c,
        &[
            ("url", &format!("{ixc_url}/")),
            ("user_id", "7"),
            ("token", ""),
        ],
    )
    .await;
    let view = app.text::<IxcSettings>(&c, &[]).await;
    assert!(!view.contains("segredo-ixc"), "{view}");
    assert!(view.contains("\"token_set\":true"), "{view}");
    let count: u64 = app.json::<TestIxcConnection, _>(&c, &[]).await;
    assert_eq!(count, CLIENTS as u64);

    let job: String = app.json::<SyncIxcNow, _>(&c, &[]).await;
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

    // IXC sends every client's passwords along; none of them is kept anywhere we can see.
    assert!(!done.to_string().contains("senha-secreta"), "{done}");
    let stored: Vec<Value> = app
        .running
        .state
        .db
        .query("SELECT * FROM client")
        .await
        .unwrap()
        .take(0)
        .unwrap();
    assert_eq!(stored.len(), CLIENTS - 1);
    let stored = serde_json::to_string(&stored).unwrap();
    assert!(!stored.contains("senha-secreta") && !stored.contains("hotsite"));

    // The API user loses the permission: IXC answers HTTP 200 with its error. The test and
    // the sync show IXC's own message, and the sync changes nothing.
    fake.denied.store(true, Ordering::SeqCst);
    let res = app.call::<TestIxcConnection>(&c, &[]).await;
    assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("O IXC recusou a consulta: Recurso cliente não está disponível!"),
        "{text}"
    );
    let job: String = app.json::<SyncIxcNow, _>(&c, &[]).await;
    let refused = app.wait_import(&c, job).await;
    assert!(
        refused["error"]
            .as_str()
            .unwrap()
            .contains("Recurso cliente não está disponível!"),
        "{refused}"
    );
    assert!(refused["report"].is_null(), "{refused}");
    assert_eq!(total_clients(&app, &c).await, CLIENTS as u64 - 1);
    fake.denied.store(false, Ordering::SeqCst);

    // IXC fails on page 2 of the next sync: the error is shown, the clients stay as they were.
    app.call::<SetClientOptOut>(&c, &[("external_id", "1"), ("opted_out", "true")])
        .await;
    fake.fail_page.store(2, Ordering::SeqCst);
    let job: String = app.json::<SyncIxcNow, _>(&c, &[]).await;
    let failed = app.wait_import(&c, job).await;
    assert!(
        failed["error"]
            .as_str()
            .unwrap()
            .contains("O IXC respondeu HTTP 500: falha interna"),
        "{failed}"
    );
    assert!(failed["report"].is_null());
    assert_eq!(total_clients(&app, &c).await, CLIENTS as u64 - 1);
    let one: Value = app
        .json::<ListClients, _>(
            &c,
            &[
                ("text", "cliente número 1"),
                ("opted_out", "S"),
                ("after", ""),
            ],
        )
        .await;
    assert_eq!(
        one["items"].as_array().unwrap().len(),
        1,
        "the opt-out survived the failed sync: {one}"
    );

    // The agenda's *Sincronizar clientes IXC* runs the same sync as a task: IXC refuses it
    // (HTTP 200 with its error) at first, so the run fails rather than succeeding with no
    // clients; the executor's retry policy tries again after a backoff, and the second
    // attempt succeeds.
    fake.fail_page.store(0, Ordering::SeqCst);
    fake.denied.store(true, Ordering::SeqCst);
    let entry = common::agenda_entry(
        TaskKind::SyncIxc,
        false,
        ["0", "3", "Todos", "Todos", "Todos"],
    );
    let res = app.send_json(&c, &entry).await;
    let entry_id: String = res.json().await.unwrap();
    let run: String = app.json::<RunNow, _>(&c, &[("entry_id", &entry_id)]).await;
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
            assert!(
                r.error.as_deref().unwrap().contains("Recurso cliente"),
                "{r:?}"
            );
            fake.denied.store(false, Ordering::SeqCst);
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

/// An admin who points either integration at some internal address reads nothing of its
/// pages through the error: only the HTTP status (and a service's own `message` field).
#[tokio::test]
async fn errors_never_quote_a_foreign_page() {
    const SECRET: &str = "conteudo-interno-7d1f";
    let page = format!("<html><head><title>Roteador</title></head><body>{SECRET}</body></html>");
    let internal = Router::new().fallback(move || {
        let page = page.clone();
        async move {
            (
                AxumStatus::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/html")],
                page,
            )
        }
    });
    let ok_page = format!("<html>{SECRET}</html>");
    let internal_ok = Router::new().fallback(move || {
        let page = ok_page.clone();
        async move { (AxumStatus::OK, [(header::CONTENT_TYPE, "text/html")], page) }
    });
    let mut bases = Vec::new();
    for router in [internal, internal_ok] {
        bases.push(common::serve(router).await);
    }
    let app = spawn().await;
    let c = app.logged_in_client().await;
    for base in &bases {
        app.call::<SaveIxcSettings>(&c, &[("url", base), ("user_id", "7"), ("token", "t")])
            .await;
        let res = app.call::<TestIxcConnection>(&c, &[]).await;
        assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
        let text = res.text().await.unwrap();
        assert!(
            !text.contains(SECRET) && !text.contains("Roteador"),
            "{text}"
        );
        assert!(text.contains("HTTP"), "{text}");

        app.call::<SaveOpaSettings>(&c, &[("url", base), ("token", "t")])
            .await;
        let res = app.call::<TestOpaConnection>(&c, &[]).await;
        assert_eq!(res.status(), StatusCode::BAD_GATEWAY);
        let text = res.text().await.unwrap();
        assert!(
            !text.contains(SECRET) && !text.contains("Roteador"),
            "{text}"
        );
        assert!(text.contains("HTTP"), "{text}");
    }
}
