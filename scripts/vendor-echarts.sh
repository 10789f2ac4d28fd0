#!/usr/bin/env bash
# Vendors Apache ECharts into dashboards/assets/, so the dashboards load it from
# Slate's own binary (dashboards.AssetsHandler) instead of a CDN.
#
#   Pinned: echarts 5.4.3 (npm), the version go-echarts v2.6.7 is written for
#   (its README and docs/en-us/dive-into.md: "we support echarts' version is
#   v5.4.3"); zrender is the exact version echarts' package.json pins (5.4.4).
#
# What it does, in a temp dir that is removed afterwards (no node_modules or
# package.json ever appear in the repo):
#   npm pack echarts@5.4.3  -> package/dist/echarts.min.js, package/LICENSE,
#                              package/NOTICE, package/licenses/LICENSE-d3
#   npm pack zrender@<pin>  -> package/LICENSE (zrender is bundled inside
#                              echarts.min.js under BSD-3-Clause)
# and copies them to dashboards/assets/ as echarts.min.js, LICENSE, NOTICE,
# LICENSE-d3 and LICENSE-zrender. npm checks each tarball against the
# registry's integrity hash; this script then checks every file against
# dashboards/assets/SHA256SUMS (committed), and fails without touching the
# assets when any differs.
#
# Usage:
#   scripts/vendor-echarts.sh            re-vendor and verify against SHA256SUMS
#   scripts/vendor-echarts.sh --update   re-vendor and rewrite SHA256SUMS (only
#                                        when deliberately changing the version
#                                        pinned above; review the diff)
#   scripts/vendor-echarts.sh --check    only verify the files in the repo
#
# go-echarts loads "{{AssetsHost}}echarts.min.js" for every 2D chart. It also
# loads, only when asked for, themes/<name>.js (a preset theme other than
# white/dark), maps/<name>.js (a preset map), and echarts@4.min.js plus
# echarts-gl / echarts-wordcloud / echarts-liquidfill (3D, word cloud and
# liquid charts). None of those are vendored: Slate's dashboards must not use
# them, or they will 404.
set -euo pipefail

echarts_version=5.4.3

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
assets="${repo_root}/dashboards/assets"
sums="${assets}/SHA256SUMS"

say() { printf 'vendor-echarts: %s\n' "$*"; }
die() { printf 'vendor-echarts: error: %s\n' "$*" >&2; exit 1; }

mode=verify
case "${1:-}" in
"") ;;
--update) mode=update ;;
--check) mode=check ;;
*) die "usage: $0 [--update|--check]" ;;
esac

if [[ ${mode} == check ]]; then
	[[ -f ${sums} ]] || die "${sums} missing"
	(cd "${assets}" && sha256sum --quiet --strict -c SHA256SUMS) || die "dashboards/assets differ from SHA256SUMS"
	say "dashboards/assets match SHA256SUMS"
	exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm not found"
command -v sha256sum >/dev/null 2>&1 || die "sha256sum not found"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT

# pack_into NAME@VERSION DIR: download the npm tarball (verified by npm against
# the registry's integrity hash) and unpack it into DIR/package.
pack_into() {
	local spec=$1 dir=$2 tgz
	mkdir -p "${dir}"
	tgz="$(cd "${dir}" && npm pack --silent "${spec}" 2>/dev/null | tail -n 1)" || die "npm pack ${spec} failed"
	[[ -f ${dir}/${tgz} ]] || die "npm pack ${spec} produced no tarball"
	tar -xzf "${dir}/${tgz}" -C "${dir}"
}

pack_into "echarts@${echarts_version}" "${work}/echarts"
pkg="${work}/echarts/package"
got_version="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "${pkg}/package.json" | head -n 1)"
[[ ${got_version} == "${echarts_version}" ]] || die "npm gave echarts ${got_version}, want ${echarts_version}"
zrender_version="$(sed -n 's/^ *"zrender": *"\([0-9][^"]*\)".*/\1/p' "${pkg}/package.json" | head -n 1)"
[[ -n ${zrender_version} ]] || die "cannot read the zrender pin from echarts' package.json"
pack_into "zrender@${zrender_version}" "${work}/zrender"

out="${work}/out"
mkdir -p "${out}"
cp "${pkg}/dist/echarts.min.js" "${out}/echarts.min.js"
cp "${pkg}/LICENSE" "${out}/LICENSE"
[[ -f ${pkg}/NOTICE ]] && cp "${pkg}/NOTICE" "${out}/NOTICE"
[[ -f ${pkg}/licenses/LICENSE-d3 ]] && cp "${pkg}/licenses/LICENSE-d3" "${out}/LICENSE-d3"
cp "${work}/zrender/package/LICENSE" "${out}/LICENSE-zrender"
(cd "${out}" && sha256sum -- * >"${work}/SHA256SUMS.new")

if [[ ${mode} == verify ]]; then
	[[ -f ${sums} ]] || die "${sums} missing; run with --update to create it"
	if ! diff -u "${sums}" "${work}/SHA256SUMS.new" >&2; then
		die "echarts ${echarts_version} from npm differs from dashboards/assets/SHA256SUMS"
	fi
fi

mkdir -p "${assets}"
cp "${out}"/* "${assets}/"
cp "${work}/SHA256SUMS.new" "${sums}"
(cd "${assets}" && sha256sum --quiet --strict -c SHA256SUMS) || die "copied files do not match SHA256SUMS"
say "vendored echarts ${echarts_version} (zrender ${zrender_version}) into dashboards/assets ($(wc -c <"${assets}/echarts.min.js") bytes echarts.min.js)"
