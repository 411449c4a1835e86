"""``quimbot-tui bench train``: our trainer against a plain transformers Trainer + peft, and
the delay from an event being written to the Train screen showing it.

Throughput: the same model, records (encoded through the chat template with the same loss
mask), LoRA settings, batch size and step count, timed over the steady-state steps (the
first step is warm-up) as real (non-padding) tokens per second. The baseline is
``transformers.Trainer`` with padding to the longest record of each batch and no logging;
ours runs in-process with its events file, once padded and once packed. The best of
``--repeats`` runs of each, taken in turn.

Delay: the Train screen runs headless on a run whose events a thread writes every
``--interval`` seconds; for each event, the time from its write to the first repaint of the
screen that includes it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("train", help="trainer tokens/s against plain Trainer + peft; UI delay")
    p.add_argument("--model", help="base model (default: the workspace's demo model)")
    p.add_argument("--data", help="JSONL records (default: the demo's toefl-synth.jsonl)")
    p.add_argument("--steps", type=int, default=40, help="optimiser steps per run")
    p.add_argument("--batch", type=int, default=8, help="sequences per step")
    p.add_argument("--max-length", type=int, default=256, help="packing row length")
    p.add_argument("--repeats", type=int, default=2, help="runs of each (best is reported)")
    p.add_argument("--events", type=int, default=60, help="events written for the delay test")
    p.add_argument("--interval", type=float, default=0.05, help="seconds between events")
    p.add_argument("--skip-throughput", action="store_true", help="only the delay test")
    p.add_argument(
        "--arch",
        choices=("qwen3-8b", "qwen3-tiny"),
        help="instead: a model of this architecture with random weights (qwen3-8b on a GPU)",
    )
    p.add_argument("--seq", type=int, default=2048, help="--arch: tokens per sequence")
    p.add_argument("--peak-tflops", type=float, help="--arch: the GPU's peak bf16 TFLOPS")
    p.set_defaults(func=run)


# -- throughput ----------------------------------------------------------------------------
SETTINGS = {
    "lora_rank": 8,
    "lora_alpha": 16,
    "lora_dropout": 0.0,
    "learning_rate": 3e-3,
    "lr_schedule": "cosine",
    "warmup_steps": 2,
    "seed": 7,
}


def ours(
    model: str,
    data: str,
    steps: int,
    batch: int,
    max_length: int,
    packing: bool,
    extra: dict[str, Any] | None = None,
) -> float:
    """Our trainer, in this process, with its events file; real tokens/s over steps 2..N."""
    from engine.runs import RunLayout
    from engine.training import trainer
    from engine.training.config import TrainConfig, to_toml

    with tempfile.TemporaryDirectory() as tmp:
        layout = RunLayout(Path(tmp) / "runs" / "bench")
        layout.root.mkdir(parents=True)
        config = TrainConfig(
            data=data,
            base_model=model,
            name="bench",
            max_length=max_length,
            packing=packing,
            batch_size=batch,
            max_steps=steps,
            **(SETTINGS | (extra or {})),  # type: ignore[arg-type]
        )
        layout.config.write_text(to_toml(config))
        with contextlib.redirect_stdout(io.StringIO()):
            if trainer.train(layout.root) != 0:
                raise RuntimeError(f"our trainer failed: {layout.events.read_text()[-500:]}")
        events = [json.loads(line) for line in layout.events.read_text().splitlines()]
    steps_ = [e for e in events if e["event"] == "step"]
    tokens = sum(e["tokens"] for e in steps_[1:])
    return tokens / (steps_[-1]["elapsed"] - steps_[0]["elapsed"])


def baseline(
    model: str,
    data: str,
    steps: int,
    batch: int,
    max_length: int,
    extra: dict[str, Any] | None = None,
) -> float:
    """transformers.Trainer + peft on the same encoded records; real tokens/s over 2..N."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer, Trainer, TrainingArguments
    from transformers import TrainerCallback as Callback
    from transformers.trainer_callback import PrinterCallback

    from engine.training.config import ALL_LINEAR
    from engine.training.data import prepare

    tokenizer = AutoTokenizer.from_pretrained(model)
    prepared = prepare(
        tokenizer,
        Path(data),
        eval_data=None,
        eval_split=0.0,
        max_length=max_length,
        train_on="last",
        seed=0,
    )
    rows = [{"input_ids": e.input_ids, "labels": e.labels} for e in prepared.train]
    pad = tokenizer.pad_token_id
    batch_tokens: list[int] = []

    def collate(items: list[dict[str, list[int]]]) -> dict[str, Any]:
        width = max(len(i["input_ids"]) for i in items)
        ids = torch.full((len(items), width), pad)
        labels = torch.full((len(items), width), -100)
        mask = torch.zeros((len(items), width), dtype=torch.long)
        for r, item in enumerate(items):
            n = len(item["input_ids"])
            ids[r, :n], labels[r, :n], mask[r, :n] = (
                torch.tensor(item["input_ids"]),
                torch.tensor(item["labels"]),
                1,
            )
        batch_tokens.append(int(mask.sum()))
        return {"input_ids": ids, "labels": labels, "attention_mask": mask}

    ends: list[float] = []

    class Clock(Callback):  # type: ignore[misc]
        def on_step_end(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
            ends.append(time.perf_counter())

    settings = SETTINGS | (extra or {})
    bf16 = settings.get("precision") == "bf16"
    checkpointing = bool(settings.get("gradient_checkpointing"))
    torch.manual_seed(settings["seed"])
    base = AutoModelForCausalLM.from_pretrained(model, dtype=torch.bfloat16 if bf16 else None)
    peft_model = get_peft_model(
        base,
        LoraConfig(
            r=settings["lora_rank"],
            lora_alpha=settings["lora_alpha"],
            lora_dropout=settings["lora_dropout"],
            target_modules=ALL_LINEAR,
            task_type="CAUSAL_LM",
        ),
    )
    with tempfile.TemporaryDirectory() as tmp:
        args = TrainingArguments(
            output_dir=tmp,
            per_device_train_batch_size=batch,
            max_steps=steps,
            learning_rate=float(SETTINGS["learning_rate"]),
            lr_scheduler_type="cosine",
            warmup_steps=int(SETTINGS["warmup_steps"]),
            logging_strategy="no",
            save_strategy="no",
            report_to=[],
            disable_tqdm=True,
            use_cpu=not torch.cuda.is_available(),
            dataloader_num_workers=0,
            remove_unused_columns=False,
            seed=int(SETTINGS["seed"]),
            bf16=bf16,
            gradient_checkpointing=checkpointing,
            gradient_checkpointing_kwargs={"use_reentrant": False} if checkpointing else None,
        )
        trainer = Trainer(
            model=peft_model,
            args=args,
            train_dataset=rows,  # type: ignore[arg-type]
            data_collator=collate,
            callbacks=[Clock()],
        )
        trainer.remove_callback(PrinterCallback)
        trainer.train()
    # The collator runs just before its step; step i trained batch i.
    return sum(batch_tokens[1:steps]) / (ends[steps - 1] - ends[0])


# -- event to screen delay -----------------------------------------------------------------
def delay(events: int, interval: float) -> list[float]:
    """Seconds from each step event's write to the Train screen's repaint that shows it."""
    import asyncio

    import psutil

    from engine.runs import RunLayout
    from engine.training.config import TrainConfig, to_toml
    from engine.training.events import EventWriter
    from engine.workspace import Workspace
    from quimbot_tui.app import QuimbotApp
    from quimbot_tui.screens.train import TrainScreen

    async def measure(ws: Workspace) -> list[float]:
        layout = RunLayout(ws.runs_dir / "bench-delay")
        layout.root.mkdir(parents=True)
        layout.config.write_text(to_toml(TrainConfig(data="x", base_model="m", name="bench")))
        writer = EventWriter(layout.events)
        writer.emit(
            "started",
            total_steps=events,
            pid=os.getpid(),
            pid_started=psutil.Process().create_time(),
        )
        written: dict[int, float] = {}
        app = QuimbotApp(ws, auto_demo=False, initial_mode="train")
        async with app.run_test(size=(160, 48)) as pilot:
            screen = app.screen
            assert isinstance(screen, TrainScreen)
            while screen.followed != layout.id or not screen.redraws:
                await pilot.pause(0.05)
            await pilot.pause(0.5)

            def write() -> None:
                for step in range(1, events + 1):
                    record = writer.emit("step", step=step, total=events, loss=2.0 / step, lr=1e-3)
                    written[record["seq"]] = time.time()
                    time.sleep(interval)

            thread = threading.Thread(target=write)
            thread.start()
            while thread.is_alive() or screen.history.last_seq < max(written, default=0):
                await pilot.pause(0.02)
            await pilot.pause(0.3)
            redraws = list(screen.redraws)
        delays = []
        for seq, at in written.items():
            shown = [t for s, t in redraws if s >= seq]
            if shown:
                delays.append(min(shown) - at)
        return delays

    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(measure(Workspace.open(Path(tmp) / "ws")))


def run(args: argparse.Namespace) -> int:
    from transformers.utils import logging as hf_logging

    from engine.workspace import Workspace

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    ws = Workspace.open(args.workspace)
    print(f"{os.cpu_count()} CPU cores; workspace {ws.root}")
    if args.arch:
        from quimbot_tui.benchmarks.train_gpu import measure

        tokenizer = args.model or str(ws.models_dir / "demo-tiny-qwen3")
        measure(args, tokenizer)
        return 0
    if not args.skip_throughput:
        model = args.model or str(ws.models_dir / "demo-tiny-qwen3")
        data = args.data or str(ws.demo_data_dir / "toefl-synth.jsonl")
        if not Path(data).is_file() or (not args.model and not Path(model).is_dir()):
            raise ValueError("no demo model or data here: run `quimbot-tui demo`, or pass both")
        print(
            f"throughput: {Path(model).name} on {Path(data).name}, {args.steps} steps of "
            f"{args.batch} sequences, best of {args.repeats}"
        )
        best: dict[str, float] = {}
        runs = {
            "plain Trainer + peft (padding)": lambda: baseline(
                model, data, args.steps, args.batch, args.max_length
            ),
            "ours, padding": lambda: ours(
                model, data, args.steps, args.batch, args.max_length, False
            ),
            "ours, packing": lambda: ours(
                model, data, args.steps, args.batch, args.max_length, True
            ),
        }
        for _ in range(args.repeats):
            for name, measure in runs.items():
                best[name] = max(best.get(name, 0.0), measure())
        base = best["plain Trainer + peft (padding)"]
        for name, value in best.items():
            print(f"  {name:<32} {value:>9,.0f} tok/s   {value / base:5.2f}x")
        ratio = best["ours, packing"] / best["ours, padding"]
        ours_ratio = best["ours, padding"] / base
        print(f"  ours / baseline (padding)        {ours_ratio:5.2f}x  (goal: at least 1.0)")
        print(f"  packing / padding (ours)         {ratio:5.2f}x")
    delays = sorted(delay(args.events, args.interval))
    if not delays:
        raise RuntimeError("the screen showed none of the events")
    p95 = delays[min(len(delays) - 1, int(0.95 * len(delays)))]
    print(
        f"event written -> screen repainted, {len(delays)} events {args.interval * 1000:.0f} ms "
        f"apart: median {statistics.median(delays) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"max {delays[-1] * 1000:.0f} ms (goal: under 250 ms)"
    )
    return 0
