use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The admin behind the current session. Never carries credentials.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub username: String,
}

/// An admin as listed in the accounts page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminView {
    pub username: String,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
}
