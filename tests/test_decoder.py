"""The decoder alone: it turns bytes into values through a `Hooks` object and needs nothing
that compiles or runs code.

Blobs are written here by the whole system (a data value, a struct, a closure, a host
function, a captured continuation); a fresh interpreter that imports only
`serialization.decoder` decodes them with stub hooks, and must not have loaded the
reader, expander, compiler, runtime, loader or encoder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from turmeric import loader
from turmeric.runtime import control
from turmeric.serialization import api

ROOT = Path(__file__).resolve().parent.parent

PROG = """
(struct Point [x y])
(instance Serializable Point)
(defn deep [n] (if (= n 0) (+ 1 (cloneable-shift [k] k)) (+ 1 (deep (- n 1)))))
(defn adder [a] (fn [b] (+ a b)))
"""

STUB = r"""
import json, sys
from turmeric.serialization import decoder as D

class Stub(D.Hooks):
    def names(self, header):
        self.header = header
        return [(header.names[e.fn_index], e.site) if type(e) is D.ShapeEntry else e for e in header.names]

    def closure(self, entry, resolved, vals):
        return {"closure": entry.symbol, "free": list(entry.free), "vals": [show(v) for v in vals]}

    def cont(self, frames, handler):
        return {"cont": [[f[0].symbol, f[1], len(f[2])] for f in frames]}

    def struct(self, entry, resolved, vals):
        return {"struct": entry.name, "fields": list(entry.fields), "vals": [show(v) for v in vals]}

    def custom(self, entry, resolved, rep, resource):
        return {"custom": entry.name}

    def host(self, entry, resolved):
        return {"host": [entry.module, entry.name]}

def show(v):
    if isinstance(v, dict):
        return v
    from turmeric.core.values import Keyword, PVector
    if type(v) is Keyword:
        return ":" + v.name
    if isinstance(v, PVector) or type(v) in (list, tuple):
        return [show(x) for x in v]
    return v

out = {}
for name in sys.argv[1:]:
    with open(name, "rb") as f:
        blob = f.read()
    header, value = D.parse(blob, Stub())
    out[name] = show(value)
out["loaded"] = sorted(k for k in sys.modules if k.startswith("turmeric."))
print(json.dumps(out))
"""


def test_decoding_needs_no_compiler(tmp_path):
    p = tmp_path / "dec_prog.tm"
    p.write_text(PROG)
    s = loader.Session()
    m = s.load_file(str(p))
    with s.activate():
        blobs = {
            "data.bin": api.serialize(s.eval_string('[1 "two" :three [4.5]]')),
            "struct.bin": api.serialize(m.ns["Point"](1, 2)),
            "closure.bin": api.serialize(m.ns["adder"](10)),
            "host.bin": api.serialize(s.eval_string("println")),
            "cont.bin": api.serialize(control.reset(lambda: m.ns["deep"](2))),
        }
    for name, b in blobs.items():
        (tmp_path / name).write_bytes(b)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", STUB, *blobs], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["data.bin"] == [1, "two", ":three", [4.5]]
    assert out["struct.bin"] == {"struct": "Point", "fields": ["x", "y"], "vals": [1, 2]}
    assert out["closure.bin"] == {"closure": "dec_prog.adder/fn#1", "free": ["a"], "vals": [10]}
    assert out["host.bin"] == {"host": ["", "println"]}
    # innermost first: the shift site in (deep 0), then the two recursive calls, then the thunk
    frames = out["cont.bin"]["cont"]
    assert [f[0] for f in frames[:3]] == ["dec_prog.deep"] * 3
    loaded = set(out["loaded"])
    allowed = {"turmeric.serialization", "turmeric.serialization.decoder", "turmeric.serialization.layout"}
    assert {x for x in loaded if not x.startswith("turmeric.core")} == allowed, loaded
