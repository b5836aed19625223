//! What every response and every state-changing request goes through: refusal of requests
//! sent by other sites, body limits, clear 4xx answers for input a server function cannot
//! read, and the security headers (CSP is set by the page shell, which knows its nonce).

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

use app::error::AppError;
use app::server::{session, AppState};

/// Largest body of a server-function request, but for the CSV import.
pub const MAX_API_BODY: usize = 1024 * 1024;
/// Largest body of *Clientes > Importar*: its largest file and the multipart framing.
pub const MAX_IMPORT_BODY: usize = app::functions::clients::MAX_UPLOAD_BYTES + 64 * 1024;
/// The one server function that reads a multipart body.
pub const IMPORT_FN: &str = "/api/import_clients";

/// The host this request was addressed to: `Host`, or from a trusted proxy that rewrote it,
/// its `X-Forwarded-Host`.
fn request_host(headers: &HeaderMap, peer_trusted: bool) -> Option<&str> {
    let forwarded = peer_trusted
        .then(|| headers.get("x-forwarded-host"))
        .flatten();
    forwarded
        .or_else(|| headers.get(header::HOST))
        .and_then(|v| v.to_str().ok())
        .map(|h| h.split(',').next().unwrap_or(h).trim())
}

/// Whether a state-changing request comes from this site's own pages. Browsers send
/// `Origin` on such requests (and `Sec-Fetch-Site`); a page of another port of this host or
/// of a sibling subdomain has another origin even where `SameSite` counts it as the same
/// site. A request with neither header is not a browser's and carries no forged cookie.
pub fn from_this_site(headers: &HeaderMap, peer_trusted: bool) -> bool {
    let host = request_host(headers, peer_trusted);
    if let Some(origin) = headers.get(header::ORIGIN) {
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        let authority = origin.split_once("://").map(|(_, a)| a);
        return match (authority, host) {
            (Some(a), Some(h)) => a.eq_ignore_ascii_case(h),
            _ => false,
        };
    }
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        Some(site) => matches!(site, "same-origin" | "none"),
        None => true,
    }
}

fn peer(req: &Request) -> Option<std::net::IpAddr> {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip())
}

/// Refuses, with 403 and before anything runs, every state-changing request that another
/// site's page sent.
pub async fn refuse_cross_site(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let trusted = peer(&req).is_some_and(|p| state.config.trusted_proxies.contains(&p));
    if from_this_site(req.headers(), trusted) {
        return next.run(req).await;
    }
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    tracing::warn!(path = ?req.uri().path(), origin = ?origin, "cross-site request refused");
    (StatusCode::FORBIDDEN, Json(AppError::Forbidden)).into_response()
}

/// The CSV import reads a multipart body and nothing else: anything else is 415 before the
/// decoder sees it.
pub fn import_body_refusal(headers: &HeaderMap) -> Option<Response> {
    let multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.to_ascii_lowercase().starts_with("multipart/form-data") && ct.contains("boundary=")
        });
    (!multipart).then(|| {
        (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Json(AppError::BadRequest(
                "envie o arquivo como multipart/form-data.".into(),
            )),
        )
            .into_response()
    })
}

/// Every server-function request (Leptos registers one route per function): its body is
/// bounded (413), the import's must be multipart (415), and input the function cannot read
/// answers 400, never 500.
pub async fn api_requests(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if !path.starts_with("/api/") || req.method() == Method::GET {
        return next.run(req).await;
    }
    let import = path == IMPORT_FN;
    if import {
        if let Some(refused) = import_body_refusal(req.headers()) {
            return refused;
        }
    }
    let limit = if import {
        MAX_IMPORT_BODY
    } else {
        MAX_API_BODY
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(limit);
    }
    let req = req.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
    input_errors_are_4xx(next.run(req).await).await
}

fn too_large(limit: usize) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        Json(AppError::BadRequest(format!(
            "corpo maior que {} KiB.",
            limit / 1024
        ))),
    )
        .into_response()
}

/// A server function that could not read its input answers with the error the framework
/// made, under status 500: here it becomes the 400 it is.
async fn input_errors_are_4xx(res: Response) -> Response {
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, Json(AppError::Internal)).into_response();
    };
    if let Ok(AppError::BadRequest(_)) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Headers on every response: no sniffing, no framing, no referrer to other sites; HSTS
/// over TLS; nothing cached of server-function answers and pages (they show the signed-in
/// admin's data). The site's files under `/pkg/` keep their own caching.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let secure = session::is_secure(req.headers(), &state.config);
    let is_asset = req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if !is_asset && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn only_this_sites_pages_may_change_things() {
        let ok = [
            headers(&[
                ("host", "parabens.provedor.com.br"),
                ("origin", "https://parabens.provedor.com.br"),
            ]),
            headers(&[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://127.0.0.1:3000"),
            ]),
            headers(&[
                ("host", "127.0.0.1:3000"),
                ("sec-fetch-site", "same-origin"),
            ]),
            headers(&[("host", "127.0.0.1:3000")]),
        ];
        for h in &ok {
            assert!(from_this_site(h, false), "{h:?}");
        }
        let refused = [
            headers(&[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://127.0.0.1:8080"),
            ]),
            headers(&[
                ("host", "parabens.provedor.com.br"),
                ("origin", "https://blog.provedor.com.br"),
            ]),
            headers(&[("host", "127.0.0.1:3000"), ("origin", "null")]),
            headers(&[("host", "127.0.0.1:3000"), ("sec-fetch-site", "same-site")]),
            headers(&[("host", "127.0.0.1:3000"), ("sec-fetch-site", "cross-site")]),
        ];
        for h in &refused {
            assert!(!from_this_site(h, false), "{h:?}");
        }
        // A proxy that rewrote Host says where the request was addressed, if trusted.
        let proxied = headers(&[
            ("host", "127.0.0.1:3000"),
            ("x-forwarded-host", "parabens.provedor.com.br"),
            ("origin", "https://parabens.provedor.com.br"),
        ]);
        assert!(from_this_site(&proxied, true));
        assert!(!from_this_site(&proxied, false));
    }
}
