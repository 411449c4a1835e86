"""Saving and loading a run's checkpoints: the LoRA adapter (loadable by PEFT on its own)
plus what a resume needs (optimizer, scheduler, RNG, step and data position).

A checkpoint is written into a hidden temporary folder and renamed into place, so a folder
named ``step_NNNNNN`` is always complete, even when the process is killed while saving.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from engine.runs import ADAPTER_FILES, CHECKPOINT_LABEL, RunLayout, checkpoint_label


def save(
    layout: RunLayout,
    step: int,
    *,
    accelerator: Any,
    model: Any,
    optimizer: Any,
    scheduler: Any,
    state: dict[str, Any],
) -> Path:
    """Save the checkpoint of ``step`` (every rank calls this; the main one writes)."""
    import torch

    label = checkpoint_label(step)
    final = layout.checkpoints / label
    tmp = layout.checkpoints / f".{label}.tmp"
    sharded = _is_fsdp(accelerator)
    # Under FSDP the full state dict is a collective: every rank takes part.
    state_dict = accelerator.get_state_dict(model) if sharded else None
    if accelerator.is_main_process:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        accelerator.unwrap_model(model).save_pretrained(tmp, state_dict=state_dict)
        if not sharded:  # sharded optimizer state is not gathered: FSDP resumes re-init it
            torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
        torch.save(scheduler.state_dict(), tmp / "scheduler.pt")
        torch.save({"torch": torch.get_rng_state()}, tmp / "rng.pt")
        full_state = state | {"step": step, "optimizer": not sharded}
        (tmp / "trainer_state.json").write_text(json.dumps(full_state, indent=2) + "\n")
        shutil.rmtree(final, ignore_errors=True)
        tmp.rename(final)
    accelerator.wait_for_everyone()
    return final


def publish_final(layout: RunLayout, checkpoint: Path) -> Path:
    """Copy a checkpoint's adapter to ``adapter/``, the run's final adapter."""
    tmp = layout.root / ".adapter.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    for name in (*ADAPTER_FILES, "trainer_state.json"):
        shutil.copy2(checkpoint / name, tmp / name)
    for extra in checkpoint.glob("*.md"):
        shutil.copy2(extra, tmp / extra.name)
    shutil.rmtree(layout.adapter, ignore_errors=True)
    tmp.rename(layout.adapter)
    return layout.adapter


def latest(layout: RunLayout) -> Path | None:
    """The newest complete checkpoint folder, or None."""
    if not layout.checkpoints.is_dir():
        return None
    found = []
    for folder in layout.checkpoints.iterdir():
        match = CHECKPOINT_LABEL.match(folder.name)
        if match and (folder / "trainer_state.json").is_file():
            found.append((int(match.group(1)), folder))
    return max(found)[1] if found else None


def load_state(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "trainer_state.json").read_text()))


def restore_adapter(folder: Path, model: Any) -> None:
    """Load a checkpoint's adapter weights into the PEFT model (before ``prepare``)."""
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    set_peft_model_state_dict(model, load_file(str(folder / "adapter_model.safetensors")))


def restore_optimizer(folder: Path, optimizer: Any, scheduler: Any) -> bool:
    """Load optimizer, scheduler and RNG state (after ``prepare``, so the state lands on the
    parameters' device); False when the checkpoint has no optimizer state."""
    import torch

    scheduler.load_state_dict(torch.load(folder / "scheduler.pt", weights_only=True))
    torch.set_rng_state(torch.load(folder / "rng.pt", weights_only=True)["torch"])
    if load_state(folder).get("optimizer") and (folder / "optimizer.pt").is_file():
        optimizer.load_state_dict(torch.load(folder / "optimizer.pt", weights_only=True))
        return True
    return False


def _is_fsdp(accelerator: Any) -> bool:
    return str(getattr(accelerator, "distributed_type", "")).endswith("FSDP")
