"""Compiler unit tests: capture sites and their handlers, tail calls, source positions,
fingerprints, closures over loop variables and boxes (docs/design.md, "Code generation").

Forms are expanded with `Module.expander.expand_top` and compiled with
`ModuleCompiler.compile_unit(fn, toplevel=True)`, as docs/design.md describes; the
generated `ast.Module` is inspected directly. A few tests also run the code to check
that the shape seen in the ast has the documented effect.
"""

from __future__ import annotations

import ast
import re
import sys
import traceback

import pytest

from turmeric import loader as modules
from turmeric.compiler import ModuleCompiler
from turmeric.core.values import Thrown
from turmeric.reader import read_all
from turmeric.runtime import control, library
from turmeric.runtime.printer import readable

sys.setrecursionlimit(100000)
modules.load_prelude()


# --- helpers -------------------------------------------------------------------------------------


class Compiled:
    """The compiled units of one top-level form."""

    def __init__(self, mc, mod):
        self.mc = mc
        self.mod = mod
        self.text = ast.unparse(mod)
        self.defs = {d.name: d for d in mod.body}
        self.infos = {info.symbol: info for info, _, _, _ in mc.infos}

    def normal(self, symbol):
        """The plain Python function of a compiled Turmeric function (inside its factory)."""
        fac = self.defs.get(f"#mk:{symbol}")
        if fac is not None:
            inner = fac.body[0]
            assert isinstance(inner, ast.FunctionDef)
            return inner
        return self.defs[f"#f:{symbol}"]

    def resume(self, symbol):
        return self.defs[f"#r:{symbol}"]


def compile_form(src, modname, setup=None, index=-1):
    """Compile the `index`th form of `src` in a fresh module (after running `setup` in it)."""
    file = f"/tmp/{modname}.tm"
    m = modules.Module(modname, file, source=src)
    if setup:
        m.eval_source(setup, file)
    m.lines = src.split("\n")
    form = read_all(src, file)[index]
    fn = m.expander.expand_top(form, f"{modname}.top#1")
    mc = ModuleCompiler(modname, file, library.HOST.__contains__, m.consts)
    mc.compile_unit(fn, toplevel=True)
    mod = ast.Module(mc.defs, [])
    ast.fix_missing_locations(mod)
    return Compiled(mc, mod)


def run(src, name):
    m = modules.Module(name, f"/tmp/{name}.tm", source=src)
    return m, m.eval_source(src, f"/tmp/{name}.tm")


def parents(tree):
    p = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            p[child] = node
    return p


def calls_to(tree, fname):
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == fname]


def handles_unwind(try_node):
    return any(isinstance(h.type, ast.Name) and h.type.id == "#Unwind" for h in try_node.handlers)


def unwind_try(node, par):
    """The innermost `try` with an `#Unwind` handler whose body contains `node`, or None."""
    child, cur = node, par.get(node)
    while cur is not None and not isinstance(cur, ast.FunctionDef):
        if isinstance(cur, ast.Try) and any(child is s for s in cur.body) and handles_unwind(cur):
            return cur
        child, cur = cur, par.get(cur)
    return None


def unwind_handler(try_node):
    return next(h for h in try_node.handlers if isinstance(h.type, ast.Name) and h.type.id == "#Unwind")


def called_names(node):
    return [n.func.id for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]


def only_call(tree, fname):
    found = calls_to(tree, fname)
    assert len(found) == 1, (fname, ast.unparse(tree))
    return found[0]


# --- capture sites: host builtins versus Turmeric calls ------------------------------------------

SITES_SRC = """(defn f [x]
  (let [a (string/upper x)
        b (g a)]
    (h b)))"""


def test_host_builtin_call_is_not_wrapped_but_user_call_is():
    c = compile_form(SITES_SRC, "cp_sites")
    f = c.normal("cp_sites.f")
    par = parents(f)
    str_call = only_call(f, "#b:string/upper")
    assert unwind_try(str_call, par) is None
    g_call = only_call(f, "g")
    t = unwind_try(g_call, par)
    assert t is not None
    handler = unwind_handler(t)
    assert handler.name == "#c"
    (cap,) = calls_to(handler, "#cap")
    assert isinstance(handler.body[-1], ast.Raise)
    c_arg, callee, info, site, vals = cap.args
    assert c_arg.id == "#c"
    assert callee.id == "g"  # the barrier check needs the callee
    assert info.id == "#I:cp_sites.f"
    assert site.value == 1
    saved = [n.id for n in vals.elts]
    assert [s.split("~")[0] for s in saved] == ["x", "a"]
    assert c.infos["cp_sites.f"].sites == {1: ("x", "a")}


def test_sites_are_numbered_in_order():
    c = compile_form("(defn f [x] (let [a (g x) b (h a)] (vector a b)))", "cp_order")
    f = c.normal("cp_order.f")
    par = parents(f)
    nums = []
    for fname in ("g", "h"):
        (cap,) = calls_to(unwind_try(only_call(f, fname), par), "#cap")
        nums.append(cap.args[3].value)
    assert nums == [1, 2]
    assert sorted(c.infos["cp_order.f"].sites) == [1, 2]
    # the final host call in tail position is a plain return, without a handler
    str_call = only_call(f, "#b:vector")
    assert unwind_try(str_call, par) is None
    assert isinstance(par[str_call], ast.Return)


def test_a_module_definition_shadowing_a_builtin_makes_the_call_a_site():
    c = compile_form("(defn f [x] (let [y (str x)] y))", "cp_shadow", setup="(defn str [x] x)")
    f = c.normal("cp_shadow.f")
    assert calls_to(f, "#b:str") == []
    assert unwind_try(only_call(f, "str"), parents(f)) is not None


def test_non_host_builtin_sort_is_a_site():
    c = compile_form("(defn f [xs] (let [ys (sort xs)] ys))", "cp_sort")
    f = c.normal("cp_sort.f")
    assert unwind_try(only_call(f, "sort"), parents(f)) is not None


def test_inline_primitives_are_python_operators():
    c = compile_form("(defn f [a b] (if (< a b) (+ a (inc b)) (not a)))", "cp_prims")
    f = c.normal("cp_prims.f")
    # <, +, not are operators; inc of a value not known to be a number is `b + 1` behind a
    # `type(b) is int` test (a boolean is not a number), with the library's inc the other branch
    inc_tests = [n for n in ast.walk(f) if isinstance(n, ast.IfExp) and calls_to(n.orelse, "#b:inc")]
    assert len(inc_tests) == 1 and isinstance(inc_tests[0].body, ast.BinOp)
    # `<` of operands not known to be numbers runs behind `x is not True and x is not
    # False` (Python orders booleans as 1 and 0); the library function, which throws
    # type-error, is only the other branch. `a` was compared in the test, so the `+` in
    # the branch needs no such test again: it is a plain operator
    assert sorted(called_names(f)) == ["#b:<", "#b:inc", "#type"]
    (guarded,) = [n for n in ast.walk(f) if isinstance(n, ast.IfExp) and calls_to(n.orelse, "#b:<")]
    assert isinstance(guarded.body, ast.Compare)
    assert any(
        isinstance(t, ast.Compare) and isinstance(t.ops[0], ast.IsNot) and t.comparators[0].value is True for t in ast.walk(guarded.test)
    )
    assert any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add) and ast.unparse(n.left).startswith("a~") for n in ast.walk(f))
    assert any(isinstance(n, ast.Compare) and isinstance(n.ops[0], ast.Lt) for n in ast.walk(f))
    assert not any(isinstance(n, ast.Try) for n in ast.walk(f))


def test_known_numbers_compare_and_divide_without_calls():
    c = compile_form("(defn f [n] (loop [i 0 c 0] (if (= i n) c (recur (inc i) (if (zero? (mod i 7)) (inc c) c)))))", "cp_fast_eq")
    f = c.normal("cp_fast_eq.f")
    # i and c are known numbers: = is == plus a boolean test on n only, mod is %, zero? is == 0, inc is + 1
    # (and for an int n, the loop is Python's `for i in range(i, n)`: counted_loop)
    assert sorted(set(called_names(f))) == ["#range", "#type"]
    assert calls_to(f, "#eq") == [] and calls_to(f, "#b:mod") == [] and calls_to(f, "#b:zero?") == []
    assert any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mod) for n in ast.walk(f))


def test_equality_with_unknowns_keeps_structural_equality():
    c = compile_form('(defn f [a b] (list (= a b) (= a #t) (= a :k) (= a "s") (not= a b)))', "cp_eq_unknown")
    f = c.normal("cp_eq_unknown.f")
    assert len(calls_to(f, "#eq")) == 2  # (= a b) and (not= a b); #t and :k are identity, "s" is ==
    assert sum(isinstance(n, ast.Compare) and isinstance(n.ops[0], ast.Is) for n in ast.walk(f)) == 2


def test_leaf_lambda_in_map_filter_reduce_is_inline():
    c = compile_form("(defn f [xs] (reduce (fn [a x] (+ a x)) 0 (filter (fn [x] (odd? x)) (map (fn [x] (* x x)) xs))))", "cp_hof")
    f = c.normal("cp_hof.f")
    for hof in ("map", "filter", "reduce", "#mk:cp_hof.f/fn#1"):
        assert calls_to(f, hof) == [], hof
    assert not any(isinstance(n, ast.Try) for n in ast.walk(f))  # no capture site left
    assert c.infos["cp_hof.f"].leaf
    assert any(isinstance(n, ast.ListComp) for n in ast.walk(f))


def test_capturing_lambda_in_map_is_the_prelude_loop_inline_with_a_frozen_accumulator():
    c = compile_form("(defn f [xs] (map (fn [x] (+ x (g x))) xs))", "cp_hof_site")
    f = c.normal("cp_hof_site.f")
    # no call to map nor to a closure: the prelude's loop in f, the lambda's body inline,
    # its call of g a capture site whose frame holds the loop's state and the accumulator
    assert calls_to(f, "map") == [] and calls_to(f, "#mk:cp_hof_site.f/fn#1") == []
    assert unwind_try(only_call(f, "g"), parents(f)) is not None
    info = c.infos["cp_hof_site.f"]
    assert info.transient  # cap freezes the accumulator, each resumption thaws a copy
    (names,) = info.sites.values()
    assert {"#xs", "#n", "#i", "#acc"} <= set(names)
    # any function value: %host? first (a host function maps in C), else the same loop
    c = compile_form("(defn h [f xs] (map f xs))", "cp_hof_any")
    h = c.normal("cp_hof_any.h")
    assert len(calls_to(h, "#b:%host?")) == 1 and len(calls_to(h, "#b:%host-map")) == 1
    assert c.infos["cp_hof_any.h"].transient


def test_self_recursive_numeric_results_need_no_check():
    # fib returns n (a number whenever its argument is) or a sum: its self-calls with
    # numeric arguments are numbers, so their + is the plain operator
    c = compile_form("(defn fib [n] (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))", "cp_fib")
    f = c.normal("cp_fib.fib")
    assert calls_to(f, "#arith-check") == [] and calls_to(f, "#type") == []
    assert len(calls_to(f, "fib")) == 2  # still capture sites: each in a try with a handler
    assert all(unwind_try(call_, parents(f)) is not None for call_ in calls_to(f, "fib"))
    # a base case that is not a number keeps the check (2 * "s" would repeat the string), in
    # every copy of the body (the one for an int n included: compile_fn_body): against a
    # number literal, a class test on the other operand with the library's `*` (which throws
    # type-error) on the other branch
    c = compile_form('(defn g [n] (if (= n 0) "s" (* 2 (g (- n 1)))))', "cp_fib_str")
    g = c.normal("cp_fib_str.g")
    products = [n for n in ast.walk(g) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult)]
    assert products and len(calls_to(g, "#b:*")) == len(products)
    # a self-call with an argument not known to be a number is unknown
    c = compile_form("(defn h [n] (if (< n 2) n (* (h (str n)) 2)))", "cp_fib_arg")
    h = c.normal("cp_fib_arg.h")
    products = [n for n in ast.walk(h) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Mult)]
    assert products and len(calls_to(h, "#b:*")) == len(products)


def test_for_each_over_a_range_with_a_ref_is_a_plain_loop():
    c = compile_form(
        "(defn f [n] (let [t (ref 0)] (for-each (range n) (fn [x] (when (zero? (mod x 4)) (ref-set! t (+ (deref t) x))))) (deref t)))",
        "cp_foreach_ref",
    )
    f = c.normal("cp_foreach_ref.f")
    loops = [n for n in ast.walk(f) if isinstance(n, ast.For)]
    assert len(loops) == 1 and ast.unparse(loops[0].iter) == "#range(n~1)"
    # no call per element: x is an int (mod and zero? are operators), t is a Ref (value loads and stores);
    # the ref's content may be anything, so `+` runs behind a class test that it is an int or
    # a float (identity tests that it is not a boolean would let a Fraction through, which
    # Python adds), with the library's `+` (which throws type-error) only the other branch
    body = ast.Module(loops[0].body, [])
    guarded = [n for n in ast.walk(body) if isinstance(n, ast.IfExp) and calls_to(n.orelse, "#b:+")]
    assert len(guarded) == 1 and [ast.unparse(n.func) for n in ast.walk(guarded[0].test) if isinstance(n, ast.Call)] == ["#type"]
    assert "#int" in ast.unparse(guarded[0].test) and "#float" in ast.unparse(guarded[0].test)
    fallbacks = {id(n) for g in guarded for n in ast.walk(g.orelse)}
    tests = {id(n) for g in guarded for n in ast.walk(g.test)}
    assert [ast.unparse(n) for n in ast.walk(body) if isinstance(n, ast.Call) and id(n) not in fallbacks | tests] == []
    assert any(isinstance(n, ast.Assign) and ast.unparse(n.targets[0]) == "t~2.value" for n in ast.walk(body))


def test_ref_set_on_an_unknown_value_tests_for_a_ref():
    c = compile_form("(defn f [r v] (ref-set! r v))", "cp_refset")
    f = c.normal("cp_refset.f")
    assert len(calls_to(f, "#b:ref-set!")) == 1  # the library's, for anything but a Ref (type-error)
    assert len(calls_to(f, "#type")) == 1


def test_str_of_range_elements_formats_ints_directly():
    c = compile_form('(defn f [n] (map (fn [i] (str "item-" i ":" (* i i))) (range n)))', "cp_str_int")
    f = c.normal("cp_str_int.f")
    assert calls_to(f, "#display") == [] and calls_to(f, "#type") == [] and calls_to(f, "#arith-check") == []
    c = compile_form('(defn f [xs] (map (fn [i] (str "item-" i)) xs))', "cp_str_any")
    assert len(calls_to(c.normal("cp_str_any.f"), "#display")) == 1


def test_nary_arithmetic_tests_each_unknown_operand():
    c = compile_form("(defn f [a b] (+ a 1 b))", "cp_nary")
    f = c.normal("cp_nary.f")
    assert len(calls_to(f, "#b:+")) == 1 and len(calls_to(f, "#type")) == 2  # a and b, not the literal


def test_join_of_an_inlined_map_joins_the_accumulator():
    c = compile_form('(defn j [xs] (string/join "," (map (fn [x] (str (g x))) xs)))', "cp_join_map")
    f = c.normal("cp_join_map.j")
    assert calls_to(f, "map") == [] and calls_to(f, "#b:%seal") == [] and calls_to(f, "#b:string/join") == []
    # the elements are strings (str) and the separator a literal string: str.join itself
    assert calls_to(f, "#b:%join-acc") == [] and ".join(#acc~" in ast.unparse(f) and calls_to(f, "#Transient") == []
    # the accumulator is a plain list (list.append specialises on the exact type), handed
    # to #cap frozen by the site's handler
    assert "#acc~h2 = []" in ast.unparse(f) and len(calls_to(f, "#freeze")) == 1
    (names,) = c.infos["cp_join_map.j"].sites.values()
    assert {"#sep", "#acc"} <= set(names)


def test_loop_over_ints_has_a_copy_without_type_tests():
    # i starts as the parameter n: the loop runs in a copy without type tests when n is an
    # int at entry (dec, mod and + keep it one), else in the ordinary loop, tests and all
    c = compile_form("(defn f [n] (loop [i n acc 0] (if (> i 0) (recur (dec i) (+ acc (mod i 5))) acc)))", "cp_int_loop")
    f = c.normal("cp_int_loop.f")
    (copy,) = [n for n in f.body if isinstance(n, ast.If)]
    assert ast.unparse(copy.test) == "#type(i~2) is #int"
    fast, generic = copy.body, copy.orelse
    # the copy counts i down with Python's range (counted_loop), no type test inside
    assert [type(s) for s in fast] == [ast.For] and [type(s) for s in generic] == [ast.While]
    assert ast.unparse(fast[0].iter) == "#range(i~2, 0, -1)"
    assert called_names(ast.Module(fast, [])) == ["#range"]
    assert sorted(set(called_names(ast.Module(generic, [])))) == ["#b:>", "#b:dec", "#b:mod", "#type"]
    # a bound used only in the test is tested at entry instead
    c = compile_form("(defn g [n] (loop [i 0 acc 0] (if (< i n) (recur (inc i) (+ acc (* i i))) acc)))", "cp_int_bound")
    g = c.normal("cp_int_bound.g")
    (copy,) = [n for n in ast.walk(g) if isinstance(n, ast.If) and "is #int" in ast.unparse(n.test)][:1]
    assert ast.unparse(copy.test) == "#type(n~1) is #int" and called_names(ast.Module(copy.body, [])) == ["#range"]
    # a loop whose counter is not stepped by one keeps the while loop in its copy
    c = compile_form("(defn h [n] (loop [i 0 acc 0] (if (< i n) (recur (+ i 2) (+ acc i)) acc)))", "cp_int_step")
    h = c.normal("cp_int_step.h")
    assert not any(isinstance(n, ast.For) for n in ast.walk(h))


def test_function_of_ints_has_a_copy_of_its_body_with_sites_of_its_own():
    src = "(defn mk [depth start] (if (= depth 0) (leaf) (node (mk (dec depth) (* 2 start)) start (mk (dec depth) (inc (* 2 start))))))"
    c = compile_form(src, "cp_int_fn")
    f = c.normal("cp_int_fn.mk")
    (copy,) = f.body
    assert ast.unparse(copy.test) == "#type(depth~1) is #int and #type(start~2) is #int"
    fast = ast.Module(copy.body, [])
    # no type test nor library fallback left in the copy: only the calls, each a capture site
    assert not [x for x in called_names(fast) if x.startswith(("#type", "#b:", "#arith"))]
    assert sorted(x for x in set(called_names(fast)) if not x.startswith("~")) == ["#cap", "#check_tail", "leaf", "mk"]
    assert calls_to(ast.Module(copy.orelse, []), "#b:*") != []  # (* 2 start) checked: start's class
    # each copy's calls are resume points of their own, and the resume variant reaches them all
    sites = c.infos["cp_int_fn.mk"].sites
    assert len(sites) == 4
    r = ast.unparse(c.resume("cp_int_fn.mk"))
    assert all(f"#rs == {n}" in r for n in sites)


def test_functions_without_an_int_copy():
    # fib's only test is the moved one (one identity test on the base case): no copy
    f = compile_form("(defn fib [n] (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))", "cp_no_fn_copy").normal("cp_no_fn_copy.fib")
    assert not any(isinstance(n, ast.If) and "is #int" in ast.unparse(n.test) for n in f.body)
    # a parameter rebound by recur
    f = compile_form("(defn g [n acc] (if (= n 0) acc (recur (dec n) (* acc n))))", "cp_no_fn_copy2").normal("cp_no_fn_copy2.g")
    assert not any(isinstance(n, ast.If) and "is #int" in ast.unparse(n.test) for n in ast.walk(f))


@pytest.mark.parametrize(
    "src",
    [
        "(defn f [n] (loop [i n acc 0] (if (> i 0) (recur (dec i) (+ acc (g i))) acc)))",  # a capture site
        "(defn f [n] (loop [i n acc 0] (if (> i 0) (recur (dec i) (+ acc ((fn [] i)))) acc)))",  # a function inside
        "(defn f [n] (loop [i n acc 0] (if (> i 0) (recur (str i) (+ acc 1)) acc)))",  # i is not kept a number
    ],
)
def test_loops_without_an_int_copy(src):
    f = compile_form(src, "cp_no_int_copy").normal("cp_no_int_copy.f")
    assert not any(isinstance(n, ast.If) and "is #int" in ast.unparse(n.test) for n in f.body)


def test_comparison_with_a_literal_tests_for_booleans_in_one_branch():
    # (< n 2) is true for #t and #f as Python orders them (1 and 0): the test is Python's
    # comparison alone, and only the branch a boolean would reach tests for one
    c = compile_form("(defn fib [n] (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))", "cp_moved")
    f = c.normal("cp_moved.fib")
    (top,) = [n for n in f.body if isinstance(n, ast.If)]
    assert ast.unparse(top.test) == "n~1 < 2"
    guard = top.body[0]
    assert ast.unparse(guard.test) == "n~1 is True or n~1 is False" and calls_to(guard, "#b:<") != []
    assert calls_to(ast.Module(top.orelse, []), "#b:<") == []
    # (> n 5) is false for both: the test goes to the else branch
    c = compile_form("(defn big [n] (if (> n 5) :big :small))", "cp_moved_else")
    (top,) = [n for n in c.normal("cp_moved_else.big").body if isinstance(n, ast.If)]
    assert calls_to(ast.Module(top.body, []), "#b:>") == [] and calls_to(ast.Module(top.orelse, []), "#b:>") != []
    # (> n 0) differs for #t and #f: the test keeps its guard
    c = compile_form("(defn pos [n] (if (> n 0) :pos :other))", "cp_moved_not")
    assert len(calls_to(c.normal("cp_moved_not.pos"), "#b:>")) == 1
    (top,) = [n for n in c.normal("cp_moved_not.pos").body if isinstance(n, ast.If)]
    assert calls_to(top.test, "#b:>") != []


def test_string_and_keyword_tests_tell_str_and_name_the_type():
    c = compile_form('(defn j [v] (cond (string? v) (str "s" v) (keyword? v) (str (name v)) :else (str v (name v))))', "cp_types")
    f = c.normal("cp_types.j")
    branches = [n for n in ast.walk(f) if isinstance(n, ast.If)]
    s_branch, k_branch = branches[0].body, branches[1].body
    assert ast.unparse(s_branch[0]) == "return f's{v~1}'"
    assert ast.unparse(k_branch[0]) == "return f'{v~1.name}'"
    # the else branch knows nothing: display and the library's name for other values
    assert calls_to(f, "#display") != [] and len(calls_to(f, "#b:name")) == 1
    # string/join with a literal separator returns a string: formatted as it is
    g = compile_form('(defn g [xs] (str "[" (string/join "," xs) "]"))', "cp_join").normal("cp_join.g")
    assert calls_to(g, "#display") == []


def test_a_site_whose_value_is_returned_at_once_runs_inside_the_return():
    f = compile_form("(defn fib [n] (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))", "cp_fused").normal("cp_fused.fib")
    tries = [t for t in ast.walk(f) if isinstance(t, ast.Try)]
    assert len(tries) == 2 and all(handles_unwind(t) for t in tries)
    # the second call's try returns the sum itself; the first still stores its value
    assert ast.unparse(tries[1].body[0]) == "return ~t1 + fib(n~1 - 2)"
    assert ast.unparse(tries[0].body[0]) == "~t1 = fib(n~1 - 1)"
    # a value tested before it is used (is it an int or a float?) is stored and returned as before
    g = compile_form("(defn k [x] (+ 1 (h x)))", "cp_fused2").normal("cp_fused2.k")
    (t,) = [t for t in ast.walk(g) if isinstance(t, ast.Try)]
    assert isinstance(t.body[0], ast.Assign) and "#type(~t1)) is #int" in ast.unparse(g)


def test_join_of_an_inline_map_over_keys_or_itself():
    src = (
        '(defn j [v] (cond (map? v) (string/join "," (map (fn [k] (str (j k) ":" (j (get v k)))) (keys v)))'
        ' (vector? v) (string/join "," (map j v)) :else (str v)))'
    )
    f = compile_form(src, "cp_join_self").normal("cp_join_self.j")
    text = ast.unparse(f)
    # (keys m) of a map whose values the lambda reads with (get m k): the tuple of its
    # (key, value) pairs when m is exactly a persistent map, else the library's keys and
    # items, whose elements are keys; (get v k) is the pair's value, else the library's get
    assert "#kv~h2 = #type(v~1) is #PMapT" in text
    assert "#xs~h2 = #tuple(v~1.items()) if #kv~h2 else #b:%items(#b:keys(v~1))" in text
    assert "k~2 = #e~h2[0] if #kv~h2 else #e~h2" in text
    assert "j(#e~h2[1] if #kv~h2 else #b:get(v~1, k~2))" in text
    # a vector's elements as a tuple; j mapped over them is j itself, never a host function
    assert "#tuple(v~1) if #type(v~1) is #PVec else #b:%items(v~1)" in text
    assert calls_to(f, "#b:%host?") == [] and calls_to(f, "#b:%host-map") == []
    # every element is a string (str, or j, all of whose values are): str.join itself
    assert calls_to(f, "#b:%join-acc") == [] and text.count(".join(#acc~") == 2
    # a separator that isn't a literal string, elements that may not be strings: the library's
    for src in ("(defn g [s v] (string/join s (map (fn [x] (str x)) v)))", '(defn g [v] (string/join "," (map (fn [x] x) v)))'):
        g = compile_form(src, "cp_join_lib").normal("cp_join_lib.g")
        assert ".join(" not in ast.unparse(g)
    # a function mapped over a vector that isn't the one being compiled may be a host function
    h = compile_form('(defn h [f v] (string/join "," (map f v)))', "cp_join_host").normal("cp_join_host.h")
    assert calls_to(h, "#b:%host?") != [] and calls_to(h, "#b:%join-acc") != []


def test_match_on_structs_reads_fields_directly():
    c = compile_form(
        "(defn s [t] (match t (Leaf) -> 0 (Node l v r) -> (+ (s l) v (s r))))", "cp_match", setup="(struct Leaf []) (struct Node [l v r])"
    )
    f = c.normal("cp_match.s")
    assert calls_to(f, "#b:#field-at") == [] and calls_to(f, "#b:+") != []
    assert "match~2[0]" in ast.unparse(f)  # a struct is the tuple of its fields
    # the struct test: the last passing class, then the last failing one, then the library
    assert len(calls_to(f, "#struct_is_ic")) == 2
    assert ".f and #struct_is_ic" in ast.unparse(f)


def test_field_caches_are_per_site():
    c = compile_form("(defn f [a b] (+ a.h b.h))", "cp_dot_sites")
    names = {n.id for n in ast.walk(c.normal("cp_dot_sites.f")) if isinstance(n, ast.Name) and n.id.startswith("#ic:")}
    assert len(names) == 2 and all(n.startswith("#ic:h@") for n in names)


def test_reduce_over_a_capturing_function_is_an_inline_loop_with_sites():
    c = compile_form("(defn f [xs] (reduce (fn [acc s] (+ acc (g s))) 0 xs))", "cp_site_reduce")
    f = c.normal("cp_site_reduce.f")
    assert calls_to(f, "reduce") == [] and not any(isinstance(n, ast.FunctionDef) for n in ast.walk(f) if n is not f)
    g = only_call(f, "g")
    h = unwind_handler(unwind_try(g, parents(f)))
    live = ast.unparse(h)
    for v in ("xs~h1", "n~h1", "i~h1", "acc~"):  # the loop's state is in the frame
        assert v in live, live
    c = compile_form("(defn f [xs] (for-each xs g))", "cp_site_foreach")
    f = c.normal("cp_site_foreach.f")
    assert calls_to(f, "for-each") == []
    assert unwind_try(only_call(f, "f~h1"), parents(f)) is not None


# --- tail calls ------------------------------------------------------------------------------


def test_tail_call_records_no_frame_but_checks_the_barrier():
    c = compile_form("(defn f [x] (g x))", "cp_tail")
    f = c.normal("cp_tail.f")
    par = parents(f)
    g_call = only_call(f, "g")
    assert isinstance(par[g_call], ast.Return)
    t = unwind_try(g_call, par)
    assert t is not None
    handler = unwind_handler(t)
    assert called_names(handler) == ["#check_tail"]
    (check,) = calls_to(handler, "#check_tail")
    assert check.args[0].id == "g"
    assert isinstance(handler.body[-1], ast.Raise)
    assert calls_to(f, "#cap") == []
    assert c.infos["cp_tail.f"].sites == {}
    # with no site, the resume variant only raises NoSite
    assert called_names(c.resume("cp_tail.f")) == ["#NoSite"]


def test_tail_call_after_a_site():
    c = compile_form("(defn f [x] (g (h x)))", "cp_tail2")
    f = c.normal("cp_tail2.f")
    par = parents(f)
    h_handler = unwind_handler(unwind_try(only_call(f, "h"), par))
    (cap,) = calls_to(h_handler, "#cap")
    # g was read before the site (evaluation order), so it is held in a saved temporary
    (ret,) = [n for n in ast.walk(f) if isinstance(n, ast.Return)]
    callee = ret.value.func.id
    assert callee.startswith("~t")
    assert callee in [n.id for n in cap.args[4].elts]
    g_handler = unwind_handler(unwind_try(ret.value, par))
    assert called_names(g_handler) == ["#check_tail"]
    assert calls_to(g_handler, "#check_tail")[0].args[0].id == callee
    assert list(c.infos["cp_tail2.f"].sites) == [1]


def test_tail_call_to_host_builtin_has_no_handler():
    c = compile_form("(defn f [x] (str x))", "cp_tail3")
    f = c.normal("cp_tail3.f")
    assert not any(isinstance(n, ast.Try) for n in ast.walk(f))


def test_tail_calls_record_no_frames_at_run_time():
    src = """(defn inner [] (+ 1 (cloneable-shift [k] k)))
(defn via-tail [] (inner))
(defn via-let [] (let [r (inner)] r))
(def k1 (cloneable-reset via-tail))
(def k2 (cloneable-reset via-let))
[(map (fn [f] f.fn-symbol) (continuation-frames k1))
 (map (fn [f] f.fn-symbol) (continuation-frames k2))
 (k1 1) (k2 1)]"""
    _, v = run(src, "cp_tailrt")
    assert readable(v) == '[("cp_tailrt.inner") ("cp_tailrt.inner" "cp_tailrt.via-let") 2 2]'


def test_tail_call_through_a_host_function_is_a_barrier():
    # sort calls the comparator back; the capture must not pass through sort, even though
    # the call to sort is a tail call that records no frame
    src = """(defn sorter [] (sort (fn [a b] (cloneable-shift [k] 0)) [2 1]))
(try (cloneable-reset sorter) (catch [e] e))"""
    _, v = run(src, "cp_barrier")
    assert readable(v) == '(continuation-barrier "sort")'


# --- tail continue in shift bodies -------------------------------------------------------------


@pytest.mark.parametrize("body", ["(continue k 7)", "(resume k 7)", "(k 7)"])
def test_continue_in_tail_position_of_shift_body_is_a_tail_continue(body):
    c = compile_form(f"(defn f [] (cloneable-shift [k] {body}))", "cp_tc")
    shift_body = c.normal("cp_tc.f/shift#1")
    par = parents(shift_body)
    (tc,) = calls_to(shift_body, "#TailContinue")
    assert isinstance(par[tc], ast.Return)
    assert tc.args[1].value == 7


def test_continue_not_in_tail_position_is_an_ordinary_call():
    c = compile_form("(defn f [] (cloneable-shift [k] (let [r (continue k 1)] (+ r 1))))", "cp_tc2")
    shift_body = c.normal("cp_tc2.f/shift#1")
    assert calls_to(shift_body, "#TailContinue") == []
    # a call site like any other (prompts and continue are not host calls: a thrown value
    # recorded for a snapshot passes through them, so the caller's frame records itself)
    (call,) = calls_to(shift_body, "continue")
    assert unwind_try(call, parents(shift_body)) is not None


# --- source positions -----------------------------------------------------------------------------


def test_generated_nodes_carry_turmeric_positions():
    c = compile_form(SITES_SRC, "cp_pos")
    f = c.normal("cp_pos.f")
    par = parents(f)
    assert c.defs["#mk:cp_pos.f"].lineno == 1
    str_call = only_call(f, "#b:string/upper")
    assert (str_call.lineno, str_call.col_offset) == (2, 10)
    g_call = only_call(f, "g")
    assert (g_call.lineno, g_call.col_offset) == (3, 10)
    assert unwind_try(g_call, par).lineno == 3
    h_call = only_call(f, "h")
    assert (h_call.lineno, h_call.col_offset) == (4, 4)
    assert par[h_call].lineno == 4  # the return statement
    # every node of the function points into the four lines of the source
    for node in ast.walk(f):
        if hasattr(node, "lineno"):
            assert 1 <= node.lineno <= 4, ast.dump(node)


def test_throw_site_records_file_line_col():
    c = compile_form("(defn f [x]\n  (throw x))", "cp_throwpos")
    (th,) = calls_to(c.normal("cp_throwpos.f"), "#throw")
    assert th.args[1].value == "/tmp/cp_throwpos.tm:2:3"
    assert th.lineno == 2


def test_python_tracebacks_point_into_turmeric_source():
    src = "(defn boom [x]\n  (let [y 1]\n    (/ x 0)))"
    m, _ = run(src, "cp_tb")
    with pytest.raises(Thrown) as info:
        m.ns["boom"](5)
    frames = [fr for fr in traceback.extract_tb(info.value.__traceback__) if fr.filename == "/tmp/cp_tb.tm"]
    assert frames, "no frame of the Turmeric file in the traceback"
    assert frames[-1].lineno == 3
    assert control.CODES[m.ns["boom"].__code__].symbol == "cp_tb.boom"


# --- fingerprints ---------------------------------------------------------------------------------

FP_BASE = "(defn f [a : int64, b] (let [c (+ a b)] (g c)))"


def fingerprint(src, setup=None):
    c = compile_form(src, "cp_fp", setup=setup)
    return c.infos["cp_fp.f"].fingerprint


def test_fingerprint_ignores_comments_and_whitespace():
    reformatted = """(defn f   ; a comment
  [a : int64
   b]        ; another
  #_ (discarded form)
  (let [c (+ a
             b)]
    (g c)))"""
    base = fingerprint(FP_BASE)
    assert fingerprint(reformatted) == base
    # compiling again (different gensym/var numbering) gives the same fingerprint
    assert fingerprint(FP_BASE) == base


@pytest.mark.parametrize(
    "changed",
    [
        "(defn f [a : int64, b] (let [c (+ a b)] (g (inc c))))",  # body
        "(defn f [a : int64, b] (let [c (- a b)] (g c)))",  # operator
        "(defn f [a : string, b] (let [c (+ a b)] (g c)))",  # parameter type
        "(defn f [a, b] (let [c (+ a b)] (g c)))",  # parameter type removed
        "(defn f [a : int64, b : int64] (let [c (+ a b)] (g c)))",  # parameter type added
        "(defn f [x : int64, b] (let [c (+ x b)] (g c)))",  # parameter renamed
    ],
)
def test_fingerprint_changes_with_code_and_types(changed):
    assert fingerprint(changed) != fingerprint(FP_BASE)


def test_fingerprint_changes_when_a_macro_expansion_changes():
    src = "(defn f [a] (twice a))"
    one = fingerprint(src, setup="(defmacro twice [x] `(* 2 ~x))")
    two = fingerprint(src, setup="(defmacro twice [x] `(+ ~x ~x))")
    assert one != two
    assert fingerprint(src, setup="(defmacro twice [x] `(* 2 ~x))") == one


# --- closures and boxes ---------------------------------------------------------------------------


def test_closure_in_loop_gets_the_current_value():
    c = compile_form("(defn f [] (loop [i 0 acc []] (if (< i 3) (recur (inc i) (conj acc (fn [] i))) acc)))", "cp_loopc")
    f = c.normal("cp_loopc.f")
    (mk,) = calls_to(f, "#mk:cp_loopc.f/fn#1")
    assert [a.id.split("~")[0] for a in mk.args] == ["i"]  # the factory receives i's value now
    assert "#Box" not in c.text


@pytest.mark.parametrize(
    ("n", "src"),
    list(
        enumerate(
            [
                "(def fs (loop [i 0 acc []] (if (< i 3) (recur (inc i) (conj acc (fn [] i))) acc)))",
                "(def fs (map (fn [i] (fn [] i)) (range 3)))",
                "(def fs (loop [i 0 acc []] (if (< i 3) (let [j (* i 1)] (recur (inc i) (conj acc (fn [] j)))) acc)))",
                "(defn build [] (let [acc (ref [])] (for-each (range 3) (fn [i] (swap! acc conj (fn [] i)))) (deref acc))) (def fs (build))",
            ]
        )
    ),
)
def test_closures_capturing_a_loop_variable_see_their_own_iteration(n, src):
    _, v = run(src + "\n(map (fn [f] (f)) fs)", f"cp_loopv{n}")
    assert list(v) == [0, 1, 2]


def test_boxed_loop_variable_is_a_new_box_per_iteration():
    src = """(def fs (loop [i 0 acc []]
  (if (< i 3) (recur (inc i) (conj acc (fn [] (set! i (* 10 i)) i))) acc)))
(map (fn [f] (f)) fs)"""
    _, v = run(src, "cp_loopbox")
    assert list(v) == [0, 10, 20]


def test_set_on_a_captured_local_makes_a_box():
    src = "(defn f [] (let [n 0 bump (fn [] (set! n (inc n)))] (bump) (bump) n))"
    c = compile_form(src, "cp_box")
    f = c.normal("cp_box.f")
    boxes = calls_to(f, "#Box")
    assert len(boxes) == 1
    assert boxes[0].args[0].value == 0
    assert isinstance(f.body[0], ast.Assign) and f.body[0].targets[0].id.startswith("n~")
    # reads and writes go through .v, in f and in the closure
    assert any(isinstance(n, ast.Attribute) and n.attr == "v" for n in ast.walk(f))
    bump = c.normal("cp_box.f/fn#1")
    assert any(isinstance(n, ast.Attribute) and n.attr == "v" and isinstance(n.ctx, ast.Store) for n in ast.walk(bump))
    m, v = run(src + "\n(f)", "cp_box_rt")
    assert v == 2


def test_box_is_shared_by_all_closures():
    src = """(defn f [] (let [n 0 bump (fn [] (set! n (+ n 5))) peek (fn [] n)]
  (bump) (bump) [(peek) n]))
(f)"""
    _, v = run(src, "cp_box_share")
    assert list(v) == [10, 10]


@pytest.mark.parametrize(
    "src",
    [
        "(defn f [] (let [n 0] (set! n (inc n)) n))",  # mutated, not captured
        "(defn f [] (let [n 0 g (fn [] n)] (g)))",  # captured, not mutated
    ],
)
def test_no_box_unless_mutated_and_captured(src):
    c = compile_form(src, "cp_nobox")
    assert "#Box" not in c.text
    assert not any(isinstance(n, ast.Attribute) and n.attr == "v" for n in ast.walk(c.mod))


def test_mutated_captured_parameter_is_boxed_on_entry():
    c = compile_form("(defn f [x] (let [g (fn [] (set! x 5))] (g) x))", "cp_parambox")
    f = c.normal("cp_parambox.f")
    first = f.body[0]
    assert isinstance(first, ast.Assign)
    assert first.targets[0].id == f.args.args[0].arg
    assert calls_to(first, "#Box")
    _, v = run("(defn f [x] (let [g (fn [] (set! x 5))] (g) x)) (f 1)", "cp_parambox_rt")
    assert v == 5


def test_generated_module_compiles_and_names_functions():
    c = compile_form(SITES_SRC, "cp_compiles")
    code = compile(c.mod, "/tmp/cp_compiles.tm", "exec")
    assert code.co_filename == "/tmp/cp_compiles.tm"
    assert set(c.infos) == {"cp_compiles.f", "cp_compiles.top#1"}
    assert {"#mk:cp_compiles.f", "#r:cp_compiles.f", "#f:cp_compiles.top#1", "#r:cp_compiles.top#1"} <= set(c.defs)


SHAPES_SETUP = """(defclass Shape [a] (area [s : a]) (scale [k s : a]))
(struct Sq [side])
(struct Typed [side : int64])
"""


def compile_with_facts(src, modname):
    """compile_form, with what the loader tells the compiler about the module's globals
    (struct layouts, type-class methods)."""
    file = f"/tmp/{modname}.tm"
    m = modules.Module(modname, file, source=src)
    m.eval_source(SHAPES_SETUP, file)
    fn = m.expander.expand_top(read_all(src, file)[0], f"{modname}.top#1")
    mc = ModuleCompiler(modname, file, library.HOST.__contains__, m.consts, m.struct_fields, m.dispatch_index)
    mc.compile_unit(fn, toplevel=True)
    mod = ast.Module(mc.defs, [])
    ast.fix_missing_locations(mod)
    return Compiled(mc, mod)


def test_a_known_struct_construction_is_built_in_place_behind_a_class_test():
    c = compile_with_facts("(defn f [i] (let [s (Sq i)] (g s) (Sq (+ i 1))))", "cp_ctor")
    f = c.normal("cp_ctor.f")
    par = parents(f)
    news = calls_to(f, "#tnew")
    # the let's and the tail's (in each copy of the body): no frame, not capture sites
    assert len(news) >= 2 and all(unwind_try(n, par) is None for n in news)
    misses = calls_to(f, "#new_miss")  # else: the ordinary sites, which capture
    assert len(misses) == len(news) and all(unwind_try(n, par) is not None for n in misses)
    tests = [n.test for n in ast.walk(f) if isinstance(n, ast.If) and isinstance(n.test, ast.Compare)]
    assert any(isinstance(t.left, ast.Name) and t.left.id == "Sq" and isinstance(t.ops[0], ast.Is) for t in tests)
    # a struct with checked fields, or a call of the wrong arity, is the plain call
    for src in ("(defn f [i] (Typed i))", "(defn f [i] (Sq i i))"):
        c = compile_with_facts(src, "cp_ctor2")
        assert not calls_to(c.mod, "#tnew") and not calls_to(c.mod, "#new_miss")


def test_a_method_call_keeps_an_inline_cache_and_stays_a_capture_site():
    c = compile_with_facts("(defn f [k s] (+ (area s) (scale k s)))", "cp_meth")
    f = c.normal("cp_meth.f")
    par = parents(f)
    misses = calls_to(f, "#tc_miss")
    assert len(misses) == 2
    assert [m.args[2].value for m in misses] == [0, 1]  # the dispatch argument's index
    for m in misses:
        site = unwind_try(m, par)
        assert site is not None  # hit and miss: one capture site
        hit = par[m].body
        assert isinstance(hit, ast.Call) and isinstance(hit.func, ast.Name) and unwind_try(hit, par) is site
        # the entry is for one session's state, read once when the frame is entered
        assert any(isinstance(n, ast.Name) and n.id == "~st" for n in ast.walk(par[m].test))
    entry = f.body[0]
    assert isinstance(entry, ast.Assign) and entry.targets[0].id == "~st" and calls_to(entry, "#tc_state")
    # no argument to dispatch on: the dispatcher's own arity error
    assert not calls_to(compile_with_facts("(defn f [] (area))", "cp_meth2").mod, "#tc_miss")


@pytest.mark.parametrize(
    "src, ctors",
    [
        ("(defn f [i] (if (even? i) (Sq i) (Sq (+ i 1))))", ("Sq",)),
        ("(defn f [i] (let [s (Sq i)] (Sq s)))", ("Sq",)),
        ("(defn f [i] (g (Sq i)))", None),  # another call: it may capture
        ("(defn f [i] (set! h 1) (Sq i))", None),  # it could make Sq a function mid-loop
        ("(defn f [i] (Typed i))", None),  # a checked struct: the plain call site
    ],
)
def test_a_function_that_only_constructs_structs_is_marked(src, ctors):
    """`%host?` lets such a function run in C (`map`) while each global holds a struct class."""
    c = compile_with_facts(src, "cp_ctors")
    info = c.infos["cp_ctors.f"]
    assert not info.leaf and info.ctors == ctors


def test_an_instance_method_indexes_its_struct_behind_one_entry_test():
    # its dispatch parameter's layout is tested once (`~sp`); each field read then indexes
    # the struct; a struct of another layout reads by name (tests/programs/dispatch_struct_param.tm)
    from turmeric.core.registry import current_state

    src = SHAPES_SETUP + "(instance Shape Sq (area [s] (* s.side s.side)) (scale [k s] (+ k s.side)))\n(struct Typed2 [a])"
    m, _ = run(src, "cp_sp")
    inst = current_state().instance("Shape", "Sq")
    for mname in ("area", "scale"):
        code = inst.methods[mname].__code__
        assert "#sp_learn" in code.co_names and any(n.startswith("#sp:Sq@") for n in code.co_names)
    assert m.ns["area"](m.ns["Sq"](3)) == 9 and m.ns["scale"](1, m.ns["Sq"](3)) == 4


def compile_method(src, mname, modname):
    """An instance method of Shape for Sq, `src` being `([params] body...)`, compiled as
    tl_instance compiles it: the method's Python function definition."""
    file = f"/tmp/{modname}.tm"
    m = modules.Module(modname, file, source=src)
    m.eval_source(SHAPES_SETUP, file)
    symbol = f"{modname}.Shape:Sq/{mname}"
    fn = m.expander.expand_fn_form(read_all(src, file)[0], symbol)
    fn.instance_of = ({"area": 0, "scale": 1}[mname], "Sq")
    mc = ModuleCompiler(modname, file, library.HOST.__contains__, m.consts, m.struct_fields, m.dispatch_index)
    mc.compile_unit(fn)
    (fac,) = [d for d in mc.defs if d.name == f"#mk:{symbol}"]
    ast.fix_missing_locations(fac)
    return fac.body[0]


def test_an_instance_method_without_sites_is_split_on_its_layout_test():
    # no capture site: the layout test on entry chooses a copy of the body that indexes the
    # struct with no test per read, else the ordinary body (each read by name, no `~sp`);
    # with a site (a frame resumed elsewhere would skip an entry test), each read tests `~sp`
    area = compile_method("([s] (* s.side s.side))", "area", "cp_split")
    (split,) = area.body
    assert isinstance(split, ast.If) and calls_to(split.test, "#sp_learn") and "~sp" not in ast.unparse(split.body)
    fast, generic = ast.Module(split.body, []), ast.Module(split.orelse, [])
    # the field read twice is read once into a local (the struct is immutable), and the
    # product of that local with itself tests its class once
    reads = [n for n in ast.walk(fast) if isinstance(n, ast.Subscript)]
    assert [ast.unparse(r) for r in reads] == ["s~1[0]"] and not calls_to(fast, "#dot_ic")
    assert len(calls_to(fast, "#type")) == 2 and re.search(r"#type\((~t\d+)\) is #int or #type\(\1\) is #float", ast.unparse(fast))
    assert "~sp" not in ast.unparse(generic) and len(calls_to(generic, "#dot_ic")) == 2
    scale = compile_method("([k s] (+ k (g s.side)))", "scale", "cp_split_site")
    assert "~sp = #type(s~" in ast.unparse(scale.body[0]) and not calls_to(ast.Module(scale.body[1:], []), "#sp_learn")


def test_dispatch_calls_the_fast_entry_for_the_class_the_layout_test_learned():
    # the split copy is also the method's fast entry: once a call has tested a class's
    # layout, the call site and the dispatcher call the copy for that class, without the test
    src = SHAPES_SETUP + "(instance Shape Sq (area [s] (* s.side s.side)))\n(defn total [xs] (reduce (fn [a s] (+ a (area s))) 0 xs))"
    m, _ = run(src, "cp_fast_entry")
    sq = m.ns["Sq"]
    assert m.ns["total"]([sq(1), sq(2)]) == 5 and m.ns["area"](sq(3)) == 9 and m.ns["area"](sq(4)) == 16
    (site,) = [v for k, v in m.ns.items() if k.startswith("#dc:area@cp_fast_entry.total")]
    method = site.h[2].__self__[sq]
    assert method.__code__.co_name == "fn#fast" and m.ns["area"].cache[sq] is method
    assert method.__qualname__ == "#mk:cp_fast_entry.Shape:Sq/area.<locals>.fn"  # arity errors name the method
    assert method.__code__ in control.CODES  # errors inside it name the method
    # a new struct of that name and its instance: the caches start again, each class its own
    m.eval_source("(struct Sq [pad side])\n(instance Shape Sq (area [s] (+ s.pad s.side)))", "/tmp/cp_fast_entry.tm")
    sq2 = m.ns["Sq"]
    assert m.ns["total"]([sq2(1, 2), sq2(3, 4)]) == 10
    entries = site.h[2].__self__
    assert entries[sq2].__code__.co_name == "fn#fast"


def test_a_counted_loop_with_a_site_is_a_for_in_the_normal_variant():
    # reduce over a vector with a function that may capture: `for i in range(i, n)` steps the
    # counter; the capture handler saves i + 1 where the while loop saved its step temp, and
    # the resume variant keeps the while loop (tests/programs/counted_for_sites.tm)
    c = compile_form("(defn f [xs] (reduce (fn [a x] (+ a (g x))) 0 xs))", "cp_for_site")
    f = c.normal("cp_for_site.f")
    (loop,) = [n for n in ast.walk(f) if isinstance(n, (ast.For, ast.While))]
    assert isinstance(loop, ast.For) and re.fullmatch(r"#range\(i~h\d+, n~h\d+\)", ast.unparse(loop.iter))
    (names,) = c.infos["cp_for_site.f"].sites.values()
    (handler,) = [unwind_handler(t) for t in ast.walk(loop) if isinstance(t, ast.Try) and handles_unwind(t)]
    saved = only_call(ast.Module(handler.body, []), "#cap").args[4]
    step = [ast.unparse(v) for n, v in zip(names, saved.elts, strict=True) if n.startswith("~t")]
    assert step == [f"{loop.target.id} + 1"]
    assert not any(isinstance(n, ast.Compare) and isinstance(n.ops[0], ast.Lt) for n in ast.walk(ast.Module(loop.body, [])))
    r = c.resume("cp_for_site.f")
    assert any(isinstance(n, ast.While) for n in ast.walk(r)) and not any(isinstance(n, ast.For) for n in ast.walk(r))
    # map's loop steps its counter by itself after the site: the handler saves i as it is
    c = compile_form("(defn m [xs] (map (fn [x] (g x)) xs))", "cp_for_map")
    m = c.normal("cp_for_map.m")
    loops = [n for n in ast.walk(m) if isinstance(n, (ast.For, ast.While))]
    assert len(loops) == 1 and isinstance(loops[0], ast.For)
    (handler,) = [unwind_handler(t) for t in ast.walk(loops[0]) if isinstance(t, ast.Try) and handles_unwind(t)]
    saved = only_call(ast.Module(handler.body, []), "#cap").args[4]
    assert loops[0].target.id in [ast.unparse(v) for v in saved.elts] and "+ 1" not in ast.unparse(saved)
    # a bound not known to be an int at entry (a parameter) keeps the while loop
    c = compile_form("(defn h [n] (loop [i 0 acc 0] (if (< i n) (recur (inc i) (+ acc (g i))) acc)))", "cp_for_param")
    assert not any(isinstance(n, ast.For) for n in ast.walk(c.normal("cp_for_param.h")))


def test_a_lambda_over_keys_reading_get_of_its_key_walks_the_items():
    # (keys m) and (get m k) of its key k: the loop walks m's (key, value) pairs when m is
    # exactly a persistent map (#kv), else the library's keys and get (fastpath._kv_fusion)
    for src, fused in (
        ("(defn f [m] (map (fn [k] [k (get m k)]) (keys m)))", 1),  # a comprehension
        ("(defn f [m] (reduce (fn [a k] (+ a (get m k))) 0 (keys m)))", 1),
        ("(defn f [m] (for-each (keys m) (fn [k] (g (get m k)))))", 1),  # may capture: the prelude's loop
        ("(defn f [m] (map (fn [k] (str (g k) (get m k) (get m k))) (keys m)))", 2),
        ("(defn f [m] (filter (fn [k] (get m k)) (keys m)))", 1),
    ):
        f = compile_form(src, "cp_kv").normal("cp_kv.f")
        text = ast.unparse(f)
        assert text.count("#type(m~1) is #PMapT") == 1, src
        assert "m~1.items()" in text and "#b:%items(#b:keys(m~1))" in text, src
        assert text.count("[1] if #kv~h") == fused and len(calls_to(f, "#b:get")) == fused, src
        assert ".get(" not in text, src
    # another map, a shadowed key, a map or key set!, a default: the ordinary keys and get
    for src in (
        "(defn f [m n] (map (fn [k] (get n k)) (keys m)))",
        "(defn f [m] (map (fn [k] (let [k :b] (get m k))) (keys m)))",
        "(defn f [m] (map (fn [k] (set! m {}) (get m k)) (keys m)))",
        "(defn f [m] (map (fn [k] (set! k :b) (get m k)) (keys m)))",
        "(defn f [m] (map (fn [k] (get m k 0)) (keys m)))",
        "(defn f [m] (map (fn [k] (get m k)) (keys (g m))))",
    ):
        text = ast.unparse(compile_form(src, "cp_kv_not").normal("cp_kv_not.f"))
        assert ".items()" not in text and "#kv" not in text, src


def test_a_loop_that_may_capture_over_a_range_walks_its_ints():
    # (map f (range ...)) with f that may capture: the prelude's loop in the caller, whose
    # index is the range's int itself (from its start below its stop), never an index into it
    for src in (
        "(defn f [n] (map g (range n)))",
        "(defn f [a b] (map (fn [x] (g x)) (range a b)))",
        "(defn f [n] (reduce (fn [acc x] (+ acc (g x))) 0 (range n)))",
        "(defn f [a b] (for-each (range a b) (fn [x] (g x))))",
    ):
        f = compile_form(src, "cp_range_site").normal("cp_range_site.f")
        text = ast.unparse(f)
        assert "xs~h1.start if #type(" in text and "xs~h1.stop if #type(" in text, src
        assert "xs~h1[" not in text, src
        # the element is the loop's int (as it is, or bound to the lambda's parameter)
        assert re.search(r"(g|#f~h1)\(#?i~h1\)", text) or re.search(r"x~\d+ = #?i~h1\n", text), src
    # over anything else, the index into the tuple of elements
    text = ast.unparse(compile_form("(defn f [v] (map g v))", "cp_range_not").normal("cp_range_not.f"))
    assert "#xs~h1[#i~h1]" in text and ".start" not in text
