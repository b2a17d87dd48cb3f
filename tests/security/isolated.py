"""Decode one blob in a fresh process and report what happened, with the memory it took.

    python tests/security/isolated.py MODE BLOB [BASE_DIR]

MODE is `deserialize`, `inspect`, `resume` (deserialize, then call a continuation with nil)
or `use` (deserialize, then read a line from every FileHandle in the value). Prints one JSON
line: {"outcome": "ok" | "thrown" | "python", "type": error type or exception class,
"message": ..., "peak": tracemalloc peak in bytes, "stored": blob length,
"budget": the decoder's memory budget for that length}.
"""

from __future__ import annotations

import json
import os
import sys
import tracemalloc


def main():
    mode, path = sys.argv[1], sys.argv[2]
    base = sys.argv[3] if len(sys.argv) > 3 else os.path.dirname(os.path.abspath(path))
    sys.setrecursionlimit(100_000)
    import turmeric
    from turmeric.cli import report
    from turmeric.runtime import control
    from turmeric.serialization import api
    from turmeric.serialization import inspect as sinspect

    if os.path.isdir(os.path.join(turmeric.__path__[0], "loader")):
        from turmeric.loader import load_prelude
        from turmeric.serialization.decoder import budget
    else:  # the layout before the loader package, to check that a test fails there
        from turmeric.runtime.modules import load_prelude

        def budget(n):
            return 256 * n + 4 * 1024 * 1024

    load_prelude()
    with open(path, "rb") as f:
        blob = f.read()
    out = {"stored": len(blob), "budget": budget(len(blob))}
    tracemalloc.start()
    try:
        if mode == "inspect":
            sinspect.describe(blob)
        else:
            v = api.deserialize(blob, base_dir=base)
            out["decoded"] = type(v).__name__
            if mode == "resume" and isinstance(v, control.Continuation):
                v(None)
            elif mode == "use":
                from turmeric.runtime.library import BUILTINS

                for fh in getattr(v, "__iter__", lambda: [v])():
                    BUILTINS["read-line"](fh)
        out["outcome"] = "ok"
    except BaseException as e:  # noqa: BLE001 - the point is to see what escapes
        if os.path.isdir(os.path.join(turmeric.__path__[0], "core")):
            from turmeric.core.values import Struct, Thrown
        else:
            from turmeric.runtime.values import Struct, Thrown

        if isinstance(e, Thrown) and isinstance(e.value, Struct):
            out["outcome"] = "thrown"
            out["type"] = e.value.stype.name
            out["message"] = report.message_of(e.value)
        else:
            out["outcome"] = "python"
            out["type"] = type(e).__name__
            out["message"] = str(e)[:300]
    out["peak"] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
