// Leptos view types of the larger pages nest deeper than the default limit.
#![recursion_limit = "256"]

use clap::{Parser, Subcommand};
use server::bench::{BirthdaysArgs, ClusterArgs, DrainArgs, ImportArgs, PagesArgs};
use server::config::Config;
use tracing_subscriber::EnvFilter;

// The database allocates and frees a block buffer per read: glibc's malloc spent a third of
// a busy server's time there (perf) and did not give the memory back.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Parabéns: birthday greetings over WhatsApp through Opa! Suite. Configured by environment
/// variables (see the README).
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the app (the default).
    Serve,
    /// Write the whole database in `PARABENS_DB` to FILE (stop an embedded server first).
    Backup { file: std::path::PathBuf },
    /// Load FILE, written by `backup`, into the database in `PARABENS_DB`, which must be empty.
    Restore { file: std::path::PathBuf },
    /// Benchmarks; each prints one line of figures on stdout.
    #[command(subcommand)]
    Bench(Bench),
}

#[derive(Subcommand)]
enum Bench {
    /// The birthday selection through its index against a full scan.
    Birthdays(BirthdaysArgs),
    /// A real server draining the queue through the sandbox under the rate cap.
    Drain(DrainArgs),
    /// Pages and searches over a large store, many admins at once.
    Pages(PagesArgs),
    /// A large CSV import through the import page's server function.
    Import(ImportArgs),
    /// Two instances on a SurrealDB server: no tick or greeting twice, the shared cap, the
    /// live signal across instances, a SIGKILL mid-send (`server/scripts/test-cluster.sh`).
    Cluster(ClusterArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Server-side rendering of the larger pages builds deep futures; unoptimised builds need
    // more than tokio's default 2 MiB per worker thread.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(16 * 1024 * 1024)
        .build()?
        .block_on(run(cli))
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,surrealdb=warn,surrealkv=warn")),
        )
        // The log goes to stderr; stdout carries only results (the benches' lines).
        .with_writer(std::io::stderr)
        .init();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {}
        Command::Backup { file } => {
            let config = Config::from_env().map_err(anyhow::Error::msg)?;
            return server::backup::backup(&config, &file).await;
        }
        Command::Restore { file } => {
            let config = Config::from_env().map_err(anyhow::Error::msg)?;
            return server::backup::restore(&config, &file).await;
        }
        Command::Bench(Bench::Birthdays(args)) => return server::bench::birthdays(args).await,
        Command::Bench(Bench::Drain(args)) => return server::bench::drain(args).await,
        Command::Bench(Bench::Pages(args)) => return server::bench::pages(args).await,
        Command::Bench(Bench::Import(args)) => return server::bench::import(args).await,
        Command::Bench(Bench::Cluster(args)) => return server::bench::cluster(args).await,
    }
    let config = Config::from_env().map_err(anyhow::Error::msg)?;
    tracing::info!(?config, "starting Parabéns");
    // The same start-up as the tests'.
    let running = server::start(&config, config.leptos.site_addr).await?;
    if running.state.opa.env_overrides() {
        tracing::info!("Opa! Suite from PARABENS_OPA_URL");
    }
    tracing::info!("listening on http://{}", running.addr);
    shutdown_signal().await;
    running.stop().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM; then in-flight requests and task attempts finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received");
}
