#!/usr/bin/env bash
# One command for a newcomer: install what the demo runs if missing
# (ClickHouse), then run `slate demo` (embedded Kafka-protocol broker, a
# private ClickHouse, generated tickets, ingest, and the HTTP endpoints on
# localhost). Flags go to `slate demo`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh --demo
# Build and exec the binary (not `go run`): Ctrl-C and SIGTERM then reach
# slate itself, which stops ingest and its ClickHouse cleanly.
go build -o bin/slate ./cmd/slate
exec bin/slate demo "$@"
