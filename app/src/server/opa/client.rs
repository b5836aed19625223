//! The Opa! Suite client: bearer token, `GET` with a JSON body for listings, the success
//! envelope, paging; every failure typed and classified (see [`OpaError`]).

use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

use reqwest::header::RETRY_AFTER;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::error::OpaError;
use super::types::{
    Channel, ChannelFilter, Contact, DailyLimit, Envelope, SendRequest, SendResult, Template,
    TemplateRef,
};

/// Largest page the API accepts.
pub const PAGE_LIMIT: usize = 1000;
/// A listing stops after this many pages whatever the provider answers.
pub const MAX_PAGES: usize = 50;

#[derive(Debug, Clone)]
pub struct OpaClient {
    http: reqwest::Client,
    base: String,
    token: SecretString,
    /// Where each call's outcome is recorded (`reachability`), when set.
    watch: Option<crate::server::db::Db>,
}

impl OpaClient {
    /// `base` is the instance's `.../api/v1` URL.
    pub fn new(base: &str, token: &str, timeout: Duration) -> Result<Self, OpaError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| OpaError::network(e.to_string()))?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_string(),
            token: token.into(),
            watch: None,
        })
    }

    /// Records whether each call reached Opa! Suite in `db` (see `reachability`).
    pub fn watched(mut self, db: crate::server::db::Db) -> Self {
        self.watch = Some(db);
        self
    }

    /// The smallest listing, only to learn whether Opa! Suite answers.
    pub async fn probe(&self) -> Result<(), OpaError> {
        let body = json!({ "filter": {}, "options": { "skip": 0, "limit": 1 } });
        self.call::<serde_json::Value>(reqwest::Method::GET, "canal-comunicacao/", Some(body))
            .await
            .map(|_| ())
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T, OpaError> {
        let result = self.request(method, path, body).await;
        if let Some(db) = &self.watch {
            let unreachable = result.as_ref().err().filter(|e| e.is_unreachable());
            let why = unreachable.map(|e| e.message.as_str());
            crate::server::reachability::saw(db, crate::server::reachability::Service::Opa, why)
                .await;
        }
        result
    }

    async fn request<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<T, OpaError> {
        let mut req = self
            .http
            .request(method, self.url(path))
            .bearer_auth(self.token.expose_secret());
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.map_err(|e| {
            OpaError::network(if e.is_timeout() {
                "O Opa! Suite não respondeu a tempo.".to_string()
            } else {
                format!(
                    "Não foi possível conectar ao Opa! Suite ({}).",
                    crate::server::no_answer(&e)
                )
            })
        })?;
        let status = res.status().as_u16();
        let retry_after = res
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let text = res.text().await.map_err(|e| {
            OpaError::network(format!(
                "Resposta do Opa! Suite interrompida ({}).",
                crate::server::no_answer(&e)
            ))
        })?;
        if !(200..300).contains(&status) {
            return Err(OpaError::from_response(status, retry_after, &text));
        }
        let envelope: Envelope<T> =
            serde_json::from_str(&text).map_err(|e| OpaError::invalid_response(status, e))?;
        if envelope.status != "success" {
            return Err(OpaError::from_response(
                if status == 200 { 400 } else { status },
                retry_after,
                &text,
            ));
        }
        envelope
            .data
            .ok_or_else(|| OpaError::invalid_response(status, "sem o campo data"))
    }

    /// Every channel matching `filter`, page by page. Some live listings ignore
    /// `skip`/`limit` and answer everything on every page: the listing ends at the first page
    /// that brings no channel not seen before, and after [`MAX_PAGES`] at most.
    pub async fn list_channels(&self, filter: &ChannelFilter) -> Result<Vec<Channel>, OpaError> {
        let mut all: Vec<Channel> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..MAX_PAGES {
            let body =
                json!({ "filter": filter, "options": { "skip": all.len(), "limit": PAGE_LIMIT } });
            let page: Vec<Channel> = self
                .call(reqwest::Method::GET, "canal-comunicacao/", Some(body))
                .await?;
            let n = page.len();
            let before = all.len();
            all.extend(page.into_iter().filter(|c| seen.insert(c.id.clone())));
            if n < PAGE_LIMIT || all.len() == before {
                return Ok(all);
            }
        }
        tracing::warn!(
            pages = MAX_PAGES,
            channels = all.len(),
            "Opa! Suite channel listing cut at the page cap"
        );
        Err(OpaError::invalid_response(
            200,
            format!("a listagem de canais passou de {MAX_PAGES} páginas"),
        ))
    }

    /// One channel by id (`404` when Opa! Suite does not know it).
    pub async fn channel(&self, id: &str) -> Result<Channel, OpaError> {
        self.call(
            reqwest::Method::GET,
            &format!("canal-comunicacao/{}", segment(id)?),
            None,
        )
        .await
    }

    pub async fn channel_templates(&self, channel_id: &str) -> Result<Vec<Template>, OpaError> {
        self.call(
            reqwest::Method::GET,
            &format!("canal-comunicacao/{}/template", segment(channel_id)?),
            None,
        )
        .await
    }

    pub async fn template(&self, id: &str) -> Result<Template, OpaError> {
        self.call(
            reqwest::Method::GET,
            &format!("template/{}", segment(id)?),
            None,
        )
        .await
    }

    /// The channel's daily limit for templates; `None` fields when it has none.
    pub async fn daily_limit(&self, channel_id: &str) -> Result<DailyLimit, OpaError> {
        self.call(
            reqwest::Method::GET,
            &format!(
                "canal-comunicacao/{}/template/limites-diarios-envio",
                segment(channel_id)?
            ),
            None,
        )
        .await
    }

    /// Sends template `template_id` with `variables` (in placeholder order) to `phone`
    /// (`+55DD9XXXXXXXX`) through `channel_id`; the provider's message id.
    pub async fn send(
        &self,
        phone: &str,
        channel_id: &str,
        template_id: &str,
        variables: Vec<String>,
        metadata: Option<serde_json::Value>,
    ) -> Result<String, OpaError> {
        let body = SendRequest {
            contato: Contact {
                canal_cliente: phone.to_string(),
            },
            template: TemplateRef {
                id: template_id.to_string(),
                variaveis: variables,
            },
            canal: channel_id.to_string(),
            // Birthday greetings go out even to a contact with an open conversation.
            allow_sending_to_started_customer_service: true,
            metadata,
        };
        let body = serde_json::to_value(body).map_err(|e| OpaError::network(e.to_string()))?;
        let result: SendResult = self
            .call(reqwest::Method::POST, "template/send", Some(body))
            .await?;
        Ok(result.message_sent_id)
    }
}

/// Ids go into URL paths: only the 24-hex ObjectIds (and similar) Opa uses.
fn segment(id: &str) -> Result<&str, OpaError> {
    if !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(id)
    } else {
        Err(OpaError {
            kind: super::OpaErrorKind::Final,
            status: None,
            meta_code: None,
            retry_after: None,
            message: format!("Identificador inválido: {id:?}"),
        })
    }
}
