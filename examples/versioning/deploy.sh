#!/usr/bin/env bash
# examples/versioning/deploy.sh: 100 tasks in flight across a deploy, each finishing on
# the version it started on; a new task runs the new version (docs/versioning.md).
# Uses $TURMERIC_DB if set (e.g. postgresql://...), else a SQLite file in a temp folder.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
export TURMERIC_SECRET=${TURMERIC_SECRET:-example-secret}
export TURMERIC_DB=${TURMERIC_DB:-$work/app.db}
cd "$work"
cp "$here/v1/app.tm" app.tm
python3 -m turmeric worker --name app --lease 2 --quiet app.tm & node=$!
trap 'kill $node 2>/dev/null || true; wait' EXIT
sleep 2
python3 -m turmeric run app.tm start 100
python3 - <<'PY'
import os, time
from turmeric.store import open_store
st = open_store(os.environ["TURMERIC_DB"])
for _ in range(600):
    if sum(1 for r in st.list_workflows() if r["status"] == "waiting") == 100:
        break
    time.sleep(0.1)
print("in flight:", sum(1 for r in st.list_workflows() if r["status"] == "waiting"), "tasks parked on v1")
PY
kill $node; wait $node || true
cp "$here/v2/app.tm" app.tm            # the deploy: the job's code changed
python3 -m turmeric worker --name app --lease 2 --quiet app.tm & node=$!
sleep 2
python3 -m turmeric run app.tm finish
python3 -m turmeric run app.tm new
