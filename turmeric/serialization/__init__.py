"""Serialization: Turmeric's binary blob format, the serialize/deserialize/sign/verify
builtins, and `inspect` (describing a blob without running it). See docs/format.md.

`layout.py` has the format's constants, `encoder.py` and `decoder.py` the two
directions (the decoder is pure: it resolves names through a `Hooks` object and
imports neither the encoder nor anything that compiles code), `format.py` the live
hooks and the envelope, `names.py` the glue to the running program (reached through
the session the loader hands it), `api.py` the builtins (`install` adds them).
"""
