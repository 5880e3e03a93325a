"""A small convolutional digit classifier, used as the judge of generated images.

Generated samples are compared with real ones in the classifier's penultimate features, the
idea behind the Fréchet Inception distance (Heusel et al. 2017) with a digit classifier in
place of Inception: both sets of features are summarised by a Gaussian, and
:func:`vaecore.evaluate.frechet_distance` measures how far apart the two Gaussians are. The
same features give the precision and recall of samples (Kynkäänniemi et al. 2019,
:func:`precision_recall`), which separate "the samples look real" from "the samples cover the
real images". :class:`SampleJudge` packages the classifier, the real reference, the floor
and the classifier's test accuracy.

The book's judge is trained once, by ``tools/train_judge.py``, and ships with vaecore
(:data:`JUDGE_WEIGHTS`, with a JSON record of how it was made and the file's SHA-256), so that
every chapter and every reader measures with the same instrument without training it again;
:meth:`SampleJudge.load` checks the file and measures its accuracy on the test set it is given.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from vaecore import checkpoint
from vaecore.data import ImageSet, batch_indices, sha256_of
from vaecore.evaluate import apply_in_batches, frechet_distance
from vaecore.train import TrainConfig, evaluate_loss, fit


#: The weights of the book's judge, written by ``tools/train_judge.py`` (its record beside).
JUDGE_WEIGHTS = Path(__file__).resolve().parent / "weights" / "mnist_judge.pt"


class ConvClassifier(nn.Module):
    """``x: (batch, 784) -> features (batch, 128) -> logits (batch, n_classes)``.

    Two 5x5 convolutions (16 and 32 channels, each with batch norm, ReLU and 2x2 max pooling:
    28x28 -> 14x14 -> 7x7), then a 128-unit ReLU layer, whose activations are the features the
    judge compares, and a linear layer to the class logits.
    """

    def __init__(self, n_classes: int = 10, channels: tuple[int, int] = (16, 32),
                 features: int = 128) -> None:
        super().__init__()
        c1, c2 = channels

        def block(c_in: int, c_out: int) -> list[nn.Module]:
            return [nn.Conv2d(c_in, c_out, 5, padding=2, bias=False), nn.BatchNorm2d(c_out),
                    nn.ReLU(), nn.MaxPool2d(2)]

        self.body = nn.Sequential(nn.Unflatten(1, (1, 28, 28)), *block(1, c1), *block(c1, c2),
                                  nn.Flatten(), nn.Linear(c2 * 7 * 7, features), nn.ReLU())
        self.head = nn.Linear(features, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The penultimate activations, ``(batch, features)``."""
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
                     progress: bool | None = None) -> ConvClassifier:
    """Train a :class:`ConvClassifier` on a labelled image set (Adam, learning rate 2e-3 with a
    cosine decay, batches of 128; about 99% test accuracy on MNIST after 3 epochs)."""
    if train.labels is None:
        raise ValueError("the classifier needs a labelled image set; load one with data.load(...)")
    torch.manual_seed(seed)
    model = ConvClassifier(n_classes=len(train.classes or range(int(train.labels.max()) + 1)))
    fit(model, (train.images, train.labels),
        TrainConfig(epochs=epochs, lr=2e-3, seed=seed, progress=progress))
    return model


def load_classifier(path: Path = JUDGE_WEIGHTS) -> ConvClassifier:
    """The classifier saved at ``path`` by ``tools/train_judge.py``, after checking the file's
    SHA-256 against the record beside it (``<name>.json``)."""
    record_path = path.with_suffix(".json")
    if not path.is_file() or not record_path.is_file():
        raise FileNotFoundError(f"the judge's weights or record is missing ({path}, {record_path}); "
                                "make them with `python tools/train_judge.py`")
    record = json.loads(record_path.read_text())
    if sha256_of(path) != record["sha256"]:
        raise checkpoint.CheckpointError(
            f"{path} is not the file its record describes (SHA-256 differs): it is damaged or was "
            "replaced. Restore it from the repository or retrain it with `python tools/train_judge.py`")
    model = ConvClassifier(n_classes=record["n_classes"])
    checkpoint.load(model, path)
    return model.eval()


def classifier_features(model: ConvClassifier, x: torch.Tensor,
                        batch_size: int = 1000) -> torch.Tensor:
    """``x: (n, 784)`` -> penultimate features ``(n, f)`` on the CPU."""
    return apply_in_batches(model, model.features, x, batch_size)


def _kth_neighbour_radius(features: torch.Tensor, k: int, batch_size: int = 1000) -> torch.Tensor:
    """``(n, f)`` -> ``(n,)``: each point's distance to its ``k``-th nearest other point."""
    return torch.cat([torch.cdist(features[idx], features).kthvalue(k + 1, dim=1).values
                      for idx in batch_indices(len(features), batch_size, shuffle=False)])


def _inside_any_ball(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor,
                     batch_size: int = 1000) -> torch.Tensor:
    """``(m,)`` booleans: is point ``i`` within ``radii[j]`` of some centre ``j``?"""
    return torch.cat([(torch.cdist(points[idx], centres) <= radii).any(dim=1)
                      for idx in batch_indices(len(points), batch_size, shuffle=False)])


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall of samples (Kynkäänniemi et al. 2019), in features.

    ``real: (n, f)``, ``fake: (m, f)``. Each set's manifold is the union of balls around its
    points, of radius the distance to the ``k``-th nearest neighbour in the same set. Precision
    is the share of fake points inside the real manifold (do the samples look real?); recall is
    the share of real points inside the fake manifold (are the real images covered?).
    """
    if real.dim() != 2 or fake.dim() != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f"need (n, f) and (m, f) features, got {tuple(real.shape)} and "
                         f"{tuple(fake.shape)}")
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"need more than k={k} points in each set, got {len(real)} and {len(fake)}")
    real, fake = real.float(), fake.float()
    precision = _inside_any_ball(fake, real, _kth_neighbour_radius(real, k)).double().mean()
    recall = _inside_any_ball(real, fake, _kth_neighbour_radius(fake, k)).double().mean()
    return float(precision), float(recall)


@dataclass
class SampleJudge:
    """Scores images against real training images in a convolutional classifier's features.

    ``reference``: features of real training images; ``floor``: the Fréchet distance of the
    real test images, what a perfect generator would get; ``accuracy``: the classifier's test
    accuracy in percent.
    """

    classifier: ConvClassifier
    reference: torch.Tensor  # (n_reference, f)
    floor: float
    accuracy: float

    @classmethod
    def from_classifier(cls, classifier: ConvClassifier, train: ImageSet, test: ImageSet,
                        n_reference: int = 10_000) -> SampleJudge:
        """Take the first ``n_reference`` images of ``train`` as the reference, and measure the
        floor and the accuracy on ``test`` (labelled)."""
        if test.labels is None:
            raise ValueError("the judge reports its test accuracy: pass a labelled test set")
        reference = classifier_features(classifier, train.images[:n_reference])
        floor = frechet_distance(classifier_features(classifier, test.images), reference)
        accuracy = 100 * evaluate_loss(classifier, (test.images, test.labels))["accuracy"]
        return cls(classifier, reference, floor, accuracy)

    @classmethod
    def train(cls, train: ImageSet, test: ImageSet, epochs: int = 3, n_reference: int = 10_000,
              progress: bool | None = None) -> SampleJudge:
        """A judge with a classifier trained now on ``train`` (labelled)."""
        if test.labels is None:  # checked before training, not after it
            raise ValueError("the judge reports its test accuracy: pass a labelled test set")
        return cls.from_classifier(train_classifier(train, epochs=epochs, progress=progress),
                                   train, test, n_reference)

    @classmethod
    def load(cls, train: ImageSet, test: ImageSet, n_reference: int = 10_000,
             path: Path = JUDGE_WEIGHTS) -> SampleJudge:
        """The book's judge (:func:`load_classifier`), with its reference from ``train``."""
        return cls.from_classifier(load_classifier(path), train, test, n_reference)

    def score(self, images: torch.Tensor) -> float:
        """Fréchet distance of ``images: (n, 784)`` (pixel values in [0, 1]) to the reference."""
        return frechet_distance(classifier_features(self.classifier, images), self.reference)

    def precision_recall(self, images: torch.Tensor, k: int = 3) -> tuple[float, float]:
        """:func:`precision_recall` of ``images: (n, 784)`` against as many reference images."""
        n = min(len(images), len(self.reference))
        return precision_recall(self.reference[:n], classifier_features(self.classifier, images[:n]), k)

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """The classifier's labels for ``images: (n, 784)``: ``(n,)`` integers."""
        return apply_in_batches(self.classifier, self.classifier, images, batch_size=1000).argmax(dim=1)

    def score_prior_samples(self, decode: Callable[[torch.Tensor], torch.Tensor], latent_dim: int,
                            n: int = 10_000, seed: int = 0) -> float:
        """The score of ``decode(z)`` for ``n`` codes ``z ~ N(0, I_latent_dim)``."""
        z = torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(seed))
        with torch.no_grad():
            return self.score(decode(z))
