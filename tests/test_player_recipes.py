"""Every network of vaecore.models against the recipe its docstring or chapter states, layer by
layer: the type of each layer, in order, with its key hyper-parameters (sizes, kernels, strides,
paddings, slopes).

The mistake this guards against: a convolutional generator missing the ReLU after its first
batch norm. It still trains, every shape and parameter count is unchanged (a ReLU has no
weights), and the tests that count batch norms pass; only the sequence of layers shows it. So:

* :data:`RECIPES` gives each zoo entry's stated layers, and :data:`STATED` the words of the
  docstring or chapter each recipe is read from, which must still be there (so that the recipe
  here and the one the book states cannot drift apart silently);
* two rules that every network must obey whatever its recipe: no two weight layers without a
  nonlinearity between them, and every batch norm followed by its activation; and DCGAN's own
  rules for any convolutional player (batch norm and ReLU after every layer of G but the last;
  LeakyReLU after every convolution of D, no batch norm, no pooling);
* every network class of :mod:`vaecore.models` is found by walking the package (``model_zoo``),
  and each zoo entry must have a recipe here or a reason why it has none."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from model_zoo import ZOO, build, model_classes, network_classes_outside_models, zoo_classes
from torch import nn
from torch.nn.utils import parametrize

from vaecore.experiments.toy_gans import GENERATORS
from vaecore.models.attention import Pointwise2d, SelfAttention2d
from vaecore.models.autoencoder import linear_autoencoder, mlp_autoencoder
from vaecore.models.classifier import ConvClassifier
from vaecore.models.discrete import CategoricalGenerator, CategoricalVAE
from vaecore.models.gan import (
    ConvDiscriminator,
    ConvGenerator,
    Discriminator,
    Generator,
    mnist_players,
)
from vaecore.models.mistakes import __doc__ as mistakes_doc
from vaecore.models.parts import LeadingDims, mlp
from vaecore.models.vae import ConvVAE, conv_encoder
from vaecore.models.vae import __doc__ as vae_doc
from vaecore.models.vaegan import VAEGAN
from vaecore.models.vrnn import RNNGMM, VRNN, RNNGauss

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"

# ------------------------------------------------------------------- layers as plain data

WEIGHT_LAYERS = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)
ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.ELU, nn.GELU, nn.SiLU, nn.Softplus)
BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)


def describe(m: nn.Module) -> tuple:
    """A layer as a tuple: its type and the hyper-parameters a recipe states."""
    kind = type(m).__name__.removeprefix("Parametrized")
    if isinstance(m, nn.Linear):
        return ("Linear", m.in_features, m.out_features)
    if isinstance(m, nn.ConvTranspose2d):
        return (kind, m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding)
    if isinstance(m, nn.Conv2d):
        return (kind, m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding)
    if isinstance(m, BATCH_NORMS):
        return (kind, m.num_features)
    if isinstance(m, nn.LeakyReLU):
        return (kind, m.negative_slope)
    if isinstance(m, nn.Unflatten):
        return (kind, m.dim, tuple(m.unflattened_size))
    if isinstance(m, nn.Flatten):
        return (kind, m.start_dim, m.end_dim)
    if isinstance(m, nn.MaxPool2d):
        return (kind, m.kernel_size, m.stride)
    if isinstance(m, nn.GRUCell):
        return (kind, m.input_size, m.hidden_size)
    if isinstance(m, (*ACTIVATIONS, nn.Identity)):
        return (kind,)
    return ("block", kind)  # a block of its own (e.g. attention), checked on its own


def layers(module: nn.Module) -> list[tuple]:
    """``module``'s layers in order: containers (``Sequential``, ``LeadingDims``) opened."""
    if isinstance(module, (nn.Sequential, LeadingDims)):
        return [layer for child in module.children() for layer in layers(child)]
    return [describe(module)]


def structure(model: nn.Module) -> dict[str, list[tuple]]:
    """Each sub-network of ``model``, by attribute name, as its list of layers."""
    return {name: layers(child) for name, child in model.named_children()}


# ----------------------------------------------------------------- the recipes, as stated

R, SIGMOID, IDENTITY, FLAT = ("ReLU",), ("Sigmoid",), ("Identity",), ("Flatten", 1, -1)
LEAKY = ("LeakyReLU", 0.2)


def linear(a: int, b: int) -> tuple:
    return ("Linear", a, b)


def conv(a: int, b: int, k: int = 4, s: int = 2, p: int = 1) -> tuple:
    return ("Conv2d", a, b, (k, k), (s, s), (p, p))


def deconv(a: int, b: int, k: int = 4, s: int = 2, p: int = 1) -> tuple:
    return ("ConvTranspose2d", a, b, (k, k), (s, s), (p, p))


def unflatten(*size: int) -> tuple:
    return ("Unflatten", 1, size)


def bn1(n: int) -> tuple:
    return ("BatchNorm1d", n)


def bn2(n: int) -> tuple:
    return ("BatchNorm2d", n)


def mlp_layers(sizes: list[int], activation: tuple = R) -> list[tuple]:
    """Linear layers with ``activation`` between them and none after the last (``parts.mlp``)."""
    out = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        out += [linear(a, b)] + ([activation] if i < len(sizes) - 2 else [])
    return out


def batchnorm_mlp_layers(sizes: list[int]) -> list[tuple]:
    """ "each hidden layer is Linear, BatchNorm, LeakyReLU(0.2)", then a Linear output."""
    out = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        out += [linear(a, b), bn1(b), LEAKY]
    return out + [linear(sizes[-2], sizes[-1])]


def dcgan_generator(noise: int, c1: int, c2: int) -> list[tuple]:
    """``z -> Linear -> (c1, 7, 7) -> (c2, 14, 14) -> (1, 28, 28) -> (n, 784)``, two transposed
    convolutions that double the side, batch norm and ReLU after every layer but the last."""
    return [
        linear(noise, c1 * 7 * 7),
        bn1(c1 * 7 * 7),
        R,
        unflatten(c1, 7, 7),
        deconv(c1, c2),  # 7 -> 14
        bn2(c2),
        R,
        deconv(c2, 1),  # 14 -> 28, logits
        FLAT,
    ]


def dcgan_discriminator(c1: int, c2: int) -> list[tuple]:
    """``(1, 28, 28) -> (c1, 14, 14) -> (c2, 7, 7) -> logits``, two strided convolutions each
    followed by LeakyReLU(0.2), no batch norm, and a linear layer."""
    return [
        unflatten(1, 28, 28),
        conv(1, c1),
        LEAKY,
        conv(c1, c2),
        LEAKY,
        FLAT,
        linear(c2 * 7 * 7, 1),
    ]


def conv_encoder_layers(k: int, c1: int, c2: int) -> list[tuple]:
    """``(n, 784) -> (1, 28, 28) -> (c1, 14, 14) -> (c2, 7, 7) -> 2 latent_dim``, ReLU between."""
    return [unflatten(1, 28, 28), conv(1, c1), R, conv(c1, c2), R, FLAT, linear(c2 * 49, 2 * k)]


def conv_decoder_layers(k: int, c1: int, c2: int, middle: tuple = IDENTITY) -> list[tuple]:
    """The encoder's mirror image with transposed convolutions, ReLU between layers, ``middle``
    at 14 x 14, logits out."""
    return [
        linear(k, c2 * 49),
        R,
        unflatten(c2, 7, 7),
        deconv(c2, c1),
        R,
        middle,
        deconv(c1, 1),
        FLAT,
    ]


def vae_layers(d: int, hidden: tuple[int, ...], k: int) -> dict[str, list[tuple]]:
    return {
        "encoder": mlp_layers([d, *hidden, 2 * k]),
        "decoder": mlp_layers([k, *reversed(hidden), d]),
    }


SMALL_VAE = vae_layers(12, (16, 8), 3)

#: zoo id -> (its sub-networks' layers, attributes that complete the recipe).
RECIPES: dict[str, tuple[dict[str, list[tuple]], dict[str, object]]] = {
    "Autoencoder/linear": ({"encoder": [linear(12, 3)], "decoder": [linear(3, 12)]}, {}),
    "Autoencoder/mlp-bernoulli": (
        {"encoder": mlp_layers([12, 16, 8, 3]), "decoder": mlp_layers([3, 8, 16, 12])},
        {"likelihood": "bernoulli"},
    ),
    "Autoencoder/mlp-gaussian": (
        {"encoder": mlp_layers([12, 16, 8, 3]), "decoder": mlp_layers([3, 8, 16, 12]) + [SIGMOID]},
        {"likelihood": "gaussian"},
    ),
    "Autoencoder/chapter": (
        {
            "encoder": mlp_layers([784, 512, 256, 32]),
            "decoder": mlp_layers([32, 256, 512, 784]) + [SIGMOID],
        },
        {"likelihood": "gaussian"},
    ),
    "VAE": (SMALL_VAE, {}),
    "VAE/chapter": (vae_layers(784, (512, 256), 32), {}),
    "ConvVAE": (
        {"encoder": conv_encoder_layers(3, 4, 8), "decoder": conv_decoder_layers(3, 4, 8)},
        {},
    ),
    "ConvVAE/attention": (
        {
            "encoder": conv_encoder_layers(3, 8, 4),
            "decoder": conv_decoder_layers(3, 8, 4, ("block", "SelfAttention2d")),
        },
        {},
    ),
    "ConvVAE/pointwise": (
        {
            "encoder": conv_encoder_layers(3, 8, 4),
            "decoder": conv_decoder_layers(3, 8, 4, ("block", "Pointwise2d")),
        },
        {},
    ),
    "FreeBitsVAE": (SMALL_VAE, {}),
    # the mistakes are "each one wrong line in a VAE subclass": the VAE's networks
    "NoMeanVAE": (SMALL_VAE, {}),
    "SoftmaxCodeVAE": (SMALL_VAE, {}),
    "WrongSignKLVAE": (SMALL_VAE, {}),
    "AveragedKLVAE": (SMALL_VAE, {}),
    "LogVarPenaltyVAE": (SMALL_VAE, {}),
    "BrokenKLFormulaVAE": (SMALL_VAE, {}),
    "SharedHeadVAE": (SMALL_VAE, {}),
    "IgnoresCodeVAE": (SMALL_VAE, {}),
    "CodeAsImageVAE": ({"encoder": mlp_layers([12, 16, 8, 24]), "decoder": [IDENTITY]}, {}),
    "CategoricalVAE": (vae_layers(12, (16,), 3), {}),
    "VAEGAN": (
        {"net": dcgan_generator(3, 8, 4), "encoder": conv_encoder_layers(3, 4, 8)},
        {"output": "sigmoid"},
    ),
    "Generator/linear": ({"net": mlp_layers([3, 16, 8, 12])}, {"output": "linear"}),
    "Generator/sigmoid": ({"net": mlp_layers([3, 16, 8, 12])}, {"output": "sigmoid"}),
    "Generator/batchnorm": ({"net": batchnorm_mlp_layers([3, 16, 8, 12])}, {"output": "linear"}),
    "Generator/mnist": (
        {"net": batchnorm_mlp_layers([64, 256, 512, 1024, 784])},
        {"output": "sigmoid"},
    ),
    "Generator/toy-plain": ({"net": mlp_layers([2, 128, 128, 128, 2])}, {"output": "linear"}),
    "Generator/toy-batchnorm": (
        {"net": batchnorm_mlp_layers([2, 128, 128, 128, 2])},
        {"output": "linear"},
    ),
    "ConvGenerator": ({"net": dcgan_generator(3, 8, 4)}, {"output": "sigmoid"}),
    "ConvGenerator/chapter": ({"net": dcgan_generator(64, 64, 32)}, {"output": "sigmoid"}),
    "CategoricalGenerator": ({"net": mlp_layers([3, 16, 12])}, {"output": "linear"}),
    "Discriminator": ({"net": mlp_layers([12, 16, 8, 1], LEAKY)}, {"pack": 1}),
    "Discriminator/packed": ({"net": mlp_layers([36, 16, 8, 1], LEAKY)}, {"pack": 3}),
    "Discriminator/spectral": ({"net": mlp_layers([12, 16, 8, 1], LEAKY)}, {"pack": 1}),
    "Discriminator/mnist": ({"net": mlp_layers([784, 512, 256, 1], LEAKY)}, {"pack": 1}),
    "Discriminator/toy": ({"net": mlp_layers([8, 128, 128, 128, 1], LEAKY)}, {"pack": 4}),
    "ConvDiscriminator": ({"net": dcgan_discriminator(4, 8)}, {"pack": 1}),
    "ConvDiscriminator/chapter": ({"net": dcgan_discriminator(32, 64)}, {"pack": 1}),
    "SigmoidOutputDiscriminator": ({"net": mlp_layers([12, 16, 8, 1], LEAKY)}, {"pack": 1}),
    "ConvClassifier": (
        {
            "body": [
                unflatten(1, 28, 28),
                conv(1, 16, 5, 1, 2),
                bn2(16),
                R,
                ("MaxPool2d", 2, 2),
                conv(16, 32, 5, 1, 2),
                bn2(32),
                R,
                ("MaxPool2d", 2, 2),
                FLAT,
                linear(32 * 7 * 7, 128),
                R,
            ],
            "head": [linear(128, 10)],
        },
        {},
    ),
    "SelfAttention2d": (
        {
            "query": [conv(16, 2, 1, 1, 0)],
            "key": [conv(16, 2, 1, 1, 0)],
            "value": [conv(16, 16, 1, 1, 0)],
        },
        {},
    ),
    "Pointwise2d": ({"value": [conv(16, 16, 1, 1, 0)]}, {}),
    "RNNGauss": (
        {
            "phi_x": mlp_layers([3, 6, 6]) + [R],
            "rnn": [("GRUCell", 6, 8)],
            "output": mlp_layers([8, 10, 5]),
        },
        {},
    ),
    "RNNGMM": (
        {
            "phi_x": mlp_layers([3, 6, 6]) + [R],
            "rnn": [("GRUCell", 6, 8)],
            "output": mlp_layers([8, 10, 5 * 3 + 1]),
        },
        {},
    ),
    "VRNN": (
        {
            "phi_x": mlp_layers([3, 6, 6]) + [R],
            "phi_z": mlp_layers([2, 6]) + [R],
            "prior": mlp_layers([8, 10, 2 * 2]),
            "posterior": mlp_layers([6 + 8, 10, 2 * 2]),
            "decoder": mlp_layers([6 + 8, 10, 5]),
            "rnn": [("GRUCell", 2 * 6, 8)],
        },
        {},
    ),
}

NO_RECIPE = {
    "LeadingDims": "a wrapper around whatever network it is given",
    "AsModule": "a wrapper around whatever function it is given, for exporting it",
    "StrokeModel": "the stroke models' abstract base, no network",
}


def chapter_text(name: str) -> str:
    cells = json.loads((CHAPTERS / name).read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


#: Where each recipe is stated: (the text, words it must still contain). The recipes above are
#: read from these words; if the words change, the recipe must be read again.
STATED: dict[str, list[tuple[str, str]]] = {
    "ConvGenerator": [
        (ConvGenerator.__doc__, "z (n, noise_dim) -> Linear -> (c1, 7, 7) -> (c2, 14, 14)"),
        (ConvGenerator.__doc__, "two transposed convolutions that double the side"),
        (ConvGenerator.__doc__, "batch norm and ReLU after every layer but the last"),
        (ConvGenerator.__doc__, "and a sigmoid"),
        ("gan-images.ipynb", r"($7 \times 7 \to 14 \times 14 \to 28 \times 28$ here)"),
        ("gan-images.ipynb", "with batch norm and ReLU between"),
        (
            "questions.ipynb",
            "transposed convolutions <transposed convolution>`, batch normalisation and ReLU",
        ),
    ],
    "ConvDiscriminator": [
        (ConvDiscriminator.__doc__, "(c1, 14, 14) -> (c2, 7, 7) -> logits (n,)"),
        (ConvDiscriminator.__doc__, "two strided convolutions that halve the side"),
        (
            ConvDiscriminator.__doc__,
            "each followed by LeakyReLU(0.2), and a linear layer; no batch norm",
        ),
        (
            "gan-images.ipynb",
            "halves the side with **strided convolutions** and LeakyReLU, without pooling",
        ),
        ("gan-images.ipynb", "reads its logit off the last maps with one linear layer"),
    ],
    "VAEGAN": [
        (VAEGAN.__doc__, "The decoder is the conv GAN's generator"),
        (VAEGAN.__doc__, "The encoder is the conv VAE's"),
    ],
    "ConvVAE": [
        (
            ConvVAE.__doc__,
            "encoder ``(n, 784) -> (1, 28, 28) -> (c1, 14, 14) -> (c2, 7, 7) -> 2 latent_dim``",
        ),
        (ConvVAE.__doc__, "the mirror image with transposed convolutions, ReLU between layers"),
        (ConvVAE.__doc__, "a block the decoder applies to its ``(c1, 14, 14)`` feature maps"),
        (conv_encoder.__doc__, "the mean and the log-variance of ``q(z | x)`` side by side"),
    ],
    "VAE/chapter": [
        ("vae.ipynb", r"encoder $784 \to 512 \to 256 \to (\mu, \log\sigma^2)$"),
        ("vae.ipynb", r"$32 \to 256 \to 512 \to 784$ Bernoulli logits"),
        (
            "vae-without-kl.ipynb",
            r"$784 \to 512 \to 256 \to (\mu, \log\sigma^2) \in \mathbb{R}^{32 \times 2}$",
        ),
        (vae_doc, "one MLP outputting ``mu`` and ``log sigma^2``"),
    ],
    "Autoencoder/chapter": [
        ("autoencoder.ipynb", "multilayer perceptrons with ReLU activations"),
        ("autoencoder.ipynb", r"$784 \to 512 \to 256 \to K$ and back $K \to 256 \to 512 \to 784$"),
        ("autoencoder.ipynb", "with a sigmoid on the output"),
        (
            mlp_autoencoder.__doc__,
            "ReLU MLPs ``d -> hidden... -> k`` and ``k -> reversed(hidden)... -> d``",
        ),
    ],
    "Autoencoder/linear": [(linear_autoencoder.__doc__, "x_hat = W_d (W_e x + b_e) + b_d")],
    "Generator/mnist": [
        (
            mnist_players.__doc__,
            "a batch-normalised generator 64-256-512-1024-784 with a sigmoid output",
        ),
        (
            "gan-images.ipynb",
            "through 256, 512 and 1,024 units (Linear, BatchNorm, LeakyReLU) "
            "to 784 pixels with a sigmoid",
        ),
        ("side-by-side.ipynb", "a batch-normalised generator 64–256–512–1024–784"),
    ],
    "Discriminator/mnist": [
        (mnist_players.__doc__, "a discriminator 784-512-256-1"),
        ("gan-images.ipynb", r"$D$ is a $784 \to 512 \to 256 \to 1$ LeakyReLU MLP"),
    ],
    "Generator/batchnorm": [
        (Generator.__doc__, "each hidden layer is Linear, BatchNorm, LeakyReLU(0.2) instead"),
    ],
    "Generator/linear": [(Generator.__doc__, "an MLP with ReLU")],
    "Generator/toy-plain": [
        ("gan.ipynb", "through three hidden layers of 128 ReLU units to the plane"),
        (GENERATORS["plain"], "hidden layers Linear, ReLU"),
    ],
    "Generator/toy-batchnorm": [
        (
            "gan.ipynb",
            "The generator's hidden layers become Linear, BatchNorm, LeakyReLU, DCGAN's recipe",
        ),
        (GENERATORS["batchnorm"], "hidden layers Linear, BatchNorm, LeakyReLU(0.2)"),
    ],
    "Discriminator": [(Discriminator.__doc__, "an MLP with LeakyReLU(0.2)")],
    "Discriminator/toy": [("gan.ipynb", "$D$ has three hidden layers of 128 LeakyReLU units")],
    "Discriminator/packed": [
        (Discriminator.__doc__, "consecutive groups of ``pack`` rows are concatenated")
    ],
    "SigmoidOutputDiscriminator": [(mistakes_doc, "a discriminator that squashes its output")],
    "ConvClassifier": [
        (
            ConvClassifier.__doc__,
            "Two 5x5 convolutions (16 and 32 channels, "
            "each with batch norm, ReLU and 2x2 max pooling",
        ),
        (ConvClassifier.__doc__, "then a 128-unit ReLU layer"),
        (ConvClassifier.__doc__, "and a linear layer to the class logits"),
    ],
    "SelfAttention2d": [
        (SelfAttention2d.__doc__, "``c // 8`` channels each) and values ``v = W_v x``"),
        (SelfAttention2d.__doc__, "``gamma`` a learnt scalar that starts at 0"),
    ],
    "Pointwise2d": [(Pointwise2d.__doc__, "``y_i = x_i + gamma W_v x_i``")],
    "CategoricalGenerator": [(CategoricalGenerator.__doc__, "an MLP with ReLU")],
    "CategoricalVAE": [(CategoricalVAE.__doc__, "The VAE of")],
    "RNNGauss": [
        (
            RNNGauss.__doc__,
            "``phi_x: 3 -> feat_dim -> feat_dim``; ``f``: a GRU cell ``feat_dim -> h_dim``",
        ),
        (RNNGauss.__doc__, "the output ``h_{t-1} -> hidden -> 5``"),
    ],
    "RNNGMM": [(RNNGMM.__doc__, "the output layer ``h_{t-1} -> hidden -> 5 components + 1``")],
    "VRNN": [
        (
            VRNN.__doc__,
            "``phi_x: 3 -> feat -> feat``, ``phi_z: z_dim -> feat``; "
            "prior ``h -> hidden -> 2 z_dim``",
        ),
        (
            VRNN.__doc__,
            "posterior ``[phi_x(x_t), h] -> hidden -> 2 z_dim``; "
            "decoder ``[phi_z(z_t), h] -> hidden -> 5``",
        ),
        (VRNN.__doc__, "a GRU cell ``[phi_x(x_t), phi_z(z_t)] -> h_dim``"),
    ],
}


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ------------------------------------------------------------------------------- discovery


def test_the_zoo_holds_every_network_class():
    assert set(model_classes().values()) <= zoo_classes()
    assert network_classes_outside_models() == []


def test_every_zoo_entry_has_a_recipe_or_a_reason():
    assert set(RECIPES) | set(NO_RECIPE) == set(ZOO)
    assert not set(RECIPES) & set(NO_RECIPE)


@pytest.mark.parametrize("name", sorted(STATED))
def test_the_recipes_are_read_from_words_the_book_still_states(name):
    assert name in RECIPES
    for source, words in STATED[name]:
        text = chapter_text(source) if source.endswith(".ipynb") else source
        assert normalised(words) in normalised(text), f"{name}: {words!r} is no longer stated"


# --------------------------------------------------------------------- the recipes, exactly


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_every_network_is_its_stated_recipe_layer_by_layer(name):
    model = build(name)
    expected, attributes = RECIPES[name]
    actual = structure(model)
    assert set(actual) == set(expected), f"{name}: sub-networks {sorted(actual)}"
    for part, layers_expected in expected.items():
        got = actual[part]
        first = next(
            (i for i, (a, b) in enumerate(zip(got, layers_expected)) if a != b),
            min(len(got), len(layers_expected)),
        )
        assert got == layers_expected, (
            f"{name}.{part} differs from its recipe at layer {first}: "
            f"got {got[first : first + 3]}, stated {layers_expected[first : first + 3]}"
        )
    for attribute, value in attributes.items():
        assert getattr(model, attribute) == value, (name, attribute)


def test_the_vaegans_networks_are_the_conv_gans_generator_and_the_conv_vaes_encoder():
    model = build("VAEGAN")
    assert layers(model.net) == layers(ConvGenerator(3, channels=(8, 4)).net)
    assert layers(model.encoder) == layers(conv_encoder(3, (4, 8)))


def test_spectral_norm_is_on_every_linear_layer_of_d_and_nowhere_else():
    plain, normed = build("Discriminator"), build("Discriminator/spectral")
    for layer in normed.net:
        assert parametrize.is_parametrized(layer, "weight") == isinstance(layer, nn.Linear)
    assert not any(parametrize.is_parametrized(m) for m in plain.modules())


def test_the_attention_blocks_start_as_the_identity():
    for name in ("SelfAttention2d", "Pointwise2d"):
        assert build(name).gamma.item() == 0.0


def test_the_conv_vae_decoder_applies_its_middle_block_at_14_by_14():
    middle = SelfAttention2d(8)
    model = ConvVAE(3, channels=(8, 4), middle=middle)
    sizes = []
    middle.register_forward_hook(lambda m, i, o: sizes.append(tuple(o.shape[1:])))
    model.decode(torch.zeros(2, 3))
    assert sizes == [(8, 14, 14)]


# ------------------------------------------------------------- rules every network must obey


def _sub_networks():
    for name in sorted(RECIPES):
        for part, got in structure(build(name)).items():
            yield pytest.param(name, part, got, id=f"{name}.{part}")


SUB_NETWORKS = list(_sub_networks())


def _is_weight(layer: tuple) -> bool:
    return layer[0] in ("Linear", "Conv2d", "ConvTranspose2d")


def _is_nonlinear(layer: tuple) -> bool:
    return layer[0] in {a.__name__ for a in ACTIVATIONS} or layer[0] in ("block", "MaxPool2d")


@pytest.mark.parametrize("name, part, got", SUB_NETWORKS)
def test_a_nonlinearity_between_every_two_weight_layers(name, part, got):
    """Two weight layers with only batch norms and reshapes between them are one affine map: a
    forgotten activation."""
    weights = [i for i, layer in enumerate(got) if _is_weight(layer)]
    for a, b in zip(weights[:-1], weights[1:]):
        between = got[a + 1 : b]
        assert any(map(_is_nonlinear, between)), (
            f"{name}.{part}: no nonlinearity between {got[a]} and {got[b]} (only {between})"
        )


@pytest.mark.parametrize("name, part, got", SUB_NETWORKS)
def test_every_batch_norm_is_followed_by_its_activation(name, part, got):
    for i, layer in enumerate(got):
        if layer[0].startswith("BatchNorm"):
            after = got[i + 1] if i + 1 < len(got) else None
            assert after in (R, LEAKY), f"{name}.{part}: {layer} followed by {after}"


CONV_GENERATORS = [
    n
    for n in sorted(RECIPES)
    if any(layer[0] == "ConvTranspose2d" for layer in structure(build(n)).get("net", []))
]
CONV_DISCRIMINATORS = [
    n
    for n in sorted(RECIPES)
    if isinstance(build(n), Discriminator)
    and any(layer[0] == "Conv2d" for layer in structure(build(n))["net"])
]


def test_the_conv_players_are_found():
    assert {"ConvGenerator", "ConvGenerator/chapter", "VAEGAN"} <= set(CONV_GENERATORS)
    assert {"ConvDiscriminator", "ConvDiscriminator/chapter"} <= set(CONV_DISCRIMINATORS)


@pytest.mark.parametrize("name", CONV_GENERATORS)
def test_dcgans_generator_rule_batch_norm_and_relu_after_every_layer_but_the_last(name):
    """ConvGenerator's docstring: "batch norm and ReLU after every layer but the last"; the
    chapter: transposed convolutions "with batch norm and ReLU between"."""
    net = structure(build(name))["net"]
    weights = [i for i, layer in enumerate(net) if _is_weight(layer)]
    for i in weights[:-1]:
        assert net[i + 1][0].startswith("BatchNorm") and net[i + 2] == R, (
            f"{name}: {net[i]} is followed by {net[i + 1 : i + 3]}, not batch norm and ReLU"
        )
        assert net[i + 1][1] == net[i][2], f"{name}: the batch norm's width is not {net[i]}'s"
    assert all(not (layer[0].startswith("BatchNorm") or layer == R) for layer in net[weights[-1] :])
    assert sum(layer[0] == "ConvTranspose2d" for layer in net) == 2
    assert isinstance(build(name), Generator) and build(name).output == "sigmoid"


@pytest.mark.parametrize("name", CONV_DISCRIMINATORS)
def test_dcgans_discriminator_rule_leaky_relu_after_every_convolution_no_norm_no_pooling(name):
    net = structure(build(name))["net"]
    for i, layer in enumerate(net):
        if layer[0] == "Conv2d":
            assert net[i + 1] == LEAKY, f"{name}: {layer} followed by {net[i + 1]}"
            assert layer[4] == (2, 2), f"{name}: {layer} is not strided"
    assert not any(layer[0].startswith(("BatchNorm", "MaxPool", "AvgPool")) for layer in net)
    assert net[-1][0] == "Linear" and net[-1][2] == 1


def test_the_recipe_helpers_describe_what_the_package_builds():
    """The helpers above describe ``parts.mlp`` and the MLP players as built, so that a recipe
    written with them reads the same layers as the model."""
    assert layers(mlp([5, 7, 2])) == mlp_layers([5, 7, 2])
    assert layers(Generator(4, 6, hidden=(8,), batchnorm=True).net) == batchnorm_mlp_layers(
        [4, 8, 6]
    )
    assert layers(mlp_autoencoder(2, hidden=(5,), data_dim=4, likelihood="gaussian").decoder) == (
        mlp_layers([2, 5, 4]) + [SIGMOID]
    )
