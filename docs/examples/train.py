"""A pretend training run that shows what joblook picks up from a program's output.

    pip install tqdm
    joblook submit --follow -- python docs/examples/train.py --epochs 3

Its tqdm bar (on stderr) becomes the task's progress bar and ETA; each JSON line with "metrics"
(on stdout, printed with tqdm.write so the bar stays intact) becomes a point on the task page's
charts. Nothing here is specific to joblook: the same output reads fine in a terminal.

At the end it writes a loss plot (loss.svg), the losses (losses.csv) and a checkpoint
(checkpoint.bin) to $JOBLOOK_ARTIFACTS, the directory joblook gives each command and keeps: the
task page then shows the plot and the table and links the checkpoint. Outside joblook they go to
./artifacts. The plot is plain SVG written by hand, so the example needs nothing but tqdm.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

from tqdm import tqdm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40, help="steps per epoch")
    parser.add_argument("--delay", type=float, default=0.1, help="seconds per step")
    args = parser.parse_args()
    total = args.epochs * args.steps
    losses: list[tuple[int, float]] = []
    with tqdm(total=total, desc="training", unit="step") as bar:
        for step in range(total):
            time.sleep(args.delay)
            loss = 2.2 * math.exp(-step / args.steps) + 0.05 * math.sin(step)
            losses.append((step, loss))
            if step % 4 == 0:
                metrics = {"loss": round(loss, 4), "accuracy": round(1 - loss / 2.5, 4)}
                tqdm.write(json.dumps({"metrics": metrics, "step": step}))
            bar.update(1)
    save_artifacts(Path(os.environ.get("JOBLOOK_ARTIFACTS") or "artifacts"), losses)


def save_artifacts(folder: Path, losses: list[tuple[int, float]]) -> None:
    """The loss plot, the losses as CSV, and a (pretend) checkpoint."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "loss.svg").write_text(loss_plot(losses), encoding="utf-8")
    rows = "".join(f"{step},{loss:.4f}\n" for step, loss in losses)
    (folder / "losses.csv").write_text("step,loss\n" + rows, encoding="utf-8")
    (folder / "checkpoint.bin").write_bytes(os.urandom(64 * 1024))
    print(f"saved loss.svg, losses.csv and checkpoint.bin to {folder}")


def loss_plot(losses: list[tuple[int, float]], width: int = 480, height: int = 240) -> str:
    """A line chart of the loss as an SVG document."""
    pad = 30
    last_step = max(losses[-1][0], 1)
    top = max(loss for _step, loss in losses) or 1.0
    points = " ".join(
        f"{pad + step / last_step * (width - 2 * pad):.1f},"
        f"{height - pad - loss / top * (height - 2 * pad):.1f}"
        for step, loss in losses
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="white"/>'
        f'<path d="M{pad},{pad} V{height - pad} H{width - pad}" stroke="#555" fill="none"/>'
        f'<polyline points="{points}" stroke="#1f77b4" stroke-width="2" fill="none"/>'
        f'<text x="{pad}" y="{pad - 10}" font-family="sans-serif" font-size="13">'
        f"loss (max {top:.2f}) over {last_step} steps</text></svg>"
    )


if __name__ == "__main__":
    main()
