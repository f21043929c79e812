#!/usr/bin/env bash
# Simulated traffic for the model lifecycle against a running backend
# (start one with scripts/run.sh): seeded callers call over simulated days
# (POST /calls + POST /score-caller), outcomes follow in simulated time
# (POST /outcomes). Progress on stderr, a JSON summary on stdout; --help.
# The admin token comes from $CALLRISK_ADMIN_TOKEN (--admin-token-env NAME),
# else from the server's data/admin-token; never from the command line.
# Only node's standard library is used (no npm install needed for it).
set -euo pipefail
exec node "$(dirname "$0")/../backend/sim/cli.mjs" "$@"
