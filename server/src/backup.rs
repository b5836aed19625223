//! `parabens backup FILE` and `parabens restore FILE`: SurrealDB's own export and import
//! through the SDK, of the database in `PARABENS_DB` (everything: clients, messages,
//! parameters, agenda, queue, admins and integration tokens — keep the file as safe as the
//! database). The embedded store is opened directly, so the server must be stopped first; a
//! SurrealDB server (`PARABENS_DB=http://...`; the SDK exports over HTTP, not WebSocket) can
//! be backed up while Parabéns runs.

use std::path::Path;

use anyhow::Context as _;
use app::server::db::{self, Db};

use crate::config::Config;

async fn open(config: &Config) -> anyhow::Result<Db> {
    db::connect(&config.db_url, config.db_credentials.as_ref())
        .await
        .with_context(|| {
            format!(
                "cannot open {} (an embedded store in use by a running server must be stopped first)",
                config.db_url
            )
        })
}

async fn clients(db: &Db) -> anyhow::Result<u64> {
    Ok(app::server::clients::count(db).await?)
}

/// Writes the whole database to `file` (readable by its owner only).
pub async fn backup(config: &Config, file: &Path) -> anyhow::Result<()> {
    let db = open(config).await?;
    db.export(file)
        .await
        .with_context(|| format!("export to {}", file.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
    }
    tracing::info!(file = %file.display(), clients = clients(&db).await?, "backup written");
    Ok(())
}

/// Loads `file` into the database, which must be empty (a fresh store): a restore never
/// mixes a backup into live data.
pub async fn restore(config: &Config, file: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(file.is_file(), "no backup at {}", file.display());
    let db = open(config).await?;
    let version = app::server::schema::current_version(&db).await.unwrap_or(0);
    anyhow::ensure!(
        version == 0,
        "{} is not empty (schema version {version}): restore into a fresh database",
        config.db_url
    );
    db.import(file)
        .await
        .with_context(|| format!("import of {}", file.display()))?;
    tracing::info!(file = %file.display(), clients = clients(&db).await?, "backup restored");
    Ok(())
}
