"""B4 and B6: bytes from outside are verified before they are decoded; resume runs only
continuations; signing refuses short keys and binds a purpose and an expiry."""

from __future__ import annotations

import handblob as H
import progs
import pytest
from sechelp import isolated, turmeric

KEY = "a-long-test-key-of-32-bytes-----"


def kind(e):
    return e.value.stype.name


def reason(e):
    return e.value.vals[0]


@pytest.fixture(scope="module")
def api():
    from sechelp import loader

    load_prelude = loader().load_prelude
    from turmeric.serialization import api

    load_prelude()
    return api


def thrown(f, *args, **kw):
    from sechelp import values

    Thrown = values().Thrown

    with pytest.raises(Thrown) as ei:
        f(*args, **kw)
    return ei.value


def test_short_keys_are_refused(api):
    b = api.serialize(1)
    for key in ("", "k", "fifteen-bytes!!", b"\x00" * 15):
        assert kind(thrown(api.sign, b, key)) == "error"
        assert kind(thrown(api.verify, api.sign(b, KEY), key)) == "error"
    assert api.verify(api.sign(b, "sixteen-bytes!!!"), "sixteen-bytes!!!") == b


def test_purpose_is_bound_into_the_signature(api):
    from turmeric.serialization import trust

    b = api.serialize((1, 2))
    web = api.sign(b, KEY, "web")
    assert api.verify(web, KEY, "web") == b
    for other in ("resume", "blob", "web2"):
        e = thrown(api.verify, web, KEY, other)
        assert kind(e) == "corrupt-data" and "signature mismatch" in reason(e)
    assert kind(thrown(api.verify, web, KEY)) == "corrupt-data"  # the default purpose is another one
    assert trust.open_sealed(trust.seal(b, KEY, "row"), KEY, "row") == b


def test_expiry_is_inside_the_signature(api):
    from turmeric.serialization import trust

    b = api.serialize("token")
    sealed = trust.seal(b, KEY, "web", ttl=60, now=1_000_000.0)
    assert trust.open_sealed(sealed, KEY, "web", now=1_000_059.0) == b
    e = thrown(trust.open_sealed, sealed, KEY, "web", now=1_000_061.0)
    assert kind(e) == "corrupt-data" and reason(e) == "signature expired"
    # the expiry can't be edited: it is covered by the tag
    i = sealed.index(b"web") + 3
    pushed = sealed[:i] + bytes([sealed[i] + 1]) + sealed[i + 1 :]
    assert reason(thrown(trust.open_sealed, pushed, KEY, "web", now=1_000_061.0)) == "signature mismatch"


def test_every_change_to_an_envelope_is_refused(api):
    from turmeric.serialization import trust

    sealed = trust.seal(api.serialize((1, "two", 3.0)), KEY, "web", ttl=100)
    for i in range(len(sealed)):
        bad = sealed[:i] + bytes([sealed[i] ^ 0x01]) + sealed[i + 1 :]
        assert kind(thrown(trust.open_sealed, bad, KEY, "web")) == "corrupt-data", i
    for n in range(len(sealed)):
        assert kind(thrown(trust.open_sealed, sealed[:n], KEY, "web")) == "corrupt-data", n
    assert kind(thrown(trust.open_sealed, api.serialize(1), KEY, "web")) == "corrupt-data"  # unsigned


def test_the_compact_row_envelope_binds_key_and_purpose_and_refuses_every_change(api):
    from turmeric.serialization import trust

    b = api.serialize((1, "two", 3.0))
    row = trust.seal_row(b, KEY, "workflow-row")
    assert len(row) == len(b) + 17 and trust.open_row(row, KEY, "workflow-row") == b
    assert reason(thrown(trust.open_row, row, KEY, "workflow-rows")) == "signature mismatch"  # another purpose
    assert reason(thrown(trust.open_row, row, KEY[:-1] + "!", "workflow-row")) == "signature mismatch"  # another key
    for i in range(len(row)):
        bad = row[:i] + bytes([row[i] ^ 0x01]) + row[i + 1 :]
        assert kind(thrown(trust.open_row, bad, KEY, "workflow-row")) == "corrupt-data", i
    for n in range(len(row)):
        assert kind(thrown(trust.open_row, row[:n], KEY, "workflow-row")) == "corrupt-data", n
    assert kind(thrown(trust.open_row, b, KEY, "workflow-row")) == "corrupt-data"  # unsigned
    # the full envelope and the row envelope never open as each other
    assert kind(thrown(trust.open_row, trust.seal(b, KEY, "workflow-row"), KEY, "workflow-row")) == "corrupt-data"
    assert kind(thrown(trust.open_sealed, row, KEY, "workflow-row")) == "corrupt-data"
    assert kind(thrown(trust.seal_row, b, "short", "p")) == "error"


def test_decode_trusted_verifies_before_decoding(api, tmp_path):
    from sechelp import loader

    MODULES = loader().MODULES
    from turmeric.serialization import trust

    # a blob that would load a module from the folder if it were decoded
    (tmp_path / "sideeffect.tm").write_text("(defn f [] 1)\n")
    b = H.Blob()
    b.body += H.host(b.host("sideeffect", "f"))
    sealed = trust.seal(b.blob(), KEY, "row")
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    e = thrown(trust.decode_trusted, tampered, KEY, "row", base_dir=str(tmp_path))
    assert kind(e) == "corrupt-data" and "sideeffect" not in MODULES
    assert callable(trust.decode_trusted(sealed, KEY, "row", base_dir=str(tmp_path)))
    e = thrown(trust.decode_trusted, sealed, KEY, "row", base_dir=str(tmp_path), continuation_only=True)
    assert kind(e) == "corrupt-data"


def test_internal_names_cannot_be_named_by_a_blob(tmp_path):
    for name in ("%host-map", "%items", "#resume_frames", "__import__"):
        b = H.Blob()
        b.body += H.host(b.host("", name))
        out = isolated(tmp_path, b.blob())
        assert out["outcome"] == "thrown" and out["type"] in ("missing-function", "corrupt-data"), (name, out)


# --- turmeric resume ---------------------------------------------------------------------------------


def test_resume_runs_only_continuations(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    b = H.Blob()
    b.body += H.host(b.host("", "delete-file"))  # a builtin as the whole blob
    (tmp_path / "evil.bin").write_bytes(b.blob())
    r = turmeric("resume", "evil.bin", "--value", '"victim.txt"', cwd=tmp_path)
    assert r.returncode == 1 and "not a continuation" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert victim.read_text() == "keep me"


def _evil_continuation(symbols, victim):
    """secprog.job suspended inside prelude.for-each whose f is delete-file: resumed, the loop
    goes on to the next element and deletes it."""
    b = H.Blob(program="secprog")
    job = progs.fn_entry(b, symbols, "secprog.job")
    fe = progs.fn_entry(b, symbols, "prelude.for-each")
    s_job = b.shape(job, progs.shift_site(symbols, "secprog.job"))
    s_fe = b.shape(fe, 1)
    dele = b.host("", "delete-file")
    xs = H.tuple_(2, H.tagged(H.strref(b.string("nothing")), H.strref(b.string(victim))))
    b.body += H.rows_continuation(bytes([H.NIL]), [s_job, s_fe], [(0, []), (1, [bytes([H.EMPTY]), H.host(dele), xs, H.uint(2), H.uint(0)])])
    return b.blob()


def test_with_a_key_unsigned_blobs_are_refused(tmp_path):
    symbols = progs.load(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "evil.bin").write_bytes(_evil_continuation(symbols, "victim.txt"))
    (tmp_path / "key").write_text(KEY + "\n")
    for how in (["--key-file", "key"], []):
        r = turmeric("resume", "evil.bin", *how, cwd=tmp_path, extra_env={} if how else {"TURMERIC_KEY": KEY})
        assert r.returncode == 1 and "not signed" in r.stderr, r.stderr
        assert victim.read_text() == "keep me"


def test_signed_continuations_resume_with_the_right_key_and_purpose(tmp_path):
    progs.load(tmp_path)
    assert turmeric("run", "secprog.tm", cwd=tmp_path).returncode == 0
    (tmp_path / "sign.tm").write_text(
        f'(write-file "job.signed" (sign (read-file "job.bin") "{KEY}" "resume"))\n'
        f'(write-file "job.web" (sign (read-file "job.bin") "{KEY}" "web"))\n'
    )
    assert turmeric("run", "sign.tm", cwd=tmp_path).returncode == 0
    (tmp_path / "key").write_text(KEY + "\n")
    r = turmeric("resume", "job.signed", "--key-file", "key", "--purpose", "resume", "--value", "7", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == '"resumed with 7"\n', r.stderr
    r = turmeric("resume", "job.web", "--key-file", "key", "--purpose", "resume", cwd=tmp_path)
    assert r.returncode == 1 and "signature mismatch" in r.stderr and "purpose 'web'" in r.stderr, r.stderr
    r = turmeric("resume", "job.signed", "--purpose", "resume", cwd=tmp_path, extra_env={"TURMERIC_KEY": "another-key-of-enough-bytes"})
    assert r.returncode == 1 and "signature mismatch" in r.stderr
    r = turmeric("resume", "job.signed", cwd=tmp_path)  # signed, and no key to check it with
    assert r.returncode == 1 and "--key-file" in r.stderr
    (tmp_path / "short").write_text("short\n")
    r = turmeric("resume", "job.signed", "--key-file", "short", "--purpose", "resume", cwd=tmp_path)
    assert r.returncode == 1 and "at least 16 bytes" in r.stderr
    assert "Traceback" not in r.stderr
