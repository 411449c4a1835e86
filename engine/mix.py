"""Mix recipes: which sources, in which ratios, make a training mix."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from engine.configfile import ConfigError, build, read_toml
from engine.workspace import configs_dir


@dataclass
class MixSource:
    """One source of a mix."""

    name: str
    """Name of the source in the mix and its manifest."""
    ratio: float
    """Target share of the mix, 0-1."""
    from_: list[str] = field(default_factory=list)
    """Workspace sources (as imported) that feed it; defaults to ``[name]``."""
    take_all: bool = False
    """Use every record instead of a target count (the original's Pilot rule)."""


@dataclass
class Recipe:
    """A mix recipe (``configs/mixes/*.toml``)."""

    name: str
    sources: list[MixSource]
    description: str = ""
    seed: int = 42
    anchor: str | None = None
    """Source whose full size fixes the total: total = n_anchor / ratio_anchor."""
    total: int | None = None
    """Total size when there is no anchor."""
    oversample: float = 2.0
    """Draw this many times the target before dedup, then truncate."""
    dedup: Literal["source", "cross-source", "first-user-md5"] = "source"
    redistribute_shortfall: bool = False
    """Give the records a short source cannot supply to the others, by ratio."""
    path: Path | None = None

    def validate(self, where: str) -> None:
        names = [s.name for s in self.sources]
        if len(set(names)) != len(names):
            raise ConfigError(f"{where}: duplicate source names")
        total_ratio = sum(s.ratio for s in self.sources)
        if abs(total_ratio - 1.0) > 1e-6:
            raise ConfigError(f"{where}: ratios add up to {total_ratio:g}, not 1")
        if self.anchor is not None and self.anchor not in names:
            raise ConfigError(f"{where}: anchor {self.anchor!r} is not one of the sources")
        if self.anchor is None and not self.total:
            raise ConfigError(f"{where}: a recipe needs an anchor or a total")
        for s in self.sources:
            if not 0 < s.ratio <= 1:
                raise ConfigError(f"{where}: source {s.name!r} has ratio {s.ratio}")


def load_recipe(path: Path) -> Recipe:
    data = read_toml(path)
    sources = data.get("sources", [])
    for s in sources:
        if isinstance(s, dict) and "from" in s:
            s["from_"] = s.pop("from")
    recipe = build(Recipe, data, str(path))
    for s in recipe.sources:
        if not s.from_:
            s.from_ = [s.name]
    recipe.path = Path(path)
    recipe.validate(str(path))
    return recipe


def list_recipes(folder: Path | None = None) -> list[Path]:
    return sorted((folder or configs_dir() / "mixes").glob("*.toml"))


@dataclass(frozen=True)
class PlanRow:
    """How many records a source is asked for and can give."""

    source: str
    ratio: float
    available: int
    target: int
    planned: int

    @property
    def shortfall(self) -> int:
        return max(0, self.target - self.available)


def plan(recipe: Recipe, available: dict[str, int]) -> list[PlanRow]:
    """Target and planned counts per source, given the records available to each.

    The anchor contributes everything it has and fixes the total (``n_anchor / ratio``);
    ``take_all`` sources contribute everything they have (their target, ``int(total * ratio)``,
    only shows how far short they are, as the original's "capped" message did); the others
    get ``int(total * ratio)``, capped by what they have. With ``redistribute_shortfall`` the
    records short sources cannot give are asked of the others, in proportion to their ratios,
    as far as they have spare.
    """
    have = {s.name: available.get(s.name, 0) for s in recipe.sources}
    if recipe.anchor is not None:
        anchor = next(s for s in recipe.sources if s.name == recipe.anchor)
        total = int(have[anchor.name] / anchor.ratio)
    else:
        total = int(recipe.total or 0)
    targets: dict[str, int] = {}
    for s in recipe.sources:
        if s.name == recipe.anchor:
            targets[s.name] = have[s.name]
        else:
            targets[s.name] = int(total * s.ratio)
    planned = {name: min(targets[name], have[name]) for name in targets}
    for s in recipe.sources:
        if s.take_all:  # everything it has, even beyond its target (the original's Pilot)
            planned[s.name] = have[s.name]
    if recipe.redistribute_shortfall:
        fixed = {recipe.anchor} | {s.name for s in recipe.sources if s.take_all}
        missing = sum(targets[n] - planned[n] for n in targets if n not in fixed)
        while missing > 0:
            open_ = [
                s for s in recipe.sources if s.name not in fixed and planned[s.name] < have[s.name]
            ]
            if not open_:
                break
            weight = sum(s.ratio for s in open_)
            given = 0
            for s in open_:
                share = max(1, int(missing * s.ratio / weight))
                extra = min(share, have[s.name] - planned[s.name], missing - given)
                planned[s.name] += extra
                given += extra
                if given >= missing:
                    break
            if given == 0:
                break
            missing -= given
    return [
        PlanRow(s.name, s.ratio, have[s.name], targets[s.name], planned[s.name])
        for s in recipe.sources
    ]


def build_mix(ws: Any, recipe: Recipe, out_dir: Path | None = None, **options: Any) -> Any:
    """Build ``recipe`` into ``out_dir``; see :func:`engine.mix_build.build_mix`."""
    from engine.mix_build import build_mix as build

    return build(ws, recipe, out_dir, **options)


def resolve_recipe(name_or_path: str | Path, folder: Path | None = None) -> Path:
    """A recipe file from a path, or a name in ``configs/mixes`` (``stage1``, ``demo``)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    for candidate in list_recipes(folder):
        if candidate.stem == str(name_or_path):
            return candidate
    known = ", ".join(p.stem for p in list_recipes(folder))
    raise ConfigError(f"{name_or_path}: no such recipe file or name; known: {known}")
