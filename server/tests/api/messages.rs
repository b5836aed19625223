//! Omnichannel messages against the built-in sandbox: live pickers, server-side refusals next
//! to their field, parameters, and "Enviar teste" sending exactly what the preview shows.

use crate::common;
use crate::fns::*;

use app::domain::template::{render_mapping, ClientFields, Variable};
use app::server::opa::sandbox::{CHANNEL_INACTIVE, CHANNEL_MAIN, TEMPLATE_BIRTHDAY};
use reqwest::StatusCode;
use serde_json::{json, Value};

const SAMPLE: &[u8] = include_bytes!("../../sample/clientes-ixc.csv");

async fn save(app: &common::TestApp, c: &reqwest::Client, input: Value) -> reqwest::Response {
    c.post(app.url(SaveMessage::PATH))
        .json(&json!({ "input": input }))
        .send()
        .await
        .unwrap()
}

fn mapping() -> Vec<Option<Variable>> {
    vec![
        Some(Variable::FirstName),
        Some(Variable::Fixed("NetFibra".into())),
        Some(Variable::Age),
    ]
}

#[tokio::test]
async fn messages_are_checked_at_the_provider_and_sent_as_previewed() {
    let app = common::spawn().await;
    let c = app.logged_in_client().await;

    let channels: Value = app.json::<OpaChannels, _>(&c, &[]).await;
    let names: Vec<&str> = channels
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "only active WhatsApp channels: {names:?}");
    let templates: Value = app
        .json::<OpaTemplates, _>(&c, &[("channel_id", CHANNEL_MAIN)])
        .await;
    assert_eq!(templates.as_array().unwrap().len(), 3);

    let base = json!({ "id": "", "description": "Aniversário", "channel_id": CHANNEL_MAIN, "template_id": TEMPLATE_BIRTHDAY });
    let mut unmapped = base.clone();
    unmapped["variables"] =
        serde_json::to_value(vec![Some(Variable::FirstName), None, Some(Variable::Age)]).unwrap();
    let res = save(&app, &c, unmapped).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("\"variables\"") && body.contains("{{empresa}}"),
        "{body}"
    );

    let mut inactive = base.clone();
    inactive["channel_id"] = json!(CHANNEL_INACTIVE);
    inactive["template_id"] = json!("6501b2c3d4e5f60718293a4f");
    inactive["variables"] = serde_json::to_value(vec![Some(Variable::FirstName)]).unwrap();
    let body = save(&app, &c, inactive).await.text().await.unwrap();
    assert!(
        body.contains("\"channel_id\"") && body.contains("inativo"),
        "{body}"
    );

    // A channel Opa! Suite does not know (read by id: listings need a filter now).
    for unknown in ["ffffffffffffffffffffffff", "não-é-um-id"] {
        let mut missing = base.clone();
        missing["channel_id"] = json!(unknown);
        missing["variables"] = serde_json::to_value(mapping()).unwrap();
        let res = save(&app, &c, missing).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("\"channel_id\"") && body.contains("Canal não encontrado"),
            "{body}"
        );
    }

    let mut gone = base.clone();
    gone["template_id"] = json!("ffffffffffffffffffffffff");
    gone["variables"] = serde_json::to_value(mapping()).unwrap();
    let body = save(&app, &c, gone).await.text().await.unwrap();
    assert!(
        body.contains("\"template_id\"") && body.contains("não existe mais"),
        "{body}"
    );

    let mut good = base.clone();
    good["variables"] = serde_json::to_value(mapping()).unwrap();
    let res = save(&app, &c, good).await;
    assert_eq!(res.status(), StatusCode::OK);
    let id: String = res.json().await.unwrap();
    let saved: Value = app.json::<GetMessage, _>(&c, &[("id", &id)]).await;
    assert_eq!(
        saved["variables"],
        serde_json::to_value(vec![
            Variable::FirstName,
            Variable::Fixed("NetFibra".into()),
            Variable::Age
        ])
        .unwrap()
    );
    assert!(saved["template_text"]
        .as_str()
        .unwrap()
        .contains("{{nome_cliente}}"));

    // Chosen in the parameters, it cannot be deleted.
    let mut params = app.birthday_params(&c).await;
    assert_eq!(params["time_zone"], "America/Sao_Paulo");
    params["message_id"] = json!(id);
    params["window_to"] = json!(3);
    let bad = app.save_birthday_params(&c, &params).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("\"window_to\""));
    params["window_to"] = json!(20);
    let ok = app.save_birthday_params(&c, &params).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let del = app.call::<DeleteMessage>(&c, &[("id", &id)]).await;
    assert_eq!(del.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // "Enviar teste" for client 1001: the variables the sandbox received are byte-identical
    // to the preview's, computed from what the preview's client search returns.
    let imported = app.import_csv(&c, SAMPLE).await;
    assert!(imported["error"].is_null(), "{imported}");
    let found: Vec<(String, String, ClientFields)> = app
        .json::<PreviewClients, _>(&c, &[("text", "maria aparecida")])
        .await;
    let (client_id, _, fields) = found.into_iter().next().unwrap();
    let bad_phone = app
        .call::<SendTestMessage>(
            &c,
            &[("client_id", &client_id), ("phone", "(11) 3456-7890")],
        )
        .await;
    assert_eq!(bad_phone.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_phone.text().await.unwrap().contains("\"phone\""));
    let res = app
        .call::<SendTestMessage>(
            &c,
            &[("client_id", &client_id), ("phone", "(11) 98888-7777")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (provider_id, text): (String, String) = res.json().await.unwrap();

    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::America::Sao_Paulo)
        .date_naive();
    let preview: Vec<String> = render_mapping(&mapping(), &fields, today)
        .into_iter()
        .map(Option::unwrap)
        .collect();
    let inbox = app.running.state.opa.sandbox.inbox();
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].id, provider_id);
    assert_eq!(inbox[0].phone, "+5511988887777");
    assert_eq!(inbox[0].variables, preview);
    assert_eq!(inbox[0].text, text);
    assert!(
        text.starts_with("Olá Maria! 🎉 A equipe NetFibra"),
        "{text}"
    );
}
