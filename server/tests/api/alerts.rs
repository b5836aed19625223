//! *Integrações > Alertas*: a signed webhook, a test alert, and one alert per incident.

use crate::common;
use crate::fns::*;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::server::opa::sandbox::Faults;
use hmac::Mac;
use reqwest::StatusCode;
use serde_json::Value;

const SECRET: &str = "segredo-do-webhook-de-teste";

type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A webhook receiver on loopback: keeps each POST's signature header and body.
async fn receiver() -> (Received, String) {
    let got: Received = Arc::default();
    let keep = got.clone();
    let app = axum::Router::new().route(
        "/alertas",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let keep = keep.clone();
                async move {
                    let sig = headers
                        .get("x-parabens-signature")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string();
                    keep.lock().unwrap().push((sig, body.to_vec()));
                    "ok"
                }
            },
        ),
    );
    (got, format!("{}/alertas", common::serve(app).await))
}

/// Checked here with the `hmac` crate itself, not with the server's own function.
fn signed(sig: &str, body: &[u8]) -> bool {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    sig == format!("sha256={hex}")
}

fn events(got: &Received) -> Vec<Value> {
    got.lock()
        .unwrap()
        .iter()
        .map(|(sig, body)| {
            assert!(signed(sig, body), "bad signature {sig}");
            serde_json::from_slice(body).unwrap()
        })
        .collect()
}

#[tokio::test]
async fn alerts_are_signed_tested_and_sent_once_per_incident() {
    let app = common::spawn().await;
    let (got, url) = receiver().await;
    let c = crate::jobs::queued_three(&app).await;
    let save = |url: String, secret: &'static str, threshold: &'static str| {
        let (app, c) = (&app, c.clone());
        async move {
            app.call::<SaveAlertsSettings>(
                &c,
                &[
                    ("webhook_url", url.as_str()),
                    ("secret", secret),
                    ("threshold", threshold),
                ],
            )
            .await
        }
    };
    assert!(save(url.clone(), SECRET, "2").await.status().is_success());
    // The secret stays for the same URL, and never signs for another one.
    assert!(save(url.clone(), "", "2").await.status().is_success());
    let elsewhere = save("https://outro.exemplo.com.br/x".into(), "", "2").await;
    assert_eq!(elsewhere.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let view: Value = app.json::<GetAlertsSettings, _>(&c, &[]).await;
    assert_eq!(view["secret_set"], true);
    assert!(!view.to_string().contains(SECRET));

    let res = app.call::<SendTestAlert>(&c, &[]).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    assert_eq!(events(&got)[0]["event"], "teste");

    // Three final failures in one run, over the threshold of two: one alert, not three.
    let state = app.running.state.clone();
    let phones: Vec<String> = state
        .db
        .query("SELECT VALUE phone FROM outbox")
        .await
        .unwrap()
        .take(0)
        .unwrap();
    state.opa.sandbox.set_faults(Faults {
        final_numbers: phones,
        ..Faults::default()
    });
    crate::jobs::send_now(&app, &c).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = events(&got);
    let errors: Vec<_> = all
        .iter()
        .filter(|e| e["event"] == "erros_de_envio")
        .collect();
    assert_eq!(errors.len(), 1, "{all:?}");
    assert!(errors[0]["title"]
        .as_str()
        .unwrap()
        .starts_with("3 mensagens"));

    // The channel's daily limit reached: one alert that day, however many runs hit it.
    state.opa.sandbox.set_faults(Faults::default());
    let none = [("from", ""), ("to", ""), ("client", ""), ("message_id", "")];
    assert!(app
        .call::<RequeueFailed>(&c, &none)
        .await
        .status()
        .is_success());
    state
        .opa
        .sandbox
        .set_daily_limit(app::server::opa::sandbox::CHANNEL_MAIN, 0);
    for _ in 0..2 {
        crate::jobs::send_now(&app, &c).await;
        state
            .db
            .query("UPDATE outbox SET next_attempt_at = time::now() WHERE status = 'pendente'")
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all = events(&got);
    let limit: Vec<_> = all
        .iter()
        .filter(|e| e["event"] == "limite_diario")
        .collect();
    assert_eq!(limit.len(), 1, "{all:?}");

    // A webhook that does not answer: the test alert says so, in Portuguese.
    assert!(
        save("http://127.0.0.1:9/alertas".into(), "outro-segredo", "2")
            .await
            .status()
            .is_success()
    );
    let res = app.call::<SendTestAlert>(&c, &[]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("conexão recusada"));
    app.running.stop().await;
}

/// A real SMTP server on loopback (Python's `aiosmtpd`, which `toolchain.sh` installs),
/// delivering into a maildir.
struct Smtpd {
    child: std::process::Child,
    port: u16,
    maildir: std::path::PathBuf,
}

impl Smtpd {
    async fn start() -> Smtpd {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let maildir =
            std::env::temp_dir().join(format!("parabens-mail-{}", app::server::random_id(8)));
        let mut child = std::process::Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 with aiosmtpd (server/scripts/toolchain.sh installs it)");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Smtpd {
                    child,
                    port,
                    maildir,
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start");
    }

    fn mails(&self) -> Vec<String> {
        std::fs::read_dir(self.maildir.join("new"))
            .map(|d| {
                d.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

#[tokio::test]
async fn alert_emails_reach_a_real_smtp_server() {
    let app = common::spawn().await;
    let smtpd = Smtpd::start().await;
    let c = app.logged_in_client().await;
    let port = smtpd.port.to_string();
    let res = app
        .call::<SaveAlertsSettings>(
            &c,
            &[
                ("webhook_url", ""),
                ("secret", ""),
                ("threshold", "10"),
                ("smtp_host", "127.0.0.1"),
                ("smtp_port", port.as_str()),
                ("smtp_user", ""),
                ("password", ""),
                ("from", "parabens@provedor.com.br"),
                ("to", "noc@provedor.com.br"),
            ],
        )
        .await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let res = app.call::<SendTestAlert>(&c, &[]).await;
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    let mails = smtpd.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: noc@provedor.com.br"), "{}", mails[0]);
    assert!(
        mails[0].contains("Alerta de teste do Parab"),
        "{}",
        mails[0]
    );
    // A bad address is refused beside its field.
    let res = app
        .call::<SaveAlertsSettings>(
            &c,
            &[
                ("webhook_url", ""),
                ("secret", ""),
                ("threshold", "10"),
                ("smtp_host", "127.0.0.1"),
                ("smtp_port", port.as_str()),
                ("from", "parabens"),
                ("to", "noc@provedor.com.br"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("from"));
    app.running.stop().await;
}

/// Waits for the webhook's `n`th alert (delivery runs in the background).
async fn nth_event(got: &Received, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        if got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    events(got)
}

#[tokio::test]
async fn a_provider_unreachable_for_longer_than_the_minutes_set_alerts_once_and_again_when_back() {
    use app::server::reachability::{self, Service};
    let app = common::spawn().await;
    let (got, url) = receiver().await;
    let c = app.logged_in_client().await;
    let save = app
        .call::<SaveAlertsSettings>(
            &c,
            &[
                ("webhook_url", url.as_str()),
                ("secret", SECRET),
                ("threshold", "10"),
                ("unreachable_minutes", "5"),
            ],
        )
        .await;
    assert!(save.status().is_success());
    let bad = app
        .call::<SaveAlertsSettings>(
            &c,
            &[
                ("webhook_url", url.as_str()),
                ("threshold", "10"),
                ("unreachable_minutes", "0"),
                ("secret", ""),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("unreachable_minutes"));
    let view: Value = app.json::<GetAlertsSettings, _>(&c, &[]).await;
    assert_eq!(view["unreachable_minutes"], 5);

    // Opa! Suite on a port where nothing listens: the call that fails is recorded.
    let closed = format!("http://127.0.0.1:{}/api/v1", common::binary::free_port());
    app.call::<SaveOpaSettings>(&c, &[("url", &closed), ("token", "t")])
        .await;
    assert_eq!(app.call::<TestOpaConnection>(&c, &[]).await.status(), 502);
    let state = app.running.state.clone();
    let (db, opa) = (&state.db, &state.opa);
    let outage = reachability::outage(db, Service::Opa)
        .await
        .unwrap()
        .unwrap();
    assert!(
        outage
            .last_error
            .contains("conexão recusada ou endereço inalcançável"),
        "{outage:?}"
    );
    let start = chrono::Utc::now();
    // The Painel says so.
    let painel: Value = app.json::<LoadDashboard, _>(&c, &[]).await;
    assert_eq!(painel["outages"][0]["service"], "Opa! Suite", "{painel}");

    // Four minutes on, still failing: under the five set, no alert.
    let at = |minutes: i64| start + chrono::Duration::minutes(minutes);
    reachability::watch(db, opa, at(4)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(events(&got).is_empty(), "{:?}", events(&got));
    // Six minutes on, the probe fails again: one alert; a minute later, still one.
    reachability::watch(db, opa, at(6)).await.unwrap();
    reachability::watch(db, opa, at(7)).await.unwrap();
    let all = nth_event(&got, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(events(&got).len(), 1, "{:?}", events(&got));
    assert_eq!(all[0]["event"], "servico_inacessivel");
    assert_eq!(
        all[0]["title"],
        "Opa! Suite sem responder há mais de 5 minutos"
    );
    assert!(all[0]["detail"]
        .as_str()
        .unwrap()
        .contains("conexão recusada"));

    // Back to an Opa! Suite that answers (the sandbox): the next probe ends the outage, and
    // that is told too.
    app.call::<SaveOpaSettings>(&c, &[("url", ""), ("token", "")])
        .await;
    assert!(
        reachability::watch(db, opa, at(9)).await.unwrap(),
        "it ended"
    );
    let painel: Value = app.json::<LoadDashboard, _>(&c, &[]).await;
    assert_eq!(painel["outages"], serde_json::json!([]));
    let all = nth_event(&got, 2).await;
    assert_eq!(all.len(), 2, "{all:?}");
    assert_eq!(all[1]["event"], "servico_voltou");
    assert_eq!(all[1]["title"], "Opa! Suite voltou a responder");
    assert!(reachability::outage(db, Service::Opa)
        .await
        .unwrap()
        .is_none());

    // IXC's calls are watched the same way.
    let ixc = format!("http://127.0.0.1:{}", common::binary::free_port());
    app.call::<SaveIxcSettings>(&c, &[("url", &ixc), ("user_id", "7"), ("token", "t")])
        .await;
    assert_eq!(app.call::<TestIxcConnection>(&c, &[]).await.status(), 502);
    let outage = reachability::outage(db, Service::Ixc).await.unwrap();
    assert!(outage.is_some(), "an IXC outage is recorded");
}
