"""Static checks on every piece: self-contained, a canvas, touch-ready, framed and standalone."""

from __future__ import annotations

import re

import pytest

from gallery import load_catalogue
from gallery.build_index import INDEX_PATH

PIECES = load_catalogue()
EXTERNAL = [
    re.compile(r"https?://", re.I),  # no absolute URL at all, not even in a comment
    re.compile(r"""(?:src|href|action)\s*=\s*["']\s*//""", re.I),  # protocol-relative
    re.compile(r"url\(\s*['\"]?(?!data:|#)", re.I),  # CSS url() other than data:
    re.compile(r"@import", re.I),
    re.compile(r"\b(?:fetch|XMLHttpRequest|WebSocket|EventSource|importScripts)\s*\(", re.I),
    re.compile(r"\bimport\s*\("),
    re.compile(r"<script[^>]*\ssrc=", re.I),
    re.compile(r"<link(?![^>]*rel=\"icon\"[^>]*href=\"data:)[^>]*>", re.I),
]


def _html(piece) -> str:
    return piece.path.read_text(encoding="utf-8")


@pytest.mark.parametrize("piece", PIECES, ids=lambda p: p.slug)
def test_piece_makes_no_external_requests(piece):
    html = _html(piece)
    for pattern in EXTERNAL:
        match = pattern.search(html)
        assert match is None, f"{piece.file}: {match.group(0)!r}"


@pytest.mark.parametrize("piece", PIECES, ids=lambda p: p.slug)
def test_piece_has_a_canvas_and_pointer_and_touch_input(piece):
    html = _html(piece)
    assert re.search(r"<canvas\b", html)
    # Pointer Events carry mouse, pen and touch alike; touch-action: none keeps the browser from
    # turning a touch drag into scrolling or zooming.
    assert re.search(r"touch-action\s*:\s*none", html)
    assert "'pointerdown'" in html
    assert "devicePixelRatio" in html and "'resize'" in html


@pytest.mark.parametrize("piece", PIECES, ids=lambda p: p.slug)
def test_piece_shows_its_info_standalone_and_hides_it_in_a_frame(piece):
    html = _html(piece)
    assert "window.self !== window.top" in html
    assert re.search(r"\.framed \.ui\s*\{\s*display\s*:\s*none", html)
    assert re.search(r'<a id="back" class="ui" href="index.html">← Gallery</a>', html)
    info = re.search(r'<div id="info" class="ui">(.*?)</div>', html, re.S)
    assert info, "no #info overlay"
    h1 = re.search(r"<h1>(.*?)</h1>", info.group(1)).group(1)
    first_word = piece.title.split()[0].replace("(Dés)Ordres", "(Dés)Ordres")
    assert first_word in h1
    by = re.search(r'<p class="by">(.*?)</p>', info.group(1), re.S).group(1)
    assert piece.year in by
    assert re.search(r'<p class="how">', info.group(1)), "no interaction hint"


def test_index_is_self_contained_and_sandboxes_its_previews():
    html = INDEX_PATH.read_text(encoding="utf-8")
    for pattern in EXTERNAL:
        assert pattern.search(html) is None, pattern.pattern
    assert "setAttribute('sandbox', 'allow-scripts')" in html
    assert "loading: 'lazy'" in html
    assert "pointer-events:none" in html
