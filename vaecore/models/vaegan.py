"""The VAE-GAN of Larsen et al. (2016), "Autoencoding beyond pixels using a learned similarity
metric": a VAE whose decoder is also a GAN's generator, and whose reconstruction error is
measured in the discriminator's features instead of in pixels.

With ``x~ = Dec(z)``, ``z ~ q(z | x)``, a reconstruction, ``x_p = Dec(z_p)``, ``z_p ~ N(0, I)``,
a sample, and ``D_l(x)`` the discriminator's last hidden features (``Discriminator.features``;
in the paper ``D_l`` is the discriminator's ``l``-th layer, and the authors' code takes an
intermediate convolutional layer: the last hidden layer is this book's choice):

* ``L_rec = -log N(D_l(x); D_l(x~), I) = 1/2 ||D_l(x) - D_l(x~)||^2`` + a constant (eq. VAEGAN-REC);
* ``L_KL = KL(q(z | x) || N(0, I))``;
* ``L_D`` = the discriminator's loss (eq. D-LOSS) with the real batch against both kinds of
  fake, ``x~`` and ``x_p``, averaged together; ``L_G`` = the non-saturating generator loss
  (eq. G-LOSS) on the same fakes.

Each network has its own objective (Larsen et al., Algorithm 1; eq. VAEGAN):

* the encoder minimises ``L_KL + L_rec``, a VAE's loss with the likelihood in D's features;
* the decoder minimises ``gamma L_rec + L_G``: it reconstructs and it fools D;
* the discriminator minimises ``L_D`` only (not ``L_rec``, as in the paper).

What it gives up: ``L_KL + L_rec`` bounds ``-log p(D_l(x))`` for features that change as D
learns, not ``-log p(x)``, so the VAE-GAN has no likelihood bound on the images.
"""

from __future__ import annotations

import torch

from vaecore import checks
from vaecore.loop_parts import check_gradients
from vaecore.losses import discriminator_loss, generator_loss, kl_to_standard_normal, reparameterize
from vaecore.models.gan import ConvGenerator, Discriminator
from vaecore.models.parts import check_batch
from vaecore.models.vae import conv_encoder

__all__ = ["VAEGAN"]


class VAEGAN(ConvGenerator):
    """The encoder and the decoder of a VAE-GAN for 28 x 28 images.

    The decoder is the conv GAN's generator: this class is a
    :class:`~vaecore.models.gan.ConvGenerator`, ``z (n, K) -> x (n, 784)``, so it trains with
    :func:`~vaecore.train_gan.train_gan` beside a discriminator, playing its own game
    (:meth:`train_step`), and samples like any generator.
    The encoder is the conv VAE's (:func:`~vaecore.models.vae.conv_encoder`). ``gamma`` weighs
    the reconstruction against fooling D in the decoder's loss."""

    @checks.arguments(
        channels=checks.PAIR,
        encoder_channels=checks.PAIR,
        latent_dim=checks.COUNT,
        gamma=checks.AT_LEAST_ZERO,
    )
    def __init__(
        self,
        latent_dim: int = 32,
        gamma: float = 1.0,
        channels: tuple[int, int] = (64, 32),
        encoder_channels: tuple[int, int] = (32, 64),
    ) -> None:
        super().__init__(latent_dim, channels)
        if not gamma >= 0:
            raise ValueError(f"gamma must be a number >= 0, got {gamma!r}")
        self.gamma = gamma
        self.encoder = conv_encoder(latent_dim, encoder_channels)

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``x: (batch, 784)`` -> ``(mu, logvar)``, each ``(batch, K)``, of ``q(z | x)``."""
        check_batch(x, self.data_dim, self)
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        return mu, logvar

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """``x: (batch, 784)`` -> the code ``mu: (batch, K)``."""
        return self.posterior(x)[0]

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """``z: (batch, K)`` -> images ``(batch, 784)`` in [0, 1]."""
        return self(z)

    def losses(
        self, x: torch.Tensor, discriminator: Discriminator, rng: torch.Generator | None = None
    ) -> dict[str, torch.Tensor]:
        """The three objectives of one step on a real batch ``x: (n, 784)`` (eq. VAEGAN), each a
        scalar: ``"encoder"``, ``"decoder"`` and ``"discriminator"``; also reported, batch means,
        ``"rec"`` (eq. VAEGAN-REC), ``"kl"``, and D's mean output on the real images
        (``"d_real"``) and on the fakes (``"d_fake"``). ``rng`` draws the prior codes.

        ``discriminator`` judges one image at a time (``pack = 1``), so that each reconstruction
        is compared with its own image's features."""
        _check_unpacked(discriminator)
        mu, logvar = self.posterior(x)
        z = reparameterize(mu, logvar)  # eq. (REPARAM)
        z_p = self.noise(len(x), rng)  # from the prior
        fakes = self(torch.cat([z, z_p]))  # x~ and x_p, one batch for the batch norm
        real_features = discriminator.features(x)
        fake_features = discriminator.features(fakes)
        x_tilde_features = fake_features[: len(x)]
        rec = 0.5 * (x_tilde_features - real_features).pow(2).sum(dim=-1)  # eq. (VAEGAN-REC)
        kl = kl_to_standard_normal(mu, logvar)
        real_logits = discriminator.head(real_features)
        fake_logits = discriminator.head(fake_features)
        return {  # eq. (VAEGAN)
            "encoder": (kl + rec).mean(),
            "decoder": self.gamma * rec.mean() + generator_loss(fake_logits),
            "discriminator": discriminator_loss(real_logits, fake_logits),
            "rec": rec.mean(),
            "kl": kl.mean(),
            "d_real": torch.sigmoid(real_logits).mean(),
            "d_fake": torch.sigmoid(fake_logits).mean(),
        }

    def train_step(
        self,
        discriminator: Discriminator,
        opt_g: torch.optim.Optimizer,
        opt_d: torch.optim.Optimizer,
        real: torch.Tensor,
        rng: torch.Generator,
    ) -> dict[str, float]:
        """One step of the VAE-GAN (Larsen et al., 2016, Algorithm 1) on a batch of ``real``
        data: the three objectives from one forward pass, then each network's gradient of its
        own objective only, then one step of both optimisers (``opt_g`` holds the encoder and
        the decoder, ``opt_d`` the discriminator). Returns every value of :meth:`losses`.
        :func:`~vaecore.train_gan.train_gan` plays this step instead of the GAN's."""
        losses = self.losses(real, discriminator, rng)
        networks = {"encoder": self.encoder, "decoder": self.net, "discriminator": discriminator}
        for objective, network in networks.items():
            weights = list(network.parameters())
            grads = torch.autograd.grad(losses[objective], weights, retain_graph=True)
            for weight, grad in zip(weights, grads):
                weight.grad = grad
        for objective, network in networks.items():
            check_gradients(network, losses[objective], f"the {objective}")  # finite, or no step
        opt_g.step()
        opt_d.step()
        return {name: loss.item() for name, loss in losses.items()}


def _check_unpacked(discriminator: Discriminator) -> None:
    if discriminator.pack != 1:
        raise ValueError(
            "the VAE-GAN compares each reconstruction with its own image, so its discriminator "
            f"must judge one image at a time (pack = 1), got pack = {discriminator.pack}"
        )
