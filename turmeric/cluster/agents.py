"""Mobile agents: tasks whose code is signed by its author, run only by nodes that trust the key.

An agent is a cluster task (name `cluster-agent`) that carries a signed *manifest*:
the hashes of the code records of every top-level form of the program that spawned
it (its code: the client's own modules, not the runtime or the prelude), and an Ed25519 signature by the author's key over the task id
and those hashes. The records are in the code store; the manifest is a sealed row in
`tm_kv` (namespace `tm-agent`). It moves with the task from node to node
(`migrate-to`), like any task.

Before a node decodes any blob of an agent (its input or a checkpoint) it checks:

1. the manifest exists (else: an unsigned agent) and its signature is valid;
2. the signing key is in the node's trusted list (`turmeric worker --trust FILE`,
   hex public keys one per line); a node with no trusted keys runs no agent;
3. every function the blob names (outside the runtime and the prelude) is one of the
   signed records' functions, by symbol and fingerprint;
4. no function the blob names uses a global the node forbids (`--forbid`): code
   compiled from a record is checked before it is executed (loader/codes.py), code
   the node already has is checked by the names its compiled code reads.

Any failure marks the agent failed with a message saying which check failed; none of
the agent's code runs on that node.

Keys: `python -m turmeric.cluster.agents keygen PRIVATE_FILE` writes a private key
(hex) and prints its public key; a client signs with the file named by
`$TURMERIC_AGENT_KEY`.
"""

from __future__ import annotations

import json
import os
import sys

from ..core.errors import make_error
from ..core.values import Thrown
from ..runtime.printer import display, type_name
from ..serialization import format as fmt

AGENT = "cluster-agent"
AGENT_NS = "tm-agent"
DOMAIN = b"turmeric-agent-v1\0"


def _err(msg, kind="error"):
    return Thrown(make_error(kind, msg))


def _crypto():
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    return Ed25519PrivateKey, Ed25519PublicKey, InvalidSignature


def keygen(path):
    priv_cls, _, _ = _crypto()
    k = priv_cls.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(k.private_bytes_raw().hex() + "\n")
    return k.public_key().public_bytes_raw().hex()


def load_private(path):
    priv_cls, _, _ = _crypto()
    try:
        with open(path) as f:
            return priv_cls.from_private_bytes(bytes.fromhex(f.read().strip()))
    except (OSError, ValueError) as e:
        raise _err(
            f"spawn-agent: can't read the agent key {path}: {e} (make one with python -m turmeric.cluster.agents keygen FILE)"
        ) from None


def load_trusted(path):
    """The hex public keys in `path` (one per line, `#` comments)."""
    out = set()
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                if len(line) != 64 or any(c not in "0123456789abcdef" for c in line.lower()):
                    raise SystemExit(f"{path}: {line!r} is not a hex Ed25519 public key")
                out.add(line.lower())
    return frozenset(out)


def _message(wf_id, hashes):
    return DOMAIN + wf_id.encode() + b"\0" + "\n".join(hashes).encode()


def agent_code(session, blob):
    """{hash hex: (data, module, fns)}: the records of every top-level form of the program
    the client runs (its own modules, not the runtime or the prelude): the agent's code."""
    from . import codestore

    out = {h.hex(): r for h, r in codestore.records_for(blob, session).items()}
    seen = set()
    for info in list(session.state.versions.values()):
        if info.origin is not None and info.origin not in seen:
            seen.add(info.origin)
            rec = session.code_record(info)
            if rec is not None and rec[0] not in out:
                obj = json.loads(rec[1])
                out[rec[0]] = (rec[1], obj["module"], [tuple(p) for p in obj["fns"]])
    return out


def spawn_agent(client, node, thunk):
    """Create an agent task on `node` running `(thunk)`, signed with $TURMERIC_AGENT_KEY."""
    from ..loader import current_session
    from .node import MANIFEST

    path = os.environ.get("TURMERIC_AGENT_KEY")
    if not path:
        raise _err(
            "spawn-agent: set TURMERIC_AGENT_KEY to the file of the agent's private key (python -m turmeric.cluster.agents keygen FILE)"
        )
    key = load_private(path)
    client.check_target("spawn-agent", node)
    if not callable(thunk):
        raise _err(f"spawn-agent: expected a function of no arguments, got {type_name(thunk)}", "type-error")
    wf_id, parent = client.new_id()
    try:
        blob = fmt.encode(thunk)
    except Thrown as e:
        raise _err(f"spawn-agent: the thunk can't travel: {display(e.value)}", "not-serializable") from None
    code = agent_code(current_session(), blob)
    hashes = sorted(code)
    sig = key.sign(_message(wf_id, hashes))
    manifest = {"key": key.public_key().public_bytes_raw().hex(), "hashes": hashes, "sig": sig.hex()}
    st = client.store
    st.code_put("wf:" + wf_id, [(bytes.fromhex(h), d, m, fns) for h, (d, m, fns) in code.items()])
    st.kv_put(AGENT_NS, wf_id, client.seal(f"agent:{wf_id}", json.dumps(manifest, sort_keys=True).encode(), MANIFEST))
    st.create_workflow(wf_id, AGENT, "node:" + node, client.seal(f"input:{wf_id}", blob), parent=parent)
    return wf_id


class AgentRefused(Exception):
    pass


def allowed_code(node, wf_id):
    """{(symbol, fingerprint)} the agent's signed manifest covers, after checking it."""
    from ..loader.codes import CodeError, parse_record
    from .node import MANIFEST

    _, pub_cls, invalid = _crypto()
    raw = node.store.kv_get(AGENT_NS, wf_id)
    if raw is None:
        raise AgentRefused(f"agent {wf_id[:8]} is not signed (no manifest): node {node.name} runs only signed agents")
    man = json.loads(node.open(f"agent:{wf_id}", raw, MANIFEST))
    if not node.trusted:
        raise AgentRefused(f"node {node.name} trusts no agent keys (start it with --trust FILE)")
    if man.get("key") not in node.trusted:
        raise AgentRefused(f"agent {wf_id[:8]} is signed by key {str(man.get('key'))[:16]}..., which node {node.name} does not trust")
    hashes = man.get("hashes")
    try:
        pub_cls.from_public_bytes(bytes.fromhex(man["key"])).verify(bytes.fromhex(man["sig"]), _message(wf_id, hashes))
    except (invalid, ValueError, KeyError, TypeError):
        raise AgentRefused(f"agent {wf_id[:8]}: its signature does not match its code (altered manifest)") from None
    got = node.store.chunks_get([bytes.fromhex(h) for h in hashes])
    allowed = set()
    for h in hashes:
        data = got.get(bytes.fromhex(h))
        if data is None:
            raise AgentRefused(f"agent {wf_id[:8]}: signed code record {h} is missing from the code store")
        try:
            obj = parse_record(data, h)
        except CodeError as e:
            raise AgentRefused(f"agent {wf_id[:8]}: {e}") from None
        allowed.update(tuple(p) for p in obj["fns"])
    return allowed


def code_names(code):
    """The global names a compiled function (and the code nested in it) reads."""
    from ..loader.codes import library_name

    out = set()
    stack = [code]
    while stack:
        c = stack.pop()
        out.update(library_name(n) for n in c.co_names)
        stack += [k for k in c.co_consts if type(k) is type(code)]
    return out


def check_blob(node, wf_id, blob, allowed):
    """Refuse the blob unless every function it names is signed and uses nothing forbidden."""
    h = fmt.read_header(blob)[0]
    session = node.session
    forbid = session.forbidden_globals if session is not None else frozenset()
    for e in h.names:
        if type(e) is not fmt.FnEntry:
            continue
        mod = e.symbol.split(".", 1)[0]
        if mod in ("turmeric", "prelude"):
            continue
        if (e.symbol, e.fingerprint) not in allowed:
            raise AgentRefused(f"agent {wf_id[:8]}: function {e.symbol} (version {e.fingerprint}) is not in its signed code")
        if forbid and session is not None:
            info = session.state.find(e.symbol, e.fingerprint)
            if info is None or info.fingerprint != e.fingerprint:
                info = session.load_version(e.symbol, e.fingerprint)  # checks forbidden globals before running
            if info is not None and info.code is not None:
                bad = sorted(code_names(info.code) & forbid)
                if bad:
                    raise AgentRefused(f"agent {wf_id[:8]}: {e.symbol} calls {', '.join(bad)}, which node {node.name} forbids")


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) == 3 and sys.argv[1] == "keygen":
        print(keygen(sys.argv[2]))
    else:
        print("usage: python -m turmeric.cluster.agents keygen PRIVATE_KEY_FILE", file=sys.stderr)
        sys.exit(2)
