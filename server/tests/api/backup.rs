//! `parabens backup` / `parabens restore`: a backup restored into a fresh store has every
//! client, message, parameter, agenda entry and queue row again, and a restore never mixes
//! a backup into a database that has data.

use crate::common::{self, ADMIN_PASSWORD};
use crate::fns::*;
use app::server::config::Config;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// The embedded store finishes closing after its last handle goes.
async fn closed(store: &Path) {
    for _ in 0..200 {
        let free = std::fs::File::open(store.join("LOCK")).map(|f| f.try_lock().is_ok());
        if free.unwrap_or(true) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} did not close", store.display());
}

/// What an admin sees of everything a backup must keep.
async fn everything(app: &common::TestApp) -> Value {
    let c = app.logged_in_client().await;
    let no_filter = [
        ("status", ""),
        ("from", ""),
        ("to", ""),
        ("client", ""),
        ("message_id", ""),
    ];
    json!({
        "clients": app.json::<ListClients, Value>(&c, &[("text", ""), ("after", "")]).await,
        "messages": app.json::<ListMessages, Value>(&c, &[]).await,
        "params": app.json::<GetBirthdayParams, Value>(&c, &[]).await,
        "agenda": app.json::<ListAgenda, Value>(&c, &[]).await,
        "queue": app.json::<ListQueue, Value>(&c, &no_filter).await,
    })
}

#[tokio::test]
async fn a_backup_restored_into_a_fresh_store_has_everything_again() {
    let dir = std::env::temp_dir().join(format!("parabens-backup-{}", app::server::random_id(8)));
    let (old, fresh) = (dir.join("antigo"), dir.join("novo"));
    let mut config = Config::for_tests(ADMIN_PASSWORD);
    config.db_url = format!("surrealkv://{}", old.display());
    let app = common::spawn_with(config.clone()).await;
    crate::jobs::send_three(&app).await;
    let before = everything(&app).await;
    assert_eq!(before["clients"]["items"].as_array().unwrap().len(), 3);
    assert_eq!(before["queue"]["items"].as_array().unwrap().len(), 3);
    assert!(before["params"]["message_id"].is_string());
    app.running.stop().await;
    closed(&old).await;

    let file = dir.join("parabens.surql");
    server::backup::backup(&config, &file).await.unwrap();
    let mut restored = config.clone();
    restored.db_url = format!("surrealkv://{}", fresh.display());
    server::backup::restore(&restored, &file).await.unwrap();
    closed(&fresh).await;
    let twice = server::backup::restore(&restored, &file).await.unwrap_err();
    assert!(twice.to_string().contains("not empty"), "{twice}");
    closed(&fresh).await;

    // The restored store serves the same admin (the same password) and the same data.
    let app = common::spawn_with(restored).await;
    assert_eq!(everything(&app).await, before);
    app.running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The tokens and passwords an admin saved: none may be in a download.
const SECRETS: [&str; 3] = ["ixc-token-s3cret", "opa-token-s3cret", "hook-s3cret"];

async fn save_secrets(app: &common::TestApp, c: &reqwest::Client) {
    let saves = [
        app.call::<SaveIxcSettings>(
            c,
            &[
                ("url", "https://ixc.exemplo.com.br"),
                ("user_id", "7"),
                ("token", SECRETS[0]),
            ],
        )
        .await,
        app.call::<SaveOpaSettings>(
            c,
            &[
                ("url", "https://opa.exemplo.com.br/api/v1"),
                ("token", SECRETS[1]),
            ],
        )
        .await,
        app.call::<SaveAlertsSettings>(
            c,
            &[
                ("webhook_url", "https://hook.exemplo.com.br/x"),
                ("secret", SECRETS[2]),
                ("threshold", "3"),
            ],
        )
        .await,
    ];
    for res in saves {
        assert!(res.status().is_success(), "{}", res.status());
    }
}

#[tokio::test]
async fn the_backup_download_has_everything_but_the_secrets_and_restores() {
    let dir = std::env::temp_dir().join(format!("parabens-download-{}", app::server::random_id(8)));
    let app = common::spawn().await;
    crate::jobs::send_three(&app).await;
    let before = everything(&app).await;
    let c = app.logged_in_client().await;
    save_secrets(&app, &c).await;

    // Without a session there is no backup: the login page instead.
    let anon = common::client()
        .get(app.url("/conta/backup"))
        .send()
        .await
        .unwrap();
    assert!(anon.status().is_redirection(), "{}", anon.status());
    assert!(anon.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login"));

    let res = c.get(app.url("/conta/backup")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"parabens-backup-"),
        "{disposition}"
    );
    assert_eq!(res.headers()["cache-control"], "no-store");
    let file = res.text().await.unwrap();
    let name = before["clients"]["items"][0]["name"].as_str().unwrap();
    assert!(file.contains(name), "the clients are in it");
    let mut rows = app
        .running
        .state
        .db
        .query("SELECT VALUE record::id(id) FROM session; SELECT VALUE value FROM secret")
        .await
        .unwrap();
    let sessions: Vec<String> = rows.take(0).unwrap();
    let stored: Vec<Value> = rows.take(1).unwrap();
    assert!(!sessions.is_empty() && stored.len() >= 4, "{stored:?}");
    for secret in SECRETS.iter().map(|s| s.to_string()).chain(sessions) {
        assert!(!file.contains(&secret), "{secret} in the download");
    }
    assert!(!file.contains("$argon2"), "a password hash in the download");
    let audit: Value = app
        .json::<ListAudit, _>(&c, &[("actor", ""), ("action", "backup_baixado")])
        .await;
    assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");
    app.running.stop().await;

    // Restored into a fresh store: the same data; the admin signs in with the configured
    // password again; the tokens are to be entered again.
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("download.surql");
    std::fs::write(&path, &file).unwrap();
    let mut restored = Config::for_tests(ADMIN_PASSWORD);
    restored.db_url = format!("surrealkv://{}", dir.join("novo").display());
    server::backup::restore(&restored, &path).await.unwrap();
    closed(&dir.join("novo")).await;
    let app = common::spawn_with(restored).await;
    assert_eq!(everything(&app).await, before);
    let c = app.logged_in_client().await;
    let ixc: Value = app.json::<IxcSettings, _>(&c, &[]).await;
    assert_eq!(ixc["url"], "https://ixc.exemplo.com.br");
    assert_eq!(ixc["token_set"], false);
    let opa: Value = app.json::<OpaSettings, _>(&c, &[]).await;
    assert_eq!(opa["token_set"], false, "{opa}");
    app.running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
