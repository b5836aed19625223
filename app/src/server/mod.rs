//! Server-only code (feature `ssr`): database, sessions, state. Never compiled to WASM.

pub mod agenda;
pub mod alerts;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod call;
pub mod changes;
pub mod client_addr;
pub mod clients;
pub mod cluster;
pub mod config;
pub mod csp;
pub mod csv_import;
pub mod db;
pub mod external;
pub mod forecast;
pub mod fresh;
pub mod imports;
pub mod ixc;
pub mod jobs;
pub mod messages;
pub mod metrics;
pub mod opa;
pub mod paging;
pub mod params;
pub mod queue;
pub mod rate_limit;
pub mod reachability;
pub mod schema;
pub mod secret;
pub mod session;
pub mod setting_store;
pub mod state;

pub use call::{anonymous, signed_in, Signed};
pub use external::{external_text, no_answer};
pub use state::AppState;

use crate::error::AppError;

/// A random lowercase base-36 id of `len` characters (record keys, instance names).
pub fn random_id(len: usize) -> String {
    use rand::Rng;
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from_digit(rng.random_range(0..36), 36).unwrap_or('0'))
        .collect()
}

/// Refuses `value` of form field `field` when longer than `max` characters: checked first,
/// so nothing else (database, log) ever holds an oversized input.
pub fn bounded(field: &str, value: &str, max: usize) -> Result<(), AppError> {
    crate::domain::limits::at_most(value, max).map_err(|m| AppError::field(field, m))
}

/// Logs an unexpected server failure with its cause and returns the opaque error the UI shows.
pub fn internal(context: &str, err: impl std::fmt::Display) -> AppError {
    tracing::error!(%err, "{context}");
    AppError::Internal
}

/// `.or_internal("what failed")`: an unexpected failure, logged with its cause and shown as
/// the opaque [`AppError::Internal`].
pub trait OrInternal<T> {
    fn or_internal(self, context: &str) -> Result<T, AppError>;
}

impl<T, E: std::fmt::Display> OrInternal<T> for Result<T, E> {
    fn or_internal(self, context: &str) -> Result<T, AppError> {
        self.map_err(|e| internal(context, e))
    }
}

/// Sets the HTTP status of a server function's error response from the error's kind.
pub fn finish<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    use axum::http::StatusCode;
    if let Err(e) = &result {
        let status = match e {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Field { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::External(_) => StatusCode::BAD_GATEWAY,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Internal | AppError::Transport(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(status);
        }
    }
    result
}

/// The address of the request's client: the TCP peer, or behind a trusted proxy
/// (`PARABENS_TRUSTED_PROXIES`) the client it forwarded for.
pub async fn client_ip() -> std::net::IpAddr {
    use axum::extract::ConnectInfo;
    let peer = leptos_axum::extract::<ConnectInfo<std::net::SocketAddr>>()
        .await
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    match (
        leptos::prelude::use_context::<axum::http::request::Parts>(),
        leptos::prelude::use_context::<AppState>(),
    ) {
        (Some(parts), Some(state)) => {
            client_addr::real_client(peer, &parts.headers, &state.config.trusted_proxies)
        }
        _ => peer,
    }
}

/// Whether the current request came over TLS (directly configured or via the proxy header).
pub fn request_is_secure(state: &AppState) -> bool {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .map(|p| session::is_secure(&p.headers, &state.config))
        .unwrap_or(state.config.secure_cookies)
}
