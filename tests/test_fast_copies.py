"""Code compiled in several copies, each for what some values are at entry
(compiler/lower.py: `compile_fn_body`, `int_loop_copy`; compiler/fastpath.py: a reduce
over a map accumulator): captures inside either copy of a function body, or in the
pipeline feeding such a reduce, resume in another process with the results of the
ordinary code, and booleans still throw type-error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 120

PROGRAM = """\
;; weigh has a copy of its body for n and w ints at entry besides the ordinary one; a
;; capture inside it, through reduce and map, resumes in another process
(defn ask [x] (if (= x 9) (cloneable-shift [k] k) x))
(defn weigh [n w]
  (if (> n 0)
    (+ (* w (mod n 7)) (ask (dec n)) (quot n 3))
    (* w 2)))
(defn total [xs w] (reduce (fn [acc x] (+ acc (weigh x w))) 0 (map (fn [x] (+ x 1)) xs)))
(def k-int (cloneable-reset (fn [] (total [3 9 20] 2))))
(def k-float (cloneable-reset (fn [] (total [3 9 20] 2.5))))
(println (k-int 9) (k-float 9) (k-int 100))
(write-file "k-int.dat" (serialize k-int))
(write-file "k-float.dat" (serialize k-float))
"""


def turmeric(*args, cwd):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("TURMERIC_PATH", None)
    return subprocess.run([sys.executable, "-m", "turmeric", *args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, env=env)


def run_in_work(tmp_path, file, program, want):
    """Run `program` as work/FILE from work/; it prints `want` (and writes its blobs there)."""
    work = tmp_path / "work"
    work.mkdir()
    (work / file).write_text(program, encoding="utf-8")
    r = turmeric("run", file, cwd=work)
    assert r.returncode == 0, r.stderr
    assert r.stdout == want


def resume_from_outside(tmp_path, blob, value):
    """`turmeric resume work/BLOB --value VALUE`, in another process started from another folder."""
    return turmeric("resume", str(Path("work") / blob), "--value", value, "-I", "work", cwd=tmp_path)


def test_captures_in_both_copies_resume_in_another_process(tmp_path):
    run_in_work(tmp_path, "weigh.tm", PROGRAM, "57 60.5 148\n")
    # another process, started from another folder, resumes each blob with several values
    for blob, want in (("k-int.dat", ("57", "148", "43")), ("k-float.dat", ("60.5", "151.5", "46.5"))):
        for value, out in zip(("9", "100", "-5"), want, strict=True):
            r = resume_from_outside(tmp_path, blob, value)
            assert r.returncode == 0, r.stderr
            assert r.stdout == out + "\n", (blob, value, r.stdout)
        r = resume_from_outside(tmp_path, blob, "#t")
        assert r.returncode == 1 and "type-error" in r.stderr and "weigh.tm:6:5" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr


WORDS = """\
;; a word count whose words come through map: the capture is in map's function, the
;; reduce (inlined, the map updated in place) runs after the resumption
(defn ask [w] (if (= w "b") (cloneable-shift [k] k) w))
(defn count-words [ws] (reduce (fn [m w] (assoc m w (inc (get m w 0)))) {} (map (fn [w] (ask w)) ws)))
(def k (cloneable-reset (fn [] (count-words (string/split "a b a c a" " ")))))
(println (k "c") (k #t))
(write-file "k.dat" (serialize k))
"""


def test_capture_before_a_reduce_over_a_map_resumes_in_another_process(tmp_path):
    run_in_work(tmp_path, "words.tm", WORDS, "{a 3 c 2} {#t 1 a 3 c 1}\n")
    # the resumed value is printed readably
    for value, out in (('"a"', '{"a" 4 "c" 1}'), ('"z"', '{"a" 3 "c" 1 "z" 1}'), ("1", '{1 1 "a" 3 "c" 1}')):
        r = resume_from_outside(tmp_path, "k.dat", value)
        assert r.returncode == 0, r.stderr
        assert r.stdout == out + "\n", (value, r.stdout)


MAPS = """\
;; map inlined into its caller (its function may capture): the caller's frame holds the
;; loop's state and the accumulator, frozen at capture; locals the program named like the
;; prelude's (n, xs, acc, i) hold whatever the program put there
(defn ask [x] (if (= x 2) (cloneable-shift [k] k) x))
(defn f [xs]
  (let [n 2.5 acc "acc" i :i]
    (str n acc i (string/join "," (map (fn [x] (* 10 (ask x))) xs)) (vec (map ask [7 8])))))
(def k (cloneable-reset (fn [] (f [1 2 3]))))
(println (k 5) (k 6))
(write-file "k.dat" (serialize k))
"""


def test_capture_inside_an_inlined_map_resumes_in_another_process_many_times(tmp_path):
    run_in_work(tmp_path, "maps.tm", MAPS, "2.5acc:i10,50,30[7 8] 2.5acc:i10,60,30[7 8]\n")
    # each resumption (in a fresh process) starts from the frozen accumulator [10]
    for value, out in (("4", '"2.5acc:i10,40,30[7 8]"'), ("0", '"2.5acc:i10,0,30[7 8]"'), ("4", '"2.5acc:i10,40,30[7 8]"')):
        r = resume_from_outside(tmp_path, "k.dat", value)
        assert r.returncode == 0, r.stderr
        assert r.stdout == out + "\n", (value, r.stdout)
