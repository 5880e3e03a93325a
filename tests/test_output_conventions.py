"""Every output head of vaecore.models read the way its likelihood, loss or sampler reads it,
against ``torch.distributions`` on known outputs.

The mistake this guards against: a decoder that ends in a sigmoid while its output is read as
Bernoulli *logits* (or a mean read as a logit, a probability read as a score). Such a model still
trains, and every check that compares the likelihood with ``bernoulli_nll(decoder(z), x)`` still
passes, because the likelihood and the decoder agree with each other; only two things give it away:

* the raw output is already squashed: with the last layer's weights at 0 and its bias at
  ``+-30``, a head whose output is read as logits (or as a Gaussian mean, a log-variance, a
  discriminator's logit) must give exactly ``+-30``, and one that ends in a sigmoid gives 1 and
  0 (:func:`test_raw_outputs_are_not_squashed`);
* the likelihood, loss and decoded mean are not those of ``torch.distributions`` built on that
  raw output (the ``test_*_is_torch_distributions_*`` tests).

Every network class of :mod:`vaecore.models` is found by walking the package (``model_zoo``),
and each entry of the zoo must be given its head's convention in :data:`HEADS`, or be listed in
:data:`NOT_A_HEAD` with the reason, so that a new model cannot go unchecked."""

from __future__ import annotations

import math

import pytest
import torch
from model_zoo import ZOO, build, model_classes, network_classes_outside_models, zoo_classes
from torch import nn
from torch.distributions import (
    Bernoulli,
    Categorical,
    Independent,
    MixtureSameFamily,
    Normal,
    OneHotCategorical,
    kl_divergence,
)
from torch.nn.utils import parametrize

from vaecore.losses import discriminator_loss
from vaecore.models.parts import first_linear_width

D64 = torch.float64
BIG = 30.0

#: What each raw head's output is: ``"raw"`` (logits, a Gaussian mean or log-variance, a
#: score: any real number) or ``"probability"`` (squashed into [0, 1] by design, as stated in the
#: model's docstring or chapter). Each entry: zoo id -> {attribute path of the head: kind}; the
#: path ``""`` is the whole model's ``forward``.
HEADS: dict[str, dict[str, str]] = {
    # autoencoders (vaecore.models.autoencoder): "bernoulli" reads logits, "gaussian" x_hat
    "Autoencoder/linear": {"decoder": "raw"},
    "Autoencoder/mlp-bernoulli": {"decoder": "raw"},
    # "with a sigmoid on the output so that x_hat in [0, 1]" (chapter autoencoder)
    "Autoencoder/mlp-gaussian": {"decoder": "probability"},
    "Autoencoder/chapter": {"decoder": "probability"},
    # VAEs: "decoder p(x | z) = prod_i Bernoulli(x_i; sigmoid(g(z))_i)", g the logits
    "VAE": {"decoder": "raw", "encoder": "raw"},
    "VAE/chapter": {"decoder": "raw", "encoder": "raw"},
    "ConvVAE": {"decoder": "raw", "encoder": "raw"},
    "ConvVAE/attention": {"decoder": "raw", "encoder": "raw"},
    "ConvVAE/pointwise": {"decoder": "raw", "encoder": "raw"},
    "FreeBitsVAE": {"decoder": "raw", "encoder": "raw"},
    "CategoricalVAE": {"decoder": "raw", "encoder": "raw"},
    "NoMeanVAE": {"decoder": "raw", "encoder": "raw"},
    "SoftmaxCodeVAE": {"decoder": "raw", "encoder": "raw"},
    "WrongSignKLVAE": {"decoder": "raw", "encoder": "raw"},
    "AveragedKLVAE": {"decoder": "raw", "encoder": "raw"},
    "CodeAsImageVAE": {"decoder": "raw", "encoder": "raw"},
    "LogVarPenaltyVAE": {"decoder": "raw", "encoder": "raw"},
    "BrokenKLFormulaVAE": {"decoder": "raw", "encoder": "raw"},
    "SharedHeadVAE": {"decoder": "raw", "encoder": "raw"},
    "IgnoresCodeVAE": {"decoder": "raw", "encoder": "raw"},
    "VAEGAN": {"net": "raw", "encoder": "raw"},
    # GAN players: G's net gives logits (forward adds the sigmoid if output="sigmoid"),
    # D gives a logit (or LSGAN's raw score)
    "Generator/linear": {"net": "raw"},
    "Generator/sigmoid": {"net": "raw"},
    "Generator/batchnorm": {"net": "raw"},
    "Generator/mnist": {"net": "raw"},
    "Generator/toy-plain": {"net": "raw"},
    "Generator/toy-batchnorm": {"net": "raw"},
    "ConvGenerator": {"net": "raw"},
    "ConvGenerator/chapter": {"net": "raw"},
    "CategoricalGenerator": {"net": "raw"},
    "Discriminator": {"": "raw"},
    "Discriminator/packed": {"": "raw"},
    "Discriminator/spectral": {"": "raw"},
    "Discriminator/mnist": {"": "raw"},
    "Discriminator/toy": {"": "raw"},
    "ConvDiscriminator": {"": "raw"},
    "ConvDiscriminator/chapter": {"": "raw"},
    # the documented mistake: "a discriminator that squashes its output through a sigmoid"
    "SigmoidOutputDiscriminator": {"": "probability"},
    "ConvClassifier": {"": "raw"},
    # stroke models: "(mu_x, mu_y, raw_x, raw_y, logit)", the mixture's weights as logits
    "RNNGauss": {"output": "raw"},
    "RNNGMM": {"output": "raw"},
    "VRNN": {"decoder": "raw", "prior": "raw", "posterior": "raw"},
}

NOT_A_HEAD = {
    "SelfAttention2d": "a block inside a decoder (x + gamma * attention), not an output",
    "Pointwise2d": "a block inside a decoder (x + gamma W x), not an output",
    "LeadingDims": "a wrapper that reshapes around the network it holds",
    "AsModule": "a wrapper that calls the function it holds, for exporting it",
    "StrokeModel": "the stroke models' abstract base, no network",
}

SQUASHING = (
    nn.Sigmoid,
    nn.Tanh,
    nn.Softmax,
    nn.LogSoftmax,
    nn.LogSigmoid,
    nn.Hardsigmoid,
    nn.Hardtanh,
    nn.Softsign,
)
WEIGHT_LAYERS = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)
RESHAPING = (nn.Flatten, nn.Unflatten, nn.Identity)


# ------------------------------------------------------------------------------- discovery


def test_the_zoo_holds_every_network_class():
    assert set(model_classes().values()) <= zoo_classes()
    assert network_classes_outside_models() == []


def test_every_zoo_entry_has_an_output_convention():
    assert set(HEADS) | set(NOT_A_HEAD) == set(ZOO)
    assert not set(HEADS) & set(NOT_A_HEAD)


def test_every_model_with_a_decoder_or_a_sample_is_a_head():
    """What reads as an output (``decode``, ``decoder``, ``log_likelihood``, ``sample``,
    ``generate``, ``head``, ``output``) is in :data:`HEADS`."""
    outputs = ("decode", "decoder", "log_likelihood", "sample", "generate", "head", "output")
    for name in ZOO:
        if any(hasattr(build(name), a) for a in outputs) and name not in HEADS:
            raise AssertionError(f"{name} has an output but no convention in HEADS")


# -------------------------------------------------------------------------------- helpers


def head_of(model: nn.Module, path: str) -> nn.Module:
    return model if not path else model.get_submodule(path)


def layers(module: nn.Module) -> list[nn.Module]:
    """The layers of ``module`` in order, weight layers taken whole (a spectral-normalised
    Linear is one layer), containers opened."""
    children = list(module.children())
    if isinstance(module, WEIGHT_LAYERS) or not children:
        return [module]
    return [leaf for child in children for leaf in layers(child)]


def last_weight_layer(module: nn.Module) -> nn.Module | None:
    found = [m for m in layers(module) if isinstance(m, WEIGHT_LAYERS)]
    return found[-1] if found else None


def head_input(model: nn.Module, path: str, n: int = 4) -> torch.Tensor:
    """A batch ``head_of(model, path)`` reads."""
    g = torch.Generator().manual_seed(5)
    if path == "":  # a discriminator (n packs of rows) or the classifier: images or points
        rows = n * getattr(model, "pack", 1)
        return torch.rand(rows, getattr(model, "data_dim", 784), generator=g)
    if path == "encoder":
        return torch.rand(n, model.data_dim, generator=g).round()
    first = next(m for m in layers(head_of(model, path)) if isinstance(m, WEIGHT_LAYERS))
    return torch.randn(n, first.in_features, generator=g)


def pushed(name: str, path: str, value: float) -> nn.Module:
    """A fresh zoo ``name`` whose head's last weight layer has weights 0 and bias ``value``, so
    that its pre-activation is ``value`` everywhere."""
    model = build(name).eval()
    layer = last_weight_layer(head_of(model, path))
    if parametrize.is_parametrized(layer, "weight"):  # spectral norm would divide 0 by 0
        parametrize.remove_parametrizations(layer, "weight")
    with torch.no_grad():
        layer.weight.zero_()
        layer.bias.fill_(value)
    return model


def binary(n: int, d: int, seed: int = 0, dtype=D64) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.bernoulli(torch.full((n, d), 0.4, dtype=dtype), generator=g)


# --------------------------------------------------------------- 1. nothing squashes a raw head


HEAD_CASES = [(name, path, kind) for name, heads in HEADS.items() for path, kind in heads.items()]


@pytest.mark.parametrize(
    "name, path, kind", HEAD_CASES, ids=[f"{n}.{p or 'forward'}" for n, p, _ in HEAD_CASES]
)
def test_raw_outputs_are_not_squashed(name, path, kind):
    """With its last layer's weights at 0 and its bias at +-30, a raw head gives +-30 (nothing
    after it squashes it); a head documented as a probability gives sigmoid(+-30)."""
    model = build(name)
    if last_weight_layer(head_of(model, path)) is None:  # CodeAsImageVAE's decoder: identity
        assert name == "CodeAsImageVAE" and path == "decoder"
        z = torch.full((2, model.latent_dim), BIG)
        torch.testing.assert_close(model.decoder(torch.cat([z, -z])), torch.cat([z, -z]))
        return
    x = head_input(model, path)
    for value in (BIG, -BIG):
        with torch.no_grad():
            out = head_of(pushed(name, path, value), path)(x)
        expected = value if kind == "raw" else torch.sigmoid(torch.tensor(value)).item()
        assert out.numel() > 0
        torch.testing.assert_close(
            out,
            torch.full_like(out, expected),
            msg=f"{name}.{path or 'forward'} with pre-activation {value:+g} gives values in "
            f"[{out.min():.4g}, {out.max():.4g}], not {expected:.4g}: "
            + ("something squashes its raw output" if kind == "raw" else "not a probability"),
        )


@pytest.mark.parametrize("name, path", [(n, p) for n, p, kind in HEAD_CASES if kind == "raw"])
def test_a_raw_heads_last_layer_is_a_weight_layer(name, path):
    """After a raw head's last Linear or convolution come only reshapes (Flatten, Unflatten),
    never an activation."""
    after = layers(head_of(build(name), path))
    last = max((i for i, m in enumerate(after) if isinstance(m, WEIGHT_LAYERS)), default=None)
    if last is None:
        assert name == "CodeAsImageVAE"
        return
    tail = after[last + 1 :]
    assert all(isinstance(m, RESHAPING) for m in tail), f"{name}.{path} ends with {tail}"


# ------------------------------------------- 2. likelihoods, losses and means: torch.distributions

#: The image models with a likelihood ``p(x | z)``: every zoo entry with ``log_likelihood``.
LIKELIHOOD_MODELS = [n for n in ZOO if callable(getattr(build(n), "log_likelihood", None))]


def likelihood_of(model: nn.Module, name: str, z: torch.Tensor):
    """``p(x | z)`` as ``torch.distributions``, over whole rows ``(..., batch, D)``, built on the
    raw decoder output, as each model's docstring states it."""
    logits = model.decoder(z)
    if name == "IgnoresCodeVAE":  # the documented mistake: p(x | z) = N(x; 0, I)
        return Independent(Normal(torch.zeros_like(logits), 1.0), 1)
    if name == "CategoricalVAE":  # prod_i Cat(x_i; softmax(l_i(z)))
        cat = OneHotCategorical(logits=logits.unflatten(-1, (model.pixels, model.levels)))
        return Independent(cat, 1)
    return Independent(Bernoulli(logits=logits), 1)  # prod_i Bernoulli(x_i; sigmoid(g(z))_i)


def data_for(model: nn.Module, n: int, seed: int = 0) -> torch.Tensor:
    if hasattr(model, "levels"):
        g = torch.Generator().manual_seed(seed)
        values = torch.randint(model.levels, (n, model.pixels), generator=g)
        return nn.functional.one_hot(values, model.levels).flatten(1).to(D64)
    return binary(n, model.data_dim, seed)


def rows_for(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    return x.unflatten(-1, (model.pixels, model.levels)) if hasattr(model, "levels") else x


def test_the_likelihood_models_include_every_kind_of_vae():
    assert {"VAE", "ConvVAE", "ConvVAE/attention", "CategoricalVAE"} <= set(LIKELIHOOD_MODELS)


@pytest.mark.parametrize("name", LIKELIHOOD_MODELS)
def test_the_vae_likelihood_is_torch_distributions_of_the_decoder_output(name):
    """``log_likelihood(x, z)`` for codes of any leading shape, the reconstruction term of the
    loss (at the loss's own draw of ``z``) and ``decode(z)`` (the mean of ``p(x | z)``): each
    ``torch.distributions`` of the raw decoder output."""
    model = build(name).double()
    x = data_for(model, 3)
    z = torch.randn(2, 3, model.latent_dim, dtype=D64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = likelihood_of(model, name, z).log_prob(rows_for(model, x))
        torch.testing.assert_close(model.log_likelihood(x, z), expected)
        torch.manual_seed(3)
        rec = model.loss(x)["rec"]
        torch.manual_seed(3)
        drawn = model.sample_code(*model.posterior(x))
        torch.testing.assert_close(
            rec, -likelihood_of(model, name, drawn).log_prob(rows_for(model, x)).mean()
        )
    if name == "IgnoresCodeVAE":
        mean = Bernoulli(logits=model.decoder(z)).mean  # decode keeps the VAE's Bernoulli mean
    else:
        mean = likelihood_of(model, name, z).mean.reshape(z.shape[:-1] + (-1,))
    torch.testing.assert_close(model.decode(z), mean)


@pytest.mark.parametrize(
    "name", [n for n in ZOO if n.startswith("Autoencoder")], ids=lambda n: n.split("/")[1]
)
def test_the_autoencoder_loss_is_torch_distributions_of_the_decoder_output(name):
    """Bernoulli: ``-log Bernoulli(x; logits = decoder(z))``, ``decode = sigmoid``. Gaussian: the
    squared error ``-log N(x; decoder(z), 1/2) - D/2 log pi``, ``decode = decoder``."""
    model = build(name).double()
    d = first_linear_width(model.encoder)
    x = binary(4, d)
    with torch.no_grad():
        z = model.encode(x)
        out = model.decoder(z)
        if model.likelihood == "bernoulli":
            dist = Independent(Bernoulli(logits=out), 1)
            nll = -dist.log_prob(x)
        else:
            dist = Independent(Normal(out, math.sqrt(0.5)), 1)
            nll = -dist.log_prob(x) - d / 2 * math.log(math.pi)
        torch.testing.assert_close(model.loss(x), nll.mean())
        torch.testing.assert_close(model.decode(z), dist.mean)


@pytest.mark.parametrize(
    "name", [n for n, h in HEADS.items() if "net" in h and n != "CategoricalGenerator"]
)
def test_a_generators_images_are_its_logits_through_the_stated_output(name):
    """``G(z)`` is ``sigmoid(net(z))`` (pixel intensities, the mean of a Bernoulli on the logits)
    when ``output == "sigmoid"``, the raw ``net(z)`` (points in the plane) when ``"linear"``; the
    VAE-GAN decodes with ``G`` itself."""
    model = build(name).eval()
    z = torch.randn(5, model.noise_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        logits = model.net(z)
        expected = Bernoulli(logits=logits).mean if model.output == "sigmoid" else logits
        torch.testing.assert_close(model(z), expected)
        if hasattr(model, "decode"):
            torch.testing.assert_close(model.decode(z), expected)
    stated = {"Generator/linear", "Generator/batchnorm", "Generator/toy-plain"}
    stated |= {"Generator/toy-batchnorm"}
    assert model.output == ("linear" if name in stated else "sigmoid")


def test_the_categorical_generator_gives_logits_and_draws_one_hot_rows():
    model = build("CategoricalGenerator")
    z = torch.randn(6, model.noise_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(
            model(z), model.net(z).unflatten(1, (model.pixels, model.levels))
        )
    rows = model.sample(50, torch.Generator().manual_seed(1)).unflatten(1, (model.pixels, -1))
    assert ((rows == 0) | (rows == 1)).all() and (rows.sum(-1) == 1).all()


@pytest.mark.parametrize(
    "name", [n for n, h in HEADS.items() if h == {"": "raw"} and n != "ConvClassifier"]
)
def test_the_discriminator_loss_reads_d_as_a_bernoulli_logit(name):
    """``-V = -E log Bernoulli(real = 1; logits = D(x)) - E log Bernoulli(real = 0; D(G(z)))``,
    and ``D = head(features)``."""
    model = build(name)
    real, fake = head_input(model, ""), head_input(model, "", n=4) * 0.5
    with torch.no_grad():
        a_real, a_fake = model(real), model(fake)
        expected = -(
            Bernoulli(logits=a_real).log_prob(torch.ones_like(a_real)).mean()
            + Bernoulli(logits=a_fake).log_prob(torch.zeros_like(a_fake)).mean()
        )
        torch.testing.assert_close(discriminator_loss(a_real, a_fake), expected)
        torch.testing.assert_close(model.head(model.features(real)), a_real)


def test_the_classifier_loss_is_the_categorical_of_its_logits():
    model = build("ConvClassifier").eval()
    x = torch.rand(5, 784, generator=torch.Generator().manual_seed(0))
    y = torch.tensor([0, 3, 9, 1, 1])
    with torch.no_grad():
        logits = model(x)
        expected = -Categorical(logits=logits).log_prob(y).mean()
        torch.testing.assert_close(model.loss(x, y)["loss"], expected)
        torch.testing.assert_close(
            model.features(x) @ model.head.weight.T + model.head.bias, logits
        )


# ------------------------------------------------------------------------- the stroke heads


def stroke_distributions(out: torch.Tensor, min_std: float, components: int = 0):
    """The offsets' distribution and the pen's from a raw output row, as the module docstring of
    :mod:`vaecore.models.vrnn` states them: ``(mu_x, mu_y, raw_x, raw_y, logit)`` with ``sigma =
    softplus(raw) + min_std``; for a mixture ``components`` rows ``(w, mu_x, mu_y, raw_x,
    raw_y)``, ``pi = softmax(w)``, then the pen's logit."""
    pen = Bernoulli(logits=out[..., -1])
    if not components:
        std = nn.functional.softplus(out[..., 2:4]) + min_std
        return Independent(Normal(out[..., :2], std), 1), pen
    rows = out[..., :-1].unflatten(-1, (components, 5))
    std = nn.functional.softplus(rows[..., 3:5]) + min_std
    gaussians = Independent(Normal(rows[..., 1:3], std), 1)
    return MixtureSameFamily(Categorical(logits=rows[..., 0]), gaussians), pen


def point_batch(n: int = 6, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.cat(
        [torch.randn(n, 2, generator=g), torch.bernoulli(torch.full((n, 1), 0.4), generator=g)], -1
    )


@pytest.mark.parametrize("name", ["RNNGauss", "RNNGMM"])
def test_an_rnns_step_is_torch_distributions_of_its_output(name):
    model = build(name)
    x = point_batch()
    h = torch.randn(6, model.h_dim, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        terms, _ = model.step(x, model.phi_x(x), h)
        offsets, pen = stroke_distributions(
            model.output(h), model.min_std, getattr(model, "components", 0)
        )
    torch.testing.assert_close(terms["log_px"], offsets.log_prob(x[:, :2]) + pen.log_prob(x[:, 2]))


@pytest.mark.parametrize("name", ["RNNGauss", "RNNGMM"])
def test_an_rnn_draws_from_the_distribution_it_scores(name):
    """Generation reads the output as the likelihood does: a pen logit of +-30 lifts the pen
    always / never, offsets with ``raw = -30`` (sigma = softplus(-30) + min_std) land on the
    chosen component's mean, and a weight logit of +30 chooses that component."""
    model = build(name)
    k = getattr(model, "components", 0)
    means = torch.randn(8, 2, generator=torch.Generator().manual_seed(0))
    if k:
        rows = torch.zeros(8, k, 5)
        rows[:, :, 3:5] = -BIG
        rows[:, :, 1:3] = 100.0  # the other components, far away
        rows[:, 1, 0] = BIG  # choose component 1
        rows[:, 1, 1:3] = means
        out = torch.cat([rows.flatten(1), torch.zeros(8, 1)], dim=1)
    else:
        out = torch.cat([means, torch.full((8, 2), -BIG), torch.zeros(8, 1)], dim=1)
    for logit, lifted in ((BIG, 1.0), (-BIG, 0.0)):
        out[:, -1] = logit
        point = model.draw(out, torch.Generator().manual_seed(2))
        assert (point[:, 2] == lifted).all()
        torch.testing.assert_close(point[:, :2], means, atol=1e-2, rtol=0)


def test_the_vrnns_step_is_torch_distributions_of_its_heads():
    """The decoder's output read as the stroke distribution, the prior's and posterior's as
    ``N(mu, diag sigma^2)``: ``log_px``, the closed-form KL and the sampled log-ratio."""
    model = build("VRNN")
    x = point_batch()
    h = torch.randn(6, model.h_dim, generator=torch.Generator().manual_seed(1))
    torch.manual_seed(0)
    with torch.no_grad():
        fx = model.phi_x(x)
        terms, _ = model.step(x, fx, h)
        z = terms["z"]

        def gaussian(out):
            mu, raw = out.chunk(2, dim=-1)
            return Independent(Normal(mu, nn.functional.softplus(raw) + model.min_std), 1)

        prior = gaussian(model.prior(h))
        posterior = gaussian(model.posterior(torch.cat([fx, h], -1)))
        offsets, pen = stroke_distributions(
            model.decoder(torch.cat([model.phi_z(z), h], -1)), model.min_std
        )
    torch.testing.assert_close(terms["log_px"], offsets.log_prob(x[:, :2]) + pen.log_prob(x[:, 2]))
    torch.testing.assert_close(terms["kl"], kl_divergence(posterior, prior))
    torch.testing.assert_close(terms["log_ratio"], prior.log_prob(z) - posterior.log_prob(z))
