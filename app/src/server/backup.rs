//! The *Baixar backup* download (*Conta*): SurrealDB's own export of everything an admin may
//! take home (clients, messages, parameters, agenda, queue, runs, audit), without what must
//! not leave the server: the `secret` table (password hashes, tokens, alert passwords), the
//! `session` table (signed-in cookies) and the database's own users and accesses. Those two
//! tables come as definitions only, so a restore has their fields and indexes. Restored, the
//! admins sign in again with the first admin's password (`auth::ensure_first_admin`) and the
//! tokens are entered again in *Integrações*.

use futures::{Stream, StreamExt};

use super::db::Db;

/// The tables whose rows never leave the server.
pub const LEFT_OUT: [&str; 2] = ["secret", "session"];

/// The download's chunks, streamed as the export reads them.
pub async fn download(
    db: &Db,
) -> surrealdb::Result<impl Stream<Item = surrealdb::Result<Vec<u8>>> + Send + 'static> {
    let mut res = db.query("INFO FOR DB").await?;
    let info: Option<serde_json::Value> = res.take(0)?;
    let tables: Vec<String> = info
        .as_ref()
        .and_then(|i| i.get("tables"))
        .and_then(|t| t.as_object())
        .map(|t| {
            t.keys()
                .filter(|name| !LEFT_OUT.contains(&name.as_str()))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let data = db
        .export(())
        .with_config()
        .users(false)
        .accesses(false)
        .params(false)
        .tables(tables)
        .await?;
    // Small (two tables' definitions), so read whole: its `OPTION IMPORT` line must go, an
    // import refuses a second one.
    let mut structure = Vec::new();
    let mut chunks = db
        .export(())
        .with_config()
        .database_definition(false)
        .users(false)
        .accesses(false)
        .params(false)
        .functions(false)
        .analyzers(false)
        .apis(false)
        .buckets(false)
        .modules(false)
        .configs(false)
        .sequences(false)
        .tables(LEFT_OUT.to_vec())
        .records(false)
        .await?;
    while let Some(chunk) = chunks.next().await {
        structure.extend(chunk?);
    }
    let structure: String = String::from_utf8_lossy(&structure)
        .lines()
        .filter(|line| line.trim() != "OPTION IMPORT;")
        .flat_map(|line| [line, "\n"])
        .collect();
    Ok(data.chain(futures::stream::once(
        async move { Ok(structure.into_bytes()) },
    )))
}
