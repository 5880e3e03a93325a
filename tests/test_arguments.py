"""Every public callable of ``vaecore`` refuses a bad number at the door (issue 33, item 7).

The callables are found, not listed: every public function, class and method of every public
module, and each of their parameters annotated as a number (``int``, ``float``, or either or
``None``). Each such parameter is given NaN, infinity, a negative number, zero, a fraction (for a
whole number) and ``True``, one at a time, and must be refused with a ``ValueError`` or
``TypeError`` whose message names it ("VAE: beta must be ..."). The other arguments are
placeholders that the function must not have touched yet: a number is checked before anything
else is done. What a parameter may legally be (zero for a seed, ...) is stated below, by name,
in one place; a new parameter that accepts zero or a negative number has to be added here, with
its reason.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import pkgutil
import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import torch

import vaecore
from vaecore import checks

#: Annotations that make a parameter a number, and whether it must be whole.
NUMERIC = {
    "int": True,
    "int | None": True,
    "float": False,
    "float | None": False,
}

#: Annotations of a tuple or list of whole numbers (the widths of layers, an image's shape).
SEQUENCES = {"tuple[int, ...]", "tuple[int, int]", "list[int]"}

#: Classes whose numbers are records of what was measured, not settings: NaN stands for "not
#: measured" and the values come from the package's own runs and result files (which
#: ``tests/test_results.py`` checks), so a constructor check would refuse real results.
RECORDS = {
    "vaecore.book.findings.autoencoder.LinearFit",
    "vaecore.book.findings.autoencoder.Eigengap",
    "vaecore.book.findings.vae.Likelihood",
    "vaecore.book.findings.vae.SweepRow",
    "vaecore.book.findings.vae.SampleScores",
    "vaecore.experiments.discrete.Score",
    "vaecore.experiments.discrete.DiscreteRun",
    "vaecore.experiments.image_models.Row",
    "vaecore.experiments.gradients.Spread",
    "vaecore.experiments.handwriting.StrokeResult",
    "vaecore.experiments.image_models.Trained",
    "vaecore.experiments.image_models.SampleScores",
    "vaecore.experiments.side_by_side.Scores",
    "vaecore.experiments.vae_drawbacks.Drawbacks",
    "vaecore.metrics.modes.ModeReport",
    "vaecore.metrics.judge.SampleJudge",
    "vaecore.train_gan.GANHistory",
}

#: The rules themselves (``whole(1)``, ``number(above=0)``): their bounds are constants written
#: in the package's source, and a bound may be any number.
RULE_MAKERS = {
    "vaecore.checks.Rule",
    "vaecore.checks.whole",
    "vaecore.checks.number",
    "vaecore.checks.Each",
}

#: Parameters (by name) for which 0 is a legal value, and why.
ZERO_OK = {
    "seed": "seeds start at 0",
    "tuned_on": "seeds start at 0",
    "digits": "0 digits after the point",
    "pad": "no padding",
    "margin": "no margin",
    "gap": "no gap between images",
    "snapshots": "no snapshots",
    "snapshot_every": "no snapshots",
    "times": "filtered 0 times: the images unchanged",
    "sd": "no noise",
    "share": "no pixel moved",
    "threshold": "every unit that varies at all is active",
    "beta": "a KL weight of 0 is the KL-free model",
    "free_bits": "no free bits: the plain VAE",
    "gamma": "no penalty",
    "r1_gamma": "no penalty",
    "rtol": "an exact comparison",
    "atol": "an exact comparison",
    "step": "the first step of a schedule",
    "diverged_at": "diverged at the first step",
    "squared_error": "a perfect fit",
    "cross_entropy": "a perfect fit",
    "pca_error": "a perfect fit",
    "sigma_free": "a posterior that collapsed to a point",
    "sigma_vae": "a posterior that collapsed to a point",
    "mean_norm": "codes at the origin",
    "floor": "a distance of 0",
    "at_least": "a set may be empty",
    "x": "a measured value",
    "y": "a measured value",
    "start": "a clock's reading",
}
#: The same for one callable's parameter.
ZERO_OK_IN = {
    ("batch_indices", "n"): "an empty set has no batch",
    ("set_learning_rate", "lr"): "a cosine schedule ends at 0",
    **{(method, "a"): "the first grid index" for method in ("codes_at", "frame", "readout")},
    **{(method, "b"): "the first grid index" for method in ("codes_at", "frame", "readout")},
    ("option_label", "d"): "the first dimension",
    ("pad_svg", "ix"): "the first grid index",
    ("pad_svg", "iy"): "the first grid index",
}
#: Parameters for which a negative number, and infinity, are legal values.
NEGATIVE_OK = {"x": "a measured value", "y": "a measured value", "start": "a clock's reading"}
INFINITE_OK = {"x": "a measured value may be infinite", "y": "a measured value may be infinite"}

#: Arguments a dataclass checks before its numbers, by (class, field).
EXAMPLES: dict[tuple[str, str], Any] = {
    ("ToyRun", "benchmark"): "grid",
    ("StrokeRun", "model"): "vrnn",
    ("Budget", "unit"): "steps",
    ("Seeds", "unit"): "passes",
    ("Mixture", "modes"): torch.zeros(1, 2),
}


class Untouched:
    """A placeholder for the arguments that are not numbers: using it fails the test loudly."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the body ran (it used .{name}) before the numbers were checked")

    def __repr__(self) -> str:
        return "Untouched()"


def _public_modules() -> Iterator[Any]:
    for info in pkgutil.walk_packages(vaecore.__path__, "vaecore."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            yield importlib.import_module(info.name)


#: The kind of a parameter that holds a sequence of whole numbers.
SEQUENCE = "each"


def _numbers_of(target: Callable[..., Any]) -> dict[str, bool | str]:
    """``{parameter: whole}`` for each parameter annotated as a number (``whole`` is
    :data:`SEQUENCE` for a sequence of whole numbers)."""
    found: dict[str, bool | str] = {}
    try:
        parameters = inspect.signature(target).parameters
    except ValueError:  # an exception class: no signature of its own
        return found
    for name, parameter in parameters.items():
        annotation = parameter.annotation
        if isinstance(annotation, type):
            annotation = annotation.__name__
        if name != "self" and annotation in NUMERIC:
            found[name] = NUMERIC[annotation]
        elif name != "self" and annotation in SEQUENCES:
            found[name] = SEQUENCE
    return found


def discover() -> list[tuple[str, Callable[..., Any], bool, dict[str, bool]]]:
    """``(qualified name, callable, is a method, {number parameter: whole})`` for every public
    callable of vaecore that takes a number."""
    found = []
    for module in _public_modules():
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            qualified = f"{module.__name__}.{name}"
            if qualified in RECORDS or qualified in RULE_MAKERS:
                continue
            if inspect.isfunction(obj) or inspect.isclass(obj):
                numbers_ = _numbers_of(obj)
                if numbers_:
                    found.append((qualified, obj, False, numbers_))
            if inspect.isclass(obj):
                for method_name, method in vars(obj).items():
                    if method_name.startswith("_") or not inspect.isfunction(method):
                        continue
                    numbers_ = _numbers_of(method)
                    if numbers_:
                        found.append((f"{qualified}.{method_name}", method, True, numbers_))
    return found


CALLABLES = discover()
CASES = [
    (qualified, target, method, parameter, whole)
    for qualified, target, method, numbers_ in CALLABLES
    for parameter, whole in numbers_.items()
]


def test_the_discovery_finds_the_package():
    """The counts the closing note reports; a discovery that found little would test little."""
    print(f"{len(CALLABLES)} callables, {len(CASES)} number parameters")
    assert len(CALLABLES) >= 140 and len(CASES) >= 300
    names = {qualified for qualified, *_ in CALLABLES}
    for expected in ("vaecore.models.vae.VAE", "vaecore.data.mixtures.ring_modes"):
        assert expected in names


def _bad_values(qualified: str, parameter: str, whole: bool | str) -> list[object]:
    if whole == SEQUENCE:  # each entry is checked; two entries fit every such parameter
        entries = [2.5, np.float64(1.5), -1, True, math.nan, math.inf]
        entries += [] if parameter in ZERO_OK else [0]
        return [(2, bad) for bad in entries] + [(2, 3, 4, 5.5), "12", 12, None]
    short = qualified.rsplit(".", 1)[-1]
    bad: list[object] = [math.nan, np.float64(math.nan), True, np.bool_(True), "2", [2]]
    if parameter not in INFINITE_OK:
        bad += [math.inf, -math.inf]
    if parameter not in NEGATIVE_OK:
        bad += [-1, np.int64(-3), -0.5]
    if parameter not in ZERO_OK and (short, parameter) not in ZERO_OK_IN:
        bad += [0, 0.0, np.int32(0)]
    if whole:
        bad += [2.5, np.float32(1.5), 2.0]
    return bad


def _call(qualified, target, method, parameter, value):
    signature = inspect.signature(target)
    owner = qualified.split(".")[-2] if method else qualified.rsplit(".", 1)[-1]
    kwargs: dict[str, Any] = {}
    args: list[Any] = [Untouched()] if method else []
    numbers_ = _numbers_of(target)
    for name, p in signature.parameters.items():
        if name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if name == parameter:
            kwargs[name] = value
        elif p.default is p.empty:
            if name in numbers_:
                kind = numbers_[name]
                kwargs[name] = (2, 3) if kind == SEQUENCE else 2 if kind else 0.5
            else:
                kwargs[name] = EXAMPLES.get((owner, name), Untouched())
    return target(*args, **kwargs)


@pytest.mark.parametrize(
    ("qualified", "target", "method", "parameter", "whole"),
    CASES,
    ids=[f"{c[0].removeprefix('vaecore.')}-{c[3]}" for c in CASES],
)
def test_every_number_parameter_refuses_bad_values_by_name(
    qualified, target, method, parameter, whole
):
    for value in _bad_values(qualified, parameter, whole):
        with pytest.raises((ValueError, TypeError)) as caught:
            _call(qualified, target, method, parameter, value)
        message = str(caught.value)
        assert re.search(rf"\b{parameter}(\[\d+\])? must (be|hold) ", message), (
            f"{qualified}({parameter}={value!r}) raised {caught.type.__name__}: {message}"
        )


def test_legal_edge_values_pass_the_door():
    """Zero where it is legal, NumPy's numbers where Python's are, and ``None`` where optional,
    reach the function's body (the placeholders then fail it)."""
    for qualified, target, method, parameter, whole in CASES:
        short = qualified.rsplit(".", 1)[-1]
        legal: list[object] = [np.int64(3) if whole else np.float32(0.5)]
        if whole == SEQUENCE:
            legal = [(np.int64(3), 4)]
        if parameter in ZERO_OK or (short, parameter) in ZERO_OK_IN:
            legal.append((0,) if whole == SEQUENCE else 0)
        for value in legal:
            try:
                _call(qualified, target, method, parameter, value)
            except (ValueError, TypeError) as err:
                assert not re.search(rf"\b{parameter}(\[\d+\])? must (be|hold) ", str(err)), (
                    f"{qualified} refused the legal {parameter}={value!r}: {err}"
                )
            except Exception:  # noqa: BLE001 - past the door; the placeholders stop the body
                pass


def test_numpy_numbers_are_passed_on_as_python_numbers():
    @checks.arguments(n=checks.whole(1), scale=checks.number(above=0))
    def seen(n: int, scale: float = 1.0) -> tuple[object, object]:
        return n, scale

    n, scale = seen(np.int64(3), scale=np.float32(0.5))
    assert type(n) is int and n == 3 and type(scale) is float and scale == 0.5
    assert seen(4) == (4, 1.0)  # a default is passed as written


def test_the_issues_examples_are_refused_with_the_parameter_named():
    from vaecore.data.mixtures import ring_modes
    from vaecore.models.gan import Generator
    from vaecore.models.vae import VAE, FreeBitsVAE
    from vaecore.models.vaegan import VAEGAN
    from vaecore.models.vrnn import RNNGMM, VRNN, RNNGauss

    examples = [
        (lambda: FreeBitsVAE(2, free_bits=math.nan), "free_bits"),
        (lambda: FreeBitsVAE(2, free_bits=math.inf), "free_bits"),
        (lambda: VAE(2, beta=math.inf), "beta"),
        (lambda: VAE(2, beta=math.nan), "beta"),
        (lambda: RNNGauss(min_std=math.nan), "min_std"),
        (lambda: VRNN(min_std=math.inf), "min_std"),
        (lambda: VAEGAN(gamma=math.inf), "gamma"),
        (lambda: ring_modes(8, radius=math.nan), "radius"),
        (lambda: ring_modes(2.5), "n_modes"),
        (lambda: VAE(2, data_dim=0), "data_dim"),
        (lambda: VAE(2.5), "latent_dim"),
        (lambda: RNNGMM(components=2.5), "components"),
        (lambda: VRNN(z_dim=1.5), "z_dim"),
        (lambda: Generator(2.5, 2), "noise_dim"),
    ]
    for make, parameter in examples:
        with pytest.raises((ValueError, TypeError), match=rf"\b{parameter} must be "):
            make()


def test_a_whole_number_too_large_for_a_float_is_judged_not_crashed_on():
    with pytest.raises(ValueError, match="seed must be a whole number from 0 to 4294967295"):
        checks.SEED.check(10**400, "seed")
    assert checks.COUNT.check(10**400, "n") == 10**400


def test_a_rule_names_an_argument_the_function_has():
    with pytest.raises(TypeError, match="has no argument beta"):

        @checks.arguments(beta=checks.number())
        def f(alpha: float) -> float:
            return alpha


def test_a_config_check_stores_python_numbers():
    from vaecore.train import TrainConfig

    config = TrainConfig(epochs=np.int64(2), lr=np.float32(0.5))
    assert type(config.epochs) is int and type(config.lr) is float


def test_dataclass_records_are_records():
    """Each exempt class exists and is a dataclass of results (a renamed class is not silently
    skipped)."""
    for qualified in RECORDS:
        module, name = qualified.rsplit(".", 1)
        assert dataclasses.is_dataclass(getattr(importlib.import_module(module), name)), qualified
