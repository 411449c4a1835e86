"""Terminal renditions: the web pieces' algorithms and parameters, checked one by one."""

from __future__ import annotations

import math
import re
import unicodedata

import pytest

from gallery import GALLERY_DIR
from gallery.renditions import RENDITIONS, BrailleCanvas, Rendition
from gallery.renditions.figures import (
    BACKSLASH,
    SLASH,
    HarmonographRendition,
    LissajousRendition,
    SierpinskiRendition,
    TenPrintRendition,
    sierpinski,
    triangle_area,
)
from gallery.renditions.simulations import (
    BoidsRendition,
    HeatRendition,
    LifeRendition,
    LorenzRendition,
    life_generation,
    lorenz_rk4,
)


def js_const(page: str, name: str) -> float:
    """A numeric constant as declared in a piece's script (``NAME = 1.5`` or ``8 / 3``)."""
    html = (GALLERY_DIR / page).read_text(encoding="utf-8")
    match = re.search(rf"\b{name} = ([0-9.]+)(?: / ([0-9.]+))?[,;]", html)
    assert match, f"{page}: no {name}"
    value = float(match.group(1))
    return value / float(match.group(2)) if match.group(2) else value


# -- the contract ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(RENDITIONS))
@pytest.mark.parametrize("size", [(1, 1), (7, 3), (80, 24), (133, 41)])
def test_frames_have_exact_dimensions_through_steps_and_clicks(name, size):
    cols, rows = size
    r = RENDITIONS[name](cols, rows, seed=3)
    assert isinstance(r, Rendition) and r.name == name
    for k in range(6):
        r.step()
        if k == 2:
            r.click(cols // 2, rows // 2)
            r.click(cols - 1, rows - 1)
            r.click(0, 0)
        frame = r.frame()
        assert len(frame) == rows
        assert all(isinstance(line, str) and len(line) == cols for line in frame)
        for ch in "".join(frame):
            assert unicodedata.east_asian_width(ch) not in ("W", "F"), repr(ch)


@pytest.mark.parametrize("name", sorted(RENDITIONS))
def test_same_seed_same_frames(name):
    a, b = RENDITIONS[name](40, 12, seed=7), RENDITIONS[name](40, 12, seed=7)
    for _ in range(5):
        a.step()
        b.step()
    assert a.frame() == b.frame()


def test_renditions_draw_something():
    for name, cls in RENDITIONS.items():
        r = cls(60, 20, seed=1)
        for _ in range(30):
            r.step()
        assert "".join(r.frame()).strip(), name


# -- braille canvas -------------------------------------------------------------------------------


def test_braille_dots_map_to_the_unicode_bits():
    c = BrailleCanvas(2, 1)
    c.set(0, 0)
    assert c.lines() == ["⠁ "]
    c.set(1, 3)
    assert c.lines() == ["⢁ "]
    c.set(2, 1)
    assert c.lines()[0][1] == "⠂"
    assert c.get(1, 3) and not c.get(0, 3)
    c.unset(1, 3)
    assert c.lines() == ["⠁⠂"]
    c.set(-1, 0)
    c.set(4, 0)
    c.set(0, 4)
    assert c.lines() == ["⠁⠂"]


def test_braille_line_is_connected_and_includes_both_ends():
    c = BrailleCanvas(20, 5)
    c.line(1, 2, 37, 17)
    assert c.get(1, 2) and c.get(37, 17)
    dots = [(x, y) for y in range(c.height) for x in range(c.width) if c.get(x, y)]
    assert len(dots) == 37
    xs = sorted(x for x, _ in dots)
    assert xs == list(range(1, 38))


# -- Game of Life ---------------------------------------------------------------------------------


def _life(cells, cols=8, rows=4):
    r = LifeRendition(cols, rows, fill=0)
    for x, y in cells:
        r.set_alive(x, y)
    return r


def _alive(r):
    return {(x, y) for y in range(r.height) for x in range(r.width) if r.alive(x, y)}


def test_life_blinker_oscillates_with_period_two():
    r = _life([(5, 6), (6, 6), (7, 6)])
    r.step()
    assert _alive(r) == {(6, 5), (6, 6), (6, 7)}
    r.step()
    assert _alive(r) == {(5, 6), (6, 6), (7, 6)}


def test_life_block_is_still():
    block = {(3, 3), (4, 3), (3, 4), (4, 4)}
    r = _life(block)
    for _ in range(3):
        r.step()
    assert _alive(r) == block


def test_life_glider_moves_one_cell_diagonally_every_four_generations_and_wraps():
    glider = {(1, 0), (2, 1), (0, 2), (1, 2), (2, 2)}
    r = _life(glider)
    for _ in range(4):
        r.step()
    assert _alive(r) == {(x + 1, y + 1) for x, y in glider}
    for _ in range(4 * 16):  # sixteen more cells: across the 16 x 16 torus and back
        r.step()
    assert _alive(r) == {((x + 17) % 16, (y + 17) % 16) for x, y in glider}
    assert r.generation == 68


def test_life_rules_directly():
    # birth on exactly three, death from overcrowding
    grid = bytearray(25)
    for x, y in [(1, 1), (2, 1), (3, 1)]:
        grid[y * 5 + x] = 1
    out = life_generation(grid, 5, 5)
    assert {i for i, v in enumerate(out) if v} == {2 * 5 + 2, 1 * 5 + 2, 0 * 5 + 2}


def test_life_seeds_about_thirty_percent_and_click_draws_cells():
    r = LifeRendition(80, 24, seed=5)
    assert js_const("life.html", "FILL") == r.FILL
    assert 0.27 < r.population / (r.width * r.height) < 0.33
    r = LifeRendition(10, 5, fill=0)
    r.click(3, 2)
    assert _alive(r) == {(x, y) for x in (6, 7) for y in range(8, 12)}
    assert r.frame()[2][3] == "⣿"


# -- Lorenz ---------------------------------------------------------------------------------------


def _rk4_reference(p, dt, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    def f(x, y, z):
        return (sigma * (y - x), x * (rho - z) - y, x * y - beta * z)

    x, y, z = p
    a = f(x, y, z)
    b = f(x + dt * a[0] / 2, y + dt * a[1] / 2, z + dt * a[2] / 2)
    c = f(x + dt * b[0] / 2, y + dt * b[1] / 2, z + dt * b[2] / 2)
    d = f(x + dt * c[0], y + dt * c[1], z + dt * c[2])
    return tuple(p[i] + dt * (a[i] + 2 * b[i] + 2 * c[i] + d[i]) / 6 for i in range(3))


def test_lorenz_parameters_match_the_web_piece():
    assert LorenzRendition.DT == js_const("lorenz.html", "DT") == 0.005
    assert LorenzRendition.SUBSTEPS == js_const("lorenz.html", "SUBSTEPS") == 4
    assert LorenzRendition.TRAIL == js_const("lorenz.html", "TRAIL") == 600
    assert LorenzRendition.COUNT == js_const("lorenz.html", "COUNT") == 6
    assert js_const("lorenz.html", "SIGMA") == 10
    assert js_const("lorenz.html", "RHO") == 28
    assert js_const("lorenz.html", "BETA") == pytest.approx(8 / 3)


def test_lorenz_step_is_four_explicit_rk4_substeps():
    p = (1.0, 2.0, 20.0)
    assert lorenz_rk4(p, 0.005) == pytest.approx(_rk4_reference(p, 0.005), abs=1e-12)
    r = LorenzRendition(40, 12)
    r.points = [p] * 6
    r.step()
    expected = p
    for _ in range(4):
        expected = _rk4_reference(expected, 0.005)
    assert r.points[0] == pytest.approx(expected, abs=1e-12)


def test_lorenz_particles_start_a_thousandth_apart_and_stay_on_the_attractor():
    r = LorenzRendition(60, 20, seed=2)
    r.reseed(warm_up=0)
    assert len(r.points) == 6
    x0, y0, z0 = r.points[0]
    assert r.points == [(x0 + i * 1e-3, y0, z0) for i in range(6)]
    for _ in range(1500):
        r.step()
    for trail in r.trails:
        assert len(trail) == 600
        for x, y, z in trail:
            assert abs(x) < 25 and abs(y) < 32 and 0 < z < 55
    spread = max(p[0] for p in r.points) - min(p[0] for p in r.points)
    assert spread > 0.01, "chaos should have pulled the particles apart"


# -- Sierpinski -----------------------------------------------------------------------------------


def test_sierpinski_levels_have_three_to_the_k_triangles_and_three_quarters_of_the_area():
    tri = ((0.0, 0.0), (8.0, 0.0), (4.0, 7.0))
    levels = sierpinski(tri, 6)
    assert [len(level) for level in levels] == [3**k for k in range(7)]
    for k, level in enumerate(levels):
        assert sum(map(triangle_area, level)) == pytest.approx(28 * 0.75**k)
    assert min(p[1] for t in levels[-1] for p in t) >= 0
    assert max(p[0] for t in levels[-1] for p in t) <= 8


def test_sierpinski_rendition_reveals_levels_and_click_moves_the_nearest_corner():
    r = SierpinskiRendition(60, 20)
    assert 1 <= r.depth <= 8
    assert r.shown_depth == 0
    for _ in range(r.STEPS_PER_LEVEL * 2):
        r.step()
    assert r.shown_depth == 2
    before = list(r.corners)
    r.click(0, 19)
    assert r.corners[1] == r.dot(0, 19) and r.corners[0] == before[0]


# -- Lissajous ------------------------------------------------------------------------------------


def test_lissajous_points_satisfy_the_equations():
    r = LissajousRendition(40, 12)
    r.click(39, 0)
    assert (r.a, r.b) == (8, 1)
    r.click(10, 6)
    assert (r.a, r.b) == (3, 5)
    for _ in range(10):
        r.step()
    assert r.phi == pytest.approx(0.06)
    for t, x, y in r.points(200):
        assert x == pytest.approx(math.sin(3 * t + 0.06))
        assert y == pytest.approx(math.sin(5 * t))


# -- 10 PRINT -------------------------------------------------------------------------------------


def test_tenprint_fills_row_by_row_with_slashes_only_then_restarts():
    r = TenPrintRendition(16, 4, seed=9)
    r.step()
    first = r.frame()
    assert first[0][: r.per_step] and set(first[0][: r.per_step]) <= {SLASH, BACKSLASH}
    assert first[0][r.per_step] == r.CURSOR
    while not r.full:
        r.step()
    cells = "".join(r.frame())
    assert set(cells) <= {SLASH, BACKSLASH}
    assert 0.25 < cells.count(SLASH) / len(cells) < 0.75
    r.click(0, 0)
    assert "".join(r.frame()).strip() == r.CURSOR


# -- Boids ----------------------------------------------------------------------------------------


def test_boids_parameters_match_the_web_piece():
    html = (GALLERY_DIR / "boids.html").read_text(encoding="utf-8")
    assert BoidsRendition.COUNT == js_const("boids.html", "COUNT") == 120
    assert BoidsRendition.MAX_SPEED == js_const("boids.html", "MAX_SPEED") == 2.2
    assert BoidsRendition.MAX_FORCE == js_const("boids.html", "MAX_FORCE") == 0.06
    assert "sep: [18, 1.35], ali: [42, 0.85], coh: [52, 0.65]" in html
    assert BoidsRendition.SEPARATION == (18, 1.35)
    assert BoidsRendition.ALIGNMENT == (42, 0.85)
    assert BoidsRendition.COHESION == (52, 0.65)


def test_boids_respect_max_speed_and_wrap_around():
    r = BoidsRendition(30, 10, seed=4)
    edge = r.boids[0]
    edge.x, edge.y, edge.vx, edge.vy = r.world_w - 0.5, 3.0, 2.0, 0.0
    r.step()
    assert edge.x < 5, "a boid leaving the right edge comes back on the left"
    r.click(5, 5)
    for _ in range(60):
        r.step()
        for b in r.boids:
            assert math.hypot(b.vx, b.vy) <= r.MAX_SPEED + 1e-9
            assert 0 <= b.x < r.world_w and 0 <= b.y < r.world_h


def test_boids_separate_and_align():
    r = BoidsRendition(30, 10, seed=1)
    a, b = r.boids[0], r.boids[1]
    r.boids = [a, b]
    a.x, a.y, a.vx, a.vy = 100.0, 100.0, 0.0, 0.0
    b.x, b.y, b.vx, b.vy = 110.0, 100.0, 0.0, 0.0
    ax, _ = r.acceleration(a)
    assert ax < 0, "separation pushes a away from b"
    a.x = 70.0  # 40 px apart: beyond separation, within alignment
    b.vx, b.vy = 0.0, 2.0
    _, ay = r.acceleration(a)
    assert ay > 0, "alignment turns a toward b's heading"


# -- Harmonograph, Heat ---------------------------------------------------------------------------


def test_harmonograph_follows_damped_pendulums_and_stops_below_threshold():
    assert js_const("harmonograph.html", "STEPS_PER_FRAME") == HarmonographRendition.STEPS_PER_FRAME
    assert js_const("harmonograph.html", "DT") == HarmonographRendition.DT
    assert js_const("harmonograph.html", "STOP") == HarmonographRendition.STOP
    r = HarmonographRendition(40, 12, seed=2)
    for p in (*r.x_pair, *r.y_pair):
        assert abs(p.frequency - round(p.frequency)) <= 0.01 and 1 <= round(p.frequency) <= 4
    t = 3.7
    x, _ = r.position(t)
    expect = sum(
        p.amplitude * math.sin(p.frequency * t + p.phase) * math.exp(-p.damping * t)
        for p in r.x_pair
    )
    assert x == pytest.approx(expect)
    r.step()
    assert r.t == pytest.approx(40 * 0.02)
    r.t = 1e5
    assert r.done
    r.step()
    assert r.hold == 1


def test_heat_diffusion_conserves_then_cools():
    assert js_const("heat.html", "DIFFUSION") == HeatRendition.DIFFUSION
    assert js_const("heat.html", "COOLING") == HeatRendition.COOLING
    r = HeatRendition(20, 10, sources=0)
    r.sources = []
    r.u[5 * 20 + 10] = 1.0
    r.diffuse()
    assert sum(r.u) == pytest.approx(0.998)
    assert r.u[5 * 20 + 10] == pytest.approx(0.2 * 0.998)
    assert r.u[5 * 20 + 11] == pytest.approx(0.2 * 0.998)
    r.click(3, 3)
    assert r.frame()[3][3] == "█"
