#!/usr/bin/env bash
# Load figures: GET /v1/user/@me (with an access token and with an API key) and list routes
# against GET /v1/teapot in the same run, 64 connections, a bounded time each, on SQLite and (when
# a URL is given) PostgreSQL.
# Loopback only. Needs wrk (installed from Debian if missing) and a release build.
#
#   scripts/load.sh                      # SQLite only
#   OPTIMA_LOAD_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test scripts/load.sh
#   OPTIMA_LOAD_SECONDS=10 scripts/load.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${OPTIMA_LOAD_SECONDS:-10}
CONNECTIONS=64
PORT=${OPTIMA_LOAD_PORT:-3921}
BIN=target/release/optima-server

command -v wrk > /dev/null || { apt-get update -qq && apt-get install -y -qq wrk > /dev/null; }
cargo build -q --release -p optima-server

run_backend() {
  local name=$1 url=$2 work
  work=$(mktemp -d)
  export OPTIMA_DATA_DIR=$work/data OPTIMA_LISTEN=127.0.0.1:$PORT OPTIMA_SYNC_INTERVAL=0 OPTIMA_LOG=error
  if [ -n "$url" ]; then export OPTIMA_DATABASE_URL=$url; else unset OPTIMA_DATABASE_URL; fi
  "$BIN" migrate
  "$BIN" serve &
  local pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1 && break; sleep 0.1; done
  local token
  token=$("$BIN" token --email load@example.com --role admin)
  local key
  key=$(curl -fs -X POST "http://127.0.0.1:$PORT/v1/api-keys" -H "Authorization: Bearer $token" \
    -H 'content-type: application/json' -d '{"name": "load", "permissions": ["*"]}' \
    | sed -n 's/.*"key":"\(optima_[^"]*\)".*/\1/p')
  echo "== $name ($CONNECTIONS connections, ${SECONDS_EACH}s each)"
  printf '%-32s %12s %10s %10s\n' route requests/s p50 p99
  for row in "/v1/teapot $token" "/v1/user/@me $token" "/v1/user/@me|API-key $key" \
    "/v1/role $token" "/v1/company/companies?rpp=30 $token"; do
    local label=${row%% *} credential=${row#* } route out
    route=${label%%|*}
    out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_EACH}s" --latency -H "Authorization: Bearer $credential" "http://127.0.0.1:$PORT$route")
    printf '%-32s %12s %10s %10s\n' "${label/|/ with an }" \
      "$(awk '/Requests\/sec/ {print $2}' <<< "$out")" \
      "$(awk '$1 == "50%" {print $2}' <<< "$out")" \
      "$(awk '$1 == "99%" {print $2}' <<< "$out")"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}

run_backend SQLite ""
if [ -n "${OPTIMA_LOAD_POSTGRES_URL:-}" ]; then
  # A schema of its own, so repeated runs start clean.
  schema=load_$(date +%s)
  psql "$OPTIMA_LOAD_POSTGRES_URL" -qc "CREATE SCHEMA $schema" > /dev/null
  run_backend PostgreSQL "$OPTIMA_LOAD_POSTGRES_URL?options=-c%20search_path%3D$schema"
  psql "$OPTIMA_LOAD_POSTGRES_URL" -qc "SET client_min_messages = warning; DROP SCHEMA $schema CASCADE" > /dev/null
fi
