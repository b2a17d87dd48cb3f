"""The cluster: code that travels with continuations, and nodes that run them.

Uses the code store (`codestore.py` re-exports its core, `loader/codestore.py`, which
durable workflows share: every function version a stored continuation refers to,
kept by fingerprint as a code record in the store, and given back to a session that
resumes a frame whose function changed since), and owns the cluster of
named worker nodes sharing one database (`node.py`: `migrate-to`, `spawn-on`,
`current-node`, take-over of a dead node's tasks, mobile agents). Sits above the
loader, the store and durable; the compile-a-record part is `loader/codes.py`.
Guides: docs/cluster.md, docs/versioning.md.
"""
