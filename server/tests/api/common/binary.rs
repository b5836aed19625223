//! The real `parabens` binary as a child process: started on a free port, its log kept.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Proc {
    pub child: Child,
    pub log: Arc<Mutex<String>>,
    pub base: String,
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn start(db: &str, admin_password: Option<&str>) -> Proc {
    start_with(db, admin_password, &[]).await
}

/// The binary is `PARABENS_TEST_BIN` when set (e.g. a release build), else this build's.
pub async fn start_with(db: &str, admin_password: Option<&str>, env: &[(&str, &str)]) -> Proc {
    let port = free_port();
    let bin = std::env::var("PARABENS_TEST_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_parabens").to_string());
    let mut cmd = Command::new(bin);
    cmd.env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("PARABENS_DB", db)
        .env(
            "RUST_LOG",
            "debug,surrealdb=info,surrealkv=info,hyper=info,h2=info",
        )
        .env_remove("PARABENS_ADMIN_PASSWORD")
        .stderr(Stdio::piped())
        .stdout(Stdio::piped());
    if let Some(p) = admin_password {
        cmd.env("PARABENS_ADMIN_PASSWORD", p);
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().unwrap();
    let log = Arc::new(Mutex::new(String::new()));
    for stream in [
        Box::new(child.stderr.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stdout.take().unwrap()),
    ] {
        let log = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let mut l = log.lock().unwrap();
                l.push_str(&line);
                l.push('\n');
            }
        });
    }
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await {
            if r.status().is_success() {
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "server did not start:\n{}",
            log.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Proc { child, log, base }
}

impl Proc {
    /// SIGKILL: no chance to clean up, as in a crash or an OOM kill.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then wait: a graceful stop exits 0.
    pub fn terminate(mut self) -> String {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let log = self.log.lock().unwrap().clone();
        assert!(exit.success(), "exit {exit:?}\n{log}");
        let (_, stopping) = log
            .split_once("shutdown signal received")
            .unwrap_or_else(|| panic!("no shutdown line:\n{log}"));
        // A graceful stop is a clean one: the database closes without an error.
        assert!(
            !stopping.contains("ERROR"),
            "errors while stopping:\n{stopping}"
        );
        log
    }
}
