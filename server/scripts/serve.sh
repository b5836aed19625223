#!/usr/bin/env bash
# Installs what is missing, builds, and serves Parabéns on http://127.0.0.1:3000
# (embedded SurrealDB under ./data). First start: user "admin", password from
# PARABENS_ADMIN_PASSWORD, or generated and printed once in the log.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
server/scripts/build.sh
PROFILE=${PROFILE:-debug}
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
mkdir -p data
export LEPTOS_OUTPUT_NAME=parabens LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg
export LEPTOS_SITE_ADDR=${LEPTOS_SITE_ADDR:-127.0.0.1:3000}
exec "$TARGET_DIR/$PROFILE/parabens"
