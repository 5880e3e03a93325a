"""A small convolutional digit classifier: the network behind the book's sample judge
(:mod:`vaecore.metrics.judge`), which compares generated and real digits in its penultimate
features."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from vaecore import checks

__all__ = ["ConvClassifier"]


class ConvClassifier(nn.Module):
    """``x: (batch, 784) -> features (batch, 128) -> logits (batch, n_classes)``.

    Two 5x5 convolutions (16 and 32 channels, each with batch norm, ReLU and 2x2 max pooling: 28x28
    -> 14x14 -> 7x7), then a 128-unit ReLU layer, whose activations are the features the judge
    compares, and a linear layer to the class logits."""

    @checks.arguments(channels=checks.PAIR, n_classes=checks.COUNT, features=checks.COUNT)
    def __init__(
        self, n_classes: int = 10, channels: tuple[int, int] = (16, 32), features: int = 128
    ) -> None:
        super().__init__()
        c1, c2 = channels

        def block(c_in: int, c_out: int) -> list[nn.Module]:
            return [
                nn.Conv2d(c_in, c_out, 5, padding=2, bias=False),
                nn.BatchNorm2d(c_out),
                nn.ReLU(),
                nn.MaxPool2d(2),
            ]

        self.body = nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            *block(1, c1),
            *block(c1, c2),
            nn.Flatten(),
            nn.Linear(c2 * 7 * 7, features),
            nn.ReLU(),
        )
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
        return {
            "loss": F.cross_entropy(logits, y),
            "accuracy": (logits.argmax(1) == y).float().mean(),
        }
