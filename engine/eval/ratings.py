"""Human ratings of answers on the judge's dimensions, stored in the workspace.

A rating belongs to an answer (``EvalResult.key``: the conversation and the response), not
to a run, so the same answer served again from the cache keeps its ratings, and a person's
ratings can be compared with any judge's verdicts on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.activity import current_actor
from engine.workspace import Workspace
from store import evals as store_evals


def rate(ws: Workspace, item: str, dimension: str, label: str) -> None:
    with ws.db.connect() as con:
        store_evals.put_rating(con, item, dimension, label, current_actor())


def unrate(ws: Workspace, item: str, dimension: str) -> None:
    with ws.db.connect() as con:
        store_evals.delete_rating(con, item, dimension, current_actor())


def ratings(ws: Workspace, items: Sequence[str]) -> dict[str, dict[str, str]]:
    """item -> dimension -> label for the given answers."""
    with ws.db.connect() as con:
        return store_evals.ratings(con, list(items))
