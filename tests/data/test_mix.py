"""Mix builds: the original's algorithm, byte-identical output, the manifest, exclusions."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest

from engine.mix import build_mix, load_recipe, resolve_recipe
from engine.mix_build import MixPreflight
from engine.workspace import Workspace

STAGE1 = resolve_recipe("stage1")
MANIFEST_KEYS = {
    "name", "date", "seed", "target_ratios", "actual_counts", "total", "actual_ratios",
    "inputs", "output",
}  # fmt: skip


def read_mix(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_two_builds_are_byte_identical(mix_workspace: Workspace, tmp_path: Path) -> None:
    recipe = load_recipe(STAGE1)
    first = build_mix(mix_workspace, recipe, tmp_path / "a")
    second = build_mix(mix_workspace, recipe, tmp_path / "b")
    assert first.output.read_bytes() == second.output.read_bytes()
    assert first.manifest["sha256"] == hashlib.sha256(first.output.read_bytes()).hexdigest()
    assert first.output.name == "stage1_mix_v2.jsonl"
    assert first.manifest_path.name == "stage1_mix_v2_manifest.json"


def test_anchor_rule_counts_and_manifest(mix_workspace: Workspace, tmp_path: Path) -> None:
    result = build_mix(mix_workspace, load_recipe(STAGE1), tmp_path)
    manifest = json.loads(result.manifest_path.read_text())
    assert set(manifest) >= MANIFEST_KEYS
    # TOEFL is the anchor: 44 records -> total 220; each other source int(220 * ratio),
    # capped by what it has; Pilot gives all it has.
    assert manifest["actual_counts"] == {
        "toefl": 44, "pilot": 3, "lmsys": 88, "magpie": 55, "prosocial": 22,
    }  # fmt: skip
    assert manifest["total"] == 212
    assert manifest["actual_ratios"]["lmsys"] == round(88 / 212, 4)
    assert manifest["target_ratios"] == {
        "toefl": 0.2, "pilot": 0.05, "lmsys": 0.4, "magpie": 0.25, "prosocial": 0.1,
    }  # fmt: skip
    assert manifest["seed"] == 42 and manifest["output"] == str(result.output)
    assert manifest["shortfall"] == {"pilot": 8}  # capped: int(220 * 0.05) = 11 wanted
    assert manifest["inputs"]["toefl"][0].endswith("toefl.jsonl")
    lines = read_mix(result.output)
    assert len(lines) == 212
    assert all(list(line) == ["messages"] for line in lines)
    assert all(list(m) == ["role", "content"] for line in lines for m in line["messages"])
    by_source: dict[str, int] = {}
    for line in lines:
        name = line["messages"][0]["content"].split()[0]
        by_source[name] = by_source.get(name, 0) + 1
    assert by_source == {"toefl": 40, "late": 4, "pilot": 3, "lmsys": 88, "magpie": 55,
                         "prosocial": 22}  # fmt: skip


def test_concatenation_order_and_one_seeded_shuffle(
    mix_workspace: Workspace, tmp_path: Path
) -> None:
    from engine.mix_build import select
    from store import records as store_records

    recipe = load_recipe(STAGE1)
    result = build_mix(mix_workspace, recipe, tmp_path)
    with mix_workspace.db.connect() as con:
        pools, _ = store_records.mix_pools(con, [s.from_ for s in recipe.sources])
        _, chosen = select(recipe, {s.name: p for s, p in zip(recipe.sources, pools, strict=True)})
        combined = [i for s in recipe.sources for i in chosen[s.name]]
        random.Random(42).shuffle(combined)
        expected = [
            json.dumps({"messages": [dict(m) for m in msgs]}, ensure_ascii=False)
            for batch in store_records.messages_by_ids(con, combined)
            for _, msgs in batch
        ]
    assert result.output.read_text(encoding="utf-8").splitlines() == expected


def test_shortfall_is_redistributed_when_asked(mix_workspace: Workspace, tmp_path: Path) -> None:
    recipe = load_recipe(STAGE1)
    magpie = next(s for s in recipe.sources if s.name == "magpie")
    magpie.from_ = ["pilot"]  # 3 records for a target of 55
    short = build_mix(mix_workspace, recipe, tmp_path / "short")
    assert short.manifest["actual_counts"]["magpie"] == 3
    assert short.manifest["shortfall"] == {"pilot": 8, "magpie": 52}
    assert short.manifest["total"] == 44 + 3 + 88 + 3 + 22

    recipe.redistribute_shortfall = True
    full = build_mix(mix_workspace, recipe, tmp_path / "full")
    # magpie's 52 go to lmsys and prosocial by ratio, as far as they have records (prosocial
    # has 30); the anchor and Pilot (take_all) stay as they are.
    assert full.manifest["actual_counts"] == {
        "toefl": 44, "pilot": 3, "lmsys": 132, "magpie": 3, "prosocial": 30,
    }  # fmt: skip
    assert full.manifest["total"] == 212


def test_excluded_ids_and_preflight_failures_are_left_out(
    mix_workspace: Workspace, tmp_path: Path
) -> None:
    recipe = load_recipe(STAGE1)
    result = build_mix(mix_workspace, recipe, tmp_path, preflight=MixPreflight())
    lines = read_mix(result.output)
    assert not any(line["messages"][-1]["role"] != "assistant" for line in lines)
    assert result.excluded == 4
    assert result.manifest["actual_counts"]["toefl"] == 40
    assert result.manifest["excluded"] == 4

    with mix_workspace.db.connect() as con:
        ((first_lmsys,),) = con.execute(
            "SELECT min(id) FROM records WHERE source = 'toefl'"
        ).fetchall()
    again = build_mix(mix_workspace, recipe, tmp_path / "x", exclude={first_lmsys})
    assert again.manifest["actual_counts"]["toefl"] == 43


def test_unknown_recipe_name_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="no such recipe"):
        resolve_recipe("nope")


def test_cross_source_dedup_in_a_mix(mix_workspace: Workspace, tmp_path: Path) -> None:
    recipe = load_recipe(STAGE1)
    magpie = next(s for s in recipe.sources if s.name == "magpie")
    magpie.from_ = ["pilot", "magpie"]  # pilot's 3 records feed magpie too
    within = build_mix(mix_workspace, recipe, tmp_path / "within")
    recipe.dedup = "cross-source"
    across = build_mix(mix_workspace, recipe, tmp_path / "across")
    # Pilot comes before magpie in the recipe, so across sources magpie loses those 3.
    assert within.plan[3].available == 63 and across.plan[3].available == 60
