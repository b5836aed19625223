#!/usr/bin/env bash
# Builds SurrealDB's own server (server/surreal: the `surrealdb-server` crate from the Rust
# package registry) once, into the cache outside the clone, and prints the binary's path.
# A long build on two cores (see the README), so it is kept out of the normal test build and
# rebuilt only when server/surreal changes.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${PARABENS_CACHE:-$HOME/.cache/parabens-ci}
export PATH="$HOME/.cargo/bin:$PATH"
key=$(cat "$ROOT"/server/surreal/Cargo.toml "$ROOT"/server/surreal/Cargo.lock "$ROOT"/server/surreal/src/*.rs | sha256sum | cut -c1-16)
bin="$CACHE/surreal/bin/surreal-$key"
if [ ! -x "$bin" ]; then
  echo "== building SurrealDB's server (once; cached as $bin)" >&2
  t0=$(date +%s)
  CARGO_TARGET_DIR="$CACHE/surreal/target" cargo build --release --locked \
    --manifest-path "$ROOT/server/surreal/Cargo.toml" >&2
  mkdir -p "$CACHE/surreal/bin"
  cp "$CACHE/surreal/target/release/surreal" "$bin.tmp" && mv "$bin.tmp" "$bin"
  echo "== SurrealDB's server built in $(( $(date +%s) - t0 )) s" >&2
fi
echo "$bin"
