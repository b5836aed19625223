//! How a queued message's status and last error look, wherever messages are listed.

use leptos::prelude::*;

use crate::models::queue::QueueStatus;

/// The last error in the danger colour, or a dash.
#[component]
pub fn LastError(error: Option<String>) -> impl IntoView {
    match error {
        Some(e) => view! { <span class="error-text">{e}</span> }.into_any(),
        None => "—".into_any(),
    }
}

/// A message's status as a coloured label.
#[component]
pub fn StatusBadge(status: QueueStatus) -> impl IntoView {
    view! { <span class=format!("badge status-{}", status.key())>{status.label()}</span> }
}
