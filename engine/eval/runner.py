"""Running an evaluation: every model answers every test, in parallel, through the cache.

Tasks are (model, test) pairs. Cached answers are served first without calling a backend;
the rest run on two pools: HTTP backends on ``workers`` threads, the local engine on one
thread (it answers one request at a time and holds its lock only while generating, so the
Compare screen and an eval share it without deadlock). A failure is recorded in its result
and the run goes on. Results come back in model order, then test order, whatever order
they finished in, so reports are repeatable. The same call backs the Eval screen and the CLI.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from engine.eval import metrics as eval_metrics
from engine.eval.backends import Backend, StopFn, make_backend
from engine.eval.cache import ReplyCache, cache_key
from engine.eval.judge import JUDGE_SETTINGS, judge_messages, load_rubric, parse_verdict
from engine.eval.results import EvalResult, EvalRun, Reply
from engine.inference import GenerationSettings
from engine.suites import Suite, TestCase, load_suite
from engine.workspace import Workspace

ProgressFn = Callable[[str, float, float, str], None]
"""Called with (stage, done, total, message); stages: load, answer, judge."""


@dataclass
class EvalOptions:
    """How to run an evaluation."""

    settings: GenerationSettings = field(
        default_factory=lambda: GenerationSettings(max_new_tokens=256)
    )
    metrics: list[str] | None = None
    """Metric names to compute (None: every metric)."""
    workers: int = 4
    """Parallel requests to HTTP backends (the local engine answers one at a time)."""
    use_cache: bool = True
    timeout: float = 120.0
    """Seconds one answer may take before it is recorded as a timeout."""
    judge: str | None = None
    """A model spec that rates every answer on the rubric's dimensions."""
    rubric: Path | None = None
    model: str | None = None
    """The base model for local specs (default: the adapter's, else the workspace's)."""
    record: bool = True
    """Store the run, log it in the activity log and post ``eval.finished``."""


@dataclass
class _Job:
    backend: Backend
    messages: list[dict[str, str]]
    key: str
    settings: GenerationSettings


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _item(test: TestCase, suite: Suite, result: EvalResult) -> eval_metrics.Item:
    return eval_metrics.Item(
        response=result.response,
        conversation=tuple(result.conversation),
        error=test.error,
        correction=test.correction,
        answer=test.answer,
        language=suite.language,
    )


def _unique_labels(backends: Sequence[Backend]) -> dict[str, str]:
    labels = [b.label for b in backends]
    return {b.spec: b.label if labels.count(b.label) == 1 else b.spec for b in backends}


def _execute(
    jobs: Sequence[_Job],
    *,
    workers: int,
    timeout: float,
    should_stop: StopFn,
    on_done: Callable[[int, Reply], None],
) -> list[Reply]:
    """Answer every job; local ones on one thread, HTTP ones on ``workers`` threads."""

    abort = threading.Event()  # set when the caller is interrupted (Ctrl-C, an error)

    def stopped() -> bool:
        return abort.is_set() or should_stop()

    def one(job: _Job) -> Reply:
        if stopped():
            return Reply(error="stopped")
        try:
            return job.backend.answer(
                job.messages, job.settings, timeout=timeout, should_stop=stopped
            )
        except Exception as exc:  # a backend bug is one result's error, not the run's end
            return Reply(error=f"{type(exc).__name__}: {exc}")

    replies: list[Reply] = [Reply(error="not run")] * len(jobs)
    local = ThreadPoolExecutor(1, thread_name_prefix="quimbot-eval-local")
    remote = ThreadPoolExecutor(max(1, workers), thread_name_prefix="quimbot-eval-http")
    futures: dict[Future[Reply], int] = {}
    try:
        for index, job in enumerate(jobs):
            pool = local if job.backend.local else remote
            futures[pool.submit(one, job)] = index
        for future in as_completed(futures):
            index = futures[future]
            replies[index] = future.result()
            on_done(index, replies[index])
    finally:
        abort.set()
        for pool in (local, remote):
            pool.shutdown(wait=True, cancel_futures=True)
    return replies


def run_eval(
    ws: Workspace,
    specs: Sequence[str],
    suite: Suite | str,
    options: EvalOptions | None = None,
    *,
    on_progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> EvalRun:
    """Evaluate every model on every test of the suite; return the run (stored unless
    ``options.record`` is False)."""
    options = options or EvalOptions()
    suite = load_suite(suite) if isinstance(suite, str) else suite
    say = on_progress or (lambda stage, done, total, message: None)
    stop = should_stop or (lambda: False)
    if len(set(specs)) != len(specs) or not specs:
        raise ValueError("name each model once, and at least one")
    names = eval_metrics.check_names(options.metrics or list(eval_metrics.METRICS))
    options.settings.validate()
    backends = [make_backend(ws, spec, model=options.model) for spec in specs]
    _load_local(backends, say)
    cache = ReplyCache(ws) if options.use_cache else None
    settings = asdict(options.settings)
    run = EvalRun(
        suite=suite.name,
        description=suite.description,
        models=list(specs),
        labels=_unique_labels(backends),
        tests=[t.name for t in suite.tests],
        settings=settings,
        metrics=names,
        created_at=_now(),
        judge=options.judge,
        key_metrics=dict(suite.key_metrics),
    )
    jobs, results = [], []
    for backend in backends:
        for test in suite.tests:
            convo = test.conversation(suite.system)
            key = cache_key(backend.identity(), convo, settings, suite.name)
            jobs.append(_Job(backend, convo, key, options.settings))
            label = run.labels[backend.spec]
            results.append(EvalResult(backend.spec, label, test.name, suite.name, convo))
    replies = _answer(jobs, results, cache, options, say, stop, "answer", suite.name)
    tests = {t.name: t for t in suite.tests}
    for result, reply in zip(results, replies, strict=True):
        cached = result.cached
        filled = EvalResult.from_reply(
            result.model, result.label, result.test, result.suite, result.conversation, reply
        )
        filled.cached = cached
        if filled.ok:
            filled.metrics = eval_metrics.compute(_item(tests[filled.test], suite, filled), names)
        run.results.append(filled)
    if options.judge:
        _judge(ws, run, options, cache, say, stop)
    if options.record:
        _record(ws, run)
    return run


def _load_local(backends: Sequence[Backend], say: ProgressFn) -> None:
    from engine.eval.backends import LocalBackend

    engines = {id(e): e for b in backends if isinstance(b, LocalBackend) for e in [b.engine()]}
    for engine in engines.values():
        engine.load(on_progress=lambda message: say("load", 0, 1, message))
        say("load", 1, 1, "model ready")


def _answer(
    jobs: list[_Job],
    results: list[EvalResult],
    cache: ReplyCache | None,
    options: EvalOptions,
    say: ProgressFn,
    stop: StopFn,
    stage: str,
    suite: str,
) -> list[Reply]:
    """Replies for the jobs: from the cache where it has them, else from the backends."""
    hits = cache.get_many([j.key for j in jobs]) if cache is not None else {}
    replies: list[Reply] = [Reply(error="not run")] * len(jobs)
    todo = []
    for index, job in enumerate(jobs):
        if job.key in hits:
            replies[index] = hits[job.key]
            results[index].cached = True
        else:
            todo.append(index)
    total, done = len(jobs), len(jobs) - len(todo)
    say(stage, done, total, f"{done} from the cache" if done else "starting")

    def finished(position: int, reply: Reply) -> None:
        nonlocal done
        index = todo[position]
        replies[index] = reply
        job = jobs[index]
        if cache is not None:
            cache.put(job.key, suite, job.backend.spec, job.backend.identity(), reply)
        done += 1
        status = "ok" if reply.ok else f"error: {reply.error}"
        say(stage, done, total, f"{job.backend.label} · {results[index].test}: {status}")

    _execute(
        [jobs[i] for i in todo],
        workers=options.workers,
        timeout=options.timeout,
        should_stop=stop,
        on_done=finished,
    )
    return replies


def _judge(
    ws: Workspace,
    run: EvalRun,
    options: EvalOptions,
    cache: ReplyCache | None,
    say: ProgressFn,
    stop: StopFn,
) -> None:
    assert options.judge is not None
    rubric = load_rubric(options.rubric)
    judge = make_backend(ws, options.judge, model=options.model)
    _load_local([judge], say)
    rated = [r for r in run.results if r.ok]
    jobs, shadows = [], []
    settings = asdict(JUDGE_SETTINGS)
    for result in rated:
        messages = judge_messages(result, rubric)
        key = cache_key(judge.identity(), messages, settings, f"judge:{rubric.name}")
        jobs.append(_Job(judge, messages, key, JUDGE_SETTINGS))
        shadows.append(EvalResult(judge.spec, judge.label, result.test, run.suite, messages))
    replies = _answer(jobs, shadows, cache, options, say, stop, "judge", f"judge:{run.suite}")
    for result, reply in zip(rated, replies, strict=True):
        if not reply.ok:
            result.judge_error = reply.error
            continue
        result.judge, result.judge_error = parse_verdict(reply.text, rubric)


def _record(ws: Workspace, run: EvalRun) -> None:
    from engine import activity
    from engine.notify import notify
    from store import evals as store_evals

    with ws.db.connect() as con:
        run.id = store_evals.insert_run(con, run.as_dict())
    failed = len(run.failed)
    cached = sum(r.cached for r in run.results)
    activity.log(
        ws.db,
        "eval",
        run.suite,
        run_id=run.id,
        models=run.models,
        results=len(run.results),
        failed=failed,
        cached=cached,
        judge=run.judge,
    )
    notify(
        ws.root,
        "eval.finished",
        f"Eval finished: {run.suite}",
        {
            "suite": run.suite,
            "models": ", ".join(run.labels[m] for m in run.models),
            "results": len(run.results),
            "failed": failed,
            "from cache": cached,
        },
    )
