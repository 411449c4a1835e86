"""Mix: recipes, the records each source can give, and the planned counts."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label, ListItem, ListView, Static

from engine.mix import PlanRow, Recipe, list_recipes, load_recipe, plan
from quimbot_tui.screens.base import WorkbenchScreen


class MixScreen(WorkbenchScreen):
    MODE = "mix"
    CSS_PATH = "mix.tcss"
    HELP = (
        "Mix recipes from configs/mixes: the target ratio of each source, the records "
        "the workspace holds for it, and the counts a build would take (anchor rule, "
        "oversampling, shortfall)."
    )
    BINDINGS = [Binding("r", "reload", "Reload")]

    def compose_body(self) -> Iterable:
        with Horizontal(id="mix-body"):
            with Vertical(id="recipes-pane"):
                yield Label("Recipes", classes="panel-title")
                yield ListView(id="recipes")
            with Vertical(id="recipe-pane"):
                yield Label("", id="recipe-title", classes="panel-title")
                yield Static("", id="recipe-about", classes="muted")
                yield DataTable(id="plan", cursor_type="row")
                yield Static("", id="plan-summary")

    def on_mount(self) -> None:
        self.query_one("#plan", DataTable).add_columns(
            "source", "from", "ratio", "available", "target", "planned", "share"
        )
        self.recipes: list[Recipe] = []
        super().on_mount()

    def reload(self) -> None:
        self.load_recipes()

    @work(thread=True, exclusive=True, group="mix-load", exit_on_error=False)
    def load_recipes(self) -> None:
        recipes, errors = [], []
        for path in list_recipes():
            try:
                recipes.append(load_recipe(path))
            except ValueError as exc:
                errors.append(str(exc))
        with self.workspace.db.connect() as con:
            counts = dict(
                con.execute("SELECT source, count(*) FROM records GROUP BY source").fetchall()
            )
        self.app.call_from_thread(self._show_recipes, recipes, errors, counts)

    def _show_recipes(
        self, recipes: list[Recipe], errors: list[str], counts: dict[str, int]
    ) -> None:
        self.recipes, self.counts = recipes, counts
        view = self.query_one("#recipes", ListView)
        view.clear()
        for recipe in recipes:
            view.append(ListItem(Label(recipe.name)))
        for error in errors:
            self.notify(error, title="Recipe not loaded", severity="warning")
        if recipes:
            view.index = 0
            self._show_recipe(recipes[0])

    @on(ListView.Highlighted, "#recipes")
    def _recipe_highlighted(self, event: ListView.Highlighted) -> None:
        view = event.list_view
        if view.index is not None and view.index < len(self.recipes):
            self._show_recipe(self.recipes[view.index])

    def _show_recipe(self, recipe: Recipe) -> None:
        available = {s.name: sum(self.counts.get(f, 0) for f in s.from_) for s in recipe.sources}
        rows = plan(recipe, available)
        self.query_one("#recipe-title", Label).update(recipe.name)
        about = recipe.description
        if recipe.path is not None:
            about += f"\n{Path(recipe.path).name} · seed {recipe.seed} · anchor {recipe.anchor}"
            about += f" · oversample {recipe.oversample:g}x · dedup {recipe.dedup}"
            about += " · shortfall redistributed" if recipe.redistribute_shortfall else ""
        self.query_one("#recipe-about", Static).update(about)
        self._show_plan(recipe, rows)

    def _show_plan(self, recipe: Recipe, rows: list[PlanRow]) -> None:
        table = self.query_one("#plan", DataTable)
        table.clear()
        total = sum(r.planned for r in rows) or 1
        sources = {s.name: s for s in recipe.sources}
        for r in rows:
            short = f" (short {r.shortfall:,})" if r.shortfall else ""
            table.add_row(
                r.source,
                ", ".join(sources[r.source].from_),
                f"{r.ratio:.2f}",
                f"{r.available:,}",
                f"{r.target:,}{short}",
                f"{r.planned:,}",
                f"{r.planned / total:.1%}",
            )
        summary = f"Planned mix: {sum(r.planned for r in rows):,} records"
        if all(r.available == 0 for r in rows):
            summary += " · the workspace has no records for these sources yet"
        self.query_one("#plan-summary", Static).update(summary)

    def action_reload(self) -> None:
        self.reload()
