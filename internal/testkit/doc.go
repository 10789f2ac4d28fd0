// Package testkit starts the real servers that Slate's tests run against: a
// ClickHouse server (ClickHouse) and an Apache Kafka broker (KafkaBroker,
// StartKafka). It is imported only from _test.go files.
//
// # Why real servers
//
// Slate's value is in what it sends to Kafka and ClickHouse, so tests talk to
// the real programs over their real protocols instead of fakes: a fake would
// accept SQL that ClickHouse 18.16 rejects, or consumer-group behaviour Kafka
// does not have.
//
// # How
//
// Each helper starts a private server process for one test: its own temporary
// directory (config, data, logs), listening on free ports on 127.0.0.1, so
// tests and packages run in parallel without sharing state, and nothing is
// needed from the machine beyond the installed programs. The helpers wait on a
// real readiness check (ClickHouse: HTTP /ping; Kafka: a metadata request
// listing the broker), never a fixed sleep, and register t.Cleanup to stop the
// process and remove its directory.
//
// Every process is started in its own process group and, on Linux, with
// Pdeathsig=SIGKILL, so no clickhouse-server or JVM outlives a test binary
// that panicked, timed out or was killed.
//
// # Installing
//
// scripts/install-deps.sh installs what is missing: Debian's clickhouse-server
// and clickhouse-client (18.16.1), and the
// Kafka 3.9.1 jars from Maven Central into
// ${XDG_CACHE_HOME:-$HOME/.cache}/slate/kafka-3.9.1/libs (or $SLATE_KAFKA_LIBS),
// run with the system java.
//
// # Failing, not skipping
//
// When a server cannot start, the helpers fail the test (t.Fatalf) with the
// cause and the tail of the server's log. They never skip because a server
// is missing: a suite that skips itself on a machine without ClickHouse
// would look green while testing nothing.
//
// # The fast tier
//
// Under `go test -short` every helper skips its test at once (SkipShort),
// saying what it needed, and so do the packages that start shared servers
// in TestMain: the fast tier runs the unit, golden-SQL, property and
// fake-backed tests with no server at all. scripts/test.sh, the full tier,
// never passes -short.
//
// # Costs on the project's 2-core machines
//
// ClickHouse 18.16 is ready in about 0.1s and stops in about 1s. The Kafka
// broker (storage format, JVM start, group coordinator) is ready in 4-10s, and
// much later when the machine is busy (45s seen under a load of 20), hence
// its 90s limit; its cleanup kills it at once. A package with many Kafka tests
// should share one broker (StartKafka in TestMain) and create a topic per
// test.
package testkit
