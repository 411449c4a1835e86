"""Helpers of the microlearning tests: a fake Reddit served on 127.0.0.1, and small data in
the formats of the original scraper, written here (never read from ../shared)."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

CLIENT_ID = "test-client-id-7f3a"
CLIENT_SECRET = "s3cret-never-printed-91b2c"
NOW = 1771268400.0  # 2026-02-16T19:00:00Z


def post(
    sub: str,
    n: int,
    *,
    ups: int = 1000,
    comments: int = 100,
    age_h: float = 5.0,
    title: str | None = None,
    over_18: bool = False,
    selftext: str = "",
) -> dict[str, Any]:
    pid = f"{sub[:3].lower()}{n:03d}"
    return {
        "id": pid,
        "name": f"t3_{pid}",
        "subreddit": sub,
        "title": title or f"TIL fact number {n} about {sub} and the history of words",
        "permalink": f"/r/{sub}/comments/{pid}/fact_{n}/",
        "author": f"user{n}",
        "created_utc": NOW - age_h * 3600,
        "ups": ups,
        "score": ups,
        "num_comments": comments,
        "upvote_ratio": 0.95,
        "selftext": selftext,
        "over_18": over_18,
        "url": f"https://example.org/{pid}",
    }


@dataclass
class FakeReddit:
    """Reddit's token endpoint and listings, with scripted failures per listing path.

    ``script[path]`` is a list of behaviours used by successive requests to that path:
    ``"ok"``, ``("status", code)``, ``("429", retry_after)``, ``("sleep", seconds)`` or
    ``"badjson"``; when it runs out, requests succeed.
    """

    posts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    page_size: int = 10
    script: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    token_status: int = 200
    requests: list[tuple[str, str, dict[str, list[str]]]] = field(default_factory=list)
    url: str = ""

    def listing(self, sub: str, query: dict[str, list[str]]) -> dict[str, Any]:
        items = self.posts.get(sub, [])
        after = query.get("after", [None])[0]
        start = 0
        if after:
            names = [f"t3_{p['id']}" for p in items]
            start = names.index(after) + 1
        limit = min(int(query.get("limit", ["25"])[0]), self.page_size)
        page = items[start : start + limit]
        more = start + limit < len(items)
        return {
            "kind": "Listing",
            "data": {
                "after": f"t3_{page[-1]['id']}" if page and more else None,
                "children": [{"kind": "t3", "data": p} for p in page],
            },
        }


def handler(fake: FakeReddit) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            try:
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                base = {
                    "x-ratelimit-remaining": "590",
                    "x-ratelimit-used": "10",
                    "x-ratelimit-reset": "0",
                }
                for key, value in {**base, **(headers or {})}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            fake.requests.append(("POST", self.path, {}))
            if fake.token_status != 200:
                self._send(fake.token_status, b'{"error": "invalid_grant"}')
                return
            token = {
                "access_token": "fake-token",
                "token_type": "bearer",
                "expires_in": 3600,
                "scope": "*",
            }
            self._send(200, json.dumps(token).encode())

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            path = parts.path.rstrip("/")
            fake.requests.append(("GET", path, query))
            steps = fake.script.get(path)
            step = steps.pop(0) if steps else "ok"
            if step == "badjson":
                self._send(200, b'{"kind": "Listing", "data": {"children": [')
                return
            if isinstance(step, tuple) and step[0] == "status":
                self._send(step[1], b'{"message": "error"}')
                return
            if isinstance(step, tuple) and step[0] == "429":
                self._send(
                    429,
                    b'{"message": "Too Many Requests"}',
                    {
                        "retry-after": str(step[1]),
                        "x-ratelimit-remaining": "3",
                        "x-ratelimit-used": "597",
                    },
                )
                return
            if isinstance(step, tuple) and step[0] == "sleep":
                time.sleep(step[1])
            segments = path.split("/")  # /r/<sub>/<sort>
            self._send(200, json.dumps(fake.listing(segments[2], query)).encode())

    return Handler


def flat_line(
    sub: str,
    post_id: str,
    title: str,
    score: int,
    comments: int,
    velocity: int,
    ratio: float,
    flags: list[str],
    scraped_at: str,
    created_utc: float,
) -> str:
    """One record of the original scraper/ingest.py, as it wrote them."""
    import hashlib

    return json.dumps(
        {
            "topic_id": hashlib.sha1(f"{sub}:{post_id}".encode()).hexdigest()[:12],
            "subreddit": sub,
            "post_id": post_id,
            "post_title": title,
            "post_url": f"https://reddit.com/r/{sub}/comments/{post_id}/slug/",
            "score": score,
            "num_comments": comments,
            "created_utc": created_utc,
            "velocity": velocity,
            "upvote_ratio": ratio,
            "keywords": [w.lower() for w in title.split() if len(w) > 2][:8],
            "risk_flags": flags,
            "scraped_at": scraped_at,
        }
    )


# Five records in the original's format, with the trendiness (unweighted propose.py) each
# should get, worked by hand:
#   (1.5 velocity + 0.3 comments + 20 ratio + min(0.1 score, 50) - 15 flags + bonus) x 1.0
FLAT_ROWS = [
    # 1.5*20000 + 0.3*400 + 20*0.9 + 50 - 0 + (-5, title > 150 chars) = 30183.0
    ("todayilearned", "a1", "TIL " + "a very long title " * 9, 19000, 400, 20000, 0.9, [], 30183.0),
    # 1.5*1000 + 0.3*50 + 20*0.5 + min(30, 50) - 15 + 10 = 1550.0
    (
        "science",
        "b2",
        "Coffee drinkers live longer, a new study says",
        300,
        50,
        1000,
        0.5,
        ["medical"],
        1550.0,
    ),
    # 1.5*3000 + 0.3*10 + 20*1.0 + 50 - 30 + 0 (title of 85 chars) = 4543.0
    (
        "investing",
        "c3",
        "Should you buy stock in a crypto company right now, or is the market already too late",
        2000,
        10,
        3000,
        1.0,
        ["finance", "politics"],
        4543.0,
    ),
    # 1.5*7 + 0.3*3 + 20*0.99 + min(1.5, 50) + 10 = 10.5 + 0.9 + 19.8 + 1.5 + 10 = 42.7
    (
        "Futurology",
        "d4",
        "Lab-grown retinas uncover a secret of eyesight",
        15,
        3,
        7,
        0.99,
        [],
        42.7,
    ),
    # 1.5*500 + 0.3*0 + 20*0.75 + 50 + 10 = 825.0
    ("space", "e5", "Why is the night sky dark at all?", 900, 0, 500, 0.75, [], 825.0),
]
