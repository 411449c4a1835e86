"""Fake Ollama and OpenAI-compatible servers on 127.0.0.1, for the HTTP backends' tests.

Each server answers by model name: ``FakeServer.replies[model]`` is the text to stream, or
one of the behaviours ``"!404"``, ``"!500"``, ``"!sleep"`` (stall past the client's timeout),
``"!garbage"`` (a body that is not the API's). Every request is recorded in ``requests``.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (the timeout tests) is expected


class FakeServer:
    def __init__(self, kind: str) -> None:
        self.kind = kind  # "ollama" or "openai"
        self.replies: dict[str, str] = {}
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.delays: dict[str, float] = {}
        self.digest = "sha256:aaaa"
        self.usage = True
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                if server.kind == "ollama" and self.path == "/api/tags":
                    names = [
                        {"name": f"{m}:latest", "digest": server.digest} for m in server.replies
                    ]
                    self._send(200, {"models": names})
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:
                    server.requests.append(body)
                    server.headers.append(dict(self.headers))
                model = body.get("model", "")
                reply = server.replies.get(model, "!404")
                time.sleep(server.delays.get(model, 0))
                if reply == "!404":
                    self._send(404, {"error": f"model '{model}' not found"})
                elif reply == "!500":
                    self._send(500, {"error": {"message": "the GPU caught fire"}})
                elif reply == "!sleep":
                    time.sleep(3)
                    self._send(200, {})
                elif reply == "!garbage":
                    self._raw(200, b"<html>not an API</html>\n")
                elif server.kind == "ollama":
                    self._ollama(reply)
                else:
                    self._openai(model, reply)

            def _send(self, status: int, data: Any) -> None:
                self._raw(status, json.dumps(data).encode())

            def _raw(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, lines: list[bytes]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for line in lines:
                    self.wfile.write(line)
                    self.wfile.flush()

            def _ollama(self, reply: str) -> None:
                words = reply.split(" ")
                lines = [
                    json.dumps(
                        {"message": {"role": "assistant", "content": w + " "}, "done": False}
                    ).encode()
                    + b"\n"
                    for w in words
                ]
                final = {
                    "message": {"role": "assistant", "content": ""},
                    "done": True,
                    "done_reason": "stop",
                    "eval_count": len(words),
                    "eval_duration": len(words) * 10_000_000,
                    "prompt_eval_count": 12,
                }
                self._stream([*lines, json.dumps(final).encode() + b"\n"])

            def _openai(self, model: str, reply: str) -> None:
                words = reply.split(" ")
                lines = []
                for i, w in enumerate(words):
                    chunk = {
                        "choices": [
                            {
                                "index": 0,
                                "delta": {"content": w + (" " if i < len(words) - 1 else "")},
                                "finish_reason": "stop" if i == len(words) - 1 else None,
                            }
                        ]
                    }
                    lines.append(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                if server.usage:
                    usage = {
                        "choices": [],
                        "usage": {"completion_tokens": len(words) + 1, "prompt_tokens": 9},
                    }
                    lines.append(b"data: " + json.dumps(usage).encode() + b"\n\n")
                lines.append(b"data: [DONE]\n\n")
                self._stream(lines)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def chats(self) -> int:
        return len(self.requests)


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
