"""A pretend training run that shows what joblook picks up from a program's output.

    pip install tqdm
    joblook submit --follow -- python docs/examples/train.py --epochs 3

Its tqdm bar (on stderr) becomes the task's progress bar and ETA; each JSON line with "metrics"
(on stdout, printed with tqdm.write so the bar stays intact) becomes a point on the task page's
charts. Nothing here is specific to joblook: the same output reads fine in a terminal.
"""

from __future__ import annotations

import argparse
import json
import math
import time

from tqdm import tqdm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40, help="steps per epoch")
    parser.add_argument("--delay", type=float, default=0.1, help="seconds per step")
    args = parser.parse_args()
    total = args.epochs * args.steps
    with tqdm(total=total, desc="training", unit="step") as bar:
        for step in range(total):
            time.sleep(args.delay)
            loss = 2.2 * math.exp(-step / args.steps) + 0.05 * math.sin(step)
            if step % 4 == 0:
                metrics = {"loss": round(loss, 4), "accuracy": round(1 - loss / 2.5, 4)}
                tqdm.write(json.dumps({"metrics": metrics, "step": step}))
            bar.update(1)


if __name__ == "__main__":
    main()
