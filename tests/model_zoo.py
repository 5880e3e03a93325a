"""Every network of vaecore.models, found by walking the package, and a small instance of each.

The tests that check all models alike (``test_output_conventions.py``, ``test_player_recipes.py``)
parametrise over :data:`ZOO`; ``test_the_zoo_holds_every_network_class`` in each of them fails
when a class is added to :mod:`vaecore.models` (or a network class is defined elsewhere in
vaecore) without an entry here, so that a new model cannot go unchecked."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path
from typing import Callable

import torch
from torch import nn

import vaecore
import vaecore.models
from vaecore.experiments.toy_gans import ToyRun, toy_players
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
from vaecore.models.mistakes import (
    AveragedKLVAE,
    BrokenKLFormulaVAE,
    CodeAsImageVAE,
    IgnoresCodeVAE,
    LogVarPenaltyVAE,
    NoMeanVAE,
    SharedHeadVAE,
    SigmoidOutputDiscriminator,
    SoftmaxCodeVAE,
    WrongSignKLVAE,
)
from vaecore.models.parts import AsModule, LeadingDims, mlp
from vaecore.models.vae import VAE, ConvVAE, FreeBitsVAE
from vaecore.models.vaegan import VAEGAN
from vaecore.models.vrnn import RNNGMM, VRNN, RNNGauss, StrokeModel

PACKAGE = Path(vaecore.__file__).parent

#: Small sizes for the image models that read (n, D) rows of any width.
D, K, HIDDEN = 12, 3, (16, 8)

#: A small instance of every network, by an id naming its class (and its variant), each built
#: from ``torch.manual_seed(0)`` by :func:`build`. Several entries use the book's own sizes
#: where a chapter states them (``mnist_players``, ``VAE(32)``, the toy players).
ZOO: dict[str, Callable[[], nn.Module]] = {
    # autoencoders
    "Autoencoder/linear": lambda: linear_autoencoder(K, data_dim=D),
    "Autoencoder/mlp-bernoulli": lambda: mlp_autoencoder(K, hidden=HIDDEN, data_dim=D),
    "Autoencoder/mlp-gaussian": lambda: mlp_autoencoder(
        K, hidden=HIDDEN, data_dim=D, likelihood="gaussian"
    ),
    "Autoencoder/chapter": lambda: mlp_autoencoder(32, likelihood="gaussian"),
    # VAEs
    "VAE": lambda: VAE(K, hidden=HIDDEN, data_dim=D),
    "VAE/chapter": lambda: VAE(32),
    "ConvVAE": lambda: ConvVAE(K, channels=(4, 8)),
    "ConvVAE/attention": lambda: ConvVAE(K, channels=(8, 4), middle=SelfAttention2d(8)),
    "ConvVAE/pointwise": lambda: ConvVAE(K, channels=(8, 4), middle=Pointwise2d(8)),
    "FreeBitsVAE": lambda: FreeBitsVAE(K, hidden=HIDDEN, data_dim=D),
    "CategoricalVAE": lambda: CategoricalVAE(K, pixels=4, levels=3, hidden=(16,)),
    "NoMeanVAE": lambda: NoMeanVAE(K, hidden=HIDDEN, data_dim=D),
    "SoftmaxCodeVAE": lambda: SoftmaxCodeVAE(K, hidden=HIDDEN, data_dim=D),
    "WrongSignKLVAE": lambda: WrongSignKLVAE(K, hidden=HIDDEN, data_dim=D),
    "AveragedKLVAE": lambda: AveragedKLVAE(K, hidden=HIDDEN, data_dim=D),
    "CodeAsImageVAE": lambda: CodeAsImageVAE(D, hidden=HIDDEN, data_dim=D),
    "LogVarPenaltyVAE": lambda: LogVarPenaltyVAE(K, hidden=HIDDEN, data_dim=D),
    "BrokenKLFormulaVAE": lambda: BrokenKLFormulaVAE(K, hidden=HIDDEN, data_dim=D),
    "SharedHeadVAE": lambda: SharedHeadVAE(K, hidden=HIDDEN, data_dim=D),
    "IgnoresCodeVAE": lambda: IgnoresCodeVAE(K, hidden=HIDDEN, data_dim=D),
    "VAEGAN": lambda: VAEGAN(K, channels=(8, 4), encoder_channels=(4, 8)),
    # GAN players
    "Generator/linear": lambda: Generator(K, D, hidden=HIDDEN),
    "Generator/sigmoid": lambda: Generator(K, D, hidden=HIDDEN, output="sigmoid"),
    "Generator/batchnorm": lambda: Generator(K, D, hidden=HIDDEN, batchnorm=True),
    "Generator/mnist": lambda: mnist_players()[0],
    "Generator/toy-plain": lambda: toy_players(ToyRun("ring"))[0],
    "Generator/toy-batchnorm": lambda: toy_players(ToyRun("ring", generator="batchnorm"))[0],
    "ConvGenerator": lambda: ConvGenerator(K, channels=(8, 4)),
    "ConvGenerator/chapter": lambda: ConvGenerator(64),
    "CategoricalGenerator": lambda: CategoricalGenerator(K, pixels=4, levels=3, hidden=(16,)),
    "Discriminator": lambda: Discriminator(D, hidden=HIDDEN),
    "Discriminator/packed": lambda: Discriminator(D, hidden=HIDDEN, pack=3),
    "Discriminator/spectral": lambda: Discriminator(D, hidden=HIDDEN, spectral_norm=True),
    "Discriminator/mnist": lambda: mnist_players()[1],
    "Discriminator/toy": lambda: toy_players(ToyRun("ring", pack=4))[1],
    "ConvDiscriminator": lambda: ConvDiscriminator(channels=(4, 8)),
    "ConvDiscriminator/chapter": lambda: ConvDiscriminator(),
    "SigmoidOutputDiscriminator": lambda: SigmoidOutputDiscriminator(D, hidden=HIDDEN),
    # the judge's classifier
    "ConvClassifier": lambda: ConvClassifier(),
    # blocks
    "SelfAttention2d": lambda: SelfAttention2d(16),
    "Pointwise2d": lambda: Pointwise2d(16),
    "LeadingDims": lambda: LeadingDims(mlp([K, 8, D])),
    "AsModule": lambda: AsModule(mlp([K, 8, D])),
    # stroke models
    "StrokeModel": lambda: StrokeModel(),
    "RNNGauss": lambda: RNNGauss(h_dim=8, feat_dim=6, hidden=10),
    "RNNGMM": lambda: RNNGMM(3, h_dim=8, feat_dim=6, hidden=10),
    "VRNN": lambda: VRNN(z_dim=2, h_dim=8, feat_dim=6, hidden=10),
}


def build(name: str) -> nn.Module:
    """The zoo's ``name``, built from ``torch.manual_seed(0)`` without touching the global
    random state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return ZOO[name]()


def model_classes() -> dict[str, type]:
    """Every ``nn.Module`` subclass defined in a module of :mod:`vaecore.models`, by
    ``"module:Class"``, found by importing each module of the package."""
    found = {}
    for info in pkgutil.iter_modules(vaecore.models.__path__):
        module = importlib.import_module(f"vaecore.models.{info.name}")
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, nn.Module)
                and obj.__module__ == module.__name__
            ):
                found[f"{module.__name__}:{name}"] = obj
    return found


def network_classes_outside_models() -> list[str]:
    """Classes defined in vaecore outside :mod:`vaecore.models` whose bases name ``Module`` or
    a network class of :mod:`vaecore.models` (read from the source, nothing imported)."""
    network_names = {"Module"} | {key.split(":")[1] for key in model_classes()}
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if (PACKAGE / "models") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {
                    b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "")
                    for b in node.bases
                }
                if bases & network_names:
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{node.name}")
    return found


def zoo_classes() -> set[type]:
    return {type(build(name)) for name in ZOO}
