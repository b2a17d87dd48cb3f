#!/usr/bin/env bash
# examples/cluster/run.sh: three nodes on one database, then the client. Uses
# $TURMERIC_DB if set (e.g. postgresql://...), else a SQLite file in a temp folder.
set -euo pipefail
cd "$(dirname "$0")"
export TURMERIC_SECRET=${TURMERIC_SECRET:-example-secret}
export TURMERIC_DB=${TURMERIC_DB:-$(mktemp -d)/cluster.db}
pids=()
for n in node-a node-b node-c; do
  python3 -m turmeric worker --name "$n" --lease 2 --quiet tour.tm & pids+=($!)
done
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT
python3 -m turmeric run tour.tm
