"""The expander on its own: forms -> core nodes, with a stub environment (no loader, no compiler).

Covers the special-forms table and its declared shapes, the core macros' reductions,
scope resolution, inline primitives, stable function symbols and macro expansion
through the environment's `call_macro`.
"""

from __future__ import annotations

import pytest

from turmeric.core import nodes as C
from turmeric.core.values import PList, Symbol, plist
from turmeric.expander import CompileError, Expander, canonical
from turmeric.expander.specials import BODY, EVEN_BODY, FORM, ONE_SYM_VEC, OPT, PAIRS, SPECIAL_FORMS, SYM, matches
from turmeric.reader import read_all, read_one


class StubEnv:
    """What the expander asks of its module, and nothing else."""

    def __init__(self, builtins=("+", "-", "inc", "list", "first", "println", "=", "<"), defined=(), macros=None):
        self.name = "t"
        self.file = "t.tm"
        self.builtins = set(builtins)
        self.declared = set(defined)
        self.macros = dict(macros or {})
        self.aliases = {}
        self.unresolved = []
        self.calls = []

    def defined(self, name):
        return name in self.declared

    def is_builtin(self, name):
        return name in self.builtins

    def source_line(self, n):
        return ""

    def call_macro(self, macro, args, pos):
        self.calls.append((macro, args))
        return macro(*args)


def expand(src, env=None):
    env = env or StubEnv()
    return Expander(env).expand_top(read_one(src, "t.tm"), "t.top#1").body


def error_of(src, env=None):
    with pytest.raises(CompileError) as e:
        expand(src, env)
    return e.value


# --- the special-forms table -------------------------------------------------------------------

EXPECTED_FORMS = {
    "quote",
    "quasiquote",
    "if",
    "do",
    "def",
    "defn",
    "fn",
    "let",
    "loop",
    "recur",
    "set!",
    "defmacro",
    "struct",
    "match",
    "throw",
    "try",
    "defclass",
    "instance",
    "version",
    "module",
    "import",
    "import-python",
    "cloneable-shift",
    "shift",
    "when",
    "unless",
    "cond",
    "and",
    "or",
    "suspend",
    "with",
}


def test_the_table_declares_every_special_form_with_a_handler():
    assert set(SPECIAL_FORMS) == EXPECTED_FORMS
    for name, sf in SPECIAL_FORMS.items():
        assert callable(sf.handler), name
        assert sf.shape is None or sf.usage, name
    assert SPECIAL_FORMS["shift"].handler is SPECIAL_FORMS["cloneable-shift"].handler


@pytest.mark.parametrize(
    "shape, args, ok",
    [
        ((FORM,), [1], True),
        ((FORM,), [], False),
        ((FORM,), [1, 2], False),
        ((FORM, FORM, OPT), [1, 2], True),
        ((FORM, FORM, OPT), [1, 2, 3], True),
        ((FORM, FORM, OPT), [1, 2, 3, 4], False),
        ((SYM, FORM), [Symbol("x"), 1], True),
        ((SYM, FORM), [1, 1], False),
        ((FORM, BODY), [1], True),
        ((FORM, BODY), [], False),
        ((EVEN_BODY,), [1, 2, 3, 4], True),
        ((EVEN_BODY,), [1, 2, 3], False),
    ],
)
def test_shapes(shape, args, ok):
    assert matches(shape, args) is ok


def test_vector_shapes():
    pairs, one = read_one("[a 1 b 2]"), read_one("[k]")
    assert matches((PAIRS, BODY), [pairs]) and not matches((PAIRS, BODY), [read_one("[a]")])
    assert matches((ONE_SYM_VEC, BODY), [one, 1]) and not matches((ONE_SYM_VEC, BODY), [read_one("[1]")])
    assert not matches((PAIRS, BODY), [Symbol("a")])


@pytest.mark.parametrize(
    "src, message",
    [
        ("(quote)", "(quote x) takes one form"),
        ("(if 1)", "(if test then else?) takes two or three forms"),
        ("(if 1 2 3 4)", "(if test then else?) takes two or three forms"),
        ("(when)", "(when test body...) needs a test"),
        ("(cond 1)", "cond needs test/expression pairs"),
        ("(def 1 2)", "(def name expr) needs a name and one expression"),
        ("(defn f)", "(defn name [params] body...) needs a name and a parameter vector"),
        ("(let [a] a)", "(let [name value ...] body...) needs a binding vector with pairs"),
        ("(loop x)", "(loop [name init ...] body...) needs a binding vector with pairs"),
        ("(set! x)", "(set! name expr) needs a name and one expression"),
        ("(throw)", "(throw value) takes one value"),
        ("(with [] 1)", "(with [name expr ...] body...) needs a binding vector with pairs"),
        ("(with [x] 1)", "(with [name expr ...] body...) needs a binding vector with pairs"),
        ("(cloneable-shift k k)", "(cloneable-shift [k] body...) needs one name in a vector"),
        ("(shift [1] 1)", "(cloneable-shift [k] body...) needs one name in a vector"),
        ("(fn [] (defmacro m [] 1))", "(defmacro ...) is only allowed at the top level of a module"),
        ("(let [x 1] (import foo))", "(import ...) is only allowed at the top level of a module"),
    ],
)
def test_a_form_of_the_wrong_shape_is_a_compile_error_at_the_form(src, message):
    e = error_of(src)
    assert message in str(e)
    assert e.pos is not None and e.pos.file == "t.tm"


def test_a_special_form_is_not_a_value():
    assert "'if' is a special form and can't be used as a value" in str(error_of("(let [x if] x)"))


def test_a_local_named_like_a_special_form_shadows_it():
    node = expand("(let [when (fn [a b] a)] (when 1 2))")
    assert type(node) is C.Let and type(node.body) is C.Call


# --- reductions --------------------------------------------------------------------------------


def test_when_unless_cond_become_if():
    n = expand("(when 1 2)")
    assert type(n) is C.If and type(n.else_) is C.Const and n.else_.value is None
    n = expand("(unless 1 2)")
    assert type(n) is C.If and n.then.value is None
    n = expand("(cond 1 2 :else 3)")
    assert type(n) is C.If and n.else_.value == 3


def test_and_or_bind_the_value_once():
    n = expand("(and 1 2)")
    assert type(n) is C.Let and type(n.body) is C.If
    ((v, val),) = n.bindings
    assert type(val) is C.Const and n.body.test.var is v
    assert expand("(and)").value is True and expand("(or)").value is None


def test_inline_primitive_only_for_an_undefined_builtin_with_accepted_arity():
    assert type(expand("(+ 1 2)")) is C.Prim
    assert type(expand("(inc 1 2)")) is C.Call  # inc takes one argument inline
    assert type(expand("(+ 1 2)", StubEnv(defined={"+"}))) is C.Call  # the module defines +
    ref = expand("(first)", StubEnv(builtins=()))
    assert type(ref) is C.Call and type(ref.fn) is C.GRef and not ref.fn.builtin


def test_suspend_is_a_shift_returning_k():
    n = expand("(suspend)")
    assert type(n) is C.Shift and n.body_fn.is_shift_body and n.body_fn.symbol == "t.top#1/shift#1"


# --- scope -------------------------------------------------------------------------------------


def test_locals_are_vars_and_globals_are_grefs():
    n = expand("(let [x 1] (+ x y))")
    ((x, _),) = n.bindings
    prim = n.body
    assert type(prim.args[0]) is C.LRef and prim.args[0].var is x and x.name == "x"
    assert type(prim.args[1]) is C.GRef and prim.args[1].name == "y"


def test_a_global_read_before_it_is_defined_is_recorded_for_check():
    env = StubEnv()
    expand("(later 1)", env)
    assert [name for name, _ in env.unresolved] == ["later"]


def test_set_on_a_captured_local_boxes_it():
    n = expand("(let [x 1] (fn [] (set! x 2)))")
    ((x, _),) = n.bindings
    assert x.mutated and x.captured and x.boxed
    n = expand("(let [x 1] (set! x 2) x)")
    ((x, _),) = n.bindings
    assert x.mutated and not x.captured and not x.boxed


def test_recur_must_be_in_tail_position():
    assert "recur must be in tail position" in str(error_of("(loop [i 0] (+ 1 (recur i)))"))
    assert "recur takes 1 argument(s) here, got 2" in str(error_of("(loop [i 0] (recur 1 2))"))


# --- symbols -----------------------------------------------------------------------------------


def collect_fns(node, out):
    if isinstance(node, C.Fn):
        out.append(node.symbol)
    for slot in getattr(type(node), "__slots__", ()):
        v = getattr(node, slot, None)
        for x in v if isinstance(v, list) else [v]:
            if isinstance(x, tuple):
                for y in x:
                    if isinstance(y, C.Node):
                        collect_fns(y, out)
            elif isinstance(x, C.Node):
                collect_fns(x, out)
    return out


def test_functions_get_stable_symbols():
    env = StubEnv()
    (form,) = read_all("(defn outer [] (fn [] 1) (fn [] (cloneable-shift [k] k)) (defn inner [] 2))", "t.tm")
    fn = Expander(env).expand_top(form, "t.top:outer")
    assert collect_fns(fn.body, []) == ["t.outer", "t.outer/fn#1", "t.outer/fn#2", "t.outer/fn#2/shift#1", "t.outer/inner"]


# --- macros ------------------------------------------------------------------------------------


def test_macros_expand_through_the_environment():
    def swap(a, b):
        return plist([Symbol("list"), b, a])

    env = StubEnv(macros={"swap": swap})
    n = expand("(swap 1 2)", env)
    assert type(n) is C.Call and [a.value for a in n.args] == [2, 1]
    assert env.calls == [(swap, [1, 2])]


def test_a_macro_cannot_shadow_a_special_form():
    env = StubEnv(macros={"if": lambda *a: 1})
    assert type(expand("(if 1 2 3)", env)) is C.If and env.calls == []


def test_quasiquote_builds_the_list_at_run_time():
    n = expand("(let [x 1] `(a ~x ~@[2 3]))")
    call = n.body
    assert type(call) is C.Call and call.fn.name == "#qq-list"
    # (a) and (x) are one-element lists; the spliced vector is spliced as it is
    assert [type(a).__name__ for a in call.args] == ["Call", "Call", "VecLit"]
    assert [a.fn.name for a in call.args[:2]] == ["list", "list"]
    assert call.args[1].args[0].var is n.bindings[0][0]


def test_canonical_text_ignores_comments_and_layout():
    a = read_one("(defn f [x] ; comment\n   (+ x   1))")
    b = read_one("(defn f [x] (+ x 1))")
    assert canonical(a) == canonical(b)
    assert canonical(a) != canonical(read_one("(defn f [x] (+ x 2))"))
    assert isinstance(a, PList)
