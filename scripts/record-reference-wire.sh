#!/usr/bin/env bash
# Re-record tests/wire-fixtures from the reference Python SDKs (a manual step; CI only
# compares against the committed fixtures and needs no Python).
#
#   scripts/record-reference-wire.sh                 # every area
#   scripts/record-reference-wire.sh ops_aigc        # one area (module name in scripts/wire)
#
# Installs the pinned SDKs from PyPI into a throwaway virtualenv, then runs
# scripts/wire/record.py against a loopback recording server.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# WIRE_VENV=<dir> keeps (and reuses) the virtualenv between runs.
if [ -n "${WIRE_VENV:-}" ]; then
  venv="$WIRE_VENV"
else
  venv="$(mktemp -d)"
  trap 'rm -rf "$venv"' EXIT
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  huace-aigc-auth-client==1.1.45 authing==4.5.18 shangcloud-sdk==1.2.0
"$venv/bin/python" "$root/scripts/wire/record.py" --out "$root/tests/wire-fixtures" "$@"
