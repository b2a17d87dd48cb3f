"""Every input of a function's fingerprint is the code itself (issue 6, A1).

One test per thing that once leaked in, in one process: the path the file was named by
(a `throw`'s position), the gensym counter, the numbering of constants, the Python
version's AST fields, and code that differs only there. test_stable_names.py checks the
same end to end, in separate processes with different hash seeds.
"""

from __future__ import annotations

import ast

from turmeric import loader
from turmeric.compiler.fingerprint import _Normalise, code_fingerprint
from turmeric.core.registry import current_state
from turmeric.expander import canonical, gensym
from turmeric.reader import read_all

loader.load_prelude()

SRC = """
(defmacro guard [x] `(let [v# ~x] (unless v# (throw (validation-error "no"))) v#))
(defmacro each [coll & body] `(for-each ~coll (fn [item#] ~@body)))
(defn f [order]
  (guard (get order :id))
  (each [1 2] (when (suspend) (throw :stop)))
  (list :done 'sym "text"))
"""


def fingerprints(file, src=SRC, before=None):
    """{symbol: fingerprint} of the functions of `src` compiled as module `fp_mod` from `file`."""
    name = "fp_mod"
    m = loader.Module(name, file, source=src)
    if before:
        m.eval_source(before, file)
    symbols = current_state().symbols  # the module's session is the current (default) one
    old = dict(symbols)
    m.eval_source(src, file)
    return {s: i.fingerprint for s, i in symbols.items() if s.startswith(name + ".") and old.get(s) is not i}


def test_the_path_a_file_was_named_by_does_not_count():
    a = fingerprints("x.tm")
    assert "fp_mod.f" in a and "fp_mod.f/fn#1" in a, sorted(a)
    for file in ("./x.tm", "sub/../x.tm", "/abs/folder/x.tm", "/elsewhere/x.tm", "<repl>"):
        assert fingerprints(file) == a, file


def test_moving_code_down_the_file_does_not_count():
    a = fingerprints("x.tm")
    assert fingerprints("x.tm", src="\n\n;; a comment\n\n" + SRC) == a


def test_the_gensym_counter_does_not_count():
    a = fingerprints("x.tm")
    for _ in range(17):
        gensym("other")  # what a program's macros did before this module was loaded
    assert fingerprints("x.tm") == a
    # a module compiled after forms that expanded macros of their own
    assert fingerprints("x.tm", before="(defmacro m [] (let [g (gensym)] `(let [~g 1] ~g))) (m) (m)") == a


def test_the_index_of_a_constant_does_not_count_but_its_value_does():
    a = fingerprints("x.tm")
    # earlier constants shift every #K index of this module's code
    assert fingerprints("x.tm", before="(def some-constants [:a :b 'c (quote (1 2))])") == a
    changed = SRC.replace("'sym", "'other")
    assert fingerprints("x.tm", src=changed)["fp_mod.f"] != a["fp_mod.f"]


def test_a_quoted_value_from_a_macro_expansion_counts():
    src = "(defn f [] (k))"
    one = fingerprints("x.tm", src=src, before="(defmacro k [] `(quote :one))")
    two = fingerprints("x.tm", src=src, before="(defmacro k [] `(quote :two))")
    assert one["fp_mod.f"] != two["fp_mod.f"]


def test_canonical_text_numbers_gensyms_and_orders_macro_built_maps():
    (form,) = read_all("(let [v__12 1 w__40 v__12] (+ v__12 w__40))", "x.tm")
    (same,) = read_all("(let [v__7 1 w__3 v__7] (+ v__7 w__3))", "x.tm")
    (other,) = read_all("(let [v__7 1 w__3 w__3] (+ v__7 w__3))", "x.tm")
    assert canonical(form) == canonical(same)
    assert canonical(form) != canonical(other)
    from turmeric.core.values import pmap

    keys = ["k" + str(i) for i in range(40)]
    m1 = pmap({k: i for i, k in enumerate(keys)})
    m2 = pmap({k: i for i, k in reversed(list(enumerate(keys)))})
    assert canonical(m1) == canonical(m2)


def test_an_ast_field_a_later_python_adds_does_not_count():
    # Python 3.12 added FunctionDef.type_params (empty for our code): an empty or None
    # field is left out, so the text is the same with and without it
    (fdef,) = ast.parse("def f(a):\n    return a + 1\n").body

    class FunctionDef(ast.FunctionDef):  # the node type as a later Python defines it
        _fields = ast.FunctionDef._fields + ("type_params",)

    newer = FunctionDef(name=fdef.name, args=fdef.args, body=fdef.body, decorator_list=[], returns=None, type_params=[])
    a, b = _Normalise(), _Normalise()
    a.visit(fdef)
    b.visit(newer)
    assert a.out == b.out


def test_code_fingerprint_ignores_only_the_position_argument_of_throw():
    class Fn:
        form_text = "(f)"
        ptypes = ()

    def fdef(code, callee):
        (d,) = ast.parse(code).body
        d.body[0].value.func.id = callee  # `#throw` is not valid in source: set it by hand
        return d

    a = fdef("def f(v):\n    return T(v, 'a/x.tm:1:2')", "#throw")
    b = fdef("def f(v):\n    return T(v, '/abs/x.tm:9:9')", "#throw")
    other_value = fdef("def f(v):\n    return T(w, '/abs/x.tm:9:9')", "#throw")
    other_callee = fdef("def f(v):\n    return T(v, '/abs/x.tm:9:9')", "#other")
    other_callee_a = fdef("def f(v):\n    return T(v, 'a/x.tm:1:2')", "#other")
    assert code_fingerprint(a, Fn()) == code_fingerprint(b, Fn())
    assert code_fingerprint(a, Fn()) != code_fingerprint(other_value, Fn())
    # any other call's string arguments are code
    assert code_fingerprint(other_callee, Fn()) != code_fingerprint(other_callee_a, Fn())
