#!/usr/bin/env bash
# Installs the third-party programs Slate's tests and `slate demo` run as real
# servers: ClickHouse (Debian's clickhouse-server/clickhouse-client) and the jars
# of an Apache Kafka 3.9.1 broker (from Maven Central, run with the system Java).
#
# Usage: scripts/install-deps.sh [--demo]
#   --demo  only what `slate demo` runs (scripts/demo.sh): ClickHouse and the
#           time zone data. The demo's broker is embedded; nothing else is needed.
#   (none)  everything the full test suite (scripts/test.sh) runs as well.
#
# Idempotent: everything already present is only reported, so a second run takes
# well under a second. Prints one line per dependency. Runs as root, or as a user
# with sudo (used for apt-get only; the Kafka jars go to that user's cache).
#
# Environment:
#   SLATE_KAFKA_LIBS  where to put the Kafka jars; default
#                     ${XDG_CACHE_HOME:-$HOME/.cache}/slate/kafka-3.9.1/libs
#                     (internal/testkit looks in the same place).
#   SLATE_CHDB_VENV   the Python virtual environment with chDB; default
#                     ${XDG_CACHE_HOME:-$HOME/.cache}/slate/chdb-venv
#                     (internal/compat looks in the same place).
set -euo pipefail

mode=all
case "${1:-}" in
"") ;;
--demo) mode=demo ;;
*)
	printf 'usage: %s [--demo]\n' "$0" >&2
	exit 2
	;;
esac

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

kafka_version=3.9.1
kafka_libs="${SLATE_KAFKA_LIBS:-${XDG_CACHE_HOME:-$HOME/.cache}/slate/kafka-${kafka_version}/libs}"
# Jars whose presence means the cache is complete: the broker itself and the
# SLF4J binding (an older cache without it would run a broker that logs nothing).
kafka_marker_jars=("kafka_2.13-${kafka_version}.jar" "slf4j-reload4j-1.7.36.jar")

say() { printf 'install-deps: %s\n' "$*"; }
die() { printf 'install-deps: error: %s\n' "$*" >&2; exit 1; }

# as_root runs a command as root: directly when we are root, else through sudo.
as_root() {
	if [[ ${EUID} -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root or sudo to run: $*"
	fi
}

# apt_install installs Debian packages; apt-get update runs at most once per run
# because the package lists may be missing or stale on a fresh machine.
apt_updated=
apt_install() {
	if [[ -z ${apt_updated} ]]; then
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
		apt_updated=1
	fi
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# cmd_path prints where a program is: on PATH, or in one of the sbin dirs, which
# are not on a normal user's PATH (Debian puts clickhouse-server in /usr/sbin).
cmd_path() {
	local p
	for p in "$(command -v "$1" 2>/dev/null || true)" "/usr/sbin/$1" "/sbin/$1"; do
		if [[ -n ${p} && -x ${p} ]]; then
			echo "${p}"
			return 0
		fi
	done
	return 1
}

# ensure_pkg CMD PACKAGE: install PACKAGE from Debian when CMD is missing.
ensure_pkg() {
	local cmd=$1 pkg=$2
	local path
	if path="$(cmd_path "${cmd}")"; then
		say "found ${cmd} (${path})"
		return
	fi
	apt_install "${pkg}"
	path="$(cmd_path "${cmd}")" || die "installed ${pkg} but ${cmd} is still missing"
	say "installed ${pkg} (${path})"
}

# --- ClickHouse (warehouse/chserver) ----------------------------------------
# Debian 12 ships 18.16.1; Slate's SQL runs on it and on current releases
# (README, "ClickHouse versions").
ensure_pkg clickhouse-server clickhouse-server
ensure_pkg clickhouse-client clickhouse-client
# The reports' time zones come from the system (and stand in for the runtime
# image's in deploy/deploy_test.go).
if [[ -d /usr/share/zoneinfo/Asia ]]; then
	say "found tzdata"
else
	apt_install tzdata
	say "installed tzdata"
fi
if [[ ${mode} == demo ]]; then
	say "ready for the demo (the tests need more: run without --demo)"
	exit 0
fi

# --- Java and Maven (Kafka broker in internal/testkit) ----------------------
# Both come preinstalled on the project's machines; this only covers a bare one.
ensure_pkg java default-jre-headless
ensure_pkg mvn maven

# --- Kafka 3.9.1 broker jars ---------------------------------------------------
kafka_complete() {
	local jar
	for jar in "${kafka_marker_jars[@]}"; do
		[[ -f ${kafka_libs}/${jar} ]] || return 1
	done
}

if kafka_complete; then
	say "found kafka ${kafka_version} jars (${kafka_libs})"
else
	# Copy into a staging dir and rename it into place, so an interrupted run
	# never leaves a half-filled libs dir that would pass the check above.
	mkdir -p "$(dirname "${kafka_libs}")"
	staging="$(mktemp -d "${kafka_libs}.tmp.XXXXXX")"
	mvn_log="$(mktemp)"
	trap 'rm -rf "${staging}" "${mvn_log}"' EXIT
	if ! mvn -q -B -f "${repo_root}/scripts/kafka-jars/pom.xml" \
		dependency:copy-dependencies \
		-DoutputDirectory="${staging}" -DincludeScope=runtime >"${mvn_log}" 2>&1; then
		cat "${mvn_log}" >&2
		die "mvn could not fetch the kafka ${kafka_version} jars"
	fi
	rm -rf "${kafka_libs}"
	mv "${staging}" "${kafka_libs}"
	kafka_complete || die "kafka jars copied to ${kafka_libs} but ${kafka_marker_jars[*]} missing"
	say "installed kafka ${kafka_version} jars ($(find "${kafka_libs}" -name '*.jar' | wc -l) jars in ${kafka_libs})"
fi

# --- Deployment files (deploy/deploy_test.go) --------------------------------
# docker-compose validates deploy/compose/compose.yaml (`config`; no Docker
# engine needed), systemd-analyze verifies deploy/systemd/*.service, wget runs
# the Compose health checks.
ensure_pkg docker-compose docker-compose
ensure_pkg systemd-analyze systemd
ensure_pkg wget wget

# --- ZooKeeper (internal/testkit.ZooKeeperServer: the ClickHouse cluster
# tests, warehouse/cluster_integration_test.go) ------------------------------
# Debian's package; the tests run its jar standalone with the system Java
# (no service is used: Debian starts none without systemd).
ensure_pkg /usr/share/zookeeper/bin/zkServer.sh zookeeper

# --- Later additions --------------------------------------------------------
# --- Mailpit (internal/testkit.Mailpit: the SMTP server of the e-mailed
# report tests, with STARTTLS, authentication and an HTTP API to read what
# arrived). Built from the Go module proxy into $(go env GOPATH)/bin, where
# the harness looks after PATH. Pinned: the tests read its API.
mailpit_version=v1.27.11
gobin="$(go env GOBIN)"
gobin="${gobin:-$(go env GOPATH)/bin}"
if mailpit_path="$(command -v mailpit 2>/dev/null || true)" && [[ -n ${mailpit_path} ]] || [[ -x ${gobin}/mailpit ]]; then
	say "found mailpit (${mailpit_path:-${gobin}/mailpit})"
else
	go install "github.com/axllent/mailpit@${mailpit_version}" || die "go install mailpit ${mailpit_version} failed"
	[[ -x ${gobin}/mailpit ]] || die "go install reported success but ${gobin}/mailpit is missing"
	say "installed mailpit ${mailpit_version} (${gobin}/mailpit)"
fi

# --- Chromium (internal/testkit.Chromium: headless dashboards, PNG/PDF) -------
# Debian's chromium (/usr/bin/chromium, a launcher script that execs
# /usr/lib/chromium/chromium). DejaVu is the fonts pages and charts render
# with; it covers Vietnamese and Cyrillic (Russian) text.
ensure_pkg chromium chromium
# Fonts have no command to look for: ask dpkg.
if [[ $(dpkg-query -W -f='${Status}' fonts-dejavu-core 2>/dev/null || true) == "install ok installed" ]]; then
	say "found fonts-dejavu-core"
else
	apt_install fonts-dejavu-core
	say "installed fonts-dejavu-core"
fi
# --- LibreOffice (end-to-end test: exported workbooks open in a real
# spreadsheet program and convert to CSV with the same values) -------------
# The headless Calc package is ~100 MB with its dependencies, not the ~1 GB
# of the desktop suite.
ensure_pkg soffice libreoffice-calc-nogui

# --- chDB (internal/compat: every statement Slate sends is replayed on a
# current ClickHouse, in-process, and compared with 18.16) ------------------
# chdb-core from PyPI into a virtual environment of the project's own, so the
# system Python stays untouched. Pinned: docs/clickhouse.md names the version
# the tests verify, and deploy/compose runs the same major.minor.
chdb_version=26.9.0
chdb_venv="${SLATE_CHDB_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/slate/chdb-venv}"
chdb_installed() {
	[[ -x ${chdb_venv}/bin/python ]] &&
		[[ $("${chdb_venv}/bin/python" -c 'import importlib.metadata as m; print(m.version("chdb-core"))' 2>/dev/null) == "${chdb_version}" ]]
}
if chdb_installed; then
	say "found chdb-core ${chdb_version} (${chdb_venv})"
else
	# Debian's python3 needs python3-venv for `python3 -m venv` (ensurepip).
	if ! cmd_path python3 >/dev/null || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
		apt_install python3 python3-venv
	fi
	mkdir -p "$(dirname "${chdb_venv}")"
	python3 -m venv "${chdb_venv}" || die "could not create the virtual environment ${chdb_venv}"
	pip_log="$(mktemp)"
	if ! "${chdb_venv}/bin/python" -m pip install -q --disable-pip-version-check "chdb-core==${chdb_version}" >"${pip_log}" 2>&1; then
		cat "${pip_log}" >&2
		rm -f "${pip_log}"
		die "pip could not install chdb-core ${chdb_version} into ${chdb_venv}"
	fi
	rm -f "${pip_log}"
	chdb_installed || die "installed chdb-core but ${chdb_venv} does not report version ${chdb_version}"
	say "installed chdb-core ${chdb_version} (${chdb_venv})"
fi
