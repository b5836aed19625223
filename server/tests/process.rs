//! The real binary: first-admin password printed once, no secret in the log, SIGTERM stops it
//! cleanly, and the embedded surrealkv store keeps data across restarts.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Proc {
    child: Child,
    log: Arc<Mutex<String>>,
    base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(db: &str, admin_password: Option<&str>) -> Proc {
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_parabens"));
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
    /// SIGTERM, then wait: a graceful stop exits 0.
    fn terminate(mut self) -> String {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let log = self.log.lock().unwrap().clone();
        assert!(exit.success(), "exit {exit:?}\n{log}");
        assert!(log.contains("shutdown signal received"), "{log}");
        log
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn call(
    c: &reqwest::Client,
    base: &str,
    name: &str,
    form: &[(&str, &str)],
) -> reqwest::StatusCode {
    c.post(format!("{base}/api/{name}"))
        .form(form)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn generated_password_is_printed_once_and_no_secret_is_logged() {
    let dir = std::env::temp_dir().join(format!("parabens-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = format!("surrealkv://{}", dir.join("db").display());

    let p = start(&db, None).await;
    let generated = {
        let log = p.log.lock().unwrap().clone();
        let line = log
            .lines()
            .find(|l| l.contains("first admin created"))
            .expect("password printed");
        let start = line
            .find("password \\\"")
            .map(|i| i + 11)
            .or_else(|| line.find("password \"").map(|i| i + 10))
            .unwrap();
        line[start..start + 16].to_string()
    };
    let c = client();
    assert_eq!(
        call(
            &c,
            &p.base,
            "login",
            &[("username", "admin"), ("password", "errada-123")]
        )
        .await,
        422
    );
    assert_eq!(
        call(
            &c,
            &p.base,
            "login",
            &[("username", "admin"), ("password", &generated)]
        )
        .await,
        200
    );
    let new = "trocada-pelo-admin-789";
    assert_eq!(
        call(
            &c,
            &p.base,
            "change_password",
            &[
                ("current", &generated),
                ("password", new),
                ("confirmation", new)
            ]
        )
        .await,
        200
    );
    assert_eq!(
        call(
            &c,
            &p.base,
            "add_admin",
            &[
                ("username", "joana"),
                ("password", "senha-da-joana"),
                ("confirmation", "senha-da-joana")
            ]
        )
        .await,
        200
    );
    let log = p.terminate();
    assert_eq!(log.matches(&generated).count(), 1, "printed exactly once");
    for secret in [
        new,
        "errada-123",
        "senha-da-joana",
        "$argon2",
        "parabens_session=",
    ] {
        assert!(!log.contains(secret), "log leaks {secret:?}:\n{log}");
    }

    // Restart on the same store: nothing generated again, the changed password still works.
    let p = start(&db, None).await;
    let c = client();
    assert_eq!(
        call(
            &c,
            &p.base,
            "login",
            &[("username", "admin"), ("password", new)]
        )
        .await,
        200
    );
    assert_eq!(
        call(
            &c,
            &p.base,
            "login",
            &[("username", "joana"), ("password", "senha-da-joana")]
        )
        .await,
        200
    );
    let log = p.terminate();
    assert!(!log.contains("first admin created"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}
