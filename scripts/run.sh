#!/usr/bin/env bash
# Sets up and runs the main job on the embedded default: the reference
# backend (backend/) with its SQLite database in data/callrisk.db and the
# seed's model trained at start-up, serving the seed's POST /score and the
# scoreCaller endpoints on http://127.0.0.1:8000 (PORT, HOST, CALLRISK_DB
# override). Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --backend
scripts/build-wasm.sh --module-only >/dev/null
cat >&2 <<'EOT'
dashboard: http://127.0.0.1:8000/   (see README "The dashboard")
try:
  curl -s localhost:8000/score -H 'content-type: application/json' -d '{"spam_reports":5,"has_consent":false,"call_attempts_24h":10}'
  curl -s localhost:8000/calls -H 'content-type: application/json' -d '{"caller_number":"+15551234567"}'
  curl -s localhost:8000/score-caller -H 'content-type: application/json' -H 'Idempotency-Key: call-1' \
       -d '{"caller_number":"+15551234567","spam_reports":2,"has_consent":false}'
  curl -s localhost:8000/model
  curl -s -X POST localhost:8000/audit -H "authorization: Bearer $(cat data/admin-token)"   # admin routes need the token
EOT
exec node backend/src/server.js
