"""Write PNG screenshots of a few pieces for the README: ``python -m gallery.screenshots``.

Pages run under the virtual clock of :mod:`gallery.browser`, so the pictures are reproducible.
Needs Debian's chromium and chromium-driver and the ``selenium`` package.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gallery import load_catalogue

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "docs" / "screenshots"
# slug -> frames to run first (at 60 per second), so the piece has grown into itself
DEFAULT = {
    "constraint": 150,
    "lorenz": 520,
    "chinoiserie": 700,
    "lsystem": 200,
    "nake": 300,
    "life": 240,
}
SIZE = (800, 500)


def take(slugs: dict[str, int], out_dir: Path = OUT_DIR) -> list[Path]:
    from gallery.browser import Browser
    from gallery.server import serve

    files = {p.slug: p.file for p in load_catalogue()}
    unknown = sorted(set(slugs) - set(files))
    if unknown:
        raise SystemExit(f"unknown piece(s): {', '.join(unknown)}")
    server, url = serve()
    browser = Browser(size=SIZE)
    written = []
    try:
        browser.virtual_time(True)
        for slug, frames in slugs.items():
            browser.load(url + files[slug])
            browser.step(frames)
            # the art alone: hide the overlay as a framed preview does
            browser.driver.execute_script("document.documentElement.classList.add('framed')")
            path = out_dir / f"gallery-{slug}.png"
            browser.screenshot(path)
            written.append(path)
    finally:
        browser.quit()
        server.stop()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("slugs", nargs="*", help="pieces to shoot (default: a chosen six)")
    parser.add_argument("--frames", type=int, default=300, help="frames before a named shot")
    parser.add_argument("--out", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    slugs = {s: args.frames for s in args.slugs} if args.slugs else DEFAULT
    for path in take(slugs, args.out):
        print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
