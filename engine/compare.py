"""Comparing answers side by side: sides, stored answers with provenance, blind votes,
preference pairs and win rates."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.activity import current_actor
from engine.demo import DEMO_MODEL
from engine.inference import Answer, GenerationSettings, InferenceEngine, Side
from engine.workspace import Workspace
from store import answers as store_answers
from store.db import transaction

VOTES = ("left", "right", "tie", "both_bad")


@dataclass(frozen=True)
class ResolvedSide:
    """A side of a comparison and the base model it needs."""

    base: str
    side: Side


def default_base(ws: Workspace) -> str:
    demo = ws.models_dir / DEMO_MODEL
    if demo.is_dir():
        return str(demo)
    models = sorted(p for p in ws.models_dir.glob("*") if (p / "config.json").is_file())
    if not models:
        raise ValueError(f"no model in {ws.models_dir}: name one with --model PATH")
    return str(models[0])


def adapter_base(adapter: Path) -> str | None:
    try:
        config = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    base = config.get("base_model_name_or_path")
    return str(base) if base else None


def resolve_side(ws: Workspace, spec: str, *, model: str | None = None) -> ResolvedSide:
    """``base``, ``adapter:PATH`` or ``RUN[:STEP]`` as a side with its base model."""
    if spec == "base":
        return ResolvedSide(model or default_base(ws), Side())
    if spec.startswith("adapter:"):
        folder = Path(spec.removeprefix("adapter:")).expanduser()
        if not (folder / "adapter_config.json").is_file():
            raise ValueError(f"{folder}: not an adapter folder (no adapter_config.json)")
        base = model or adapter_base(folder) or default_base(ws)
        try:
            label = str(folder.resolve().relative_to(ws.runs_dir.resolve()))
        except ValueError:
            label = folder.name
        return ResolvedSide(base, Side(folder, label=label))
    return _resolve_run(ws, spec, model)


def _resolve_run(ws: Workspace, spec: str, model: str | None) -> ResolvedSide:
    from engine.runs import resolve_checkpoint  # the training engine's run layout

    run_id, _, step_text = spec.removeprefix("run:").partition(":")
    step = int(step_text) if step_text else None
    checkpoint = resolve_checkpoint(ws, run_id, step)
    label = f"{run_id}:{checkpoint.step}"
    side = Side(checkpoint.adapter, label=label, run_id=run_id, step=checkpoint.step)
    return ResolvedSide(model or checkpoint.base_model, side)


@dataclass
class Comparison:
    """Two answers to one conversation, stored, with their ids."""

    conversation: list[dict[str, str]]
    answers: list[Answer]
    ids: list[int] = field(default_factory=list)


def run_comparison(
    ws: Workspace,
    engine: InferenceEngine,
    conversations: Sequence[list[dict[str, str]]],
    sides: Sequence[Side],
    settings: GenerationSettings,
    *,
    session: str | None = None,
    on_token: Callable[[int, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Comparison:
    """Answer (each side with its own history) and store every answer.

    ``conversations`` holds one message list per side: in a multi-turn comparison each side
    continues from its own earlier answers. Generation of all sides is interleaved.
    """
    if len(conversations) != len(sides):
        raise ValueError("one conversation per side")
    if all(c == conversations[0] for c in conversations):
        answers = engine.generate(
            conversations[0], sides, settings, on_token=on_token, should_stop=should_stop
        )
    else:
        answers = _generate_each(engine, conversations, sides, settings, on_token, should_stop)
    result = Comparison(list(conversations[0]), answers)
    with ws.db.connect() as con, transaction(con):
        for convo, answer in zip(conversations, answers, strict=True):
            result.ids.append(
                store_answers.insert_answer(con, answer.as_dict(), list(convo), session)
            )
    return result


def _generate_each(
    engine: InferenceEngine,
    conversations: Sequence[list[dict[str, str]]],
    sides: Sequence[Side],
    settings: GenerationSettings,
    on_token: Callable[[int, str], None] | None,
    should_stop: Callable[[], bool] | None,
) -> list[Answer]:
    answers = []
    for index, (convo, side) in enumerate(zip(conversations, sides, strict=True)):
        relay = (lambda _i, text, index=index: on_token(index, text)) if on_token else None
        answers.extend(
            engine.generate(convo, [side], settings, on_token=relay, should_stop=should_stop)
        )
    return answers


def blind_order(seed: int | None = None) -> tuple[int, int]:
    """A random assignment of two sides to (left, right) for blind mode."""
    order = [0, 1]
    random.Random(seed).shuffle(order)
    return order[0], order[1]


def record_vote(ws: Workspace, left_id: int, right_id: int, choice: str, *, blind: bool) -> int:
    if choice not in VOTES:
        raise ValueError(f"unknown vote {choice!r}; one of {', '.join(VOTES)}")
    with ws.db.connect() as con:
        return store_answers.insert_vote(
            con, left_id, right_id, choice, blind=blind, voter=current_actor()
        )


@dataclass
class PreferenceSummary:
    pairs: int
    votes: int
    by_matchup: dict[str, Counter[str]]

    def lines(self) -> list[str]:
        pairs = "pair" if self.pairs == 1 else "pairs"
        votes = "vote" if self.votes == 1 else "votes"
        out = [f"{self.pairs} preference {pairs} from {self.votes} {votes}"]
        for matchup, counts in sorted(self.by_matchup.items()):
            a, b = matchup.split(" vs ")
            decided = counts[a] + counts[b]
            rate = f"{counts[a] / decided:.0%}" if decided else "n/a"
            out.append(
                f"  {a} vs {b}: {a} wins {counts[a]}, {b} wins {counts[b]}, ties "
                f"{counts['tie']}, both bad {counts['both_bad']}; {a} win rate {rate}"
            )
        return out


def export_preferences(ws: Workspace, out: Path) -> PreferenceSummary:
    """Write ``{"prompt", "chosen", "rejected"}`` JSONL from the votes; return win rates.

    ``prompt`` is the conversation (messages) both sides answered; ``chosen`` and ``rejected``
    are the answers as assistant messages. Ties and both-bad votes give no pair but count in
    the win-rate summary, by matchup of labels (e.g. ``run1:40 vs base``).
    """
    with ws.db.connect() as con:
        votes = store_answers.votes_with_answers(con)
    by_matchup: dict[str, Counter[str]] = {}
    lines = []
    for v in votes:
        labels = sorted([v["left_label"], v["right_label"]])
        counts = by_matchup.setdefault(f"{labels[0]} vs {labels[1]}", Counter())
        if v["choice"] in ("tie", "both_bad"):
            counts[v["choice"]] += 1
            continue
        win = "left" if v["choice"] == "left" else "right"
        lose = "right" if win == "left" else "left"
        counts[v[f"{win}_label"]] += 1
        lines.append(
            json.dumps(
                {
                    "prompt": v["conversation"],
                    "chosen": [{"role": "assistant", "content": v[f"{win}_text"]}],
                    "rejected": [{"role": "assistant", "content": v[f"{lose}_text"]}],
                },
                ensure_ascii=False,
            )
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return PreferenceSummary(pairs=len(lines), votes=len(votes), by_matchup=by_matchup)
