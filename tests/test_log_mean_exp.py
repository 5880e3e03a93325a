"""Every log-mean-exp of vaecore, and above all every importance-weighted bound, against a direct
``log (1/k) sum_i exp(log w_i)`` computed here, in float64 with NumPy, from the same draws.

A bound that forgets its ``- log k`` is still finite, still above the ELBO and still grows with
``k``, so the usual property checks pass it; only the value itself, on a case small enough to
compute by hand, catches it. The same holds for the other averages taken in log space (an
equal-weight mixture's ``- log M``, the JS divergence's ``- log 2``), so every ``logsumexp``-like
call in vaecore is found by reading the source (:func:`log_mean_exp_sites`) and must be listed
in :data:`CHECKS` with a check of its value, or the discovery test fails.

The draws: each check records the samples a bound draws (the ``z`` its model's
``log_likelihood`` receives, or the log-weights a stroke model's ``log_weights`` returns) and
recomputes the log-weights from them, so it relies on no seed or order of random calls."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from model_zoo import PACKAGE, ZOO, build

from vaecore.data.datasets import StrokeSet
from vaecore.data.mixtures import Mixture
from vaecore.losses import iwae, js_divergence, mixture_stroke_log_prob
from vaecore.metrics.likelihood import estimate_nll, sequence_bounds

D64 = torch.float64
LOG_2PI = math.log(2 * math.pi)


# ---------------------------------------------------------------- the independent arithmetic


def log_mean_exp(w: np.ndarray, axis: int = 0) -> np.ndarray:
    """``log (1/k) sum_i exp(w_i)`` along ``axis`` (k = its length), in float64, stabilised by
    the maximum. Written out, not from scipy or torch."""
    w = np.asarray(w, dtype=np.float64)
    top = w.max(axis=axis, keepdims=True)
    out = top + np.log(np.exp(w - top).sum(axis=axis, keepdims=True) / w.shape[axis])
    return np.squeeze(out, axis=axis)


def normal_log_density(z: np.ndarray, mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """``log N(z; mu, diag exp(logvar))`` summed over the last axis, in float64."""
    z, mu, logvar = (np.asarray(a, dtype=np.float64) for a in (z, mu, logvar))
    return (-0.5 * (LOG_2PI + logvar + (z - mu) ** 2 / np.exp(logvar))).sum(axis=-1)


def numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().double().cpu().numpy()


# ------------------------------------------------------------------ models and their spies


class LinearGaussian(torch.nn.Module):
    """``z ~ N(0, I_2)``, ``x | z ~ N(W z + b, s2 I_5)`` with orthogonal columns of ``W``, so that
    the exact posterior is a diagonal Gaussian; ``q(z | x)`` is that posterior (``shift = 0``,
    ``scale = 1``) or a distorted one. ``log p(x)`` is known in closed form."""

    def __init__(self, shift: float = 0.0, scale: float = 1.0) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(0)
        q, _ = torch.linalg.qr(torch.randn(5, 2, generator=g, dtype=D64))
        self.w = q * torch.tensor([1.5, 0.7], dtype=D64)  # W^T W diagonal
        self.b = torch.randn(5, generator=g, dtype=D64)
        self.s2, self.shift, self.scale = 0.5, shift, scale
        self.anchor = torch.nn.Parameter(torch.zeros((), dtype=D64))  # gives it a dtype

    def posterior(self, x):
        var = 1 / (1 + (self.w**2).sum(0) / self.s2)  # the diagonal of (I + W^T W / s2)^-1
        mu = (x - self.b) @ self.w * var / self.s2
        return mu + self.shift, torch.log(var * self.scale).expand_as(mu)

    def log_likelihood(self, x, z):
        mean = z @ self.w.T + self.b
        return torch.distributions.Normal(mean, math.sqrt(self.s2)).log_prob(x).sum(-1)

    def log_marginal(self, x):
        cov = self.w @ self.w.T + self.s2 * torch.eye(5, dtype=D64)
        return torch.distributions.MultivariateNormal(self.b, cov).log_prob(x)

    def sample(self, n, seed=1):
        g = torch.Generator().manual_seed(seed)
        z = torch.randn(n, 2, generator=g, dtype=D64)
        noise = math.sqrt(self.s2) * torch.randn(n, 5, generator=g, dtype=D64)
        return z @ self.w.T + self.b + noise


class Recorder:
    """Wraps ``model.log_likelihood`` (image models) to record every ``(x, z, log p(x | z))``
    the bound asks for; the model runs as before."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.model, self.calls = model, []
        self.original = model.log_likelihood

        def spy(x, z):
            out = self.original(x, z)
            self.calls.append((x.detach().clone(), z.detach().clone(), out.detach().clone()))
            return out

        model.log_likelihood = spy

    def log_weights(self) -> list[tuple[torch.Tensor, np.ndarray]]:
        """For each call: its ``x`` and the log-weights ``log p(x | z) + log N(z; 0, I) -
        log q(z | x)`` of its draws ``(samples, batch)``, recomputed in float64 here."""
        out = []
        for x, z, log_lik in self.calls:
            with torch.no_grad():
                mu, logvar = self.model.posterior(x)
            z_np = numpy(z)
            log_prior = normal_log_density(z_np, np.zeros_like(z_np), np.zeros_like(z_np))
            log_q = normal_log_density(z_np, numpy(mu), numpy(logvar))
            out.append((x, numpy(log_lik) + log_prior - log_q))
        return out


#: The image models with a bound: every zoo entry with ``posterior`` and ``log_likelihood``
#: (the VAEs, the convolutional and categorical ones, and the mistakes, which keep the VAE's
#: bound), found in the zoo so that a new one is checked too; run in float64.
IMAGE_MODELS = [
    name
    for name in ZOO
    if callable(getattr(build(name), "posterior", None))
    and callable(getattr(build(name), "log_likelihood", None))
]


def image_batch(model: torch.nn.Module, n: int, seed: int = 0) -> torch.Tensor:
    """``n`` inputs the model accepts: one-hot rows for a categorical VAE, binary pixels
    otherwise, in the model's dtype."""
    g = torch.Generator().manual_seed(seed)
    if hasattr(model, "levels"):
        values = torch.randint(model.levels, (n, model.pixels), generator=g)
        return torch.nn.functional.one_hot(values, model.levels).flatten(1).to(D64)
    return torch.bernoulli(torch.full((n, model.data_dim), 0.4, dtype=D64), generator=g)


def test_the_image_models_include_every_kind_of_vae():
    assert {"VAE", "ConvVAE", "ConvVAE/attention", "CategoricalVAE", "FreeBitsVAE"} <= set(
        IMAGE_MODELS
    )


# ----------------------------------------------------------------------------- the checks


@pytest.mark.parametrize("k, chunk", [(1, 100), (2, 100), (7, 100), (7, 3)])
@pytest.mark.parametrize("name", IMAGE_MODELS)
def test_iwae_is_the_log_mean_of_its_importance_weights(name, k, chunk):
    """``losses.iwae`` = ``log (1/k) sum_i w_i`` of the weights of its own draws, for every
    image model, whole or drawn a few samples at a time."""
    model = build(name).double().eval()
    recorder = Recorder(model)
    x = image_batch(model, 3)
    torch.manual_seed(1)
    with torch.no_grad():
        bound = iwae(model, x, k, chunk=chunk)
    assert recorder.calls and all(torch.equal(call[0], x) for call in recorder.calls)
    w = np.concatenate([lw for _, lw in recorder.log_weights()], axis=0)  # (k, batch)
    assert w.shape == (k, 3), "the bound must draw k samples for every example"
    np.testing.assert_allclose(
        numpy(bound),
        log_mean_exp(w),
        rtol=1e-9,
        atol=1e-9,
        err_msg=f"iwae(k={k}) is not log (1/k) sum_i w_i (k = {k}: log k = {math.log(k):.4f})",
    )


@pytest.mark.parametrize("k", [1, 5])
def test_iwae_is_log_p_for_every_k_when_q_is_the_exact_posterior(k):
    """With ``q(z | x) = p(z | x)`` every weight is ``p(x)``, whatever the draws: the log of their
    mean is ``log p(x)``, while their log-sum would be ``log p(x) + log k``."""
    model = LinearGaussian()
    x = model.sample(6)
    torch.manual_seed(0)
    torch.testing.assert_close(iwae(model, x, k, chunk=2), model.log_marginal(x))


@pytest.mark.parametrize("name", ["VAE", "ConvVAE", "CategoricalVAE", "LinearGaussian"])
def test_estimate_nll_is_minus_the_mean_log_mean_of_the_weights(name):
    """``metrics.likelihood.estimate_nll`` = ``-mean_n log (1/k) sum_i w_{n,i}`` over every
    example, in batches that do not divide the data."""
    model = (
        LinearGaussian(shift=0.3, scale=1.7) if name == "LinearGaussian" else build(name).double()
    )
    x = model.sample(10) if name == "LinearGaussian" else image_batch(model, 10)
    recorder = Recorder(model)
    torch.manual_seed(2)
    nll = estimate_nll(model, x, k=6, batch_size=4, progress=False)
    per_example = [log_mean_exp(w) for _, w in recorder.log_weights()]
    assert sum(len(v) for v in per_example) == len(x)
    assert all(w.shape[0] == 6 for _, w in recorder.log_weights())
    expected = -np.concatenate(per_example).mean()
    assert nll == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_estimate_nll_is_exact_when_q_is_the_exact_posterior():
    model = LinearGaussian()
    x = model.sample(9)
    torch.manual_seed(0)
    expected = -model.log_marginal(x).mean().item()
    assert estimate_nll(model, x, k=4, batch_size=4, progress=False) == pytest.approx(
        expected, rel=1e-12
    )


def stroke_set(lengths: list[int], scale: float = 3.0, seed: int = 0) -> StrokeSet:
    """Integer pen offsets divided by ``scale``, pens 0/1, zero padding; each sequence has its
    own length, by which a check recognises it in a batch."""
    assert len(set(lengths)) == len(lengths)
    g = torch.Generator().manual_seed(seed)
    T = max(lengths)
    offsets = torch.randint(-4, 5, (len(lengths), T, 2), generator=g).float() / scale
    pen = torch.bernoulli(torch.full((len(lengths), T, 1), 0.3), generator=g)
    mask = (torch.arange(T) < torch.tensor(lengths)[:, None]).float()
    strokes = torch.cat([offsets, pen], dim=-1) * mask[..., None]
    return StrokeSet(strokes, mask, torch.tensor(lengths), scale)


@pytest.mark.parametrize("k", [1, 5])
@pytest.mark.parametrize("name", ["VRNN", "RNNGauss", "RNNGMM"])
def test_sequence_bounds_iw_bound_is_the_log_mean_of_the_sequences_weights(name, k):
    """``metrics.likelihood.sequence_bounds``: ``iw_bound`` = ``log (1/k) sum_i w_i`` and
    ``bound`` = ``(1/k) sum_i w_i`` of each sequence's ``k`` log-weights (those its
    ``log_weights`` returned), plus the change of units ``-2 T log s``; for RNN-Gauss and
    RNN-GMM, whose weight is the exact ``log p`` every time, the two are equal."""
    model = build(name)
    strokes = stroke_set([2, 5, 3, 6, 4])
    calls = []
    original = model.log_weights

    def spy(x, mask):
        w = original(x, mask)
        calls.append((mask.sum(dim=1).long().tolist(), numpy(w)))
        return w

    model.log_weights = spy
    out = sequence_bounds(model, strokes, k=k, seed=3, batch_size=2)
    weights: dict[int, list[float]] = {}
    for lengths, w in calls:
        for length, value in zip(lengths, w):
            weights.setdefault(length, []).append(value)
    assert sorted(weights) == sorted(strokes.lengths.tolist())
    units = -2 * math.log(strokes.scale) * strokes.lengths.double().numpy()
    lengths = strokes.lengths.tolist()
    assert all(len(weights[t]) == k for t in lengths), "k draws for every sequence"
    iw = np.array([log_mean_exp(np.array(weights[t])) for t in lengths]) + units
    mean = np.array([np.mean(weights[t]) for t in lengths]) + units
    msg = f"k = {k}, log k = {math.log(k):.4f}"
    np.testing.assert_allclose(numpy(out["iw_bound"]), iw, rtol=1e-6, atol=1e-4, err_msg=msg)
    np.testing.assert_allclose(numpy(out["bound"]), mean, rtol=1e-6, atol=1e-4, err_msg=msg)
    if name != "VRNN":
        torch.testing.assert_close(out["iw_bound"], out["bound"])


@pytest.mark.parametrize("components", [1, 4])
def test_the_mixture_output_density_is_the_log_of_its_weighted_sum(components):
    """``losses.mixture_stroke_log_prob``: ``log sum_k pi_k N_k`` with ``pi = softmax(w)``, the
    layout of the docstring, written out in NumPy."""
    g = torch.Generator().manual_seed(0)
    n, min_std = 7, 1e-3
    out = 2 * torch.randn(n, 5 * components + 1, generator=g, dtype=D64)
    x = torch.cat(
        [torch.randn(n, 2, generator=g, dtype=D64), torch.bernoulli(torch.full((n, 1), 0.5))],
        dim=-1,
    ).to(D64)
    o, xn = numpy(out), numpy(x)
    rows = o[:, :-1].reshape(n, components, 5)  # (w_k, mu_x, mu_y, raw_x, raw_y) per component
    log_pi = rows[..., 0] - log_mean_exp(rows[..., 0], axis=1)[:, None] - math.log(components)
    std = np.log1p(np.exp(rows[..., 3:5])) + min_std
    log_n = normal_log_density(xn[:, None, :2], rows[..., 1:3], 2 * np.log(std))
    offsets = log_mean_exp(log_pi + log_n, axis=1) + math.log(components)  # log sum
    p = 1 / (1 + np.exp(-o[:, -1]))
    pen = xn[:, 2] * np.log(p) + (1 - xn[:, 2]) * np.log1p(-p)
    np.testing.assert_allclose(
        numpy(mixture_stroke_log_prob(x, out, min_std)), offsets + pen, rtol=1e-10, atol=1e-10
    )


@pytest.mark.parametrize("modes", [1, 8])
def test_an_equal_weight_mixture_density_is_the_log_mean_of_its_components(modes):
    """``data.mixtures.Mixture.log_density`` = ``log (1/M) sum_m N(x; m, sigma^2 I)``."""
    g = torch.Generator().manual_seed(0)
    centres = torch.randn(modes, 2, generator=g, dtype=D64)
    mixture = Mixture(centres, 0.7)
    x = torch.randn(9, 2, generator=g, dtype=D64)
    log_n = normal_log_density(
        numpy(x)[:, None, :], numpy(centres)[None], np.full((1, modes, 2), 2 * math.log(0.7))
    )
    np.testing.assert_allclose(
        numpy(mixture.log_density(x)), log_mean_exp(log_n, axis=1), rtol=1e-9, atol=1e-9
    )


def test_the_js_divergence_uses_the_mean_of_the_two_densities():
    """``losses.js_divergence``: ``1/2 KL(p || m) + 1/2 KL(q || m)`` with ``m = (p + q) / 2``,
    summed on the grid here; ``log 2`` for two densities that never overlap."""
    x = torch.linspace(-10, 10, 4001, dtype=D64)
    dx = float(x[1] - x[0])
    log_p = torch.distributions.Normal(-0.5, 1.0).log_prob(x)
    log_q = torch.distributions.Normal(1.0, 0.6).log_prob(x)
    p, q = numpy(log_p.exp()), numpy(log_q.exp())
    m = (p + q) / 2
    expected = 0.5 * (p * np.log(p / m)).sum() * dx + 0.5 * (q * np.log(q / m)).sum() * dx
    assert js_divergence(log_p, log_q, dx) == pytest.approx(expected, rel=1e-9)
    far_p = torch.distributions.Normal(-5.0, 0.3).log_prob(x)
    far_q = torch.distributions.Normal(5.0, 0.3).log_prob(x)
    assert js_divergence(far_p, far_q, dx) == pytest.approx(math.log(2), abs=1e-6)


# ---------------------------------------------------------------------------- discovery

#: Every function of vaecore that averages in log space (a ``logsumexp``-like call, or
#: ``log`` of a mean or sum of ``exp``), by ``"module:qualname"``, and the tests above that
#: check its value against the log-mean-exp written out here.
CHECKS = {
    "vaecore.losses:iwae": [
        test_iwae_is_the_log_mean_of_its_importance_weights,
        test_iwae_is_log_p_for_every_k_when_q_is_the_exact_posterior,
    ],
    "vaecore.metrics.likelihood:sequence_bounds": [
        test_sequence_bounds_iw_bound_is_the_log_mean_of_the_sequences_weights
    ],
    "vaecore.losses:mixture_stroke_log_prob": [
        test_the_mixture_output_density_is_the_log_of_its_weighted_sum
    ],
    "vaecore.data.mixtures:Mixture.log_density": [
        test_an_equal_weight_mixture_density_is_the_log_mean_of_its_components
    ],
    "vaecore.losses:js_divergence": [test_the_js_divergence_uses_the_mean_of_the_two_densities],
}

#: The functions that compute no log-mean-exp themselves but call a bound by name (or, in the
#: modules that compute, ``losses``, ``metrics`` and ``models``, speak of one in their
#: docstring), and the checked bound each passes on.
PASS_ON = {
    "vaecore.metrics.likelihood:estimate_nll": "vaecore.losses:iwae",  # checked above too
    "vaecore.experiments.image_models:measure": "vaecore.metrics.likelihood:estimate_nll",
    "vaecore.experiments.side_by_side:measure": "vaecore.metrics.likelihood:estimate_nll",
    "vaecore.experiments.vae_drawbacks:scores": "vaecore.losses:iwae",
    "vaecore.experiments.handwriting:train_stroke_model": (
        "vaecore.metrics.likelihood:sequence_bounds"
    ),
}

LOG_SPACE_CALLS = {"logsumexp", "logaddexp", "logaddexp2", "logcumsumexp", "logmeanexp"}
LOG_SPACE_CALLS |= {"log_mean_exp", "log_sum_exp"}
BOUND_WORDS = re.compile(r"importance[- ]weight|\bIWAE\b|\biw_bound\b|log[- ]mean[- ]exp", re.I)


def _called(node: ast.AST) -> str:
    func = node.func if isinstance(node, ast.Call) else None
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _averages_in_log_space(node: ast.AST) -> bool:
    """A ``logsumexp``-like call, or ``log(mean(exp(..)))`` / ``log(sum(exp(..)))`` in any
    spelling (functions or methods)."""
    if not isinstance(node, ast.Call):
        return False
    if _called(node) in LOG_SPACE_CALLS:
        return True
    if _called(node) not in ("log", "log2", "log10"):
        return False
    inner = [n for n in ast.walk(node) if n is not node and _called(n) in ("mean", "sum")]
    return any(_called(e) == "exp" for i in inner for e in ast.walk(i) if e is not i)


def _definitions(tree: ast.Module):
    """``(qualname, node, own_nodes)`` for every function and class, ``own_nodes`` excluding
    what nested definitions hold, plus ``("<module>", tree, ...)``."""

    def own(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            yield child
            yield from own(child)

    def walk(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield prefix + child.name, child, list(own(child))
                yield from walk(child, prefix + child.name + ".")
            elif not isinstance(child, ast.Lambda):
                yield from walk(child, prefix)

    yield "<module>", tree, list(own(tree))
    yield from walk(tree, "")


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        yield module, ast.parse(Path(path).read_text(encoding="utf-8"))


def log_mean_exp_sites() -> set[str]:
    """Every definition in vaecore whose own code averages in log space."""
    return {
        f"{module}:{name}"
        for module, tree in _sources()
        for name, _, nodes in _definitions(tree)
        if any(_averages_in_log_space(n) for n in nodes)
    }


def bound_users() -> set[str]:
    """Every definition (not a module) that calls a bound by name, and every one in the
    computing modules whose docstring speaks of an importance-weighted bound. (Reports and
    records elsewhere that only quote the numbers are left out.)"""
    bound_names = {"iwae", "estimate_nll", "sequence_bounds"}
    computing = ("vaecore.losses", "vaecore.metrics", "vaecore.models")
    found = set()
    for module, tree in _sources():
        for name, node, nodes in _definitions(tree):
            if name == "<module>":
                continue
            calls = any(_called(n) in bound_names for n in nodes)
            speaks = module.startswith(computing) and BOUND_WORDS.search(
                ast.get_docstring(node) or ""
            )
            if calls or speaks:
                found.add(f"{module}:{name}")
    return found


def test_every_log_mean_exp_in_vaecore_is_checked_here():
    """A new ``logsumexp`` (a new bound, a new mixture) fails here until a test above checks its
    value and :data:`CHECKS` lists it; one that disappears must be taken off the list."""
    sites = log_mean_exp_sites()
    assert sites == set(CHECKS), (
        f"unchecked: {sorted(sites - set(CHECKS))}; listed but gone: {sorted(set(CHECKS) - sites)}"
    )


def test_every_importance_weighted_bound_is_checked_or_passes_a_checked_one_on():
    users = bound_users() - set(CHECKS)
    assert users == set(PASS_ON), (
        f"unlisted: {sorted(users - set(PASS_ON))}; listed but gone: {sorted(set(PASS_ON) - users)}"
    )
    for user, source in PASS_ON.items():
        assert source in CHECKS or PASS_ON.get(source) in CHECKS, (user, source)


@pytest.mark.parametrize(
    "source, found",
    [
        ("def f(w):\n    return torch.logsumexp(w, 0) - math.log(len(w))", True),
        ("def f(w):\n    return logsumexp(w, axis=0)", True),
        ("def f(w):\n    return w.logsumexp(0)", True),
        ("def f(a, b):\n    return np.logaddexp(a, b)", True),
        ("def f(w):\n    return torch.log(torch.exp(w).mean(0))", True),
        ("def f(w):\n    return w.exp().mean(dim=0).log()", True),
        ("def f(w):\n    return np.log(np.sum(np.exp(w)) / len(w))", True),
        ("class M:\n    def f(self, w):\n        return w.logsumexp(0)", True),
        ("def f(w):\n    return torch.log(w).mean()", False),
        ("def f(s):\n    return 2 * torch.log(F.softplus(s) + 1e-3)", False),
    ],
)
def test_the_discovery_sees_every_spelling_of_a_log_space_average(source, found):
    tree = ast.parse(source)
    hits = {
        name for name, _, nodes in _definitions(tree) if any(map(_averages_in_log_space, nodes))
    }
    assert bool(hits) == found and (not found or hits <= {"f", "M.f"})
