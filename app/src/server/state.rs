//! Shared server state, handed to axum handlers and (as Leptos context) to server functions.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use super::db::Db;
use super::rate_limit::LoginLimiter;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Business time zone: birthdays and schedules are read in it.
    pub time_zone: chrono_tz::Tz,
    /// Always mark the session cookie `Secure` (set when the public URL is https).
    pub secure_cookies: bool,
    /// How long a session lasts without a new login.
    pub session_hours: i64,
    /// First wait before a failed send is retried (doubles per attempt).
    pub retry_base: std::time::Duration,
    /// Attempts per message before it is marked `erro`.
    pub max_send_attempts: u32,
    /// Proxies whose `X-Forwarded-For` is believed (`PARABENS_TRUSTED_PROXIES`; none by
    /// default).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            time_zone: chrono_tz::America::Sao_Paulo,
            secure_cookies: false,
            session_hours: 12,
            retry_base: std::time::Duration::from_secs(30),
            max_send_attempts: 8,
            trusted_proxies: Vec::new(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub limiter: Arc<LoginLimiter>,
    pub imports: Arc<super::imports::ImportJobs>,
    pub opa: Arc<super::opa::connection::OpaConnection>,
    pub jobs: Arc<super::jobs::Jobs>,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
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
