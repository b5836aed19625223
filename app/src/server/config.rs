//! The process configuration, from environment variables (documented in the README): one
//! struct for start-up and for everything that runs (state, tasks, server functions).

use std::net::SocketAddr;

use super::db::DbCredentials;
use leptos::config::{Env, LeptosOptions};
use secrecy::SecretString;

#[derive(Debug, Clone)]
pub struct Config {
    /// `PARABENS_DB`: `surrealkv://data/parabens.db` (default), `mem://`, `ws://host:port`.
    pub db_url: String,
    /// `PARABENS_DB_USER` / `PARABENS_DB_PASS`: root credentials of a remote SurrealDB.
    pub db_credentials: Option<DbCredentials>,
    /// `PARABENS_TZ`: business time zone, default `America/Sao_Paulo`.
    pub time_zone: chrono_tz::Tz,
    /// `PARABENS_ADMIN_PASSWORD`: password of the first admin, used only on first start.
    pub admin_password: Option<SecretString>,
    /// `PARABENS_SECURE_COOKIES=1`: always mark the session cookie `Secure`.
    pub secure_cookies: bool,
    /// How long a session lasts without a new login.
    pub session_hours: i64,
    /// `PARABENS_OPA_URL`: a real Opa! Suite (`https://host/api/v1`); unset, the sandbox.
    pub opa_url: Option<String>,
    /// `PARABENS_OPA_TOKEN`: its token; without a URL, the sandbox's token (default `sandbox`).
    pub opa_token: Option<SecretString>,
    /// First wait before a failed send is retried (doubles per attempt).
    pub retry_base: std::time::Duration,
    /// Attempts per message before it is marked `erro`.
    pub max_send_attempts: u32,
    /// `PARABENS_TRUSTED_PROXIES`: proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How often the scheduler ticks: every minute, or every few seconds in tests of the
    /// agenda (`PARABENS_TICK_SECONDS`, each tick then standing for a minute).
    pub tick: std::time::Duration,
    /// `GET /metrics` answers only with this bearer token, and only when it is set.
    pub metrics_token: Option<SecretString>,
    /// Days the audit log is kept (`PARABENS_AUDIT_DAYS`, 1 to 3650).
    pub audit_days: u32,
    pub leptos: LeptosOptions,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        let time_zone = match var("PARABENS_TZ") {
            Some(tz) => tz
                .parse()
                .map_err(|_| format!("PARABENS_TZ: unknown time zone {tz:?}"))?,
            None => chrono_tz::America::Sao_Paulo,
        };
        let db_credentials = match (var("PARABENS_DB_USER"), var("PARABENS_DB_PASS")) {
            (Some(username), Some(password)) => Some(DbCredentials {
                username,
                password: password.into(),
            }),
            (None, None) => None,
            _ => return Err("set both PARABENS_DB_USER and PARABENS_DB_PASS, or neither".into()),
        };
        let site_addr: SocketAddr = var("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .map_err(|e| format!("LEPTOS_SITE_ADDR: {e}"))?;
        let env = match var("LEPTOS_ENV").as_deref() {
            Some("DEV") | Some("dev") => Env::DEV,
            _ => Env::PROD,
        };
        let leptos = LeptosOptions::builder()
            .output_name(var("LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "parabens".into()))
            .site_pkg_dir(var("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".into()))
            .site_addr(site_addr)
            .env(env)
            .build();
        let config = Config {
            db_url: var("PARABENS_DB").unwrap_or_else(|| "surrealkv://data/parabens.db".into()),
            db_credentials,
            time_zone,
            admin_password: var("PARABENS_ADMIN_PASSWORD").map(SecretString::from),
            session_hours: 12,
            secure_cookies: matches!(
                var("PARABENS_SECURE_COOKIES").as_deref(),
                Some("1" | "true")
            ),
            opa_url: var("PARABENS_OPA_URL"),
            opa_token: var("PARABENS_OPA_TOKEN").map(SecretString::from),
            retry_base: std::time::Duration::from_millis(
                var("PARABENS_RETRY_BASE_MS")
                    .map(|v| v.parse())
                    .transpose()
                    .map_err(|e| format!("PARABENS_RETRY_BASE_MS: {e}"))?
                    .unwrap_or(30_000),
            ),
            max_send_attempts: 8,
            trusted_proxies: super::client_addr::parse_trusted(
                &var("PARABENS_TRUSTED_PROXIES").unwrap_or_default(),
            )?,
            tick: tick_from(var("PARABENS_TICK_SECONDS").as_deref())?,
            metrics_token: var("PARABENS_METRICS_TOKEN").map(SecretString::from),
            audit_days: match var("PARABENS_AUDIT_DAYS") {
                None => 365,
                Some(v) => v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|d| (1..=3650).contains(d))
                    .ok_or_else(|| format!("PARABENS_AUDIT_DAYS: 1 to 3650 days, not {v:?}"))?,
            },
            leptos,
        };
        Ok(config.with_site_root(var("LEPTOS_SITE_ROOT").as_deref().unwrap_or("target/site")))
    }

    /// Serves the site (WASM bundle, script, stylesheet) built into `root`, by their hashed
    /// names when build.sh wrote them there (`root/hash.txt`).
    pub fn with_site_root(mut self, root: &str) -> Self {
        self.leptos.site_root = root.into();
        super::assets::use_hashed_names(&mut self.leptos);
        self
    }

    /// A configuration for tests: in-memory database, a free port, a known admin password.
    pub fn for_tests(admin_password: &str) -> Self {
        let config = Config {
            db_url: "mem://".into(),
            db_credentials: None,
            time_zone: chrono_tz::America::Sao_Paulo,
            admin_password: Some(admin_password.into()),
            secure_cookies: false,
            session_hours: 12,
            opa_url: None,
            opa_token: None,
            retry_base: std::time::Duration::from_millis(300),
            max_send_attempts: 5,
            trusted_proxies: Vec::new(),
            tick: std::time::Duration::from_secs(60),
            metrics_token: None,
            audit_days: 365,
            leptos: LeptosOptions::builder()
                .output_name("parabens")
                .site_pkg_dir("pkg")
                .site_addr(SocketAddr::from(([127, 0, 0, 1], 0)))
                .env(Env::PROD)
                .build(),
        };
        config.with_site_root("target/site")
    }
}

/// `PARABENS_TICK_SECONDS`: a divisor of 60 (ticks fall on the same instants in every
/// instance and every minute starts one); unset is 60.
fn tick_from(v: Option<&str>) -> Result<std::time::Duration, String> {
    let Some(v) = v else {
        return Ok(std::time::Duration::from_secs(60));
    };
    match v.trim().parse::<u64>() {
        Ok(s) if s > 0 && 60 % s == 0 => Ok(std::time::Duration::from_secs(s)),
        _ => Err(format!(
            "PARABENS_TICK_SECONDS: a divisor of 60 (1, 2, 5, 10, 15, 30 or 60), not {v:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::tick_from;

    #[test]
    fn the_test_clock_divides_the_minute() {
        assert_eq!(tick_from(None).unwrap().as_secs(), 60);
        assert_eq!(tick_from(Some("1")).unwrap().as_secs(), 1);
        assert_eq!(tick_from(Some("15")).unwrap().as_secs(), 15);
        for bad in ["0", "7", "120", "x", "-1"] {
            assert!(tick_from(Some(bad)).is_err(), "{bad}");
        }
    }
}
