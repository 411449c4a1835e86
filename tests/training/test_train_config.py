"""The training config: strict, documented, overridable, resolved against the workspace."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from engine.configfile import ConfigError
from engine.training.config import (
    TrainConfig,
    field_help,
    find_config,
    load_config,
    parse_override,
    resolve,
    to_toml,
)
from engine.workspace import Workspace, configs_dir


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_field_has_help() -> None:
    rows = field_help()
    assert {name for name, _, _ in rows} >= {
        "base_model", "init_adapter", "lora_rank", "lora_alpha", "lora_dropout",
        "target_modules", "learning_rate", "lr_schedule", "warmup_steps", "batch_size",
        "grad_accum", "epochs", "max_steps", "max_length", "train_on", "packing",
        "precision", "gradient_checkpointing", "eval_split", "save_every", "seed",
    }  # fmt: skip
    assert all(help_text for _, _, help_text in rows)


def test_unknown_key_is_an_error_naming_it(tmp_path: Path) -> None:
    path = write(tmp_path, 'data = "d.jsonl"\nbase_model = "m"\nlearning_rte = 1e-4\n')
    with pytest.raises(ConfigError, match="learning_rte"):
        load_config(path)


def test_overrides_are_read_as_toml_and_checked(tmp_path: Path) -> None:
    path = write(tmp_path, 'data = "d.jsonl"\nbase_model = "m"\n')
    config = load_config(path, ["max_steps=30", "packing=true", "learning_rate=2e-4", "name=x"])
    assert (config.max_steps, config.packing, config.learning_rate, config.name) == (
        30,
        True,
        2e-4,
        "x",
    )
    assert parse_override("target_modules=['q_proj']") == ("target_modules", ["q_proj"])
    with pytest.raises(ConfigError, match="max_steps"):
        load_config(path, ["max_steps=lots"])
    with pytest.raises(ConfigError, match="train_on"):
        load_config(path, ["train_on=first"])
    with pytest.raises(ConfigError, match="batch_size"):
        load_config(path, ["batch_size=0"])
    with pytest.raises(ConfigError, match="key=value"):
        load_config(path, ["max_steps"])


def test_run_names_are_validated_labels(tmp_path: Path) -> None:
    path = write(tmp_path, 'data = "d.jsonl"\nbase_model = "m"\nname = "stage1/run"\n')
    with pytest.raises(ValueError, match="not valid"):
        load_config(path)


def test_resolve_finds_workspace_paths_and_refuses_missing_ones(
    workspace: Workspace, tmp_path: Path
) -> None:
    (workspace.root / "data.jsonl").write_text("{}\n")
    (workspace.models_dir / "m").mkdir()
    path = write(tmp_path, 'data = "data.jsonl"\nbase_model = "models/m"\n')
    config = resolve(load_config(path), workspace)
    assert config.data == str((workspace.root / "data.jsonl").resolve())
    assert config.base_model == str((workspace.models_dir / "m").resolve())
    hub = resolve(load_config(path, ["base_model=Qwen/Qwen3-8B"]), workspace)
    assert hub.base_model == "Qwen/Qwen3-8B"  # a hub id stays as it is
    with pytest.raises(ConfigError, match=r"data: .*missing.jsonl does not exist"):
        resolve(load_config(path, ["data=missing.jsonl"]), workspace)
    with pytest.raises(ConfigError, match="init_adapter"):
        resolve(load_config(path, ["init_adapter=nowhere"]), workspace)


def test_a_mix_recipe_as_data_is_built_once_from_the_workspace(
    demo_workspace: Workspace, tmp_path: Path
) -> None:
    path = write(tmp_path, 'data = "mix:demo"\nbase_model = "models/demo-tiny-qwen3"\n')
    config = resolve(load_config(path), demo_workspace)
    built = Path(config.data)
    assert built.parent == (demo_workspace.root / "mixes").resolve()
    lines = built.read_text(encoding="utf-8").splitlines()
    assert lines and all(set(json.loads(line)) == {"messages"} for line in lines)
    stamp = built.stat().st_mtime_ns
    assert resolve(load_config(path), demo_workspace).data == config.data
    assert built.stat().st_mtime_ns == stamp  # an existing mix is used, not rebuilt
    with pytest.raises(ConfigError, match="no such recipe"):
        resolve(load_config(path, ["data='mix:nope'"]), demo_workspace)


def test_the_resolved_config_file_loads_back(tmp_path: Path) -> None:
    config = TrainConfig(data="/d.jsonl", base_model="m", name="n", target_modules=["all-linear"])
    text = to_toml(config, "a header\nline two")
    assert text.startswith("# a header\n# line two\n")
    again = tomllib.loads(text)
    assert TrainConfig(**again) == config


@pytest.mark.parametrize("name", [p.stem for p in sorted((configs_dir() / "train").glob("*.toml"))])
def test_shipped_configs_load_and_state_their_command(name: str) -> None:
    path = find_config(name)
    config = load_config(path)
    assert config.name == name
    header = path.read_text(encoding="utf-8").split("\n\n")[0]
    assert "quimbot-tui train start" in header
    if name.startswith("stage2"):
        assert config.init_adapter.startswith("run:") or config.init_adapter


def test_accelerate_configs_load_with_accelerate() -> None:
    from accelerate.commands.config.config_args import load_config_from_file

    paths = {p.stem: p for p in (configs_dir() / "accelerate").glob("*.yaml")}
    assert {"cpu", "single-gpu", "ddp", "fsdp"} <= set(paths)
    kinds = {name: str(load_config_from_file(str(p)).distributed_type) for name, p in paths.items()}
    assert kinds["ddp"].endswith("MULTI_GPU") and kinds["fsdp"].endswith("FSDP")
    assert load_config_from_file(str(paths["cpu"])).use_cpu
