"""The catalogue is the single source for the index, the TUI and these tests."""

from __future__ import annotations

import json
import subprocess
import sys

from gallery import CATALOGUE_PATH, GALLERY_DIR, Piece, load_catalogue
from gallery.build_index import INDEX_PATH, catalogue_json, embedded_catalogue, render
from gallery.renditions import RENDITIONS

REQUIRED = ("slug", "title", "file", "year", "attribution", "tags", "description", "interaction")


def test_catalogue_has_22_pieces_with_unique_slugs_and_files():
    pieces = load_catalogue()
    assert len(pieces) == 22
    assert len({p.slug for p in pieces}) == 22
    assert len({p.file for p in pieces}) == 22
    for p in pieces:
        assert isinstance(p, Piece)
        assert p.path.is_file(), p.file
        assert p.path.parent == GALLERY_DIR


def test_every_entry_has_the_required_fields():
    entries = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    for e in entries:
        for key in REQUIRED:
            assert e.get(key), f"{e.get('slug')}: missing {key}"
        assert "rendition" in e
        assert isinstance(e["tags"], list) and all(isinstance(t, str) and t for t in e["tags"])
        assert "\n" not in e["description"]
        assert e["file"].endswith(".html") and "/" not in e["file"]


def test_reaction_diffusion_and_turing_are_distinct_pieces():
    files = {p.slug: p.path.read_text(encoding="utf-8") for p in load_catalogue()}
    assert "FEED" in files["reaction-diffusion"] and "KILL" in files["reaction-diffusion"]
    assert "FEED" not in files["turing"] and "SCALES" in files["turing"]


def test_every_rendition_named_in_the_catalogue_exists():
    named = [p.rendition for p in load_catalogue() if p.rendition]
    assert len(named) >= 6
    for name in named:
        assert name in RENDITIONS, name


def test_index_embeds_exactly_the_catalogue():
    html = INDEX_PATH.read_text(encoding="utf-8")
    assert embedded_catalogue(html) == json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    assert render(html, catalogue_json()) == html, "run python -m gallery.build_index"


def test_build_index_detects_a_stale_index(tmp_path):
    html = INDEX_PATH.read_text(encoding="utf-8")
    stale = tmp_path / "catalogue.json"
    entries = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    entries[0]["title"] = "Something else"
    stale.write_text(json.dumps(entries), encoding="utf-8")
    assert render(html, catalogue_json(stale)) != html
    assert embedded_catalogue(render(html, catalogue_json(stale)))[0]["title"] == "Something else"


def test_gallery_never_imports_textual_engine_or_store():
    code = (
        "import sys, gallery, gallery.server, gallery.renditions, gallery.build_index, "
        "gallery.browser, gallery.screenshots\n"
        "top = {m.split('.')[0] for m in sys.modules}\n"
        "bad = sorted(top & {'textual', 'engine', 'store'})\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
