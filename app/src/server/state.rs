//! Shared server state, handed to axum handlers and (as Leptos context) to server functions.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::db::Db;
use super::rate_limit::LoginLimiter;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<super::config::Config>,
    pub limiter: Arc<LoginLimiter>,
    pub imports: Arc<super::imports::ImportJobs>,
    pub opa: Arc<super::opa::connection::OpaConnection>,
    pub jobs: Arc<super::jobs::Jobs>,
    pub changes: super::changes::Changes,
    pub metrics: Arc<super::metrics::Metrics>,
    pub forecast: Arc<super::forecast::ForecastCache>,
    pub dashboard: Arc<super::fresh::Fresh<crate::models::queue::Dashboard>>,
    pub queue_counts: Arc<super::queue::CountsCache>,
}

impl AppState {
    /// What the tasks run with.
    pub fn tasks(&self) -> super::jobs::TaskContext {
        super::jobs::TaskContext {
            db: self.db.clone(),
            config: self.config.clone(),
            opa: self.opa.clone(),
            jobs: self.jobs.clone(),
            imports: self.imports.clone(),
            changes: self.changes.clone(),
            metrics: self.metrics.clone(),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.config.leptos.clone()
    }
}

/// The state from Leptos context, inside a server function.
///
/// The state is provided for every request, so it is only missing when a page's request was
/// cancelled (the browser navigated away) and a resource of that page is polled after its
/// owner was disposed: nobody waits for the answer, so this is logged at debug level only.
pub fn app_state() -> Result<AppState, crate::error::AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::debug!("server state unavailable: the request was cancelled while rendering");
        crate::error::AppError::Internal
    })
}
