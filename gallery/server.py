"""Serve the gallery folder on the loopback interface, in a background thread.

Only the gallery's web files (HTML, JSON, images) are served; the Python modules that live
beside them are not.
"""

from __future__ import annotations

import threading
import webbrowser
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from gallery import GALLERY_DIR

DEFAULT_PORT = 8765
SERVED_SUFFIXES = frozenset({".html", ".json", ".png", ".svg", ".ico", ".css", ".js", ".txt"})


class GalleryRequestHandler(SimpleHTTPRequestHandler):
    """Static file handler that keeps quiet and refuses anything but web assets."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".json": "application/json",
        ".html": "text/html; charset=utf-8",
    }

    def send_head(self):  # type: ignore[override]
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix not in SERVED_SUFFIXES or path.name.startswith("."):
            self.send_error(404, "Not a gallery file")
            return None
        return super().send_head()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Stay silent: the TUI and the CLI own the terminal."""


class GalleryServer(ThreadingHTTPServer):
    daemon_threads = True
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def stop(self) -> None:
        """Stop serving and release the socket."""
        self.shutdown()
        self.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)


def serve(
    port: int = 0, host: str = "127.0.0.1", directory: Path = GALLERY_DIR
) -> tuple[GalleryServer, str]:
    """Start serving ``directory`` on ``host:port`` (0 picks a free port) in a daemon thread.

    Returns the server (call ``server.stop()`` when done) and its base URL.
    """
    handler = partial(GalleryRequestHandler, directory=str(directory))
    server = GalleryServer((host, port), handler)
    server.thread = threading.Thread(
        target=server.serve_forever, name="gallery-server", daemon=True
    )
    server.thread.start()
    return server, server.url


def main(port: int = DEFAULT_PORT, open_browser: bool = False, page: str = "") -> int:
    """Serve until Ctrl-C, printing the address; optionally open it in the browser."""
    try:
        server, url = serve(port)
    except OSError as exc:
        print(f"gallery: cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}")
        return 1
    print(f"Gallery at {url}{page}  (Ctrl-C to stop)", flush=True)
    if open_browser:
        webbrowser.open(url + page)
    try:
        while server.thread is not None and server.thread.is_alive():
            server.thread.join(timeout=0.5)
    except KeyboardInterrupt:
        print("\nStopped.")
    finally:
        server.stop()
    return 0
