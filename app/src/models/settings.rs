use serde::{Deserialize, Serialize};

use crate::error::Invalid;

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

/// Time zones offered for the business (Brazil's).
pub const TIME_ZONES: &[&str] = &[
    "America/Sao_Paulo",
    "America/Bahia",
    "America/Fortaleza",
    "America/Recife",
    "America/Belem",
    "America/Manaus",
    "America/Cuiaba",
    "America/Porto_Velho",
    "America/Boa_Vista",
    "America/Rio_Branco",
    "America/Noronha",
];

/// *Parâmetros > CRM > Mensagens para clientes aniversariantes*.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BirthdayParams {
    /// The omnichannel message sent on birthdays.
    pub message_id: Option<String>,
    /// *Enviar mensagens para*: only active clients (true) or all (false, the default).
    pub only_active: bool,
    pub leap_day_rule: LeapDayRule,
    pub time_zone: String,
    /// Messages go out only from `window_from:00` until before `window_to:00`.
    pub window_from: u32,
    pub window_to: u32,
    pub per_minute: u32,
    /// Whether a greeting whose day has ended (business time zone) may still go out; off,
    /// it expires unsent. Saved before this existed: off.
    #[serde(default)]
    pub allow_late: bool,
    /// What one greeting costs, as typed ("0,35"; see `domain::money`): Meta bills
    /// marketing templates per delivered message. Saved before this existed: the default.
    #[serde(default = "default_price")]
    pub message_price: String,
    /// The price's currency (`domain::money::CURRENCIES`).
    #[serde(default = "default_currency")]
    pub currency: String,
}

fn default_price() -> String {
    "0,35".into()
}

fn default_currency() -> String {
    "BRL".into()
}

impl Default for BirthdayParams {
    fn default() -> Self {
        Self {
            message_id: None,
            only_active: false,
            leap_day_rule: LeapDayRule::Feb28,
            time_zone: TIME_ZONES[0].into(),
            window_from: 8,
            window_to: 20,
            per_minute: 60,
            allow_late: false,
            message_price: default_price(),
            currency: default_currency(),
        }
    }
}

impl BirthdayParams {
    pub fn audience(&self) -> BirthdayAudience {
        BirthdayAudience {
            only_active: self.only_active,
            leap_day_rule: self.leap_day_rule,
        }
    }

    /// The price per greeting in ten-thousandths (0 while it does not parse).
    pub fn price(&self) -> u64 {
        crate::domain::money::parse_price(&self.message_price).unwrap_or(0)
    }

    /// Whether messages may go out at `hour` (0–23, business time zone).
    pub fn in_send_window(&self, hour: u32) -> bool {
        (self.window_from..self.window_to).contains(&hour)
    }

    /// Field errors, by form field name; the same check runs in the form and on the server.
    pub fn validate(&self) -> Vec<(&'static str, String)> {
        let mut errors = Vec::new();
        if !TIME_ZONES.contains(&self.time_zone.as_str()) {
            errors.push(("time_zone", "Fuso horário inválido.".to_string()));
        }
        if self.window_from > 23 {
            errors.push(("window_from", "Hora entre 0 e 23.".to_string()));
        }
        if !(1..=24).contains(&self.window_to) {
            errors.push(("window_to", "Hora entre 1 e 24.".to_string()));
        } else if self.window_to <= self.window_from {
            errors.push((
                "window_to",
                "O fim da janela deve ser depois do início.".to_string(),
            ));
        }
        if !(1..=6000).contains(&self.per_minute) {
            errors.push((
                "per_minute",
                "Entre 1 e 6.000 mensagens por minuto.".to_string(),
            ));
        }
        if let Err(e) = crate::domain::money::parse_price(&self.message_price) {
            errors.push(("message_price", e.to_string()));
        }
        if !crate::domain::money::CURRENCIES
            .iter()
            .any(|(code, _)| *code == self.currency)
        {
            errors.push(("currency", "Moeda inválida.".to_string()));
        }
        errors
    }
}

/// *Integrações > IXC* as submitted: `token` empty keeps the saved one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IxcInput {
    pub url: String,
    pub user_id: String,
    pub token: String,
}

impl IxcInput {
    /// Trimmed, the URL without a trailing `/`.
    pub fn new(url: &str, user_id: &str, token: &str) -> Self {
        IxcInput {
            url: url.trim().trim_end_matches('/').to_string(),
            user_id: user_id.trim().to_string(),
            token: token.trim().to_string(),
        }
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        crate::domain::url::validate_base_url(&self.url).map_err(|m| ("url", m))?;
        if self.user_id.is_empty()
            || self.user_id.len() > 10
            || !self.user_id.chars().all(|c| c.is_ascii_digit())
        {
            return Err((
                "user_id",
                "Informe o id numérico do usuário do webservice.".into(),
            ));
        }
        token_size(&self.token, 200)
    }
}

/// *Integrações > Opa! Suite* as submitted: `url` empty goes back to the sandbox, `token`
/// empty keeps the saved one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpaInput {
    pub url: String,
    pub token: String,
}

impl OpaInput {
    pub fn new(url: &str, token: &str) -> Self {
        OpaInput {
            url: url.trim().trim_end_matches('/').to_string(),
            token: token.trim().to_string(),
        }
    }

    pub fn validate(&self) -> Result<(), Invalid> {
        if self.url.is_empty() {
            return Ok(());
        }
        crate::domain::url::validate_base_url(&self.url).map_err(|m| ("url", m))?;
        token_size(&self.token, 500)
    }
}

fn token_size(token: &str, max: usize) -> Result<(), Invalid> {
    if token.len() > max {
        return Err(("token", "Token longo demais.".into()));
    }
    Ok(())
}
