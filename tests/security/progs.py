"""A small program whose functions the crafted continuations name, loaded in this process so
that the tests know its fingerprints (an attacker who has the program knows them too)."""

from __future__ import annotations

SOURCE = """
(defn pick [] (cloneable-shift [k] k))
(defn one [x] x)
(defn job [] (let [v (suspend)] (str "resumed with " v)))
(defn main [] (write-file "job.bin" (serialize (cloneable-reset job))))
"""


def load(folder):
    """Write secprog.tm into `folder`, load it here; returns control.SYMBOLS."""
    from sechelp import loader

    MODULES, load_file, load_prelude = loader().MODULES, loader().load_file, loader().load_prelude
    from turmeric.runtime import control

    load_prelude()
    path = folder / "secprog.tm"
    path.write_text(SOURCE, encoding="utf-8")
    MODULES.pop("secprog", None)
    load_file(str(path), expected_name="secprog")
    if hasattr(control, "SYMBOLS"):  # the runtime before sessions (to check a test fails there)
        return control.SYMBOLS
    from turmeric.core.registry import current_state

    return _Lookup(current_state())


class _Lookup:
    def __init__(self, state):
        self.state = state

    def __getitem__(self, symbol):
        info = self.state.lookup(symbol)
        if info is None:
            raise KeyError(symbol)
        return info


def fn_entry(blob, symbols, symbol):
    """Add symbol's FN entry (its real fingerprint and resume points) to the hand-written blob."""
    info = symbols[symbol]
    return blob.fn(symbol, str(info.fingerprint), info.line or 1, len(info.params), info.free, info.sites)


def shift_site(symbols, symbol):
    info = symbols[symbol]
    # (these functions have one site, the capture; getattr: the runtime before `suspends` existed)
    (site,) = getattr(info, "suspends", None) or info.sites
    return site
