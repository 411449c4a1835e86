"""The Gallery screen, driven by Pilot: catalogue, live renditions, serving and opening."""

from __future__ import annotations

import urllib.request

from textual.widgets import DataTable, Label, Static

from engine.workspace import Workspace
from gallery import load_catalogue
from quimbot_tui.app import QuimbotApp
from quimbot_tui.screens import gallery as gallery_screen
from quimbot_tui.screens.gallery import GalleryScreen
from quimbot_tui.widgets.rendition_view import PLACEHOLDER, RenditionView

SIZE = (140, 44)
PIECES = load_catalogue()


async def settle(app: QuimbotApp, pilot, pause: float = 0.0) -> None:
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause(pause)


async def select(app: QuimbotApp, pilot, slug: str) -> None:
    table = app.screen.query_one("#pieces", DataTable)
    table.move_cursor(row=[p.slug for p in PIECES].index(slug))
    await settle(app, pilot)


async def wait_frames(app: QuimbotApp, pilot, view: RenditionView, n: int) -> None:
    for _ in range(200):
        if view.frames >= n:
            return
        await pilot.pause(0.02)
    raise AssertionError(f"only {view.frames} frames painted")


def _app(workspace: Workspace) -> QuimbotApp:
    return QuimbotApp(workspace, auto_demo=False, initial_mode="gallery")


async def test_lists_the_catalogue_and_describes_the_highlighted_piece(workspace):
    app = _app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, GalleryScreen)
        table = app.screen.query_one("#pieces", DataTable)
        assert table.row_count == 22
        assert [str(table.get_row_at(i)[0]) for i in range(22)] == [p.title for p in PIECES]
        await select(app, pilot, "turing")
        card = str(app.screen.query_one("#piece", Static).render())
        turing = next(p for p in PIECES if p.slug == "turing")
        assert turing.title in card and turing.description in card
        view = app.screen.query_one(RenditionView)
        assert view.rendition_class is None
        assert PLACEHOLDER in str(view.render())
        title = str(app.screen.query_one("#pieces-title", Label).render())
        playable = sum(p.rendition is not None for p in PIECES)
        assert f"{playable} play in the terminal" in title


async def test_plays_the_rendition_sized_to_the_widget_and_takes_clicks(workspace):
    app = _app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await select(app, pilot, "life")
        view = app.screen.query_one(RenditionView)
        assert view.rendition_class is not None and view.rendition_class.name == "life"
        await wait_frames(app, pilot, view, 4)
        cols, rows = view.content_size.width, view.content_size.height
        assert len(view.lines) == rows and all(len(line) == cols for line in view.lines)
        first = list(view.lines)
        await wait_frames(app, pilot, view, view.frames + 3)
        assert view.lines != first, "the animation advances"

        await pilot.press("space")
        assert view.playing is False
        await settle(app, pilot, 0.1)
        paused, count = list(view.lines), view.frames
        await pilot.pause(0.3)
        assert view.frames == count and view.lines == paused, "space pauses"

        await app.workers.wait_for_complete()
        blank = [(x, y) for y, line in enumerate(paused) for x, ch in enumerate(line) if ch == " "]
        x, y = blank[len(blank) // 2]
        await pilot.click(view, offset=(x + 1, y + 1))  # +1: the widget's border
        await wait_frames(app, pilot, view, count + 1)
        assert view.lines[y][x] == "⣿", "a click draws live cells under the pointer"

        await pilot.press("space")
        assert view.playing is True


async def test_stops_animating_while_another_screen_is_shown(workspace):
    app = _app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await select(app, pilot, "lorenz")
        view = app.screen.query_one(RenditionView)
        await wait_frames(app, pilot, view, 3)
        await pilot.press("1")
        await settle(app, pilot, 0.1)
        count = view.frames
        await pilot.pause(0.3)
        assert view.frames == count
        await pilot.press("7")
        await wait_frames(app, pilot, view, count + 2)


async def test_serves_the_gallery_and_opens_the_highlighted_piece(workspace, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(gallery_screen, "PREFERRED_PORT", 0)
    monkeypatch.setattr(gallery_screen, "open_in_browser", lambda url: opened.append(url) or True)
    app = _app(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await select(app, pilot, "boids")
        await pilot.press("o")  # not serving yet: serve, then open
        await settle(app, pilot, 0.05)
        screen = app.screen
        assert isinstance(screen, GalleryScreen) and screen.url is not None
        assert screen.url.startswith("http://127.0.0.1:")
        assert opened == [screen.url + "boids.html"]
        assert screen.url in str(screen.query_one("#url", Label).render())
        with urllib.request.urlopen(screen.url + "boids.html", timeout=5) as resp:
            assert resp.status == 200 and b"Boids" in resp.read()
        await select(app, pilot, "noll")
        await pilot.press("o")
        await settle(app, pilot, 0.05)
        assert opened[-1] == screen.url + "noll.html"
        server = screen.server
    assert server is not None
    try:
        urllib.request.urlopen(screen.url, timeout=1)
    except OSError:
        pass
    else:
        raise AssertionError("the server outlived the app")
