"""Training speed of vaecore's loop against the pytorch/examples way and the bare compute limit.

Three loops train the same VAE (784-400-20, as in pytorch/examples' ``vae/main.py``) from the
same initial weights on the same batches, in the same process:

- **reference**: the way pytorch/examples writes it: a ``torch.utils.data.DataLoader`` over a
  per-image ``Dataset`` that does what torchvision's ``MNIST`` with ``transforms.ToTensor()``
  does for each item (a PIL image from the uint8 pixels, then a float tensor in [0, 1]; done
  here with PIL and NumPy, as torchvision is not installed), batch 128, no worker processes
  (its setting on a CPU), then forward, backward and an Adam step;
- **vaecore**: :func:`vaecore.train.fit`, the loop every chapter uses (batches by indexing
  tensors already in memory, the cosine learning rate, the history, the finite-gradient check);
- **bare**: only forward, backward and the optimiser step, on batches sliced beforehand: the
  compute limit, with no data handling at all.

All three draw the batches in one fixed random order and use one seed for the reparameterised
noise, so their losses must agree exactly (checked); then it reports samples per second and
the ratios. Goal (issue 8): vaecore at least 2x the reference, within 10% of the bare limit.

    python benchmarks/train_speed.py --quick       # seconds: CI's smoke test
    python benchmarks/train_speed.py --out vaecore/book/results/train_speed.json
                                  # 5 epochs of MNIST per loop, best of 2: about 2 minutes
"""

from __future__ import annotations

import time

import numpy as np
import torch
from _report import arguments, write
from PIL import Image

from vaecore.data.datasets import load_images
from vaecore.models.vae import VAE
from vaecore.train import TrainConfig, fit

BATCH = 128


class PerImageMNIST(torch.utils.data.Dataset):
    """What torchvision's ``MNIST(transform=ToTensor())`` hands a DataLoader: one image at a time,
    ``Image.fromarray(pixels, mode="L")``, then ``ToTensor``'s conversion to ``(1, 28, 28)``
    floats in [0, 1]. The training loop flattens it, as pytorch/examples' ``x.view(-1, 784)``."""

    def __init__(self, pixels: np.ndarray) -> None:
        self.pixels = pixels.reshape(-1, 28, 28)  # uint8

    def __len__(self) -> int:
        return len(self.pixels)

    def __getitem__(self, i: int) -> torch.Tensor:
        picture = Image.fromarray(self.pixels[i])  # a 2-D uint8 array is mode "L"
        array = np.array(picture, np.uint8, copy=True)
        return (
            torch.from_numpy(array).view(28, 28, 1).permute(2, 0, 1).contiguous().float().div(255)
        )


def orders_for(n: int, epochs: int, seed: int) -> list[torch.Tensor]:
    """The permutations fit() draws with this seed (seed_everything's generator)."""
    g = torch.Generator().manual_seed(seed)
    return [torch.randperm(n, generator=g) for _ in range(epochs)]


def reference_loop(
    model: VAE, pixels: np.ndarray, orders: list[torch.Tensor], seed: int
) -> list[float]:
    # The same batches as the other loops (each epoch's permutation cut into batches of 128),
    # and its own generator: a DataLoader otherwise draws a seed from the global one, which
    # would change the reparameterised noise and so the losses.
    batches = [idx.tolist() for order in orders for idx in order.split(BATCH)]
    loader = torch.utils.data.DataLoader(
        PerImageMNIST(pixels), batch_sampler=batches, generator=torch.Generator()
    )
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    torch.manual_seed(seed)
    losses = []
    for x in loader:
        loss = model.loss(x.view(-1, 784))["loss"]
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return losses


def bare_loop(model: VAE, batches: list[torch.Tensor], seed: int) -> list[float]:
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    torch.manual_seed(seed)
    losses = []
    for x in batches:
        loss = model.loss(x)["loss"]
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    return losses


def vaecore_loop(model: VAE, images: torch.Tensor, epochs: int, seed: int) -> list[float]:
    # Constant learning rate, like the other two; everything else is the chapters' fit().
    history = fit(
        model,
        images,
        TrainConfig(
            epochs=epochs,
            batch_size=BATCH,
            lr=1e-3,
            cosine_decay=False,
            seed=seed,
            device="cpu",
            progress=False,
        ),
    )
    return [s["loss"] for s in history.steps]


def main() -> None:
    parser = arguments(__doc__, "2,048 images, 1 epoch (CI)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=2, help="best of this many runs per loop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    n, epochs = (2048, 1) if args.quick else (None, args.epochs)

    train = load_images("mnist", "train", limit=n, progress=False)
    pixels = (train.images * 255).round().to(torch.uint8).numpy()
    images = torch.from_numpy(pixels).float().div(255)  # the same values the Dataset yields
    orders = orders_for(len(images), epochs, args.seed)
    batches = [images[idx] for order in orders for idx in order.split(BATCH)]

    torch.manual_seed(args.seed)
    start_state = VAE(20, hidden=(400,)).state_dict()
    results, losses = {}, {}
    repeats = 1 if args.quick else args.repeats
    for _ in range(repeats):  # loops interleaved, best time kept: less exposed to machine noise
        for name in ("reference", "vaecore", "bare"):
            model = VAE(20, hidden=(400,))
            model.load_state_dict(start_state)
            t = time.perf_counter()
            if name == "reference":
                losses[name] = reference_loop(model, pixels, orders, args.seed)
            elif name == "vaecore":
                losses[name] = vaecore_loop(model, images, epochs, args.seed)
            else:
                losses[name] = bare_loop(model, batches, args.seed)
            seconds = time.perf_counter() - t
            if name not in results or seconds < results[name]["seconds"]:
                results[name] = {
                    "seconds": seconds,
                    "samples_per_second": epochs * len(images) / seconds,
                }
    same = losses["reference"] == losses["vaecore"] == losses["bare"]
    report = {
        "benchmark": "train_speed",
        "model": "VAE 784-400-20, Bernoulli decoder, Adam 1e-3, batch 128",
        "budget": {
            "images": len(images),
            "epochs": epochs,
            "repeats": repeats,
            "quick": args.quick,
        },
        "seed": args.seed,
        "results": results,
        "identical_losses": same,
        "max_loss_difference": max(
            max(abs(a - b), abs(a - c))
            for a, b, c in zip(losses["vaecore"], losses["reference"], losses["bare"])
        ),
        "final_loss": losses["vaecore"][-1],
        "vaecore_over_reference": results["vaecore"]["samples_per_second"]
        / results["reference"]["samples_per_second"],
        "vaecore_over_bare": results["vaecore"]["samples_per_second"]
        / results["bare"]["samples_per_second"],
    }
    write(report, args.out)
    if not same:
        raise SystemExit("the three loops did not compute the same losses")


if __name__ == "__main__":
    main()
