#!/usr/bin/env bash
# Runs a command with a reachable Redis: uses REDIS_URL (or 127.0.0.1:6379) when it answers,
# otherwise starts a throw-away local redis-server on a free port (no persistence) and stops it
# afterwards. Never touches data outside the caller's key prefix.
set -euo pipefail

url="${REDIS_URL:-redis://127.0.0.1:6379}"

reachable() {
  node -e '
    const u = new URL(process.argv[1]);
    const s = require("net").createConnection({ host: u.hostname || "127.0.0.1", port: Number(u.port || 6379) });
    const t = setTimeout(() => process.exit(1), 1500);
    s.on("connect", () => { s.write("PING\r\n"); });
    s.on("data", (d) => { clearTimeout(t); s.destroy(); process.exit(String(d).startsWith("+PONG") || String(d).startsWith("-NOAUTH") ? 0 : 1); });
    s.on("error", () => process.exit(1));
  ' "$1"
}

if reachable "$url"; then
  export REDIS_URL="$url"
  exec "$@"
fi

if ! command -v redis-server >/dev/null 2>&1; then
  echo "driftwarden needs Redis (>= 6.2) and none answers at $url." >&2
  echo "Either start one and set REDIS_URL, or install the server so this script can start one:" >&2
  echo "  Debian/Ubuntu: sudo apt-get install -y redis-server" >&2
  echo "  macOS:         brew install redis" >&2
  exit 1
fi

port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})')
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" --daemonize no \
  --logfile "$dir/redis.log" &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
export REDIS_URL="redis://127.0.0.1:$port"
for _ in $(seq 1 50); do
  reachable "$REDIS_URL" && break
  sleep 0.1
done
reachable "$REDIS_URL" || { echo "started redis-server on port $port but it does not answer; see $dir/redis.log" >&2; exit 1; }
echo "(started a local redis-server at $REDIS_URL for this run)" >&2
"$@"
