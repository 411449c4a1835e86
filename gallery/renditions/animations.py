"""Renditions of the animations: Starfield and Matrix Rain."""

from __future__ import annotations

import math

from gallery.renditions.base import Rendition


class StarfieldRendition(Rendition):
    """starfield.html's 600 stars projected through depth; near stars are drawn larger."""

    name = "starfield"
    title = "Starfield"
    colour = "#f0f4ff"
    fps = 30.0
    COUNT = 600
    DEPTH = 1000.0
    SPEED = 6.0
    SPREAD = 1000.0

    def __init__(self, cols: int, rows: int, seed: int = 0) -> None:
        super().__init__(cols, rows, seed)
        self.steer = [0.0, 0.0]
        self.aim = [0.0, 0.0]
        self.stars = [self._star() for _ in range(self.COUNT)]

    def _star(self, z: float | None = None) -> list[float]:
        r = self.rng
        return [
            (r.random() * 2 - 1) * self.SPREAD,
            (r.random() * 2 - 1) * self.SPREAD,
            r.random() * self.DEPTH + 1 if z is None else z,
        ]

    def project(self, s: list[float]) -> tuple[float, float]:
        c = self.canvas
        f = min(c.width, c.height) * 0.6
        return c.width / 2 + s[0] / s[2] * f, c.height / 2 + s[1] / s[2] * f

    def step(self) -> None:
        for k in (0, 1):
            self.steer[k] += (self.aim[k] - self.steer[k]) * 0.05
        for i, s in enumerate(self.stars):
            s[2] -= self.SPEED
            s[0] -= self.steer[0] * self.SPEED * 0.9
            s[1] -= self.steer[1] * self.SPEED * 0.9
            if s[2] < 1 or abs(s[0]) > 2800 or abs(s[1]) > 2800:
                self.stars[i] = self._star(self.DEPTH)

    def frame(self) -> list[str]:
        c = self.canvas
        c.clear()
        for s in self.stars:
            x, y = self.project(s)
            near = 1 - s[2] / self.DEPTH
            if near > 0.75:
                # a near star streaks back toward where it was a few frames ago
                px, py = self.project([s[0], s[1], s[2] + self.SPEED * 4])
                length = math.hypot(x - px, y - py)
                if length > 8:
                    px, py = x + (px - x) * 8 / length, y + (py - y) * 8 / length
                c.line(px, py, x, y)
            c.set(x, y)
        return c.lines()

    def click(self, col: int, row: int) -> None:
        """Steer toward the clicked side, as the pointer does on the web."""
        self.aim = [(col + 0.5) / self.cols * 2 - 1, (row + 0.5) / self.rows * 2 - 1]


MATRIX_GLYPHS = "".join(chr(c) for c in range(0xFF66, 0xFF9E)) + "0123456789"


class MatrixRendition(Rendition):
    """Falling columns of half-width katakana and digits, each drop trailing its glyphs."""

    name = "matrix"
    title = "Matrix Rain"
    colour = "#3dff7a"
    TRAIL = 12

    def __init__(self, cols: int, rows: int, seed: int = 0) -> None:
        super().__init__(cols, rows, seed)
        r = self.rng
        self.heads = [-r.random() * rows for _ in range(cols)]
        self.speeds = [0.3 + r.random() * 0.3 for _ in range(cols)]
        self.glyphs = [[" "] * cols for _ in range(rows)]
        self.age = [[self.TRAIL + 1] * cols for _ in range(rows)]

    def _glyph(self) -> str:
        return MATRIX_GLYPHS[int(self.rng.random() * len(MATRIX_GLYPHS))]

    def step(self) -> None:
        for row in self.age:
            for x in range(self.cols):
                row[x] += 1
        for x in range(self.cols):
            before = int(self.heads[x])
            self.heads[x] += self.speeds[x]
            now = int(self.heads[x])
            for y in range(max(0, before + 1), min(self.rows, now + 1)):
                self.glyphs[y][x] = self._glyph()
                self.age[y][x] = 0
            if now >= self.rows + self.TRAIL and self.rng.random() > 0.9:
                self.heads[x] = -self.rng.random() * 6
                self.speeds[x] = 0.3 + self.rng.random() * 0.3
        for _ in range(max(1, self.cols // 12)):
            x, y = int(self.rng.random() * self.cols), int(self.rng.random() * self.rows)
            if self.age[y][x] < self.TRAIL:
                self.glyphs[y][x] = self._glyph()

    def frame(self) -> list[str]:
        return [
            "".join(
                g if a <= self.TRAIL else " "
                for g, a in zip(self.glyphs[y], self.age[y], strict=True)
            )
            for y in range(self.rows)
        ]

    def click(self, col: int, row: int) -> None:
        """Start a fast drop in the clicked column and its neighbours."""
        for x in (col - 1, col, col + 1):
            if 0 <= x < self.cols:
                self.heads[x] = float(row)
                self.speeds[x] = 0.7
