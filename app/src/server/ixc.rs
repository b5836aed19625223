//! IXC Provedor webservice: reads the provider's clients, 1,000 per page.
//!
//! `POST {url}/webservice/v1/cliente` with header `ixcsoft: listar` and HTTP Basic
//! `user id:token`. Every page is read before anything is written, so a network or HTTP
//! failure halfway leaves the stored clients exactly as they were.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::csv_import::record_from_fields;
use crate::models::client::{ClientRecord, RejectedRow};

pub const PAGE_SIZE: usize = 1000;
/// A sanity bound: an IXC base larger than this is refused rather than read forever.
pub const MAX_PAGES: usize = 2000;

/// Stored connection settings. The token never leaves the server.
#[derive(Clone, Default, Serialize, Deserialize)]
pub struct IxcConfig {
    pub url: String,
    pub user_id: String,
    pub token: String,
}

impl std::fmt::Debug for IxcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IxcConfig")
            .field("url", &self.url)
            .field("user_id", &self.user_id)
            .field("token", &"<redacted>")
            .finish()
    }
}

impl IxcConfig {
    pub fn is_complete(&self) -> bool {
        !self.url.is_empty() && !self.user_id.is_empty() && !self.token.is_empty()
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
    #[error("O IXC respondeu HTTP {status}: {body}")]
    Http { status: u16, body: String },
    #[error("Resposta inesperada do IXC: {0}")]
    BadResponse(String),
    #[error("A base do IXC tem mais de {0} páginas; sincronização interrompida.")]
    TooLarge(usize),
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    total: serde_json::Value,
    #[serde(default)]
    registros: Vec<HashMap<String, serde_json::Value>>,
}

fn as_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

pub struct IxcClient {
    http: reqwest::Client,
    config: IxcConfig,
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
        Ok(Self { http, config })
    }

    fn endpoint(&self) -> String {
        format!(
            "{}/webservice/v1/cliente",
            self.config.url.trim_end_matches('/')
        )
    }

    /// One page (1-based) of clients with id above 0, in id order; and the total.
    async fn page(
        &self,
        page: usize,
        rp: usize,
    ) -> Result<(usize, Vec<HashMap<String, String>>), IxcError> {
        let body = serde_json::json!({
            "qtype": "cliente.id", "query": "0", "oper": ">",
            "page": page.to_string(), "rp": rp.to_string(),
            "sortname": "cliente.id", "sortorder": "asc",
        });
        let res = self
            .http
            .post(self.endpoint())
            .header("ixcsoft", "listar")
            .basic_auth(&self.config.user_id, Some(&self.config.token))
            .json(&body)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    IxcError::Timeout
                } else {
                    IxcError::Network(e.without_url().to_string())
                }
            })?;
        let status = res.status().as_u16();
        let text = res
            .text()
            .await
            .map_err(|e| IxcError::Network(e.without_url().to_string()))?;
        match status {
            200..=299 => {}
            401 | 403 => return Err(IxcError::Unauthorized(status)),
            _ => {
                return Err(IxcError::Http {
                    status,
                    body: text.chars().take(200).collect(),
                })
            }
        }
        let page: Page = serde_json::from_str(&text).map_err(|e| {
            IxcError::BadResponse(format!(
                "{e}: {}",
                text.chars().take(120).collect::<String>()
            ))
        })?;
        let total = as_text(&page.total).parse().unwrap_or(0);
        let rows = page
            .registros
            .into_iter()
            .map(|r| r.into_iter().map(|(k, v)| (k, as_text(&v))).collect())
            .collect();
        Ok((total, rows))
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
                let get = |column: &str| row.get(column).map(String::as_str).unwrap_or("");
                match record_from_fields(get) {
                    Ok(r) => records.push(r),
                    Err(reason) => rejected.push(RejectedRow {
                        line: read,
                        external_id: get("id").to_string(),
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
