"""Files, file handles, exit, time and bytes."""

from __future__ import annotations

import os
import time

from ...core.values import (
    type_name,
)
from ..builtins import builtin, err, type_err
from ..printer import display, readable


@builtin("read-file")
def read_file(path):
    with open(path, "rb") as f:
        return f.read()


@builtin("read-text")
def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


@builtin("write-file")
def write_file(path, data):
    """Atomic: write a temporary file beside the target, fsync, then rename over it."""
    if type(data) is str:
        data = data.encode("utf-8")
    elif type(data) is not bytes:
        raise type_err(f"write-file: expected bytes or a string, got {type_name(data)}")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    except OSError as e:
        raise err("error", f"write-file: can't write {path}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise err("error", f"write-file: can't write {path}: {e.strerror}") from None
        raise
    return None


@builtin("file-exists?")
def file_exists(path):
    return os.path.exists(path)


@builtin("delete-file")
def delete_file(path):
    if os.path.exists(path):
        os.unlink(path)
    return None


class FileHandle:
    """An open file; Resource-Serializable by path, mode and position."""

    turmeric_type = "FileHandle"

    def __init__(self, path, mode, f):
        self.path = path
        self.mode = mode
        self.f = f

    def turmeric_show(self):
        return f"#<FileHandle {self.path} {self.mode}>"

    def __enter__(self):  # `(with [fh (open-file ...)] ...)` closes the file when the body is left
        return self

    def __exit__(self, *exc):
        self.f.close()
        return False


MODES = {"r": "r", "w": "w", "a": "a", "rb": "rb", "wb": "wb", "ab": "ab"}


@builtin("open-file")
def open_file(path, mode="r"):
    if mode not in MODES:
        raise err("error", f"open-file: unknown mode {readable(mode)}; use one of r w a rb wb ab")
    enc = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
    return FileHandle(path, mode, open(path, mode, **enc))


@builtin("read-line")
def read_line(fh):
    line = fh.f.readline()
    if not line:
        return None
    if type(line) is bytes:
        return line.rstrip(b"\n")
    return line[:-1] if line.endswith("\n") else line


@builtin("write-line")
def write_line(fh, s):
    fh.f.write(display(s) + "\n" if "b" not in fh.mode else (s if type(s) is bytes else display(s).encode()) + b"\n")
    return None


@builtin("write")
def twrite(fh, s):
    fh.f.write(display(s) if "b" not in fh.mode else (s if type(s) is bytes else display(s).encode()))
    return None


@builtin("close")
def close(fh):
    fh.f.close()
    return None


@builtin("file-handle-path")
def file_handle_path(fh):
    return fh.path


class ExitRequest(BaseException):
    def __init__(self, code):
        self.code = code


@builtin("exit")
def texit(code=0):
    raise ExitRequest(code)


@builtin("time-ns")
def time_ns():
    return time.monotonic_ns()


@builtin("string->bytes")
def str_to_bytes(s):
    return s.encode("utf-8")


@builtin("bytes->string")
def bytes_to_str(b):
    return b.decode("utf-8", errors="replace")
