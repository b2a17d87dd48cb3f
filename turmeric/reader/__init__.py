"""Reader: Turmeric source text -> data (symbols, lists, vectors, maps, literals).

Owns lexical syntax (spec section 1) and source positions. Every list and symbol
it returns carries a `Pos`; a syntax error is a `TurmericSyntaxError` naming the
file, line and column.
"""

from __future__ import annotations

from ..core.values import EMPTY, Keyword, PList, Pos, Symbol, plist, pmap, pvector

SYMBOL_CHARS = set("!$%&*+-./<=>?^_|#:'")  # ' and # and : only inside, see below
DELIMS = set('()[]{}"; \t\r\n,`~@')


class TurmericSyntaxError(Exception):
    """A syntax error with its position; `source_line` is the offending line of text."""

    kind = "syntax error"

    def __init__(self, message, pos, source_line=""):
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.source_line = source_line

    def render(self):
        caret = " " * max(self.pos.col - 1, 0) + "^"
        return f"{self.pos.file}:{self.pos.line}:{self.pos.col}: {self.kind}: {self.message}\n  {self.source_line}\n  {caret}"


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "0": "\0"}
CLOSERS = {"(": ")", "[": "]", "{": "}"}


class Reader:
    def __init__(self, text, filename="<input>"):
        self.text = text
        self.file = filename
        self.i = 0
        self.line = 1
        self.col = 1
        self.lines = text.split("\n")

    # --- low level -----------------------------------------------------
    def pos(self):
        return Pos(self.file, self.line, self.col)

    def error(self, msg, pos=None):
        pos = pos or self.pos()
        src = self.lines[pos.line - 1] if 0 < pos.line <= len(self.lines) else ""
        raise TurmericSyntaxError(msg, pos, src)

    def peek(self):
        return self.text[self.i] if self.i < len(self.text) else ""

    def advance(self):
        ch = self.text[self.i]
        self.i += 1
        if ch == "\n":
            self.line += 1
            self.col = 1
        else:
            self.col += 1
        return ch

    def skip_ws(self):
        while self.i < len(self.text):
            ch = self.text[self.i]
            if ch in " \t\r\n,":
                self.advance()
            elif ch == ";":
                while self.i < len(self.text) and self.text[self.i] != "\n":
                    self.advance()
            elif ch == "#" and self.text.startswith("#_", self.i):
                self.advance()
                self.advance()
                self.skip_ws()
                if self.i >= len(self.text):
                    self.error("#_ must be followed by a form")
                self.read_form()
            else:
                break

    # --- forms ---------------------------------------------------------
    def read_all(self):
        forms = []
        while True:
            self.skip_ws()
            if self.i >= len(self.text):
                return forms
            forms.append(self.read_form())

    def read_form(self):
        self.skip_ws()
        if self.i >= len(self.text):
            self.error("unexpected end of input")
        start = self.pos()
        ch = self.peek()
        if ch in "([{":
            return self.read_coll(ch, start)
        if ch in ")]}":
            self.error(f"unexpected '{ch}'")
        if ch == '"':
            return self.read_string(start)
        if ch == "'":
            self.advance()
            return plist([Symbol("quote", start), self.read_quoted(start)], start)
        if ch == "`":
            self.advance()
            return plist([Symbol("quasiquote", start), self.read_quoted(start)], start)
        if ch == "~":
            self.advance()
            if self.peek() == "@":
                self.advance()
                return plist([Symbol("unquote-splicing", start), self.read_quoted(start)], start)
            return plist([Symbol("unquote", start), self.read_quoted(start)], start)
        if ch == "@":
            self.advance()
            return plist([Symbol("deref", start), self.read_quoted(start)], start)
        return self.read_atom(start)

    def read_quoted(self, start):
        self.skip_ws()
        if self.i >= len(self.text):
            self.error("a quote must be followed by a form", start)
        return self.read_form()

    def read_coll(self, opener, start):
        closer = CLOSERS[opener]
        self.advance()
        items = []
        while True:
            self.skip_ws()
            if self.i >= len(self.text):
                self.error(f"missing '{closer}' to close the '{opener}' opened here", start)
            ch = self.peek()
            if ch == closer:
                self.advance()
                break
            if ch in ")]}":
                self.error(f"expected '{closer}' to close the '{opener}' at line {start.line}, found '{ch}'")
            items.append(self.read_form())
        if opener == "(":
            if not items:
                return EMPTY
            return plist(items, start)
        if opener == "[":
            return pvector(items)
        if len(items) % 2:
            self.error("a map literal needs an even number of forms", start)
        return MapLiteral(items, start)

    def read_string(self, start):
        self.advance()
        out = []
        while True:
            if self.i >= len(self.text):
                self.error("unterminated string", start)
            ch = self.advance()
            if ch == '"':
                return "".join(out)
            if ch == "\\":
                if self.i >= len(self.text):
                    self.error("unterminated string", start)
                esc_pos = self.pos()
                e = self.advance()
                if e in ESCAPES:
                    out.append(ESCAPES[e])
                elif e == "u":
                    hexdigits = self.text[self.i : self.i + 4]
                    if len(hexdigits) < 4 or any(c not in "0123456789abcdefABCDEF" for c in hexdigits):
                        self.error("\\u must be followed by four hex digits", esc_pos)
                    for _ in range(4):
                        self.advance()
                    out.append(chr(int(hexdigits, 16)))
                else:
                    self.error(f"unknown escape \\{e}", esc_pos)
            else:
                out.append(ch)

    def read_atom(self, start):
        j = self.i
        while j < len(self.text) and self.text[j] not in DELIMS:
            j += 1
        tok = self.text[self.i : j]
        if not tok:
            self.error(f"unexpected character {self.peek()!r}")
        for _ in range(j - self.i):
            self.advance()
        return self.parse_atom(tok, start)

    def parse_atom(self, tok, start):
        if tok == "nil":
            return None
        if tok in ("#t", "true"):
            return True
        if tok in ("#f", "false"):
            return False
        c0 = tok[0]
        if c0.isdigit() or (c0 in "+-" and len(tok) > 1 and (tok[1].isdigit() or tok[1] == ".")):
            try:
                return int(tok)
            except ValueError:
                pass
            try:
                if any(ch.isalpha() and ch not in "eE" for ch in tok) or tok.lower() in ("inf", "nan"):
                    raise ValueError
                return float(tok)
            except ValueError:
                self.error(f"malformed number {tok!r}", start)
        if c0 == ":":
            if len(tok) == 1:
                return Symbol(":", start)  # the type annotation marker in [x : int64]
            return Keyword(tok[1:])
        if c0 == "#":
            self.error(f"unknown dispatch syntax {tok!r}", start)
        for ch in tok:
            if not (ch.isalnum() or ch in SYMBOL_CHARS):
                self.error(f"invalid character {ch!r} in symbol {tok!r}", start)
        return Symbol(tok, start)


class MapLiteral:
    """A `{...}` form as read: kept as key/value forms so keys can be expressions."""

    __slots__ = ("items", "pos")

    def __init__(self, items, pos):
        self.items = items
        self.pos = pos

    def to_map(self):
        """The map this literal denotes when quoted (keys and values as data)."""
        return pmap({self.items[i]: self.items[i + 1] for i in range(0, len(self.items), 2)})


def read_all(text, filename="<input>"):
    """Read every form of `text`."""
    return Reader(text, filename).read_all()


def read_one(text, filename="<input>"):
    forms = read_all(text, filename)
    if len(forms) != 1:
        raise TurmericSyntaxError("expected exactly one form", Pos(filename, 1, 1), text.split("\n")[0])
    return forms[0]


__all__ = ["read_all", "read_one", "Reader", "TurmericSyntaxError", "MapLiteral", "PList"]
