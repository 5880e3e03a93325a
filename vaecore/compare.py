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
* samples: the Fréchet distance of the judge's features of samples to those of real images
  (:class:`vaecore.classifier.SampleJudge`, a small convolutional classifier), their precision
  and recall in the same features, the share of the rarest digit the judge sees (10% for
  balanced samples), the KL of the samples' digit shares to the test set's (:func:`class_kl`),
  how grey the pixels are (:func:`greyness`) and how sharp the strokes are (:func:`sharpness`).
  The encoder models' samples are their decoders' means (grey pixel probabilities), not binary
  draws from ``p(x | z)``.

Which model is best at what is decided over several seeds (:func:`recommendations`): one seed
ranks nothing.

An autoencoder has no prior to sample from; it is given the simplest one fitted after training,
a Gaussian with the mean and covariance of its training codes (:func:`fitted_gaussian`).
"""

from __future__ import annotations

import dataclasses
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


def greyness(x: torch.Tensor) -> float:
    """``mean 4 p (1 - p)`` over the pixels of ``x: (n, d)``: 0 for pure black and white, 1 for
    all mid-grey. It measures grey pixels, not blur: a sharp grey stroke scores high too."""
    return float((4 * x * (1 - x)).mean())


#: The discrete Laplacian, a second difference in both directions: 0 on flat or linear patches.
_LAPLACIAN = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def laplacian_energy(x: torch.Tensor) -> float:
    """``mean (Laplacian of the image)^2`` over ``x: (n, 784)``, 28x28 images: how much the
    pixels curve, which blurring removes."""
    images = x.reshape(-1, 1, 28, 28).float()
    return float(torch.nn.functional.conv2d(images, _LAPLACIAN.view(1, 1, 3, 3)).pow(2).mean())


def sharpness(x: torch.Tensor, reference: torch.Tensor) -> float:
    """``laplacian_energy(x) / laplacian_energy(reference)``: 1 for strokes as sharp as the
    reference's (real digits), below 1 for blurred ones (one 3x3 mean filter takes real digits
    far below 1), above 1 for noisy ones."""
    return laplacian_energy(x) / laplacian_energy(reference)


def mean_filtered(x: torch.Tensor, times: int = 1) -> torch.Tensor:
    """``x: (n, 784)`` blurred ``times`` times by a 3x3 mean filter (edges padded with 0)."""
    images = x.reshape(-1, 1, 28, 28)
    for _ in range(times):
        images = torch.nn.functional.avg_pool2d(images, 3, stride=1, padding=1)
    return images.reshape(-1, 784)


def noised(x: torch.Tensor, sd: float, generator: torch.Generator) -> torch.Tensor:
    """``x + sd * eps``, ``eps ~ N(0, I)``, clipped to [0, 1]."""
    return (x + sd * torch.randn(x.shape, generator=generator)).clamp(0, 1)


def shuffled_pixels(x: torch.Tensor, share: float, generator: torch.Generator) -> torch.Tensor:
    """``x: (n, 784)`` with a ``share`` of the pixel positions swapped among themselves (one
    permutation for all images): the same grey levels, in the wrong places."""
    moved = torch.randperm(x.shape[1], generator=generator)[: int(share * x.shape[1])]
    columns = torch.arange(x.shape[1])
    columns[moved] = moved[torch.randperm(len(moved), generator=generator)]
    return x[:, columns]


def known_cases(x: torch.Tensor, labels: torch.Tensor, seed: int = 0) -> dict[str, torch.Tensor]:
    """Real images ``x: (n, 784)`` spoilt in ways whose order a sample scale must respect:
    every case is worse than the real images, and each corruption worse the stronger it is."""
    g = torch.Generator().manual_seed(seed)
    return {"real test digits": x,
            "one digit missing (no 1s)": x[labels != 1],
            "noised (sd 0.1)": noised(x, 0.1, g), "noised (sd 0.3)": noised(x, 0.3, g),
            "blurred once (3x3 mean)": mean_filtered(x, 1), "blurred twice": mean_filtered(x, 2),
            "10% of pixels shuffled": shuffled_pixels(x, 0.1, g),
            "all pixels shuffled": shuffled_pixels(x, 1.0, g)}


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
    precision: float
    recall: float
    rarest_class_percent: float
    class_kl: float
    greyness: float
    sharpness: float


@torch.no_grad()
def measure(trained: Trained, judge: SampleJudge, x_test: torch.Tensor, x_test_binary: torch.Tensor,
            test_share: torch.Tensor, k: int, n_samples: int, seed: int = 3) -> Scores:
    """The :class:`Scores` of one model: ``x_test: (n, 784)`` grey test images (also the
    reference of :func:`sharpness`), ``x_test_binary`` binarised ones for the NLL (``k``
    importance samples each), ``test_share: (10,)`` the test set's digit shares, and
    ``n_samples`` samples drawn with seed ``seed``."""
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
    precision, recall = judge.precision_recall(samples)
    return Scores(trained.name, trained.parameters, trained.seconds, mse, nll, judge.score(samples),
                  precision, recall, 100 * float(share.min()), class_kl(share, test_share),
                  greyness(samples), sharpness(samples, x_test))


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


#: The needs the table can decide, each as ``(need, Scores field, lower is better, format)``.
NEEDS = (("compression (reconstruction error per pixel)", "reconstruction_mse", True, ".5f"),
         ("likelihoods (test NLL bound, nats)", "test_nll", True, ".1f"),
         ("samples close to the data (Fréchet distance)", "frechet", True, ".1f"),
         ("realistic samples (precision)", "precision", False, ".2f"),
         ("samples that cover the data (recall)", "recall", False, ".2f"),
         ("balanced digits (KL of digit shares, nats)", "class_kl", True, ".3f"))

#: A winner needs at least this many seeds behind it.
MIN_SEEDS = 3


def runs_from_result(result: dict) -> list[list[Scores]]:
    """The per-seed :class:`Scores` of a ``side_by_side_seeds`` result file (``"runs"``)."""
    return [[Scores(**row) for row in run] for run in result["runs"]]


def summarise(runs: list[list[Scores]]) -> dict[str, dict[str, tuple[float, float]]]:
    """``{model: {field: (mean, sd)}}`` over the seeds of ``runs`` (one list of :class:`Scores`
    per seed, the same models in the same order); sd is the sample standard deviation
    (``n - 1``). Fields that are ``None`` for a model (not defined for it) are left out."""
    models = [s.model for s in runs[0]]
    if any([s.model for s in run] != models for run in runs):
        raise ValueError("every seed must score the same models in the same order")
    table: dict[str, dict[str, tuple[float, float]]] = {}
    for i, model in enumerate(models):
        table[model] = {}
        for f in dataclasses.fields(Scores):
            values = [getattr(run[i], f.name) for run in runs]
            if f.name != "model" and all(v is not None for v in values):
                t = torch.tensor(values, dtype=torch.float64)
                table[model][f.name] = (float(t.mean()), float(t.std()) if len(values) > 1 else 0.0)
    return table


def recommendations(runs: list[list[Scores]]) -> list[tuple[str, str, str]]:
    """``(need, choice, evidence)`` for each of :data:`NEEDS`, from the scores of several seeds.

    ``runs``: one list of :class:`Scores` per seed (at least :data:`MIN_SEEDS`). Each model's
    value is summarised by its mean and standard deviation (sd) over the seeds
    (:func:`summarise`). The best mean wins only when its lead over every other model exceeds
    the sum of their two sds (their mean ± sd intervals do not overlap); otherwise the choice is
    "no clear winner" between the models whose intervals overlap the best one's. Models for
    which a measurement is not defined take no part in that choice.
    """
    if len(runs) < MIN_SEEDS:
        raise ValueError(f"one seed ranks nothing: need the scores of at least {MIN_SEEDS} seeds, "
                         f"got {len(runs)}")
    table = summarise(runs)
    choices = []
    for need, field, lower_is_better, fmt in NEEDS:
        stats = {model: row[field] for model, row in table.items() if field in row}
        if not stats:
            continue
        order = sorted(stats, key=lambda m: stats[m][0], reverse=not lower_is_better)
        best_mean, best_sd = stats[order[0]]
        tied = [m for m in order[1:] if abs(stats[m][0] - best_mean) <= best_sd + stats[m][1]]
        choice = f"no clear winner ({', '.join([order[0], *tied])})" if tied else order[0]
        evidence = "; ".join(f"{m} {stats[m][0]:{fmt}} ± {stats[m][1]:{fmt}}" for m in order)
        choices.append((need, choice, f"{evidence} (mean ± sd over {len(runs)} seeds)"))
    return choices
