"""The local server: loopback only, gallery files only, quiet."""

from __future__ import annotations

import argparse
import urllib.error
import urllib.request

import pytest

from gallery import load_catalogue
from gallery.server import serve


@pytest.fixture(scope="module")
def server():
    srv, url = serve()
    yield srv, url
    srv.stop()


def _get(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, "", b""


def test_binds_loopback_only(server):
    srv, url = server
    assert srv.server_address[0] == "127.0.0.1"
    assert url.startswith("http://127.0.0.1:") and url.endswith("/")
    assert srv.server_address[1] > 0


def test_serves_the_index_and_every_piece(server):
    _, url = server
    status, ctype, body = _get(url)
    assert status == 200 and "text/html" in ctype and b"Creative Coding Gallery" in body
    for piece in load_catalogue():
        status, ctype, body = _get(url + piece.file)
        assert status == 200, piece.file
        assert b"<canvas" in body
    status, ctype, _ = _get(url + "catalogue.json")
    assert status == 200 and ctype.startswith("application/json")


def test_does_not_serve_python_sources_or_escape_the_folder(server):
    _, url = server
    for path in (
        "server.py",
        "__init__.py",
        "renditions.py",
        "../pyproject.toml",
        "%2e%2e/pyproject.toml",
    ):
        status, _, _ = _get(url + path)
        assert status == 404, path


def test_logs_nothing(server, capsys):
    _, url = server
    _get(url + "noll.html")
    _get(url + "missing.html")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_cli_registers_the_gallery_subcommand():
    from quimbot_tui.cli import gallery as cli

    parser = argparse.ArgumentParser(prog="quimbot-tui")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["gallery"])
    assert args.port == 8765 and args.open is False and args.func is cli.run
    args = parser.parse_args(["gallery", "--port", "0", "--open", "lorenz"])
    assert (args.port, args.open, args.piece) == (0, True, "lorenz")


def test_cli_rejects_an_unknown_piece(capsys):
    from quimbot_tui.cli import gallery as cli

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    assert cli.run(parser.parse_args(["gallery", "no-such-piece"])) == 2
    assert "no piece named" in capsys.readouterr().out


def test_cli_register_does_not_import_the_server():
    import subprocess
    import sys

    code = (
        "import argparse, sys\n"
        "from quimbot_tui.cli import gallery\n"
        "gallery.register(argparse.ArgumentParser().add_subparsers())\n"
        "print('gallery.server' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cli_serves_until_interrupted():
    import re
    import signal
    import subprocess
    import sys

    code = (
        "import argparse\n"
        "from quimbot_tui.cli import gallery\n"
        "p = argparse.ArgumentParser()\n"
        "gallery.register(p.add_subparsers())\n"
        "args = p.parse_args(['gallery', '--port', '0', 'life'])\n"
        "raise SystemExit(args.func(args))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        line = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/)life\.html", line)
        assert match, line
        status, _, body = _get(match.group(1) + "life.html")
        assert status == 200 and b"Game of Life" in body
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "Stopped." in out
