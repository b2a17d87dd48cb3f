"""B8: write-file keeps the file's mode, fsyncs the folder, and leaves no .part files behind,
even when the writing process is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

import pytest
from sechelp import env, turmeric


@pytest.fixture(scope="module")
def write_file():
    from sechelp import loader

    load_prelude = loader().load_prelude
    from turmeric.runtime.library import BUILTINS

    load_prelude()
    return BUILTINS["write-file"]


def test_an_existing_files_mode_is_kept(tmp_path, write_file):
    p = tmp_path / "shared.txt"
    p.write_text("old")
    for mode in (0o644, 0o640, 0o600, 0o664):
        os.chmod(p, mode)
        write_file(str(p), "new")
        assert stat.S_IMODE(os.stat(p).st_mode) == mode
    assert p.read_text() == "new"


def test_a_new_file_gets_the_umask_mode(tmp_path, write_file):
    old = os.umask(0o022)
    try:
        write_file(str(tmp_path / "fresh.txt"), b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "fresh.txt").st_mode) == 0o644


def test_the_folder_is_fsynced_after_the_rename(tmp_path, write_file, monkeypatch):
    synced = []
    real = os.fsync

    def spy(fd):
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        return real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    write_file(str(tmp_path / "d.txt"), "data")
    assert synced[-1] is True and False in synced  # the file, then its folder


def _dead_pid():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_part_files_of_dead_writers_are_swept(tmp_path, write_file):
    dead = tmp_path / f".snap.bin.{_dead_pid()}.abc123.part"
    live = tmp_path / f".snap.bin.{os.getpid()}.def456.part"  # a writer still running: left alone
    other = tmp_path / f".other.bin.{_dead_pid()}.x.part"  # another target's: not this write's business
    for p in (dead, live, other):
        p.write_bytes(b"partial")
    write_file(str(tmp_path / "snap.bin"), b"complete")
    assert not dead.exists() and live.exists() and other.exists()
    assert (tmp_path / "snap.bin").read_bytes() == b"complete"


def test_sigkill_during_writes_leaves_no_part_files(tmp_path):
    data = b"0123456789" * 100000
    (tmp_path / "data.bin").write_bytes(data)
    (tmp_path / "writer.tm").write_text(
        '(def big (read-file "data.bin"))\n(for-each (range 100000) (fn [i] (write-file "snap.bin" big)))\n'
    )
    for _ in range(5):
        p = subprocess.Popen([sys.executable, "-m", "turmeric", "run", "writer.tm"], cwd=tmp_path, env=env())
        deadline = time.monotonic() + 30
        while not (tmp_path / "snap.bin").exists() and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.01)
        assert p.poll() is None, "the writer stopped by itself"
        time.sleep(0.05)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
    (tmp_path / "final.tm").write_text('(write-file "snap.bin" (read-file "snap.bin"))\n')
    r = turmeric("run", "final.tm", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    assert (tmp_path / "snap.bin").read_bytes() == data  # every snapshot intact
