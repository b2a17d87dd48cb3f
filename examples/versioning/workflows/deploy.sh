#!/usr/bin/env bash
# examples/versioning/workflows/deploy.sh: a deploy with N durable workflows in flight
# (default 100). Each order does a step and waits for a message; the worker is stopped,
# orders.tm is replaced by v2 (the deploy), a worker starts again: the in-flight orders
# finish on v1, the code they started with (kept in the code store by their
# checkpoints); orders started after the deploy run v2 (docs/versioning.md).
# Uses $TURMERIC_DB if set (e.g. postgresql://...), else a SQLite file in a temp folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-100}
work=${WORK:-$(mktemp -d)}
export TURMERIC_SECRET=${TURMERIC_SECRET:-example-secret}
export TURMERIC_DB=${TURMERIC_DB:-$work/orders.db}
tm() { python3 -m turmeric "$@"; }
cd "$work"
waiting() { tm workflows list --status waiting --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

cp "$here/v1/orders.tm" orders.tm
python3 -m turmeric worker orders.tm 2>worker1.log & worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT
tm run --no-wait orders.tm start "$n"
for _ in $(seq 600); do [ "$(waiting)" -ge "$n" ] && break; sleep 0.2; done
echo "in flight: $(waiting) orders waiting on v1"
kill -TERM $worker; wait $worker || true                   # stop the worker

cp "$here/v2/orders.tm" orders.tm                           # the deploy
python3 -m turmeric worker orders.tm 2>worker2.log & worker=$!
tm run --no-wait orders.tm release "$n"
tm run orders.tm new 5
tm run orders.tm tally "$n"
kill -TERM $worker; wait $worker || true
trap - EXIT
tm workflows show order-7 >shown.txt; grep -m1 '^result' shown.txt
tm workflows gc --older-than 0s
