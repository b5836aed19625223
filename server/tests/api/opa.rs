//! The Opa! Suite client against the sandbox over loopback HTTP: every call, every fault
//! type, and how each failure is classified.

use std::sync::Arc;
use std::time::Duration;

use app::server::opa::sandbox::{
    self, Faults, Sandbox, CHANNEL_BILLING, CHANNEL_INACTIVE, CHANNEL_MAIN, TEMPLATE_BIRTHDAY,
    TEMPLATE_BIRTHDAY_NUMBERED,
};
use app::server::opa::types::ChannelFilter;
use app::server::opa::{OpaClient, OpaErrorKind};
use serde_json::json;

const TOKEN: &str = "token-do-sandbox";
const PHONE: &str = "+5519998765432";

async fn start() -> (Arc<Sandbox>, String) {
    start_with(Sandbox::new(TOKEN)).await
}

async fn start_with(sb: Arc<Sandbox>) -> (Arc<Sandbox>, String) {
    let app = axum::Router::new().nest("/api/v1", sandbox::router(sb.clone()));
    (sb, format!("{}/api/v1", common::serve(app).await))
}

fn client(base: &str, token: &str) -> OpaClient {
    OpaClient::new(base, token, Duration::from_millis(800)).unwrap()
}

fn vars(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("valor {i}")).collect()
}

#[tokio::test]
async fn listings_limits_and_a_successful_send() {
    let (sb, base) = start().await;
    let opa = client(&base, TOKEN);

    let mut all = opa
        .list_channels(&ChannelFilter::by_status(true))
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    all.extend(
        opa.list_channels(&ChannelFilter::by_status(false))
            .await
            .unwrap(),
    );
    assert_eq!(all.len(), 4);
    let whatsapp = opa
        .list_channels(&ChannelFilter::active_whatsapp())
        .await
        .unwrap();
    assert_eq!(whatsapp.len(), 2);
    assert!(whatsapp
        .iter()
        .all(|c| c.is_active() && c.canal == "Whatsapp"));
    assert!(all
        .iter()
        .any(|c| c.id == CHANNEL_INACTIVE && !c.is_active()));

    let templates = opa.channel_templates(CHANNEL_MAIN).await.unwrap();
    assert!(templates
        .iter()
        .any(|t| t.id == TEMPLATE_BIRTHDAY && t.texto.contains("{{nome_cliente}}")));
    assert_eq!(templates[0].data().idioma, "pt_BR");
    let t = opa.template(TEMPLATE_BIRTHDAY_NUMBERED).await.unwrap();
    assert!(t.texto.contains("{{1}}"));

    assert_eq!(
        opa.daily_limit(CHANNEL_BILLING).await.unwrap().daily_limit,
        None
    );
    let before = opa.daily_limit(CHANNEL_MAIN).await.unwrap();
    let id = opa
        .send(
            PHONE,
            CHANNEL_MAIN,
            TEMPLATE_BIRTHDAY_NUMBERED,
            vec!["Maria".into(), "NetFibra".into()],
            Some(json!({"origem":"teste"})),
        )
        .await
        .unwrap();
    assert_eq!(id.len(), 24);
    let after = opa.daily_limit(CHANNEL_MAIN).await.unwrap();
    assert_eq!(
        after.messages_sent.unwrap(),
        before.messages_sent.unwrap() + 1
    );
    let inbox = sb.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].id, id);
    assert_eq!(
        inbox[0].text,
        "Parabéns, Maria! Hoje é o seu dia. Um abraço de toda a equipe de NetFibra."
    );
}

#[tokio::test]
async fn final_failures_are_classified_final_with_the_providers_message() {
    let (sb, base) = start().await;
    let opa = client(&base, TOKEN);

    let bad_token = client(&base, "errado")
        .list_channels(&ChannelFilter::active_whatsapp())
        .await
        .unwrap_err();
    assert_eq!(
        (bad_token.kind, bad_token.status),
        (OpaErrorKind::Final, Some(401))
    );

    let missing = opa
        .channel_templates("ffffffffffffffffffffffff")
        .await
        .unwrap_err();
    assert_eq!(
        (missing.kind, missing.status),
        (OpaErrorKind::Final, Some(404))
    );
    assert_eq!(
        missing.message,
        "Opa! Suite respondeu HTTP 404: Communication channel not found."
    );

    let inactive = opa
        .send(
            PHONE,
            CHANNEL_INACTIVE,
            "6501b2c3d4e5f60718293a4f",
            vars(1),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(inactive.kind, OpaErrorKind::Final);
    assert!(inactive.message.contains("inativo"));

    let newline = opa
        .send(
            PHONE,
            CHANNEL_MAIN,
            TEMPLATE_BIRTHDAY_NUMBERED,
            vec!["Maria\nSilva".into(), "X".into()],
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(
        (newline.kind, newline.meta_code),
        (OpaErrorKind::Final, Some(132018))
    );

    let count = opa
        .send(
            PHONE,
            CHANNEL_MAIN,
            TEMPLATE_BIRTHDAY_NUMBERED,
            vars(1),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(
        (count.kind, count.meta_code),
        (OpaErrorKind::Final, Some(132000))
    );

    sb.set_faults(Faults {
        final_numbers: vec![PHONE.into()],
        ..Faults::default()
    });
    let undeliverable = opa
        .send(
            PHONE,
            CHANNEL_MAIN,
            TEMPLATE_BIRTHDAY_NUMBERED,
            vars(2),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(
        (undeliverable.kind, undeliverable.meta_code),
        (OpaErrorKind::Final, Some(131026))
    );

    sb.set_faults(Faults {
        share_in_service: 1.0,
        ..Faults::default()
    });
    let in_service = opa
        .send(
            PHONE,
            CHANNEL_MAIN,
            TEMPLATE_BIRTHDAY_NUMBERED,
            vars(2),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(
        (in_service.kind, in_service.status),
        (OpaErrorKind::Final, Some(400))
    );
    assert!(in_service.message.contains("já está em atendimento"));
    assert!(sb.inbox().is_empty(), "nothing refused reaches the inbox");
}

#[tokio::test]
async fn transient_failures_are_retryable() {
    let (sb, base) = start().await;
    let opa = client(&base, TOKEN);
    let send = || {
        opa.send(
            PHONE,
            CHANNEL_MAIN,
            TEMPLATE_BIRTHDAY_NUMBERED,
            vars(2),
            None,
        )
    };

    sb.set_faults(Faults {
        share_429: 1.0,
        retry_after_secs: 7,
        ..Faults::default()
    });
    let throttled = send().await.unwrap_err();
    assert_eq!(
        (throttled.kind, throttled.status),
        (OpaErrorKind::Retryable, Some(429))
    );
    assert_eq!(throttled.retry_after, Some(Duration::from_secs(7)));
    assert_eq!(throttled.meta_code, Some(130429));

    sb.set_faults(Faults {
        share_500: 1.0,
        ..Faults::default()
    });
    let server = send().await.unwrap_err();
    assert_eq!(
        (server.kind, server.status),
        (OpaErrorKind::Retryable, Some(500))
    );

    // Slower than the client's 800 ms timeout: a retryable network failure, no status.
    sb.set_faults(Faults {
        share_timeout: 1.0,
        timeout_ms: 3_000,
        ..Faults::default()
    });
    let timeout = send().await.unwrap_err();
    assert_eq!(
        (timeout.kind, timeout.status),
        (OpaErrorKind::Retryable, None)
    );
    assert!(timeout.message.contains("não respondeu a tempo"));

    // Latency under the timeout only slows things down.
    sb.set_faults(Faults {
        latency_ms: 100,
        ..Faults::default()
    });
    send().await.unwrap();

    // Nobody listening: a network error, retryable.
    let gone = client("http://127.0.0.1:9/api/v1", TOKEN)
        .list_channels(&ChannelFilter::active_whatsapp())
        .await
        .unwrap_err();
    assert_eq!(gone.kind, OpaErrorKind::Retryable);
    assert_eq!(sb.inbox().len(), 1);
}

#[tokio::test]
async fn the_sandbox_holds_to_the_listing_contract() {
    let (_sb, base) = start().await;
    let http = reqwest::Client::new();
    let res = http
        .get(format!("{base}/canal-comunicacao/"))
        .bearer_auth(TOKEN)
        .json(&json!({ "filter": { "canal": "Whatsapp" }, "options": { "limit": 5000 } }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);

    // As live instances answer since October 2026: no filter, an empty filter, or a field
    // the resource does not filter on are all refused.
    for (path, body, message) in [
        (
            "canal-comunicacao/",
            None,
            "At least one filter field is required",
        ),
        (
            "canal-comunicacao/",
            Some(json!({ "filter": {}, "options": { "limit": 10 } })),
            "At least one filter field is required",
        ),
        (
            "canal-comunicacao/",
            Some(json!({ "filter": { "atalho": "x" } })),
            "Field 'atalho' is not allowed",
        ),
        (
            "template/",
            Some(json!({ "filter": {} })),
            "At least one filter field is required",
        ),
        (
            "template/",
            Some(json!({ "filter": { "canal": "Whatsapp" } })),
            "Field 'canal' is not allowed",
        ),
    ] {
        let mut req = http.get(format!("{base}/{path}")).bearer_auth(TOKEN);
        if let Some(body) = &body {
            req = req.json(body);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 400, "{path} {body:?}");
        let answer: serde_json::Value = res.json().await.unwrap();
        assert_eq!(answer["message"], message, "{path} {body:?}");
    }
    let res = http
        .get(format!("{base}/template/"))
        .bearer_auth(TOKEN)
        .json(&json!({ "filter": { "atalho": "feliz_aniversario" } }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["data"][0]["_id"], TEMPLATE_BIRTHDAY);
    let res = http
        .get(format!("{base}/canal-comunicacao/"))
        .bearer_auth(TOKEN)
        .json(&json!({ "filter": { "nome": "whatsapp" }, "options": { "skip": 1, "limit": 1 } }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "success");
    assert_eq!(body["data"].as_array().unwrap().len(), 1);
    assert_eq!(body["data"][0]["_id"], CHANNEL_BILLING);
}

/// Long listings are paged; a provider that ignores `skip`/`limit` (as some live listings
/// do) answers everything on every page, and the client stops at the first page with
/// nothing new instead of looping.
#[tokio::test]
async fn listings_page_and_never_loop() {
    let (sb, base) = start_with(Sandbox::with_extra_channels(TOKEN, 1500)).await;
    let opa = client(&base, TOKEN);
    let active = opa
        .list_channels(&ChannelFilter::by_status(true))
        .await
        .unwrap();
    assert_eq!(active.len(), 1503);
    assert_eq!(sb.listings_answered(), 2, "1,000 then 503");

    sb.set_faults(Faults {
        ignore_paging: true,
        ..Faults::default()
    });
    let again = opa
        .list_channels(&ChannelFilter::by_status(true))
        .await
        .unwrap();
    assert_eq!(again, active);
    assert_eq!(
        sb.listings_answered(),
        4,
        "the second page brought nothing new"
    );
}

use crate::common;
use crate::fns::*;

/// The app's own Opa! Suite settings: the built-in sandbox by default, a saved instance when
/// one is configured, the token never sent back.
#[tokio::test]
async fn the_app_uses_its_sandbox_until_an_instance_is_saved() {
    let app = common::spawn().await;
    let c = app.logged_in_client().await;

    let uses: bool = app.json::<OpaUsesSandbox, _>(&c, &[]).await;
    assert!(uses);
    let channels: serde_json::Value = app.json::<TestOpaConnection, _>(&c, &[]).await;
    assert_eq!(channels.as_array().unwrap().len(), 4, "{channels}");

    // The mounted sandbox wants its bearer token, like the real Opa! Suite.
    let anonymous = reqwest::get(app.url("/sandbox/opa/api/v1/canal-comunicacao/"))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // Another Opa! Suite, saved: used from now on; a wrong token is reported exactly.
    let (_other, base) = start().await;
    let bad = app
        .call::<SaveOpaSettings>(&c, &[("url", "sem-esquema"), ("token", "x")])
        .await;
    assert_eq!(bad.status(), 422);
    let saved = app
        .call::<SaveOpaSettings>(&c, &[("url", &base), ("token", "token-errado")])
        .await;
    assert_eq!(saved.status(), 200);
    let res = app.call::<TestOpaConnection>(&c, &[]).await;
    assert_eq!(res.status(), 502);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Token de acesso inválido"));
    app.call::<SaveOpaSettings>(&c, &[("url", &base), ("token", TOKEN)])
        .await;
    app.call::<SaveOpaSettings>(&c, &[("url", &base), ("token", "")])
        .await;
    assert_eq!(app.call::<TestOpaConnection>(&c, &[]).await.status(), 200);
    let view = app.text::<OpaSettings>(&c, &[]).await;
    assert!(!view.contains(TOKEN), "{view}");
    assert!(
        view.contains("\"token_set\":true") && view.contains("\"sandbox\":false"),
        "{view}"
    );
    let uses: bool = app.json::<OpaUsesSandbox, _>(&c, &[]).await;
    assert!(!uses);

    // An empty URL goes back to the sandbox.
    app.call::<SaveOpaSettings>(&c, &[("url", ""), ("token", "")])
        .await;
    let uses: bool = app.json::<OpaUsesSandbox, _>(&c, &[]).await;
    assert!(uses);
}
