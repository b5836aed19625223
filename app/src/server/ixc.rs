//! IXC Provedor webservice: reads the provider's clients, 1,000 per page.
//!
//! `POST {url}/webservice/v1/cliente` with header `ixcsoft: listar` and HTTP Basic
//! `user id:token`. Every page is read before anything is written, so a network or HTTP
//! failure halfway leaves the stored clients exactly as they were.
//!
//! As live instances answer (2026): an error comes back as **HTTP 200** with a `text/html`
//! body `{"type":"error","message":"..."}` (for example "Recurso cliente não está
//! disponível!" when the API user lacks the permission); only a bad token gets 401. There is
//! no field projection: every `cliente` row carries every column, the client's plain-text
//! passwords (`senha`, `senha_central`, ...) among them. Rows are parsed straight into
//! [`IxcRow`], which holds only the columns Parabéns uses: the others are skipped by the
//! parser and never stored, logged, kept or quoted.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::csv_import::record_from_fields;
use super::secret::{self, ExposeSecret, SecretString};
use crate::models::client::{ClientRecord, RejectedRow};

pub const PAGE_SIZE: usize = 1000;
/// A sanity bound: an IXC base larger than this is refused rather than read forever.
pub const MAX_PAGES: usize = 2000;

/// Stored connection settings. The token never leaves the server.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IxcConfig {
    pub url: String,
    pub user_id: String,
    #[serde(serialize_with = "secret::serialize")]
    pub token: SecretString,
}

impl IxcConfig {
    pub fn is_complete(&self) -> bool {
        !self.url.is_empty() && !self.user_id.is_empty() && secret::is_set(&self.token)
    }
}

/// Why a call to IXC failed, worded for the admin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IxcError {
    #[error("Configure a URL, o usuário e o token do IXC.")]
    NotConfigured,
    #[error("Não foi possível conectar ao IXC: {0}")]
    Network(String),
    #[error("O IXC não respondeu a tempo.")]
    Timeout,
    #[error("Usuário ou token do IXC recusados (HTTP {0}).")]
    Unauthorized(u16),
    /// An HTTP error, with the service's own `message` when it gave one.
    #[error("O IXC respondeu HTTP {status}{}", message.as_ref().map(|m| format!(": {m}")).unwrap_or_else(|| ".".into()))]
    Http {
        status: u16,
        message: Option<String>,
    },
    /// IXC's `{"type":"error","message":...}`, which it sends with HTTP 200.
    #[error("O IXC recusou a consulta: {0}")]
    Refused(String),
    #[error("Resposta inesperada do IXC (HTTP {0}): não é a listagem de clientes.")]
    BadResponse(u16),
    #[error("A base do IXC tem mais de {0} páginas; sincronização interrompida.")]
    TooLarge(usize),
}

impl IxcError {
    /// No answer from IXC itself: none at all, or its gateway's 502/503/504.
    pub fn is_unreachable(&self) -> bool {
        match self {
            IxcError::Network(_) | IxcError::Timeout => true,
            IxcError::Http { status, .. } => (502..=504).contains(status),
            _ => false,
        }
    }
}

/// A page of the listing, or IXC's error (which comes with HTTP 200).
#[derive(Deserialize)]
struct Page {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    message: Option<serde_json::Value>,
    #[serde(default)]
    total: serde_json::Value,
    #[serde(default)]
    registros: Vec<IxcRow>,
}

/// One `cliente` row: only the columns Parabéns uses. Every other column (the passwords
/// among them) is skipped while parsing, so it is never held past the page's raw text.
#[derive(Deserialize, Default)]
pub struct IxcRow {
    #[serde(default, deserialize_with = "text")]
    id: String,
    #[serde(default, deserialize_with = "text")]
    razao: String,
    #[serde(default, deserialize_with = "text")]
    fantasia: String,
    #[serde(default, deserialize_with = "text")]
    tipo_pessoa: String,
    #[serde(default, deserialize_with = "text")]
    ativo: String,
    #[serde(default, deserialize_with = "text")]
    data_nascimento: String,
    #[serde(default, deserialize_with = "text")]
    whatsapp: String,
    #[serde(default, deserialize_with = "text")]
    telefone_celular: String,
    #[serde(default, deserialize_with = "text")]
    email: String,
    #[serde(default, deserialize_with = "text")]
    cidade: String,
    #[serde(default, deserialize_with = "text")]
    uf: String,
}

impl IxcRow {
    /// The value of an IXC column, as [`record_from_fields`] asks for it.
    fn get(&self, column: &str) -> &str {
        match column {
            "id" => &self.id,
            "razao" => &self.razao,
            "fantasia" => &self.fantasia,
            "tipo_pessoa" => &self.tipo_pessoa,
            "ativo" => &self.ativo,
            "data_nascimento" => &self.data_nascimento,
            "whatsapp" => &self.whatsapp,
            "telefone_celular" => &self.telefone_celular,
            "email" => &self.email,
            "cidade" => &self.cidade,
            "uf" => &self.uf,
            _ => "",
        }
    }
}

/// IXC values are mostly strings, sometimes numbers or null.
fn text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(as_text(&serde_json::Value::deserialize(d)?))
}

fn as_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The service's own message in an error body, if it is JSON and has one.
fn service_message(v: Option<&serde_json::Value>) -> Option<String> {
    let m = super::external_text(&as_text(v?));
    (!m.is_empty()).then_some(m)
}

pub struct IxcClient {
    http: reqwest::Client,
    config: IxcConfig,
    /// Where each call's outcome is recorded (`reachability`), when set.
    watch: Option<super::db::Db>,
}

impl IxcClient {
    pub fn new(config: IxcConfig) -> Result<Self, IxcError> {
        if !config.is_complete() {
            return Err(IxcError::NotConfigured);
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| IxcError::Network(e.to_string()))?;
        Ok(Self {
            http,
            config,
            watch: None,
        })
    }

    /// Records whether each call reached IXC in `db` (see `reachability`).
    pub fn watched(mut self, db: super::db::Db) -> Self {
        self.watch = Some(db);
        self
    }

    fn endpoint(&self) -> String {
        format!(
            "{}/webservice/v1/cliente",
            self.config.url.trim_end_matches('/')
        )
    }

    /// One page (1-based) of clients with id above 0, in id order; and the total.
    async fn page(&self, page: usize, rp: usize) -> Result<(usize, Vec<IxcRow>), IxcError> {
        let result = self.request(page, rp).await;
        if let Some(db) = &self.watch {
            let unreachable = result.as_ref().err().filter(|e| e.is_unreachable());
            let why = unreachable.map(|e| e.to_string());
            super::reachability::saw(db, super::reachability::Service::Ixc, why.as_deref()).await;
        }
        result
    }

    async fn request(&self, page: usize, rp: usize) -> Result<(usize, Vec<IxcRow>), IxcError> {
        let body = serde_json::json!({
            "qtype": "cliente.id", "query": "0", "oper": ">",
            "page": page.to_string(), "rp": rp.to_string(),
            "sortname": "cliente.id", "sortorder": "asc",
        });
        let res = self
            .http
            .post(self.endpoint())
            .header("ixcsoft", "listar")
            .basic_auth(
                &self.config.user_id,
                Some(self.config.token.expose_secret()),
            )
            .json(&body)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    IxcError::Timeout
                } else {
                    IxcError::Network(super::no_answer(&e).to_string())
                }
            })?;
        let status = res.status().as_u16();
        let text = res
            .text()
            .await
            .map_err(|e| IxcError::Network(super::no_answer(&e).to_string()))?;
        // Whatever the status, only the service's own fields are read, never the raw body.
        let parsed = serde_json::from_str::<Page>(&text);
        drop(text);
        match status {
            200..=299 => {}
            401 | 403 => return Err(IxcError::Unauthorized(status)),
            _ => {
                return Err(IxcError::Http {
                    status,
                    message: parsed
                        .ok()
                        .and_then(|p| service_message(p.message.as_ref())),
                })
            }
        }
        let page = parsed.map_err(|_| IxcError::BadResponse(status))?;
        if page.kind.as_deref() == Some("error") {
            return Err(IxcError::Refused(
                service_message(page.message.as_ref())
                    .unwrap_or_else(|| "erro sem mensagem".into()),
            ));
        }
        let total = as_text(&page.total).parse().unwrap_or(0);
        Ok((total, page.registros))
    }

    /// "Testar conexão": the number of clients IXC reports.
    pub async fn count(&self) -> Result<usize, IxcError> {
        self.page(1, 1).await.map(|(total, _)| total)
    }

    /// Every client, validated like a CSV row; `progress(read, total)` after each page.
    pub async fn fetch_all(
        &self,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<(Vec<ClientRecord>, Vec<RejectedRow>), IxcError> {
        let (mut records, mut rejected) = (Vec::new(), Vec::new());
        let mut read = 0;
        for page in 1..=MAX_PAGES {
            let (total, rows) = self.page(page, PAGE_SIZE).await?;
            let n = rows.len();
            for row in rows {
                read += 1;
                match record_from_fields(|column| row.get(column)) {
                    Ok(r) => records.push(r),
                    Err(reason) => rejected.push(RejectedRow {
                        line: read,
                        external_id: row.get("id").to_string(),
                        reason,
                    }),
                }
            }
            progress(read, total.max(read));
            if n < PAGE_SIZE || read >= total {
                return Ok((records, rejected));
            }
        }
        Err(IxcError::TooLarge(MAX_PAGES))
    }
}

#[cfg(test)]
mod tests {
    use super::IxcError;

    #[test]
    fn only_no_answer_or_a_gateways_is_unreachable() {
        assert!(IxcError::Network("recusada".into()).is_unreachable());
        assert!(IxcError::Timeout.is_unreachable());
        assert!(IxcError::Http {
            status: 503,
            message: None
        }
        .is_unreachable());
        // IXC answered, even if to refuse: it is reachable.
        assert!(!IxcError::Http {
            status: 500,
            message: None
        }
        .is_unreachable());
        assert!(!IxcError::Unauthorized(401).is_unreachable());
        assert!(!IxcError::Refused("sem permissão".into()).is_unreachable());
    }
}
