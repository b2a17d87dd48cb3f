"""Helpers for tests that run `turmeric serve` as a real process (not a test module)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env(extra=None):
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO) + os.pathsep + e.get("PYTHONPATH", "")
    for k in ("TURMERIC_PATH", "TURMERIC_WEB_KEY", "TURMERIC_KEY", "TURMERIC_DB"):
        e.pop(k, None)
    e.update(extra or {})
    return e


class Server:
    """`python -m turmeric serve APP` in `cwd` on a free port; output collected in `.log`."""

    def __init__(self, app, cwd, *args, port=None, extra_env=None):
        self.app, self.cwd, self.args = str(app), Path(cwd), list(args)
        self.port = port or free_port()
        self.extra_env = extra_env
        self.proc = None
        self.lines = []
        self.banner = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self):
        return "".join(self.lines)

    def start(self):
        argv = [sys.executable, "-m", "turmeric", "serve", self.app, "--port", str(self.port), *self.args]
        self.proc = subprocess.Popen(
            argv,
            cwd=self.cwd,
            env=env(self.extra_env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        ready = threading.Event()

        def pump():
            for line in self.proc.stdout:
                self.lines.append(line)
                if line.startswith("Turmeric serving"):
                    self.banner = line
                    ready.set()
            ready.set()

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(START_TIMEOUT) or self.banner is None:
            self.stop()
            raise AssertionError(f"server did not start:\n{self.log}")
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:  # the banner comes just before the socket is bound
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"server never listened:\n{self.log}")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        time.sleep(0.05)
        return self.proc.returncode if self.proc else None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def request(self, method, path, body=None, headers=None):
        """(status, headers dict, body text); no redirects followed."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            hs = dict(headers or {})
            if body is not None and "Content-Type" not in hs:
                hs["Content-Type"] = "application/x-www-form-urlencoded"
            c.request(method, path, body=body, headers=hs)
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace")
        finally:
            c.close()
