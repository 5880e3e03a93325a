"""Train the book's sample judge once and write it where vaecore ships it.

Trains :class:`vaecore.models.classifier.ConvClassifier` on the 60,000 MNIST training digits
(``--epochs``, seed 0), measures its accuracy on the 10,000 test digits, and writes
``vaecore/metrics/weights/mnist_judge.pt`` (a vaecore checkpoint) with ``mnist_judge.json`` beside
it: the file's SHA-256, the accuracy, the training time, the command, the machine and the versions.
Every chapter loads this judge (``SampleJudge.load``) and measures its accuracy again.

    python tools/train_judge.py                  # the book's judge (a few minutes on a CPU)
    python tools/train_judge.py --quick --out /tmp/judge   # 2,000 digits, 1 epoch: seconds (CI)
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import torch

from vaecore import checkpoint, files
from vaecore.data.datasets import load_images
from vaecore.data.sources import sha256_of
from vaecore.metrics.judge import JUDGE_WEIGHTS, load_classifier, train_classifier
from vaecore.train import evaluate_loss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2,000 training digits, 1 epoch (CI)")
    parser.add_argument("--out", type=Path, default=JUDGE_WEIGHTS.parent, help="output folder")
    args = parser.parse_args()
    if args.quick and args.out.resolve() == JUDGE_WEIGHTS.parent:
        parser.error("--quick would overwrite the book's judge: give --out another folder")
    epochs = 1 if args.quick else args.epochs
    train = load_images("mnist", "train", limit=2_000 if args.quick else None)
    test = load_images("mnist", "test")
    start = time.perf_counter()
    model = train_classifier(train, epochs=epochs, seed=0)
    seconds = time.perf_counter() - start
    accuracy = 100 * evaluate_loss(model, (test.images, test.labels))["accuracy"]
    path = checkpoint.save(model, args.out / JUDGE_WEIGHTS.name, epochs=epochs, seed=0)
    record = {
        "what": "vaecore.models.classifier.ConvClassifier, the book's sample judge",
        "n_classes": 10,
        "training": {
            "images": len(train),
            "epochs": epochs,
            "seed": 0,
            "seconds": round(seconds, 1),
        },
        "test_accuracy_percent": accuracy,
        "sha256": sha256_of(path),
        "command": "python " + " ".join(sys.argv),
        "machine": {"platform": platform.platform(), "cpus": torch.get_num_threads()},
        "versions": {"python": platform.python_version(), "torch": torch.__version__},
    }
    files.write_text(path.with_suffix(".json"), json.dumps(record, indent=2) + "\n")
    load_classifier(path)  # the record and the file agree
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
