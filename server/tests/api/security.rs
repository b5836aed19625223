//! What a black-box review of the running server found, each fixed and held here over real
//! HTTP: the sandbox in production, tokens sent to other hosts, open redirects, forged
//! cross-site requests, the throttle behind a proxy, unbounded input, malformed requests,
//! log injection, headers and sessions.

use crate::common;
use crate::fns::*;
use app::models::agenda::TaskKind;

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use common::{client, spawn, spawn_with, ADMIN_PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use server::config::Config;

const SANDBOX_TOKEN: &str = "token-do-sandbox-de-teste";

fn config() -> Config {
    let mut c = Config::for_tests(ADMIN_PASSWORD);
    c.opa_token = Some(SANDBOX_TOKEN.into());
    c
}

/// A listener on loopback that counts the requests it gets (a host the tokens must not reach).
async fn listener() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { "ok" }
    });
    (common::serve(app).await, hits)
}

fn send_body(phone: &str, padding: usize) -> Value {
    json!({
        "contato": { "canalCliente": phone },
        "template": { "_id": app::server::opa::sandbox::TEMPLATE_BIRTHDAY_NUMBERED, "variaveis": ["Ana", "x".repeat(padding)] },
        "canal": app::server::opa::sandbox::CHANNEL_MAIN,
    })
}

#[tokio::test]
async fn the_sandbox_is_bounded_and_closed_when_a_real_opa_suite_is_configured() {
    let app = spawn_with(config()).await;
    let c = app.logged_in_client().await;
    let http = reqwest::Client::new();
    let send_url = app.url("/sandbox/opa/api/v1/template/send");

    // The documented default token opens nothing; only the configured one does.
    let res = http
        .post(&send_url)
        .bearer_auth("sandbox")
        .json(&send_body("+5519998765432", 1))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // A 1.9 MB send is refused before it is read.
    let res = http
        .post(&send_url)
        .bearer_auth(SANDBOX_TOKEN)
        .json(&send_body("+5519998765432", 1_900_000))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // The inbox keeps the latest 1,000 messages, and the outbox view is paged.
    for i in 0..1_005 {
        let res = http
            .post(&send_url)
            .bearer_auth(SANDBOX_TOKEN)
            .json(&send_body(&format!("+55199{i:08}"), 0))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    assert_eq!(app.running.state.opa.sandbox.inbox().len(), 1_000);
    let page: Value = app.json::<SandboxOutbox, _>(&c, &[("page", "0")]).await;
    assert_eq!(page["total"], 1_000);
    assert_eq!(page["items"].as_array().unwrap().len(), 50);
    assert_eq!(page["items"][0]["phone"], "+5519900001004", "newest first");

    // A real Opa! Suite saved: the sandbox is gone; back to the sandbox, it answers again.
    let (real, _) = listener().await;
    let res = app
        .call::<SaveOpaSettings>(&c, &[("url", &real), ("token", "t")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = http
        .post(&send_url)
        .bearer_auth(SANDBOX_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    app.call::<SaveOpaSettings>(&c, &[("url", ""), ("token", "")])
        .await;
    let res = http.post(&send_url).bearer_auth("x").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    app.running.stop().await;

    // With `PARABENS_OPA_URL` the sandbox is never there.
    let mut with_env = config();
    with_env.opa_url = Some(real);
    let app = spawn_with(with_env).await;
    let res = http
        .get(app.url("/sandbox/opa/api/v1/canal-comunicacao/"))
        .bearer_auth(SANDBOX_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    app.running.stop().await;
}

#[tokio::test]
async fn a_saved_token_is_never_sent_to_another_host() {
    let app = spawn().await;
    let c = app.logged_in_client().await;
    let (first, _) = listener().await;
    let (other, hits) = listener().await;
    for (save, fields) in [
        (SaveOpaSettings::PATH, vec![("token", "segredo-opa")]),
        (
            SaveIxcSettings::PATH,
            vec![("user_id", "7"), ("token", "segredo-ixc")],
        ),
    ] {
        let mut form = fields.clone();
        form.push(("url", &first));
        assert_eq!(
            app.call_path(&c, save, &form).await.status(),
            StatusCode::OK
        );
        // The same server with an empty token keeps it...
        let mut keep: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (*k, if *k == "token" { "" } else { v }))
            .collect();
        let same = format!("{first}/");
        keep.push(("url", &same));
        assert_eq!(
            app.call_path(&c, save, &keep).await.status(),
            StatusCode::OK
        );
        // ...another server needs it typed again.
        keep.pop();
        keep.push(("url", &other));
        let res = app.call_path(&c, save, &keep).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{save}");
        let body = res.text().await.unwrap();
        assert!(
            body.contains("\"token\"") && body.contains("outro servidor"),
            "{body}"
        );
    }
    // Nothing was saved for the other host, so nothing was ever sent there.
    app.call::<TestOpaConnection>(&c, &[]).await;
    app.call::<TestIxcConnection>(&c, &[]).await;
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn after_login_only_a_path_of_this_site() {
    let app = spawn().await;
    for (next, to) in [
        ("/fila?status=erro", "/fila?status=erro"),
        ("/\\evil.example/x", "/"),
        ("/\t/evil.example", "/"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
        ("/\u{1}x", "/"),
        ("/a\r\nSet-Cookie: x=1", "/"),
    ] {
        let res = client()
            .post(app.url(Login::PATH))
            .form(&[
                ("username", "admin"),
                ("password", ADMIN_PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_success() || res.status().is_redirection(),
            "{next:?}: {}",
            res.status()
        );
        assert_eq!(res.headers()["location"], to, "{next:?}");
    }
}

#[tokio::test]
async fn requests_from_other_sites_are_refused_before_the_function_runs() {
    let app = spawn().await;
    let c = app.logged_in_client().await;
    let own = app.base.clone();
    let save = |origin: Option<&'static str>, site: Option<&'static str>, url: &'static str| {
        let mut req = c
            .post(app.url(SaveOpaSettings::PATH))
            .form(&[("url", url), ("token", "t")]);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        if let Some(s) = site {
            req = req.header("sec-fetch-site", s);
        }
        req.send()
    };
    // A page on another port of this host, a sibling subdomain, a sandboxed frame.
    for (origin, site) in [
        (Some("http://127.0.0.1:1"), None),
        (Some("https://blog.provedor.com.br"), None),
        (Some("null"), None),
        (None, Some("same-site")),
        (None, Some("cross-site")),
    ] {
        let res = save(origin, site, "https://forjado.example").await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{origin:?} {site:?}");
        assert!(res.text().await.unwrap().contains("Forbidden"));
    }
    let view = app.text::<OpaSettings>(&c, &[]).await;
    assert!(!view.contains("forjado"), "{view}");
    // This site's own pages go through.
    let res = c
        .post(app.url(SaveOpaSettings::PATH))
        .header("origin", own)
        .header("sec-fetch-site", "same-origin")
        .form(&[
            ("url", "https://opa.provedor.com.br/api/v1"),
            ("token", "t"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

/// Logs in as `user` from `forwarded_for` (as the proxy says).
async fn login_from(
    app: &common::TestApp,
    forwarded_for: &str,
    user: &str,
    password: &str,
) -> StatusCode {
    client()
        .post(app.url(Login::PATH))
        .header("x-forwarded-for", forwarded_for)
        .form(&[("username", user), ("password", password)])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_clients_failures_lock_out_nobody_else() {
    let mut behind = config();
    behind.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    let app = spawn_with(behind).await;
    let mut last = StatusCode::OK;
    for _ in 0..25 {
        last = login_from(&app, "203.0.113.9", "admin", "chute-errado").await;
    }
    assert_eq!(
        last,
        StatusCode::TOO_MANY_REQUESTS,
        "the attacker is slowed"
    );
    // The admin, elsewhere, gets in with the right password.
    assert_eq!(
        login_from(&app, "198.51.100.7", "admin", ADMIN_PASSWORD).await,
        StatusCode::OK
    );
    // A client cannot pick its own address in front of the proxy's.
    assert_eq!(
        login_from(&app, "198.51.100.7, 203.0.113.9", "admin", ADMIN_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.running.stop().await;

    // Without trusted proxies the header is not believed at all.
    let app = spawn_with(config()).await;
    for _ in 0..6 {
        login_from(&app, "203.0.113.9", "admin", "chute-errado").await;
    }
    assert_eq!(
        login_from(&app, "198.51.100.7", "admin", ADMIN_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn oversized_input_is_refused_before_anything_keeps_it() {
    let app = spawn().await;
    let long = "a".repeat(100_000);
    for _ in 0..20 {
        let res = app.login(&client(), &long, "x").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(
        app.running.state.limiter.entries(),
        0,
        "the throttle kept nothing"
    );
    // 1.9 MB: refused at the door.
    let res = app.login(&client(), &"a".repeat(1_900_000), "x").await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let c = app.logged_in_client().await;
    let minutes = "1,".repeat(40);
    let entry = common::agenda_entry(
        TaskKind::SendQueue,
        false,
        [&minutes, "3", "Todos", "Todos", "Todos"],
    );
    let res = app.send_json(&c, &entry).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("No máximo 64 caracteres"));
    for (f, form) in [
        (RunNow::PATH, vec![("entry_id", long.as_str())]),
        (
            ListClients::PATH,
            vec![("text", long.as_str()), ("after", "")],
        ),
        (DeleteAgendaEntry::PATH, vec![("id", long.as_str())]),
    ] {
        let res = app.call_path(&c, f, &form).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{f}");
    }
}

#[tokio::test]
async fn malformed_requests_get_a_clear_4xx() {
    let app = spawn().await;
    let c = app.logged_in_client().await;
    let form = |path: &str, body: &[(&str, &str)]| c.post(app.url(path)).form(body);
    let json_to = |path: &str, body: &str| {
        c.post(app.url(path))
            .header("content-type", "application/json")
            .body(body.to_string())
    };
    let cases = vec![
        (
            "import_clients form body",
            form(ImportClients::PATH, &[("file", "x")]),
            415,
        ),
        (
            "import_clients no boundary",
            c.post(app.url(ImportClients::PATH))
                .header("content-type", "multipart/form-data")
                .body("x"),
            415,
        ),
        (
            "opted_out=talvez",
            form(
                SetClientOptOut::PATH,
                &[("external_id", "1"), ("opted_out", "talvez")],
            ),
            400,
        ),
        (
            "both cursors",
            form(
                ListQueue::PATH,
                &[
                    ("status", ""),
                    ("from", ""),
                    ("to", ""),
                    ("client", ""),
                    ("message_id", ""),
                    ("after", "a"),
                    ("before", "b"),
                ],
            ),
            422,
        ),
        ("missing argument", form(GetClient::PATH, &[]), 400),
        (
            "invalid JSON",
            json_to(SaveAgendaEntry::PATH, "{not json"),
            400,
        ),
        (
            "unknown enum",
            json_to(
                SaveBirthdayParams::PATH,
                r#"{"params":{"message_id":null,"only_active":false,"leap_day_rule":"Nunca","time_zone":"America/Sao_Paulo","window_from":8,"window_to":20,"per_minute":60}}"#,
            ),
            400,
        ),
        (
            "form to a JSON function",
            form(SaveAgendaEntry::PATH, &[("entry", "x")]),
            400,
        ),
        (
            "over the limit",
            form(
                ListClients::PATH,
                &[("text", &"a".repeat(2_000_000)), ("after", "")],
            ),
            413,
        ),
    ];
    for (what, req, status) in cases {
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{what}: dropped: {e}"));
        assert_eq!(res.status().as_u16(), status, "{what}");
    }
    // The server is still there.
    assert_eq!(
        app.call::<GetCurrentUser>(&c, &[]).await.status(),
        StatusCode::OK
    );
}

/// Log lines of this test binary, captured.
fn captured_log() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || Sink(sink.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
        buf
    })
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_username_cannot_forge_a_log_line() {
    let log = captured_log();
    let app = spawn().await;
    // Short enough to be an account name, so it is logged (escaped) with the failure.
    let forged = "a\n2026-12-01 INFO login ok";
    app.login(&client(), forged, "errada").await;
    let text = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    assert!(text.contains("login failed"), "{text}");
    assert!(text.contains(r"a\n2026-12-01 info login"), "{text}");
    assert!(
        !text
            .lines()
            .any(|l| l.to_lowercase().starts_with("2026-12-01 info")),
        "{text}"
    );
}

#[tokio::test]
async fn headers_and_sessions() {
    let app = spawn().await;
    let c = app.logged_in_client().await;
    let page = c.get(app.url("/")).send().await.unwrap();
    let h = page.headers().clone();
    let csp = h["content-security-policy"].to_str().unwrap().to_string();
    assert_eq!(h["cache-control"], "no-store");
    assert!(h.get("strict-transport-security").is_none(), "plain http");
    let body = page.text().await.unwrap();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .unwrap();
    assert!(
        body.contains(&format!("nonce=\"{nonce}\"")),
        "the page's scripts carry the nonce"
    );
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"));
    let api = app.call::<GetCurrentUser>(&c, &[]).await;
    assert_eq!(api.headers()["cache-control"], "no-store");
    let tls = c
        .get(app.url("/login"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(tls.headers()["strict-transport-security"]
        .to_str()
        .unwrap()
        .starts_with("max-age="));

    // An admin removes another (not themselves, not the last one) and ends their sessions.
    let add = app
        .call::<AddAdmin>(
            &c,
            &[
                ("username", "maria"),
                ("password", "senha-da-maria-123"),
                ("confirmation", "senha-da-maria-123"),
            ],
        )
        .await;
    assert_eq!(add.status(), StatusCode::OK);
    let maria = client();
    assert_eq!(
        app.login(&maria, "maria", "senha-da-maria-123")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.call::<GetCurrentUser>(&maria, &[]).await.status(),
        StatusCode::OK
    );
    let me = app.call::<RemoveAdmin>(&c, &[("username", "admin")]).await;
    assert_eq!(me.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let gone = app.call::<RemoveAdmin>(&c, &[("username", "maria")]).await;
    assert_eq!(gone.status(), StatusCode::OK);
    assert_eq!(
        app.call::<GetCurrentUser>(&maria, &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&maria, "maria", "senha-da-maria-123")
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let db = &app.running.state.db;
    assert!(matches!(
        app::server::auth::remove_user(db, "admin").await,
        Err(app::server::auth::AccountError::LastAdmin)
    ));
}
