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
