"""The live loss chart (raw, smoothed, eval, a second run overlaid) and the LR chart."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from engine.training.history import RunHistory, thin


class LossChart(PlotextPlot):
    """Draws a run's loss curves; ``draw`` replaces what is shown."""

    def draw(
        self,
        history: RunHistory,
        *,
        label: str,
        overlay: RunHistory | None = None,
        overlay_label: str = "",
    ) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if history.steps:
            xs, raw = thin(history.steps, history.loss)
            plt.plot(xs, raw, label="loss", marker="dot", color="gray")
            xs, smooth = thin(history.steps, history.smoothed())
            plt.plot(xs, smooth, label="smoothed", marker="braille", color="cyan")
        if history.eval_steps:
            plt.scatter(
                history.eval_steps, history.eval_loss, label="eval", marker="x", color="orange"
            )
        if overlay is not None and overlay.steps:
            xs, smooth = thin(overlay.steps, overlay.smoothed())
            plt.plot(
                xs, smooth, label=overlay_label or "overlay", marker="braille", color="magenta"
            )
            if overlay.eval_steps:
                plt.scatter(overlay.eval_steps, overlay.eval_loss, marker="x", color="magenta")
        plt.title(label)
        plt.xlabel("step")
        ends = [history.total, max(history.steps, default=0)]
        if overlay is not None:
            ends += [overlay.total, max(overlay.steps, default=0)]
        if max(ends) > 0:
            plt.xlim(0, max(ends))
        self.refresh()

    def draw_losses(self, losses: list[float], title: str) -> None:
        """A plain loss list (a model's pretraining curve)."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if losses:
            plt.plot(list(range(1, len(losses) + 1)), losses, label="pretraining loss")
            plt.xlabel("step")
        plt.title(title)
        self.refresh()


class LrChart(PlotextPlot):
    def draw(self, history: RunHistory) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        if history.steps:
            xs, lr = thin(history.steps, history.lr)
            plt.plot(xs, lr, marker="braille", color="green")
            if history.total:
                plt.xlim(0, max(history.total, max(history.steps, default=0)))
        plt.title("learning rate")
        self.refresh()
