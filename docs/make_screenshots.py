"""Write an SVG screenshot of every screen on a demo workspace into docs/screenshots/.

    .venv/bin/python docs/make_screenshots.py [WORKSPACE]

WORKSPACE defaults to a fresh demo workspace built in a temporary folder; a workspace where
the demo run has been trained (`quimbot-tui train start demo`) shows it on Train, Compare and
Eval.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from engine.demo import build_demo
from engine.workspace import Workspace
from quimbot_tui.app import QuimbotApp
from quimbot_tui.modes import MODES

OUT = Path(__file__).resolve().parent / "screenshots"


async def shoot(ws: Workspace) -> None:
    app = QuimbotApp(ws, auto_demo=False)
    async with app.run_test(size=(140, 40)) as pilot:
        app.sub_title = "~/.local/share/quimbot"
        for mode in MODES:
            await pilot.press(mode.key)
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause(0.3)
            if mode.name == "compare":  # a learner's turn, answered by both sides
                await pilot.press(*"She have two cat.", "enter")
                for _ in range(200):
                    await pilot.pause(0.1)
                    if not getattr(app.screen, "generating", False):
                        break
                await app.workers.wait_for_complete()
                await pilot.pause(0.3)
            app.save_screenshot(filename=f"{mode.name}.svg", path=str(OUT))
            print(OUT / f"{mode.name}.svg")


def main() -> None:
    if len(sys.argv) > 1:
        ws = Workspace.open(sys.argv[1])
    else:
        ws = Workspace.open(Path(tempfile.mkdtemp()) / "ws")
        build_demo(ws)
    OUT.mkdir(exist_ok=True)
    asyncio.run(shoot(ws))


if __name__ == "__main__":
    main()
