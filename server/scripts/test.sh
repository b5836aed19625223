#!/usr/bin/env bash
# Installs what is missing and runs every test: unit and integration (cargo), then the
# end-to-end tests in Debian's Chromium against the real server with a fresh database.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
. server/scripts/toolchain.sh
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

echo "== format and lints" >&2
cargo fmt --all -- --check
leptosfmt --check app/src >/dev/null || { leptosfmt --check app/src | grep -E "^[-+❌]"; exit 1; }
cargo clippy -p app -p server --features app/ssr --all-targets -- -D warnings

echo "== unit and integration tests" >&2
cargo test -p app -p server --features app/ssr

# `cargo test` has just built the `parabens` binary (integration tests run it) with the
# test build's features; the end-to-end tests use that one rather than building another.
echo "== site build" >&2
SKIP_SERVER=1 server/scripts/build.sh

echo "== end-to-end tests (Chromium)" >&2
cd end2end
PARABENS_BIN="$TARGET_DIR/debug/parabens" PARABENS_ROOT="$ROOT" npx playwright test
