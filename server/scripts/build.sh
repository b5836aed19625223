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
mkdir -p "$PKG"
blog "wasm-bindgen $WASM_BINDGEN_VERSION"
wasm-bindgen --target web --no-typescript --out-dir "$PKG" --out-name parabens \
  "$TARGET_DIR/front/wasm32-unknown-unknown/wasm-release/frontend.wasm"
blog "wasm-opt -Oz"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$PKG/parabens_bg.wasm" -o "$PKG/parabens_bg.wasm"
cp style/main.css "$PKG/parabens.css"
cp -r style/assets/. "$SITE/"
blog "site: $(du -b "$PKG/parabens_bg.wasm" | cut -f1) bytes wasm, $(gzip -9c "$PKG/parabens_bg.wasm" | wc -c) gzip"

if [ -n "${SKIP_SERVER:-}" ]; then blog "done (front only)"; exit 0; fi
blog "server: $PROFILE"
if [ "$PROFILE" = release ]; then
  cargo build -p server --bin parabens --release
else
  cargo build -p server --bin parabens
fi
blog "done"
