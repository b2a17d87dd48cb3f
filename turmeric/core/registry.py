"""The code registry: what is known about each generated function, and how to find it.

`FnInfo` describes one code unit (symbol, fingerprint, sites, resume variant, factory).
`SYMBOLS` maps a stable symbol to the current definition; `CODES` maps each code object
(normal and resume variant) to its `FnInfo`.
"""

from __future__ import annotations


class FnInfo:
    """What the runtime knows about one generated function (a code unit).

    `symbol` is the stable name (`module.outer/inner`), `fingerprint` the hash of its
    normalised code, `sites[n]` the names of the values a frame saves at resume point
    n (a name starting with `~` is a compiler temporary), `resume` the resume variant.
    """

    __slots__ = (
        "symbol",
        "fingerprint",
        "module",
        "file",
        "line",
        "params",
        "sites",
        "resume",
        "factory",
        "free",
        "free_py",
        "code",
        "rest",
        "transient",
        "leaf",
        "suspends",
    )

    def __init__(self, symbol, fingerprint, module, file, line, params, sites, free=(), rest=None):
        self.symbol = symbol
        self.fingerprint = fingerprint
        self.module = module
        self.file = file
        self.line = line
        self.params = params  # Turmeric names of the parameters
        self.sites = sites  # {site number: tuple of Turmeric names}
        self.free = free  # Turmeric names of the closure's free variables, in factory order
        self.rest = rest
        self.free_py = ()  # Python names of the free variables: the factory's parameters
        self.transient = False  # may hold a Transient accumulator (the prelude's loops)
        self.leaf = False  # no capture site at all: nothing can be captured inside a call to it
        # the sites where this function's own frame captures (shift, throw): only the innermost
        # frame of a continuation stops at one; every other frame stops at a call (None: unknown)
        self.suspends = None
        self.resume = None
        self.factory = None
        self.code = None

    def __repr__(self):
        return f"<FnInfo {self.symbol}>"


SYMBOLS: dict = {}  # symbol -> FnInfo (the current definition)
CODES: dict = {}  # code object (normal and resume variants) -> FnInfo


def register(info, *codes):
    SYMBOLS[info.symbol] = info
    for c in codes:
        CODES[c] = info
