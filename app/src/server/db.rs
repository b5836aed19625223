//! Connection to SurrealDB through `engine::any`: the URL decides the engine
//! (`surrealkv://path` embedded on disk, `mem://` in tests, `ws://host:port` for a server).

use surrealdb::engine::any::Any;
use surrealdb::Surreal;

/// Shared by every part of the server. An `Arc`, not a clone of the client: each clone of
/// a `Surreal` handle opens a session of its own, and a SurrealDB server allows a WebSocket
/// connection 256 of them (`SURREAL_WEBSOCKET_MAX_ATTACHED_SESSIONS`), after which every
/// query on a new one is refused with "Method not allowed".
pub type Db = std::sync::Arc<Surreal<Any>>;

pub const NAMESPACE: &str = "parabens";
pub const DATABASE: &str = "main";

/// Credentials for a remote SurrealDB (`ws://`); embedded engines need none.
#[derive(Debug, Clone, Default)]
pub struct DbCredentials {
    pub username: String,
    pub password: super::secret::SecretString,
}

pub async fn connect(url: &str, credentials: Option<&DbCredentials>) -> surrealdb::Result<Db> {
    let db = surrealdb::engine::any::connect(url).await?;
    if let Some(c) = credentials {
        db.signin(surrealdb::opt::auth::Root {
            username: c.username.clone(),
            password: secrecy::ExposeSecret::expose_secret(&c.password).to_string(),
        })
        .await?;
    }
    db.use_ns(NAMESPACE).use_db(DATABASE).await?;
    Ok(std::sync::Arc::new(db))
}

/// Whether the database answers a trivial query (used by `/healthz`).
pub async fn ping(db: &Db) -> bool {
    let answer = match db.query("RETURN 1").await {
        Ok(mut r) => r.take::<Option<i64>>(0).map(|_| ()),
        Err(e) => Err(e),
    };
    if let Err(e) = &answer {
        tracing::warn!(%e, "the database does not answer");
    }
    answer.is_ok()
}

/// Runs `op` up to `tries` times while it fails (most often a write conflict: another task or
/// instance wrote the same rows), waiting a short random time that doubles with each try,
/// and returns its last result. `what` names it in the log.
pub async fn retrying<T, F, Fut>(tries: u32, what: &str, mut op: F) -> surrealdb::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = surrealdb::Result<T>>,
{
    let mut last = None;
    for i in 0..tries {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                tracing::debug!(%e, try_ = i, what, "transaction tried again");
                last = Some(e);
                let wait = 5 + rand::random::<u64>() % (10 << i.min(5));
                tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            }
        }
    }
    Err(last.expect("at least one try"))
}
