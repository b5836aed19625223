//! Which Opa! Suite Parabéns talks to: the one in `PARABENS_OPA_URL`/`PARABENS_OPA_TOKEN`
//! (deployments), else the one saved in *Integrações > Opa! Suite*, else the built-in sandbox
//! served by this very server — so the default run uses the real client over real HTTP.
//! The sandbox answers only while it is the one in force, with a token nobody can guess
//! (random at each start, unless `PARABENS_OPA_TOKEN` sets it without a URL).

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::sandbox::Sandbox;
use super::{OpaClient, OpaError};
use crate::server::db::Db;
use crate::server::secret::{self, ExposeSecret, SecretString};
use crate::server::setting_store;

/// Where the sandbox is mounted inside this server.
pub const SANDBOX_PATH: &str = "/sandbox/opa/api/v1";
/// Per-request timeout of calls to Opa! Suite.
pub const TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OpaConfig {
    pub url: String,
    #[serde(serialize_with = "secret::serialize")]
    pub token: SecretString,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum OpaSource {
    /// `PARABENS_OPA_URL` is set: it wins over the saved settings.
    Environment,
    Saved,
    Sandbox,
}

pub struct OpaConnection {
    pub sandbox: Arc<Sandbox>,
    sandbox_token: SecretString,
    env: Option<OpaConfig>,
    self_base: OnceLock<String>,
}

impl OpaConnection {
    /// `env_url`/`env_token` from the environment; without a URL, the token guards the
    /// sandbox (a random one when unset).
    pub fn new(env_url: Option<String>, env_token: Option<SecretString>) -> Self {
        let random = || SecretString::from(crate::server::random_id(32));
        let (env, sandbox_token) = match env_url {
            Some(url) => (
                Some(OpaConfig {
                    url,
                    token: env_token.unwrap_or_default(),
                }),
                random(),
            ),
            None => (None, env_token.unwrap_or_else(random)),
        };
        Self {
            sandbox: Sandbox::new(sandbox_token.expose_secret()),
            sandbox_token,
            env,
            self_base: OnceLock::new(),
        }
    }

    /// Tells the connection where this server listens (the sandbox's address).
    pub fn set_listen_addr(&self, addr: SocketAddr) {
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else if addr.is_ipv6() {
            format!("[{}]", addr.ip())
        } else {
            addr.ip().to_string()
        };
        let _ = self
            .self_base
            .set(format!("http://{host}:{}{SANDBOX_PATH}", addr.port()));
    }

    pub fn env_overrides(&self) -> bool {
        self.env.is_some()
    }

    /// The configuration in force and where it comes from.
    pub async fn resolve(&self, db: &Db) -> surrealdb::Result<(OpaConfig, OpaSource)> {
        if let Some(env) = &self.env {
            return Ok((env.clone(), OpaSource::Environment));
        }
        let saved: OpaConfig = setting_store::get(db, setting_store::OPA).await?;
        if !saved.url.is_empty() {
            return Ok((saved, OpaSource::Saved));
        }
        Ok((
            OpaConfig {
                url: self.self_base.get().cloned().unwrap_or_default(),
                token: self.sandbox_token.clone(),
            },
            OpaSource::Sandbox,
        ))
    }

    /// Whether the built-in sandbox is the Opa! Suite in force (only then is it served).
    pub async fn sandbox_in_force(&self, db: &Db) -> surrealdb::Result<bool> {
        Ok(self.resolve(db).await?.1 == OpaSource::Sandbox)
    }

    /// A client for the Opa! Suite in force.
    pub async fn client(&self, db: &Db) -> Result<(OpaClient, OpaSource), OpaError> {
        let (config, source) = self
            .resolve(db)
            .await
            .map_err(|e| OpaError::network(format!("Falha ao ler a configuração: {e}")))?;
        Ok((
            OpaClient::new(&config.url, config.token.expose_secret(), TIMEOUT)?.watched(db.clone()),
            source,
        ))
    }
}
