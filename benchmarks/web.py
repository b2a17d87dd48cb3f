"""Web continuations: Turmeric's server against Racket 8.7's stateless servlet, side by side.

    python benchmarks/web.py [--quick] [--reps N] [--flows N]

Both servers serve the same three-step "add two numbers" flow (the peer is
../shared/peers/racket-web/sum.rkt; Turmeric's is benchmarks/programs/web_sum*.tm):
GET /sum answers a form whose action is a continuation URL with an input `n`;
posting n=a answers the second form; posting n=b answers `<span id="sum">a+b</span>`.
One load client drives every server the same way: a new TCP connection per request
(HTTP/1.1, Connection: close), 1 and 8 concurrent clients, each running whole
flows and checking the sum. Reported: full flows per second, requests per second,
and the bytes of the continuation token in the first form's action URL. Medians of
--reps runs. Target: Turmeric with signed continuations at least 2x Racket's signed
(HMAC) stateless flows per second at both concurrencies.
"""

from __future__ import annotations

import contextlib
import html
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import _harness as H

PEER = os.path.join(H.REPO, "..", "shared", "peers", "racket-web", "sum.rkt")
ACTION = re.compile(rb'action="([^"]*)"')
SUM = re.compile(rb'<span id="sum">(-?\d+)</span>')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(port, method, path, body=None):
    """One request on a new connection; (status, body bytes)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(30)
    try:
        s.connect(("127.0.0.1", port))
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n"
        if body is not None:
            head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        s.sendall(head.encode() + b"\r\n" + (body or b""))
        chunks = []
        while True:
            c = s.recv(65536)
            if not c:
                break
            chunks.append(c)
    finally:
        s.close()
    data = b"".join(chunks)
    head, _, rest = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        rest = dechunk(rest)
    return status, rest


def dechunk(b):
    out, i = [], 0
    while True:
        j = b.index(b"\r\n", i)
        n = int(b[i:j].split(b";")[0], 16)
        if n == 0:
            return b"".join(out)
        out.append(b[j + 2 : j + 2 + n])
        i = j + 2 + n + 2


def action_of(body):
    m = ACTION.search(body)
    if not m:
        raise RuntimeError(f"no form action in {body[:200]!r}")
    return html.unescape(m.group(1).decode())


def flow(port, a, b):
    """One whole flow; returns the first continuation URL (for the token size)."""
    st, page = http(port, "GET", "/sum")
    assert st == 200, st
    k1 = action_of(page)
    st, page = http(port, "POST", k1, f"n={a}".encode())
    assert st == 200, (st, page[:200])
    k2 = action_of(page)
    st, page = http(port, "POST", k2, f"n={b}".encode())
    assert st == 200, (st, page[:200])
    m = SUM.search(page)
    if not m or int(m.group(1)) != a + b:
        raise RuntimeError(f"wrong sum for {a}+{b}: {page[:200]!r}")
    return k1


def load(port, flows, clients):
    """flows/s with `clients` threads running `flows` flows in all."""
    left = [flows]
    lock = threading.Lock()
    errors = []

    def run():
        rnd = random.Random()
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            try:
                flow(port, rnd.randint(-999, 999), rnd.randint(-999, 999))
            except Exception as e:  # reported after the run
                errors.append(e)
                return

    ts = [threading.Thread(target=run) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    dt = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"{len(errors)} flow(s) failed: {errors[0]!r}")
    return flows / dt


def wait_up(port, proc, what, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        try:
            st, _ = http(port, "GET", "/sum")
            if st == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start within {timeout}s")


class Server:
    def __init__(self, name, argv, env, cwd, port, token_of):
        self.name, self.argv, self.env, self.cwd, self.port, self.token_of = name, argv, env, cwd, port, token_of
        self.proc = None

    def __enter__(self):
        self.proc = subprocess.Popen(self.argv, env=self.env, cwd=self.cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_up(self.port, self.proc, self.name)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def racket_servers(tmp):
    if not shutil.which("racket") or not os.path.exists(PEER):
        print(f"note: racket or {PEER} missing: Racket peer skipped", file=sys.stderr)
        return []
    src = os.path.join(tmp, "sum.rkt")
    shutil.copy(PEER, src)
    subprocess.run(["raco", "make", src], check=True, cwd=tmp)
    out = []
    for stuffer, label in (("hmac", "Racket stateless, HMAC-signed"), ("default", "Racket stateless, default (unsigned)")):
        port = free_port()
        env = dict(os.environ, STUFFER=stuffer, PORT=str(port), PLT_CS_COMPILE_LIMIT="10000")
        out.append(Server(label, ["racket", src], env, tmp, port, lambda url: url.split(";", 1)[-1] if ";" in url else url))
    return out


def turmeric_servers(tmp):
    out = []
    env = dict(os.environ, PYTHONPATH=H.REPO + os.pathsep + os.environ.get("PYTHONPATH", ""), TURMERIC_WEB_KEY="benchmark-key-" + "x" * 32)
    progs = [("web_sum_page.tm", "Turmeric, in-page (signed)"), ("web_sum.tm", "Turmeric, store (SQLite)")]
    for prog, label in progs:
        port = free_port()
        d = os.path.join(tmp, prog.replace(".tm", ""))
        os.makedirs(d)
        shutil.copy(os.path.join(H.PROGRAMS, prog), d)
        argv = [sys.executable, "-m", "turmeric", "serve", prog, "--port", str(port), "--db", os.path.join(d, "turmeric.db")]
        out.append(Server(label, argv, env, d, port, lambda url: url.split("/_k/", 1)[1]))
    return out


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    nflows = None
    if "--flows" in argv:
        i = argv.index("--flows")
        nflows = int(argv[i + 1])
        del argv[i : i + 2]
    args = H.parse_args(__doc__.split("\n")[0], default_reps=3, quick_reps=1, argv=argv)
    args.flows = nflows
    flows = args.flows or (40 if args.quick else 600)
    print(f"web continuations: {flows} flows per run, medians of {args.reps}; {H.environment()}")
    tmp = tempfile.mkdtemp(prefix="tm-web-bench-")
    rows, runs = [], {}
    servers = turmeric_servers(tmp) + racket_servers(tmp)
    with contextlib.ExitStack() as stack:
        try:
            for srv in servers:
                stack.enter_context(srv)
                url = flow(srv.port, 1, 2)
                rows.append((srv.name, len(srv.token_of(url).encode())))
                for _ in range(5 if args.quick else 30):  # warm up
                    flow(srv.port, 3, 4)
            # the servers take turns within each repetition, so a busy moment of the machine
            # falls on all of them alike
            for _ in range(args.reps):
                for clients in (1, 8):
                    for srv in servers:
                        runs.setdefault((srv.name, clients), []).append(load(srv.port, flows, clients))
        finally:
            stack.close()
            shutil.rmtree(tmp, ignore_errors=True)
    results = {k: H.median(v) for k, v in runs.items()}
    racket_signed = "Racket stateless, HMAC-signed"
    table = []
    for name, tok in rows:
        r1, r8 = results[(name, 1)], results[(name, 8)]
        cells = [name, f"{r1:.1f}", f"{3 * r1:.0f}", f"{r8:.1f}", f"{3 * r8:.0f}", str(tok)]
        if (racket_signed, 1) in results and name.startswith("Turmeric"):
            q1, q8 = r1 / results[(racket_signed, 1)], r8 / results[(racket_signed, 8)]
            cells.append(f"{q1:.2f}x / {q8:.2f}x")
            cells.append("yes" if q1 >= 2 and q8 >= 2 else "NO")
        else:
            cells += ["", ""]
        table.append(cells)
    print(
        H.table(
            ["server", "flows/s (1)", "req/s (1)", "flows/s (8)", "req/s (8)", "token bytes", "vs Racket HMAC (1 / 8)", ">= 2x"],
            table,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
