"""The Python functions interop.py calls, from Turmeric and from Python alike."""


def f(x):
    return x


def kw(x, scale=1):
    return x


class Holder:
    """`holder.f`, `xs.me.f`: the same functions one attribute load further away (the bound)."""

    f = staticmethod(f)
    kw = staticmethod(kw)

    def __init__(self):
        self.me = self


holder = Holder()
