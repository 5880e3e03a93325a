"""The autoencoder chapter's tables: the linear autoencoder beside PCA and the eigengap check, the
test error of PCA and of the two autoencoders at each code size, the two losses, and how typical
made-up codes are.

The chapter trains one autoencoder per code size and loss (one seed each), so these tables and
sentences give that run's numbers and order nothing: no order between two models is stated here
(the book's rule, :func:`vaecore.book.verdicts.decide`, needs several seeds a side)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from vaecore import checks
from vaecore.book.messages import Message, Table, Text, say

__all__ = [
    "METHODS",
    "LinearFit",
    "linear_table",
    "Eigengap",
    "eigengap_table",
    "mse_table",
    "two_losses",
    "typicality_table",
]

#: The chapter's three ways of coding an image, by their keys in its ``test_mse``.
METHODS: dict[str, Message] = {
    "PCA": say("PCA"),
    "linear AE": say("linear AE"),
    "MLP AE": say("MLP AE"),
}

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _u(j: int) -> str:
    """The ``j``-th principal component's name, ``u₉``."""
    return "u" + str(j).translate(_SUBSCRIPTS)


@dataclass(frozen=True)
class LinearFit:
    """One linear autoencoder: its code size ``k``, its test MSE per pixel and PCA's at the same
    ``k``, the principal angles (degrees) between its decoder's span and PCA's top-``k``
    subspace, and its training time."""

    k: int
    test_mse: float
    pca_mse: float
    angles: Sequence[float]
    seconds: float


def linear_table(fits: Sequence[LinearFit]) -> Table:
    """Each linear autoencoder's test MSE, as a multiple of PCA's, and its principal angles to
    PCA's subspace (the median, taken as the chapter always has, the upper middle one, and the
    largest)."""
    rows: list[list[str | Message]] = []
    for f in fits:
        angles = sorted(float(a) for a in f.angles)
        rows.append(
            [
                say("K = {k}", k=str(f.k)),
                f"{f.test_mse:.4f}",
                f"{f.test_mse / f.pca_mse:.4f}",
                f"{angles[len(angles) // 2]:.1f}",
                f"{angles[-1]:.1f}",
                f"{f.seconds:.0f}",
            ]
        )
    return Table(
        [
            say("linear autoencoder"),
            say("test MSE"),
            say("test MSE / PCA's"),
            say("median angle to PCA's subspace (°)"),
            say("largest angle (°)"),
            say("training (s)"),
        ],
        rows,
        say("One run for each code size K, seeded with K."),
    )


@dataclass(frozen=True)
class Eigengap:
    """The eigengap check at one code size ``k``: the ratio of PCA's ``k``-th eigenvalue to the
    next, the largest principal angle (degrees) between the linear autoencoder's subspace and
    PCA's, the principal component ``leaks_onto`` (its number, counted from 1) outside PCA's
    subspace on which the autoencoder's subspace lies most, and its extra training MSE over PCA's,
    ``measured`` and ``predicted`` by the formula."""

    k: int
    ratio: float
    angle: float
    leaks_onto: int
    measured: float
    predicted: float


def eigengap_table(checks: Sequence[Eigengap]) -> Table:
    """The eigengap check, one row per code size."""
    return Table(
        [
            say("code size"),
            say("λ_K / λ_(K+1)"),
            say("largest angle (°)"),
            say("leaks most onto"),
            say("extra training MSE, measured"),
            say("predicted"),
        ],
        [
            [
                say("K = {k}", k=str(c.k)),
                f"{c.ratio:.3f}",
                f"{c.angle:.1f}",
                _u(c.leaks_onto),
                f"{c.measured:.2e}",
                f"{c.predicted:.2e}",
            ]
            for c in checks
        ],
        say(
            "Predicted: (λ_K − λ_(K+1)) sin²θ / D, with θ the largest angle. The extra error is "
            "the autoencoder's training MSE minus PCA's, on the same training images."
        ),
    )


@checks.arguments(n_test=checks.COUNT)
def mse_table(test_mse: Mapping[str, Mapping[int, float]], n_test: int) -> Table:
    """Test MSE per pixel of each of :data:`METHODS` (``test_mse[method][k]``) at each code size,
    and the MLP autoencoder's as a multiple of PCA's."""
    sizes = list(test_mse["PCA"])
    return Table(
        [
            say("code size"),
            *METHODS.values(),
            say("MLP AE / PCA"),
        ],
        [
            [
                say("K = {k}", k=str(k)),
                *(f"{test_mse[m][k]:.4f}" for m in METHODS),
                f"{test_mse['MLP AE'][k] / test_mse['PCA'][k]:.2f}",
            ]
            for k in sizes
        ],
        say(
            "Test MSE per pixel on {n} test images; one run of each autoencoder at each code size.",
            n=f"{n_test:,}",
        ),
    )


@checks.arguments(
    squared_error=checks.AT_LEAST_ZERO, cross_entropy=checks.AT_LEAST_ZERO, k=checks.COUNT
)
def two_losses(squared_error: float, cross_entropy: float, k: int) -> Text:
    """The test MSE of the same network trained on each loss, one run each."""
    return Text(
        [
            say(
                "With K = {k}, the test MSE per pixel was {se} for the autoencoder trained on "
                "squared error and {bce} for the same network trained on cross-entropy, {ratio} "
                "times as much.",
                k=str(k),
                se=f"{squared_error:.4f}",
                bce=f"{cross_entropy:.4f}",
                ratio=f"{cross_entropy / squared_error:.2f}",
            ),
            say(
                "One run of each, from the same seed: these are that run's numbers, and one run "
                "orders neither loss above the other."
            ),
        ]
    )


@checks.arguments(k=checks.COUNT)
def typicality_table(
    test: Sequence[float], prior: Sequence[float], fitted: Sequence[float], k: int
) -> Table:
    """How typical three sets of codes are for the training codes, by their Mahalanobis
    distances under the Gaussian fitted to the training codes: the codes of ``test`` images,
    draws from N(0, I) (``prior``) and draws from the ``fitted`` Gaussian. "Far out" is beyond
    the distance that 99% of the test codes stay within."""
    far = float(np.quantile(np.asarray(test, dtype=float), 0.99))
    rows: list[list[str | Message]] = []
    for name, d in (
        (say("codes of test images"), test),
        (say("z ~ N(0, I)"), prior),
        (say("z ~ Gaussian fitted to the training codes"), fitted),
    ):
        values = np.asarray(d, dtype=float)
        rows.append([name, f"{np.median(values):.1f}", f"{100 * float(np.mean(values > far)):.0f}"])
    return Table(
        [
            say("codes"),
            say("median Mahalanobis distance"),
            say("farther out than 99% of test codes (%)"),
        ],
        rows,
        say(
            "A typical code of the fitted Gaussian lies near √K = {root} (K = {k}).",
            root=f"{k**0.5:.1f}",
            k=str(k),
        ),
    )
