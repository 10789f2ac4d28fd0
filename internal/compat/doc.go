// Package compat holds the test that every statement Slate sends runs on
// ClickHouse 18.16 (Debian's server, the one the other tests start) and on
// current ClickHouse (chDB, in-process) with the same results. It has no
// code of its own: see compat_test.go and docs/clickhouse.md.
package compat
