#!/usr/bin/env bash
# examples/cluster/run_agent.sh: three nodes that trust one agent key (node-c forbids
# write-file), then a signed agent touring them. Uses $TURMERIC_DB if set, else SQLite.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
cp "$here/agent.tm" "$work/"
cd "$work"
export TURMERIC_SECRET=${TURMERIC_SECRET:-example-secret}
export TURMERIC_DB=${TURMERIC_DB:-$work/cluster.db}
python3 -m turmeric.cluster.agents keygen agent.key > trusted.txt
printf 'a\nb\nc' > node-a.stock; printf 'a\nb' > node-b.stock; printf 'a' > node-c.stock
pids=()
python3 -m turmeric worker --name node-a --trust trusted.txt --lease 2 --quiet agent.tm & pids+=($!)
python3 -m turmeric worker --name node-b --trust trusted.txt --lease 2 --quiet agent.tm & pids+=($!)
python3 -m turmeric worker --name node-c --trust trusted.txt --forbid write-file --lease 2 --quiet agent.tm & pids+=($!)
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT
TURMERIC_AGENT_KEY=agent.key python3 -m turmeric run agent.tm
