//! *Fila de mensagens*: the list and one message.

mod detail;
mod list;

pub use detail::*;
pub use list::*;

use leptos::prelude::*;

use crate::components::resource::once;
use crate::domain::url::percent_encode;
use crate::functions::messages::get_birthday_params;
use crate::models::queue::{QueueFilter, QueueStatus};

/// The filters' keys in the page's URL, in the order of [`QueueFilter::parse`]'s arguments.
const KEYS: [&str; 6] = ["status", "de", "ate", "cliente", "mensagem", "motivo"];
/// The same filters by the names errors use (and the fields' ids).
const FIELDS: [&str; 6] = ["status", "from", "to", "client", "message_id", "code"];

/// The filter of the values in [`KEYS`] order, or its error as `(field, message)`.
fn check(values: &[String; 6]) -> Result<QueueFilter, (&'static str, String)> {
    let [status, from, to, client, message, code] = values;
    QueueFilter::parse(status, from, to, client, message, code)
}

/// The business time zone (for showing times), once per page.
fn time_zone() -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let params = once(get_birthday_params());
    move || {
        params
            .get()
            .and_then(Result::ok)
            .map(|p| p.time_zone)
            .unwrap_or_default()
    }
}

fn detail_href(id: &str) -> String {
    format!("/fila/{}", percent_encode(id, b""))
}

fn client_href(id: &str) -> String {
    format!("/clientes/{}", percent_encode(id, b""))
}

/// Only these can be sent again now or cancelled.
fn actionable(s: QueueStatus) -> bool {
    matches!(s, QueueStatus::Pending | QueueStatus::Failed)
}
