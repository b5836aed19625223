//! The Parabéns server: configuration, start-up and the HTTP router around the Leptos app.

// Leptos view types of the larger pages nest deeper than the default limit.
#![recursion_limit = "256"]

pub mod backup;
pub mod bench;
pub mod router;
pub mod security;

use std::net::SocketAddr;
use std::sync::Arc;

pub use app::server::config;
use app::server::jobs::{self, JobsRunning};
use app::server::opa::connection::OpaConnection;
use app::server::{auth, db, rate_limit::LoginLimiter, schema, AppState};
use config::Config;

/// Opens the database, applies the schema and makes sure the first admin exists.
pub async fn bootstrap(config: &Config) -> anyhow::Result<AppState> {
    let db = db::connect(&config.db_url, config.db_credentials.as_ref())
        .await
        .map_err(|e| anyhow::anyhow!("cannot open database {}: {e}", config.db_url))?;
    let version = schema::migrate(&db).await?;
    app::server::agenda::seed_defaults(&db).await?;
    tracing::info!(db = %config.db_url, schema = version, "database ready");
    if let Some(generated) = auth::ensure_first_admin(
        &db,
        config
            .admin_password
            .as_ref()
            .map(secrecy::ExposeSecret::expose_secret),
    )
    .await?
    {
        // Printed once, on the first start only: the admin needs it to log in.
        tracing::warn!(
            "first admin created: user \"admin\", password \"{generated}\" (change it in Conta)"
        );
    }
    let changes = app::server::changes::Changes::default();
    Ok(AppState {
        imports: Arc::new(app::server::imports::ImportJobs::new(db.clone())),
        db,
        config: Arc::new(config.clone()),
        limiter: Arc::new(LoginLimiter::default()),
        opa: Arc::new(OpaConnection::new(
            config.opa_url.clone(),
            config.opa_token.clone(),
        )),
        jobs: Arc::new(jobs::Jobs::new(changes.clone())),
        changes,
        metrics: Arc::default(),
        forecast: Arc::default(),
        dashboard: Arc::new(app::server::fresh::Fresh::new(
            app::functions::dashboard::FRESH_FOR,
        )),
        queue_counts: Arc::default(),
    })
}

/// How long [`Running::stop`] leaves the database to close.
const DB_CLOSE_GRACE: std::time::Duration = std::time::Duration::from_millis(300);

/// A running server: its address and a handle to stop it (used by tests).
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    jobs: JobsRunning,
}

impl Running {
    /// Stops serving, lets current requests and task attempts finish, then closes the
    /// database.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
        self.jobs.stop().await;
        // The embedded engine shuts its datastore down on a task of its own once the last
        // handle is gone, and the SDK offers nothing to await: give that task a moment, or
        // the runtime's end cancels its maintenance tasks mid-way (an ERROR line each).
        drop(self.state);
        tokio::time::sleep(DB_CLOSE_GRACE).await;
    }
}

/// Binds `addr` (port 0 picks a free one) and serves until [`Running::stop`]: the one
/// start-up of the binary and of the tests.
pub async fn start(config: &Config, addr: SocketAddr) -> anyhow::Result<Running> {
    let state = bootstrap(config).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let addr = listener.local_addr()?;
    state.opa.set_listen_addr(addr);
    let jobs = jobs::start(state.tasks()).await?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = router::router(state.clone());
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = stopped.await;
        })
        .await
    });
    Ok(Running {
        addr,
        state,
        stop,
        task,
        jobs,
    })
}
