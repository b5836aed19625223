//! Client import over HTTP (multipart upload, progress, report) and the birthday preview.

use crate::common;
use crate::fns::*;

use common::spawn;
use reqwest::StatusCode;
use serde_json::Value;

const SAMPLE: &[u8] = include_bytes!("../../sample/clientes-ixc.csv");
const INVALID: &[u8] = include_bytes!("../../sample/clientes-invalido.csv");

async fn preview(app: &common::TestApp, c: &reqwest::Client, date: &str) -> Value {
    let res = app.call::<BirthdayPreview>(c, &[("date", date)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| c["external_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn sample_import_reports_and_a_second_import_changes_nothing() {
    let app = spawn().await;
    let c = app.logged_in_client().await;
    let first = app.import_csv(&c, SAMPLE).await;
    let report = &first["report"];
    assert!(first["error"].is_null(), "{first}");
    let created = report["created"].as_u64().unwrap();
    assert!(created >= 55, "{report}");
    assert_eq!(
        report["rows"].as_u64().unwrap(),
        created + report["rejected"].as_array().unwrap().len() as u64
    );

    let again = app.import_csv(&c, SAMPLE).await;
    assert_eq!(again["report"]["created"], 0);
    assert_eq!(again["report"]["updated"], 0);
    assert_eq!(again["report"]["unchanged"].as_u64().unwrap(), created);
}

#[tokio::test]
async fn a_malformed_file_is_refused_and_changes_nothing() {
    let app = spawn().await;
    let c = app.logged_in_client().await;
    app.import_csv(&c, SAMPLE).await;
    let before = app
        .text::<ListClients>(&c, &[("text", ""), ("after", "")])
        .await;
    let bad = app.import_csv(&c, INVALID).await;
    assert!(
        bad["error"]
            .as_str()
            .unwrap()
            .contains("Colunas obrigatórias"),
        "{bad}"
    );
    assert!(bad["report"].is_null());
    let after = app
        .text::<ListClients>(&c, &[("text", ""), ("after", "")])
        .await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn birthday_preview_greets_and_skips_with_reasons() {
    let app = spawn().await;
    let c = app.logged_in_client().await;
    app.import_csv(&c, SAMPLE).await;

    let day = preview(&app, &c, "2026-11-28").await;
    let greeted = ids(&day["greeted"]);
    assert!(greeted.contains(&"1001".to_string()), "{day}");
    // Inactive clients are greeted under the default "todos" audience.
    assert!(greeted.contains(&"1004".to_string()), "{day}");
    let skipped: Vec<(String, Value)> = day["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s[0]["external_id"].as_str().unwrap().to_string(),
                s[1].clone(),
            )
        })
        .collect();
    let reason = |id: &str| {
        skipped
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, r)| r.clone())
    };
    assert_eq!(reason("1003").unwrap()["NotNaturalPerson"], "Juridica");
    assert!(reason("1005").unwrap()["NoPhone"]
        .as_str()
        .unwrap()
        .contains("fixo"));

    // 29 February in a non-leap year: greeted on the 28th.
    let feb = preview(&app, &c, "2027-02-28").await;
    assert!(ids(&feb["greeted"]).contains(&"1002".to_string()), "{feb}");
    let mar = preview(&app, &c, "2027-03-01").await;
    assert!(!ids(&mar["greeted"]).contains(&"1002".to_string()));

    let bad = app
        .call::<BirthdayPreview>(&c, &[("date", "28/11/2026")])
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn clients_are_searched_filtered_and_opted_out() {
    let app = spawn().await;
    let c = app.logged_in_client().await;
    app.import_csv(&c, SAMPLE).await;
    let found: Value = app
        .json::<ListClients, _>(&c, &[("text", "maria aparecida"), ("after", "")])
        .await;
    assert_eq!(ids(&found["items"]), vec!["1001"]);
    let by_phone: Value = app
        .json::<ListClients, _>(&c, &[("text", "(19) 99876-5432"), ("after", "")])
        .await;
    assert_eq!(ids(&by_phone["items"]), vec!["1001"]);
    let companies: Value = app
        .json::<ListClients, _>(&c, &[("text", ""), ("person_type", "J"), ("after", "")])
        .await;
    assert!(companies["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["person_type"] == "Juridica"));

    let res = app
        .call::<SetClientOptOut>(&c, &[("external_id", "1001"), ("opted_out", "true")])
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let day = preview(&app, &c, "2026-11-28").await;
    assert!(!ids(&day["greeted"]).contains(&"1001".to_string()));
    let missing = app
        .call::<SetClientOptOut>(&c, &[("external_id", "nao-existe"), ("opted_out", "true")])
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
