"""Reading Reddit with praw: configured subreddits and listings, retries, partial progress.

Credentials come from the environment (``REDDIT_CLIENT_ID`` / ``REDDIT_CLIENT_SECRET``, or
praw's own ``praw_client_id`` / ``praw_client_secret``) or from the ``praw_site`` section of
praw.ini. They are handed to praw and nowhere else: never printed, logged or stored. The
report names only where they came from.

Each listing (subreddit x sort) is paged by praw; a failed page is retried with backoff after
a 429 (waiting for Retry-After or Reddit's rate-limit reset), a 5xx, a timeout, a refused
connection or a malformed answer, up to ``max_retries`` times. A listing that still fails is
reported and the scrape goes on; the posts of every listing are stored as soon as it ends, so
whatever was read survives a later failure or a stop. prawcore's own retries are switched
off so that these rules (and their waits) are the only ones.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from engine import activity
from engine.microlearning import write_lock
from engine.microlearning.config import MicrolearningConfig, ScrapeConfig
from engine.microlearning.ingest import IngestResult, ingest
from engine.microlearning.records import from_post
from engine.microlearning.signals import RiskMatcher
from store.db import Database, transaction

ENV_PAIRS = (
    ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET"),
    ("praw_client_id", "praw_client_secret"),
)
BASE_URL_ENV = "QUIMBOT_REDDIT_BASE_URL"
"""Testing aid: send every request to this loopback address instead of reddit.com."""
FIELDS = (
    "id",
    "subreddit",
    "title",
    "permalink",
    "author",
    "created_utc",
    "ups",
    "score",
    "num_comments",
    "upvote_ratio",
    "selftext",
    "over_18",
    "url",
)


class ScrapeError(RuntimeError):
    """The scrape cannot run at all (no credentials, credentials refused)."""


@dataclass
class ListingReport:
    subreddit: str
    sort: str
    fetched: int = 0
    kept: int = 0
    retries: int = 0
    complete: bool = False
    error: str | None = None
    events: list[str] = field(default_factory=list)

    def line(self) -> str:
        state = "ok" if self.complete else f"partial: {self.error or 'stopped'}"
        retried = f", {self.retries} retries" if self.retries else ""
        return (
            f"r/{self.subreddit} {self.sort}: {self.fetched} read, {self.kept} kept{retried} "
            f"({state})"
        )


@dataclass
class ScrapeReport:
    credentials: str = ""
    listings: list[ListingReport] = field(default_factory=list)
    stored: IngestResult = field(default_factory=IngestResult)
    stopped: bool = False
    fatal: str | None = None
    """Why the scrape ended early for every listing (credentials refused)."""
    rate_limit: str = ""

    @property
    def complete(self) -> bool:
        return (
            not self.stopped and self.fatal is None and all(item.complete for item in self.listings)
        )

    def summary(self) -> str:
        failed = sum(1 for item in self.listings if not item.complete)
        state = "complete" if self.complete else f"partial ({failed} listing(s) incomplete)"
        return (
            f"scrape {state}: {len(self.listings)} listings, {self.stored.observations} "
            f"posts stored ({self.stored.new_topics} new topics)"
        )

    def lines(self) -> list[str]:
        out = [f"credentials: {self.credentials}"] if self.credentials else []
        out += [item.line() for item in self.listings]
        if self.fatal:
            out.append(f"stopped: {self.fatal}")
        if self.rate_limit:
            out.append(self.rate_limit)
        out.append(self.summary())
        return out


def credential_source(config: ScrapeConfig) -> tuple[dict[str, str], str]:
    """praw keyword arguments for the credentials, and a description naming only the source."""
    for id_var, secret_var in ENV_PAIRS:
        if os.environ.get(id_var) and os.environ.get(secret_var):
            return (
                {"client_id": os.environ[id_var], "client_secret": os.environ[secret_var]},
                f"environment ({id_var}, {secret_var})",
            )
    return {"site_name": config.praw_site}, f"praw.ini [{config.praw_site}]"


def _endpoint_overrides(base_url: str | None) -> dict[str, str]:
    base_url = base_url or os.environ.get(BASE_URL_ENV)
    if not base_url:
        return {}
    host = urlsplit(base_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ScrapeError(f"{BASE_URL_ENV} must be a loopback address (testing only)")
    return {"oauth_url": base_url, "reddit_url": base_url}


def make_reddit(config: ScrapeConfig, base_url: str | None = None) -> tuple[Any, str]:
    """A read-only praw.Reddit, and where its credentials came from."""
    import configparser

    import praw
    from praw.exceptions import MissingRequiredAttributeException
    from prawcore import Requestor

    class TimeoutRequestor(Requestor):
        """Our timeout for every request (prawcore passes its own 16 s otherwise)."""

        def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
            return super().request(*args, timeout=self.timeout, **kwargs)

    creds, source = credential_source(config)
    try:
        reddit = praw.Reddit(
            user_agent=config.user_agent,
            check_for_updates=False,
            requestor_class=TimeoutRequestor,
            requestor_kwargs={"timeout": config.timeout_s},
            **_endpoint_overrides(base_url),
            **creds,
        )
    except (configparser.NoSectionError, MissingRequiredAttributeException):
        raise ScrapeError(
            "no Reddit credentials: set REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET, or add a "
            f"[{config.praw_site}] section with client_id and client_secret to praw.ini"
        ) from None
    reddit.read_only = True
    _only_our_retries(reddit)
    return reddit, source


def _only_our_retries(reddit: Any) -> None:
    from dataclasses import dataclass as _dataclass
    from typing import ClassVar

    from prawcore.sessions import FiniteRetryStrategy

    @_dataclass(frozen=True)
    class NoRetry(FiniteRetryStrategy):
        DEFAULT_RETRIES: ClassVar[int] = 0
        retries: int = 0

    for name in ("_core", "_read_only_core", "_authorized_core"):
        core = getattr(reddit, name, None)
        if core is not None and hasattr(core, "_retry_strategy_class"):
            core._retry_strategy_class = NoRetry


def _header_wait(exc: Any) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    for key in ("retry-after", "x-ratelimit-reset"):
        try:
            return float(headers[key])
        except (KeyError, TypeError, ValueError):
            continue
    return None


def classify(exc: BaseException) -> tuple[str, str]:
    """(``retry`` | ``skip`` | ``fatal``, a description that carries no secret)."""
    import prawcore

    status = getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(exc, prawcore.OAuthException):
        return "fatal", "Reddit refused the credentials"
    if isinstance(exc, prawcore.TooManyRequests):
        return "retry", "HTTP 429 (rate limited)"
    if isinstance(exc, prawcore.BadJSON):
        return "retry", "malformed JSON answer"
    if isinstance(exc, prawcore.ServerError) or (status is not None and status >= 500):
        return "retry", f"HTTP {status} (server error)"
    if isinstance(exc, prawcore.RequestException):
        original = type(getattr(exc, "original_exception", exc)).__name__
        kind = "timeout" if "Timeout" in original else f"connection error ({original})"
        return "retry", kind
    if status in (401,):
        return "fatal", "Reddit refused the credentials (HTTP 401)"
    if status is not None:
        return "skip", f"HTTP {status}"
    if isinstance(exc, ValueError):
        return "retry", "malformed answer"
    return "skip", type(exc).__name__


def _post_fields(submission: Any) -> dict[str, Any]:
    data = vars(submission)  # what the listing carried; getattr would fetch missing fields
    out = {key: data.get(key) for key in FIELDS}
    out["subreddit"] = str(out["subreddit"]) if out["subreddit"] is not None else ""
    out["author"] = str(out["author"]) if out["author"] is not None else None
    out["link_url"] = out.pop("url")
    return out


def read_listing(
    reddit: Any,
    config: ScrapeConfig,
    listing: ListingReport,
    *,
    sleep: Callable[[float], None],
    should_stop: Callable[[], bool],
) -> list[dict[str, Any]]:
    """The posts of one listing, as many as could be read; the listing report says how it went."""
    kwargs: dict[str, Any] = {"limit": config.limit}
    if listing.sort in ("top", "controversial"):
        kwargs["time_filter"] = config.time_filter
    pages = getattr(reddit.subreddit(listing.subreddit), listing.sort)(**kwargs)
    posts: list[dict[str, Any]] = []
    attempt = 0
    while not should_stop():
        try:
            submission = next(pages)
        except StopIteration:
            listing.complete = True
            break
        except Exception as exc:
            action, reason = classify(exc)
            if action == "fatal":
                raise ScrapeError(reason) from None
            if action == "skip" or attempt >= config.max_retries:
                tries = f" after {attempt} retries" if attempt else ""
                listing.error = f"{reason}{tries}"
                break
            wait = min(config.backoff_s * 2**attempt, config.max_backoff_s)
            header = _header_wait(exc) if reason.startswith("HTTP 429") else None
            if header is not None:
                wait = min(max(header, config.backoff_s), config.max_backoff_s)
            attempt += 1
            listing.retries += 1
            listing.events.append(f"{reason}; retry {attempt} in {wait:.1f} s")
            sleep(wait)
            continue
        attempt = 0
        posts.append(_post_fields(submission))
        listing.fetched += 1
    return posts


def scrape(
    db: Database,
    config: MicrolearningConfig,
    *,
    base_url: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], dt.datetime] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> ScrapeReport:
    """Read every configured listing and store what passes ``min_upvotes``."""
    scrape_config = config.scrape
    reddit, source = make_reddit(scrape_config, base_url)
    clock = clock or (lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))
    matcher = RiskMatcher(config.risk.keywords)
    report = ScrapeReport(credentials=source)
    plan = [
        (sub.removeprefix("r/"), sort)
        for sub in scrape_config.subreddits
        for sort in scrape_config.sorts
    ]
    seen: set[str] = set()
    try:
        for index, (sub, sort) in enumerate(plan):
            if should_stop():
                report.stopped = True
                break
            if on_progress:
                on_progress(index, len(plan), f"r/{sub} {sort}")
            listing = ListingReport(sub, sort)
            report.listings.append(listing)
            try:
                posts = read_listing(
                    reddit, scrape_config, listing, sleep=sleep, should_stop=should_stop
                )
            except ScrapeError as exc:
                listing.error = report.fatal = str(exc)
                break
            if not listing.complete and listing.error is None:
                report.stopped = True
            captured = clock()
            records = []
            for post in posts:
                if int(post.get("ups") or post.get("score") or 0) < scrape_config.min_upvotes:
                    continue
                record = from_post(post, captured, matcher)
                if record["topic_id"] in seen:
                    continue
                seen.add(record["topic_id"])
                records.append(record)
            listing.kept = len(records)
            with write_lock, db.connect() as con, transaction(con):
                report.stored.add(ingest(con, records))
        else:
            if on_progress:
                on_progress(len(plan), len(plan), "done")
    finally:
        report.rate_limit = _limits(reddit)
        activity.log(
            db,
            "topics.scrape",
            None,
            listings=len(report.listings),
            complete=report.complete,
            fatal=report.fatal,
            stored=report.stored.observations,
            new_topics=report.stored.new_topics,
            errors=[item.line() for item in report.listings if not item.complete],
        )
    return report


def _limits(reddit: Any) -> str:
    try:
        limits = reddit.auth.limits
    except Exception:
        return ""
    if not limits or limits.get("remaining") is None:
        return ""
    return f"rate limit: {int(limits['remaining'])} requests left in this window"
