"""Mix: recipes, the records each source can give, the planned counts, and builds."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Input, Label, ListItem, ListView, ProgressBar, Static

from engine.mix import PlanRow, Recipe, list_recipes, load_recipe, plan
from quimbot_tui.screens.base import WorkbenchScreen

BUILD_JOB = "mix-build"


def normalised(recipe: Recipe) -> Recipe:
    """A copy whose ratios add up to 1 (edited ratios are kept relative to each other)."""
    out = copy.deepcopy(recipe)
    total = sum(s.ratio for s in out.sources) or 1.0
    for s in out.sources:
        s.ratio = s.ratio / total
    return out


class MixScreen(WorkbenchScreen):
    MODE = "mix"
    CSS_PATH = "mix.tcss"
    HELP = (
        "Mix recipes from configs/mixes: the target ratio of each source, the records the "
        "workspace holds for it, and the counts a build takes (the anchor's records fix the "
        "total; a source short of its target shows its shortfall, which d gives to the other "
        "sources). e edits the highlighted source's ratio for this session, x leaves out "
        "records that fail preflight, b builds the mix in the background (JSONL plus "
        "manifest in the workspace's mixes/ folder) and m shows the last build's manifest."
    )
    BINDINGS = [
        Binding("b", "build", "Build"),
        Binding("e", "edit_ratio", "Edit ratio"),
        Binding("d", "toggle_redistribute", "Redistribute"),
        Binding("x", "toggle_exclude", "Exclude failing"),
        Binding("m", "manifest", "Manifest"),
        Binding("r", "reload", "Reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.recipes: list[Recipe] = []
        self.counts: dict[str, int] = {}
        self.recipe: Recipe | None = None
        self.exclude_failing = False

    def compose_body(self) -> Iterable:
        with Horizontal(id="mix-body"):
            with Vertical(id="recipes-pane"):
                yield Label("Recipes", classes="panel-title")
                yield ListView(id="recipes")
            with Vertical(id="recipe-pane"):
                yield Label("", id="recipe-title", classes="panel-title")
                yield Static("", id="recipe-about", classes="muted")
                yield DataTable(id="plan", cursor_type="row")
                yield Input(placeholder="ratio, e.g. 0.25 (Enter)", id="ratio-input")
                yield Static("", id="plan-summary")
                with Horizontal(id="build-row"):
                    yield Label("", id="build-label")
                    yield ProgressBar(total=100, id="build-progress", show_eta=False)
                with VerticalScroll(id="manifest-pane"):
                    yield Static("", id="manifest")

    def on_mount(self) -> None:
        self.query_one("#plan", DataTable).add_columns(
            "source", "from", "ratio", "available", "target", "planned", "share"
        )
        self.query_one("#ratio-input", Input).display = False
        self.query_one("#build-row").display = False
        super().on_mount()
        self.query_one("#recipes", ListView).focus()

    def reload(self) -> None:
        self.load_recipes()

    @work(thread=True, exclusive=True, group="mix-load", exit_on_error=False)
    def load_recipes(self) -> None:
        from store import records as store_records

        recipes, errors = [], []
        for path in list_recipes():
            try:
                recipes.append(load_recipe(path))
            except ValueError as exc:
                errors.append(str(exc))
        with self.workspace.db.connect() as con:
            counts = store_records.source_counts(con)
        self.app.call_from_thread(self._show_recipes, recipes, errors, counts)

    def _show_recipes(
        self, recipes: list[Recipe], errors: list[str], counts: dict[str, int]
    ) -> None:
        keep = self.recipe.name if self.recipe is not None else None
        self.recipes, self.counts = recipes, counts
        view = self.query_one("#recipes", ListView)
        view.clear()
        for recipe in recipes:
            view.append(ListItem(Label(recipe.name)))
        for error in errors:
            self.notify(error, title="Recipe not loaded", severity="warning")
        if recipes:
            index = next((i for i, r in enumerate(recipes) if r.name == keep), 0)
            view.index = index
            self._select(recipes[index])

    @on(ListView.Highlighted, "#recipes")
    def _recipe_highlighted(self, event: ListView.Highlighted) -> None:
        view = event.list_view
        if view.index is not None and view.index < len(self.recipes):
            chosen = self.recipes[view.index]
            if self.recipe is None or chosen.name != self.recipe.name:
                self._select(chosen)

    def _select(self, recipe: Recipe) -> None:
        self.recipe = copy.deepcopy(recipe)
        self.query_one("#manifest", Static).update("")
        self._show_recipe()

    def available(self) -> dict[str, int]:
        assert self.recipe is not None
        return {s.name: sum(self.counts.get(f, 0) for f in s.from_) for s in self.recipe.sources}

    def _show_recipe(self) -> None:
        recipe = self.recipe
        if recipe is None:
            return
        self.query_one("#recipe-title", Label).update(recipe.name)
        about = recipe.description
        if recipe.path is not None:
            about += f"\n{Path(recipe.path).name} · seed {recipe.seed} · anchor {recipe.anchor}"
            about += f" · oversample {recipe.oversample:g}x · dedup {recipe.dedup}"
        about += "\nshortfall: " + ("redistributed" if recipe.redistribute_shortfall else "kept")
        about += " (d) · preflight failures: "
        about += "left out" if self.exclude_failing else "kept"
        about += " (x)"
        self.query_one("#recipe-about", Static).update(about)
        self._show_plan(recipe, plan(normalised(recipe), self.available()))

    def _show_plan(self, recipe: Recipe, rows: list[PlanRow]) -> None:
        table = self.query_one("#plan", DataTable)
        cursor = table.cursor_row
        table.clear()
        total = sum(r.planned for r in rows)
        sources = {s.name: s for s in recipe.sources}
        for r in rows:
            short = f" (short {r.shortfall:,})" if r.shortfall else ""
            anchor = " (anchor)" if r.source == recipe.anchor else ""
            anchor = " (all)" if sources[r.source].take_all else anchor
            table.add_row(
                r.source + anchor,
                ", ".join(sources[r.source].from_),
                f"{sources[r.source].ratio:.3g}",
                f"{r.available:,}",
                Text(f"{r.target:,}{short}", style="bold yellow" if short else ""),
                f"{r.planned:,}",
                f"{r.planned / (total or 1):.1%}",
            )
        table.move_cursor(row=min(cursor, len(rows) - 1))
        summary = Text(f"Planned mix: {total:,} records")
        ratio_sum = sum(s.ratio for s in recipe.sources)
        if abs(ratio_sum - 1) > 1e-6:
            summary.append(f" · ratios add up to {ratio_sum:.3g}: built relative to each other")
        shortfalls = [r for r in rows if r.shortfall]
        if all(r.available == 0 for r in rows):
            summary.append(" · the workspace has no records for these sources yet", "yellow")
        elif shortfalls:
            listed = ", ".join(f"{r.source} {r.shortfall:,}" for r in shortfalls)
            summary.append(f"\nShort of target: {listed}", "bold yellow")
            if not recipe.redistribute_shortfall:
                summary.append(" (d gives it to the other sources)", "yellow")
        self.query_one("#plan-summary", Static).update(summary)

    # -- editing -------------------------------------------------------------------------
    def action_edit_ratio(self) -> None:
        if self.recipe is None:
            return
        table = self.query_one("#plan", DataTable)
        source = self.recipe.sources[table.cursor_row]
        field = self.query_one("#ratio-input", Input)
        field.display = True
        field.border_title = f"ratio of {source.name}"
        field.value = f"{source.ratio:g}"
        field.focus()

    @on(Input.Submitted, "#ratio-input")
    def _ratio_entered(self, event: Input.Submitted) -> None:
        assert self.recipe is not None
        table = self.query_one("#plan", DataTable)
        try:
            value = float(event.value)
            if not 0 < value <= 1:
                raise ValueError
        except ValueError:
            self.notify("A ratio is a number above 0 and at most 1.", severity="warning")
            return
        self.recipe.sources[table.cursor_row].ratio = value
        event.input.display = False
        table.focus()
        self._show_recipe()

    def action_toggle_redistribute(self) -> None:
        if self.recipe is not None:
            self.recipe.redistribute_shortfall = not self.recipe.redistribute_shortfall
            self._show_recipe()

    def action_toggle_exclude(self) -> None:
        self.exclude_failing = not self.exclude_failing
        self._show_recipe()

    # -- building ------------------------------------------------------------------------
    def action_build(self) -> None:
        if self.recipe is None:
            return
        if self.quimbot.jobs.running(BUILD_JOB):
            self.notify("A mix is being built already.")
            return
        self.query_one("#build-row").display = True
        self.query_one("#build-label", Label).update(f"Building {self.recipe.name}…")
        self.quimbot.jobs.update(BUILD_JOB, title=f"Building mix {self.recipe.name}", done=0,
                                 total=1, message="starting")  # fmt: skip
        self._build(normalised(self.recipe), self.exclude_failing)

    @work(thread=True, exclusive=True, group="mix-build", exit_on_error=False)
    def _build(self, recipe: Recipe, exclude_failing: bool) -> None:
        from engine.mix import build_mix
        from engine.mix_build import MixPreflight

        def progress(stage: str, done: float, total: float, message: str) -> None:
            self.app.call_from_thread(self._progress, stage, done, total, message)

        try:
            result = build_mix(
                self.workspace,
                recipe,
                preflight=MixPreflight() if exclude_failing else None,
                on_progress=progress,
            )
        except Exception as exc:
            self.app.call_from_thread(self._build_failed, str(exc))
            raise
        self.app.call_from_thread(self._built, result)

    def _progress(self, stage: str, done: float, total: float, message: str) -> None:
        self.quimbot.jobs.update(BUILD_JOB, done=done, total=total, message=f"{stage}: {message}")
        self.query_one("#build-progress", ProgressBar).update(total=total or None, progress=done)
        self.query_one("#build-label", Label).update(f"{stage}: {message}")

    def _build_failed(self, error: str) -> None:
        self.quimbot.jobs.finish(BUILD_JOB, error)
        self.query_one("#build-label", Label).update(Text(f"Build failed: {error}", "bold red"))

    def _built(self, result: Any) -> None:
        self.quimbot.jobs.finish(BUILD_JOB)
        bar = self.query_one("#build-progress", ProgressBar)
        bar.update(total=1, progress=1)
        self.query_one("#build-label", Label).update(
            f"Built {result.manifest['total']:,} records: {result.output}"
        )
        self.notify(
            f"{result.output.name}: {result.manifest['total']:,} records", title="Mix built"
        )
        self._show_manifest(result.manifest)

    def _show_manifest(self, manifest: dict[str, Any]) -> None:
        from rich.syntax import Syntax

        self.manifest = manifest
        text = json.dumps(manifest, indent=2, ensure_ascii=False)
        self.query_one("#manifest", Static).update(
            Syntax(text, "json", word_wrap=True, background_color="default")
        )

    def action_manifest(self) -> None:
        if self.recipe is None:
            return
        path = self.workspace.root / "mixes" / f"{self.recipe.name}_manifest.json"
        try:
            self._show_manifest(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            self.notify(f"{self.recipe.name} has not been built yet (b builds it).")

    def action_reload(self) -> None:
        self.reload()
