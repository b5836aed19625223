//! The page's Content-Security-Policy: scripts only from this site or inline with this
//! response's nonce (Leptos puts it on its hydration and resource scripts), WebAssembly
//! compiled from this site, no plugins, no framing, forms and fetches to this site only.

use axum::http::{header, HeaderValue};
use leptos::config::LeptosOptions;

/// The policy for a page whose inline scripts carry `nonce`. Style attributes are allowed
/// (the dashboard's bars set their height); style sheets come from this site.
pub fn policy(nonce: &str, dev_reload: bool) -> String {
    let connect = if dev_reload {
        "'self' ws: wss:"
    } else {
        "'self'"
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
         connect-src {connect}; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Sets the policy on the page being rendered (called from the shell, which runs first).
pub fn set_for_this_page(options: &LeptosOptions) {
    let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        leptos::prelude::use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let dev = options.env == leptos::config::Env::DEV;
    if let Ok(value) = HeaderValue::from_str(&policy(&nonce, dev)) {
        res.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn nonce_and_wasm_only() {
        let p = super::policy("abc", false);
        assert!(p.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(!p.contains("unsafe-eval'") || p.contains("wasm-unsafe-eval"));
        assert!(!p.contains("ws:"));
        assert!(p.contains("frame-ancestors 'none'"));
    }
}
