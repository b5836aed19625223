//! Opa! Suite API shapes (see the Postman collection in `shared/opa-suite/`).

use serde::{Deserialize, Serialize};

/// `{"status":"success","code":200,"data":...}`; success only when HTTP is 2xx and
/// `status == "success"`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub status: String,
    #[serde(default)]
    pub code: Option<serde_json::Value>,
    #[serde(default = "Option::default")]
    pub data: Option<T>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub error: Option<serde_json::Value>,
}

/// A communication channel (`/canal-comunicacao/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Channel {
    #[serde(rename = "_id")]
    pub id: String,
    pub nome: String,
    #[serde(default)]
    pub id_atendente: Option<serde_json::Value>,
    /// `A` active, `I` inactive.
    pub status: String,
    /// `Whatsapp`, `Instagram`, `Page`, `Telegram`, `Messenger`, `Telefonia`.
    pub canal: String,
    #[serde(default)]
    pub integracao: String,
}

/// A channel listing's filter. Opa! Suite refuses an empty filter and any field it does not
/// filter on, so only filters it accepts can be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ChannelFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    canal: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
}

impl ChannelFilter {
    /// Active WhatsApp channels: the ones a greeting can go out through.
    pub fn active_whatsapp() -> Self {
        Self {
            canal: Some("Whatsapp"),
            status: Some("A"),
        }
    }

    /// Channels of any kind, active (`true`) or inactive: the two together list them all.
    pub fn by_status(active: bool) -> Self {
        Self {
            canal: None,
            status: Some(if active { "A" } else { "I" }),
        }
    }
}

impl Channel {
    pub fn is_active(&self) -> bool {
        self.status == "A"
    }
}

/// A message template of a channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    #[serde(rename = "_id")]
    pub id: String,
    pub texto: String,
    #[serde(default)]
    pub atalho: String,
    #[serde(default)]
    pub tipo_mensagem: String,
    /// A JSON *string* with `element_name`, `idioma`, `category`.
    #[serde(default)]
    pub dados: String,
}

/// The parsed `dados` of a template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateData {
    #[serde(default)]
    pub element_name: String,
    #[serde(default)]
    pub idioma: String,
    #[serde(default)]
    pub category: String,
}

impl Template {
    pub fn data(&self) -> TemplateData {
        serde_json::from_str(&self.dados).unwrap_or_default()
    }
}

/// `/template/limites-diarios-envio`: `{}` when the channel has no limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DailyLimit {
    pub messages_sent: Option<u64>,
    pub daily_limit: Option<u64>,
    pub available_amount: Option<u64>,
}

/// `POST /template/send` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendRequest {
    pub contato: Contact,
    pub template: TemplateRef,
    pub canal: String,
    #[serde(default)]
    pub allow_sending_to_started_customer_service: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub canal_cliente: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateRef {
    #[serde(rename = "_id")]
    pub id: String,
    pub variaveis: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendResult {
    #[serde(default)]
    pub message: String,
    pub message_sent_id: String,
}
