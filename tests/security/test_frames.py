"""B5: a tampered continuation is corrupt-data when decoded, never a Python exception on resume."""

from __future__ import annotations

import handblob as H
import progs
from sechelp import isolated


def _for_each_chain(symbols, n):
    """n frames of prelude.for-each, all stopped at its call site: no frame where a capture
    happened, so resuming the innermost would resume 'the frame inside it' forever."""
    b = H.Blob()
    fe = progs.fn_entry(b, symbols, "prelude.for-each")
    sh = b.shape(fe, 1)
    ident = b.host("", "identity")
    cols = H.range_column(0, 0)  # coll
    cols += H.general_column([H.host(ident)] * n)  # f
    cols += H.general_column([H.tuple_(1, H.tagged(H.uint(1)))] + [H.backref(6)] * (n - 1))  # xs (object 6)
    cols += H.range_column(1, 0) + H.range_column(0, 0)  # n, i
    b.body += H.runs_continuation(bytes([H.NIL]), [sh], [(0, n)], cols)
    return b.blob()


def test_innermost_call_site_chain_is_corrupt_data(tmp_path):
    symbols = progs.load(tmp_path)
    out = isolated(tmp_path, _for_each_chain(symbols, 5000), mode="resume")
    assert out["outcome"] == "thrown" and out["type"] == "corrupt-data", out
    assert "innermost" in out["message"]


def _map_frames(symbols, acc, xs=None):
    """[secprog.pick at its shift site, prelude.map at its call site with the given values]."""
    b = H.Blob(program="secprog")
    pick = progs.fn_entry(b, symbols, "secprog.pick")
    mp = progs.fn_entry(b, symbols, "prelude.map")
    s_pick = b.shape(pick, progs.shift_site(symbols, "secprog.pick"))
    s_map = b.shape(mp, 1)
    ident = b.host("", "identity")
    xs = xs if xs is not None else H.tuple_(2, H.tagged(H.uint(1), H.uint(2)))
    # map saves f coll xs n acc i
    vals = [H.host(ident), bytes([H.EMPTY]), xs, H.uint(2), acc, H.uint(0)]
    b.body += H.rows_continuation(bytes([H.NIL]), [s_pick, s_map], [(0, []), (1, vals)])
    return b.blob()


def test_control_well_formed_frames_resume(tmp_path):
    symbols = progs.load(tmp_path)
    out = isolated(tmp_path, _map_frames(symbols, bytes([H.FROZEN]) + H.varint(0) + H.tagged()), mode="resume")
    assert out["outcome"] == "ok", out


def test_accumulator_of_the_wrong_kind_is_corrupt_data(tmp_path):
    symbols = progs.load(tmp_path)
    out = isolated(tmp_path, _map_frames(symbols, H.uint(5)), mode="resume")  # was AttributeError
    assert out["outcome"] == "thrown" and out["type"] == "corrupt-data", out


def test_loop_items_of_the_wrong_kind_are_corrupt_data(tmp_path):
    symbols = progs.load(tmp_path)
    frozen = bytes([H.FROZEN]) + H.varint(0) + H.tagged()
    out = isolated(tmp_path, _map_frames(symbols, frozen, xs=H.uint(7)), mode="resume")
    assert out["outcome"] == "thrown" and out["type"] == "corrupt-data", out


def test_a_capture_site_in_an_outer_frame_is_corrupt_data(tmp_path):
    symbols = progs.load(tmp_path)
    b = H.Blob(program="secprog")
    pick = progs.fn_entry(b, symbols, "secprog.pick")
    sh = b.shape(pick, progs.shift_site(symbols, "secprog.pick"))
    b.body += H.rows_continuation(bytes([H.NIL]), [sh], [(0, []), (0, [])])
    out = isolated(tmp_path, b.blob(), mode="resume")
    assert out["outcome"] == "thrown" and out["type"] == "corrupt-data", out


def test_unrecorded_resume_point_is_corrupt_data(tmp_path):
    symbols = progs.load(tmp_path)
    b = H.Blob(program="secprog")
    pick = progs.fn_entry(b, symbols, "secprog.pick")
    b.shape(pick, 99)
    out = isolated(tmp_path, b.blob())
    assert out["outcome"] == "thrown" and out["type"] == "corrupt-data", out


def test_a_handler_that_cannot_take_error_and_k_is_corrupt_data(tmp_path):
    # found by the fuzzer: a try-with continuation whose handler became a one-argument function
    symbols = progs.load(tmp_path)
    b = H.Blob(program="secprog")
    pick = progs.fn_entry(b, symbols, "secprog.pick")
    one = progs.fn_entry(b, symbols, "secprog.one")
    sh = b.shape(pick, progs.shift_site(symbols, "secprog.pick"))
    b.body += H.rows_continuation(bytes([H.CLOSURE]) + H.varint(one), [sh], [(0, [])])
    out = isolated(tmp_path, b.blob(), mode="resume")
    assert out["outcome"] == "thrown" and out["type"] == "corrupt-data" and "two arguments" in out["message"], out
