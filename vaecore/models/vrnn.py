"""The variational RNN (Chung et al. 2015) and its baselines without latent variables, RNN-Gauss
and RNN-GMM.

Both read pen strokes ``x_t = (dx_t, dy_t, pen_t)`` (see :func:`vaecore.data.datasets.load_strokes`)
one step at a time and model each step given the past, through a recurrent state ``h`` (``h_0 = 0``,
a GRU here; the paper used an LSTM). Each step's output distribution is ``N(dx, dy; mu, diag
sigma^2) * Bernoulli(pen; sigmoid(logit))``, with ``sigma`` floored at ``min_std`` so that the
density stays finite.

**RNN-Gauss**::

    p(x_t | x_<t) = p(x_t | h_{t-1})              h_t = f(phi_x(x_t), h_{t-1})
    log p(x_1..T) = sum_t log p(x_t | h_{t-1})    (exact)

**RNN-GMM** is RNN-Gauss whose offsets follow a mixture of ``K`` Gaussians (Chung et al. used
``K = 20``)::

    p(dx, dy | h_{t-1}) = sum_k pi_k N(dx, dy; mu_k, diag sigma_k^2),   pi = softmax(w)

**VRNN**, a latent ``z_t`` at every step::

    prior     p(z_t | h_{t-1})        = N(mu_0(h_{t-1}), diag sigma_0^2(h_{t-1}))
    posterior q(z_t | x_t, h_{t-1})   = N(mu_z(phi_x(x_t), h_{t-1}), diag sigma_z^2(...))
    decoder   p(x_t | z_t, h_{t-1})   (the output distribution above, from phi_z(z_t) and h_{t-1})
    recurrence h_t = f(phi_x(x_t), phi_z(z_t), h_{t-1})

    ELBO = sum_t E_q[ log p(x_t | z_t, h_{t-1}) - KL(q(z_t | x_t, h_{t-1}) || p(z_t | h_{t-1})) ]
         <= log p(x_1..T)

with ``z_{<=t}`` drawn from ``q`` along the way (one reparameterised sample per step; the KL
in closed form). ``log_weights`` gives the whole sequence's importance weight
``log p(x, z) - log q(z | x)`` instead, for the importance-weighted bound.

Every per-step term is multiplied by the mask, so padded steps count for nothing; a batch is cut to
its longest sequence before the loop. ``h`` is never detached: gradients reach the first step
through the recurrence.

Longer than CONTRIBUTING's 350 lines: the VRNN and its two baselines are one comparison, built from
the same recurrence, output densities and input checks, and read side by side in their chapter."""

from __future__ import annotations

import math

import torch
from torch import nn

from vaecore import checks
from vaecore.losses import (
    gaussian_kl,
    gaussian_log_prob,
    gaussian_params,
    mixture_parts,
    mixture_stroke_log_prob,
    stroke_log_prob,
)
from vaecore.models.parts import mlp

__all__ = [
    "run_steps",
    "SIZES",
    "StrokeModel",
    "RNNGauss",
    "RNNGMM",
    "VRNN",
    "rnn_gauss_parameters",
    "matched_rnn",
]


def _check_batch(x: torch.Tensor, mask: torch.Tensor) -> int:
    """Validate ``x: (B, T, 3)`` and ``mask: (B, T)``; return the longest real length."""
    if x.dim() != 3 or x.shape[-1] != 3 or mask.shape != x.shape[:2]:
        raise ValueError(
            f"expected strokes (batch, steps, 3) and a mask (batch, steps), got "
            f"{tuple(x.shape)} and {tuple(mask.shape)}"
        )
    if not x.is_floating_point():
        raise TypeError(f"strokes must be floating-point numbers, got dtype {x.dtype}")
    m = mask.float()
    if not bool(((m == 0) | (m == 1)).all()):
        odd = sorted({float(v) for v in m[(m != 0) & (m != 1)].flatten()[:5].tolist()})
        raise ValueError(f"the mask must hold only 1 (a real step) and 0 (padding), got {odd}")
    late = (m[:, 1:] > m[:, :-1]).any(dim=1).nonzero().flatten()
    if len(late):
        raise ValueError(
            f"each row of the mask must be its real steps then its padding (1s, then 0s); rows "
            f"{late[:5].tolist()} have a real step after padding. Pad sequences at the end"
        )
    bad = (~torch.isfinite(x)).any(dim=-1).nonzero()
    if len(bad):
        raise ValueError(
            f"the strokes hold NaN or infinite values at (sequence, step) {bad[:3].tolist()}; "
            "padded steps too must hold finite numbers (e.g. 0)"
        )
    if x.shape[0] == 0 or not bool(m.any()):
        raise ValueError("the batch has no real step")
    return int(m.sum(dim=1).max())


def run_steps(model: StrokeModel, x: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
    """``model.step`` over every step of the batch, ``h_0 = 0``, with ``h`` never detached; each
    term stacked to ``(B, T, ...)`` and multiplied by the mask, so padded steps count for
    nothing. ``T`` is the longest real length in the batch."""
    T = _check_batch(x, mask)
    x, mask = x[:, :T], mask[:, :T]
    fx = model.phi_x(x)  # phi_x(x_t) for every step at once: (B, T, feat)
    h = x.new_zeros(x.shape[0], model.h_dim)  # h_0 = 0
    steps = []
    for t in range(T):
        terms, h = model.step(x[:, t], fx[:, t], h)  # h is never detached
        steps.append(terms)
    stacked = {k: torch.stack([s[k] for s in steps], dim=1) for k in steps[0]}  # (B, T, ...)
    # a padded step (mask 0) counts for nothing
    return {k: v * (mask if v.dim() == 2 else mask[..., None]) for k, v in stacked.items()}


#: The sizes every stroke model is built with, each a whole number of at least 1.
SIZES = dict.fromkeys(("h_dim", "feat_dim", "hidden"), checks.COUNT)


class StrokeModel(nn.Module):
    """What the two models share: the loss and the sequence's log-weight, both built on
    ``step_terms(x, mask)``, a dict of per-step tensors ``(B, T)`` holding at least ``log_px`` and
    ``bound``."""

    min_std: float
    h_dim: int
    phi_x: nn.Module

    def step(
        self, x_t: torch.Tensor, fx_t: torch.Tensor, h: torch.Tensor
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        raise NotImplementedError

    def step_terms(self, x: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def loss(self, x: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
        """The training loss: minus the bound per real step, ``-sum_t terms / sum_t mask``.

        Returns ``loss``, ``nll`` (minus ``log p(x_t | ...)`` per step) and, for the VRNN, ``kl``
        per step. Averaging per step keeps the gradient's scale the same for short and long batches;
        summed per sequence it is the bound itself."""
        terms = self.step_terms(x, mask)
        steps = mask.sum()
        out = {"loss": -terms["bound"].sum() / steps, "nll": -terms["log_px"].sum() / steps}
        if "kl" in terms:
            out["kl"] = terms["kl"].sum() / steps
        return out

    def log_weights(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``x: (B, T, 3)``, ``mask: (B, T)`` -> ``(B,)``, one draw of ``log p(x, z) - log q(z |
        x)`` summed over each sequence's real steps (RNN-Gauss: the exact ``log p(x)``)."""
        terms = self.step_terms(x, mask)
        return (terms["log_px"] + terms.get("log_ratio", 0)).sum(dim=1)


class RNNGauss(StrokeModel):
    """An RNN whose output at each step is the distribution of the next point, no latent variable.

    ``phi_x: 3 -> feat_dim -> feat_dim``; ``f``: a GRU cell ``feat_dim -> h_dim``; the output
    ``h_{t-1} -> hidden -> 5`` gives ``p(x_t | h_{t-1})``."""

    @checks.arguments(**SIZES, min_std=checks.POSITIVE)
    def __init__(
        self, h_dim: int = 128, feat_dim: int = 64, hidden: int = 128, min_std: float = 1e-3
    ) -> None:
        super().__init__()
        self.h_dim, self.min_std = h_dim, min_std
        self.phi_x = nn.Sequential(mlp([3, feat_dim, feat_dim]), nn.ReLU())
        self.rnn = nn.GRUCell(feat_dim, h_dim)
        self.output = mlp([h_dim, hidden, 5])

    def step(
        self, x_t: torch.Tensor, fx_t: torch.Tensor, h: torch.Tensor
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """One step: ``log p(x_t | h_{t-1})`` from the output layer, then the recurrence
        ``h_t = f(phi_x(x_t), h_{t-1})``. ``x_t: (B, 3)``, ``fx_t = phi_x(x_t)``, ``h: (B, h_dim)``
        -> ``({"log_px": (B,)}, h_t)``."""
        log_px = stroke_log_prob(x_t, self.output(h), self.min_std)
        h = self.rnn(fx_t, h)
        return {"log_px": log_px}, h

    def step_terms(self, x: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
        """``log_px`` and ``bound`` (the same here): ``(B, T)`` with ``T`` the longest real length,
        zero on padded steps."""
        terms = run_steps(self, x, mask)
        return {"log_px": terms["log_px"], "bound": terms["log_px"]}

    @torch.no_grad()
    @checks.arguments(n=checks.COUNT, steps=checks.COUNT)
    def generate(
        self, n: int, steps: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """``n`` sequences of ``steps`` points drawn step by step from the model: ``(n, steps, 3)``,
        offsets in the data's scaled units, pen in {0, 1}."""
        h = torch.zeros(n, self.h_dim, device=next(self.parameters()).device)
        xs = []
        for _ in range(steps):
            x = self.draw(self.output(h), generator)
            xs.append(x)
            h = self.rnn(self.phi_x(x), h)
        return torch.stack(xs, dim=1)

    def draw(self, out: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """One point ``(n, 3)`` from the output distribution ``out: (n, 5)``."""
        return _draw_point(out, self.min_std, _noise(len(out), out, generator))


class RNNGMM(RNNGauss):
    """RNN-Gauss with a mixture of ``components`` Gaussians for the offsets (RNN-GMM in Chung et
    al. 2015, who used 20): the output layer ``h_{t-1} -> hidden -> 5 components + 1`` gives the
    weights, means and standard deviations of the components, and the pen's logit."""

    @checks.arguments(components=checks.COUNT, **SIZES, min_std=checks.POSITIVE)
    def __init__(
        self,
        components: int = 20,
        h_dim: int = 128,
        feat_dim: int = 64,
        hidden: int = 128,
        min_std: float = 1e-3,
    ) -> None:
        super().__init__(h_dim, feat_dim, hidden, min_std)
        self.components = components
        self.output = mlp([h_dim, hidden, 5 * components + 1])

    def step(
        self, x_t: torch.Tensor, fx_t: torch.Tensor, h: torch.Tensor
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """One step: ``log p(x_t | h_{t-1})`` under the mixture, then ``h_t = f(phi_x(x_t),
        h_{t-1})``. Shapes as in :meth:`RNNGauss.step`."""
        log_px = mixture_stroke_log_prob(x_t, self.output(h), self.min_std)
        h = self.rnn(fx_t, h)
        return {"log_px": log_px}, h

    def draw(self, out: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """One point ``(n, 3)`` from the mixture ``out: (n, 5 components + 1)``: a component ``k``
        with probability ``pi_k``, then its Gaussian, and the pen."""
        log_pi, mu, logvar, pen_logit = mixture_parts(out, self.min_std)
        noise = _noise(len(out), out, generator, 4)
        uniform = 0.5 * (1 + torch.erf(noise[:, 3:] / math.sqrt(2)))  # one U(0, 1) per row
        k = (log_pi.exp().cumsum(-1) < uniform).sum(-1).clamp(max=self.components - 1)
        rows = torch.arange(len(out), device=out.device)
        return _draw_from(mu[rows, k], logvar[rows, k], pen_logit, noise)


class VRNN(StrokeModel):
    """The variational RNN of Chung et al. (2015) with Gaussian offsets and a Bernoulli pen.

    ``phi_x: 3 -> feat -> feat``, ``phi_z: z_dim -> feat``; prior ``h -> hidden -> 2 z_dim``;
    posterior ``[phi_x(x_t), h] -> hidden -> 2 z_dim``; decoder ``[phi_z(z_t), h] -> hidden -> 5``;
    ``f``: a GRU cell ``[phi_x(x_t), phi_z(z_t)] -> h_dim``."""

    @checks.arguments(z_dim=checks.COUNT, **SIZES, min_std=checks.POSITIVE)
    def __init__(
        self,
        z_dim: int = 16,
        h_dim: int = 128,
        feat_dim: int = 64,
        hidden: int = 128,
        min_std: float = 1e-3,
    ) -> None:
        super().__init__()
        self.z_dim, self.h_dim, self.min_std = z_dim, h_dim, min_std
        self.phi_x = nn.Sequential(mlp([3, feat_dim, feat_dim]), nn.ReLU())
        self.phi_z = nn.Sequential(mlp([z_dim, feat_dim]), nn.ReLU())
        self.prior = mlp([h_dim, hidden, 2 * z_dim])
        self.posterior = mlp([feat_dim + h_dim, hidden, 2 * z_dim])
        self.decoder = mlp([feat_dim + h_dim, hidden, 5])
        self.rnn = nn.GRUCell(2 * feat_dim, h_dim)

    def step(
        self, x_t: torch.Tensor, fx_t: torch.Tensor, h: torch.Tensor
    ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """One step of the VRNN given ``h = h_{t-1}``; ``x_t: (B, 3)``, ``fx_t = phi_x(x_t)``.
        Returns the step's terms, each ``(B,)`` (``z``: ``(B, z_dim)``), and ``h_t``."""
        p_mu, p_logvar = gaussian_params(self.prior(h), self.min_std)  # p(z_t | h_{t-1})
        q_out = self.posterior(torch.cat([fx_t, h], -1))
        q_mu, q_logvar = gaussian_params(q_out, self.min_std)  # q(z_t | x_t, h_{t-1})
        z = q_mu + torch.exp(0.5 * q_logvar) * torch.randn_like(q_mu)  # z_t ~ q, reparameterised
        fz = self.phi_z(z)
        out = self.decoder(torch.cat([fz, h], -1))
        terms = {
            "log_px": stroke_log_prob(x_t, out, self.min_std),  # log p(x_t | z_t, h_{t-1})
            "kl": gaussian_kl(q_mu, q_logvar, p_mu, p_logvar),  # KL(q || p), closed form
            "log_ratio": gaussian_log_prob(z, p_mu, p_logvar)
            - gaussian_log_prob(z, q_mu, q_logvar),
            "z": z,
        }
        h = self.rnn(torch.cat([fx_t, fz], -1), h)  # h_t = f(phi_x(x_t), phi_z(z_t), h_{t-1})
        return terms, h

    def step_terms(self, x: torch.Tensor, mask: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per-step terms, each ``(B, T)`` and zero on padded steps: ``log_px`` (``log p(x_t |
        z_t, h_{t-1})`` at ``z_t ~ q``), ``kl`` (closed form), ``bound = log_px - kl`` (the ELBO's
        terms), ``log_ratio = log p(z_t | h_{t-1}) - log q(z_t | x_t, h_{t-1})`` at the drawn
        ``z_t``, and ``z`` itself ``(B, T, z_dim)``."""
        terms = run_steps(self, x, mask)
        terms["bound"] = terms["log_px"] - terms["kl"]  # the terms of eq. (VRNN-ELBO)
        return terms

    @torch.no_grad()
    @checks.arguments(n=checks.COUNT, steps=checks.COUNT)
    def generate(
        self,
        n: int,
        steps: int,
        generator: torch.Generator | None = None,
        prefix: torch.Tensor | None = None,
        z_at_end: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Draw ``n`` sequences of ``steps`` points: ``z_t ~ p(z_t | h_{t-1})``, then
        ``x_t ~ p(x_t | z_t, h_{t-1})``. Returns ``(n, steps, 3)``, pen in {0, 1}.

        ``prefix: (t0, 3)``, if given, is fed as the first ``t0`` points (``z_t`` at the posterior
        mean), and the model continues it. ``z_at_end: (n, z_dim)``, if given, sets the latent of
        step ``t0`` to ``mu_0 + sigma_0 * z_at_end`` (coordinates in units of the prior's standard
        deviation), and every later draw uses noise shared by the ``n`` rows, so the rows differ
        only through that one latent."""
        device = next(self.parameters()).device
        t0 = 0 if prefix is None else len(prefix)
        if prefix is not None and (prefix.dim() != 2 or prefix.shape[1] != 3 or not t0 < steps):
            raise ValueError(
                f"prefix must be (t0, 3) with t0 < steps={steps}, got {tuple(prefix.shape)}"
            )
        if z_at_end is not None and z_at_end.shape != (n, self.z_dim):
            raise ValueError(f"z_at_end must be ({n}, {self.z_dim}), got {tuple(z_at_end.shape)}")
        h = torch.zeros(n, self.h_dim, device=device)
        rows = 1 if z_at_end is not None else n
        xs = []
        for t in range(steps):
            if prefix is not None and t < t0:  # a given point, z_t at its posterior mean
                x = prefix[t].to(device).expand(n, 3)
                z, _ = gaussian_params(
                    self.posterior(torch.cat([self.phi_x(x), h], -1)), self.min_std
                )
            else:  # z_t from the prior (set by hand at t0 when z_at_end is given)
                p_mu, p_logvar = gaussian_params(self.prior(h), self.min_std)
                u = (
                    z_at_end.to(device)
                    if (t == t0 and z_at_end is not None)
                    else _noise(rows, h, generator, self.z_dim)
                )
                z = p_mu + torch.exp(0.5 * p_logvar) * u
            fz = self.phi_z(z)
            if t >= t0:
                x = _draw_point(
                    self.decoder(torch.cat([fz, h], -1)), self.min_std, _noise(rows, h, generator)
                )
            xs.append(x)
            h = self.rnn(torch.cat([self.phi_x(x), fz], -1), h)
        return torch.stack(xs, dim=1)


def _noise(
    rows: int, like: torch.Tensor, generator: torch.Generator | None, dim: int = 3
) -> torch.Tensor:
    """Standard normal noise ``(rows, dim)`` on ``like``'s device (drawn on the CPU, so a seeded
    generator gives the same numbers everywhere)."""
    return torch.randn(rows, dim, generator=generator).to(like.device)


def _draw_point(out: torch.Tensor, min_std: float, noise: torch.Tensor) -> torch.Tensor:
    """One point from the output distribution ``out: (n, 5)``, using ``noise: (n or 1, 3)``."""
    mu, logvar = gaussian_params(out[:, :4], min_std)
    return _draw_from(mu, logvar, out[:, 4], noise)


def _draw_from(
    mu: torch.Tensor, logvar: torch.Tensor, pen_logit: torch.Tensor, noise: torch.Tensor
) -> torch.Tensor:
    """Offsets ``mu + sigma * noise[:, :2]`` (``mu, logvar: (n, 2)``) and the pen, 1 when
    ``Phi(noise[:, 2]) < sigmoid(pen_logit)`` (``pen_logit: (n,)``) -> ``(n, 3)``."""
    offsets = mu + torch.exp(0.5 * logvar) * noise[:, :2]
    uniform = 0.5 * (1 + torch.erf(noise[:, 2] / math.sqrt(2)))
    pen = (uniform < torch.sigmoid(pen_logit)).to(mu.dtype)
    return torch.cat([offsets, pen[:, None]], dim=-1)


@checks.arguments(**SIZES, components=checks.COUNT)
def rnn_gauss_parameters(h_dim: int, feat_dim: int, hidden: int, components: int = 1) -> int:
    """The parameter count of :class:`RNNGauss` (``components = 1``) or :class:`RNNGMM`:
    ``phi_x`` + the GRU cell ``3 h (feat + h) + 6 h`` + the output layers (checked against
    :func:`vaecore.models.parts.count_parameters` in the tests)."""
    outputs = 5 if components == 1 else 5 * components + 1
    phi_x = 3 * feat_dim + feat_dim + feat_dim * feat_dim + feat_dim
    gru = 3 * h_dim * (feat_dim + h_dim) + 6 * h_dim
    return phi_x + gru + h_dim * hidden + hidden + hidden * outputs + outputs


@checks.arguments(
    **dict.fromkeys(("n_parameters", "feat_dim", "hidden", "components"), checks.COUNT),
    min_std=checks.POSITIVE,
)
def matched_rnn(
    n_parameters: int,
    feat_dim: int = 64,
    hidden: int = 128,
    min_std: float = 1e-3,
    components: int = 1,
) -> RNNGauss:
    """The RNN-Gauss (``components = 1``) or RNN-GMM whose parameter count is closest to
    ``n_parameters`` (e.g. a VRNN's), found by its state size ``h_dim``."""
    best = min(
        range(1, 4097),
        key=lambda h: abs(rnn_gauss_parameters(h, feat_dim, hidden, components) - n_parameters),
    )
    if components == 1:
        return RNNGauss(h_dim=best, feat_dim=feat_dim, hidden=hidden, min_std=min_std)
    return RNNGMM(components, h_dim=best, feat_dim=feat_dim, hidden=hidden, min_std=min_std)
