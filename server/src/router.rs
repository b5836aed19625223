//! The HTTP surface: health check, the session guard for pages, server functions, the
//! Leptos pages and the site's static files.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures::StreamExt;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};

use crate::security;

use app::domain::url::percent_encode;
use app::server::opa::connection::SANDBOX_PATH;
use app::server::opa::sandbox;
use app::server::{assets, db, session, AppState};
use app::{shell, App};

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let ctx_state = state.clone();
    let context = move || {
        provide_context(ctx_state.clone());
        provide_context(session::RequestSession::default());
    };
    let fn_state = state.clone();
    let options = state.config.leptos.clone();

    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .nest(
            SANDBOX_PATH,
            sandbox::router(state.opa.sandbox.clone()).layer(middleware::from_fn_with_state(
                state.clone(),
                sandbox_in_force,
            )),
        )
        .route(EVENTS, get(events))
        .route(BACKUP, get(backup_download))
        .route("/api/{*fn_name}", get(server_fns).post(server_fns))
        .nest(&format!("/{}", options.site_pkg_dir), build_files(&options))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(middleware::from_fn(security::api_requests))
        .layer(middleware::from_fn_with_state(fn_state, guard_pages))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::refuse_cross_site,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::security_headers,
        ))
        // A span per request: every log line written while serving it says which it was.
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// The build's files under `/pkg/` (bundle, script, stylesheet): the brotli or gzip copy
/// build.sh made when the browser takes it, with hashed names cached for good. The site's
/// other files (favicon) go through the Leptos fallback.
fn build_files(options: &leptos::config::LeptosOptions) -> Router<AppState> {
    let dir = std::path::Path::new(&*options.site_root).join(&*options.site_pkg_dir);
    let files = tower_http::services::ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn(build_file_caching))
}

async fn build_file_caching(req: Request, next: Next) -> Response {
    let cache = assets::cache_control(req.uri().path());
    let mut res = next.run(req).await;
    let found = res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED;
    let h = res.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if found { cache } else { "no-store" }),
    );
    // The body depends on Accept-Encoding: a shared cache must keep one copy per encoding.
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    res
}

async fn server_fns(State(state): State<AppState>, req: Request<Body>) -> impl IntoResponse {
    handle_server_fns_with_context(
        move || {
            provide_context(state.clone());
            provide_context(session::RequestSession::default());
        },
        req,
    )
    .await
}

/// Server-sent events for the live pages: `change` whenever task runs or queued messages
/// change, coalesced so a busy sender does not flood the browser.
const EVENTS: &str = "/api/events";

async fn events(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use tokio::sync::broadcast::error::{RecvError, TryRecvError};
    // The guard checked the session already; like every server function, check again.
    let user = match session::token_from_headers(&headers) {
        Some(token) => session::lookup(&state.db, &token).await.ok().flatten(),
        None => None,
    };
    if user.is_none() {
        return (
            StatusCode::UNAUTHORIZED,
            Json(app::error::AppError::Unauthorized),
        )
            .into_response();
    }
    let changes = state.changes.subscribe();
    let stream = futures::stream::unfold(changes, |mut rx| async move {
        if let Err(RecvError::Closed) = rx.recv().await {
            return None;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        while !matches!(
            rx.try_recv(),
            Err(TryRecvError::Empty) | Err(TryRecvError::Closed)
        ) {}
        Some((
            Ok::<_, std::convert::Infallible>(Event::default().event("change").data("1")),
            rx,
        ))
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// *Conta > Baixar backup*: the database without its secrets (`server::backup`), streamed.
const BACKUP: &str = "/conta/backup";

/// One backup at a time per instance: an export reads every table.
static BACKUP_RUNNING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

async fn backup_download(
    State(state): State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    headers: axum::http::HeaderMap,
) -> Response {
    use app::models::audit::AuditAction;
    use app::server::{audit, backup, client_addr};
    // The guard checked the session already; like every server function, check again.
    let user = match session::token_from_headers(&headers) {
        Some(token) => session::lookup(&state.db, &token).await.ok().flatten(),
        None => None,
    };
    let Some(user) = user else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Ok(permit) = BACKUP_RUNNING.try_acquire() else {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            "Um backup já está sendo gerado; tente de novo quando ele terminar.",
        )
            .into_response();
    };
    let chunks = match backup::download(&state.db).await {
        Ok(chunks) => chunks,
        Err(e) => {
            tracing::error!(%e, "backup: the export did not start");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "O backup não pôde ser gerado agora; tente de novo.",
            )
                .into_response();
        }
    };
    let ip = client_addr::real_client(peer.ip(), &headers, &state.config.trusted_proxies);
    tracing::info!(%user, "backup downloaded");
    audit::record(
        &state.db,
        &user,
        AuditAction::BackupDownloaded,
        "sem tokens nem senhas",
        Some(ip.to_string()),
    )
    .await;
    // The permit goes with the stream: released when the last chunk is sent (or the
    // download is cancelled).
    let body = chunks.map(move |chunk| {
        let _held = &permit;
        chunk.map_err(|e| {
            tracing::error!(%e, "backup: the export failed midway");
            std::io::Error::other(e.to_string())
        })
    });
    let name = chrono::Utc::now().format("parabens-backup-%Y-%m-%d-%H%M.surql");
    (
        [
            (
                header::CONTENT_TYPE,
                "application/sql; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// The sandbox is there only while it is the Opa! Suite in force: with a real one saved or
/// in `PARABENS_OPA_URL`, its paths answer 404 like any unknown path.
async fn sandbox_in_force(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match state.opa.sandbox_in_force(&state.db).await {
        Ok(true) => next.run(req).await,
        Ok(false) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(%e, "could not read the Opa! Suite settings");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// `200 {"status":"ok"}` only when the database answers within two seconds.
async fn healthz(State(state): State<AppState>) -> Response {
    let ok = tokio::time::timeout(std::time::Duration::from_secs(2), db::ping(&state.db))
        .await
        .unwrap_or(false);
    let body = serde_json::json!({
        "status": if ok { "ok" } else { "error" },
        "database": if ok { "ok" } else { "unreachable" },
        "version": env!("CARGO_PKG_VERSION"),
    });
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// `GET /metrics` for Prometheus: only when `PARABENS_METRICS_TOKEN` is set (404 otherwise,
/// like any unknown path), and only with that token as `Authorization: Bearer`.
async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    use secrecy::ExposeSecret;
    use sha2::{Digest, Sha256};
    let Some(token) = state.config.metrics_token.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Digests compared, so the time taken says nothing about the token.
    if Sha256::digest(given.as_bytes()) != Sha256::digest(token.expose_secret().as_bytes()) {
        return (
            StatusCode::UNAUTHORIZED,
            [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
        )
            .into_response();
    }
    match state.metrics.render(&state.db).await {
        Ok(body) => (
            [(
                axum::http::header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(%e, "metrics: the database did not answer");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// Paths anyone may load without a session.
fn is_public(path: &str) -> bool {
    path == "/login"
        || path == LOGIN_FN
        || path == "/healthz"
        // It checks its own bearer token.
        || path == "/metrics"
        || path == "/favicon.ico"
        || path == "/favicon.svg"
        || path.starts_with("/pkg/")
        // The sandbox Opa! Suite checks its own bearer token, like the real one.
        || path.starts_with("/sandbox/opa/api/")
}

/// The one server function callable without a session.
const LOGIN_FN: &str = "/api/login";

/// Everything but the public paths needs a session. Pages without one redirect to the login
/// page (which comes back here afterwards); server functions answer 401 before their input
/// is even read. Each server function checks the session again itself.
async fn guard_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if is_public(&path) && path != "/login" {
        return next.run(req).await;
    }
    let user = match session::token_from_headers(req.headers()) {
        Some(token) => match session::lookup(&state.db, &token).await {
            Ok(user) => user,
            Err(e) => {
                tracing::error!(%e, "session lookup failed");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Banco de dados indisponível",
                )
                    .into_response();
            }
        },
        None => None,
    };
    let is_api = path.starts_with("/api/");
    match (user, path.as_str()) {
        (Some(_), "/login") => Redirect::to("/").into_response(),
        (None, "/login") | (Some(_), _) => next.run(req).await,
        (None, _) if is_api => (
            StatusCode::UNAUTHORIZED,
            Json(app::error::AppError::Unauthorized),
        )
            .into_response(),
        (None, _) if !matches!(*req.method(), Method::GET | Method::HEAD) => {
            StatusCode::UNAUTHORIZED.into_response()
        }
        (None, _) => {
            let target = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into());
            let location = if target == "/" {
                "/login".to_string()
            } else {
                format!("/login?next={}", percent_encode(&target, b"/"))
            };
            Redirect::to(&location).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_parameter_is_encoded() {
        assert_eq!(
            percent_encode("/fila?status=erro&p=2", b"/"),
            "/fila%3Fstatus%3Derro%26p%3D2"
        );
    }
}
