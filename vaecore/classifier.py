"""A small MNIST classifier, used as a judge of generated images.

Generated samples are compared with real ones in the classifier's penultimate features, the
idea behind the Fréchet Inception distance (Heusel et al. 2017) with a digit classifier in
place of Inception: both sets of features are summarised by a Gaussian, and
:func:`vaecore.evaluate.frechet_distance` measures how far apart the two Gaussians are.
:class:`SampleJudge` packages the classifier, the real reference and the floor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from vaecore.data import ImageSet
from vaecore.evaluate import apply_in_batches, frechet_distance
from vaecore.models.mlp import mlp
from vaecore.train import TrainConfig, fit


class Classifier(nn.Module):
    """``x: (batch, 784) -> features (batch, 128) -> logits (batch, 10)``; ReLU MLP."""

    def __init__(self, data_dim: int = 784, hidden: tuple[int, ...] = (512, 128),
                 n_classes: int = 10) -> None:
        super().__init__()
        self.body = nn.Sequential(mlp([data_dim, *hidden]), nn.ReLU())
        self.head = nn.Linear(hidden[-1], n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate activations, ``(batch, hidden[-1])``."""
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits ``(batch, n_classes)``."""
        return self.head(self.body(x))

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        """Cross-entropy of the labels ``y: (batch,)``, and the batch's accuracy."""
        logits = self(x)
        return {"loss": F.cross_entropy(logits, y),
                "accuracy": (logits.argmax(1) == y).float().mean()}


def train_classifier(train: ImageSet, epochs: int = 3, seed: int = 0,
                     progress: bool | None = None) -> Classifier:
    """Train a :class:`Classifier` on a labelled image set (a few seconds per epoch on a CPU)."""
    if train.labels is None:
        raise ValueError("the classifier needs a labelled image set")
    torch.manual_seed(seed)
    model = Classifier(n_classes=len(train.classes or range(int(train.labels.max()) + 1)))
    fit(model, (train.images, train.labels), TrainConfig(epochs=epochs, seed=seed, progress=progress))
    return model


def classifier_features(model: Classifier, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """``x: (n, 784)`` -> penultimate features ``(n, f)`` on the CPU."""
    return apply_in_batches(model, model.features, x, batch_size)


@dataclass
class SampleJudge:
    """Scores images by their Fréchet distance to real training images in a classifier's features.

    ``floor`` is the score of the real test images: what a perfect generator would get.
    """

    classifier: Classifier
    reference: torch.Tensor  # (n_reference, f): features of real training images
    floor: float

    @classmethod
    def train(cls, train: ImageSet, test: ImageSet, epochs: int = 3, n_reference: int = 10_000,
              progress: bool | None = None) -> SampleJudge:
        """Train the classifier on ``train`` and take the first ``n_reference`` training images as
        the reference."""
        classifier = train_classifier(train, epochs=epochs, progress=progress)
        reference = classifier_features(classifier, train.images[:n_reference])
        floor = frechet_distance(classifier_features(classifier, test.images), reference)
        return cls(classifier, reference, floor)

    def score(self, images: torch.Tensor) -> float:
        """Fréchet distance of ``images: (n, 784)`` (pixel values in [0, 1]) to the reference."""
        return frechet_distance(classifier_features(self.classifier, images), self.reference)

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """The classifier's labels for ``images: (n, 784)``: ``(n,)`` integers."""
        return apply_in_batches(self.classifier, self.classifier, images, batch_size=1000).argmax(dim=1)

    def score_prior_samples(self, decode: Callable[[torch.Tensor], torch.Tensor], latent_dim: int,
                            n: int = 10_000, seed: int = 0) -> float:
        """The score of ``decode(z)`` for ``n`` codes ``z ~ N(0, I_latent_dim)``."""
        z = torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(seed))
        with torch.no_grad():
            return self.score(decode(z))
