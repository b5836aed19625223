//! `parabens bench import --rows N`: an IXC export of N synthetic clients uploaded through
//! *Clientes > Importar* to the real server (its own process, fresh store), timed from the
//! upload to the report.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::serve::Server;
use super::synthetic;

/// `parabens bench import`.
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
}

/// The file as IXC exports it.
fn csv(rows: usize) -> String {
    let mut out =
        String::from("id;razao;fantasia;tipo_pessoa;ativo;data_nascimento;whatsapp;telefone_celular;email;cidade;uf\n");
    for i in 0..rows {
        let c = synthetic(i);
        let _ = writeln!(
            out,
            "{};{};;{};{};{};{};;cliente{}@exemplo.com.br;{};{}",
            c.external_id,
            c.name,
            c.person_type.code(),
            if c.active { "S" } else { "N" },
            c.birth_date.map(|d| d.to_string()).unwrap_or_default(),
            c.whatsapp,
            c.external_id,
            c.city,
            c.state
        );
    }
    out
}

pub async fn import(a: ImportArgs) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join("parabens-bench-import");
    let _ = std::fs::remove_dir_all(&dir);
    let server = Server::start(&format!("surrealkv://{}", dir.display())).await?;
    let file = csv(a.rows);
    eprintln!("{} rows, {:.1} MB", a.rows, file.len() as f64 / 1e6);
    let started = Instant::now();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(file.into_bytes()).file_name("clientes.csv"),
    );
    let res = server
        .http
        .post(server.url("/api/import_clients"))
        .multipart(form)
        .send()
        .await?;
    anyhow::ensure!(res.status().is_success(), "upload: {}", res.text().await?);
    let job: String = res.json().await?;
    let report = loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let s: serde_json::Value = server
            .http
            .post(server.url("/api/client_import_status"))
            .form(&[("job", &job)])
            .send()
            .await?
            .json()
            .await
            .context("import status")?;
        if s["finished"] == true {
            break s;
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        report["error"].is_null(),
        "import failed: {}",
        report["error"]
    );
    let created = report["report"]["created"].as_u64().unwrap_or(0);
    anyhow::ensure!(
        created == a.rows as u64,
        "{created} of {} rows created: {}",
        a.rows,
        report["report"]
    );
    let peak = server.peak_rss_mb();
    server.stop()?;
    println!(
        "import: rows={} seconds={seconds:.1} peak_rss_mb={peak:.0}",
        a.rows
    );
    Ok(())
}
