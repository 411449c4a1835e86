"""Renditions of the drawn figures: 10 PRINT, Sierpinski, Lissajous, Harmonograph."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from gallery.renditions.base import Rendition

Point = tuple[float, float]
Triangle = tuple[Point, Point, Point]

# -- 10 PRINT -------------------------------------------------------------------------------------

SLASH, BACKSLASH = "╱", "╲"


class TenPrintRendition(Rendition):
    """CHR$(205.5+RND(1)): each character cell gets ╱ or ╲, row by row; a full screen restarts."""

    name = "tenprint"
    title = "10 PRINT"
    colour = "#8e82e0"
    CURSOR = "█"
    HOLD = 40

    def __init__(self, cols: int, rows: int, seed: int = 0) -> None:
        super().__init__(cols, rows, seed)
        self.per_step = max(3, math.ceil(cols / 8))
        self.restart()

    def restart(self) -> None:
        self.cells: list[str] = []
        self.hold = 0

    @property
    def full(self) -> bool:
        return len(self.cells) >= self.cols * self.rows

    def step(self) -> None:
        if self.full:
            self.hold += 1
            if self.hold > self.HOLD:
                self.restart()
            return
        for _ in range(self.per_step):
            if self.full:
                break
            self.cells.append(SLASH if self.rng.random() < 0.5 else BACKSLASH)

    def frame(self) -> list[str]:
        total = self.cols * self.rows
        flat = self.cells + ([self.CURSOR] if not self.full else [])
        flat += [" "] * (total - len(flat))
        return ["".join(flat[r * self.cols : (r + 1) * self.cols]) for r in range(self.rows)]

    def click(self, col: int, row: int) -> None:
        """RUN again."""
        self.restart()


# -- Sierpinski -----------------------------------------------------------------------------------


def _mid(p: Point, q: Point) -> Point:
    return (p[0] + q[0]) / 2, (p[1] + q[1]) / 2


def sierpinski(tri: Triangle, depth: int) -> list[list[Triangle]]:
    """Triangles kept at each level of midpoint subdivision: level k holds 3**k triangles."""
    levels = [[tri]]
    for _ in range(depth):
        nxt = []
        for a, b, c in levels[-1]:
            ab, bc, ca = _mid(a, b), _mid(b, c), _mid(c, a)
            nxt += [(a, ab, ca), (ab, b, bc), (ca, bc, c)]
        levels.append(nxt)
    return levels


def triangle_area(t: Triangle) -> float:
    (ax, ay), (bx, by), (cx, cy) = t
    return abs((bx - ax) * (cy - ay) - (cx - ax) * (by - ay)) / 2


class SierpinskiRendition(Rendition):
    """Midpoint subdivision drawn level by level in outline; a click moves the nearest corner."""

    name = "sierpinski"
    title = "Sierpiński Triangle"
    colour = "#e879c8"
    MAX_DEPTH = 8
    STEPS_PER_LEVEL = 10
    HOLD = 60

    def __init__(self, cols: int, rows: int, seed: int = 0) -> None:
        super().__init__(cols, rows, seed)
        w, h = self.canvas.width, self.canvas.height
        side = min(w - 2, (h - 2) * 2 / math.sqrt(3))
        top = (h - side * math.sqrt(3) / 2) / 2
        self.corners: list[Point] = [
            (w / 2, top),
            (w / 2 - side / 2, top + side * math.sqrt(3) / 2),
            (w / 2 + side / 2, top + side * math.sqrt(3) / 2),
        ]
        # deeper levels than the dots can show only fill the picture in
        self.depth = max(1, min(self.MAX_DEPTH, int(math.log2(max(2.0, side / 2)))))
        self.tick = 0

    @property
    def shown_depth(self) -> int:
        return min(self.depth, self.tick // self.STEPS_PER_LEVEL)

    def step(self) -> None:
        self.tick += 1
        if self.tick > (self.depth + 1) * self.STEPS_PER_LEVEL + self.HOLD:
            self.tick = 0

    def frame(self) -> list[str]:
        c = self.canvas
        c.clear()
        a, b, d = self.corners
        for level in sierpinski((a, b, d), self.shown_depth):
            for p, q, r in level:
                c.line(*p, *q)
                c.line(*q, *r)
                c.line(*r, *p)
        return c.lines()

    def click(self, col: int, row: int) -> None:
        x, y = self.dot(col, row)
        nearest = min(range(3), key=lambda i: math.dist(self.corners[i], (x, y)))
        self.corners[nearest] = (x, y)


# -- Lissajous ------------------------------------------------------------------------------------


class LissajousRendition(Rendition):
    """x = sin(a·t + φ), y = sin(b·t), a and b in 1..8 from the click, φ drifting."""

    name = "lissajous"
    title = "Lissajous Curves"
    colour = "#c58cff"
    SAMPLES = 900
    DRIFT = 0.006

    def __init__(self, cols: int, rows: int, seed: int = 0) -> None:
        super().__init__(cols, rows, seed)
        self.a, self.b, self.phi = 3, 2, 0.0

    def points(self, samples: int = SAMPLES) -> list[tuple[float, float, float]]:
        """(t, x, y) samples over one period, x and y in [-1, 1]."""
        out = []
        for i in range(samples + 1):
            t = i / samples * math.tau
            out.append((t, math.sin(self.a * t + self.phi), math.sin(self.b * t)))
        return out

    def step(self) -> None:
        self.phi += self.DRIFT

    def frame(self) -> list[str]:
        c = self.canvas
        c.clear()
        r = min(c.width, c.height) * 0.47
        cx, cy = c.width / 2, c.height / 2
        pts = [(cx + r * x, cy - r * y) for _, x, y in self.points()]
        for (x0, y0), (x1, y1) in itertools.pairwise(pts):
            c.line(x0, y0, x1, y1)
        return c.lines()

    def click(self, col: int, row: int) -> None:
        """The horizontal position picks a, the vertical one b, as the pointer does on the web."""
        self.a = 1 + min(7, col * 8 // self.cols)
        self.b = 1 + min(7, row * 8 // self.rows)


# -- Harmonograph ---------------------------------------------------------------------------------


@dataclass
class Pendulum:
    amplitude: float
    frequency: float
    phase: float
    damping: float

    def at(self, t: float) -> float:
        return (
            self.amplitude * math.sin(self.frequency * t + self.phase) * math.exp(-self.damping * t)
        )


class HarmonographRendition(Rendition):
    """Two damped pendulums per axis, 40 steps of dt 0.02 a frame, until amplitude < 0.005."""

    name = "harmonograph"
    title = "Harmonograph"
    colour = "#d9b483"
    STEPS_PER_FRAME = 40
    DT = 0.02
    STOP = 0.005
    HOLD = 60

    def __init__(self, cols: int, rows: int, seed: int = 0) -> None:
        super().__init__(cols, rows, seed)
        self.reset()

    def _pendulum(self, amplitude: float) -> Pendulum:
        r = self.rng
        return Pendulum(
            amplitude,
            1 + int(r.random() * 4) + (r.random() * 2 - 1) * 0.01,
            r.random() * math.tau,
            0.0015 + r.random() * 0.0025,
        )

    def reset(self) -> None:
        w1 = 0.35 + self.rng.random() * 0.3
        self.x_pair = (self._pendulum(w1), self._pendulum(1 - w1))
        self.y_pair = (self._pendulum(w1), self._pendulum(1 - w1))
        self.t = 0.0
        self.last: Point | None = None
        self.hold = 0
        self.canvas.clear()

    def position(self, t: float) -> Point:
        """Pen position in [-1, 1]²."""
        return sum(p.at(t) for p in self.x_pair), sum(p.at(t) for p in self.y_pair)

    def amplitude(self, t: float) -> float:
        return max(p.amplitude * math.exp(-p.damping * t) for p in (*self.x_pair, *self.y_pair))

    @property
    def done(self) -> bool:
        return self.amplitude(self.t) < self.STOP

    def step(self) -> None:
        if self.done:
            self.hold += 1
            if self.hold > self.HOLD:
                self.reset()
            return
        c = self.canvas
        r = min(c.width, c.height) * 0.48
        for _ in range(self.STEPS_PER_FRAME):
            x, y = self.position(self.t)
            pt = (c.width / 2 + r * x, c.height / 2 + r * y)
            if self.last is not None:
                c.line(*self.last, *pt)
            self.last = pt
            self.t += self.DT

    def click(self, col: int, row: int) -> None:
        """Release the pendulums again."""
        self.reset()
