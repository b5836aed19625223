//! The task agenda: a default agenda on a fresh install, schedules validated on the server by
//! the form's own parser, errors named by field.

use crate::common;
use crate::fns::*;

use app::models::agenda::TaskKind;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn fresh_install_has_a_default_agenda_and_bad_schedules_are_refused() {
    let app = common::spawn().await;
    let c = app.logged_in_client().await;

    let list: Value = app.json::<ListAgenda, _>(&c, &[]).await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    assert_eq!(list[0]["task"], "EnqueueBirthdays");
    assert_eq!(
        (
            list[0]["schedule"]["minute"].as_str(),
            list[0]["schedule"]["hour"].as_str()
        ),
        (Some("0"), Some("8"))
    );
    assert_eq!(list[1]["task"], "SendQueue");
    assert_eq!(list[1]["schedule"]["minute"], "*/5");

    let entry = |hour: &str| {
        common::agenda_entry(
            TaskKind::SyncIxc,
            true,
            ["30", hour, "Todos", "Todos", "1-5"],
        )
    };
    let bad = app.send_json(&c, &entry("24")).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = bad.text().await.unwrap();
    assert!(body.contains("\"hour\"") && body.contains("24"), "{body}");

    let ok = app.send_json(&c, &entry("2")).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let id: String = ok.json().await.unwrap();
    let list: Value = app.json::<ListAgenda, _>(&c, &[]).await;
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(
        app.send(&c, &DeleteAgendaEntry { id: id.clone() })
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.send(&c, &DeleteAgendaEntry { id: id.clone() })
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
