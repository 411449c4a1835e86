"""The seven modes of the app, and where their screens live.

Screen modules are imported when their mode is first opened, so start-up pays only for the
first screen.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quimbot_tui.screens.base import WorkbenchScreen


@dataclass(frozen=True)
class Mode:
    name: str
    title: str
    key: str
    module: str
    cls: str
    summary: str

    def screen_class(self) -> type[WorkbenchScreen]:
        return getattr(importlib.import_module(self.module), self.cls)  # type: ignore[no-any-return]


MODES: tuple[Mode, ...] = (
    Mode(
        "data",
        "Data",
        "1",
        "quimbot_tui.screens.data",
        "DataScreen",
        "browse, search and inspect the indexed training records",
    ),
    Mode(
        "mix",
        "Mix",
        "2",
        "quimbot_tui.screens.mix",
        "MixScreen",
        "mix recipes: ratios, available records per source, builds",
    ),
    Mode(
        "train",
        "Train",
        "3",
        "quimbot_tui.screens.train",
        "TrainScreen",
        "models and LoRA training runs, live loss and hardware",
    ),
    Mode(
        "compare",
        "Compare",
        "4",
        "quimbot_tui.screens.compare",
        "CompareScreen",
        "base against fine-tuned answers, side by side",
    ),
    Mode(
        "eval",
        "Eval",
        "5",
        "quimbot_tui.screens.eval",
        "EvalScreen",
        "pedagogical evaluation suites and reports",
    ),
    Mode(
        "topics",
        "Topics",
        "6",
        "quimbot_tui.screens.topics",
        "TopicsScreen",
        "approve scored Reddit topics for the microlearning pipeline",
    ),
    Mode(
        "gallery",
        "Gallery",
        "7",
        "quimbot_tui.screens.gallery",
        "GalleryScreen",
        "the creative-coding gallery and its terminal renditions",
    ),
)
MODES_BY_NAME = {m.name: m for m in MODES}
