"""B9: a bytes value reachable twice is written once and shared by reference."""

from __future__ import annotations

import os

import handblob as H
from sechelp import isolated


def test_shared_bytes_are_written_once():
    from sechelp import values

    pmap, pvector = values().pmap, values().pvector
    from sechelp import loader

    load_prelude = loader().load_prelude
    from turmeric.serialization import api

    load_prelude()
    data = os.urandom(1_000_000)
    blob = api.serialize(pvector([data, pmap({"again": data})]))
    assert len(blob) < 1_100_000  # was 2 MB
    back = api.deserialize(blob)
    assert back[0] == data and back[1]["again"] is back[0]


def test_hand_written_shared_bytes_decode(tmp_path):
    b = H.Blob()
    payload = b"z" * 64
    b.body += H.vector(2, H.tagged(bytes([H.SBYTES]) + H.varint(len(payload)) + payload, H.backref(6)))
    assert isolated(tmp_path, b.blob())["outcome"] == "ok"
