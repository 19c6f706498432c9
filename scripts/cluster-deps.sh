#!/usr/bin/env bash
# What `make cluster-test` needs from Debian: the Postgres server (initdb, pg_ctl, pg_isready) and Redis
# (redis-server, redis-cli). Installs what is missing (as root, through apt); no service is started: the test
# starts its own servers on 127.0.0.1 under a temporary folder.
set -euo pipefail

missing=()
compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || missing+=(redis-server)
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
    echo "cluster-deps: ${missing[*]} not installed, and installing needs root: apt-get install ${missing[*]}" >&2
    exit 2
fi
apt-get update -qq
# policy-rc.d: install the packages without starting their system services (unless one is already in place)
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
