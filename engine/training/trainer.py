"""The LoRA trainer, run as its own process in a run folder:

    accelerate launch [--config_file configs/accelerate/X.yaml] -m engine.training.trainer RUN_DIR
    python -m engine.training.trainer RUN_DIR          (one process, no launcher)

It reads top to bottom: load the run's resolved config, pick up the latest checkpoint if the
run is being resumed, load the tokenizer and preflight every record, encode and batch, load
the base model and wrap it with LoRA (or the init adapter of a Stage 2 run), then the loop:
forward, loss over the trained tokens only, backward, clip, step, an event per step, evals and
checkpoints on schedule, and a stop request honoured by saving a checkpoint first. The final
adapter lands in ``adapter/``. Everything it reports goes to ``events.jsonl`` in the run folder
(it never opens the workspace database); a failure at any point ends with a ``failed`` event
that carries the reason and the traceback's tail.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import signal
import socket
import sys
import threading
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

from engine.configfile import ConfigError
from engine.preflight import summary_lines
from engine.runs import RunLayout
from engine.training import checkpoint
from engine.training.config import TrainConfig, load_config
from engine.training.events import EventWriter


class StopRequest:
    """A stop asked for by ``train stop`` (the STOP file) or by SIGTERM/SIGINT."""

    def __init__(self, layout: RunLayout, *, signals: bool) -> None:
        self.layout = layout
        self.signalled = False
        if signals and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, _frame: Any) -> None:
        self.signalled = True

    def __call__(self) -> bool:
        return self.signalled or self.layout.stop_file.exists()


def _notify(layout: RunLayout, event: str, title: str, fields: dict[str, Any]) -> None:
    """Post to the workspace's webhooks; never raises, never waits long."""
    try:
        from engine.notify import notify

        final = event != "run.started"
        notify(layout.root.parent.parent, event, title, fields, wait=final, retries=2, timeout=3.0)
    except Exception:
        pass


def _devices(accelerator: Any) -> list[str]:
    import torch

    if accelerator.device.type == "cuda":
        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return [
        f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
    ]


def _precision(config: TrainConfig) -> str:
    import torch

    if config.precision != "auto":
        return config.precision
    return "bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "fp32"


def _schedule(config: TrainConfig, total: int) -> Any:
    def factor(step: int) -> float:
        if step < config.warmup_steps:
            return (step + 1) / (config.warmup_steps + 1)
        progress = (step - config.warmup_steps) / max(1, total - config.warmup_steps)
        if config.lr_schedule == "linear":
            return max(0.0, 1.0 - progress)
        if config.lr_schedule == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
        return 1.0

    return factor


def _token_loss_sum(logits: Any, labels: Any) -> Any:
    """Summed cross-entropy of every trained token (labels shifted by one)."""
    import torch

    return torch.nn.functional.cross_entropy(
        logits[:, :-1].float().reshape(-1, logits.shape[-1]),
        labels[:, 1:].reshape(-1),
        ignore_index=-100,
        reduction="sum",
    )


def _forward_inputs(batch: dict[str, Any], device: Any) -> dict[str, Any]:
    keys = ("input_ids", "attention_mask", "position_ids")
    return {k: batch[k].to(device) for k in keys if k in batch}


def evaluate(model: Any, examples: list[Any], pad_id: int, batch_size: int, acc: Any) -> float:
    """Mean loss per trained token over the eval records."""
    import torch

    from engine.training.data import collate

    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        rank, world = acc.process_index, acc.num_processes
        for start in range(rank * batch_size, len(examples), batch_size * world):
            rows = [[i] for i in range(start, min(start + batch_size, len(examples)))]
            batch = collate(examples, rows, pad_id, packing=False)
            with acc.autocast():
                logits = model(**_forward_inputs(batch, acc.device)).logits
            labels = batch["labels"].to(acc.device)
            total += float(_token_loss_sum(logits, labels))
            count += int((labels[:, 1:] != -100).sum())
    sums = acc.reduce(torch.tensor([total, float(count)], device=acc.device), "sum")
    model.train()
    return float(sums[0] / max(1.0, float(sums[1])))


def train(run_dir: Path, *, signals: bool = False) -> int:
    """Train the run in ``run_dir``; returns the process exit code. ``signals``: SIGTERM and
    SIGINT ask for a stop (set when this is the process's main program)."""
    layout = RunLayout(Path(run_dir).resolve())
    events = EventWriter(layout.events)  # written by the main process only
    progress: dict[str, Any] = {"step": 0, "main": True}
    try:
        return _train(layout, events, progress, StopRequest(layout, signals=signals))
    except BaseException as exc:  # every failure ends in a failed event
        if isinstance(exc, SystemExit) and exc.code in (0, None):
            raise
        reason = str(exc) if isinstance(exc, ConfigError) else f"{type(exc).__name__}: {exc}"
        if isinstance(exc, KeyboardInterrupt):
            reason = "interrupted"
        print(traceback.format_exc(), file=sys.stderr, flush=True)
        if progress["main"]:
            tail = traceback.format_exc().strip().splitlines()[-15:]
            events.emit("failed", sync=True, reason=reason, step=progress["step"], traceback=tail)
            _notify(layout, "run.failed", f"Run {layout.id} failed", {"reason": reason})
        return 1


def _train(
    layout: RunLayout, events: EventWriter, progress: dict[str, Any], should_stop: StopRequest
) -> int:
    import torch
    from accelerate import Accelerator
    from accelerate.utils import set_seed
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from engine.training.data import BatchPlan, collate, prepare

    warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*")
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    launched = time.time()

    # 1. The resolved config, and the checkpoint to resume from, if any.
    config = load_config(layout.config)
    resume_from = checkpoint.latest(layout)
    precision = _precision(config)
    accelerator = Accelerator(mixed_precision="no" if precision == "fp32" else precision)
    main = accelerator.is_main_process
    progress["main"] = main
    emit = events.emit if main else (lambda *a, **k: {})
    set_seed(config.seed)

    def say(text: str) -> None:
        if main:
            print(text, flush=True)

    say(f"run {layout.id}: {config.base_model} on {config.data}")

    # 2. Tokenizer, preflight and the encoded records.
    tokenizer = AutoTokenizer.from_pretrained(config.base_model)
    pad_id = tokenizer.pad_token_id
    if pad_id is None:
        pad_id = tokenizer.eos_token_id
    say("preflight: checking every record through the chat template")
    data = prepare(
        tokenizer,
        Path(config.data),
        eval_data=Path(config.eval_data) if config.eval_data else None,
        eval_split=config.eval_split,
        max_length=config.max_length,
        train_on=config.train_on,
        seed=config.seed,
    )
    lines = summary_lines(data.report, limit=10)
    for line in lines:
        say(line)
    if main:
        layout.preflight.write_text(
            json.dumps(
                {
                    "checked": data.report.checked,
                    "counts": data.report.counts(),
                    "max_tokens": data.report.max_tokens,
                    "findings": [
                        {"record": str(f.key), "kind": f.kind, "detail": f.detail}
                        for f in data.report.findings
                    ],
                },
                indent=1,
            )
            + "\n"
        )
    emit(
        "preflight",
        checked=data.report.checked,
        excluded=len(data.report.failing),
        counts=data.report.counts(),
        max_tokens=data.report.max_tokens,
        examples=[f"{f.key}: {f.kind}: {f.detail}" for f in data.report.findings[:5]],
    )
    if data.report.failing and config.bad_records == "fail":
        raise ConfigError(
            f"preflight: {len(data.report.failing)} record(s) cannot train as intended "
            f"({', '.join(f'{k} {n}' for k, n in sorted(data.report.counts().items()))}); "
            'see preflight.json, fix the data, or set bad_records = "skip"'
        )
    world = accelerator.num_processes
    plan = BatchPlan(
        [e.length for e in data.train],
        batch_size=config.batch_size,
        packing=config.packing,
        capacity=config.max_length,
        seed=config.seed,
    )
    per_step = config.grad_accum * world
    steps_per_epoch = max(1, plan.per_epoch // per_step)
    total = config.max_steps or steps_per_epoch * config.epochs

    # 3. The model: the base, frozen, with LoRA weights to train.
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision, torch.float32)
    say(f"loading {config.base_model} ({precision})")
    model: Any = AutoModelForCausalLM.from_pretrained(config.base_model, dtype=dtype)
    if config.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    if config.init_adapter:
        model = PeftModel.from_pretrained(model, config.init_adapter, is_trainable=True)
    else:
        target: Any = config.target_modules
        if target == ["all-linear"]:
            target = "all-linear"
        lora = LoraConfig(
            r=config.lora_rank,
            lora_alpha=config.lora_alpha,
            lora_dropout=config.lora_dropout,
            target_modules=target,
            task_type="CAUSAL_LM",
        )
        model = get_peft_model(model, lora)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    params = sum(p.numel() for p in model.parameters())
    trainable_params = [p for p in model.parameters() if p.requires_grad]
    optimizer = _adamw(trainable_params, config.learning_rate, config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _schedule(config, total))
    start_step, state = 0, {}
    if resume_from is not None:
        state = checkpoint.load_state(resume_from)
        start_step = int(state["step"])
        checkpoint.restore_adapter(resume_from, model)
    # The scheduler is not prepared: accelerate would step it once per process.
    model, optimizer = accelerator.prepare(model, optimizer)
    optimizer_restored = False
    if resume_from is not None:
        optimizer_restored = checkpoint.restore_optimizer(resume_from, optimizer, scheduler)
    model.train()

    emit(
        "started",
        sync=True,
        config=config.as_dict(),
        world_size=world,
        devices=_devices(accelerator),
        precision=precision,
        start_step=start_step,
        total_steps=total,
        resumed_from=str(resume_from) if resume_from else None,
        optimizer_restored=optimizer_restored,
        train_records=len(data.train),
        eval_records=len(data.eval),
        train_tokens=data.train_tokens,
        micro_batches_per_epoch=plan.per_epoch,
        trainable_params=trainable,
        params=params,
        pid=os.getpid(),
        pid_started=_process_start(),
        host=socket.gethostname(),
        python=sys.version.split()[0],
        torch=torch.__version__,
    )
    if main:
        _notify(
            layout,
            "run.started",
            f"Run {layout.id} started",
            {
                "base": config.base_model,
                "steps": f"{start_step}/{total}",
                "records": len(data.train),
            },
        )
    say(
        f"training {trainable:,} of {params:,} parameters on {len(data.train):,} records: "
        f"steps {start_step + 1}..{total}, world size {world}"
    )

    # 4. The loop.
    def save(step: int) -> Path:
        folder = checkpoint.save(
            layout,
            step,
            accelerator=accelerator,
            model=model,
            optimizer=optimizer,
            scheduler=scheduler,
            state={
                "epoch": epoch,
                "seq": events.seq,
                "tokens_seen": tokens_seen,
                "base_model": config.base_model,
                "time": time.time(),
            },
        )
        emit("checkpoint", step=step, path=str(folder), label=folder.name)
        say(f"checkpoint {folder.name}")
        return folder

    def evaluate_now(step: int) -> float:
        loss = evaluate(model, data.eval, pad_id, config.batch_size, accelerator)
        emit("eval", step=step, eval_loss=loss)
        say(f"eval at step {step}: loss {loss:.4f}")
        return loss

    micro = plan.micro_batches(start_step * per_step)
    tokens_seen = int(state.get("tokens_seen", 0))
    epoch = float(state.get("epoch", 0.0))
    session_start, session_steps = time.perf_counter(), 0
    last_saved = start_step if resume_from is not None else -1
    step = progress["step"] = start_step
    stopped = _stop_agreed(should_stop, accelerator)
    if data.eval and start_step == 0 and not stopped:
        evaluate_now(0)  # the base's eval loss: where the curve starts
    while step < total and not stopped:
        t0 = time.perf_counter()
        batches = [next(micro) for _ in range(per_step)]
        mine = batches[accelerator.process_index :: world]
        epoch = batches[-1][0]
        collated = [collate(data.train, b, pad_id, packing=config.packing) for _, b in mine]
        trained = sum(int((c["labels"][:, 1:] != -100).sum()) for c in collated)
        real = sum(c["real_tokens"] for c in collated)
        counts = torch.tensor([float(trained), float(real)], device=accelerator.device)
        if world > 1:
            counts = accelerator.reduce(counts, "sum")
        n_trained = max(1.0, float(counts[0]))
        loss_sum = torch.zeros((), device=accelerator.device)
        for i, batch in enumerate(collated):
            sync = i == len(collated) - 1 or world == 1
            ctx = contextlib.nullcontext() if sync else accelerator.no_sync(model)
            with ctx, accelerator.autocast():
                logits = model(**_forward_inputs(batch, accelerator.device)).logits
                # DDP averages gradients over ranks: scale so the step's loss is the mean over
                # every trained token of every rank.
                loss = _token_loss_sum(logits, batch["labels"].to(accelerator.device))
                loss = loss * world / n_trained
            accelerator.backward(loss)
            loss_sum += loss.detach() / world
        if config.max_grad_norm > 0:
            grad_norm = accelerator.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        else:
            grads = [p.grad.norm() for p in model.parameters() if p.grad is not None]
            grad_norm = torch.norm(torch.stack(grads)) if grads else torch.zeros(())
        lr = scheduler.get_last_lr()[0]
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        if world > 1:
            loss_sum = accelerator.reduce(loss_sum, "sum")
        step += 1
        session_steps += 1
        progress["step"] = step
        tokens_seen += int(counts[1])
        seconds = time.perf_counter() - t0
        elapsed = time.perf_counter() - session_start
        eta = elapsed / session_steps * (total - step)
        loss_value = float(loss_sum)
        emit(
            "step",
            step=step,
            total=total,
            loss=round(loss_value, 6),
            lr=lr,
            grad_norm=round(float(grad_norm), 6),
            tokens=int(counts[1]),
            tokens_per_s=round(float(counts[1]) / max(seconds, 1e-9), 1),
            epoch=round(epoch, 4),
            elapsed=round(elapsed, 3),
            eta_s=round(eta, 1),
        )
        say(
            f"step {step}/{total} loss {loss_value:.4f} lr {lr:.2e} "
            f"grad_norm {float(grad_norm):.3f} {float(counts[1]) / max(seconds, 1e-9):,.0f} tok/s"
        )
        if not math.isfinite(loss_value):
            raise FloatingPointError(f"the loss became {loss_value} at step {step}")
        if data.eval and config.eval_every and step % config.eval_every == 0 and step < total:
            evaluate_now(step)
        if config.save_every and step % config.save_every == 0 and step < total:
            save(step)
            last_saved = step
        stopped = _stop_agreed(should_stop, accelerator)

    # 5. The end: a stop saves a checkpoint to resume from; a finished run evaluates, saves
    # and publishes its final adapter.
    if stopped:
        folder = save(step) if step > last_saved and step > 0 else checkpoint.latest(layout)
        if main:
            layout.stop_file.unlink(missing_ok=True)
        emit(
            "finished",
            sync=True,
            stopped=True,
            step=step,
            total=total,
            reason="stopped on request",
            checkpoint=str(folder) if folder else None,
        )
        say(f"stopped at step {step}; resume with: quimbot-tui train resume {layout.id}")
        return 0
    eval_loss = evaluate_now(step) if data.eval else None
    folder = save(step) if step > last_saved else checkpoint.latest(layout)
    adapter = checkpoint.publish_final(layout, folder) if main and folder else None
    accelerator.wait_for_everyone()
    emit(
        "finished",
        sync=True,
        stopped=False,
        step=step,
        total=total,
        reason="completed",
        adapter=str(adapter) if adapter else None,
        eval_loss=eval_loss,
        seconds=round(time.time() - launched, 1),
    )
    if main:
        _notify(
            layout,
            "run.finished",
            f"Run {layout.id} finished",
            {"steps": step, "eval loss": eval_loss, "adapter": str(adapter)},
        )
    say(f"finished: {step} steps; adapter in {adapter}")
    accelerator.end_training()
    return 0


def _adamw(params: list[Any], lr: float, weight_decay: float) -> Any:
    """AdamW with the fused kernel where the device has one (CPU and CUDA do: one kernel per
    step instead of a loop over parameters, as transformers' Trainer uses by default)."""
    import torch

    try:
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay, fused=True)
    except (RuntimeError, ValueError):
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)


def _stop_agreed(should_stop: StopRequest, accelerator: Any) -> bool:
    """Every rank stops at the same step: the main process decides for all."""
    import torch

    local = should_stop() if accelerator.is_main_process else False
    if accelerator.num_processes == 1:
        return local
    flag = torch.tensor([1.0 if local else 0.0], device=accelerator.device)
    return bool(accelerator.reduce(flag, "max").item() > 0)


def _process_start() -> float | None:
    try:
        import psutil

        return float(psutil.Process().create_time())
    except Exception:
        return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m engine.training.trainer RUN_DIR", file=sys.stderr)
        return 2
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return train(Path(args[0]), signals=True)


if __name__ == "__main__":
    sys.exit(main())
