"""Refs and Option (`Some`, `None`)."""

from __future__ import annotations

from ...core.values import (
    NONE,
    Ref,
    Some,
    type_name,
)
from ..builtins import BUILTINS, HOST, builtin, err, type_err


@builtin("ref")
def ref(v):
    return Ref(v)


@builtin("deref")
def deref(r):
    if type(r) is Ref:
        return r.value
    raise type_err(f"deref: expected a ref, got {type_name(r)}")


@builtin("ref-set!")
def ref_set(r, v):
    if type(r) is not Ref:
        raise type_err(f"ref-set!: expected a ref, got {type_name(r)}")
    r.value = v
    return v


BUILTINS["Some"] = Some
BUILTINS["None"] = NONE
HOST.update({"Some", "None"})


@builtin("some?")
def some_q(x):
    return type(x) is Some


@builtin("none?")
def none_q(x):
    return x is NONE


@builtin("unwrap")
def unwrap(x):
    if type(x) is Some:
        return x.value
    if x is NONE:
        raise err("error", "unwrap: called on None")
    raise type_err(f"unwrap: expected an Option, got {type_name(x)}")
