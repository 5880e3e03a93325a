"""The VAE's drawbacks, measured: the experiment of the section "The VAE's drawbacks" in
"Questions readers ask". One MLP VAE (``K = 32``, MLPs 512-256, the VAE of the side-by-side
comparison) is trained on dynamically binarised Fashion-MNIST and measured four ways:

* **cost**: the seconds its training took, and the seconds to score the scored test images with
  the ELBO (one code per image) and with the importance-weighted bound (``k`` codes per image);
* **generalisation**: its score ``-IWAE_k(x)`` in nats (lower is better) on training images and
  on test images, the same number of each;
* **interpretability**: how many of its ``K`` code dimensions are active
  (:func:`~vaecore.metrics.latents.active_units`);
* **security**: the same score on MNIST's test digits, a dataset it never saw, and the share of
  (digit, garment) pairs in which the digit scores better than the test garment, that is, in which
  the model's likelihood would let the foreign input through ahead of its own kind
  (Nalisnick et al. 2019); and, for memorisation, the share of its samples (decoder means of prior
  draws) that are nearer, in pixels, to a training image than to any test image, ``neighbours``
  images of each: near 1/2 when the samples prefer neither, near 1 when they copy the training
  set.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from vaecore import checks
from vaecore.data.datasets import binarize
from vaecore.loop_parts import evaluating
from vaecore.losses import iwae
from vaecore.metrics.latents import active_units
from vaecore.models.vae import VAE
from vaecore.settings import Budget
from vaecore.train import TrainConfig, fit

__all__ = [
    "LATENT_DIM",
    "FULL",
    "QUICK",
    "Drawbacks",
    "scores",
    "share_ahead",
    "closer_to_train",
    "measure",
]

#: The code size, as in the side-by-side comparison.
LATENT_DIM = 32

FULL = Budget(
    n_train=None,
    n_test=None,
    epochs={"vae": 5},
    sizes={"scored": 10_000, "k": 100, "samples": 2000, "neighbours": 10_000},
)
QUICK = Budget(
    n_train=2000,
    n_test=None,
    epochs={"vae": 1},
    sizes={"scored": 200, "k": 10, "samples": 200, "neighbours": 1000},
)


@dataclass
class Drawbacks:
    """What one seed's run measured; scores are mean ``-IWAE_k`` in nats per image."""

    seconds: float  # training
    elbo_seconds: float  # scoring the test images with the ELBO
    iwae_seconds: float  # scoring them with the importance-weighted bound
    train_score: float
    test_score: float
    foreign_score: float  # on MNIST test digits
    foreign_ahead: float  # share of (digit, garment) pairs where the digit scores better
    active: int  # active code dimensions
    latent_dim: int
    closer_to_train: float  # share of samples nearer a training image than any test image


@torch.no_grad()
@checks.arguments(k=checks.COUNT, batch_size=checks.COUNT)
def scores(model: VAE, x: torch.Tensor, k: int, batch_size: int = 200) -> torch.Tensor:
    """``x: (n, d)`` binary -> ``(n,)``: each image's ``-IWAE_k(x)`` in nats (``k = 1``: minus
    the ELBO, estimated with one code)."""
    with evaluating(model):
        return -torch.cat(
            [iwae(model, x[i : i + batch_size], k) for i in range(0, len(x), batch_size)]
        )


def share_ahead(a: torch.Tensor, b: torch.Tensor) -> float:
    """``a: (n,)``, ``b: (m,)`` scores (lower is better) -> the share of the ``n m`` pairs in
    which ``a``'s image scores strictly better than ``b``'s (the area under the ROC curve of ``b``
    against ``a``, ties counted as misses). Counted by sorting, without the ``(n, m)`` table."""
    higher = len(b) - torch.searchsorted(b.sort().values, a, right=True)  # b's above each a
    return float(higher.double().sum()) / (len(a) * len(b))


@torch.no_grad()
def closer_to_train(samples: torch.Tensor, train: torch.Tensor, test: torch.Tensor) -> float:
    """``samples: (s, d)``, ``train``/``test``: ``(n, d)`` each -> the share of samples whose
    nearest image (Euclidean, in pixels) in ``train`` is nearer than their nearest in ``test``."""
    if len(train) != len(test):
        raise ValueError(
            f"compare with as many training as test images, got {len(train)} and {len(test)}"
        )
    near_train = torch.cdist(samples, train).min(dim=1).values
    near_test = torch.cdist(samples, test).min(dim=1).values
    return float((near_train < near_test).double().mean())


@checks.arguments(seed=checks.SEED)
def measure(
    fashion_train: torch.Tensor,
    fashion_test: torch.Tensor,
    mnist_test: torch.Tensor,
    budget: Budget,
    seed: int = 0,
) -> Drawbacks:
    """Train the VAE on ``fashion_train: (n, 784)`` (grey levels in [0, 1], binarised afresh each
    epoch) for ``budget.epochs["vae"]`` epochs with seed ``seed``, and measure it as the module's
    docstring says. Every seed scores the same binary images (binarised with seed 0)."""
    s = budget.sizes
    torch.manual_seed(seed)
    model = VAE(LATENT_DIM)
    history = fit(
        model,
        fashion_train,
        TrainConfig(epochs=budget.epochs["vae"], seed=seed),
        transform=binarize,
    )
    fixed = torch.Generator().manual_seed(0)
    x_train, x_test, x_foreign = (
        binarize(images[: s["scored"]], fixed)
        for images in (fashion_train, fashion_test, mnist_test)
    )
    start = time.perf_counter()
    scores(model, x_test, 1)
    elbo_seconds = time.perf_counter() - start
    start = time.perf_counter()
    test = scores(model, x_test, s["k"])
    iwae_seconds = time.perf_counter() - start
    foreign = scores(model, x_foreign, s["k"])
    with torch.no_grad(), evaluating(model):
        active = int(active_units(model.encode(x_test)).sum())
        samples = model.decode(torch.randn(s["samples"], LATENT_DIM, generator=fixed))
    n = s["neighbours"]
    return Drawbacks(
        seconds=sum(history.series("seconds")),
        elbo_seconds=elbo_seconds,
        iwae_seconds=iwae_seconds,
        train_score=float(scores(model, x_train, s["k"]).mean()),
        test_score=float(test.mean()),
        foreign_score=float(foreign.mean()),
        foreign_ahead=share_ahead(foreign, test),
        active=active,
        latent_dim=LATENT_DIM,
        closer_to_train=closer_to_train(samples, fashion_train[:n], fashion_test[:n]),
    )
