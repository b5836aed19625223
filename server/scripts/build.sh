#!/usr/bin/env bash
# Builds the site (WASM front, JS glue, CSS, assets into target/site) and the server binary.
#   PROFILE=debug (default) | release      server build profile
#   SKIP_SERVER=1                           build the site only
# The front is always built with the size-optimised `wasm-release` profile.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
. server/scripts/toolchain.sh
PROFILE=${PROFILE:-debug}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
SITE=$ROOT/target/site
PKG=$SITE/pkg
_b0=$(date +%s)
blog() { echo "[build +$(( $(date +%s) - _b0 ))s] $*" >&2; }

# Size flags of the bundle. Each was measured on the brotli file browsers download, added one
# after the other in this order to the 628 KB it was without them (408 KB with all):
#  -Zfmt-debug=none         `{:?}` prints nothing: nothing the browser shows is Debug output
#                           (-6 KB).
#  -Zlocation-detail=none   no file/line/column strings for panics and `#[track_caller]`
#                           (-12 KB).
#  -Cpanic=immediate-abort  a panic traps at once, with no message formatted: no panic
#                           machinery in the bundle (-12 KB). The console then shows only
#                           "RuntimeError: unreachable".
#  --cfg erase_components  (from .cargo/config.toml, as the server needs it too) every view
#                           an `AnyView`, not one nested type each (-189 KB).
#  optimize_for_size (std)  the smaller of std's algorithms (sorting and the like) (-2 KB).
# Opt-level "s" instead of "z" made it 12% larger. WASM_PANIC_MESSAGES=1 leaves the panic
# flags out, so that console_error_panic_hook shows a panic's message and place.
# --emit-relocs (always): the relocations tell the splitter below which code and data each
# lazy route needs.
WASM_RUSTFLAGS="-Zfmt-debug=none -Zlocation-detail=none -Zunstable-options -Cpanic=immediate-abort"
WASM_STD_FEATURES=optimize_for_size
if [ -n "${WASM_PANIC_MESSAGES:-}" ]; then WASM_RUSTFLAGS=""; WASM_STD_FEATURES=""; fi
blog "front: wasm32 (Debian rustc-web, -Zbuild-std) ${WASM_RUSTFLAGS:-with panic messages}"
WASM_RUSTFLAGS="$WASM_RUSTFLAGS -Clink-args=--emit-relocs"
env RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$WASM_LINKER" \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="$WASM_RUSTFLAGS" \
    cargo build -p frontend --lib --target wasm32-unknown-unknown \
      --target-dir "$TARGET_DIR/front" --profile wasm-release -Zbuild-std=std,panic_abort \
      ${WASM_STD_FEATURES:+-Zbuild-std-features=$WASM_STD_FEATURES}
# A fresh pkg/: files of earlier builds (other hashes) do not pile up, and no hash file
# names files that a failed build left half made.
rm -rf "$PKG" "$SITE/hash.txt"
mkdir -p "$PKG"
# The lazy routes (app/src/routes/lazy.rs): the main module, the chunks (`split_<fn>_….wasm`
# per lazy function, `chunk_<n>.wasm` for code several of them share), the loader
# `__wasm_split.js` and the manifest the server reads to name a page's chunks in its <head>.
SPLIT=$TARGET_DIR/front/split
rm -rf "$SPLIT"
blog "split at the lazy routes"
parabens-split-wasm "$TARGET_DIR/front/wasm32-unknown-unknown/wasm-release/frontend.wasm" "$SPLIT" parabens
blog "wasm-bindgen $WASM_BINDGEN_VERSION"
# --keep-lld-exports: the chunks link against the main module's exports by their names.
wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle \
  --out-dir "$PKG" --out-name parabens "$SPLIT/parabens.wasm"
# -Os rather than -Oz: 1% more bytes raw but 1% fewer once brotli-compressed (405 vs 410 KB),
# and that is what browsers download. --converge and --gufa gained under 0.5% for minutes.
blog "wasm-opt -Os"
# (wasm-opt does not know the splitter's name subsection and says so, harmlessly.)
opt() {
  wasm-opt -Os --enable-bulk-memory --enable-nontrapping-float-to-int "$1" -o "$2" \
    2> >(grep -v "unknown name subsection" >&2)
}
opt "$PKG/parabens_bg.wasm" "$PKG/parabens.wasm"
rm "$PKG/parabens_bg.wasm"
chunks=()
for chunk in "$SPLIT"/*.wasm; do
  name=$(basename "$chunk" .wasm)
  [ "$name" = parabens ] && continue
  opt "$chunk" "$PKG/$name.wasm"
  chunks+=("$name")
done
cp "$SPLIT/__wasm_split.js" "$SPLIT/__wasm_split_manifest.json" "$PKG/"
cp style/main.css "$PKG/parabens.css"
cp -r style/assets/. "$SITE/"

# Content-hashed names (`parabens.<hash>.js`), so the server can let browsers keep them for
# a year: a new build is a new name. `hash.txt` tells the server the names (Leptos reads the
# `js`, `wasm` and `split` lines, the shell the `css` one). Next to each file its brotli and
# gzip copies, made once here rather than on every request; the server picks the one the
# browser accepts.
blog "hashed names, brotli and gzip"
hash16() { cat "$@" | sha256sum | cut -c1-16; }
# A chunk's name is in the loader (`new URL("./<name>.wasm", ...)`) and in the manifest.
for name in "${chunks[@]}"; do
  hash=$(hash16 "$PKG/$name.wasm")
  mv "$PKG/$name.wasm" "$PKG/$name.$hash.wasm"
  sed -i "s|\"./$name.wasm\"|\"./$name.$hash.wasm\"|" "$PKG/__wasm_split.js"
  sed -i "s|\"$name\"|\"$name.$hash\"|g" "$PKG/__wasm_split_manifest.json"
done
# The glue and the loader import each other, so one hash names both: that of their texts
# before either is renamed. Only their `import` lines change: the glue also names the loader
# as the key of the bundle's imports, which must stay the name the bundle was linked with.
js_hash=$(hash16 "$PKG/parabens.js" "$PKG/__wasm_split.js")
sed -i "s|^\(import .* from \"\)\./__wasm_split\.js\"|\1./__wasm_split.$js_hash.js\"|" "$PKG/parabens.js"
sed -i "s|^\(import .* from \"\)\./parabens\.js\"|\1./parabens.$js_hash.js\"|" "$PKG/__wasm_split.js"
grep -q "from \"./__wasm_split.$js_hash.js\"" "$PKG/parabens.js" \
  && grep -q "from \"./parabens.$js_hash.js\"" "$PKG/__wasm_split.js" \
  || { echo "build.sh: the glue and the loader no longer import each other as expected" >&2; exit 1; }
mv "$PKG/parabens.js" "$PKG/parabens.$js_hash.js"
mv "$PKG/__wasm_split.js" "$PKG/__wasm_split.$js_hash.js"
wasm_hash=$(hash16 "$PKG/parabens.wasm")
mv "$PKG/parabens.wasm" "$PKG/parabens.$wasm_hash.wasm"
css_hash=$(hash16 "$PKG/parabens.css")
mv "$PKG/parabens.css" "$PKG/parabens.$css_hash.css"
for file in "$PKG"/*.js "$PKG"/*.wasm "$PKG"/*.css; do
  brotli --best --keep --force "$file"
  gzip -9 --no-name --keep --force "$file"
done
printf 'js: %s\nwasm: %s\ncss: %s\nsplit: %s\n' "$js_hash" "$wasm_hash" "$css_hash" "$js_hash" >"$SITE/hash.txt.new"
mv "$SITE/hash.txt.new" "$SITE/hash.txt"
wasm=$PKG/parabens.$wasm_hash.wasm
chunks_br=$(cat "$PKG"/*.wasm.br | wc -c)
blog "site: wasm $(stat -c %s "$wasm") bytes, gzip $(stat -c %s "$wasm.gz"), brotli $(stat -c %s "$wasm.br"); ${#chunks[@]} chunks, brotli $(( chunks_br - $(stat -c %s "$wasm.br") )) in all"

if [ -n "${SKIP_SERVER:-}" ]; then blog "done (front only)"; exit 0; fi
blog "server: $PROFILE"
if [ "$PROFILE" = release ]; then
  cargo build -p server --bin parabens --release
else
  cargo build -p server --bin parabens
fi
blog "done"
