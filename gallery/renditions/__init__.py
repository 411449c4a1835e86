"""Terminal renditions of gallery pieces: the web piece's algorithm and parameters, drawn in text.

Pure Python; nothing here imports textual. ``RENDITIONS`` maps the catalogue's ``rendition``
names to classes sharing the :class:`Rendition` API.
"""

from __future__ import annotations

from gallery.renditions.animations import MatrixRendition, StarfieldRendition
from gallery.renditions.base import BrailleCanvas, Rendition
from gallery.renditions.figures import (
    HarmonographRendition,
    LissajousRendition,
    SierpinskiRendition,
    TenPrintRendition,
)
from gallery.renditions.simulations import (
    BoidsRendition,
    HeatRendition,
    LifeRendition,
    LorenzRendition,
)

RENDITIONS: dict[str, type[Rendition]] = {
    cls.name: cls
    for cls in (
        LifeRendition,
        LorenzRendition,
        TenPrintRendition,
        SierpinskiRendition,
        LissajousRendition,
        BoidsRendition,
        HarmonographRendition,
        StarfieldRendition,
        MatrixRendition,
        HeatRendition,
    )
}

__all__ = ["RENDITIONS", "BrailleCanvas", "Rendition"]
