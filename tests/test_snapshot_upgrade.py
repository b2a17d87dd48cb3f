"""Snapshots carry their code; `turmeric resume SNAP --upgrade` resumes on fixed code.

End to end, in a temp folder with relative paths, each step a fresh `python -m turmeric`:
a program fails, the user fixes the bug in the .tm file, and the snapshot resumes on
its own (old) code by default and on the fixed code with --upgrade."""

from __future__ import annotations

import textwrap

from test_snapshots import snapshot_path, turmeric, write

INVOICE = """\
    (def rates {"tea" 6 "cup" 4})
    (defn price-of [item]
      (let [p (get rates item)]
        (if (nil? p) (throw (str "no price for " item)) p)))
    (defn invoice [lines]
      (loop [ls lines total 0]
        (if (empty? ls)
          total
          (let [l (first ls)
                p (price-of (first l))]
            (recur (rest ls) (+ total p))))))      ; the bug: the quantity is forgotten
    (defn main []
      (println "invoice total:" (invoice [["tea" 2] ["pot" 1] ["cup" 3]])))
"""
FIXED = INVOICE.replace("(+ total p))))))      ; the bug: the quantity is forgotten", "(+ total (* p (second l))))))))")


def failed(tmp_path):
    prog = tmp_path / "shop"
    prog.mkdir()
    write(prog, "invoice.tm", INVOICE)
    r = turmeric("run", "--snapshot-on-error", "--snapshot-dir", "../snaps", "invoice.tm", cwd=prog)
    assert r.returncode == 1 and "no price for pot" in r.stderr, r.stderr
    snap = snapshot_path(r.stderr)
    assert snap.startswith("../snaps/error-invoice-")
    return prog, snap


def test_upgrade_resumes_on_the_fixed_code_and_the_default_on_the_snapshots_own(tmp_path):
    prog, snap = failed(tmp_path)
    # before any edit: --upgrade changes nothing
    same = turmeric("resume", snap, "--value", "10", "--upgrade", cwd=prog)
    assert same.returncode == 0 and same.stdout == "invoice total: 20\n" and "--upgrade" not in same.stderr, same.stderr
    # the user fixes the bug in the file
    (prog / "invoice.tm").write_text(textwrap.dedent(FIXED))
    assert turmeric("run", "invoice.tm", cwd=prog).returncode == 1  # the fixed program still lacks the price of pot
    old = turmeric("resume", snap, "--value", "10", cwd=prog)
    assert old.returncode == 0, old.stderr
    assert old.stdout == "invoice total: 20\n"  # 6 + 10 + 4: the old code, quantities forgotten
    assert "invoice.invoice changed since the snapshot was taken: resuming on the snapshot's own version" in old.stderr
    new = turmeric("resume", snap, "--value", "10", "--upgrade", cwd=prog)
    assert new.returncode == 0, new.stderr
    # 6 (tea, added by the old code before the failure) + 10 * 1 + 4 * 3: the fixed code from the resume point on
    assert new.stdout == "invoice total: 28\n"
    assert "resuming invoice.invoice on the current code (--upgrade)" in new.stderr and "Traceback" not in new.stderr
    # from another folder, the program found with -I
    other = tmp_path / "elsewhere"
    other.mkdir()
    again = turmeric("-I", "../shop", "resume", "../snaps/" + snap.rsplit("/", 1)[1], "--value", "10", "--upgrade", cwd=other)
    assert again.returncode == 0 and again.stdout == "invoice total: 28\n", again.stderr


def test_upgrade_refuses_when_the_resume_point_is_gone(tmp_path):
    prog, snap = failed(tmp_path)
    # the call the frame waits in was edited: there is no place to resume the new version at
    (prog / "invoice.tm").write_text(textwrap.dedent(FIXED).replace("p (price-of (first l))]", "p (price-of (str (first l)))]"))
    r = turmeric("resume", snap, "--value", "10", "--upgrade", cwd=prog)
    assert r.returncode == 1 and r.stdout == "", r.stdout
    assert "frame 1 is in invoice.invoice, which changed since the snapshot was taken" in r.stderr
    assert "the call it waits in (invoice.tm:10:15: (price-of (first l))) is not in the current version" in r.stderr, r.stderr
    assert "Resume without --upgrade to run the version the snapshot was taken with" in r.stderr and "nothing was run" in r.stderr
    assert "Traceback" not in r.stderr
    # a new local before the call: refused too (the frame's saved values would not fit)
    (prog / "invoice.tm").write_text(textwrap.dedent(FIXED).replace("(let [l (first ls)", "(let [l (first ls) n (count ls)"))
    r = turmeric("resume", snap, "--value", "10", "--upgrade", cwd=prog)
    assert r.returncode == 1 and r.stdout == "" and "is not in the current version" in r.stderr, r.stderr
    # a line added above the function moves it, but its resume point is still there
    (prog / "invoice.tm").write_text(";; prices in euros\n" + textwrap.dedent(FIXED))
    r = turmeric("resume", snap, "--value", "10", "--upgrade", cwd=prog)
    assert r.returncode == 0 and r.stdout == "invoice total: 28\n", r.stderr
    # without --upgrade, the snapshot's own code still runs
    r = turmeric("resume", snap, "--value", "10", cwd=prog)
    assert r.returncode == 0 and r.stdout == "invoice total: 20\n", r.stderr


def test_a_snapshot_carries_the_code_of_its_frames(tmp_path):
    prog, snap = failed(tmp_path)
    text = turmeric("inspect", snap, cwd=prog).stdout
    assert "carries the code of " in text and "resuming runs it where the program changed since" in text
    # the program is gone: the carried code covers the frames only, so nothing runs
    (prog / "invoice.tm").rename(tmp_path / "invoice.tm.away")
    r = turmeric("resume", snap, "--value", "10", cwd=prog)
    assert r.returncode == 1 and r.stdout == ""
    assert "the program's module invoice was not found" in r.stderr and "put invoice.tm there or add its folder with -I DIR" in r.stderr
    assert "nothing was run" in r.stderr and "Traceback" not in r.stderr


def test_a_breakpoint_resumes_on_fixed_code_with_upgrade(tmp_path):
    src = """\
        (defn total [xs]
          (loop [ls xs acc 0]
            (if (empty? ls)
              acc
              (do (when (= (first ls) 3) (breakpoint "at-three"))
                  (recur (rest ls) (+ acc (first ls)))))))
        (defn main [] (println "sum:" (total [1 2 3 4])))
    """
    write(tmp_path, "sum.tm", src)
    r = turmeric("run", "sum.tm", cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "at-three.snap").exists(), r.stderr
    write(tmp_path, "sum.tm", src.replace("(+ acc (first ls))", "(+ acc (* 10 (first ls)))"))
    assert turmeric("resume", "at-three.snap", cwd=tmp_path).stdout == "sum: 10\n"
    assert turmeric("resume", "at-three.snap", "--upgrade", cwd=tmp_path).stdout == "sum: 73\n"  # 1 + 2 + 30 + 40
