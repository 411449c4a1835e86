"""The workspace folder: where every piece of state lives.

Resolution order: ``--workspace DIR``, else ``$QUIMBOT_HOME``, else the XDG data folder
(``$XDG_DATA_HOME/quimbot``, default ``~/.local/share/quimbot``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from store.db import DB_FILENAME, Database

DEMO_MARKER = ".demo.json"
SETTINGS_FILE = "settings.json"


def resolve_workspace(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The workspace folder for this invocation."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("QUIMBOT_HOME")
    if env:
        return Path(env).expanduser().resolve()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return (Path(xdg).expanduser() / "quimbot").resolve()


def configs_dir() -> Path:
    """The ``configs/`` folder, from a checkout or from an installed wheel.

    In a checkout it sits beside the packages at the repository root; the wheel installs it
    beside the packages in site-packages. ``$QUIMBOT_CONFIGS`` overrides both.
    """
    env = os.environ.get("QUIMBOT_CONFIGS")
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parent.parent / "configs"


@dataclass
class Workspace:
    """A workspace folder and its database."""

    root: Path
    db: Database = field(init=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.db = Database(self.root / DB_FILENAME)

    @classmethod
    def open(cls, explicit: str | os.PathLike[str] | None = None) -> Workspace:
        ws = cls(resolve_workspace(explicit))
        ws.ensure()
        return ws

    # -- layout --------------------------------------------------------------------------
    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @property
    def packets_dir(self) -> Path:
        return self.root / "packets"

    @property
    def inbox_dir(self) -> Path:
        return self.root / "inbox"

    @property
    def demo_data_dir(self) -> Path:
        return self.root / "demo-data"

    def ensure(self) -> None:
        for path in (
            self.root,
            self.runs_dir,
            self.models_dir,
            self.exports_dir,
            self.packets_dir,
            self.inbox_dir,
        ):
            path.mkdir(parents=True, exist_ok=True)

    # -- settings ------------------------------------------------------------------------
    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_FILE

    def settings(self) -> dict[str, Any]:
        try:
            data = json.loads(self.settings_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except json.JSONDecodeError as exc:
            raise ValueError(f"{self.settings_path}: line {exc.lineno}: {exc.msg}") from exc
        return data if isinstance(data, dict) else {}

    def update_settings(self, **values: Any) -> dict[str, Any]:
        data = self.settings()
        data.update(values)
        tmp = self.settings_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        tmp.replace(self.settings_path)
        return data

    # -- demo state ----------------------------------------------------------------------
    @property
    def demo_marker(self) -> Path:
        return self.root / DEMO_MARKER

    def demo_info(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.demo_marker.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return data if isinstance(data, dict) else None

    def is_empty(self) -> bool:
        """True when the workspace holds no records, no runs and no models yet."""
        if any(self.runs_dir.glob("*")) or any(self.models_dir.glob("*")):
            return False
        with self.db.connect() as con:
            row = con.execute("SELECT count(*) FROM records").fetchone()
        return not row or row[0] == 0

    def needs_demo(self) -> bool:
        """The first start on an empty workspace builds the demo."""
        return self.demo_info() is None and self.is_empty()
