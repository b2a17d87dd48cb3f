"""Reader unit tests (spec section 1): literals, escapes, discard, commas, quote shapes,
symbols, source positions and syntax errors with their caret display."""

from __future__ import annotations

import pytest

from turmeric.core.values import EMPTY, Keyword, PList, PVector, Symbol
from turmeric.reader import MapLiteral, TurmericSyntaxError, read_all, read_one
from turmeric.runtime.printer import readable


def names(form):
    """The names of the symbols of a list or vector, for compact assertions."""
    return [x.name if type(x) is Symbol else x for x in form]


# --- literals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42),
        ("-7", -7),
        ("0", 0),
        ("+5", 5),
        ("123456789012345678901234567890", 123456789012345678901234567890),
    ],
)
def test_integers_are_exact_ints(text, value):
    v = read_one(text)
    assert type(v) is int
    assert v == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("3.5", 3.5), ("-0.25", -0.25), ("1e9", 1e9), ("1.5e-3", 1.5e-3), ("2.0", 2.0)],
)
def test_floats(text, value):
    v = read_one(text)
    assert type(v) is float
    assert v == value


def test_booleans_and_nil():
    assert read_all("#t #f true false nil") == [True, False, True, False, None]
    assert [type(x) for x in read_all("#t #f true false")] == [bool] * 4


def test_keyword():
    kw = read_one(":action")
    assert type(kw) is Keyword
    assert kw is Keyword("action")
    assert kw.name == "action"


@pytest.mark.parametrize("text", ["foo", "->", "a.b", "x!", "a-b?", "<=", "*star*", "$x%", "&", "a|b", "^up", "+", "-", "/", "ns/name"])
def test_symbols(text):
    s = read_one(text)
    assert type(s) is Symbol
    assert s.name == text


def test_gensym_name_reads_as_one_symbol():
    s = read_one("name#")
    assert type(s) is Symbol
    assert s.name == "name#"
    assert names(read_one("(let [x# 1] x#)")[1]) == ["x#", 1]


def test_colon_alone_is_a_symbol_with_a_position():
    vec = read_one("[x : int64]", "t.tm")
    assert isinstance(vec, PVector)
    colon = vec[1]
    assert type(colon) is Symbol
    assert colon.name == ":"
    assert (colon.pos.file, colon.pos.line, colon.pos.col) == ("t.tm", 1, 4)
    assert type(vec[0]) is Symbol and type(vec[2]) is Symbol


def test_collections():
    lst = read_one("(1 2 3)")
    assert type(lst) is PList and list(lst) == [1, 2, 3]
    vec = read_one("[1 [2] ()]")
    assert isinstance(vec, PVector)
    assert vec[0] == 1 and isinstance(vec[1], PVector) and vec[2] is EMPTY
    m = read_one('{:a 1 "b" [2]}')
    assert type(m) is MapLiteral
    assert m.items[0] is Keyword("a") and m.items[1] == 1 and m.items[2] == "b"
    assert m.to_map()[Keyword("a")] == 1


def test_empty_list_is_the_empty_list():
    assert read_one("()") is EMPTY
    assert read_one("( )") is EMPTY


# --- strings and escapes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (r'"plain"', "plain"),
        (r'"a\"b\n"', 'a"b\n'),
        (r'"t\tr\rs\\z"', "t\tr\rs\\z"),
        (r'"nul\0x"', "nul\0x"),
        (r'"\u0041\u00e9\u00E9"', "A\u00e9\u00e9"),
        (r'"\uABCD"', "\uabcd"),
        (r'"\u00411"', "A1"),  # exactly four hex digits are consumed
        ('""', ""),
        ('"semi ; not a comment, nor a comma"', "semi ; not a comment, nor a comma"),
    ],
)
def test_string_escapes(text, value):
    v = read_one(text)
    assert type(v) is str
    assert v == value


def test_string_may_span_lines():
    assert read_one('"one\ntwo"') == "one\ntwo"


@pytest.mark.parametrize("s", ['a"b\n', "tab\there", "back\\slash", "nul\0", "ctl\x01\x1f", "uni\u00e9\u4e2d", ""])
def test_readable_strings_read_back(s):
    assert read_one(readable(s)) == s


# --- comments, discard, commas -------------------------------------------------------------------


def test_line_comments():
    forms = read_all("; a comment\n(a b) ; trailing\n; last line without newline")
    assert len(forms) == 1
    assert names(forms[0]) == ["a", "b"]


def test_discard_skips_the_next_form():
    assert names(read_one("(a #_ b c)")) == ["a", "c"]
    assert names(read_one("(a #_(b (nested) [x]) c)")) == ["a", "c"]
    assert names(read_one("(a #_b)")) == ["a"]
    assert read_all("#_ (ignored\n form) 1 #_2") == [1]


def test_discard_nests():
    assert names(read_one("(#_ #_ a b c)")) == ["c"]


def test_discard_inside_map_and_vector():
    m = read_one("{:a 1 #_ :b}")
    assert type(m) is MapLiteral and len(m.items) == 2
    assert list(read_one("[1 #_ 2 3]")) == [1, 3]


def test_commas_are_whitespace():
    assert list(read_one("[1, 2,3 ,4]")) == [1, 2, 3, 4]
    assert names(read_one("(a,b)")) == ["a", "b"]
    m = read_one("{:a 1, :b 2,}")
    assert m.to_map() == read_one("{:a 1 :b 2}").to_map()
    assert read_all(",,, 5 ,,") == [5]


# --- quote shapes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "head"),
    [("'x", "quote"), ("`x", "quasiquote"), ("~x", "unquote"), ("~@x", "unquote-splicing")],
)
def test_quote_shapes(text, head):
    f = read_one(text)
    assert type(f) is PList and f.count == 2
    assert f.first == Symbol(head)
    assert f.rest.first == Symbol("x")


def test_quote_wraps_a_whole_form_and_keeps_position():
    f = read_one("\n  '(a b)", "q.tm")
    assert f.first == Symbol("quote")
    inner = f.rest.first
    assert type(inner) is PList and names(inner) == ["a", "b"]
    assert (f.pos.line, f.pos.col) == (2, 3)
    assert (f.first.pos.line, f.first.pos.col) == (2, 3)
    assert (inner.pos.line, inner.pos.col) == (2, 4)


def test_quasiquote_nesting_shape():
    f = read_one("`(a ~b ~@c)")
    assert f.first == Symbol("quasiquote")
    body = list(f.rest.first)
    assert body[0] == Symbol("a")
    assert list(body[1]) == [Symbol("unquote"), Symbol("b")]
    assert list(body[2]) == [Symbol("unquote-splicing"), Symbol("c")]


def test_quote_allows_whitespace_before_the_form():
    assert list(read_one("' x")) == [Symbol("quote"), Symbol("x")]


# --- source positions -----------------------------------------------------------------------------


def pos3(x):
    return (x.pos.file, x.pos.line, x.pos.col)


def test_positions_of_lists_and_symbols():
    src = "(defn f [x]\n  (+ x 1))\n\n   (g)"
    defn, call = read_all(src, "pos.tm")
    assert pos3(defn) == ("pos.tm", 1, 1)
    assert pos3(defn.first) == ("pos.tm", 1, 2)
    assert pos3(defn.rest.first) == ("pos.tm", 1, 7)
    params = defn.rest.rest.first
    assert pos3(params[0]) == ("pos.tm", 1, 10)
    body = defn.rest.rest.rest.first
    assert pos3(body) == ("pos.tm", 2, 3)
    assert pos3(body.first) == ("pos.tm", 2, 4)
    assert pos3(list(body)[1]) == ("pos.tm", 2, 6)
    assert pos3(call) == ("pos.tm", 4, 4)
    assert pos3(call.first) == ("pos.tm", 4, 5)


def test_positions_after_multiline_strings():
    src = '(def s "line1\nline2\\n")\n  (foo bar "x\ny\nz" baz)\nqux'
    first, second, third = read_all(src, "ml.tm")
    assert pos3(first) == ("ml.tm", 1, 1)
    assert first.rest.rest.first == "line1\nline2\n"
    assert pos3(second) == ("ml.tm", 3, 3)
    assert pos3(second.first) == ("ml.tm", 3, 4)
    assert pos3(list(second)[1]) == ("ml.tm", 3, 8)
    # the string starting on line 3 ends on line 5, so baz is on line 5
    assert pos3(list(second)[3]) == ("ml.tm", 5, 4)
    assert pos3(third) == ("ml.tm", 6, 1)


def test_positions_after_comments_and_discards():
    src = "; comment (x)\n#_ (skipped\n   form)\n  sym"
    (s,) = read_all(src, "c.tm")
    assert pos3(s) == ("c.tm", 4, 3)


def test_default_file_name():
    assert read_one("abc").pos.file == "<input>"


# --- syntax errors ---------------------------------------------------------------------------


def syntax_error(src, file="bad.tm"):
    with pytest.raises(TurmericSyntaxError) as info:
        read_all(src, file)
    return info.value


def check_render(e, line_text):
    """render() shows file:line:col, the offending line and a caret under the column."""
    out = e.render().split("\n")
    assert out[0].startswith(f"{e.pos.file}:{e.pos.line}:{e.pos.col}: syntax error: ")
    assert e.message in out[0]
    assert out[1] == "  " + line_text
    assert out[2] == "  " + " " * (e.pos.col - 1) + "^"
    assert "Traceback" not in e.render()


def test_unclosed_list():
    src = "(def x 1)\n(foo (bar baz)\n"
    e = syntax_error(src)
    assert (e.pos.file, e.pos.line, e.pos.col) == ("bad.tm", 2, 1)
    assert "')'" in e.message
    check_render(e, "(foo (bar baz)")


def test_unclosed_vector_at_end_of_input():
    e = syntax_error("  [1 2")
    assert (e.pos.line, e.pos.col) == (1, 3)
    assert "']'" in e.message
    check_render(e, "  [1 2")


def test_stray_closer():
    e = syntax_error("(a)\n  (b))")
    assert (e.pos.line, e.pos.col) == (2, 6)
    assert "')'" in e.message
    check_render(e, "  (b))")


def test_mismatched_closer():
    e = syntax_error("(a\n  [b c)")
    assert (e.pos.line, e.pos.col) == (2, 7)
    assert "']'" in e.message and "')'" in e.message
    check_render(e, "  [b c)")


@pytest.mark.parametrize("src", ["{:a}", "{:a 1 :b}"])
def test_odd_map(src):
    e = syntax_error("\n  " + src)
    assert (e.pos.line, e.pos.col) == (2, 3)
    assert "even" in e.message
    check_render(e, "  " + src)


def test_bad_escape():
    e = syntax_error('(x "ab\ncd\\z")')
    assert e.pos.line == 2
    assert e.pos.col in (3, 4)  # at the backslash or the escape letter
    assert "\\z" in e.message
    check_render(e, 'cd\\z")')


@pytest.mark.parametrize("src", ['"\\u12G4"', '"\\u12"', '"\\u"'])
def test_bad_unicode_escape(src):
    e = syntax_error(src)
    assert e.pos.line == 1
    assert e.pos.col in (2, 3)
    assert "\\u" in e.message
    check_render(e, src)


def test_unterminated_string():
    e = syntax_error('(a)\n  (b "never closed\nmore text')
    assert (e.pos.line, e.pos.col) == (2, 6)
    assert "unterminated string" in e.message
    check_render(e, '  (b "never closed')


def test_unterminated_string_after_backslash():
    e = syntax_error('"ab\\')
    assert (e.pos.line, e.pos.col) == (1, 1)
    assert "unterminated string" in e.message


@pytest.mark.parametrize("src", ["#foo", "1.2.3", "'", "#_"])
def test_other_errors_are_syntax_errors(src):
    e = syntax_error(src)
    assert e.pos.line == 1
    check_render(e, src)


def test_syntax_error_is_not_a_python_syntax_error():
    e = syntax_error("(")
    assert not isinstance(e, SyntaxError)
    assert isinstance(e, Exception)


def test_read_one_rejects_several_forms():
    with pytest.raises(TurmericSyntaxError):
        read_one("1 2")
