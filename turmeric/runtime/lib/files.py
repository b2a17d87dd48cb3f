"""Files, file handles, exit, time and bytes."""

from __future__ import annotations

import contextvars
import os
import stat
import time

from ...core.values import (
    type_name,
)
from ..builtins import builtin, err, type_err
from ..printer import display, readable

# while a macro expands (loader/module.py), a function told the path of each file the macro's
# code reads (read-file, read-text, file-exists?, open-file to read): the compile cache
# checks those files before it replays the expansion
COMPILE_READS: contextvars.ContextVar = contextvars.ContextVar("turmeric-compile-reads", default=None)


def _reading(path):
    note = COMPILE_READS.get()
    if note is not None:
        note(path)


@builtin("read-file")
def read_file(path):
    _reading(path)
    with open(path, "rb") as f:
        return f.read()


@builtin("read-text")
def read_text(path):
    _reading(path)
    with open(path, encoding="utf-8") as f:
        return f.read()


@builtin("write-file")
def write_file(path, data):
    """Atomic and durable: write a temporary file beside the target, fsync it, rename it over
    the target, then fsync the folder (so the rename itself survives a crash). An existing
    target keeps its permission bits; a new one gets 0666 minus the umask, as `open` would.
    The temporary file is `.NAME.PID.RANDOM.part`, removed on any failure; ones left behind by
    a killed process (whose PID is gone) are swept on the next write-file to the same target."""
    if type(data) is str:
        data = data.encode("utf-8")
    elif type(data) is not bytes:
        raise type_err(f"write-file: expected bytes or a string, got {type_name(data)}")
    target = os.path.abspath(path)
    folder, base = os.path.split(target)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    except OSError as e:
        raise err("error", f"write-file: can't write {path}: {e.strerror}") from None
    _sweep_parts(folder, base)
    try:
        import tempfile  # imported on first use: start-up time

        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{base}.{os.getpid()}.", suffix=".part")
    except OSError as e:
        raise err("error", f"write-file: can't write {path}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, target)
        tmp = None
        _fsync_dir(folder)
    except BaseException as e:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if isinstance(e, OSError):
            raise err("error", f"write-file: can't write {path}: {e.strerror}") from None
        raise
    return None


def _umask():
    """The process umask, read without changing it (Linux), else by setting and restoring it."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    m = os.umask(0o022)
    os.umask(m)
    return m


def _fsync_dir(folder):
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems can't fsync a folder; the rename is still atomic
    finally:
        os.close(fd)


def _sweep_parts(folder, base):
    """Remove `.BASE.PID.*.part` files whose writing process no longer exists. A file of a live
    process (possibly a writer right now) is left alone, and only regular files are removed."""
    prefix = f".{base}."
    try:
        with os.scandir(folder) as it:
            names = [e.name for e in it if e.name.startswith(prefix) and e.name.endswith(".part")]
    except OSError:
        return
    for name in names:
        pid = name[len(prefix) :].split(".", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        p = os.path.join(folder, name)
        try:
            if stat.S_ISREG(os.lstat(p).st_mode):
                os.unlink(p)
        except OSError:
            pass


def _alive(pid):
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


@builtin("file-exists?")
def file_exists(path):
    _reading(path)
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
    if mode in ("r", "rb"):
        _reading(path)
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
