#!/usr/bin/env python3
"""Web tokens that keep their code: what keeping it costs a page view, and what resuming an old page costs.

    python benchmarks/web_versions.py                 # SQLite, 300 page views per case, 5 rounds
    python benchmarks/web_versions.py --db both       # PostgreSQL at $TURMERIC_TEST_PG too
    python benchmarks/web_versions.py --quick         # a smoke run

In one process, with `WebApp.handle` (no HTTP, so the figures are the app's own
work), side by side (the page-view cases interleaved view by view), on the same store:

  page view, keeping off       GET /sum of the sum flow (its first form; a token made),
                               with the app's code keeper switched off (as before)
  page view, code kept         the same with the keeper on, steady state: the versions
                               are already kept for this owner, so no store write
  page view, new owner         the keeper's per-process memory cleared before each view:
                               the write a process makes once per owner granule
                               (an hour with the default :ttl)

for in-page tokens (`:storage :page`: nothing else is written) and store tokens
(`:storage :store`: the token's row is written too). Then, after a deploy (v2 of the
file loaded in a fresh session of the same process):

  resume, code unchanged       POST a v2 token to the v2 app
  resume old page, first       POST a v1 token to a freshly loaded v2 app: the record is
                               read, its hash checked, re-read, compiled, fingerprints checked
  resume old page, further     more v1 tokens on that app (the old version is cached)

Ratios are against the first row of each group. Medians of the rounds' medians.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from html import unescape

import _harness as H

KEY = b"bench-key-web-versions-0123456789"

V1 = """
(web-options {:storage :STORAGE})
(defn ask [label]
  (def req (send/suspend
             (fn [k-url]
               [:form {:action k-url :method "post"} [:label label] [:input {:name "n"}]])))
  (parse-int (form-value req "n")))

(defpage "/sum" [req]
  (def a (ask "First number:"))
  (def b (ask "Second number:"))
  [:p "v1 sum: " [:span {:id "sum"} (+ a b)]])
"""
V2 = V1.replace('"v1 sum: "', '"v2 sum: "')
ACTION = re.compile(r'action="([^"]+)"')


def fresh_db(kind, work, tag):
    if kind == "sqlite":
        return os.path.join(work, f"{tag}.db")
    return H.fresh_pg_database(f"tm_bench_webver_{os.getpid()}_{tag}")


def drop_db(kind, url):
    if kind != "sqlite":
        H.drop_pg_database(url)


def load(path, text, db):
    from turmeric import loader
    from turmeric.web.app import WebApp

    with open(path, "w") as f:
        f.write(text)
    loader.load_prelude()
    return WebApp(KEY, db).load(path)


def request(app, url, n=None):
    from turmeric.web.vocab import make_request

    method = "GET" if n is None else "POST"
    st, _, body = app.handle(method, url, make_request(method, url, (), {} if n is None else {"n": str(n)}, ()))
    if st != 200:
        raise SystemExit(f"{method} {url[:40]}: status {st}: {body[:300]!r}")
    return body.decode()


def action(body):
    return unescape(ACTION.search(body).group(1))


def timed(f):
    t0 = time.perf_counter()
    out = f()
    return time.perf_counter() - t0, out


def page_views(app, n):
    """{mode: median seconds per GET /sum}, the keeper 'off', 'kept' (steady) or 'new' (its
    memory cleared), the three interleaved view by view, in rotating order."""
    keeper = app.code
    out = {"off": [], "kept": [], "new": []}
    try:
        modes = list(out)
        for i in range(n):
            for mode in modes[i % 3 :] + modes[: i % 3]:  # each mode in each position in turn
                times = out[mode]
                app.code = None if mode == "off" else keeper
                if mode == "new":
                    keeper.forget()
                dt, body = timed(lambda: request(app, "/sum"))
                assert "First number:" in body
                times.append(dt)
    finally:
        app.code = keeper
    return {m: statistics.median(t) for m, t in out.items()}


def one_round(kind, n, work, rnd):
    from turmeric.web import storage

    url = fresh_db(kind, work, f"r{rnd}")
    db = storage.open_store(url)
    res = {}
    try:
        for mode_name in ("page", "store"):
            path = os.path.join(work, f"{mode_name}{rnd}", "app.tm")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            app = load(path, V1.replace(":STORAGE", ":" + mode_name), db)
            request(app, "/sum")  # warm: the first view keeps the code
            for case, v in page_views(app, n).items():
                res[(mode_name, case)] = v
        # a deploy: v1 tokens, then v2 loaded in fresh sessions of this process
        path = os.path.join(work, f"deploy{rnd}", "app.tm")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        v1 = load(path, V1.replace(":STORAGE", ":page"), db)
        old = [action(request(v1, "/sum")) for _ in range(n + 1)]
        v2 = load(path, V2.replace(":STORAGE", ":page"), db)
        new = [action(request(v2, "/sum")) for _ in range(n)]
        res[("resume", "same")] = statistics.median(timed(lambda k=k: request(v2, k, 1))[0] for k in new)
        v2b = load(path, V2.replace(":STORAGE", ":page"), db)
        dt, body = timed(lambda: request(v2b, old[0], 1))
        assert "Second number:" in body
        res[("resume", "first")] = dt
        further = []
        for k in old[1:]:
            dt, body = timed(lambda k=k: request(v2b, k, 1))
            further.append(dt)
        res[("resume", "further")] = statistics.median(further)
        # the old page finishes on v1
        assert "v1 sum: " in request(v2b, action(body), 2)
        res["writes"] = v2b.code.writes
    finally:
        db.store.close()
        drop_db(kind, url)
    return res


ROWS = [
    (
        "in-page tokens",
        [("page", "off", "page view, keeping off"), ("page", "kept", "page view, code kept"), ("page", "new", "page view, new owner")],
    ),
    (
        "store tokens",
        [("store", "off", "page view, keeping off"), ("store", "kept", "page view, code kept"), ("store", "new", "page view, new owner")],
    ),
    (
        "after a deploy (in-page tokens)",
        [
            ("resume", "same", "resume, code unchanged"),
            ("resume", "first", "resume old page, first"),
            ("resume", "further", "resume old page, further"),
        ],
    ),
]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a smoke run (1 round, 20 views)")
    ap.add_argument("--n", type=int, default=300, help="page views (and resumes) per case per round")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--db", default="sqlite", choices=["sqlite", "postgres", "both"])
    a = ap.parse_args(argv)
    if a.quick:
        a.n, a.rounds = 20, 1
    sys.setrecursionlimit(100000)
    kinds = ["sqlite", "postgres"] if a.db == "both" else [a.db]
    loads = [os.getloadavg()[0]]
    print(f"# web tokens keeping their code: {a.n} views per case, {a.rounds} round(s); {H.environment()}")
    with tempfile.TemporaryDirectory() as work:
        for kind in kinds:
            rounds = []
            for r in range(a.rounds):
                rounds.append(H.run_with_big_stack(lambda r=r, kind=kind: one_round(kind, a.n, work, r)))
                loads.append(os.getloadavg()[0])
            print(f"\n## {kind}\n")
            out = []
            for group, cases in ROWS:
                base = None
                for key1, key2, label in cases:
                    v = statistics.median(x[(key1, key2)] for x in rounds)
                    base = base or v
                    out.append([f"{group}: {label}", f"{v * 1e6:.0f}", f"{v / base:.2f}x"])
            print(H.table(["case", "us (median)", "ratio"], out))
            print(f"\ncode_put calls of the v2 app that resumed {a.n + 1} old pages (each making a new page): {rounds[-1]['writes']}")
    print(f"\nload average (1 min) during the run: {min(loads):.1f} to {max(loads):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
