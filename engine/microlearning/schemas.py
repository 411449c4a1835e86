"""Validation against the pipeline's four JSON Schemas (draft-07, all closed objects)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, Literal

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
Kind = Literal["topic_record", "shortlist_record", "approval_record", "content_packet"]
KINDS: tuple[Kind, ...] = ("topic_record", "shortlist_record", "approval_record", "content_packet")


class SchemaError(ValueError):
    """An object that does not conform: names the schema and every problem found."""


@functools.cache
def schema(kind: Kind) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8")
    )
    return data


@functools.cache
def _validator(kind: Kind) -> Any:
    import jsonschema  # here, not at start-up

    return jsonschema.Draft7Validator(schema(kind))


def problems(kind: Kind, obj: Any) -> list[str]:
    """Every way ``obj`` breaks the schema, as ``path: message`` lines (empty if valid)."""
    errors = sorted(_validator(kind).iter_errors(obj), key=lambda e: list(e.absolute_path))
    out = []
    for error in errors:
        where = "/".join(str(p) for p in error.absolute_path) or "(top)"
        out.append(f"{where}: {error.message}")
    return out


def validate(kind: Kind, obj: Any) -> None:
    found = problems(kind, obj)
    if found:
        raise SchemaError(f"not a valid {kind}: " + "; ".join(found[:5]))
