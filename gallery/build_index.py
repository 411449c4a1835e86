"""Write the catalogue into ``index.html`` so the index page needs no fetch and works from a file.

The index's cards are rendered by its own script from a JSON block between two markers; this
module rewrites that block from ``catalogue.json``. Run ``python -m gallery.build_index`` after
editing the catalogue (``--check`` exits non-zero when the index is out of date).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from gallery import CATALOGUE_PATH, GALLERY_DIR

INDEX_PATH = GALLERY_DIR / "index.html"
BLOCK = re.compile(
    r'(<script type="application/json" id="catalogue">\n)(.*?)(\n</script>)', re.DOTALL
)


def catalogue_json(path: Path = CATALOGUE_PATH) -> str:
    """The catalogue as the compact, HTML-safe JSON the index embeds."""
    entries = json.loads(path.read_text(encoding="utf-8"))
    text = json.dumps(entries, ensure_ascii=False, indent=1)
    # "</" would close the script element early; JSON allows the escaped form.
    return text.replace("</", "<\\/")


def embedded_catalogue(index_html: str) -> list[dict]:
    """The catalogue entries embedded in an index page."""
    match = BLOCK.search(index_html)
    if match is None:
        raise ValueError("index.html has no catalogue block")
    return json.loads(match.group(2))


def render(index_html: str, catalogue: str) -> str:
    if BLOCK.search(index_html) is None:
        raise ValueError("index.html has no catalogue block")
    return BLOCK.sub(lambda m: m.group(1) + catalogue + m.group(3), index_html, count=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if index.html is stale")
    args = parser.parse_args(argv)
    current = INDEX_PATH.read_text(encoding="utf-8")
    fresh = render(current, catalogue_json())
    if args.check:
        if fresh != current:
            print("gallery/index.html is out of date: run python -m gallery.build_index")
            return 1
        return 0
    if fresh != current:
        INDEX_PATH.write_text(fresh, encoding="utf-8")
        print(f"wrote {INDEX_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
