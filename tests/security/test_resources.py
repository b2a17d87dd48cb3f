"""B1: a FileHandle token never creates, truncates or blocks on a file, at deserialize or later."""

from __future__ import annotations

import os

import pytest
from sechelp import file_handle_blob, isolated


@pytest.mark.parametrize("mode", ["w", "a", "wb", "ab"])
def test_writer_token_never_creates_a_file(tmp_path, mode):
    target = tmp_path / "created-by-a-blob.txt"
    out = isolated(tmp_path, file_handle_blob(str(target), mode))
    assert out["outcome"] == "ok"  # deserializing touches no file at all
    assert not target.exists()
    out = isolated(tmp_path, file_handle_blob(str(target), mode), mode="use")
    assert not target.exists()  # nor does using the handle
    assert out["outcome"] == "thrown" and out["type"] == "file-error", out
    assert str(target) in out["message"]


def test_traversal_in_the_path_creates_nothing(tmp_path):
    (tmp_path / "sub").mkdir()
    target = tmp_path / "sub" / ".." / "escaped.txt"
    for mode in ("deserialize", "use"):
        isolated(tmp_path, file_handle_blob(str(target), "w"), mode=mode)
    assert not (tmp_path / "escaped.txt").exists()


def test_writer_token_never_truncates_an_existing_file(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("precious contents\n")
    out = isolated(tmp_path, file_handle_blob(str(target), "w", position=0))
    assert out["outcome"] == "ok"
    assert target.read_text() == "precious contents\n"


def test_proc_self_mem_is_not_opened(tmp_path):
    out = isolated(tmp_path, file_handle_blob("/proc/self/mem", "r"), mode="use")
    assert out["outcome"] == "thrown" and out["type"] == "file-error", out
    assert "/proc/self/mem" in out["message"]


def test_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    out = isolated(tmp_path, file_handle_blob(str(fifo), "r"))
    assert out["outcome"] == "ok"
    out = isolated(tmp_path, file_handle_blob(str(fifo), "r"), mode="use")  # would block forever
    assert out["outcome"] == "thrown" and out["type"] == "file-error" and "not a regular file" in out["message"], out
    assert str(fifo) in out["message"]


def test_a_folder_or_missing_file_is_a_file_error(tmp_path):
    for target in (tmp_path, tmp_path / "missing.txt"):
        out = isolated(tmp_path, file_handle_blob(str(target), "r"), mode="use")
        assert out["outcome"] == "thrown" and out["type"] == "file-error", out


def test_an_existing_regular_file_still_reopens(tmp_path):
    target = tmp_path / "log.txt"
    target.write_text("line one\nline two\n")
    out = isolated(tmp_path, file_handle_blob(str(target), "r", position=9), mode="use")
    assert out["outcome"] == "ok", out
