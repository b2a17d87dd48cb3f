"""The code store, as the cluster uses it: the core lives in `turmeric.loader.codestore`
(so durable workflows, below the cluster, keep their code the same way); this module
re-exports it for the cluster's nodes and agents."""

from __future__ import annotations

from ..loader.codestore import (
    as_rows,
    attach,
    collect,
    fn_entries,
    keep_code,
    records_for,
    release,
    source,
    stored,
    versions,
    workflow_owner,
)

__all__ = [
    "as_rows",
    "attach",
    "collect",
    "fn_entries",
    "keep_code",
    "records_for",
    "release",
    "source",
    "stored",
    "versions",
    "workflow_owner",
]
