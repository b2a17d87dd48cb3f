"""B7: a module named by a blob is loaded under one canonical name, once per file."""

from __future__ import annotations

import os

import handblob as H
from sechelp import isolated

EVIL = """(defmacro noisy [] (println "loaded sub/evil.tm") nil)
(noisy)
(defn f [] 1)
"""


def _blob(*modules):
    b = H.Blob()
    idx = [b.host(m, "f") for m in modules]
    b.body += H.vector(len(idx), H.tagged(*[H.host(i) for i in idx]))
    return b.blob()


def _setup(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "evil.tm").write_text(EVIL)


def test_a_non_canonical_module_name_is_not_loaded(tmp_path):
    _setup(tmp_path)
    for bad in ("sub..evil", ".sub.evil", "sub.evil.", "sub/evil", "sub\\evil", "sub.:evil"):
        out = isolated(tmp_path, _blob(bad))
        assert out["outcome"] == "thrown" and out["type"] == "missing-function", (bad, out)
        assert out["printed"] == [], (bad, out)  # its code never ran


def test_one_file_is_loaded_once(tmp_path):
    _setup(tmp_path)
    out = isolated(tmp_path, _blob("sub.evil"))
    assert out["outcome"] == "ok" and out["printed"] == ["loaded sub/evil.tm"], out
    # two spellings of one file: loaded once, the other spelling refused
    out = isolated(tmp_path, _blob("sub.evil", "sub..evil"))
    assert out["printed"] == ["loaded sub/evil.tm"], out
    assert out["outcome"] == "thrown" and out["type"] == "missing-function", out


def test_a_symlink_to_a_loaded_file_is_not_a_second_module(tmp_path):
    _setup(tmp_path)
    os.symlink(tmp_path / "sub" / "evil.tm", tmp_path / "alias.tm")
    out = isolated(tmp_path, _blob("sub.evil", "alias"))
    assert out["printed"] == ["loaded sub/evil.tm"], out
