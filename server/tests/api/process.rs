//! The real binary: first-admin password printed once, no secret in the log, SIGTERM stops it
//! cleanly, and the embedded surrealkv store keeps data across restarts.

use crate::common;
use crate::fns::*;

use common::binary::start;

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
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::StatusCode {
    c.post(format!("{base}{path}"))
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
            Login::PATH,
            &[("username", "admin"), ("password", "errada-123")]
        )
        .await,
        422
    );
    assert_eq!(
        call(
            &c,
            &p.base,
            Login::PATH,
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
            ChangePassword::PATH,
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
            AddAdmin::PATH,
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
            Login::PATH,
            &[("username", "admin"), ("password", new)]
        )
        .await,
        200
    );
    assert_eq!(
        call(
            &c,
            &p.base,
            Login::PATH,
            &[("username", "joana"), ("password", "senha-da-joana")]
        )
        .await,
        200
    );
    let log = p.terminate();
    assert!(!log.contains("first admin created"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}
