#!/usr/bin/env bash
# One command for a newcomer: install what is missing, then run `slate demo`
# (embedded Kafka-protocol broker, a private ClickHouse, generated tickets,
# ingest, and the HTTP endpoints on localhost). Flags go to `slate demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh
exec go run ./cmd/slate demo "$@"
