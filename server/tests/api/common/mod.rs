//! Starts the real app on a random port with a fresh in-memory database, one per test.
#![allow(dead_code)]

pub mod binary;

use std::net::SocketAddr;

use crate::fns::{
    BirthdayParams, ClientImportStatus, GetBirthdayParams, ImportClients, Login, MessageInput,
    SaveAgendaEntry, SaveBirthdayParams, SaveMessage, ServerFn,
};
use app::domain::schedule::ScheduleInput;
use app::models::agenda::{AgendaEntry, TaskKind};
use server::config::Config;
use server::Running;

pub const ADMIN_PASSWORD: &str = "senha-de-teste-123";

pub struct TestApp {
    pub base: String,
    pub running: Running,
}

pub async fn spawn() -> TestApp {
    spawn_with(Config::for_tests(ADMIN_PASSWORD)).await
}

/// Like [`spawn`], with a configuration the test adjusted.
pub async fn spawn_with(config: Config) -> TestApp {
    let running = server::start(&config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("server starts");
    TestApp {
        base: format!("http://{}", running.addr),
        running,
    }
}

/// Serves `router` on a free loopback port for the rest of the test; `http://127.0.0.1:port`.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
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
    /// Calls server function `F` (its generated input type, e.g. `ListAgenda`) with a form,
    /// as the pages' forms post: a renamed function fails to compile.
    pub async fn call<F: ServerFn>(
        &self,
        client: &reqwest::Client,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        self.call_path(client, F::PATH, form).await
    }

    /// [`Self::call`] by path, for a table of several functions (`Name::PATH`).
    pub async fn call_path(
        &self,
        client: &reqwest::Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client.post(self.url(path)).form(form).send().await.unwrap()
    }

    /// Calls `F` with its typed input (every argument checked at compile time), as a form.
    pub async fn send<F: ServerFn + serde::Serialize>(
        &self,
        client: &reqwest::Client,
        input: &F,
    ) -> reqwest::Response {
        let req = client.post(self.url(F::PATH)).form(input);
        req.send().await.unwrap()
    }

    /// [`Self::send`] for the functions whose input is JSON (`input = Json`).
    pub async fn send_json<F: ServerFn + serde::Serialize>(
        &self,
        client: &reqwest::Client,
        input: &F,
    ) -> reqwest::Response {
        let req = client.post(self.url(F::PATH)).json(input);
        req.send().await.unwrap()
    }

    /// A server function's answer as text (whatever its status).
    pub async fn text<F: ServerFn>(
        &self,
        client: &reqwest::Client,
        form: &[(&str, &str)],
    ) -> String {
        self.call::<F>(client, form).await.text().await.unwrap()
    }

    /// A server function's answer decoded from JSON.
    pub async fn json<F: ServerFn, T: serde::de::DeserializeOwned>(
        &self,
        client: &reqwest::Client,
        form: &[(&str, &str)],
    ) -> T {
        self.call::<F>(client, form).await.json().await.unwrap()
    }

    pub async fn login(
        &self,
        client: &reqwest::Client,
        user: &str,
        password: &str,
    ) -> reqwest::Response {
        let login = Login {
            username: user.into(),
            password: password.into(),
            next: None,
        };
        self.send(client, &login).await
    }

    pub async fn logged_in_client(&self) -> reqwest::Client {
        let c = client();
        let res = self.login(&c, "admin", ADMIN_PASSWORD).await;
        assert!(res.status().is_success(), "login failed: {}", res.status());
        c
    }
}

/// *Agenda > Nova tarefa* as posted: `schedule` is minute, hour, day of month, month and
/// day of week.
pub fn agenda_entry(task: TaskKind, enabled: bool, schedule: [&str; 5]) -> SaveAgendaEntry {
    let [minute, hour, day_of_month, month, day_of_week] = schedule.map(String::from);
    SaveAgendaEntry {
        entry: AgendaEntry {
            id: String::new(),
            task,
            schedule: ScheduleInput {
                minute,
                hour,
                day_of_month,
                month,
                day_of_week,
            },
            enabled,
        },
    }
}

impl TestApp {
    /// The birthday routine's parameters as *Parâmetros* loads them.
    pub async fn birthday_params(&self, c: &reqwest::Client) -> BirthdayParams {
        self.json::<GetBirthdayParams, _>(c, &[]).await
    }

    /// Saves `params` as *Parâmetros* does; the answer is the caller's to check.
    pub async fn save_birthday_params(
        &self,
        c: &reqwest::Client,
        params: &BirthdayParams,
    ) -> reqwest::Response {
        let save = SaveBirthdayParams {
            params: params.clone(),
        };
        self.send_json(c, &save).await
    }

    /// Saves a message as the editor does; the answer is the caller's to check.
    pub async fn save_message(
        &self,
        c: &reqwest::Client,
        input: MessageInput,
    ) -> reqwest::Response {
        self.send_json(c, &SaveMessage { input }).await
    }

    /// Polls an import job (CSV file or IXC sync) until it finishes; 60 s at most.
    pub async fn wait_import(&self, c: &reqwest::Client, job: String) -> serde_json::Value {
        for _ in 0..1200 {
            let s: serde_json::Value = self
                .send(c, &ClientImportStatus { job: job.clone() })
                .await
                .json()
                .await
                .unwrap();
            if s["finished"] == true {
                return s;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("import job {job} did not finish");
    }

    /// Uploads `bytes` as the import page does and waits for the report.
    pub async fn import_csv(&self, c: &reqwest::Client, bytes: &[u8]) -> serde_json::Value {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("clientes.csv"),
        );
        let res = c
            .post(self.url(ImportClients::PATH))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), reqwest::StatusCode::OK);
        let job: String = res.json().await.unwrap();
        self.wait_import(c, job).await
    }
}
