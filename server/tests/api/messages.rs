//! Omnichannel messages against the built-in sandbox: live pickers, server-side refusals next
//! to their field, parameters, and "Enviar teste" sending exactly what the preview shows.

use crate::common;
use crate::fns::*;

use app::domain::template::{render_mapping, ClientFields, Variable};
use app::server::opa::sandbox::{CHANNEL_INACTIVE, CHANNEL_MAIN, TEMPLATE_BIRTHDAY};
use reqwest::StatusCode;
use serde_json::Value;

const SAMPLE: &[u8] = include_bytes!("../../sample/clientes-ixc.csv");

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

    let base = MessageInput {
        id: String::new(),
        description: "Aniversário".into(),
        channel_id: CHANNEL_MAIN.into(),
        template_id: TEMPLATE_BIRTHDAY.into(),
        variables: mapping(),
    };
    let unmapped = MessageInput {
        variables: vec![Some(Variable::FirstName), None, Some(Variable::Age)],
        ..base.clone()
    };
    let res = app.save_message(&c, unmapped).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("\"variables\"") && body.contains("{{empresa}}"),
        "{body}"
    );

    let inactive = MessageInput {
        channel_id: CHANNEL_INACTIVE.into(),
        template_id: "6501b2c3d4e5f60718293a4f".into(),
        variables: vec![Some(Variable::FirstName)],
        ..base.clone()
    };
    let body = app.save_message(&c, inactive).await.text().await.unwrap();
    assert!(
        body.contains("\"channel_id\"") && body.contains("inativo"),
        "{body}"
    );

    // A channel Opa! Suite does not know (read by id: listings need a filter now).
    for unknown in ["ffffffffffffffffffffffff", "não-é-um-id"] {
        let missing = MessageInput {
            channel_id: unknown.into(),
            ..base.clone()
        };
        let res = app.save_message(&c, missing).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("\"channel_id\"") && body.contains("Canal não encontrado"),
            "{body}"
        );
    }

    let gone = MessageInput {
        template_id: "ffffffffffffffffffffffff".into(),
        ..base.clone()
    };
    let body = app.save_message(&c, gone).await.text().await.unwrap();
    assert!(
        body.contains("\"template_id\"") && body.contains("não existe mais"),
        "{body}"
    );

    let res = app.save_message(&c, base).await;
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
    assert_eq!(params.time_zone, "America/Sao_Paulo");
    params.message_id = Some(id.clone());
    params.window_to = 3;
    let bad = app.save_birthday_params(&c, &params).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("\"window_to\""));
    params.window_to = 20;
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
