"""Every measurement of vaecore.metrics refuses a set that is empty or too small with a
ValueError that names it, instead of returning NaN or failing inside PyTorch or NumPy. The public
functions are found by reading the modules, so a new one must be added to CALLS (with valid
arguments) or to TRANSFORMS (with why), or this test fails."""

import importlib
import inspect
import pkgutil
from typing import Any, Callable

import pytest
import torch

import vaecore.metrics
from vaecore.data.datasets import ImageSet, StrokeSet
from vaecore.metrics import judge
from vaecore.metrics.modes import Mixture
from vaecore.metrics.pca import fit_pca
from vaecore.models.autoencoder import mlp_autoencoder
from vaecore.models.vae import VAE
from vaecore.models.vrnn import RNNGauss


def _x(n: int = 12, d: int = 784) -> torch.Tensor:
    return torch.rand(n, d, generator=torch.Generator().manual_seed(n))


def _strokes(n: int) -> StrokeSet:
    lengths = torch.full((n,), 4)
    return StrokeSet(torch.zeros(n, 4, 3), torch.ones(n, 4), lengths, 1.0)


#: Each public measurement: a valid call, as keyword arguments, and for each set it measures the
#: fewest rows it needs.
CALLS: dict[str, tuple[Callable[[], dict[str, Any]], dict[str, int]]] = {
    "batched.apply_in_batches": (
        lambda: {"model": (m := mlp_autoencoder(2)), "fn": m, "x": _x(), "batch_size": 5},
        {"x": 1},
    ),
    "batched.reconstruct": (lambda: {"model": mlp_autoencoder(2), "x": _x()}, {"x": 1}),
    "batched.encode": (lambda: {"model": mlp_autoencoder(2), "x": _x()}, {"x": 1}),
    "batched.decode": (lambda: {"model": mlp_autoencoder(2), "z": _x(10, 2)}, {"z": 1}),
    "discrete.total_variation": (lambda: {"a": _x(5, 3), "b": _x(6, 3)}, {"a": 1, "b": 1}),
    "images.mse": (lambda: {"x_hat": _x(), "x": _x()}, {"x_hat": 1, "x": 1}),
    "images.greyness": (lambda: {"x": _x()}, {"x": 1}),
    "images.laplacian_energy": (lambda: {"x": _x()}, {"x": 1}),
    "images.sharpness": (lambda: {"x": _x(), "reference": _x(5)}, {"x": 1, "reference": 1}),
    "images.class_shares": (lambda: {"labels": torch.arange(10)}, {"labels": 1}),
    "images.class_kl": (
        lambda: {"share": torch.full((10,), 0.1), "reference": torch.full((10,), 0.1)},
        {"share": 1, "reference": 1},
    ),
    "judge.frechet_distance": (lambda: {"a": _x(5, 3), "b": _x(6, 3)}, {"a": 2, "b": 2}),
    "judge.classifier_features": (lambda: {"model": judge.ConvClassifier(), "x": _x()}, {"x": 1}),
    "judge.precision_recall": (
        lambda: {"real": _x(6, 3), "fake": _x(7, 3), "k": 3},
        {"real": 4, "fake": 4},
    ),
    "judge.known_cases": (
        lambda: {"x": _x(), "labels": torch.arange(12) % 10},
        {"x": 1, "labels": 1},
    ),
    "judge.train_classifier": (
        lambda: {
            "train": ImageSet(_x(20), torch.arange(20) % 10, tuple("0123456789")),
            "epochs": 1,
            "progress": False,
        },
        {"train": 1},
    ),
    "latents.mahalanobis": (lambda: {"points": _x(3, 2), "codes": _x(5, 2)}, {"codes": 2}),
    "latents.active_units": (lambda: {"mu": _x(5, 2)}, {"mu": 2}),
    "latents.fitted_gaussian": (lambda: {"codes": _x(5, 2)}, {"codes": 2}),
    "likelihood.estimate_nll": (
        lambda: {"model": VAE(2, hidden=(8,)), "x": _x().round(), "k": 2, "progress": False},
        {"x": 1},
    ),
    "likelihood.sequence_bounds": (
        lambda: {"model": RNNGauss(hidden=8), "strokes": _strokes(3)},
        {"strokes": 1},
    ),
    "modes.mode_metrics": (
        lambda: {"samples": _x(5, 2), "mixture": Mixture(torch.zeros(2, 2), 0.1)},
        {"samples": 1},
    ),
    "pca.fit_pca": (lambda: {"x": _x(6, 4), "n_components": 2}, {"x": 2}),
    "pca.pca_reconstruct": (
        lambda: {"pca": fit_pca(_x(6, 4), 2), "x": _x(3, 4), "k": 2},
        {"x": 1},
    ),
}
#: Public functions that are not measurements of a set, with why they are not checked here.
TRANSFORMS = {
    "judge.mean_filtered": "an image transform: no images in, none out",
    "judge.noised": "an image transform: no images in, none out",
    "judge.shuffled_pixels": "an image transform: no images in, none out",
    "judge.load_classifier": "reads a file; it measures nothing",
    "pca.principal_angles": "takes two bases of a subspace, not a set of examples",
}


def public_functions() -> list[str]:
    """``module.function`` for every public function defined in a vaecore.metrics module."""
    found = []
    for info in pkgutil.iter_modules(vaecore.metrics.__path__):
        module = importlib.import_module(f"vaecore.metrics.{info.name}")
        for name, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == module.__name__:
                if not name.startswith("_"):
                    found.append(f"{info.name}.{name}")
    return sorted(found)


def test_every_public_measurement_is_listed():
    found = set(public_functions())
    assert found == set(CALLS) | set(TRANSFORMS), (
        f"not listed: {sorted(found - set(CALLS) - set(TRANSFORMS))}; "
        f"listed but gone: {sorted(set(CALLS) | set(TRANSFORMS) - found)}"
    )


def _function(name: str) -> Callable[..., Any]:
    module, function = name.split(".")
    return getattr(importlib.import_module(f"vaecore.metrics.{module}"), function)


def _fewer(value: Any, n: int) -> Any:
    if isinstance(value, ImageSet):
        return ImageSet(value.images[:n], value.labels[:n], value.classes)
    if isinstance(value, StrokeSet):
        return StrokeSet(value.strokes[:n], value.mask[:n], value.lengths[:n], value.scale)
    return value[:n]


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_set_too_small_is_refused_by_name(name):
    make, needs = CALLS[name]
    torch.manual_seed(0)
    _function(name)(**make())  # the valid call works
    for argument, least in needs.items():
        for n in sorted({0, least - 1}):
            arguments = make()
            arguments[argument] = _fewer(arguments[argument], n)
            with pytest.raises(ValueError, match=rf"\b{argument}\b.*(empty|{n} rows?|needs)"):
                _function(name)(**arguments)


def test_rows_names_the_argument_and_how_many_it_needs():
    from vaecore.checks import rows

    with pytest.raises(ValueError, match=r"^codes has 1 row: it needs at least 2 rows$"):
        rows(torch.zeros(1, 3), "codes", 2)
    with pytest.raises(ValueError, match=r"^x is empty: it needs at least 1 row$"):
        rows(torch.zeros(0, 3), "x")
    with pytest.raises(TypeError, match="x must be a tensor, got a list"):
        rows([1.0], "x")
