"""The demo workspace: real content for every screen with no GPU and no network.

``build_demo`` writes several synthetic sources (in the formats of real sources, one with a
few deliberately broken lines so the reject accounting has something to show), imports and
indexes them, trains a tiny Qwen3-architecture model with its own tokenizer on them, and adds
sample topics. ``reset_demo`` removes exactly what the demo added; the user's own records,
runs and models are never touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine import activity
from engine.importers import convert, detect_format, import_file
from engine.records import dedup_key
from engine.synth import SynthOptions, generate
from engine.synth.sources import encouragement, esl_question, unique_records, writing_help
from engine.tinymodel import TinyModelConfig, build_tiny_model
from engine.workspace import Workspace
from store import records as store_records
from store import topics as store_topics
from store.db import transaction

DEMO_MODEL = "demo-tiny-qwen3"
STAGES = ("generate", "import", "model", "topics")

# Broken lines appended to one demo source, one per reject reason worth showing.
BROKEN_LINES = (
    '{"conversation": [{"role": "user", "content": "What does \'break a leg\' mean?"}',
    '{"messages": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "  "}]}',
    '{"messages": [{"role": "user", "content": "Only a question, never answered."}]}',
    '{"messages": [{"role": "learner", "content": "Hi"}, {"role": "tutor", "content": "Hi!"}]}',
    '["not", "an", "object"]',
)

ProgressFn = Callable[[str, int, int, str], None]


@dataclass
class DemoOptions:
    """How big the demo is. The defaults take about a minute on 2 CPU cores."""

    counts: dict[str, int] = field(
        default_factory=lambda: {
            "toefl-synth": 600,
            "pilot-synth": 150,
            "lmsys-esl": 800,
            "magpie-writing": 500,
            "prosocial-support": 250,
        }
    )
    seed: int = 42
    fine_tune_only: tuple[str, ...] = ("toefl-synth", "pilot-synth")
    """Sources the base model does not pretrain on: the scaffolding dialogues (recasts and
    follow-up questions) that the demo LoRA run teaches, so base and fine-tuned answers differ
    the way Stage 1 is meant to change a model."""
    model: TinyModelConfig = field(
        default_factory=lambda: TinyModelConfig(
            hidden_size=128,
            intermediate_size=384,
            num_attention_heads=4,
            num_key_value_heads=2,
            head_dim=32,
            seq_len=128,
            batch_size=16,
            steps=250,
        )
    )


def demo_sources(options: DemoOptions) -> dict[str, list[dict[str, Any]]]:
    """The demo's source files' records, by source name (deterministic for a seed)."""
    rng = random.Random(options.seed)
    seen: set[str] = set()
    counts = options.counts
    scaffolding = generate(
        SynthOptions(count=counts["toefl-synth"] + counts["pilot-synth"], seed=options.seed),
        exclude=seen,
    )
    toefl = [{"messages": d.messages} for d in scaffolding[: counts["toefl-synth"]]]
    pilot = [d.scaffolding_record() for d in scaffolding[counts["toefl-synth"] :]]
    seen.update(dedup_key(d.messages) for d in scaffolding)

    def messages_of(record: dict[str, Any]) -> list[dict[str, str]]:
        return convert(record, detect_format(record))[0]

    l1s = ["", "Spanish", "Mandarin", "Arabic", "Korean", "Portuguese"]
    return {
        "toefl-synth": toefl,
        "pilot-synth": pilot,
        "lmsys-esl": unique_records(
            lambda r: esl_question(r, r.choice(l1s)), messages_of, counts["lmsys-esl"], rng, seen
        ),
        "magpie-writing": unique_records(
            writing_help, messages_of, counts["magpie-writing"], rng, seen
        ),
        "prosocial-support": unique_records(
            encouragement, messages_of, counts["prosocial-support"], rng, seen
        ),
    }


def sample_topics(now: dt.datetime) -> list[dict[str, Any]]:
    """A handful of schema-conformant topic records (clearly marked as demo data)."""
    posts = [
        (
            "languagelearning",
            "d1",
            "Why do adults find it harder to hear new sounds in a second language?",
            3120,
            410,
            ["phonology", "adult learning"],
            [],
        ),
        (
            "todayilearned",
            "d2",
            "TIL the word 'salary' may come from the Latin for salt",
            18400,
            960,
            ["etymology", "latin"],
            [],
        ),
        (
            "EnglishLearning",
            "d3",
            "Is it 'I have been living here' or 'I live here since'? Native speakers disagree",
            870,
            240,
            ["present perfect", "grammar"],
            [],
        ),
        (
            "explainlikeimfive",
            "d4",
            "ELI5: Why does English spelling not match pronunciation?",
            9650,
            1320,
            ["spelling", "history"],
            [],
        ),
        (
            "science",
            "d5",
            "Bilingual children switch tasks faster, a new study of 2,000 kids suggests",
            15200,
            780,
            ["bilingualism", "cognition"],
            ["medical_claim"],
        ),
        (
            "YouShouldKnow",
            "d6",
            "YSK: shadowing (repeating audio right after it) is a proven way to improve pronunciation",
            4300,
            350,
            ["shadowing", "pronunciation"],
            [],
        ),
        (
            "Futurology",
            "d7",
            "Real-time translation earbuds could change how we learn languages",
            6100,
            890,
            ["translation", "technology"],
            [],
        ),
        (
            "personalfinance",
            "d8",
            "Learning a second language raised my salary by 20%, here's my plan",
            2100,
            530,
            ["career", "languages"],
            ["finance_advice"],
        ),
    ]
    records = []
    for i, (sub, post_id, title, ups, comments, keywords, flags) in enumerate(posts):
        created = now - dt.timedelta(hours=3 + 2 * i)
        age_h = max((now - created).total_seconds() / 3600, 0.1)
        permalink = f"/r/{sub}/comments/{post_id}/demo/"
        records.append(
            {
                "topic_id": "sha1:" + hashlib.sha1(f"{sub}:{post_id}".encode()).hexdigest(),
                "source": {
                    "provider": "reddit",
                    "subreddit": sub,
                    "post_id": post_id,
                    "post_permalink": permalink,
                },
                "title": title,
                "url": f"https://www.reddit.com{permalink}",
                "author": "demo_user",
                "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "captured_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "metrics": {
                    "upvotes": ups,
                    "num_comments": comments,
                    "comment_velocity_per_hour": round(comments / age_h, 2),
                    "upvote_velocity_per_hour": round(ups / age_h, 2),
                },
                "keywords": keywords,
                "entities": [],
                "risk_flags": flags,
                "microlearning_angle_candidates": [f"What learners can take from: {keywords[0]}"],
                "raw": {"demo": True},
            }
        )
    return records


def reset_demo(ws: Workspace) -> None:
    """Remove what the demo added (sources, their records, the demo model, sample topics)."""
    info = ws.demo_info() or {}
    ids = {s["import_id"] for s in info.get("sources", []) if s.get("import_id") is not None}
    with ws.db.connect() as con, transaction(con):
        # By the ids the demo recorded, and by path for a build that never finished.
        ids.update(store_records.import_ids_under(con, str(ws.demo_data_dir.resolve())))
        store_records.delete_imports(con, sorted(ids))
        store_topics.delete_demo(con)
    shutil.rmtree(ws.demo_data_dir, ignore_errors=True)
    shutil.rmtree(ws.models_dir / DEMO_MODEL, ignore_errors=True)
    ws.demo_marker.unlink(missing_ok=True)


def build_demo(
    ws: Workspace,
    options: DemoOptions | None = None,
    *,
    on_progress: ProgressFn | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Build the demo workspace; returns what was built (also saved as the demo marker)."""
    options = options or DemoOptions()
    progress = on_progress or (lambda stage, done, total, message: None)
    started = time.perf_counter()
    ws.ensure()
    reset_demo(ws)

    progress("generate", 0, 1, "writing synthetic sources")
    sources = demo_sources(options)
    ws.demo_data_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, rows in sources.items():
        path = ws.demo_data_dir / f"{name}.jsonl"
        lines = [json.dumps(r, ensure_ascii=False) for r in rows]
        if name == "lmsys-esl":
            for offset, bad in enumerate(BROKEN_LINES):
                lines.insert(min(len(lines), 25 + 97 * offset), bad)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths[name] = path
    progress("generate", 1, 1, f"{sum(len(r) for r in sources.values())} dialogues")

    summaries = []
    for index, (name, path) in enumerate(paths.items()):
        progress("import", index, len(paths), f"importing {path.name}")
        summaries.append(import_file(ws.db, path, source=name).as_dict())
    progress("import", len(paths), len(paths), "indexed")

    def conversations(names: list[str]) -> list[list[dict[str, str]]]:
        return [convert(r, detect_format(r))[0] for name in names for r in sources[name]]

    held_back = [name for name in sources if name in options.fine_tune_only]
    info = build_tiny_model(
        ws.models_dir / DEMO_MODEL,
        conversations([name for name in sources if name not in held_back]),
        options.model,
        name=DEMO_MODEL,
        tokenizer_conversations=conversations(held_back),
        on_progress=lambda done, total, msg: progress("model", done, total, msg),
        should_stop=should_stop,
    )

    progress("topics", 0, 1, "adding sample topics")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    with ws.db.connect() as con:
        for record in sample_topics(now):
            store_topics.upsert(con, record)
    progress("topics", 1, 1, "sample topics added")

    result = {
        "built_at": now.isoformat() + "Z",
        "seconds": round(time.perf_counter() - started, 1),
        "sources": summaries,
        "model": info,
        "options": asdict(options),
    }
    ws.demo_marker.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    activity.log(ws.db, "demo.build", str(ws.root), seconds=result["seconds"])
    return result
