"""The book's image models on one scale: the recipes and measurements of the "Side by side" chapter.

Four models are trained on the same MNIST images and judged by the same measurements:

* ``autoencoder``: :func:`~vaecore.models.autoencoder.mlp_autoencoder` with ``K = 32`` and a Bernoulli
  reconstruction loss, the VAE's networks without the noise and without the KL;
* ``KL-free VAE``: ``VAE(32, beta=0)``, the noise without the KL;
* ``VAE``: ``VAE(32)``, the whole ELBO;
* ``GAN``: the GAN chapter's batch-normalised MNIST generator (64-d noise) and its discriminator.

The three encoder models see dynamically binarised images (:func:`vaecore.data.binarize`); the
GAN sees the grey images, as in its chapter. The measurements (:func:`measure`):

* reconstruction error: mean squared error per pixel between grey test images and the decoder's
  mean for the encoder's code, ``mean (decode(enc(x)) - x)^2``;
* test NLL: ``-mean_n IWAE_k(x_n)`` on binarised test images (:func:`vaecore.bounds.estimate_nll`),
  an upper bound in nats, defined for the two models with ``q(z | x)`` and ``p(x | z)``;
* samples: the Fréchet distance of the classifier's features of samples to those of real images
  (:class:`vaecore.classifier.SampleJudge`), the share of the rarest digit the classifier sees
  (10% for balanced samples), and the KL of the samples' digit shares to the test set's
  (:func:`class_kl`); and blur (:func:`blur`).

An autoencoder has no prior to sample from; it is given the simplest one fitted after training,
a Gaussian with the mean and covariance of its training codes (:func:`fitted_gaussian`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from vaecore import bounds, data, evaluate
from vaecore.classifier import SampleJudge
from vaecore.gan import GANConfig, mnist_players, train_gan
from vaecore.models import VAE, mlp_autoencoder
from vaecore.models.autoencoder import Autoencoder
from vaecore.settings import Budget
from vaecore.train import TrainConfig, fit

#: A function of ``(n, torch.Generator)`` that returns ``n`` images ``(n, 784)`` in [0, 1].
Sampler = Callable[[int, torch.Generator], torch.Tensor]

#: The models compared, in the order of the chapter's table.
MODELS = ("autoencoder", "KL-free VAE", "VAE", "GAN")
#: The code size of the three encoder models.
LATENT_DIM = 32


@dataclass
class Trained:
    """One trained model with what the comparison needs of it.

    ``decode``: code -> image mean; ``encode``: images -> codes (``None`` for the GAN); ``codes``:
    where ``sample`` draws its codes from (``"prior"`` or ``"fitted Gaussian"``).
    """

    name: str
    model: nn.Module
    decode: Callable[[torch.Tensor], torch.Tensor]
    encode: Callable[[torch.Tensor], torch.Tensor] | None
    sample: Sampler
    codes: str
    parameters: int      # every trained weight (for the GAN, both players)
    seconds: float       # training time on this machine


def count_parameters(*modules: nn.Module) -> int:
    """The number of weights in ``modules``."""
    return sum(p.numel() for m in modules for p in m.parameters())


def fitted_gaussian(codes: torch.Tensor) -> Callable[[int, torch.Generator], torch.Tensor]:
    """``codes: (n, k)`` -> a sampler of ``N(mean, cov)`` of the codes: ``(m, generator) -> (m, k)``.

    ``z = mean + L eps``, ``L L^T = cov + 1e-6 I`` (Cholesky), ``eps ~ N(0, I)``.
    """
    mean = codes.mean(0)
    cov = torch.cov(codes.T.double()) + 1e-6 * torch.eye(codes.shape[1], dtype=torch.float64)
    chol = torch.linalg.cholesky(cov).float()

    def draw(m: int, generator: torch.Generator) -> torch.Tensor:
        return mean + torch.randn(m, codes.shape[1], generator=generator) @ chol.T

    return draw


def class_shares(labels: torch.Tensor, n_classes: int = 10) -> torch.Tensor:
    """``labels: (n,)`` integers -> ``(n_classes,)``, the share of each class (sums to 1)."""
    return torch.bincount(labels, minlength=n_classes).double() / len(labels)


def class_kl(share: torch.Tensor, reference: torch.Tensor) -> float:
    """``KL(share || reference) = sum_c s_c log(s_c / r_c)`` over classes with ``s_c > 0``, in
    nats: 0 when every class is as common as in the reference."""
    nonzero = share > 0
    return float((share[nonzero] * (share[nonzero] / reference[nonzero]).log()).sum())


def blur(x: torch.Tensor) -> float:
    """``mean 4 p (1 - p)`` over the pixels of ``x: (n, d)``: 0 for pure black and white, 1 for
    all mid-grey."""
    return float((4 * x * (1 - x)).mean())


def _train_encoder_model(name: str, model: VAE | Autoencoder, x_train: torch.Tensor, epochs: int,
                         seed: int) -> Trained:
    history = fit(model, x_train, TrainConfig(epochs=epochs, seed=seed), transform=data.binarize)
    encode: Callable[[torch.Tensor], torch.Tensor]
    if isinstance(model, VAE):
        vae = model
        codes, draw = "prior", (lambda m, g: torch.randn(m, LATENT_DIM, generator=g))
        encode = lambda x: vae.encode(x)[0]  # the posterior mean
    else:
        codes, draw, encode = "fitted Gaussian", fitted_gaussian(evaluate.encode(model, x_train)), model.encode

    @torch.no_grad()
    def sample(m: int, generator: torch.Generator) -> torch.Tensor:
        return model.decode(draw(m, generator))

    return Trained(name, model, model.decode, encode, sample, codes, count_parameters(model),
                   sum(history.series("seconds")))


def train_models(x_train: torch.Tensor, budget: Budget, seed: int = 0) -> dict[str, Trained]:
    """Train the four models of :data:`MODELS` on ``x_train: (n, 784)`` (grey, in [0, 1]).

    ``budget.epochs["encoders"]`` epochs for each encoder model, ``budget.sizes["gan_steps"]``
    GAN steps (batch 64). Each model starts from ``torch.manual_seed(seed)``.
    """
    epochs = budget.epochs["encoders"]
    trained = {}
    builds: tuple[tuple[str, Callable[[], VAE | Autoencoder]], ...] = (
        ("autoencoder", lambda: mlp_autoencoder(LATENT_DIM)),
        ("KL-free VAE", lambda: VAE(LATENT_DIM, beta=0.0)),
        ("VAE", lambda: VAE(LATENT_DIM)))
    for name, build in builds:
        torch.manual_seed(seed)
        trained[name] = _train_encoder_model(name, build(), x_train, epochs, seed)
    torch.manual_seed(seed)
    generator, discriminator = mnist_players()
    history = train_gan(generator, discriminator, x_train,
                        GANConfig(steps=budget.sizes["gan_steps"], batch_size=64, seed=seed))

    @torch.no_grad()
    def gan_sample(m: int, g: torch.Generator) -> torch.Tensor:
        return generator.sample(m, g)

    trained["GAN"] = Trained("GAN", generator, generator, None, gan_sample, "prior",
                             count_parameters(generator, discriminator), history.seconds)
    return trained


@dataclass
class Scores:
    """One row of the comparison. ``None``: the measurement is not defined for the model."""

    model: str
    parameters: int
    seconds: float
    reconstruction_mse: float | None
    test_nll: float | None
    frechet: float
    rarest_class_percent: float
    class_kl: float
    blur: float


@torch.no_grad()
def measure(trained: Trained, judge: SampleJudge, x_test: torch.Tensor, x_test_binary: torch.Tensor,
            test_share: torch.Tensor, k: int, n_samples: int, seed: int = 3) -> Scores:
    """The :class:`Scores` of one model: ``x_test: (n, 784)`` grey test images, ``x_test_binary``
    binarised ones for the NLL (``k`` importance samples each), ``test_share: (10,)`` the test
    set's digit shares, and ``n_samples`` samples drawn with seed ``seed``."""
    model = trained.model
    model.eval()
    mse = None
    if trained.encode is not None:
        encode, decode = trained.encode, trained.decode
        mse = evaluate.mse(evaluate.apply_in_batches(model, lambda x: decode(encode(x)), x_test, 1000), x_test)
    nll = (bounds.estimate_nll(model, x_test_binary, k=k, progress=False)  # type: ignore[arg-type]
           if isinstance(model, VAE) else None)
    samples = trained.sample(n_samples, torch.Generator().manual_seed(seed))
    share = class_shares(judge.predict(samples))
    return Scores(trained.name, trained.parameters, trained.seconds, mse, nll, judge.score(samples),
                  100 * float(share.min()), class_kl(share, test_share), blur(samples))


def interpolations(trained: dict[str, Trained], starts: dict[str, torch.Tensor],
                   ends: dict[str, torch.Tensor], gap: int = 2
                   ) -> tuple[Callable[[torch.Tensor], torch.Tensor], tuple[int, int]]:
    """A decoder of one number ``t`` per code, for an explorer that moves every model at once,
    and the shape of its images.

    ``starts[name], ends[name]: (P, k_name)`` are ``P`` pairs of codes of each model. For
    ``t: (m, 1)``, each model decodes ``z = (1 - t) start + t end``; each of the ``m`` images
    holds ``P`` rows (the pairs) and ``M`` columns (the models, in the order of ``trained``),
    ``gap`` blank pixels apart: ``(m, 28 P * (28 M + gap (M - 1)))``, image shape
    ``(28 P, 28 M + gap (M - 1))``.
    """
    names = list(trained)
    p = len(next(iter(starts.values())))
    shape = (28 * p, 28 * len(names) + gap * (len(names) - 1))

    def decode(t: torch.Tensor) -> torch.Tensor:
        columns = []
        for i, name in enumerate(names):
            z = (1 - t[:, None, :1]) * starts[name] + t[:, None, :1] * ends[name]  # (m, P, k)
            with torch.no_grad():
                x = trained[name].decode(z.reshape(-1, z.shape[-1]))  # (m * P, 784)
            if i:
                columns.append(torch.zeros(len(t), p, 28, gap))
            columns.append(x.reshape(len(t), p, 28, 28))
        return torch.cat(columns, dim=3).reshape(len(t), shape[0] * shape[1])

    return decode, shape


def recommendations(scores: list[Scores]) -> list[tuple[str, str, str]]:
    """``(need, best model, evidence)`` for each need the table can decide, from ``scores`` alone.

    Compression: the lowest reconstruction error; generation: the lowest Fréchet distance;
    balanced samples: the lowest KL of digit shares; likelihoods: the lowest test NLL. Models
    for which a measurement is not defined take no part in that choice.
    """
    def pick(need: str, key: Callable[[Scores], float | None], fmt: str) -> tuple[str, str, str]:
        eligible = sorted((s for s in scores if key(s) is not None), key=lambda s: key(s))  # type: ignore[arg-type,return-value]
        best = eligible[0]
        others = "; ".join(f"{s.model} {key(s):{fmt}}" for s in eligible[1:]) or "no other model"
        return need, best.model, f"{key(best):{fmt}} (others: {others})"

    return [pick("compression (reconstruction error per pixel)", lambda s: s.reconstruction_mse, ".4f"),
            pick("generation (Fréchet distance of samples)", lambda s: s.frechet, ".1f"),
            pick("balanced samples (KL of digit shares, nats)", lambda s: s.class_kl, ".3f"),
            pick("likelihoods (test NLL bound, nats)", lambda s: s.test_nll, ".1f")]
