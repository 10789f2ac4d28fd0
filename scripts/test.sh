#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what is missing, then runs
# every test of every package against real servers the tests start themselves
# (private ClickHouse processes, an Apache Kafka broker in KRaft mode).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-deps.sh

echo "== go vet"
go vet ./...

# -p 1: the integration packages each start their own servers; on two cores
# running them side by side only makes every one of them slower and noisier.
echo "== go test"
go test -count=1 -p 1 -timeout 45m ./...

# A short run of the decoder fuzzer on top of its seed corpus (which the
# plain run above already replays).
echo "== fuzz event decoder (20s)"
go test -run='^$' -fuzz='^FuzzDecode$' -fuzztime=20s ./event/
