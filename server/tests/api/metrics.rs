//! `GET /metrics`: off without `PARABENS_METRICS_TOKEN`, behind that bearer token with it,
//! and the figures move with what the server does.

use crate::common::{self, ADMIN_PASSWORD};
use app::server::config::Config;
use reqwest::StatusCode;

const TOKEN: &str = "token-do-prometheus-de-teste";

#[tokio::test]
async fn metrics_need_their_token_and_follow_the_queue_and_the_runs() {
    let off = common::spawn().await;
    let res = reqwest::get(off.url("/metrics")).await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "not configured: not there"
    );
    off.running.stop().await;

    let mut config = Config::for_tests(ADMIN_PASSWORD);
    config.metrics_token = Some(TOKEN.into());
    let app = common::spawn_with(config).await;
    let http = reqwest::Client::new();
    for auth in [None, Some("Bearer errado"), Some(TOKEN)] {
        let mut req = http.get(app.url("/metrics"));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert!(!res.text().await.unwrap().contains("parabens_"));
    }

    // Some work: three greetings queued and sent.
    crate::jobs::send_three(&app).await;
    let res = http
        .get(app.url("/metrics"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = res.text().await.unwrap();
    for line in [
        r#"parabens_queue_messages{status="enviado"} 3"#,
        r#"parabens_queue_messages{status="pendente"} 0"#,
        r#"parabens_queue_messages{status="limite_meta"} 0"#,
        r#"parabens_sends_total{outcome="enviado",code=""} 3"#,
        "parabens_opa_send_duration_seconds_count 3",
        r#"parabens_run_duration_seconds_count{task="send_queue",outcome="ok"}"#,
        r#"parabens_last_success_timestamp_seconds{task="enqueue_birthdays"}"#,
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
    assert!(text.ends_with("# EOF\n"));
    assert!(!text.contains(TOKEN));
    app.running.stop().await;
}
