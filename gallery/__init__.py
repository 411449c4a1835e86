"""The creative-coding gallery: standalone HTML canvas pieces and their catalogue.

The catalogue (``catalogue.json``) is the single source for the index page, the TUI's
Gallery screen and the tests. This package imports neither textual nor engine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

GALLERY_DIR = Path(__file__).resolve().parent
CATALOGUE_PATH = GALLERY_DIR / "catalogue.json"


@dataclass(frozen=True)
class Piece:
    """One artifact of the gallery."""

    slug: str
    title: str
    file: str
    year: str
    attribution: str
    tags: tuple[str, ...]
    description: str
    interaction: str
    rendition: str | None = None
    """Name of the terminal rendition of this piece, if it has one."""

    @property
    def path(self) -> Path:
        return GALLERY_DIR / self.file


def load_catalogue(path: Path = CATALOGUE_PATH) -> list[Piece]:
    """Read the catalogue, in display order."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    return [
        Piece(
            slug=e["slug"],
            title=e["title"],
            file=e["file"],
            year=e["year"],
            attribution=e["attribution"],
            tags=tuple(e["tags"]),
            description=e["description"],
            interaction=e["interaction"],
            rendition=e.get("rendition"),
        )
        for e in entries
    ]
