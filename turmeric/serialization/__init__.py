"""Serialization: Turmeric's binary blob format, the serialize/deserialize/sign/verify
builtins, and `inspect` (describing a blob without running it). See docs/format.md."""
