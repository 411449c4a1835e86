"""Compare: two answers to the same conversation, streamed side by side.

The left and right sides are the base model (adapter disabled) or any adapter checkpoint in
the workspace, answered from one loaded copy of the base weights. Multi-turn: each side
continues from its own answers. Blind mode hides and shuffles the sides; a vote reveals them.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, Select, Switch

from engine.compare import ResolvedSide, blind_order, record_vote, resolve_side, run_comparison
from engine.inference import GenerationSettings
from engine.inference.pool import get_engine
from engine.models import list_models
from quimbot_tui.screens.base import WorkbenchScreen
from quimbot_tui.widgets.answer_column import AnswerColumn

VOTE_KEYS = "[ left better · ] right better · = tie · - both bad"


class CompareScreen(WorkbenchScreen):
    MODE = "compare"
    CSS_PATH = "compare.tcss"
    HELP = (
        "Two answers to the same conversation, streamed side by side from one loaded copy "
        "of the base weights: the base (adapter disabled) against any checkpoint, or one "
        "checkpoint against another. Type a prompt and press Enter; follow-ups continue "
        "each side's own conversation. Every answer is stored with the model, adapter, "
        "checkpoint and settings that produced it. Blind mode hides which side is which "
        "until you vote; votes export as preference pairs (quimbot-tui prefs export)."
    )
    BINDINGS = [
        Binding("ctrl+n", "new_conversation", "New chat"),
        Binding("ctrl+b", "toggle_blind", "Blind"),
        Binding("f2", "presets", "Presets", key_display="F2"),
        Binding("escape", "stop", "Stop", show=False),
        Binding("left_square_bracket", "vote('left')", "Vote left", show=False, key_display="["),
        Binding("right_square_bracket", "vote('right')", "Vote right", show=False, key_display="]"),
        Binding("equals_sign", "vote('tie')", "Vote tie", show=False, key_display="="),
        Binding("minus", "vote('both_bad')", "Vote both bad", show=False, key_display="-"),
        Binding("y", "copy_answer", "Copy answer", show=False),
        Binding("ctrl+r", "reload", "Reload sides", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.histories: list[list[dict[str, str]]] = [[], []]
        self.mapping: tuple[int, int] = (0, 1)  # side shown in the left, right column
        self.last_ids: list[int] = []
        self.last_texts: list[str] = ["", ""]
        self.labels: list[str] = ["", ""]
        self.awaiting_vote = False
        self.generating = False
        self.session = uuid.uuid4().hex[:12]
        self._stop = False
        self._pending: dict[int, list[str]] = {0: [], 1: []}
        self._pending_lock = threading.Lock()

    def compose_body(self) -> Iterable:
        with Vertical(id="compare-body"):
            with Horizontal(id="compare-bar"):
                yield Label("Model", classes="bar-label")
                yield Select([], id="model", prompt="model", allow_blank=True)
                yield Label("Left", classes="bar-label")
                yield Select([("base", "base")], id="left-side", value="base", allow_blank=False)
                yield Label("Right", classes="bar-label")
                yield Select([("base", "base")], id="right-side", value="base", allow_blank=False)
                yield Label("Blind", classes="bar-label")
                yield Switch(id="blind")
            with Horizontal(id="settings-bar"):
                yield Label("temp", classes="bar-label")
                yield Input("0", id="temperature", type="number")
                yield Label("top-p", classes="bar-label")
                yield Input("1", id="top-p", type="number")
                yield Label("max tokens", classes="bar-label")
                yield Input("96", id="max-tokens", type="integer")
                yield Label("seed", classes="bar-label")
                yield Input("0", id="seed", type="integer")
                yield Input(placeholder="system prompt (new chats)", id="system")
            with Horizontal(id="columns"):
                yield AnswerColumn("left", id="left-column")
                yield AnswerColumn("right", id="right-column")
            yield Label("", id="compare-status")
            yield Input(placeholder="Ask both sides… (Enter sends, Esc stops)", id="prompt")

    def on_mount(self) -> None:
        self.set_interval(1 / 20, self._flush_tokens)
        super().on_mount()
        self.query_one("#prompt", Input).focus()

    # -- sides ---------------------------------------------------------------------------
    def reload(self) -> None:
        self.load_sides()

    @work(thread=True, exclusive=True, group="compare-sides", exit_on_error=False)
    def load_sides(self) -> None:
        models = [(m.name, str(m.path)) for m in list_models(self.workspace.models_dir)]
        from engine.runs import adapter_choices

        adapters = adapter_choices(self.workspace)
        self.app.call_from_thread(self._show_sides, models, adapters)

    def _show_sides(self, models: list[tuple[str, str]], adapters: list[tuple[str, str]]) -> None:
        model = self.query_one("#model", Select)
        current = model.value
        model.set_options(models)
        if current in {v for _, v in models}:
            model.value = current
        elif models:
            model.value = models[0][1]
        options = [("base (adapter disabled)", "base"), *adapters]
        for side_id, default in (
            ("#left-side", "base"),
            ("#right-side", adapters[0][1] if adapters else "base"),
        ):
            select = self.query_one(side_id, Select)
            keep = select.value
            select.set_options(options)
            select.value = keep if keep in {v for _, v in options} and keep != "base" else default
        if not adapters:
            self._status(
                "No adapters yet: train a run on the Train screen, then compare it "
                "with the base here. Base against base works now."
            )

    def _specs(self) -> tuple[str | None, list[str]]:
        model = self.query_one("#model", Select).value
        sides = [str(self.query_one(s, Select).value) for s in ("#left-side", "#right-side")]
        return (None if model is Select.BLANK else str(model)), sides

    def _settings(self) -> GenerationSettings:
        def number(widget_id: str, cast: type) -> Any:
            text = self.query_one(widget_id, Input).value.strip()
            try:
                return cast(text)
            except ValueError as exc:
                raise ValueError(f"{widget_id.lstrip('#')}: {text!r} is not a number") from exc

        settings = GenerationSettings(
            temperature=number("#temperature", float),
            top_p=number("#top-p", float),
            max_new_tokens=number("#max-tokens", int),
            seed=number("#seed", int),
        )
        settings.validate()
        return settings

    # -- asking --------------------------------------------------------------------------
    @on(Input.Submitted, "#prompt")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        if self.generating:
            self.notify("Still answering: wait, or press Esc to stop.", severity="warning")
            return
        try:
            settings = self._settings()
        except ValueError as exc:
            self.notify(str(exc), title="Settings", severity="error")
            return
        event.input.value = ""
        self.ask(text, settings)

    def ask(self, text: str, settings: GenerationSettings) -> None:
        """Send a user turn to both sides."""
        if not any(self.histories):
            self._start_conversation()
        for history in self.histories:
            history.append({"role": "user", "content": text})
        self.awaiting_vote = False
        self._show_histories()
        for column in self._columns():
            column.begin_answer()
        self.generating, self._stop = True, False
        model, specs = self._specs()
        self._answer(model, specs, settings)

    def _start_conversation(self) -> None:
        system = self.query_one("#system", Input).value.strip()
        self.histories = [
            [{"role": "system", "content": system}] if system else [] for _ in range(2)
        ]
        blind = self.query_one("#blind", Switch).value
        self.mapping = blind_order() if blind else (0, 1)
        self.session = uuid.uuid4().hex[:12]

    @work(thread=True, exclusive=True, group="compare-answer", exit_on_error=False)
    def _answer(self, model: str | None, specs: list[str], settings: GenerationSettings) -> None:
        try:
            resolved: list[ResolvedSide] = [
                resolve_side(self.workspace, s, model=model) for s in specs
            ]
            base = model or resolved[0].base
            engine = get_engine(base)
            engine.load(on_progress=lambda msg: self.app.call_from_thread(self._status, msg))
            self.app.call_from_thread(self._status, "answering…")

            def on_token(index: int, text: str) -> None:
                with self._pending_lock:
                    self._pending[index].append(text)

            result = run_comparison(
                self.workspace,
                engine,
                [list(h) for h in self.histories],
                [r.side for r in resolved],
                settings,
                session=self.session,
                on_token=on_token,
                should_stop=lambda: self._stop,
            )
        except Exception:
            self.app.call_from_thread(self._failed)
            raise
        self.app.call_from_thread(self._answered, result)

    def _flush_tokens(self) -> None:
        with self._pending_lock:
            pending = {i: "".join(parts) for i, parts in self._pending.items() if parts}
            for parts in self._pending.values():
                parts.clear()
        for side, text in pending.items():
            self._column_of(side).stream(text)

    def _answered(self, result: Any) -> None:
        self._flush_tokens()
        self.generating = False
        self.last_ids = list(result.ids)
        for side, answer in enumerate(result.answers):
            self.histories[side].append({"role": "assistant", "content": answer.text})
            self.labels[side] = answer.label
            self.last_texts[side] = answer.text
            footer = (
                f"{answer.tokens} tokens · {answer.tokens_per_s:.0f} tok/s · first token "
                f"{answer.first_token_s * 1000:.0f} ms · {answer.finish_reason}"
            )
            self._column_of(side).end_answer(answer.text, footer)
        if self.query_one("#blind", Switch).value:
            self.awaiting_vote = True
            self.query_one("#left-column", AnswerColumn).focus()
            self._status(f"Vote: {VOTE_KEYS}")
        else:
            self._status(
                f"Stored as answers {', '.join(map(str, result.ids))} "
                "with model, adapter and settings."
            )
        self._set_titles()

    def _failed(self) -> None:
        self.generating = False
        for history in self.histories:
            if history and history[-1]["role"] == "user":
                history.pop()
        self._show_histories()
        self._status("The answer failed; see the error notice.")

    # -- display -------------------------------------------------------------------------
    def _columns(self) -> list[AnswerColumn]:
        return [
            self.query_one("#left-column", AnswerColumn),
            self.query_one("#right-column", AnswerColumn),
        ]

    def _column_of(self, side: int) -> AnswerColumn:
        return self._columns()[self.mapping.index(side)]

    def _show_histories(self) -> None:
        for column, side in zip(self._columns(), self.mapping, strict=True):
            column.show(self.histories[side])
        self._set_titles()

    def _set_titles(self) -> None:
        hidden = self.query_one("#blind", Switch).value and (
            self.generating or self.awaiting_vote or not self.labels[0]
        )
        for name, column, side in zip(("A", "B"), self._columns(), self.mapping, strict=True):
            spec = self._specs()[1][side]
            label = self.labels[side] or ("base" if spec == "base" else Path(spec).name)
            column.border_title = f"{name} (hidden)" if hidden else label

    def _status(self, text: str) -> None:
        self.query_one("#compare-status", Label).update(text)

    # -- actions -------------------------------------------------------------------------
    def action_vote(self, choice: str) -> None:
        if not self.awaiting_vote or len(self.last_ids) != 2:
            return
        left_side, right_side = self.mapping
        left_id, right_id = self.last_ids[left_side], self.last_ids[right_side]
        self.awaiting_vote = False
        self._save_vote(left_id, right_id, choice)

    @work(thread=True, group="compare-vote", exit_on_error=False)
    def _save_vote(self, left_id: int, right_id: int, choice: str) -> None:
        record_vote(self.workspace, left_id, right_id, choice, blind=True)
        self.app.call_from_thread(self._revealed, choice)

    def _revealed(self, choice: str) -> None:
        left, right = (self.labels[s] for s in self.mapping)
        self._set_titles()
        self._status(
            f"Vote saved ({choice.replace('_', ' ')}). Left was {left}, right was {right}."
        )
        self.query_one("#prompt", Input).focus()

    def action_stop(self) -> None:
        if self.generating:
            self._stop = True
            self._status("stopping…")
        else:
            self.quimbot.action_leave_field()

    def action_new_conversation(self) -> None:
        if self.generating:
            self.notify("Stop the answer first (Esc).", severity="warning")
            return
        self.histories = [[], []]
        self.labels = ["", ""]
        self.awaiting_vote = False
        self._show_histories()
        self._status("New conversation.")
        self.query_one("#prompt", Input).focus()

    def action_toggle_blind(self) -> None:
        switch = self.query_one("#blind", Switch)
        switch.value = not switch.value

    @on(Switch.Changed, "#blind")
    def _blind_changed(self, event: Switch.Changed) -> None:
        self.action_new_conversation()
        self._status(
            "Blind mode: sides are hidden and shuffled until you vote."
            if event.value
            else "Blind mode off."
        )

    def action_copy_answer(self) -> None:
        focused = self.focused
        columns = self._columns()
        index = columns.index(focused) if focused in columns else 0
        text = self.last_texts[self.mapping[index]]
        if text:
            self.app.copy_to_clipboard(text)
            self.notify(f"Copied the {('left', 'right')[index]} answer.", timeout=2)

    def action_presets(self) -> None:
        from quimbot_tui.screens.presets import PresetScreen

        def chosen(conversation: list[dict[str, str]] | None) -> None:
            if conversation:
                self._load_preset(conversation)

        self.app.push_screen(PresetScreen(), chosen)

    def _load_preset(self, conversation: list[dict[str, str]]) -> None:
        """Start a new chat from a suite's conversation and ask its last user turn."""
        system = [m for m in conversation if m["role"] == "system"]
        turns = [m for m in conversation if m["role"] != "system"]
        self.query_one("#system", Input).value = system[0]["content"] if system else ""
        self.action_new_conversation()
        self._start_conversation()
        for history in self.histories:
            history.extend(turns[:-1])
        try:
            settings = self._settings()
        except ValueError as exc:
            self.notify(str(exc), severity="error")
            return
        self.ask(turns[-1]["content"], settings)

    def action_reload(self) -> None:
        self.reload()

    @classmethod
    def palette_commands(cls) -> Iterable[tuple[str, str, str]]:
        yield ("Copy the left answer", "to the clipboard (OSC 52 over SSH)", "copy_answer")
