#!/usr/bin/env bash
# Runs a command against a throw-away local Redis Cluster of 3 masters (no replicas, no
# persistence) on free ports: `redis-server --cluster-enabled yes` x3, then
# `redis-cli --cluster create ... --cluster-yes`. Exports REDIS_URL (one node; the others are
# discovered) and DW_REDIS_CLUSTER=1, and stops the nodes afterwards.
#   bash scripts/with-redis-cluster.sh npx jest --selectProjects integration --runInBand test/redis-cluster
set -euo pipefail

for bin in redis-server redis-cli; do
  command -v "$bin" >/dev/null 2>&1 || {
    echo "a local Redis Cluster needs $bin (Debian/Ubuntu: sudo apt-get install -y redis-server; macOS: brew install redis)" >&2
    exit 1
  }
done

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})'; }

dir=$(mktemp -d)
pids=()
ports=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

for i in 1 2 3; do
  # The cluster bus listens on port + 10000: both must be free.
  for _ in $(seq 1 20); do
    port=$(free_port)
    [ "$port" -lt 55535 ] && ! (echo > "/dev/tcp/127.0.0.1/$((port + 10000))") 2>/dev/null && break
  done
  mkdir -p "$dir/$port"
  redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file "$dir/$port/nodes.conf" \
    --cluster-node-timeout 5000 --save "" --appendonly no --dir "$dir/$port" --daemonize no --logfile "$dir/$port/redis.log" &
  pids+=($!)
  ports+=("$port")
done

for port in "${ports[@]}"; do
  for _ in $(seq 1 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
done

redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 0 --cluster-yes >"$dir/create.log" 2>&1 || {
  cat "$dir/create.log" >&2
  exit 1
}
for _ in $(seq 1 100); do
  redis-cli -p "${ports[0]}" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break
  sleep 0.1
done
redis-cli -p "${ports[0]}" cluster info | grep -q 'cluster_state:ok' || { echo "the local Redis Cluster did not become ready" >&2; exit 1; }

export REDIS_URL="redis://127.0.0.1:${ports[0]}"
export DW_REDIS_CLUSTER=1
echo "(started a local 3-master Redis Cluster at 127.0.0.1:${ports[*]} for this run)" >&2
"$@"
