"""The rendition contract and the braille canvas the renditions draw on."""

from __future__ import annotations

import random
from typing import ClassVar

BRAILLE_BLANK = 0x2800
# Bit of each dot in a braille cell, indexed [row][column] within the 2 x 4 cell.
DOT_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))


class BrailleCanvas:
    """A bitmap of ``2 * cols`` by ``4 * rows`` dots shown as Unicode braille characters."""

    def __init__(self, cols: int, rows: int) -> None:
        if cols < 1 or rows < 1:
            raise ValueError("a canvas needs at least one column and one row")
        self.cols, self.rows = cols, rows
        self.width, self.height = cols * 2, rows * 4
        self.cells = bytearray(cols * rows)

    def clear(self) -> None:
        self.cells = bytearray(self.cols * self.rows)

    def set(self, x: float, y: float) -> None:
        """Turn on the dot at (x, y); points off the canvas are ignored."""
        xi, yi = int(x), int(y)
        if 0 <= xi < self.width and 0 <= yi < self.height:
            self.cells[(yi >> 2) * self.cols + (xi >> 1)] |= DOT_BITS[yi & 3][xi & 1]

    def unset(self, x: float, y: float) -> None:
        xi, yi = int(x), int(y)
        if 0 <= xi < self.width and 0 <= yi < self.height:
            self.cells[(yi >> 2) * self.cols + (xi >> 1)] &= ~DOT_BITS[yi & 3][xi & 1] & 0xFF

    def get(self, x: int, y: int) -> bool:
        if 0 <= x < self.width and 0 <= y < self.height:
            return bool(self.cells[(y >> 2) * self.cols + (x >> 1)] & DOT_BITS[y & 3][x & 1])
        return False

    def line(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Bresenham's line between two dots, both ends included."""
        xa, ya, xb, yb = round(x0), round(y0), round(x1), round(y1)
        dx, dy = abs(xb - xa), -abs(yb - ya)
        sx, sy = (1 if xa < xb else -1), (1 if ya < yb else -1)
        err = dx + dy
        for _ in range(dx - dy + 1):
            self.set(xa, ya)
            if xa == xb and ya == yb:
                break
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                xa += sx
            if e2 <= dx:
                err += dx
                ya += sy

    def lines(self) -> list[str]:
        """The canvas as ``rows`` strings of ``cols`` characters (blank cells are spaces)."""
        out = []
        for r in range(self.rows):
            row = self.cells[r * self.cols : (r + 1) * self.cols]
            out.append("".join(chr(BRAILLE_BLANK + b) if b else " " for b in row))
        return out


class Rendition:
    """A terminal rendition of a gallery piece: same algorithm and parameters, drawn in text.

    ``step()`` advances one frame, ``frame()`` returns ``rows`` strings of exactly ``cols``
    characters, ``click(col, row)`` is the piece's pointer interaction at a character cell.
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    colour: ClassVar[str] = "#e8e4da"
    """A foreground colour that suits the piece, for a UI that wants one."""
    fps: ClassVar[float] = 20.0
    """The frame rate the rendition is meant to be played at."""

    def __init__(self, cols: int, rows: int, seed: int = 0) -> None:
        if cols < 1 or rows < 1:
            raise ValueError("a rendition needs at least one column and one row")
        self.cols, self.rows, self.seed = cols, rows, seed
        self.rng = random.Random(seed)
        self.canvas = BrailleCanvas(cols, rows)

    def step(self) -> None:
        raise NotImplementedError

    def frame(self) -> list[str]:
        return self.canvas.lines()

    def click(self, col: int, row: int) -> None:
        """React to a click at a character cell; by default nothing happens."""

    def dot(self, col: int, row: int) -> tuple[float, float]:
        """The centre, in canvas dots, of a character cell."""
        return col * 2 + 1.0, row * 4 + 2.0
