// Leptos view types of the larger pages nest deeper than the default limit.
#![recursion_limit = "256"]
use std::net::SocketAddr;

use server::{bootstrap, config::Config, router};
use tracing_subscriber::EnvFilter;

fn main() -> anyhow::Result<()> {
    // Server-side rendering of the larger pages builds deep futures; unoptimised builds need
    // more than tokio's default 2 MiB per worker thread.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(16 * 1024 * 1024)
        .build()?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,surrealdb=warn,surrealkv=warn")),
        )
        // The log goes to stderr; stdout carries only results (the benches' lines).
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") => {}
        Some("bench") if args.get(1).map(String::as_str) == Some("birthdays") => {
            return server::bench::birthdays(&args[2..]).await;
        }
        Some("bench") if args.get(1).map(String::as_str) == Some("drain") => {
            return server::bench::drain(&args[2..]).await;
        }
        Some(other) => anyhow::bail!(
            "unknown command {other:?}; usage: parabens [serve] | parabens bench birthdays --clients N | parabens bench drain --messages N --rate PER_MINUTE --latency-ms MS [--fault-429 SHARE]"
        ),
    }
    let config = Config::from_env()?;
    tracing::info!(?config, "starting Parabéns");
    let state = bootstrap(&config).await?;
    let addr = config.leptos.site_addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr()?;
    state.opa.set_listen_addr(local);
    if state.opa.env_overrides() {
        tracing::info!("Opa! Suite from PARABENS_OPA_URL");
    }
    let jobs = app::server::jobs::start(state.clone()).await?;
    tracing::info!("listening on http://{local}");
    axum::serve(
        listener,
        router::router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    jobs.stop().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM, letting in-flight requests finish.
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
