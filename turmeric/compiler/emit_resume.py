"""The resume variant: statement IR -> statements that restore a frame and jump to a site.

Input: IR from `lower.py`, the `FnCtx`, and a memo for `site_set`. Output: Python `ast`
statements guarded by `#rs` (the site to resume at): statements before the site are
skipped, compound statements holding it are re-entered, and at the site the inner
frames are resumed with `#resume_frames`; after it `#rs` is 0 and the code runs normally.
"""

from __future__ import annotations

import ast

from ..core.errors import InternalError
from .emit_normal import catch_stmt, emit_normal, finally_stmts, site_stmt
from .ir import CatchS, FinallyS, IfS, LoopS, SiteS, block_sites, site_set
from .pyast import FRAMES, RS, J, V, assign, call, const, name, rs_in, rs_is_zero


def emit_resume(stmts, ctx, memo):
    out = []
    plain = []

    def flush():
        if plain:
            out.append(ast.If(rs_is_zero(), emit_normal(plain, ctx), []))
            plain.clear()

    for s in stmts:
        sites = site_set(s, memo)
        if not sites:
            plain.append(s)
            continue
        flush()
        out += resume_stmt(s, sites, ctx, memo)
    flush()
    return out


def resume_stmt(s, sites, ctx, memo):
    t = type(s)
    guard = ast.BoolOp(ast.Or(), [rs_is_zero(), rs_in(sites)])
    if t is SiteS:
        if s.kind in ("shift", "throw"):
            val = name(V)
        else:
            val = call("#resume_frames", name(FRAMES), ast.BinOp(name(J), ast.Sub(), const(1)), name(V))
        resumed = [assign(RS, const(0)), site_stmt(s, ctx, resumed_value=val)]
        return [ast.If(ast.Compare(name(RS), [ast.Eq()], [const(s.n)]), resumed, [ast.If(rs_is_zero(), [site_stmt(s, ctx)], [])])]
    if t is IfS:
        a_sites = block_sites(s.body, memo)
        test = ast.IfExp(name(RS), rs_in(a_sites) if a_sites else const(False), s.test)
        inner = ast.If(test, emit_resume(s.body, ctx, memo) or [ast.Pass()], emit_resume(s.orelse, ctx, memo))
        return [ast.If(guard, [inner], [])]
    if t is LoopS:
        return [ast.If(guard, [ast.While(const(True), emit_resume(s.body, ctx, memo) or [ast.Pass()], [])], [])]
    if t is CatchS:
        h_sites = block_sites(s.handler, memo)
        normal = catch_stmt(s, emit_resume(s.body, ctx, memo), ctx)
        if h_sites:
            inner = ast.If(rs_in(h_sites), emit_resume(s.handler, ctx, memo), [normal])
            return [ast.If(guard, [inner], [])]
        return [ast.If(guard, [normal], [])]
    if t is FinallyS:
        f_sites = block_sites(s.fin, memo)
        enter_body = ast.UnaryOp(ast.Not(), rs_in(f_sites)) if f_sites else None
        stmts = finally_stmts(s, emit_resume(s.body, ctx, memo), emit_resume(s.fin, ctx, memo), guard=enter_body)
        return [ast.If(guard, stmts, [])]
    raise InternalError(f"resume emitter: unknown IR node {t.__name__}", getattr(s, "pos", None))
