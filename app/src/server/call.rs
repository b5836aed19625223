//! The one way a server function runs: [`signed_in`] checks the session, opens a span naming
//! the admin, runs the body and sets the HTTP status from its error; [`anonymous`] is the
//! same without a session (only `login`).

use std::future::Future;

use tracing::Instrument;

use super::{finish, session, state::app_state, AppState};
use crate::error::AppError;
use crate::models::account::CurrentUser;

/// What a signed-in server function runs with.
pub struct Signed {
    pub user: CurrentUser,
    /// The session's token (to end it, or every other one).
    pub token: String,
    pub state: AppState,
}

/// Runs `body` for the signed-in admin, or answers 401.
pub async fn signed_in<T, Fut>(body: impl FnOnce(Signed) -> Fut) -> Result<T, AppError>
where
    Fut: Future<Output = Result<T, AppError>>,
{
    let run = async {
        let (token, user) = session::require_session().await?;
        let state = app_state()?;
        let span = tracing::info_span!("server_fn", path = %request_path(), user = %user.username);
        body(Signed { user, token, state }).instrument(span).await
    };
    finish(run.await)
}

/// Runs `body` without a session.
pub async fn anonymous<T, Fut>(body: impl FnOnce(AppState) -> Fut) -> Result<T, AppError>
where
    Fut: Future<Output = Result<T, AppError>>,
{
    let run = async {
        let state = app_state()?;
        let span = tracing::info_span!("server_fn", path = %request_path());
        body(state).instrument(span).await
    };
    finish(run.await)
}

fn request_path() -> String {
    leptos::prelude::use_context::<axum::http::request::Parts>()
        .map(|p| p.uri.path().to_owned())
        .unwrap_or_default()
}
