"""Measurements of single images and of sets of images: the reconstruction error, how grey and
how sharp samples are, and how their digit classes are spread.

All reconstruction errors are the **mean squared error per pixel**, ``mean_{n,i} (x_hat_ni -
x_ni)^2``, so models with different losses are compared on one scale."""

from __future__ import annotations

import torch

from vaecore import checks
from vaecore.checks import rows

__all__ = ["mse", "greyness", "laplacian_energy", "sharpness", "class_shares", "class_kl"]


def mse(x_hat: torch.Tensor, x: torch.Tensor) -> float:
    """Mean squared error per pixel between ``x_hat`` and ``x``, both ``(n, d)``."""
    rows(x_hat, "x_hat")
    rows(x, "x")
    if x_hat.shape != x.shape:
        raise ValueError(f"shapes differ: {tuple(x_hat.shape)} and {tuple(x.shape)}")
    return float((x_hat - x).pow(2).mean())


def greyness(x: torch.Tensor) -> float:
    """``mean 4 p (1 - p)`` over the pixels of ``x: (n, d)``: 0 for pure black and white, 1 for
    all mid-grey. It measures grey pixels, not blur: a sharp grey stroke scores high too."""
    rows(x, "x")
    return float((4 * x * (1 - x)).mean())


#: The discrete Laplacian, a second difference in both directions: 0 on flat or linear patches.
_LAPLACIAN = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def laplacian_energy(x: torch.Tensor) -> float:
    """``mean (Laplacian of the image)^2`` over ``x: (n, 784)``, 28x28 images: how much the
    pixels curve, which blurring removes."""
    rows(x, "x")
    images = x.reshape(-1, 1, 28, 28).float()
    laplacian = torch.nn.functional.conv2d(images, _LAPLACIAN.view(1, 1, 3, 3))  # inner pixels
    return float(laplacian.pow(2).mean())


def sharpness(x: torch.Tensor, reference: torch.Tensor) -> float:
    """``laplacian_energy(x) / laplacian_energy(reference)``: 1 for strokes as sharp as the
    reference's (real digits), below 1 for blurred ones (one 3x3 mean filter takes real digits
    far below 1), above 1 for noisy ones."""
    rows(x, "x")
    rows(reference, "reference")
    return laplacian_energy(x) / laplacian_energy(reference)  # eq. (SHARP)


@checks.arguments(n_classes=checks.COUNT)
def class_shares(labels: torch.Tensor, n_classes: int = 10) -> torch.Tensor:
    """``labels: (n,)`` integers in ``0 .. n_classes - 1`` -> ``(n_classes,)``, the share of each
    class (sums to 1)."""
    rows(labels, "labels")
    if labels.min() < 0 or labels.max() >= n_classes:
        raise ValueError(
            f"labels must each be in 0..{n_classes - 1}, got {len(labels)} labels from "
            f"{int(labels.min())} to {int(labels.max())}"
        )
    return torch.bincount(labels, minlength=n_classes).double() / len(labels)


def class_kl(share: torch.Tensor, reference: torch.Tensor) -> float:
    """``KL(share || reference) = sum_c s_c log(s_c / r_c)`` over classes with ``s_c > 0``, in
    nats: 0 when every class is as common as in the reference."""
    rows(share, "share")
    rows(reference, "reference")
    if share.shape != reference.shape:
        raise ValueError(f"share and reference differ in shape: {share.shape}, {reference.shape}")
    nonzero = share > 0
    return float((share[nonzero] * (share[nonzero] / reference[nonzero]).log()).sum())
