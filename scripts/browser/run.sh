#!/usr/bin/env bash
# Sign-in with Microsoft in a real browser: headless Chromium (Debian's `chromium`) driven by
# playwright-core signs in against a stand-in Microsoft authority on loopback
# (fake_microsoft.mjs), a refused sign-in shows a readable page, and Swagger UI's "Try it out"
# works with the token. The checks themselves are in signin.mjs.
# Usage: scripts/browser/run.sh   (from anywhere; installs chromium with apt-get when
# /usr/bin/chromium is missing, which needs root, and the pinned npm packages; builds the server)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=$(mktemp -d)

cleanup() {
  local status=$?
  # `|| true`: errexit is on in this trap too, and a killed process's status is not a failure.
  if [ -n "${SERVER_PID:-}" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "${STAND_IN_PID:-}" ]; then kill "$STAND_IN_PID" 2>/dev/null || true; wait "$STAND_IN_PID" 2>/dev/null || true; fi
  if [ "$status" -ne 0 ] && [ -s "$WORK/server.log" ]; then
    echo "-- the server's log (last 40 lines)" >&2
    tail -n 40 "$WORK/server.log" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "FAIL browser checks: $*" >&2
  exit 1
}

# Waits up to 30 s for the server (process $1) to answer 200 on $2, giving up early if it exits.
wait_for_server() {
  local pid=$1 url=$2
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || fail "the server exited before answering (its log is below)"
    node -e 'fetch(process.argv[1], {signal: AbortSignal.timeout(1000)}).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$url" && return 0
    sleep 0.1
  done
  fail "the server did not answer at $url within 30 s"
}

for tool in node npm cargo; do
  command -v "$tool" > /dev/null || fail "$tool is needed"
done
# The server below is configured here alone: no OPTIMA_* of the caller's (a database URL, a
# config file, a public URL) may leak into it.
for name in $(compgen -e); do
  case $name in OPTIMA_*) unset "$name" ;; esac
done

if [ ! -x /usr/bin/chromium ]; then
  echo "-- installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || fail "apt-get update failed"
  apt-get install -y -qq chromium > "$WORK/apt.log" 2>&1 || { tail -n 20 "$WORK/apt.log" >&2; fail "apt-get install chromium failed"; }
fi

echo "-- npm packages (playwright-core, ws; pinned in package-lock.json)"
(cd "$HERE" && npm ci --silent --no-audit --no-fund) || fail "npm ci in $HERE failed"

echo "-- building the server"
(cd "$ROOT" && cargo build -q -p optima-server) || fail "cargo build -p optima-server failed"
TARGET=${CARGO_TARGET_DIR:-target}
case $TARGET in /*) ;; *) TARGET=$ROOT/$TARGET ;; esac
BIN=$TARGET/debug/optima-server
[ -x "$BIN" ] || fail "no server binary at $BIN"

# A free loopback port for the server: the redirect URL names it, so it is chosen up front.
SERVER_PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
BASE=http://127.0.0.1:$SERVER_PORT

export OPTIMA_MICROSOFT_TENANT_ID=browser-tenant
export OPTIMA_MICROSOFT_CLIENT_ID=browser-client
export OPTIMA_MICROSOFT_CLIENT_SECRET=browser-client-secret
export OPTIMA_MICROSOFT_REDIRECT_URL=$BASE/v1/auth/redirect
export FAKE_MICROSOFT_EMAIL=browser-tech@example.com

STARTED=$SECONDS
echo "-- stand-in Microsoft authority and Graph"
node "$HERE/fake_microsoft.mjs" "$WORK/stand-in.port" > "$WORK/stand-in.log" 2>&1 &
STAND_IN_PID=$!
for _ in $(seq 100); do
  [ -s "$WORK/stand-in.port" ] && break
  kill -0 "$STAND_IN_PID" 2>/dev/null || { cat "$WORK/stand-in.log" >&2; fail "the stand-in exited"; }
  sleep 0.1
done
[ -s "$WORK/stand-in.port" ] || fail "the stand-in did not start listening within 10 s"
STAND_IN=http://127.0.0.1:$(cat "$WORK/stand-in.port")

echo "-- server on $BASE (SQLite in a fresh data dir)"
export OPTIMA_DATA_DIR=$WORK/data
export OPTIMA_LISTEN=127.0.0.1:$SERVER_PORT
export OPTIMA_SYNC_INTERVAL=0
export OPTIMA_LOG=info
export OPTIMA_BOOTSTRAP_ADMINS=$FAKE_MICROSOFT_EMAIL
export OPTIMA_MICROSOFT_AUTHORITY_URL=$STAND_IN/login
export OPTIMA_MICROSOFT_GRAPH_URL=$STAND_IN/graph
"$BIN" serve > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_for_server "$SERVER_PID" "$BASE/healthz"

echo "-- headless Chromium"
OPTIMA_URL=$BASE FAKE_MICROSOFT_URL=$STAND_IN BROWSER_ARTIFACTS=$TARGET/browser \
  node "$HERE/signin.mjs" || fail "see above"
echo "-- browser checks passed in $((SECONDS - STARTED)) s (after installs and the build)"
