"""Python interop, in this process: calling real Python libraries from Turmeric
(json, datetime, re, pathlib, sqlite3, fractions, functools, requests against a local
HTTP server), conversions, Python exceptions in catch, `with`, barriers, Python values
in serialized continuations, and the embedding API (`turmeric.load`, `turmeric.eval`,
`turmeric.serialize`, errors as `turmeric.TurmericError`).

Each test writes its program to its own tmp_path under a module name of its own.
"""

from __future__ import annotations

import http.server
import json
import sqlite3
import threading

import pytest

import turmeric


def load(tmp_path, name, src):
    p = tmp_path / f"{name}.tm"
    p.write_text(src, encoding="utf-8")
    return turmeric.load(str(p))


def thrown(excinfo):
    """The Turmeric value carried by a TurmericError, in readable form."""
    return turmeric.readable(excinfo.value.value)


# --- calling Python ----------------------------------------------------------------------------


def test_import_forms_attributes_and_keyword_arguments(tmp_path):
    m = load(
        tmp_path,
        "ip_forms",
        """
(import-python json)
(import-python urllib.parse :as up)
(import-python datetime [date timedelta])
(import-python os.path)
(defn dumped [] (json.dumps (->py {:b [1 2] :a "x"}) :sort-keys #t :indent 2))
(defn quoted [] (up.quote "a b/c" :safe ""))
(defn joined [] (os.path.join "a" "b"))
(defn year-after [] (let [d (date 2024 2 28)] (list d.year (.isoformat (.replace d :year 2025)))))
(defn days [] (.total-seconds (timedelta :days 1 :hours 1)))
(defn mod-value [] json)
""",
    )
    assert m.dumped() == json.dumps({"b": [1, 2], "a": "x"}, sort_keys=True, indent=2)
    assert m.quoted() == "a%20b%2Fc"
    assert m.joined() == "a/b"
    assert turmeric.readable(m.year_after()) == '(2024 "2025-02-28")'
    assert m.days() == 90000.0
    assert m.mod_value() is json


def test_import_as_binds_only_the_alias(tmp_path):
    with pytest.raises(turmeric.TurmericError) as e:
        load(tmp_path, "ip_alias_only", "(import-python urllib.parse :as up)\n(defn f [] urllib.parse.quote)\n(f)\n")
    assert "unbound-global" in thrown(e)


def test_method_calls_both_spellings(tmp_path):
    m = load(
        tmp_path,
        "ip_methods",
        """
(defn a [] (.upper "tea"))
(defn b [] (. "a,b,c" split ","))
(defn c [] (.startswith "turmeric" "tur"))
(defn d [s] (.replace s "a" "o" 1))
""",
    )
    assert m.a() == "TEA"
    assert m.b() == ["a", "b", "c"]
    assert m.c() is True
    assert m.d("banana") == "bonana"


def test_conversions(tmp_path):
    m = load(
        tmp_path,
        "ip_conv",
        """
(struct point [x y])
(defn to-py [] (->py {:k [1 (list 2 3) (hash-set 4)] "s" :kw :opt (Some 5) :none None :p (point 1 :a)}))
(defn to-tm [v] (->tm v))
(defn to-tm-kw [v] (->tm v :keywordize))
(defn round-trip [] (= (->tm (->py [1 {"a" [2]}])) [1 {"a" [2]}]))
(defn scalars [] (list (->py 1) (->py 2.5) (->py "s") (->py nil) (->py #t) (->py (string->bytes "b"))))
""",
    )
    assert m.to_py() == {"k": [1, [2, 3], {4}], "s": "kw", "opt": 5, "none": None, "p": {"x": 1, "y": "a"}}
    assert turmeric.readable(m.to_tm({"a": [1, (2, 3)], "b": {5}})) == '{"a" [1 [2 3]] "b" #{5}}'
    assert turmeric.readable(m.to_tm_kw({"a": {"b": 1}})) == "{:a {:b 1}}"
    assert m.round_trip() is True
    assert list(m.scalars()) == [1, 2.5, "s", None, True, b"b"]


def test_python_values_print_type_of_and_equality(tmp_path):
    m = load(
        tmp_path,
        "ip_print",
        """
(import-python datetime [date])
(import-python fractions [Fraction])
(defn shown [] (let [d (date 2024 1 2)] (list (str "on " d) (pr-str d) (type-of d) (= d (date 2024 1 2)))))
(defn frac [] (type-of (Fraction 1 3)))
(defn pylist [] (type-of (->py [1])))
""",
    )
    assert list(m.shown()) == ["on 2024-01-02", "#<py datetime.date(2024, 1, 2)>", "datetime.date", True]
    assert m.frac() == "fractions.Fraction"
    assert m.pylist() == "builtins.list"


def test_json_round_trip_with_keywordize(tmp_path):
    m = load(
        tmp_path,
        "ip_json",
        """
(import-python json)
(defn parse [s] (->tm (json.loads s) :keywordize))
(defn total [s] (reduce + 0 (map (fn [o] (get o :qty)) (get (parse s) :items))))
""",
    )
    doc = json.dumps({"items": [{"qty": 2}, {"qty": 5}]})
    assert m.total(doc) == 7


def test_re(tmp_path):
    m = load(
        tmp_path,
        "ip_re",
        """
(import-python re)
(defn nums [s] (->tm (re.findall "[0-9]+" s)))
(defn first-word [s] (let [mt (re.match "([a-z]+) " s)] (when mt (.group mt 1))))
(defn subbed [s] (re.sub "a+" "-" s :count 1))
(defn compiled [] (let [rx (re.compile "x" re.IGNORECASE)] (.fullmatch rx "X")))
""",
    )
    assert turmeric.readable(m.nums("a1b22c333")) == '["1" "22" "333"]'
    assert m.first_word("hello world") == "hello"
    assert m.first_word("123") is None
    assert m.subbed("baaad aa") == "b-d aa"
    assert m.compiled() is not None


def test_pathlib(tmp_path):
    m = load(
        tmp_path,
        "ip_path",
        """
(import-python pathlib [Path])
(defn write-and-read [dir]
  (let [p (.joinpath (Path dir) "note.txt")]
    (.write-text p "hello" :encoding "utf-8")
    (list p.name p.suffix (.read-text p) (.exists p) (.is-dir (Path dir)) (str p.parent))))
""",
    )
    assert list(m.write_and_read(str(tmp_path))) == ["note.txt", ".txt", "hello", True, True, str(tmp_path)]


def test_sqlite3_with_and_errors(tmp_path):
    db = tmp_path / "orders.db"
    m = load(
        tmp_path,
        "ip_sqlite",
        """
(import-python sqlite3)
(defn setup [path]
  (with [conn (sqlite3.connect path)]
    (.execute conn "create table orders (id integer primary key, item text, qty integer)")
    (for-each [["tea" 3] ["rice" 1]] (fn [row] (.execute conn "insert into orders (item, qty) values (?, ?)" (->py row))))))
(defn rows [path]
  (let [conn (sqlite3.connect path)
        out (->tm (.fetchall (.execute conn "select item, qty from orders order by id")))]
    (.close conn)
    out))
(defn bad-query [path]
  (let [conn (sqlite3.connect path)]
    (try (.execute conn "select * from nosuch")
      (catch [e] (match e (python-error t msg _) -> (list t msg) _ -> :other))
      (finally (.close conn)))))
""",
    )
    m.setup(str(db))
    assert turmeric.readable(m.rows(str(db))) == '[["tea" 3] ["rice" 1]]'
    assert sqlite3.connect(db).execute("select count(*) from orders").fetchone() == (2,)  # committed by __exit__
    assert list(m.bad_query(str(db))) == ["sqlite3.OperationalError", "no such table: nosuch"]


# --- exceptions --------------------------------------------------------------------------------


def test_python_exceptions_are_caught_as_python_error(tmp_path):
    m = load(
        tmp_path,
        "ip_exc",
        """
(import-python json)
(defn bad-json []
  (try (json.loads "{oops")
    (catch [e] (list (python-error? e) e.type (string? e.message) (= (type-of e.exception) "json.decoder.JSONDecodeError")))))
(defn key-error [] (try (. (->py {:a 1}) __getitem__ "b") (catch [e] (list e.type e.message))))
(defn missing-attr [] (try (json.dumpz 1) (catch [e] (list e.type e.message))))
(defn wrong-args [] (try (json.dumps) (catch [e] (list e.type e.message))))
(defn bad-kwarg [] (try (json.dumps 1 :no-such-option 2) (catch [e] (list e.type e.message))))
(defn unconverted [] (try (json.dumps [1 2]) (catch [e] (list e.type e.message))))
(defn dynamic [f] (try (f "{") (catch [e] e.type)))
""",
    )
    assert list(m.bad_json()) == [True, "json.decoder.JSONDecodeError", True, True]
    assert list(m.key_error()) == ["KeyError", "'b'"]
    t, msg = m.missing_attr()
    assert t == "AttributeError" and msg.startswith("json.dumpz: ") and "dumpz" in msg
    t, msg = m.wrong_args()
    assert t == "TypeError" and msg.startswith("json.dumps: ") and "obj" in msg
    t, msg = m.bad_kwarg()
    assert t == "TypeError" and "no_such_option" in msg  # raised inside json, not by the call itself
    t, msg = m.unconverted()
    assert t == "TypeError" and "PVector" in msg and "(->py v)" in msg
    assert m.dynamic(json.loads) == "json.decoder.JSONDecodeError"  # raised inside Python code, called through a local


def test_turmeric_throw_through_python_callback_is_itself(tmp_path):
    m = load(
        tmp_path,
        "ip_throw_through",
        """
(import-python functools)
(import-python builtins [sorted])
(defn f [] (try (functools.reduce (fn [a b] (if (= b 2) (throw (validation-error "two")) (+ a b))) (->py [1 2 3]))
             (catch [e] e)))
(defn g [] (try (functools.reduce (fn [a b] (/ a 0)) (->py [1 2])) (catch [e] e)))
(defn sorted-desc [xs] (->tm (sorted (->py xs) :key (fn [x] (- x)))))
""",
    )
    assert turmeric.readable(m.f()) == '(validation-error "two")'
    assert turmeric.readable(m.g()) == "(division-by-zero)"
    assert turmeric.readable(m.sorted_desc([3, 1, 2])) == "[3 2 1]"


def test_apply_kw_for_dynamic_callables(tmp_path):
    m = load(
        tmp_path,
        "ip_apply_kw",
        """
(import-python json)
(defn via [f x] (apply-kw f [x] {:sort-keys #t "separators" (->py ["," ":"])}))
(defn dumps-fn [] json.dumps)
""",
    )
    assert m.via(json.dumps, {"b": 1, "a": 2}) == '{"a":2,"b":1}'


class Recorder:
    """A context manager that records how it was exited, and suppresses when told to."""

    def __init__(self, suppress=False):
        self.events = []
        self.suppress = suppress

    def __enter__(self):
        self.events.append("enter")
        return self

    def __exit__(self, t, v, tb):
        self.events.append(("exit", None if t is None else t.__name__))
        return self.suppress


def test_with_calls_exit_normally_and_on_error(tmp_path):
    m = load(
        tmp_path,
        "ip_with",
        """
(defn normal [cm] (with [x cm] (.append x.events "body") 42))
(defn failing [cm] (with [x cm] (throw (error "boom")) 1))
(defn nested [a b] (with [x a y b] (list (= x a) (= y b))))
(defn file-with [path] (with [fh (open-file path "w")] (write-line fh "hi")) (read-text path))
""",
    )
    r = Recorder()
    assert m.normal(r) == 42
    assert r.events == ["enter", "body", ("exit", None)]
    r = Recorder()
    with pytest.raises(turmeric.TurmericError) as e:
        m.failing(r)
    assert thrown(e) == '(error "boom")'
    assert r.events[0] == "enter" and r.events[1][0] == "exit" and r.events[1][1] is not None
    r = Recorder(suppress=True)
    assert m.failing(r) is None
    a, b = Recorder(), Recorder()
    assert list(m.nested(a, b)) == [True, True]
    assert a.events == b.events == ["enter", ("exit", None)]
    assert m.file_with(str(tmp_path / "w.txt")) == "hi\n"


def test_with_is_not_exited_by_a_suspension(tmp_path):
    m = load(
        tmp_path,
        "ip_with_suspend",
        """
(defn job [cm] (cloneable-reset (fn [] (with [x cm] (+ 1 (suspend))))))
""",
    )
    r = Recorder()
    k = m.job(r)
    assert isinstance(k, turmeric.Continuation)
    assert r.events == ["enter"]
    assert k(41) == 42
    assert r.events == ["enter", ("exit", None)]


# --- barriers and serialization ----------------------------------------------------------------


def test_capture_through_python_function_is_a_barrier_naming_it(tmp_path):
    m = load(
        tmp_path,
        "ip_barrier",
        """
(import-python functools)
(defn f [] (try (cloneable-reset (fn [] (functools.reduce (fn [a b] (+ a (suspend))) (->py [1 2 3]))))
             (catch [e] e)))
(defn g [xs] (try (cloneable-reset (fn [] (.sort xs :key (fn [x] (suspend))))) (catch [e] e)))
""",
    )
    assert turmeric.readable(m.f()) == '(continuation-barrier "functools.reduce")'
    assert turmeric.readable(m.g([2, 1])) == '(continuation-barrier "list.sort")'


def test_python_object_in_continuation_is_not_serializable_with_type_and_path(tmp_path):
    m = load(
        tmp_path,
        "ip_notser",
        """
(import-python sqlite3)
(defn report [path]
  (let [conn (sqlite3.connect path)
        n (suspend)]
    (.close conn)
    n))
(defn attempt [path]
  (let [k (cloneable-reset (fn [] (report path)))]
    (try (serialize k) (catch [e] (list e.type-name e.path)))))
""",
    )
    tname, path = m.attempt(str(tmp_path / "x.db"))
    assert tname == "sqlite3.Connection"
    assert "ip_notser.report" in path and "local conn" in path


def test_serializable_instance_for_a_python_type_by_value(tmp_path):
    m = load(
        tmp_path,
        "ip_date_ser",
        """
(import-python datetime [date timedelta])
(import-python operator)
(instance Serializable date
  (serialize [d] (.isoformat d))
  (deserialize [s] (date.fromisoformat s)))
(defn due [d] (let [days (suspend)] (.isoformat (operator.add d (timedelta :days days)))))
(defn start [] (cloneable-reset (fn [] (due (date 2024 2 27)))))
(import-python datetime)
(defclass Describe [a] (describe [x : a] : string))
(instance Describe datetime.date (describe [d] (str "day " d.day)))
(defn described [] (list (describe (date 2024 2 27)) (try (describe (datetime.datetime 2024 1 1)) (catch [e] e))))
""",
    )
    assert turmeric.readable(m.described()) == '("day 27" (no-instance "Describe" "datetime.datetime"))'
    k = m.start()
    k2 = turmeric.deserialize(turmeric.serialize(k))
    assert k2(3) == "2024-03-01"
    assert k(2) == "2024-02-29"


def test_python_error_serializes_without_its_exception(tmp_path):
    m = load(
        tmp_path,
        "ip_pyerr_ser",
        """
(import-python json)
(defn caught [] (try (json.loads "[") (catch [e] e)))
(defn copy [e] (deserialize (serialize e)))
""",
    )
    e = m.caught()
    c = m.copy(e)
    assert turmeric.readable(c).startswith('(python-error "json.decoder.JSONDecodeError" "')
    assert turmeric.readable(c).endswith(" nil)")


def test_fraction_instance_loaded_from_module_by_blob(tmp_path):
    m = load(
        tmp_path,
        "ip_frac",
        """
(import-python fractions [Fraction])
(instance Serializable Fraction
  (serialize [f] [f.numerator f.denominator])
  (deserialize [v] (Fraction (first v) (second v))))
(defn half [] (Fraction 1 2))
""",
    )
    blob = turmeric.serialize(m.half())
    from fractions import Fraction

    assert turmeric.deserialize(blob) == Fraction(1, 2)


# --- HTTP with a real third-party client -------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = json.dumps({"path": self.path, "agent": self.headers.get("X-Agent")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()
        t.join(timeout=10)


def test_requests_against_a_local_server_with_a_resource_session(tmp_path, http_server):
    import requests  # in the test extra: a missing client is a failure, not a skip

    m = load(
        tmp_path,
        "ip_http",
        """
(import-python requests)
(instance Resource-Serializable requests.Session
  (marshal [s] {:agent (.get s.headers "X-Agent")})
  (unmarshal [t] (let [s (requests.Session)] (.update s.headers (->py {"X-Agent" (get t :agent)})) s)))
(defn fetch [url] (let [r (requests.get (str url "/plain") :timeout 10)] (list r.status-code (get (->tm (.json r)) "path"))))
(defn session-job [url]
  (cloneable-reset
    (fn []
      (let [s (requests.Session)]
        (.update s.headers (->py {"X-Agent" "tm"}))
        (let [path (suspend)
              r (.get s (str url path) :timeout 10)]
          (->tm (.json r) :keywordize))))))
""",
    )
    assert list(m.fetch(http_server)) == [200, "/plain"]
    k = m.session_job(http_server)
    k2 = turmeric.deserialize(turmeric.serialize(k))
    assert turmeric.readable(k2("/after-load")) == '{:agent "tm" :path "/after-load"}'
    assert isinstance(requests.Session(), requests.Session)


# --- embedding API ------------------------------------------------------------------------------


def test_embedding_names_calls_and_callables(tmp_path):
    m = load(
        tmp_path,
        "orders_embed",
        """
(def rate 3)
(defn process-order [id] (* id rate))
(defn valid? [x] (> x 0))
(defn reset-all! [] :done)
(defn order->total [o] (* (get o :qty) 2))
(defn apply-twice [f x] (f (f x)))
(defn make-adder [n] (fn [x] (+ x n)))
(defn call-it [f] (f))
""",
    )
    assert m.process_order(17) == 51
    assert m.valid_p(1) is True and m["valid?"](-1) is False
    assert m.reset_all_bang() == turmeric.eval(":done")
    assert m.order_to_total(turmeric.eval("{:qty 4}")) == 8
    assert m.rate == 3
    assert {"process_order", "valid_p", "reset_all_bang", "order_to_total"} <= set(dir(m))
    assert m.apply_twice(lambda x: x * 3, 2) == 18
    add5 = m.make_adder(5)
    assert isinstance(add5, turmeric.Function)
    assert add5(1) == 6
    assert m.apply_twice(add5, 0) == 10  # unwrapped when passed back
    assert turmeric.eval("(+ 1 2)") == 3
    with pytest.raises(AttributeError):
        m.no_such_function  # noqa: B018
    with pytest.raises(turmeric.TurmericError) as e:
        m.call_it(lambda: int("x"))
    assert turmeric.readable(e.value.value).startswith('(python-error "ValueError"')
    assert isinstance(e.value.__cause__, ValueError)


def test_turmeric_error_carries_value_and_position(tmp_path):
    m = load(
        tmp_path,
        "errs_embed",
        """
(defn check [x]
  (when (< x 0)
    (throw (validation-error (str "bad order " x))))
  x)
(defn divide [x] (/ x 0))
""",
    )
    with pytest.raises(turmeric.TurmericError) as e:
        m.check(-1)
    err = e.value
    assert turmeric.readable(err.value) == '(validation-error "bad order -1")'
    assert err.type == "validation-error" and err.message == "bad order -1"
    assert err.file.endswith("errs_embed.tm") and (err.line, err.col) == (4, 5)
    assert str(err).startswith(f"{err.file}:4:5: validation-error: bad order -1")
    with pytest.raises(turmeric.TurmericError) as e:
        m.divide(1)
    assert e.value.type == "division-by-zero" and e.value.line == 6
    assert any("errs_embed.divide" in s for s in e.value.stack)


def test_syntax_and_compile_errors_from_python(tmp_path):
    with pytest.raises(turmeric.TurmericSyntaxError) as e:
        load(tmp_path, "bad_syntax_embed", "(defn f [x]\n  (+ x 1)\n")
    assert "bad_syntax_embed.tm:1:1" in str(e.value)
    with pytest.raises(turmeric.TurmericSyntaxError) as e:
        load(tmp_path, "bad_pymod_embed", "(def a 1)\n(import-python no_such_python_module_xyz)\n")
    assert "bad_pymod_embed.tm:2:1" in str(e.value) and "no_such_python_module_xyz" in str(e.value)
    with pytest.raises(turmeric.TurmericSyntaxError) as e:
        load(tmp_path, "bad_pyname_embed", "(import-python json [dumps nosuchname])\n")
    assert "bad_pyname_embed.tm:1:1" in str(e.value) and "nosuchname" in str(e.value)


def test_continuations_from_python_serialize_and_resume(tmp_path):
    m = load(
        tmp_path,
        "cont_embed",
        """
(defn ask [q] (cloneable-shift [k] k))
(defn start [n] (cloneable-reset (fn [] (+ n (ask "a?") (ask "b?")))))
""",
    )
    k = m.start(1)
    assert isinstance(k, turmeric.Continuation)
    k2 = k(10)
    assert isinstance(k2, turmeric.Continuation)
    assert k2(100) == 111 and k2(5) == 16  # multi-shot
    again = turmeric.deserialize(turmeric.serialize(k2))
    assert again(1000) == 1011


def test_load_by_module_name_on_search_path(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "pricing_embed.tm").write_text("(defn price [n] (* n 7))\n")
    m = turmeric.load("pricing_embed", search_path=[str(lib)])
    assert m.price(2) == 14
    assert turmeric.load(str(lib / "pricing_embed.tm")) is m


def test_with_over_a_resource_survives_serialization(tmp_path):
    m = load(
        tmp_path,
        "ip_with_ser",
        """
(defn writer [path]
  (cloneable-reset
    (fn []
      (with [fh (open-file path "w")]
        (write-line fh "before")
        (write-line fh (suspend))
        :written))))
""",
    )
    path = tmp_path / "out.txt"
    k = m.writer(str(path))
    k2 = turmeric.deserialize(turmeric.serialize(k))
    assert k2("after") == turmeric.eval(":written")
    assert path.read_text() == "before\nafter\n"


def test_wrappers_remember_their_session(tmp_path):
    from turmeric.loader import Session

    for n in (1, 2):
        d = tmp_path / f"v{n}"
        d.mkdir()
        (d / "shared_name.tm").write_text(
            f"(struct box [v])\n(defclass Ver [a] (ver [x : a]))\n(instance Ver box (ver [b] (+ b.v {n})))\n"
            f"(defn version [] (ver (box 0)))\n(defn start [] (cloneable-reset (fn [] (+ {n}0 (ver (box (suspend)))))))\n"
        )
    s1, s2 = Session(), Session()
    with s1.activate():
        a = turmeric.load(str(tmp_path / "v1" / "shared_name.tm"))
    with s2.activate():
        b = turmeric.load(str(tmp_path / "v2" / "shared_name.tm"))
    assert (a.version(), b.version()) == (1, 2)  # called outside the with blocks
    ka, kb = a.start(), b.start()
    assert (ka(1), kb(1)) == (12, 23)
    blob = turmeric.serialize(kb)
    with s2.activate():
        assert turmeric.deserialize(blob)(5) == 27
