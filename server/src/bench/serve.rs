//! The real server as a child process for the benchmarks: started on a prepared store,
//! signed in over HTTP like a browser, its memory read from `/proc` (so the bench's own
//! data generation never counts as the server's).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;

const PASSWORD: &str = "bench-senha-admin";

pub struct Server {
    child: std::process::Child,
    pub base: String,
    /// Signed in as the admin (its cookie jar holds the session).
    pub http: reqwest::Client,
}

impl Server {
    /// `parabens serve` on `db_url`, waiting until it answers and signing in.
    pub async fn start(db_url: &str) -> anyhow::Result<Self> {
        Self::start_with(db_url, &[], None).await
    }

    /// [`Self::start`] with more environment, its log (stderr) written to `log` if given.
    pub async fn start_with(
        db_url: &str,
        env: &[(&str, String)],
        log: Option<&std::path::Path>,
    ) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let stderr = match log {
            Some(path) => Stdio::from(std::fs::File::create(path)?),
            None => Stdio::inherit(),
        };
        let child = Command::new(std::env::current_exe()?)
            .arg("serve")
            .env("PARABENS_DB", db_url)
            .env("PARABENS_ADMIN_PASSWORD", PASSWORD)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or("warn".into()),
            )
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .context("start the server")?;
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .pool_max_idle_per_host(256)
            .timeout(Duration::from_secs(300))
            .build()?;
        let server = Server { child, base, http };
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let up = server.http.get(server.url("/healthz")).send().await;
            if up.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            anyhow::ensure!(Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let res = server
            .http
            .post(server.url("/api/login"))
            .form(&[("username", "admin"), ("password", PASSWORD)])
            .send()
            .await?;
        anyhow::ensure!(res.status().is_success(), "login: {}", res.status());
        Ok(server)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn status_kb(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0)
    }

    /// Resident memory now, MB.
    pub fn rss_mb(&self) -> f64 {
        self.status_kb("VmRSS:") / 1024.0
    }

    /// The most resident memory the server has had, MB.
    pub fn peak_rss_mb(&self) -> f64 {
        self.status_kb("VmHWM:") / 1024.0
    }

    /// SIGKILL: the process dies at once, in the middle of whatever it was doing.
    pub fn kill(mut self) -> anyhow::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// SIGTERM, and wait for the graceful stop.
    pub fn stop(mut self) -> anyhow::Result<()> {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        self.child.wait()?;
        Ok(())
    }
}

/// A bench that fails half-way leaves no server behind.
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
