#!/usr/bin/env bash
# What refusing bad input costs the server (issue items 7 and 8): a 5,000-item permissions array
# (refused by maxItems), a 1,000-item one (at the limit, so every item is checked), and a 20 MB body
# (declared, refused by OPTIMA_MAX_BODY_BYTES). Prints status and wall time per request, on
# loopback against SQLite.
#
#   scripts/input_cost.sh                 # the debug build (cargo build -p optima-server)
#   OPTIMA_COST_PROFILE=release scripts/input_cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${OPTIMA_COST_PROFILE:-debug}
PORT=${OPTIMA_COST_PORT:-3922}
if [ "$PROFILE" = release ]; then cargo build -q --release -p optima-server; else cargo build -q -p optima-server; fi
BIN=target/$PROFILE/optima-server
work=$(mktemp -d)
export OPTIMA_DATA_DIR=$work/data OPTIMA_LISTEN=127.0.0.1:$PORT OPTIMA_SYNC_INTERVAL=0 OPTIMA_LOG=error
unset OPTIMA_DATABASE_URL OPTIMA_VAULT_KEYS
"$BIN" migrate
"$BIN" serve &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" > /dev/null 2>&1 && break; sleep 0.1; done
token=$("$BIN" token --email cost@example.com --role admin)

items() { # count, item
  python3 -c "import json,sys; print(json.dumps({'title':'Cost','moniker':'cost-'+sys.argv[1],'permissions':[sys.argv[2]]*int(sys.argv[1])}))" "$1" "$2" > "$work/body.json"
}
post() { # label, extra curl args...
  local label=$1; shift
  for run in 1 2 3; do
    curl -s -o "$work/out" -w "$label run $run: %{http_code} in %{time_total}s\n" \
      -X POST "http://127.0.0.1:$PORT/v1/role" -H "authorization: Bearer $token" \
      -H 'content-type: application/json' "$@"
    head -c 160 "$work/out"; echo
    curl -s -o /dev/null -X DELETE "http://127.0.0.1:$PORT/v1/role/cost-1000" -H "authorization: Bearer $token"
  done
}
items 5000 user.read
post "5,000 grants (over maxItems)" --data-binary @"$work/body.json"
items 1000 user.read
post "1,000 grants (at maxItems)" --data-binary @"$work/body.json"
head -c 20000000 /dev/zero | tr '\0' ' ' > "$work/big.json"
post "20 MB body, Content-Length" --data-binary @"$work/big.json"
post "20 MB body, chunked" -H 'transfer-encoding: chunked' --data-binary @"$work/big.json"
