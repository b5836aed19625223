#!/usr/bin/env bash
# Installs what building and testing Parabéns needs, then exports the build environment.
# Idempotent and quick when everything is present. Source it: `. server/scripts/toolchain.sh`.
#
# Only package registries are used (Debian packages, the Rust package registry, npm packages); see shared/toolchain notes:
#  - Debian's rustc-web 1.96 builds std for wasm32 with -Zbuild-std (rustup has only the host
#    target here); rustup's own rust-lld links it.
#  - wasm-bindgen-cli from the Rust package registry at exactly the Cargo.lock version;
#    leptosfmt from there too.
#  - parabens-split-wasm, our own build tool around wasm_split_cli_support (crates.io).
#  - wasm-opt from npm's binaryen 132 (Debian's binaryen 108 breaks hydration).
#  - Debian's chromium for the end-to-end tests, Playwright from npm.
#  - Debian's brotli for the site's precompressed copies (build.sh).
#  - Python's aiosmtpd from PyPI: the SMTP server of the alert e-mail test.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TOOLS_DIR=${PARABENS_TOOLS_DIR:-$HOME/.cache/parabens-tools}
_t0=$(date +%s)
tlog() { echo "[toolchain +$(( $(date +%s) - _t0 ))s] $*" >&2; }

export PATH="$HOME/.cargo/bin:$PATH"

# 1. Debian packages.
_pkgs="rustc-web cargo-web rust-web-src lld-19 chromium brotli"
_missing=""
for p in $_pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || _missing="$_missing $p"
done
if [ -n "$_missing" ]; then
  tlog "apt-get install$_missing"
  _sudo=""; [ "$(id -u)" = 0 ] || _sudo="sudo"
  $_sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $_sudo apt-get install -y -qq --no-install-recommends $_missing >/dev/null
fi

# 2. The wasm32 build environment (used only for the frontend crate).
_sysroot=$(rustc --print sysroot)
WASM_LINKER="$_sysroot/lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld"
[ -x "$WASM_LINKER" ] || WASM_LINKER=/usr/bin/wasm-ld-19
export WASM_LINKER
_std_src="$(/usr/bin/rustc --print sysroot)/lib/rustlib/src/rust/library"
[ -f "$_std_src/std/Cargo.toml" ] || { echo "std source missing at $_std_src (rust-web-src)" >&2; exit 1; }

# 3. wasm-bindgen CLI at the Cargo.lock version.
WASM_BINDGEN_VERSION=$(awk '$0=="name = \"wasm-bindgen\"" {getline; gsub(/version = |"/, ""); print; exit}' "$ROOT/Cargo.lock")
export WASM_BINDGEN_VERSION
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  tlog "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  cargo install -q wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --locked \
    || cargo install -q wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION"
fi

# 3b. leptosfmt (rustfmt skips `view!`), pinned.
LEPTOSFMT_VERSION=0.1.33
if [ "$(leptosfmt --version 2>/dev/null | awk '{print $2}')" != "$LEPTOSFMT_VERSION" ]; then
  tlog "cargo install leptosfmt $LEPTOSFMT_VERSION (a few minutes, once)"
  cargo install -q leptosfmt --version "=$LEPTOSFMT_VERSION" --locked
fi

# 3c. parabens-split-wasm (server/split-wasm): cuts the bundle at its lazy routes.
# Reinstalled when its sources change (a stamp of their hash beside it).
_split_src="$ROOT/server/split-wasm"
_split_stamp=$(cat "$_split_src/Cargo.toml" "$_split_src/Cargo.lock" "$_split_src/src/main.rs" | sha256sum | cut -c1-16)
if [ "$(cat "$TOOLS_DIR/split-wasm.stamp" 2>/dev/null)" != "$_split_stamp" ] || [ ! -x "$TOOLS_DIR/bin/parabens-split-wasm" ]; then
  tlog "cargo install parabens-split-wasm (a minute, once)"
  mkdir -p "$TOOLS_DIR"
  cargo install -q --locked --path "$_split_src" --root "$TOOLS_DIR" --target-dir "$TOOLS_DIR/split-wasm-target"
  echo "$_split_stamp" >"$TOOLS_DIR/split-wasm.stamp"
fi
export PATH="$TOOLS_DIR/bin:$PATH"

# 4. wasm-opt (npm binaryen) and Playwright (npm, no browser download: Debian's chromium).
if [ "$("$TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | awk '{print $3}')" != "132" ]; then
  tlog "npm install binaryen@132"
  mkdir -p "$TOOLS_DIR"
  npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --silent binaryen@132.0.0
fi
export PATH="$TOOLS_DIR/node_modules/.bin:$PATH"
if [ ! -x "$ROOT/end2end/node_modules/.bin/playwright" ]; then
  tlog "npm ci (end2end)"
  (cd "$ROOT/end2end" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent)
fi
# 5. A real SMTP server for the alert e-mail test: Python's aiosmtpd, from PyPI.
if ! python3 -c "import aiosmtpd" 2>/dev/null; then
  tlog "pip install aiosmtpd"
  python3 -m pip install -q --disable-pip-version-check aiosmtpd 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check --break-system-packages aiosmtpd
fi
tlog "toolchain ready"
