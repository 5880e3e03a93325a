"""The sample judge: generated images compared with real ones in the features of a small
convolutional digit classifier (:class:`vaecore.models.classifier.ConvClassifier`).

Generated samples are compared with real ones in the classifier's penultimate features, the
idea behind the Fréchet Inception distance (Heusel et al. 2017) with a digit classifier in
place of Inception: both sets of features are summarised by a Gaussian, and
:func:`frechet_distance` measures how far apart the two Gaussians are. The
same features give the precision and recall of samples (Kynkäänniemi et al. 2019,
:func:`precision_recall`), which separate "the samples look real" from "the samples cover the
real images". :class:`SampleJudge` packages the classifier, the real reference, the floor
and the classifier's test accuracy.

The book's judge is trained once, by ``tools/train_judge.py``, and ships with vaecore
(:data:`JUDGE_WEIGHTS`, with a JSON record of how it was made and the file's SHA-256), so that
every chapter and every reader measures with the same instrument without training it again;
:meth:`SampleJudge.load` checks the file and measures its accuracy on the test set it is given.

The judge is itself checked on damaged real digits (:func:`known_cases`): blurred, noised,
with pixels shuffled, or with one class missing, each must score worse than the real ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from vaecore import checkpoint, checks
from vaecore.checks import rows
from vaecore.data.batches import batch_indices
from vaecore.data.datasets import ImageSet
from vaecore.data.sources import sha256_of
from vaecore.metrics.batched import apply_in_batches
from vaecore.models.classifier import ConvClassifier
from vaecore.train import TrainConfig, fit

__all__ = [
    "JUDGE_WEIGHTS",
    "frechet_distance",
    "train_classifier",
    "load_classifier",
    "classifier_features",
    "precision_recall",
    "SampleJudge",
    "mean_filtered",
    "noised",
    "shuffled_pixels",
    "known_cases",
]

#: The weights of the book's judge, written by ``tools/train_judge.py`` (its record beside).
JUDGE_WEIGHTS = Path(__file__).resolve().parent / "weights" / "mnist_judge.pt"


def _check_feature_sets(a: torch.Tensor, b: torch.Tensor) -> None:
    rows(a, "a", 2)  # a covariance needs two points
    rows(b, "b", 2)
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(
            f"need two (n, f) feature sets with n >= 2, got {tuple(a.shape)} and {tuple(b.shape)}"
        )


def _labels_of(test: ImageSet) -> torch.Tensor:
    if test.labels is None:
        raise ValueError("the judge reports its test accuracy: pass a labelled test set")
    return test.labels


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two sets of features ``(n_a, f)``, ``(n_b, f)``.

    ``||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^{1/2})``, the squared 2-Wasserstein
    distance between ``N(mu_a, S_a)`` and ``N(mu_b, S_b)``. The trace of the square root is
    computed as ``sum sqrt(eig(S_a^{1/2} S_b S_a^{1/2}))``, a symmetric form that stays real.
    """
    _check_feature_sets(a, b)
    xa, xb = a.double().numpy(), b.double().numpy()
    mu_a, mu_b = xa.mean(0), xb.mean(0)
    s_a, s_b = (np.atleast_2d(np.cov(v, rowvar=False)) for v in (xa, xb))
    w, v = np.linalg.eigh(s_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T  # S_a^(1/2)
    # tr (S_a^(1/2) S_b S_a^(1/2))^(1/2): the sum of the square roots of its eigenvalues
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ s_b @ root_a), 0, None)).sum()
    # eq. (FD)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * cross)


@checks.arguments(epochs=checks.COUNT, seed=checks.SEED)
def train_classifier(
    train: ImageSet, epochs: int = 3, seed: int = 0, progress: bool | None = None
) -> ConvClassifier:
    """Train a :class:`vaecore.models.classifier.ConvClassifier` on a labelled image set (Adam,
    learning rate 2e-3 with a cosine decay, batches of 128; about 99% test accuracy on MNIST after 3
    epochs)."""
    if train.labels is None:
        raise ValueError(
            "the classifier needs a labelled image set; load one with "
            "vaecore.data.datasets.load_images(...)"
        )
    rows(train.images, "train")
    torch.manual_seed(seed)
    model = ConvClassifier(n_classes=len(train.classes or range(int(train.labels.max()) + 1)))
    fit(
        model,
        (train.images, train.labels),
        TrainConfig(epochs=epochs, lr=2e-3, seed=seed, progress=progress),
    )
    return model


def load_classifier(path: Path = JUDGE_WEIGHTS) -> ConvClassifier:
    """The classifier saved at ``path`` by ``tools/train_judge.py``, after checking the file's
    SHA-256 against the record beside it (``<name>.json``)."""
    record_path = path.with_suffix(".json")
    if not path.is_file() or not record_path.is_file():
        raise FileNotFoundError(
            f"the judge's weights or record is missing ({path}, {record_path}); "
            "make them with `python tools/train_judge.py`"
        )
    record = json.loads(record_path.read_text())
    if sha256_of(path) != record["sha256"]:
        raise checkpoint.CheckpointError(
            f"{path} is not the file its record describes (SHA-256 differs): it is damaged or was "
            "replaced. Restore it from the repository or retrain it with `python "
            "tools/train_judge.py`"
        )
    model = ConvClassifier(n_classes=record["n_classes"])
    checkpoint.load(model, path)
    return model.eval()


@checks.arguments(batch_size=checks.COUNT)
def classifier_features(
    model: ConvClassifier, x: torch.Tensor, batch_size: int = 1000
) -> torch.Tensor:
    """``x: (n, 784)`` -> penultimate features ``(n, f)`` on ``x``'s device."""
    rows(x, "x")
    return apply_in_batches(model, model.features, x, batch_size)


def _kth_neighbour_radius(features: torch.Tensor, k: int, batch_size: int = 1000) -> torch.Tensor:
    """``(n, f)`` -> ``(n,)``: each point's distance to its ``k``-th nearest other point."""
    return torch.cat(
        [
            torch.cdist(features[idx], features).kthvalue(k + 1, dim=1).values
            for idx in batch_indices(len(features), batch_size, shuffle=False)
        ]
    )


def _inside_any_ball(
    points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor, batch_size: int = 1000
) -> torch.Tensor:
    """``(m,)`` booleans: is point ``i`` within ``radii[j]`` of some centre ``j``?"""
    return torch.cat(
        [
            (torch.cdist(points[idx], centres) <= radii).any(dim=1)
            for idx in batch_indices(len(points), batch_size, shuffle=False)
        ]
    )


@checks.arguments(k=checks.COUNT)
def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall of samples (Kynkäänniemi et al. 2019), in features.

    ``real: (n, f)``, ``fake: (m, f)``. Each set's manifold is the union of balls around its
    points, of radius the distance to the ``k``-th nearest neighbour in the same set. Precision
    is the share of fake points inside the real manifold (do the samples look real?); recall is
    the share of real points inside the fake manifold (are the real images covered?).
    """
    if real.dim() != 2 or fake.dim() != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(
            f"need (n, f) and (m, f) features, got {tuple(real.shape)} and {tuple(fake.shape)}"
        )
    rows(real, "real", k + 1)  # each point's k-th neighbour among the others
    rows(fake, "fake", k + 1)
    real, fake = real.float(), fake.float()
    precision = _inside_any_ball(fake, real, _kth_neighbour_radius(real, k)).double().mean()
    recall = _inside_any_ball(real, fake, _kth_neighbour_radius(fake, k)).double().mean()
    return float(precision), float(recall)


@dataclass
class SampleJudge:
    """Scores images against real training images in a convolutional classifier's features.

    ``reference``: features of real training images; ``floor``: the Fréchet distance of the real
    test images, what a perfect generator would get; ``accuracy``: the classifier's test accuracy in
    percent."""

    classifier: ConvClassifier
    reference: torch.Tensor  # (n_reference, f)
    floor: float
    accuracy: float

    @classmethod
    def from_classifier(
        cls, classifier: ConvClassifier, train: ImageSet, test: ImageSet, n_reference: int = 10_000
    ) -> SampleJudge:
        """Take the first ``n_reference`` images of ``train`` as the reference, and measure the
        floor and the accuracy on ``test`` (labelled)."""
        labels = _labels_of(test)
        reference = classifier_features(classifier, train.images[:n_reference])
        test_features = classifier_features(classifier, test.images)  # one pass serves both
        floor = frechet_distance(test_features, reference)
        # the classifier's head on those features, wherever the classifier is (as every judge call)
        predicted = apply_in_batches(classifier, classifier.head, test_features, 1000).argmax(1)
        accuracy = 100 * (predicted == labels).double().mean().item()
        return cls(classifier, reference, floor, accuracy)

    @classmethod
    def train(
        cls,
        train: ImageSet,
        test: ImageSet,
        epochs: int = 3,
        n_reference: int = 10_000,
        progress: bool | None = None,
    ) -> SampleJudge:
        """A judge with a classifier trained now on ``train`` (labelled)."""
        _labels_of(test)  # checked before training, not after it
        return cls.from_classifier(
            train_classifier(train, epochs=epochs, progress=progress), train, test, n_reference
        )

    @classmethod
    def load(
        cls, train: ImageSet, test: ImageSet, n_reference: int = 10_000, path: Path = JUDGE_WEIGHTS
    ) -> SampleJudge:
        """The book's judge (:func:`load_classifier`), with its reference from ``train``."""
        return cls.from_classifier(load_classifier(path), train, test, n_reference)

    def score(self, images: torch.Tensor) -> float:
        """Fréchet distance of ``images: (n, 784)`` (pixel values in [0, 1]) to the reference."""
        return frechet_distance(classifier_features(self.classifier, images), self.reference)

    @checks.arguments(seed=checks.SEED)
    def scale_points(self, real: torch.Tensor, seed: int = 0) -> dict[str, float]:
        """Two scores that give the scale its size, beside :attr:`floor` (real test digits):
        ``"blurred"``, the ``real: (n, 784)`` digits blurred twice by a 3x3 mean filter
        (:func:`mean_filtered`), and ``"noise"``, ``n`` images of uniform noise in [0, 1]."""
        noise = torch.rand(real.shape, generator=torch.Generator().manual_seed(seed))
        return {"blurred": self.score(mean_filtered(real, 2)), "noise": self.score(noise)}

    @checks.arguments(k=checks.COUNT)
    def precision_recall(self, images: torch.Tensor, k: int = 3) -> tuple[float, float]:
        """:func:`precision_recall` of ``images: (n, 784)`` against as many reference images."""
        n = min(len(images), len(self.reference))
        return precision_recall(
            self.reference[:n], classifier_features(self.classifier, images[:n]), k
        )

    def predict(self, images: torch.Tensor) -> torch.Tensor:
        """The classifier's labels for ``images: (n, 784)``: ``(n,)`` integers."""
        return apply_in_batches(self.classifier, self.classifier, images, batch_size=1000).argmax(
            dim=1
        )

    @checks.arguments(latent_dim=checks.COUNT, n=checks.COUNT, seed=checks.SEED)
    def score_prior_samples(
        self,
        decode: Callable[[torch.Tensor], torch.Tensor],
        latent_dim: int,
        n: int = 10_000,
        seed: int = 0,
    ) -> float:
        """The score of ``decode(z)`` for ``n`` codes ``z ~ N(0, I_latent_dim)``."""
        z = torch.randn(n, latent_dim, generator=torch.Generator().manual_seed(seed))
        with torch.no_grad():
            return self.score(decode(z))


@checks.arguments(times=checks.whole(0))
def mean_filtered(x: torch.Tensor, times: int = 1) -> torch.Tensor:
    """``x: (n, 784)`` blurred ``times`` times by a 3x3 mean filter (edges padded with 0)."""
    images = x.reshape(-1, 1, 28, 28)
    for _ in range(times):
        images = torch.nn.functional.avg_pool2d(images, 3, stride=1, padding=1)
    return images.reshape(-1, 784)


@checks.arguments(sd=checks.AT_LEAST_ZERO)
def noised(x: torch.Tensor, sd: float, generator: torch.Generator) -> torch.Tensor:
    """``x + sd * eps``, ``eps ~ N(0, I)``, clipped to [0, 1]."""
    return (x + sd * torch.randn(x.shape, generator=generator)).clamp(0, 1)


@checks.arguments(share=checks.number(at_least=0, at_most=1))
def shuffled_pixels(x: torch.Tensor, share: float, generator: torch.Generator) -> torch.Tensor:
    """``x: (n, 784)`` with a ``share`` of the pixel positions swapped among themselves (one
    permutation for all images): the same grey levels, in the wrong places."""
    moved = torch.randperm(x.shape[1], generator=generator)[: int(share * x.shape[1])]
    columns = torch.arange(x.shape[1])
    columns[moved] = moved[torch.randperm(len(moved), generator=generator)]
    return x[:, columns]


@checks.arguments(seed=checks.SEED)
def known_cases(x: torch.Tensor, labels: torch.Tensor, seed: int = 0) -> dict[str, torch.Tensor]:
    """Real images ``x: (n, 784)`` spoilt in ways whose order a sample scale must respect:
    every case is worse than the real images, and each corruption worse the stronger it is."""
    rows(x, "x")
    rows(labels, "labels", len(x))
    g = torch.Generator().manual_seed(seed)
    return {
        "real test digits": x,
        "one digit missing (no 1s)": x[labels != 1],
        "noised (sd 0.1)": noised(x, 0.1, g),
        "noised (sd 0.3)": noised(x, 0.3, g),
        "blurred once (3x3 mean)": mean_filtered(x, 1),
        "blurred twice": mean_filtered(x, 2),
        "10% of pixels shuffled": shuffled_pixels(x, 0.1, g),
        "all pixels shuffled": shuffled_pixels(x, 1.0, g),
    }
