"""Models of discrete data: images whose ``pixels`` each take one of ``levels`` values, held as
one-hot rows ``(n, pixels * levels)`` (:func:`vaecore.experiments.discrete.one_hot_rows`).

* :class:`CategoricalGenerator`, a GAN generator whose output is a categorical distribution per
  pixel, so that its samples are discrete; how a gradient gets back through the sample is the
  training step's choice (:func:`vaecore.experiments.discrete.generator_loss_of`).
* :class:`CategoricalVAE`, the VAE with a categorical decoder ``p(x | z) = prod_i
  Cat(x_i; softmax(l_i(z)))``: the Bernoulli decoder of the VAE chapters, with ``levels`` values
  instead of two. Its loss is the VAE's; only the likelihood changes.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from vaecore import checks
from vaecore.losses import categorical_log_prob
from vaecore.models.gan import Generator
from vaecore.models.vae import VAE

__all__ = ["draw_one_hot", "CategoricalGenerator", "CategoricalVAE"]


def draw_one_hot(logits: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """One draw per pixel from ``Cat(softmax(logits))``: ``logits: (n, pixels, levels)`` ->
    one-hot rows ``(n, pixels * levels)``. A draw has no gradient: nothing flows back to
    ``logits``."""
    n, pixels, levels = logits.shape
    probs = torch.softmax(logits.detach(), dim=-1).reshape(-1, levels).cpu()
    values = torch.multinomial(probs, 1, generator=generator).reshape(n, pixels)
    return F.one_hot(values, levels).flatten(1).to(logits)


class CategoricalGenerator(Generator):
    """``G: z (n, noise_dim) -> logits (n, pixels, levels)``, an MLP with ReLU; a sample is one
    draw per pixel from ``Cat(softmax(logits))``, as a one-hot row."""

    @checks.arguments(
        hidden=checks.WIDTHS, noise_dim=checks.COUNT, pixels=checks.COUNT, levels=checks.whole(2)
    )
    def __init__(
        self, noise_dim: int, pixels: int, levels: int, hidden: tuple[int, ...] = (128, 128)
    ) -> None:
        super().__init__(noise_dim, pixels * levels, hidden)
        self.pixels, self.levels = pixels, levels

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """``z: (n, noise_dim)`` -> ``logits: (n, pixels, levels)``."""
        return super().forward(z).unflatten(1, (self.pixels, self.levels))

    @torch.no_grad()
    @checks.arguments(n=checks.COUNT)
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(n, pixels * levels)`` one-hot samples on the CPU."""
        return draw_one_hot(self(self.noise(n, generator)), generator).cpu()


class CategoricalVAE(VAE):
    """The VAE of :class:`~vaecore.models.vae.VAE` on one-hot rows ``(n, pixels * levels)``, with
    the categorical decoder of eq. (CAT)."""

    @checks.arguments(
        hidden=checks.WIDTHS, latent_dim=checks.COUNT, pixels=checks.COUNT, levels=checks.whole(2)
    )
    def __init__(
        self, latent_dim: int, pixels: int, levels: int, hidden: tuple[int, ...] = (128,)
    ) -> None:
        super().__init__(latent_dim, hidden, data_dim=pixels * levels)
        self.pixels, self.levels = pixels, levels

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """``log p(x | z)``: ``x: (batch, d)``, ``z: (..., batch, k)`` -> ``(..., batch)``."""
        logits = self.decoder(z)
        d = logits.shape[-1]
        log_p = categorical_log_prob(  # eq. (CAT) per image
            logits.reshape(-1, d), x.expand_as(logits).reshape(-1, d), self.levels
        )
        return log_p.reshape(logits.shape[:-1])

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """``z: (..., k)`` -> each pixel's probabilities ``(..., pixels * levels)``."""
        logits = self.decoder(z).unflatten(-1, (self.pixels, self.levels))
        return torch.softmax(logits, dim=-1).flatten(-2)

    @torch.no_grad()
    @checks.arguments(n=checks.COUNT)
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(n, pixels * levels)`` one-hot draws from ``p(x | z)``, ``z ~ N(0, I)``."""
        device = next(self.parameters()).device
        z = torch.randn(n, self.latent_dim, generator=generator).to(device)
        logits = self.decoder(z).unflatten(-1, (self.pixels, self.levels))
        return draw_one_hot(logits, generator).cpu()
