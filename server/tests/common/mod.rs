//! Starts the real app on a random port with a fresh in-memory database, one per test.
#![allow(dead_code)]

use std::net::SocketAddr;

use server::config::Config;
use server::Running;

pub const ADMIN_PASSWORD: &str = "senha-de-teste-123";

pub struct TestApp {
    pub base: String,
    pub running: Running,
}

pub async fn spawn() -> TestApp {
    let config = Config::for_tests(ADMIN_PASSWORD);
    let running = server::start(&config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("server starts");
    TestApp {
        base: format!("http://{}", running.addr),
        running,
    }
}

/// A client that keeps cookies (like a browser) and does not follow redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Calls a server function the way the browser does (form-encoded POST).
    pub async fn call(
        &self,
        client: &reqwest::Client,
        name: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(&format!("/api/{name}")))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn login(
        &self,
        client: &reqwest::Client,
        user: &str,
        password: &str,
    ) -> reqwest::Response {
        self.call(
            client,
            "login",
            &[("username", user), ("password", password)],
        )
        .await
    }

    pub async fn logged_in_client(&self) -> reqwest::Client {
        let c = client();
        let res = self.login(&c, "admin", ADMIN_PASSWORD).await;
        assert!(res.status().is_success(), "login failed: {}", res.status());
        c
    }
}
