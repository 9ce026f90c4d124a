#!/usr/bin/env bash
# Start an Oxigraph SPARQL server for the remote-backend tests, installing it with pip if needed.
#
#   .ci/oxigraph-server.sh --which            print the path of the `oxigraph` binary (installing it if needed)
#   .ci/oxigraph-server.sh DIR PORT [ARGS..]  start `oxigraph serve --location DIR --bind 127.0.0.1:PORT ARGS`
#                                             in the background, wait until it answers, print the query endpoint;
#                                             its process id goes to DIR.pid, its log to DIR.log
#
# The `oxigraph` PyPI package ships the server binary (not the pyoxigraph library). PYTHON selects the
# interpreter whose pip installs it (default: python3); OXIGRAPH_TIMEOUT_S the server's query time limit (30);
# OXIGRAPH_WAIT_S how long to wait for it to answer (60; opening a big store takes a while).
set -euo pipefail

PYTHON="${PYTHON:-python3}"

find_oxigraph() {
  if command -v oxigraph >/dev/null 2>&1; then command -v oxigraph; return 0; fi
  local scripts
  scripts="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
  if [ -x "$scripts/oxigraph" ]; then echo "$scripts/oxigraph"; return 0; fi
  local user_scripts
  user_scripts="$("$PYTHON" -c 'import site, os; print(os.path.join(site.getuserbase(), "bin"))')"
  if [ -x "$user_scripts/oxigraph" ]; then echo "$user_scripts/oxigraph"; return 0; fi
  return 1
}

ensure_oxigraph() {
  if find_oxigraph; then return 0; fi
  echo "oxigraph-server.sh: installing the oxigraph server with $PYTHON -m pip" >&2
  "$PYTHON" -m pip install -q oxigraph >&2 || "$PYTHON" -m pip install -q --user oxigraph >&2 || {
    echo "oxigraph-server.sh: could not pip-install the oxigraph package" >&2
    return 1
  }
  find_oxigraph
}

if [ "${1:-}" = "--which" ]; then
  ensure_oxigraph
  exit $?
fi

if [ $# -lt 2 ]; then
  sed -n '2,10p' "$0" >&2
  exit 2
fi
DIR="$1"
PORT="$2"
shift 2

BIN="$(ensure_oxigraph)"
mkdir -p "$DIR"
"$BIN" serve --location "$DIR" --bind "127.0.0.1:$PORT" --timeout-s "${OXIGRAPH_TIMEOUT_S:-30}" "$@" \
  >"$DIR.log" 2>&1 &
PID=$!
echo "$PID" >"$DIR.pid"

ENDPOINT="http://127.0.0.1:$PORT/query"
WAIT_S="${OXIGRAPH_WAIT_S:-60}"
for _ in $(seq 1 $((WAIT_S * 10))); do
  if ! kill -0 "$PID" 2>/dev/null; then
    echo "oxigraph-server.sh: the server exited; its log ($DIR.log):" >&2
    cat "$DIR.log" >&2
    exit 1
  fi
  if "$PYTHON" - "$ENDPOINT" <<'PY' 2>/dev/null; then
import sys, urllib.parse, urllib.request
urllib.request.urlopen(sys.argv[1] + "?" + urllib.parse.urlencode({"query": "ASK {}"}), timeout=1).read()
PY
    echo "$ENDPOINT"
    exit 0
  fi
  sleep 0.1
done
echo "oxigraph-server.sh: the server did not answer at $ENDPOINT within $WAIT_S s" >&2
kill "$PID" 2>/dev/null || true
exit 1
