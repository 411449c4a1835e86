"""The training config: one strict TOML file per stage or variant, each field documented.

``configs/train/*.toml`` hold flat ``key = value`` tables; unknown keys are errors, and
``--set key=value`` overrides go through the same checks. ``resolve`` turns workspace-relative
paths and ``run:ID[:STEP]`` adapters into absolute paths; the resolved config is what a run
saves as ``runs/<id>/config.toml`` (which can itself be started again).
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from engine.configfile import ConfigError, build, read_toml
from engine.workspace import Workspace, configs_dir

ALL_LINEAR = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def _f(default: Any, help: str) -> Any:
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass
class TrainConfig:
    """A LoRA training run. Every field's help is printed by ``quimbot-tui train fields``."""

    data: str = field(
        metadata={
            "help": 'JSONL of {"messages": [...]} records, workspace-relative or absolute, '
            "or mix:RECIPE (that recipe's mix in mixes/, built first if missing)"
        }
    )
    base_model: str = _f(
        "",
        "base model: a local folder (workspace-relative or absolute) or a hub id; "
        "default: the base of init_adapter",
    )
    name: str = _f("", "run name prefix (default: the config file's name)")
    init_adapter: str = _f(
        "",
        "start from this LoRA adapter (Stage 2 from Stage 1): a folder, or run:ID[:STEP]; "
        "its rank, alpha and target modules are used",
    )
    eval_data: str = _f("", "JSONL of held-out records for the eval loss (optional)")
    eval_split: float = _f(0.0, "fraction of `data` held out for eval when eval_data is empty")
    eval_every: int = _f(0, "evaluate every N steps (0: only at the end)")
    train_on: Literal["last", "all"] = _f(
        "last", "which assistant turns carry loss: the last one (the original's rule) or all"
    )
    max_length: int = _f(2048, "maximum tokens per record through the chat template")
    bad_records: Literal["skip", "fail"] = _f(
        "skip",
        "what preflight does with records that cannot train as intended (over max_length, "
        "last turn not the assistant's, ...): skip and list them, or fail the run",
    )
    packing: bool = _f(False, "pack several records into each max_length sequence")
    lora_rank: int = _f(16, "LoRA rank r")
    lora_alpha: int = _f(32, "LoRA alpha (scale = alpha / r)")
    lora_dropout: float = _f(0.05, "dropout on the LoRA path")
    target_modules: list[str] = _f(  # noqa: RUF009 (a field() with its help)
        list(ALL_LINEAR), 'modules that get LoRA weights; ["all-linear"] for every linear layer'
    )
    learning_rate: float = _f(1e-4, "peak learning rate (AdamW)")
    lr_schedule: Literal["constant", "linear", "cosine"] = _f(
        "cosine", "learning-rate schedule after warm-up"
    )
    warmup_steps: int = _f(0, "linear warm-up steps")
    weight_decay: float = _f(0.0, "AdamW weight decay")
    max_grad_norm: float = _f(1.0, "gradient clipping norm (0: no clipping)")
    batch_size: int = _f(4, "sequences per device per micro-batch")
    grad_accum: int = _f(1, "micro-batches accumulated per optimiser step")
    epochs: int = _f(1, "passes over the data (when max_steps is 0)")
    max_steps: int = _f(0, "optimiser steps to run (0: as many as `epochs` takes)")
    precision: Literal["auto", "fp32", "bf16", "fp16"] = _f(
        "auto", "weights and compute: auto is bf16 on a GPU that supports it, else fp32"
    )
    gradient_checkpointing: bool = _f(False, "recompute activations to save memory")
    save_every: int = _f(0, "save a checkpoint every N steps (0: only the final adapter)")
    seed: int = _f(42, "seed for LoRA init, the eval split and the data order")
    accelerate_config: str = _f(
        "",
        "accelerate config: a name in configs/accelerate/ or a path; empty for one process "
        "on this machine's GPU or CPU",
    )

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def field_help() -> list[tuple[str, str, str]]:
    """(name, default, help) for every field."""
    rows = []
    for f in dataclasses.fields(TrainConfig):
        if f.default is not dataclasses.MISSING:
            default = json.dumps(f.default)
        elif f.default_factory is not dataclasses.MISSING:
            default = json.dumps(f.default_factory())
        else:
            default = "(required)"
        rows.append((f.name, default, f.metadata.get("help", "")))
    return rows


def find_config(name_or_path: str) -> Path:
    """A config path, or a name in ``configs/train/`` (``demo`` for configs/train/demo.toml)."""
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path.resolve()
    named = configs_dir() / "train" / f"{name_or_path.removesuffix('.toml')}.toml"
    if named.is_file():
        return named
    known = ", ".join(sorted(p.stem for p in (configs_dir() / "train").glob("*.toml")))
    raise ConfigError(f"{name_or_path}: no such config file or name (known: {known})")


def parse_override(text: str) -> tuple[str, Any]:
    """``key=value`` with the value read as TOML (``lr=2e-4``, ``packing=true``, a bare word
    is a string)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f"--set {text!r}: expected key=value")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key, value


def load_config(path: Path, overrides: list[str] | tuple[str, ...] = ()) -> TrainConfig:
    data = read_toml(path)
    for text in overrides:
        key, value = parse_override(text)
        data[key] = value
    config = build(TrainConfig, data, str(path))
    if not config.name:
        config.name = Path(path).stem
    validate(config)
    return config


def validate(config: TrainConfig) -> None:
    """Value checks beyond types."""
    positive = ("lora_rank", "lora_alpha", "batch_size", "grad_accum", "max_length", "epochs")
    for name in positive:
        if getattr(config, name) < 1:
            raise ConfigError(f"{name} must be at least 1, not {getattr(config, name)}")
    for name in ("max_steps", "warmup_steps", "save_every", "eval_every"):
        if getattr(config, name) < 0:
            raise ConfigError(f"{name} must not be negative")
    if not 0.0 <= config.eval_split < 1.0:
        raise ConfigError(f"eval_split must be in [0, 1), not {config.eval_split}")
    if not 0.0 <= config.lora_dropout < 1.0:
        raise ConfigError(f"lora_dropout must be in [0, 1), not {config.lora_dropout}")
    if config.learning_rate <= 0:
        raise ConfigError("learning_rate must be positive")
    if not config.base_model and not config.init_adapter:
        raise ConfigError("base_model is required (or an init_adapter whose base is used)")
    if not config.target_modules:
        raise ConfigError("target_modules must name at least one module")
    from engine.training.layout import check_label

    check_label(config.name, "run name")


def _workspace_path(ws: Workspace, text: str) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else ws.root / path


def resolve(config: TrainConfig, ws: Workspace) -> TrainConfig:
    """Absolute paths for data, models and adapters; ``run:ID[:STEP]`` adapters located.

    Raises ConfigError for a data file, model folder or adapter that does not exist, so a
    run is never started only to fail on its first line.
    """
    out = dataclasses.replace(config, target_modules=list(config.target_modules))
    out.data = str(_data_file(ws, config.data, "data"))
    if config.eval_data:
        out.eval_data = str(_data_file(ws, config.eval_data, "eval_data"))
    if config.init_adapter:
        adapter, adapter_base = _resolve_adapter(ws, config.init_adapter)
        out.init_adapter = str(adapter)
        if not config.base_model and adapter_base:
            out.base_model = adapter_base
    if not out.base_model:
        raise ConfigError("base_model: the init adapter does not name its base; set base_model")
    local = _workspace_path(ws, out.base_model)
    if local.exists() or out.base_model.startswith((".", "/", "~")):
        out.base_model = str(_existing(local, "base_model"))
    if config.accelerate_config:
        out.accelerate_config = str(find_accelerate_config(config.accelerate_config))
    return out


def _data_file(ws: Workspace, text: str, what: str) -> Path:
    """A JSONL path, or ``mix:RECIPE``: the recipe's mix in ``<workspace>/mixes/``, built
    from the workspace's records first if it is not there yet (``quimbot-tui mix build``
    builds it again after the records change)."""
    if not text.startswith("mix:"):
        return _existing(_workspace_path(ws, text), what)
    from engine.mix import build_mix, load_recipe, resolve_recipe

    recipe = load_recipe(resolve_recipe(text.removeprefix("mix:")))
    built = ws.root / "mixes" / f"{recipe.name}.jsonl"
    if not built.is_file():
        try:
            built = build_mix(ws, recipe).output
        except ValueError as exc:
            raise ConfigError(f"{what}: {text}: the mix cannot be built: {exc}") from exc
    return built.resolve()


def _existing(path: Path, what: str) -> Path:
    if not path.exists():
        raise ConfigError(f"{what}: {path} does not exist")
    return path.resolve()


def _resolve_adapter(ws: Workspace, spec: str) -> tuple[Path, str | None]:
    if spec.startswith("run:"):
        from engine.runs import resolve_checkpoint

        run_id, _, step = spec.removeprefix("run:").partition(":")
        checkpoint = resolve_checkpoint(ws, run_id, int(step) if step else None)
        return checkpoint.adapter, checkpoint.base_model
    path = _existing(_workspace_path(ws, spec), "init_adapter")
    if not (path / "adapter_config.json").is_file():
        raise ConfigError(f"init_adapter: {path} is not a LoRA adapter (no adapter_config.json)")
    try:
        meta = json.loads((path / "adapter_config.json").read_text(encoding="utf-8"))
        base = meta.get("base_model_name_or_path")
    except json.JSONDecodeError:
        base = None
    return path, base


def find_accelerate_config(name_or_path: str) -> Path:
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path.resolve()
    folder = configs_dir() / "accelerate"
    for candidate in (folder / name_or_path, folder / f"{name_or_path}.yaml"):
        if candidate.is_file():
            return candidate
    known = ", ".join(sorted(p.stem for p in folder.glob("*.yaml")))
    raise ConfigError(f"accelerate_config: {name_or_path}: not found (known: {known})")


def to_toml(config: TrainConfig, header: str = "") -> str:
    """The config as a TOML file (flat keys, the same format as configs/train/)."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    if lines:
        lines.append("")
    for key, value in config.as_dict().items():
        lines.append(f"{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
