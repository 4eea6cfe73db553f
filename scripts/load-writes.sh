#!/usr/bin/env bash
# Write load on the embedded default: POST /v1/credential/credentials at 64 connections for a
# bounded time against SQLite, each request a new credential with a secure field. Reports
# creates per second, p50/p99, and every response that was not a 201 (there should be none),
# then checks the database holds at least as many credentials as wrk saw created.
# Loopback only. Needs wrk and sqlite3 (installed from Debian if missing) and a release build.
#
#   scripts/load-writes.sh
#   OPTIMA_LOAD_SECONDS=10 OPTIMA_LOAD_CONNECTIONS=64 scripts/load-writes.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${OPTIMA_LOAD_SECONDS:-10}
CONNECTIONS=${OPTIMA_LOAD_CONNECTIONS:-64}
PORT=${OPTIMA_LOAD_PORT:-3922}
BIN=target/release/optima-server
BASE=http://127.0.0.1:$PORT

missing=()
command -v wrk > /dev/null || missing+=(wrk)
command -v sqlite3 > /dev/null || missing+=(sqlite3)
if [ ${#missing[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${missing[@]}" > /dev/null; fi
cargo build -q --release -p optima-server

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export OPTIMA_DATA_DIR=$work/data OPTIMA_LISTEN=127.0.0.1:$PORT OPTIMA_SYNC_INTERVAL=0 OPTIMA_LOG=error
unset OPTIMA_DATABASE_URL
db=$OPTIMA_DATA_DIR/optima.db
"$BIN" migrate
# Credentials belong to a company; companies come from ConnectWise, so make one by hand.
sqlite3 "$db" "INSERT INTO companies (id, cw_id, identifier, name, search_key, created_at, updated_at)
  VALUES ('load', 1, 'load', 'Load Test Co', 'load test co load', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')"
"$BIN" serve &
pid=$!
for _ in $(seq 1 100); do curl -fs "$BASE/healthz" > /dev/null 2>&1 && break; sleep 0.1; done

TOKEN=$("$BIN" token --email load@example.com --role admin)
TYPE_ID=$(curl -fs -X POST "$BASE/v1/credential-type" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"name": "Load VPN", "permissionScope": "loadvpn", "icon": "https://example.com/vpn.ico",
       "fields": [
         {"id": "hostname", "name": "Hostname", "required": true, "secure": false, "valueType": "plain_text"},
         {"id": "password", "name": "Password", "required": true, "secure": true, "valueType": "password"}]}' \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["id"])')
export TOKEN TYPE_ID

cat > "$work/create.lua" <<'LUA'
-- Each request creates a credential with a name of its own (thread number, then a counter).
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end
local counter = 0
local headers = {
  ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
  ["Content-Type"] = "application/json",
}
local type_id = os.getenv("TYPE_ID")
request = function()
  counter = counter + 1
  local body = string.format(
    '{"name": "load %d-%d", "typeId": "%s", "companyId": "load", "fields": ['
      .. '{"fieldId": "hostname", "value": "vpn.example.com"}, {"fieldId": "password", "value": "pw-%d"}]}',
    thread_number, counter, type_id, counter)
  return wrk.format("POST", "/v1/credential/credentials", headers, body)
end
LUA

echo "== SQLite credential creates ($CONNECTIONS connections, ${SECONDS_RUN}s)"
out=$(wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 60s --latency -s "$work/create.lua" "$BASE/v1/credential/credentials")
requests=$(awk '/requests in/ {print $1}' <<< "$out")
non_2xx=$(awk '/Non-2xx or 3xx responses/ {print $NF}' <<< "$out")
socket_errors=$(awk '/Socket errors/ {print}' <<< "$out")
rows=$(sqlite3 "$db" "SELECT COUNT(*) FROM credentials")
printf '%-14s %10s %10s %10s %10s %12s\n' route creates/s p50 p99 errors "rows stored"
printf '%-14s %10s %10s %10s %10s %12s\n' "POST creds" \
  "$(awk '/Requests\/sec/ {print $2}' <<< "$out")" \
  "$(awk '$1 == "50%" {print $2}' <<< "$out")" \
  "$(awk '$1 == "99%" {print $2}' <<< "$out")" \
  "${non_2xx:-0}" "$rows"
echo "$requests responses${socket_errors:+; $socket_errors}"
# Every answered create is stored (requests still in flight when wrk stopped may add a few).
if [ -n "${non_2xx:-}" ] || [ -n "$socket_errors" ] || [ "$rows" -lt "$requests" ]; then
  echo "FAILED: errors, or fewer rows than created responses" >&2
  exit 1
fi
