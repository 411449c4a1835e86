"""The hardware pane: every GPU's utilisation, memory, temperature and power, and CPU/RAM."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from engine.telemetry import Telemetry

GIB = 1024**3


def _bar(fraction: float, width: int = 12) -> Text:
    fraction = min(max(fraction, 0.0), 1.0)
    filled = round(fraction * width)
    style = "green" if fraction < 0.7 else "yellow" if fraction < 0.9 else "red"
    return Text("█" * filled, style=style) + Text("░" * (width - filled), style="dim")


class HardwarePane(Static):
    """Shows a ``Telemetry`` reading; the screen polls it from a worker."""

    def show(self, reading: Telemetry) -> None:
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=4, no_wrap=True)
        grid.add_column(width=12, no_wrap=True)
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        if reading.gpus:
            for g in reading.gpus:
                util = g.utilisation or 0.0
                details = [f"{util:3.0f}%"]
                details.append(f"mem {g.memory_used / GIB:.1f}/{g.memory_total / GIB:.1f} GiB")
                if g.temperature is not None:
                    details.append(f"{g.temperature:.0f}°C")
                if g.power is not None:
                    limit = f"/{g.power_limit:.0f}" if g.power_limit else ""
                    details.append(f"{g.power:.0f}{limit} W")
                grid.add_row(
                    Text(f"GPU{g.index}", style="bold"),
                    _bar(util / 100),
                    f"{'  '.join(details)}  {g.name}",
                )
                grid.add_row("", _bar(g.memory_fraction), "memory")
        else:
            grid.add_row(
                Text("GPU", style="bold"),
                Text("–" * 12, style="dim"),
                Text(reading.gpu_status or "no GPU", style="yellow"),
            )
        host = reading.host
        if host is not None:
            load = f"  load {host.load[0]:.1f}" if host.load else ""
            grid.add_row(
                Text("CPU", style="bold"),
                _bar(host.cpu_percent / 100),
                f"{host.cpu_percent:3.0f}% of {host.cpus} cores{load}",
            )
            grid.add_row(
                Text("RAM", style="bold"),
                _bar(host.ram_used / host.ram_total if host.ram_total else 0.0),
                f"{host.ram_used / GIB:.1f}/{host.ram_total / GIB:.1f} GiB",
            )
        self.update(grid)
