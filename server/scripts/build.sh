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

blog "front: wasm32 (Debian rustc-web, -Zbuild-std)"
env RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER="$WASM_LINKER" \
    cargo build -p frontend --lib --target wasm32-unknown-unknown \
      --target-dir "$TARGET_DIR/front" --profile wasm-release -Zbuild-std=std,panic_abort
# A fresh pkg/: files of earlier builds (other hashes) do not pile up, and no hash file
# names files that a failed build left half made.
rm -rf "$PKG" "$SITE/hash.txt"
mkdir -p "$PKG"
blog "wasm-bindgen $WASM_BINDGEN_VERSION"
wasm-bindgen --target web --no-typescript --out-dir "$PKG" --out-name parabens \
  "$TARGET_DIR/front/wasm32-unknown-unknown/wasm-release/frontend.wasm"
blog "wasm-opt -Oz"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$PKG/parabens_bg.wasm" -o "$PKG/parabens.wasm"
rm "$PKG/parabens_bg.wasm"
cp style/main.css "$PKG/parabens.css"
cp -r style/assets/. "$SITE/"

# Content-hashed names (`parabens.<hash>.js`), so the server can let browsers keep them for
# a year: a new build is a new name. `hash.txt` tells the server the names (Leptos reads the
# `js` and `wasm` lines, the shell the `css` one). Next to each file its brotli and gzip
# copies, made once here rather than on every request; the server picks the one the browser
# accepts.
blog "hashed names, brotli and gzip"
: >"$SITE/hash.txt.new"
for ext in js wasm css; do
  hash=$(sha256sum "$PKG/parabens.$ext" | cut -c1-16)
  file="$PKG/parabens.$hash.$ext"
  mv "$PKG/parabens.$ext" "$file"
  brotli --best --keep --force "$file"
  gzip -9 --no-name --keep --force "$file"
  echo "$ext: $hash" >>"$SITE/hash.txt.new"
done
mv "$SITE/hash.txt.new" "$SITE/hash.txt"
wasm=$(ls "$PKG"/parabens.*.wasm)
blog "site: wasm $(stat -c %s "$wasm") bytes, gzip $(stat -c %s "$wasm.gz"), brotli $(stat -c %s "$wasm.br")"

if [ -n "${SKIP_SERVER:-}" ]; then blog "done (front only)"; exit 0; fi
blog "server: $PROFILE"
if [ "$PROFILE" = release ]; then
  cargo build -p server --bin parabens --release
else
  cargo build -p server --bin parabens
fi
blog "done"
