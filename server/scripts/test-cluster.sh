#!/usr/bin/env bash
# The proof that several Parabéns instances share one SurrealDB server (README, "Several
# instances"): SurrealDB's own server (built once by surreal.sh, cached outside the clone)
# on loopback, two instances on it with the sandbox Opa! Suite, clients imported, and both
# schedulers running the agenda on a test clock: one tick a second, each tick standing for
# a minute (PARABENS_TICK_SECONDS=1), 100 ticks at least. One instance is killed with
# SIGKILL while it is sending and restarted. Prints one line,
#   cluster: instances=2 ticks=.. double_runs=0 double_greetings=0 lost=0 rate_ratio=.. live_lag_ms=..
# and fails if a tick ran twice, a client was greeted twice or not at all, the two together
# sent over the cap (rate_ratio > 1.02) or a change took 2 s or more to cross.
# Arguments go to `parabens bench cluster` (`--clients`, `--per-minute`, `--ticks`).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
SURREAL=$(server/scripts/surreal.sh)
# The binary the test command built (a no-op then), or built now.
cargo build -q -p app -p server --features app/ssr --bin parabens
echo "== cluster: two instances on $("$SURREAL" version 2>/dev/null | head -1 || echo SurrealDB)" >&2
"$TARGET_DIR/debug/parabens" bench cluster --surreal "$SURREAL" "$@"
