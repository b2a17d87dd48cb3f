"""Code compiled twice for ints (compiler/lower.py: `compile_fn_body`, `int_loop_copy`):
captures inside either copy of a function body resume in another process with the
results of the ordinary code, and booleans still throw type-error."""

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
    return subprocess.run(
        [sys.executable, "-m", "turmeric", *args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, env=env
    )


def test_captures_in_both_copies_resume_in_another_process(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "weigh.tm").write_text(PROGRAM, encoding="utf-8")
    r = turmeric("run", "weigh.tm", cwd=work)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "57 60.5 148\n"
    # another process, started from another folder, resumes each blob with several values
    for blob, want in (("k-int.dat", ("57", "148", "43")), ("k-float.dat", ("60.5", "151.5", "46.5"))):
        for value, out in zip(("9", "100", "-5"), want, strict=True):
            r = turmeric("resume", str(Path("work") / blob), "--value", value, "-I", "work", cwd=tmp_path)
            assert r.returncode == 0, r.stderr
            assert r.stdout == out + "\n", (blob, value, r.stdout)
        r = turmeric("resume", str(Path("work") / blob), "--value", "#t", "-I", "work", cwd=tmp_path)
        assert r.returncode == 1 and "type-error" in r.stderr and "weigh.tm:6:5" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
