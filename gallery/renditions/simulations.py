"""Renditions of the simulation pieces: Game of Life, Boids, Lorenz, Heat Diffusion."""

from __future__ import annotations

import itertools
import math

from gallery.renditions.base import Rendition

# -- Game of Life ---------------------------------------------------------------------------------


def life_generation(grid: bytearray, width: int, height: int) -> bytearray:
    """One generation of Conway's rules (B3/S23) on a toroidal ``width`` x ``height`` grid."""
    out = bytearray(width * height)
    for y in range(height):
        up, row, down = ((y - 1) % height) * width, y * width, ((y + 1) % height) * width
        for x in range(width):
            left, right = (x - 1) % width, (x + 1) % width
            n = (
                grid[up + left] + grid[up + x] + grid[up + right]
                + grid[row + left] + grid[row + right]
                + grid[down + left] + grid[down + x] + grid[down + right]
            )  # fmt: skip
            if n == 3 or (n == 2 and grid[row + x]):
                out[row + x] = 1
    return out


class LifeRendition(Rendition):
    """One braille dot per cell, toroidal, 30% random fill, as in life.html."""

    name = "life"
    title = "Game of Life"
    colour = "#49e39a"
    fps = 12.0
    FILL = 0.3

    def __init__(self, cols: int, rows: int, seed: int = 0, fill: float = FILL) -> None:
        super().__init__(cols, rows, seed)
        self.width, self.height = self.canvas.width, self.canvas.height
        self.generation = 0
        self.grid = bytearray(
            1 if self.rng.random() < fill else 0 for _ in range(self.width * self.height)
        )

    def alive(self, x: int, y: int) -> bool:
        return bool(self.grid[(y % self.height) * self.width + (x % self.width)])

    def set_alive(self, x: int, y: int, alive: bool = True) -> None:
        self.grid[(y % self.height) * self.width + (x % self.width)] = 1 if alive else 0

    @property
    def population(self) -> int:
        return sum(self.grid)

    def step(self) -> None:
        self.grid = life_generation(self.grid, self.width, self.height)
        self.generation += 1

    def frame(self) -> list[str]:
        c = self.canvas
        c.clear()
        w = self.width
        for i, v in enumerate(self.grid):
            if v:
                c.set(i % w, i // w)
        return c.lines()

    def click(self, col: int, row: int) -> None:
        """Draw live cells under the clicked character, as a click draws cells on the web."""
        for dy in range(4):
            for dx in range(2):
                self.set_alive(col * 2 + dx, row * 4 + dy)


# -- Boids ----------------------------------------------------------------------------------------


class Boid:
    __slots__ = ("vx", "vy", "x", "y")

    def __init__(self, x: float, y: float, vx: float, vy: float) -> None:
        self.x, self.y, self.vx, self.vy = x, y, vx, vy


def _limit(x: float, y: float, m: float) -> tuple[float, float]:
    length = math.hypot(x, y)
    if length > m:
        return x / length * m, y / length * m
    return x, y


class BoidsRendition(Rendition):
    """Reynolds' flocking with boids.html's parameters, in a world of 4 px per braille dot."""

    name = "boids"
    title = "Boids"
    colour = "#5fd3d0"
    COUNT = 120
    MAX_SPEED = 2.2
    MAX_FORCE = 0.06
    SEPARATION = (18.0, 1.35)
    ALIGNMENT = (42.0, 0.85)
    COHESION = (52.0, 0.65)
    PX_PER_DOT = 4.0
    LURE_STEPS = 60

    def __init__(self, cols: int, rows: int, seed: int = 0) -> None:
        super().__init__(cols, rows, seed)
        self.world_w = self.canvas.width * self.PX_PER_DOT
        self.world_h = self.canvas.height * self.PX_PER_DOT
        self.lure: tuple[float, float] | None = None
        self.lure_left = 0
        self.boids: list[Boid] = []
        for _ in range(self.COUNT):
            a = self.rng.random() * math.tau
            self.boids.append(
                Boid(
                    self.rng.random() * self.world_w,
                    self.rng.random() * self.world_h,
                    math.cos(a) * self.MAX_SPEED,
                    math.sin(a) * self.MAX_SPEED,
                )
            )

    def _steer(self, b: Boid, dx: float, dy: float) -> tuple[float, float]:
        """Desired velocity at full speed along (dx, dy), minus the current one, capped."""
        length = math.hypot(dx, dy)
        if length == 0:
            return 0.0, 0.0
        s = self.MAX_SPEED / length
        return _limit(dx * s - b.vx, dy * s - b.vy, self.MAX_FORCE)

    def acceleration(self, b: Boid) -> tuple[float, float]:
        (r_sep, w_sep), (r_ali, w_ali), (r_coh, w_coh) = (
            self.SEPARATION,
            self.ALIGNMENT,
            self.COHESION,
        )
        sx = sy = ax_ = ay_ = cx = cy = 0.0
        ns = na = nc = 0
        for o in self.boids:
            if o is b:
                continue
            dx, dy = b.x - o.x, b.y - o.y
            d = math.hypot(dx, dy)
            if 0 < d < r_sep:
                sx += dx / d / d
                sy += dy / d / d
                ns += 1
            if d < r_ali:
                ax_ += o.vx
                ay_ += o.vy
                na += 1
            if d < r_coh:
                cx += o.x
                cy += o.y
                nc += 1
        ax = ay = 0.0
        if ns:
            fx, fy = self._steer(b, sx, sy)
            ax, ay = ax + fx * w_sep, ay + fy * w_sep
        if na:
            fx, fy = self._steer(b, ax_, ay_)
            ax, ay = ax + fx * w_ali, ay + fy * w_ali
        if nc:
            fx, fy = self._steer(b, cx / nc - b.x, cy / nc - b.y)
            ax, ay = ax + fx * w_coh, ay + fy * w_coh
        if self.lure is not None:
            fx, fy = self._steer(b, self.lure[0] - b.x, self.lure[1] - b.y)
            ax, ay = ax + fx * 0.9, ay + fy * 0.9
        return ax, ay

    def step(self) -> None:
        acc = [self.acceleration(b) for b in self.boids]
        for b, (ax, ay) in zip(self.boids, acc, strict=True):
            b.vx, b.vy = _limit(b.vx + ax, b.vy + ay, self.MAX_SPEED)
            b.x = (b.x + b.vx) % self.world_w
            b.y = (b.y + b.vy) % self.world_h
        if self.lure_left:
            self.lure_left -= 1
            if not self.lure_left:
                self.lure = None

    def frame(self) -> list[str]:
        c = self.canvas
        c.clear()
        k = 1 / self.PX_PER_DOT
        for b in self.boids:
            x, y = b.x * k, b.y * k
            c.line(x, y, x - b.vx * 1.2, y - b.vy * 1.2)
        return c.lines()

    def click(self, col: int, row: int) -> None:
        """Attract the flock to the clicked cell for a few seconds."""
        x, y = self.dot(col, row)
        self.lure = (x * self.PX_PER_DOT, y * self.PX_PER_DOT)
        self.lure_left = self.LURE_STEPS


# -- Lorenz ---------------------------------------------------------------------------------------

SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0
Vec3 = tuple[float, float, float]


def lorenz_derivative(p: Vec3) -> Vec3:
    x, y, z = p
    return SIGMA * (y - x), x * (RHO - z) - y, x * y - BETA * z


def lorenz_rk4(p: Vec3, dt: float) -> Vec3:
    """One classical Runge-Kutta step of the Lorenz system."""
    k1 = lorenz_derivative(p)
    k2 = lorenz_derivative(tuple(p[i] + dt / 2 * k1[i] for i in range(3)))  # type: ignore[arg-type]
    k3 = lorenz_derivative(tuple(p[i] + dt / 2 * k2[i] for i in range(3)))  # type: ignore[arg-type]
    k4 = lorenz_derivative(tuple(p[i] + dt * k3[i] for i in range(3)))  # type: ignore[arg-type]
    return tuple(p[i] + dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) for i in range(3))  # type: ignore[return-value]


class LorenzRendition(Rendition):
    """lorenz.html's six particles, RK4 with dt 0.005 and 4 substeps, trails and slow rotation."""

    name = "lorenz"
    title = "Lorenz Attractor"
    colour = "#8fb8ff"
    fps = 30.0
    DT = 0.005
    SUBSTEPS = 4
    COUNT = 6
    TRAIL = 600
    OFFSET = 1e-3

    def __init__(self, cols: int, rows: int, seed: int = 0) -> None:
        super().__init__(cols, rows, seed)
        self.yaw, self.pitch = 0.6, 0.25
        self.reseed()

    def reseed(self, warm_up: int = 300) -> None:
        """Start the particles a thousandth apart at a random point; run ``warm_up`` frames."""
        r = self.rng
        base = ((r.random() - 0.5) * 20, (r.random() - 0.5) * 20, 10 + r.random() * 25)
        self.points: list[Vec3] = [
            (base[0] + i * self.OFFSET, base[1], base[2]) for i in range(self.COUNT)
        ]
        self.trails: list[list[Vec3]] = [[] for _ in range(self.COUNT)]
        # run a little without drawing, so the first frame already shows trails (as the web does)
        for _ in range(warm_up):
            self.step()

    def step(self) -> None:
        for i, p in enumerate(self.points):
            for _ in range(self.SUBSTEPS):
                p = lorenz_rk4(p, self.DT)
            self.points[i] = p
            trail = self.trails[i]
            trail.append(p)
            if len(trail) > self.TRAIL:
                del trail[0]
        self.yaw += 0.0035

    def project(self, p: Vec3) -> tuple[float, float]:
        c = self.canvas
        s = min(c.width, c.height) / 56
        x, y, z = p[0], p[1], p[2] - 25
        cy, sy = math.cos(self.yaw), math.sin(self.yaw)
        rx, depth = x * cy - y * sy, x * sy + y * cy
        cp, sp = math.cos(self.pitch), math.sin(self.pitch)
        ry, rz = z * cp - depth * sp, z * sp + depth * cp
        f = 1 / (1 + rz / 140)
        return c.width / 2 + rx * s * f, c.height / 2 - ry * s * f

    def frame(self) -> list[str]:
        c = self.canvas
        c.clear()
        for trail in self.trails:
            pts = [self.project(p) for p in trail[-self.TRAIL :: 2]]
            for (x0, y0), (x1, y1) in itertools.pairwise(pts):
                c.line(x0, y0, x1, y1)
        return c.lines()

    def click(self, col: int, row: int) -> None:
        """Start again from a new point, as a double-click does on the web."""
        self.reseed()


# -- Heat diffusion -------------------------------------------------------------------------------

SHADES = " ░▒▓█"


class HeatSource:
    __slots__ = ("heat", "life", "vx", "vy", "x", "y")

    def __init__(self, x: float, y: float, vx: float, vy: float, life: int, heat: float) -> None:
        self.x, self.y, self.vx, self.vy, self.life, self.heat = x, y, vx, vy, life, heat


class HeatRendition(Rendition):
    """heat.html's explicit scheme (0.2, cooling 0.998) on one cell per character, in shades."""

    name = "heat"
    title = "Heat Diffusion"
    colour = "#ff8a3d"
    DIFFUSION = 0.2
    COOLING = 0.998
    SOURCES = 4
    SUBSTEPS = 2

    def __init__(self, cols: int, rows: int, seed: int = 0, sources: int = SOURCES) -> None:
        super().__init__(cols, rows, seed)
        self.u = [0.0] * (cols * rows)
        self.wanted = sources
        self.sources: list[HeatSource] = [self._source() for _ in range(sources)]

    def _source(self, x: float | None = None, y: float | None = None, life: int = 0) -> HeatSource:
        r = self.rng
        a = r.random() * math.tau
        return HeatSource(
            r.random() * self.cols if x is None else x,
            r.random() * self.rows if y is None else y,
            math.cos(a) * 0.12,
            math.sin(a) * 0.06,
            life or 150 + int(r.random() * 300),
            1.4 + r.random(),
        )

    def diffuse(self) -> None:
        """One explicit step of u += D * laplacian(u) with insulated edges, then cooling."""
        w, h, u, d, k = self.cols, self.rows, self.u, self.DIFFUSION, self.COOLING
        out = [0.0] * len(u)
        for y in range(h):
            up, dn = (y - 1 if y else y) * w, (y + 1 if y < h - 1 else y) * w
            for x in range(w):
                i = y * w + x
                left = u[i - 1] if x else u[i]
                right = u[i + 1] if x < w - 1 else u[i]
                out[i] = (u[i] + d * (left + right + u[up + x] + u[dn + x] - 4 * u[i])) * k
        self.u = out

    def step(self) -> None:
        for _ in range(self.SUBSTEPS):
            for s in self.sources:
                s.vx += (self.rng.random() - 0.5) * 0.02
                s.vy += (self.rng.random() - 0.5) * 0.01
                s.x = min(self.cols - 1, max(0.0, s.x + s.vx))
                s.y = min(self.rows - 1, max(0.0, s.y + s.vy))
                s.life -= 1
                i = int(s.y) * self.cols + int(s.x)
                self.u[i] = max(self.u[i], s.heat * min(1.0, s.life / 60))
            self.sources = [s for s in self.sources if s.life > 0]
            while len(self.sources) < self.wanted:
                self.sources.append(self._source())
            self.diffuse()

    def frame(self) -> list[str]:
        top = len(SHADES) - 1
        out = []
        for y in range(self.rows):
            row = self.u[y * self.cols : (y + 1) * self.cols]
            out.append(
                "".join(SHADES[min(top, int(math.sqrt(max(0.0, v)) * top + 0.35))] for v in row)
            )
        return out

    def click(self, col: int, row: int) -> None:
        """Add a short-lived heat source at the clicked cell."""
        self.sources.append(HeatSource(col, row, 0.0, 0.0, 90, 2.2))
        self.u[row * self.cols + col] = 2.5
