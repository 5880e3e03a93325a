"""The two players of a generative adversarial network (Goodfellow et al., 2014): a generator
``G`` that maps noise ``z ~ N(0, I)`` to data and a discriminator ``D`` that gives a logit ``a(x)``
for "x is real", ``D(x) = sigmoid(a(x))``. Their losses are in :mod:`vaecore.losses`, the
alternating training loop in :mod:`vaecore.train_gan`.

**PacGAN** (Lin et al., 2018): the discriminator judges ``pack`` samples at once, all real or all
fake, concatenated into one input. A generator that puts everything on a few modes makes packs
that look unlike real packs, so D can punish mode collapse; ``pack=1`` is the plain GAN.
"""

from __future__ import annotations

import torch
from torch import nn

from vaecore import checks
from vaecore.models.parts import mlp, refuse_foreign_input

__all__ = ["Generator", "Discriminator", "mnist_players", "ConvGenerator", "ConvDiscriminator"]


class Generator(nn.Module):
    """``G: z (n, noise_dim) -> x (n, data_dim)``, an MLP with ReLU; ``output="sigmoid"`` for
    images in [0, 1], ``"linear"`` for points in the plane. With ``batchnorm`` each hidden layer
    is Linear, BatchNorm, LeakyReLU(0.2) instead (as in the common MNIST MLP-GAN recipe)."""

    @checks.arguments(hidden=checks.WIDTHS, noise_dim=checks.COUNT, data_dim=checks.COUNT)
    def __init__(
        self,
        noise_dim: int,
        data_dim: int,
        hidden: tuple[int, ...] = (128, 128),
        output: str = "linear",
        batchnorm: bool = False,
    ) -> None:
        super().__init__()
        if output not in ("linear", "sigmoid"):
            raise ValueError(f"output must be 'linear' or 'sigmoid', got {output!r}")
        self.noise_dim, self.data_dim, self.output = noise_dim, data_dim, output
        if batchnorm:
            sizes = [noise_dim, *hidden]
            layers: list[nn.Module] = []
            for a, b in zip(sizes[:-1], sizes[1:]):
                layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.LeakyReLU(0.2)]
            self.net = nn.Sequential(*layers, nn.Linear(sizes[-1], data_dim))
        else:
            self.net = mlp([noise_dim, *hidden, data_dim])

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.dim() != 2 or z.shape[1] != self.noise_dim:
            raise ValueError(f"z must have shape (n, {self.noise_dim}), got {tuple(z.shape)}")
        x = self.net(z)
        return torch.sigmoid(x) if self.output == "sigmoid" else x

    @checks.arguments(n=checks.COUNT)
    def noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(n, noise_dim)`` draws from ``N(0, I)``, on the generator's device."""
        device = next(self.parameters()).device
        return torch.randn(n, self.noise_dim, generator=generator).to(device)

    @torch.no_grad()
    @checks.arguments(n=checks.COUNT)
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``(n, data_dim)`` samples ``G(z)``, ``z ~ N(0, I)``, on the CPU."""
        return self(self.noise(n, generator)).cpu()


class Discriminator(nn.Module):
    """``D: x (n, data_dim) -> logits (n // pack,)``, an MLP with LeakyReLU(0.2).

    With ``pack > 1`` (PacGAN) consecutive groups of ``pack`` rows are concatenated and judged
    together, so ``n`` must be a multiple of ``pack``."""

    @checks.arguments(hidden=checks.WIDTHS, data_dim=checks.COUNT, pack=checks.COUNT)
    def __init__(
        self,
        data_dim: int,
        hidden: tuple[int, ...] = (128, 128),
        pack: int = 1,
        spectral_norm: bool = False,
    ) -> None:
        super().__init__()
        self.data_dim, self.pack = data_dim, pack
        self.net = mlp([pack * data_dim, *hidden, 1], activation=lambda: nn.LeakyReLU(0.2))
        if spectral_norm:  # Miyato et al. (2018): every layer 1-Lipschitz, so D is too
            for layer in self.net:
                if isinstance(layer, nn.Linear):
                    nn.utils.parametrizations.spectral_norm(layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))

    def head(self, features: torch.Tensor) -> torch.Tensor:
        """``features (m, h) -> logits (m,)``: D's last, linear layer."""
        return self.net[-1](features).squeeze(1)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """``x (n, data_dim) -> (n // pack, h)``: the input of D's last, linear layer
        (:meth:`head`). The VAE-GAN measures its reconstructions in these features
        (:mod:`vaecore.models.vaegan`)."""
        if x.dim() != 2 or x.shape[1] != self.data_dim:
            raise ValueError(f"x must have shape (n, {self.data_dim}), got {tuple(x.shape)}")
        refuse_foreign_input(self.net, (x,))  # the check the sliced net below would skip
        if len(x) % self.pack:
            raise ValueError(f"{len(x)} samples cannot be split into packs of {self.pack}")
        return self.net[:-1](x.reshape(len(x) // self.pack, self.pack * self.data_dim))


def mnist_players() -> tuple[Generator, Discriminator]:
    """The MNIST players of the chapter "GANs on images": a batch-normalised generator
    64-256-512-1024-784 with a sigmoid output (noise ``(n, 64)`` -> images ``(n, 784)`` in
    [0, 1]) and a discriminator 784-512-256-1. Call ``torch.manual_seed`` first for reproducible
    weights."""
    return (
        Generator(64, 784, hidden=(256, 512, 1024), output="sigmoid", batchnorm=True),
        Discriminator(784, hidden=(512, 256)),
    )


class ConvGenerator(Generator):
    """DCGAN's generator (Radford et al., 2016) for 28 x 28 images, sized for a CPU:
    ``z (n, noise_dim) -> Linear -> (c1, 7, 7) -> (c2, 14, 14) -> (1, 28, 28) -> (n, 784)``,
    two transposed convolutions that double the side, batch norm and ReLU after every layer but
    the last, and a sigmoid (``Generator.forward``)."""

    @checks.arguments(channels=checks.PAIR, noise_dim=checks.COUNT)
    def __init__(self, noise_dim: int = 64, channels: tuple[int, int] = (64, 32)) -> None:
        super().__init__(noise_dim, 784, hidden=(), output="sigmoid")  # checks; the net is below
        c1, c2 = channels
        self.net = nn.Sequential(
            nn.Linear(noise_dim, c1 * 7 * 7),
            nn.BatchNorm1d(c1 * 7 * 7),
            nn.ReLU(),
            nn.Unflatten(1, (c1, 7, 7)),
            nn.ConvTranspose2d(c1, c2, 4, stride=2, padding=1),  # 7 x 7 -> 14 x 14
            nn.BatchNorm2d(c2),
            nn.ReLU(),
            nn.ConvTranspose2d(c2, 1, 4, stride=2, padding=1),  # 14 x 14 -> 28 x 28, logits
            nn.Flatten(),
        )


class ConvDiscriminator(Discriminator):
    """DCGAN's discriminator for 28 x 28 images, sized for a CPU: ``x (n, 784) -> (1, 28, 28) ->
    (c1, 14, 14) -> (c2, 7, 7) -> logits (n,)``, two strided convolutions that halve the side,
    each followed by LeakyReLU(0.2), and a linear layer; no batch norm, as in DCGAN's first
    layer, so that each image is judged on its own."""

    @checks.arguments(channels=checks.PAIR)
    def __init__(self, channels: tuple[int, int] = (32, 64)) -> None:
        super().__init__(784, hidden=())  # checks; the net is below
        c1, c2 = channels
        self.net = nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            nn.Conv2d(1, c1, 4, stride=2, padding=1),  # 28 x 28 -> 14 x 14
            nn.LeakyReLU(0.2),
            nn.Conv2d(c1, c2, 4, stride=2, padding=1),  # 14 x 14 -> 7 x 7
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(c2 * 7 * 7, 1),
        )
