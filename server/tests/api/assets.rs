//! The build's files under `/pkg/`, on a small site laid out as build.sh lays it: the page
//! names the hashed files, each is served as the precompressed copy the browser takes and
//! kept for a year, while pages are never cached.

use std::path::{Path, PathBuf};

use crate::common::{client, spawn_with, ADMIN_PASSWORD};
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, VARY};
use reqwest::StatusCode;
use server::config::Config;

const JS: &str = "0123456789abcdef";
const WASM: &str = "89abcdef01234567";
const CSS: &str = "fedcba9876543210";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A site directory with a hashed script, bundle and stylesheet, their `.br` and `.gz`
/// copies and `hash.txt`; removed when dropped. The copies only need distinct bytes: the
/// server sends the file as it is.
struct FakeSite(PathBuf);

impl FakeSite {
    /// `test` names the directory: tests run at the same time.
    fn new(test: &str) -> Self {
        let root =
            std::env::temp_dir().join(format!("parabens-assets-{test}-{}", std::process::id()));
        let pkg = root.join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        for (hash, ext) in [(JS, "js"), (WASM, "wasm"), (CSS, "css")] {
            let file = pkg.join(format!("parabens.{hash}.{ext}"));
            std::fs::write(&file, plain(ext)).unwrap();
            std::fs::write(with_suffix(&file, "br"), compressed("br", ext)).unwrap();
            std::fs::write(with_suffix(&file, "gz"), compressed("gzip", ext)).unwrap();
        }
        std::fs::write(
            root.join("hash.txt"),
            format!("js: {JS}\nwasm: {WASM}\ncss: {CSS}\n"),
        )
        .unwrap();
        FakeSite(root)
    }

    fn config(&self) -> Config {
        Config::for_tests(ADMIN_PASSWORD).with_site_root(self.0.to_str().unwrap())
    }
}

impl Drop for FakeSite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}.{suffix}", file.display()))
}

fn plain(ext: &str) -> Vec<u8> {
    format!("the plain {ext} file").into_bytes()
}

fn compressed(encoding: &str, ext: &str) -> Vec<u8> {
    format!("the {ext} file as {encoding}").into_bytes()
}

#[tokio::test]
async fn pages_name_the_hashed_files() {
    let site = FakeSite::new("page");
    let app = spawn_with(site.config()).await;
    let page = client().get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()[CACHE_CONTROL], "no-store");
    let html = page.text().await.unwrap();
    for name in [
        format!("/pkg/parabens.{JS}.js"),
        format!("/pkg/parabens.{WASM}.wasm"),
        format!("/pkg/parabens.{CSS}.css"),
    ] {
        assert!(html.contains(&format!("\"{name}\"")), "{name} in {html}");
    }
    assert!(
        html.contains(&format!(
            r#"<link rel="stylesheet" href="/pkg/parabens.{CSS}.css""#
        )),
        "{html}"
    );
    app.running.stop().await;
}

#[tokio::test]
async fn hashed_files_come_precompressed_and_cached_for_good() {
    let site = FakeSite::new("files");
    let app = spawn_with(site.config()).await;
    let c = client();
    for (hash, ext, mime) in [
        (JS, "js", "text/javascript"),
        (WASM, "wasm", "application/wasm"),
        (CSS, "css", "text/css"),
    ] {
        let url = app.url(&format!("/pkg/parabens.{hash}.{ext}"));
        for (accept, encoding, body) in [
            (
                Some("gzip, deflate, br, zstd"),
                Some("br"),
                compressed("br", ext),
            ),
            (Some("gzip"), Some("gzip"), compressed("gzip", ext)),
            (
                Some("br;q=0.5, gzip"),
                Some("gzip"),
                compressed("gzip", ext),
            ),
            (Some("identity"), None, plain(ext)),
            (None, None, plain(ext)),
        ] {
            let mut req = c.get(&url);
            if let Some(accept) = accept {
                req = req.header(ACCEPT_ENCODING, accept);
            }
            let res = req.send().await.unwrap();
            let h = res.headers().clone();
            assert_eq!(res.status(), StatusCode::OK, "{url} {accept:?}");
            assert_eq!(
                h.get(CONTENT_ENCODING).map(|v| v.to_str().unwrap()),
                encoding,
                "{url} {accept:?}"
            );
            assert!(
                h["content-type"].to_str().unwrap().starts_with(mime),
                "{h:?}"
            );
            assert_eq!(h[CACHE_CONTROL], IMMUTABLE, "{url}");
            assert_eq!(h[VARY], "accept-encoding", "{url}");
            assert_eq!(res.bytes().await.unwrap(), body, "{url} {accept:?}");
        }
    }
    // A file of another build is not there, and its answer is not kept.
    let gone = c
        .get(app.url("/pkg/parabens.0000000000000000.wasm"))
        .header(ACCEPT_ENCODING, "br")
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    assert_eq!(gone.headers()[CACHE_CONTROL], "no-store");
    app.running.stop().await;
}
