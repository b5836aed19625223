use serde::{Deserialize, Serialize};

use crate::domain::birthday::LeapDayRule;

/// CRM parameters of the birthday routine that decide who is greeted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BirthdayAudience {
    /// "Apenas clientes ativos" when true; "Padrão: todos" (active and inactive) when false.
    pub only_active: bool,
    pub leap_day_rule: LeapDayRule,
}

/// The IXC connection as the settings page sees it: the token only as "is set".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct IxcSettingsView {
    pub url: String,
    pub user_id: String,
    pub token_set: bool,
}
