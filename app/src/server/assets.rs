//! The site's build files under `/pkg/`: their content-hashed names and how long browsers
//! may keep them.
//!
//! `server/scripts/build.sh` names each file after a hash of its content
//! (`parabens.<hash>.js`, `.wasm`, `.css`, the lazy routes' loader `__wasm_split.<hash>.js`
//! and chunks `split_<fn>_<id>.<hash>.wasm`) and writes the hashes into `<site root>/hash.txt`
//! as lines `js: <hash>`, `wasm: <hash>`, `css: <hash>`, `split: <hash>`. Leptos'
//! `HydrationScripts` reads the `js`, `wasm` and `split` lines itself (and the chunks' names
//! from `pkg/__wasm_split_manifest.json`); the shell reads the `css` line here. A file whose name
//! changes with its content can be cached for good, so a returning browser loads nothing.

use std::path::{Path, PathBuf};

use leptos::config::LeptosOptions;

/// The hash file's name in the site root, as build.sh writes it.
pub const HASH_FILE: &str = "hash.txt";

/// `Cache-Control` of a file whose name carries its content's hash.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `Cache-Control` of any other file under `/pkg/`: kept, but revalidated on each use.
pub const REVALIDATE: &str = "no-cache";

/// Fewest hex digits of a name's hash part, as build.sh writes it (16).
const MIN_HASH_LEN: usize = 16;

/// `<site root>/hash.txt`, absolute: Leptos looks for it at
/// `current_exe().parent().join(hash_file)`, and joining an absolute path yields that path.
pub fn hash_file(site_root: &str) -> PathBuf {
    let path = Path::new(site_root).join(HASH_FILE);
    std::path::absolute(&path).unwrap_or(path)
}

/// Points Leptos at the site's hash file and turns hashed names on only when the file is
/// there: with `hash_files` on and no file, `HydrationScripts` panics on the first page.
/// Without it (a site not built by build.sh) the plain names are used.
pub fn use_hashed_names(options: &mut LeptosOptions) {
    let file = hash_file(&options.site_root);
    match file.to_str() {
        Some(path) if file.is_file() => {
            options.hash_file = path.into();
            options.hash_files = true;
        }
        _ => options.hash_files = false,
    }
}

/// The hash of `kind` (`js`, `wasm`, `css`) in the text of a hash file.
pub fn hash_of<'a>(hashes: &'a str, kind: &str) -> Option<&'a str> {
    hashes.lines().find_map(|line| {
        let (k, hash) = line.trim().split_once(':')?;
        (k.trim() == kind)
            .then(|| hash.trim())
            .filter(|h| !h.is_empty())
    })
}

/// The stylesheet's address: `/pkg/parabens.<hash>.css` with hashed names, else
/// `/pkg/parabens.css`. The hash file is read on each page, as `HydrationScripts` does for
/// the script and the bundle, so the three names always come from the same build.
pub fn stylesheet_href(options: &LeptosOptions) -> String {
    let pkg = &options.site_pkg_dir;
    let name = &options.output_name;
    let hash = options
        .hash_files
        .then(|| std::fs::read_to_string(&*options.hash_file).ok())
        .flatten();
    match hash.as_deref().and_then(|h| hash_of(h, "css")) {
        Some(hash) => format!("/{pkg}/{name}.{hash}.css"),
        None => format!("/{pkg}/{name}.css"),
    }
}

/// Whether a file name carries a content hash: `<stem>.<hash>.<ext>`, the hash being at
/// least 16 hex digits.
pub fn is_hashed(file_name: &str) -> bool {
    let mut parts = file_name.rsplit('.');
    let (Some(_ext), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !stem.is_empty() && hash.len() >= MIN_HASH_LEN && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `Cache-Control` of the file at `path` under `/pkg/`: a hashed name never changes meaning,
/// so it is kept for a year without asking again; any other is revalidated.
pub fn cache_control(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    if is_hashed(name) {
        IMMUTABLE
    } else {
        REVALIDATE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_hash_of_each_kind() {
        let text = "js: 0123456789abcdef\nwasm:fedcba9876543210 \n\ncss: aaaaaaaaaaaaaaaa\n";
        assert_eq!(hash_of(text, "js"), Some("0123456789abcdef"));
        assert_eq!(hash_of(text, "wasm"), Some("fedcba9876543210"));
        assert_eq!(hash_of(text, "css"), Some("aaaaaaaaaaaaaaaa"));
        assert_eq!(hash_of(text, "split"), None);
        assert_eq!(hash_of("css:\n", "css"), None);
    }

    #[test]
    fn only_hashed_names_are_immutable() {
        assert_eq!(cache_control("/parabens.0123456789abcdef.wasm"), IMMUTABLE);
        assert_eq!(cache_control("parabens.0123456789ABCDEF.css"), IMMUTABLE);
        // The lazy routes' loader and chunks, as build.sh names them.
        assert_eq!(
            cache_control("/__wasm_split.0123456789abcdef.js"),
            IMMUTABLE
        );
        assert_eq!(
            cache_control("/split_signed_in_page_6072865744685534885.0123456789abcdef.wasm"),
            IMMUTABLE
        );
        for plain in [
            "/__wasm_split_manifest.json",
            "/__wasm_split.js",
            "/parabens.css",
            "/parabens_bg.wasm",
            "/parabens.min.js",
            "/.0123456789abcdef.js",
            "/parabens.0123456789abcde.js",
            "/parabens.0123456789abcdeg.js",
        ] {
            assert_eq!(cache_control(plain), REVALIDATE, "{plain}");
        }
    }

    #[test]
    fn hashed_names_only_with_a_hash_file() {
        let dir = std::env::temp_dir().join(format!("parabens-assets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let root = dir.to_str().unwrap().to_string();
        let mut options = LeptosOptions::builder()
            .output_name("parabens")
            .site_root(root.as_str())
            .site_pkg_dir("pkg")
            .build();
        use_hashed_names(&mut options);
        assert!(!options.hash_files);
        assert_eq!(stylesheet_href(&options), "/pkg/parabens.css");

        std::fs::write(dir.join(HASH_FILE), "css: 00112233445566778899\n").unwrap();
        use_hashed_names(&mut options);
        assert!(options.hash_files);
        assert!(Path::new(&*options.hash_file).is_absolute());
        assert_eq!(
            stylesheet_href(&options),
            "/pkg/parabens.00112233445566778899.css"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
