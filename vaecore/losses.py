"""Every objective of the book: log-densities and KL divergences, the VAE's bounds, the GAN's
losses, and the two gradient estimators. Each formula is in its function's docstring.

**Reconstruction losses** as per-example negative log-likelihoods, one number per example,
``(batch,)``, summed over the 784 pixels; a training loss is their mean over the batch.

* :func:`squared_error` is ``sum_i (x_hat_i - x_i)^2``: the negative log-likelihood of a
  Gaussian ``N(x; x_hat, sigma^2 I)`` times ``2 sigma^2``, minus its constant.
* :func:`bernoulli_nll` is ``-sum_i [x_i log p_i + (1 - x_i) log(1 - p_i)]`` with
  ``p = sigmoid(logits)``: the binary cross-entropy, computed from the logits for stability.

**Gaussian pieces**, for diagonal Gaussians given by a mean and a log-variance (each
``(batch, k)``, summed over the ``k`` dimensions, never averaged):

* :func:`gaussian_log_prob`, ``log N(z; mu, diag exp(logvar))``;
* :func:`gaussian_kl`, ``KL(N(mu_q, s_q^2) || N(mu_p, s_p^2))`` in closed form, and
  :func:`kl_to_standard_normal`, the special case ``p = N(0, I)``:
  ``0.5 sum_j (mu_j^2 + s_j^2 - log s_j^2 - 1)``;
* :func:`reparameterize`, ``z = mu + sigma * eps``, a draw differentiable in ``mu`` and ``sigma``.

**Discrete data.** :func:`categorical_log_prob`, ``log p(x) = sum_i log softmax(l_i)[x_i]`` for
pixels that each take one of a few values; and a categorical draw with a gradient,
:func:`gumbel_softmax`: the Gumbel-softmax relaxation of a one-hot sample, for generators of
discrete data.

**The VRNN's output density** of a pen step, :func:`stroke_log_prob`, and the RNN-GMM's mixture,
:func:`mixture_stroke_log_prob`.

**Bounds on log p(x)** for any model with ``posterior(x) -> (mu, logvar)`` (a diagonal-Gaussian
``q(z | x)``) and ``log_likelihood(x, z) -> log p(x | z)``, with the prior ``N(0, I)``, such as
:class:`vaecore.models.vae.VAE`:

* ``ELBO(x) = E_q[log p(x | z)] - KL(q(z | x) || p(z))`` (:func:`elbo`);
* ``IWAE_k(x) = E[log (1/k) sum_i w_i]``, ``w_i = p(x | z_i) p(z_i) / q(z_i | x)``,
  ``z_i ~ q(z | x)`` (Burda et al. 2016, :func:`iwae`).

Both are ``<= log p(x)`` since ``log p(x) = ELBO(x) + KL(q(z | x) || p(z | x))``;
``ELBO = IWAE_1 <= IWAE_k <= IWAE_{k+1}`` in expectation, and ``IWAE_k -> log p(x)`` as
``k -> infinity``. All values are in nats, one per example.

**The GAN's losses** (Goodfellow et al., 2014). With ``D(x) = sigmoid(a(x))`` (``a`` a logit),

    V(D, G) = E_data[log D(x)] + E_z[log(1 - D(G(z)))],   D maximises it, G minimises it.

In logits, using ``log sigmoid(a) = -softplus(-a)`` and ``log(1 - sigmoid(a)) = -softplus(a)``:

- discriminator loss ``-V = softplus(-a_real) + softplus(a_fake)``;
- **saturating** generator loss (the minimax game itself) ``log(1 - D(G(z))) = -softplus(a_fake)``,
  whose gradient in ``a``, ``-sigmoid(a)``, vanishes when D confidently rejects the fakes;
- **non-saturating** generator loss ``-log D(G(z)) = softplus(-a_fake)``, gradient
  ``-(1 - sigmoid(a))``, close to -1 in the same situation.

For a fixed G the best D is ``D*(x) = p_data(x) / (p_data(x) + p_g(x))``, and then
``V(D*, G) = -log 4 + 2 JS(p_data || p_g)``.

**Least squares** (LSGAN, Mao et al., 2017, with targets ``a = 0``, ``b = c = 1``): D outputs a
raw score ``s(x)``, no sigmoid, and the losses are squared errors to the targets,
``1/2 (s_real - 1)^2 + 1/2 s_fake^2`` for D and ``1/2 (s_fake - 1)^2`` for G. The generator's
gradient in ``s``, ``s_fake - 1``, grows the further D pushes a fake from the real target.

**Two Monte Carlo estimators** of ``grad_mu E_{z ~ N(mu, diag sigma^2)}[f(z)]``:

* **Reparameterisation** (pathwise): write ``z = mu + sigma * eps``, ``eps ~ N(0, I)``, so
  ``grad_mu E[f(z)] = E_eps[grad_z f(mu + sigma * eps)]``. Needs ``f`` differentiable.
* **Score function** (REINFORCE, likelihood ratio):
  ``grad_mu E[f(z)] = E_z[f(z) grad_mu log N(z; mu, sigma^2)] = E_z[f(z) (z - mu) / sigma^2]``.
  Needs only values of ``f``.

Both are unbiased; each function returns the ``n`` single-sample estimates, ``(n, k)``, so their
mean and spread can be compared.

Longer than CONTRIBUTING's 350 lines: every objective of the book in one file, the formulas a reader
looks up next to each other, each one a few lines with its equation's label."""

from __future__ import annotations

import math
import numbers
from typing import Any, Callable, Protocol, TypeGuard

import torch
import torch.nn.functional as F

from vaecore import checks

__all__ = [
    "LOG_2PI",
    "squared_error",
    "bernoulli_nll",
    "bernoulli_mass_on_unit_interval",
    "gaussian_log_prob",
    "gaussian_kl",
    "kl_per_dimension",
    "kl_to_standard_normal",
    "reparameterize",
    "gumbel_softmax",
    "categorical_log_prob",
    "gaussian_params",
    "bernoulli_log_prob",
    "stroke_log_prob",
    "mixture_parts",
    "mixture_stroke_log_prob",
    "LatentVariableModel",
    "is_latent_variable_model",
    "elbo",
    "iwae",
    "discriminator_loss",
    "generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "r1_penalty",
    "optimal_discriminator",
    "js_divergence",
    "reparameterized_gradients",
    "score_function_gradients",
]

LOG_2PI = math.log(2 * math.pi)


def _same_shape(a: torch.Tensor, x: torch.Tensor) -> None:
    if a.shape != x.shape or a.dim() != 2:
        raise ValueError(
            f"expected two (batch, pixels) tensors of one shape, got "
            f"{tuple(a.shape)} and {tuple(x.shape)}"
        )
    if not (a.is_floating_point() and x.is_floating_point()):
        raise TypeError(f"expected floating-point tensors, got {a.dtype} and {x.dtype}")


def squared_error(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``x_hat, x: (batch, d)`` -> ``(batch,)``, the sum over pixels of ``(x_hat - x)^2``."""
    _same_shape(x_hat, x)
    return (x_hat - x).pow(2).sum(dim=1)  # eq. (SE)


def bernoulli_nll(logits: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``logits, x: (batch, d)``, ``x`` in [0, 1] -> ``(batch,)``, ``-log Bernoulli(x;
    sigmoid(logits))``.

    For grey-scale ``x`` this is the cross-entropy, not a normalised likelihood (see the VAE chapter
    on the continuous Bernoulli)."""
    _check_bernoulli_targets(logits, x)
    # eq. (BCE): softplus(a) - x * a per pixel, never the log of a saturated sigmoid
    return F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=1)


def bernoulli_mass_on_unit_interval(p: torch.Tensor) -> torch.Tensor:
    """``int_0^1 p^x (1 - p)^(1 - x) dx = (1 - 2p) / log((1 - p) / p)``, and ``1/2`` at ``p = 1/2``.

    The Bernoulli formula used as a "density" for grey pixels ``x in [0, 1]`` integrates to this,
    which is at most 1/2 (at ``p = 1/2``) and falls to 0 as ``p`` nears 0 or 1: the cross-entropy on
    grey pixels is not a normalised likelihood. The inverse is the continuous Bernoulli's normaliser
    ``C(p)`` (Loaiza-Ganem & Cunningham 2019)."""
    p = p.double()
    near_half = (p - 0.5).abs() < 1e-6
    safe = torch.where(near_half, torch.full_like(p, 0.25), p)
    mass = (1 - 2 * safe) / torch.log((1 - safe) / safe)
    return torch.where(near_half, torch.full_like(p, 0.5), mass)


def _check_bernoulli_targets(logits: torch.Tensor, x: torch.Tensor) -> None:
    _same_shape(logits, x)
    if x.numel() and not (0 <= float(x.min()) and float(x.max()) <= 1):
        raise ValueError(
            f"a Bernoulli likelihood needs x in [0, 1], got values from {float(x.min()):g} "
            f"to {float(x.max()):g} (pixels stored as 0..255 need / 255)"
        )


def _check_gaussian_point(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> None:
    _gaussian_args(mu, logvar)
    if z.shape[z.dim() - mu.dim() :] != mu.shape:
        raise ValueError(
            f"z of shape {tuple(z.shape)} does not end with the shape of mu, {tuple(mu.shape)}"
        )


def _gaussian_args(*tensors: torch.Tensor) -> None:
    shape = tensors[0].shape
    if tensors[0].dim() < 1 or any(t.shape != shape for t in tensors):
        raise ValueError(
            "expected means and log-variances of one shape (..., k), got "
            + ", ".join(str(tuple(t.shape)) for t in tensors)
        )


def gaussian_log_prob(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """``log N(z; mu, diag exp(logvar))`` summed over the last dimension.

    ``mu, logvar: (batch, k)``; ``z: (..., batch, k)``, e.g. several samples per example
    -> ``(..., batch)``. ``-0.5 sum_j [log 2 pi + logvar_j + (z_j - mu_j)^2 / exp(logvar_j)]``.
    """
    _check_gaussian_point(z, mu, logvar)
    return -0.5 * (LOG_2PI + logvar + (z - mu).pow(2) * torch.exp(-logvar)).sum(dim=-1)


def gaussian_kl(
    mu_q: torch.Tensor, logvar_q: torch.Tensor, mu_p: torch.Tensor, logvar_p: torch.Tensor
) -> torch.Tensor:
    """``KL(N(mu_q, diag s_q^2) || N(mu_p, diag s_p^2))``, ``(..., k) -> (...)``, always >= 0.

    ``0.5 sum_j [logvar_p - logvar_q + (s_q^2 + (mu_q - mu_p)^2) / s_p^2 - 1]``.
    """
    _gaussian_args(mu_q, logvar_q, mu_p, logvar_p)
    return 0.5 * (
        logvar_p
        - logvar_q
        + (torch.exp(logvar_q) + (mu_q - mu_p).pow(2)) * torch.exp(-logvar_p)
        - 1
    ).sum(dim=-1)


def kl_per_dimension(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """``0.5 (mu_j^2 + exp(logvar_j) - logvar_j - 1)`` for each dimension:
    ``(..., k) -> (..., k)``."""
    _gaussian_args(mu, logvar)
    return 0.5 * (mu.pow(2) + torch.exp(logvar) - logvar - 1)  # eq. (KL), one term per dimension


def kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """``KL(N(mu, diag exp(logvar)) || N(0, I))`` = ``0.5 sum_j (mu^2 + exp(logvar) - logvar - 1)``.

    ``(..., k) -> (...)``. Summed over the latent dimensions: averaging them instead (a common bug)
    weakens the KL term ``k``-fold."""
    return kl_per_dimension(mu, logvar).sum(dim=-1)


@checks.arguments(n_samples=checks.optional(checks.COUNT))
def reparameterize(
    mu: torch.Tensor,
    logvar: torch.Tensor,
    n_samples: int | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Draw ``z = mu + exp(logvar / 2) * eps`` with ``eps ~ N(0, I)``, differentiable in
    ``mu, logvar``.

    ``mu, logvar: (batch, k)`` -> ``(batch, k)``, or ``(n_samples, batch, k)`` when ``n_samples`` is
    given."""
    shape = mu.shape if n_samples is None else (n_samples, *mu.shape)
    eps = torch.randn(shape, generator=generator, dtype=mu.dtype, device=mu.device)
    return mu + torch.exp(0.5 * logvar) * eps  # eq. (REPARAM)


@checks.arguments(tau=checks.POSITIVE)
def gumbel_softmax(
    logits: torch.Tensor,
    tau: float,
    hard: bool = False,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """A relaxed one-hot draw from ``Categorical(softmax(logits))`` (Jang et al. 2017; Maddison
    et al. 2017): ``logits: (..., K)`` -> ``(..., K)``,

    ``y = softmax((logits + g) / tau)``, ``g_k = -log(-log u_k)``, ``u_k ~ U(0, 1)``.

    ``argmax(logits + g)`` is an exact draw from the categorical (the Gumbel-max trick); the
    softmax at temperature ``tau > 0`` replaces the argmax, which has no gradient, with a
    function that has one, and tends to the one-hot draw as ``tau -> 0``. ``hard=True``: the
    one-hot draw going forward and the relaxed draw's gradient going back (straight-through)."""
    u = torch.rand(logits.shape, generator=generator, dtype=logits.dtype).to(logits.device)
    g = -torch.log(-torch.log(u.clamp(min=torch.finfo(u.dtype).tiny)))  # Gumbel(0, 1) noise
    soft = torch.softmax((logits + g) / tau, dim=-1)
    if not hard:
        return soft
    one_hot = F.one_hot(soft.argmax(dim=-1), logits.shape[-1]).to(soft.dtype)
    return one_hot + (soft - soft.detach())  # exactly one_hot going forward, soft's gradient back


@checks.arguments(levels=checks.COUNT)
def categorical_log_prob(logits: torch.Tensor, x: torch.Tensor, levels: int) -> torch.Tensor:
    """``log p(x) = sum_i log softmax(l_i)[x_i]``: independent categoricals over ``levels`` values
    per pixel. ``logits, x: (batch, pixels * levels)``, ``x`` one-hot per pixel (each run of
    ``levels`` entries holds one 1) -> ``(batch,)``."""
    _same_shape(logits, x)
    if levels < 2 or logits.shape[-1] % levels:
        raise ValueError(
            f"{logits.shape[-1]} entries cannot be split into pixels of {levels} levels"
        )
    x = x.unflatten(-1, (-1, levels))
    if not ((x == 0) | (x == 1)).all() or not (x.sum(dim=-1) == 1).all():
        raise ValueError("x must be one-hot: in each pixel's run of levels, one 1 and the rest 0")
    log_p = torch.log_softmax(logits.unflatten(-1, (-1, levels)), dim=-1)
    return (x * log_p).sum(dim=(-2, -1))  # eq. (CAT)


# --- the VRNN's output density --------------------------------------------------------------------


@checks.arguments(min_std=checks.POSITIVE)
def gaussian_params(out: torch.Tensor, min_std: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Split ``out: (..., 2k)`` into a mean and a log-variance, each ``(..., k)``, with the
    standard deviation ``softplus(raw) + min_std`` floored at ``min_std`` (no NaN from a
    vanishing variance)."""
    mu, raw = out.chunk(2, dim=-1)
    return mu, 2 * torch.log(F.softplus(raw) + min_std)


def bernoulli_log_prob(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
    """``log Bernoulli(x; sigmoid(logits)) = x log p + (1 - x) log(1 - p)``, element by element,
    computed from the logits for stability."""
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none")


@checks.arguments(min_std=checks.POSITIVE)
def stroke_log_prob(x: torch.Tensor, out: torch.Tensor, min_std: float) -> torch.Tensor:
    """``log N(dx, dy; mu, diag sigma^2) + log Bernoulli(pen; sigmoid(logit))``.

    ``x: (..., 3)``; ``out: (..., 5)``, the raw output ``(mu_x, mu_y, raw_x, raw_y, logit)`` (see
    :func:`gaussian_params`) -> ``(...)``."""
    mu, logvar = gaussian_params(out[..., :4], min_std)  # eq. (STROKE): offsets, then the pen
    return gaussian_log_prob(x[..., :2], mu, logvar) + bernoulli_log_prob(x[..., 2], out[..., 4])


@checks.arguments(min_std=checks.POSITIVE)
def mixture_parts(out: torch.Tensor, min_std: float) -> tuple[torch.Tensor, ...]:
    """Split a mixture output ``out: (..., 5K + 1)`` into its parts: the log-weights
    ``log pi: (..., K)`` (a log-softmax), the means and log-variances ``(..., K, 2)`` (standard
    deviations floored as in :func:`gaussian_params`) and the pen's logit ``(...)``.

    ``out`` holds one row ``(w_k, mu_x, mu_y, raw_x, raw_y)`` per component ``k``, then the pen's
    logit; ``pi = softmax(w)``."""
    if out.dim() < 1 or out.shape[-1] < 6 or out.shape[-1] % 5 != 1:
        raise ValueError(
            f"a mixture output has 5K + 1 numbers per point (K >= 1 components), got "
            f"{out.shape[-1] if out.dim() else 'a scalar'}"
        )
    rows = out[..., :-1].unflatten(-1, (-1, 5))  # (..., K, 5)
    mu, logvar = gaussian_params(rows[..., 1:], min_std)
    return F.log_softmax(rows[..., 0], dim=-1), mu, logvar, out[..., -1]


@checks.arguments(min_std=checks.POSITIVE)
def mixture_stroke_log_prob(x: torch.Tensor, out: torch.Tensor, min_std: float) -> torch.Tensor:
    """``log sum_k pi_k N(dx, dy; mu_k, diag sigma_k^2) + log Bernoulli(pen; sigmoid(logit))``,
    the RNN-GMM's output density (a mixture density network, Bishop 1994; Graves 2013).

    ``x: (..., 3)``; ``out: (..., 5K + 1)`` (see :func:`mixture_parts`) -> ``(...)``. With
    ``K = 1`` it is :func:`stroke_log_prob`."""
    log_pi, mu, logvar, pen_logit = mixture_parts(out, min_std)
    log_n = gaussian_log_prob(x[..., None, :2].expand_as(mu), mu, logvar)  # (..., K)
    log_offsets = torch.logsumexp(log_pi + log_n, dim=-1)  # eq. (MIX): log of the weighted sum
    return log_offsets + bernoulli_log_prob(x[..., 2], pen_logit)


# --- bounds on log p(x) ---------------------------------------------------------------------------


class LatentVariableModel(Protocol):
    """What the bounds need: a diagonal-Gaussian encoder and a decoder likelihood, for codes of
    ``latent_dim`` numbers whose prior is ``N(0, I)``."""

    latent_dim: int

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]: ...

    def log_likelihood(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor: ...

    def eval(self) -> Any: ...


def is_latent_variable_model(model: object) -> TypeGuard[LatentVariableModel]:
    """Whether ``model`` has what the bounds need (:class:`LatentVariableModel`: an encoder's
    ``posterior`` and a decoder's ``log_likelihood``), so that its ``-log p(x)`` can be bounded
    and its codes drawn from its prior ``N(0, I)``: a VAE; not an autoencoder, a GAN's
    generator, or the VAE-GAN, whose likelihood is in its discriminator's features. What
    measuring code asks of a model, rather than its class."""
    methods = all(callable(getattr(model, name, None)) for name in ("posterior", "log_likelihood"))
    return methods and isinstance(getattr(model, "latent_dim", None), int)


@checks.arguments(n_samples=checks.COUNT)
def elbo(model: LatentVariableModel, x: torch.Tensor, n_samples: int = 1) -> torch.Tensor:
    """``x: (batch, d)`` -> ELBO per example ``(batch,)``: ``n_samples`` draws of the expectation,
    the KL in closed form."""
    mu, logvar = model.posterior(x)
    log_lik = model.log_likelihood(x, reparameterize(mu, logvar, n_samples)).mean(dim=0)
    return log_lik - kl_to_standard_normal(mu, logvar)


@checks.arguments(k=checks.COUNT, chunk=checks.COUNT)
def iwae(model: LatentVariableModel, x: torch.Tensor, k: int, chunk: int = 100) -> torch.Tensor:
    """``x: (batch, d)`` -> the importance-weighted bound ``IWAE_k`` per example, ``(batch,)``.

    ``logsumexp_i log w_i - log k``, with the ``k`` samples drawn ``chunk`` at a time.
    """
    mu, logvar = model.posterior(x)
    log_w = []
    for start in range(0, k, chunk):
        z = reparameterize(mu, logvar, min(chunk, k - start))  # (c, batch, latent)
        log_prior = gaussian_log_prob(z, torch.zeros_like(z), torch.zeros_like(z))
        log_w.append(model.log_likelihood(x, z) + log_prior - gaussian_log_prob(z, mu, logvar))
    return torch.logsumexp(torch.cat(log_w), dim=0) - math.log(k)  # eq. (IWAE): log mean of w_i


# --- the GAN's losses and the optimal discriminator -----------------------------------------------


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """``-V`` estimated on a batch: ``mean softplus(-a_real) + mean softplus(a_fake)``."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()  # eq. (D-LOSS)


def generator_loss(fake_logits: torch.Tensor, saturating: bool = False) -> torch.Tensor:
    """Non-saturating ``mean softplus(-a)`` = ``-log D(G(z))``, or saturating
    ``mean -softplus(a)`` = ``log(1 - D(G(z)))`` (module docstring)."""
    # eq. (G-LOSS): the minimax term (saturating), or the non-saturating one
    return (-F.softplus(fake_logits) if saturating else F.softplus(-fake_logits)).mean()


def least_squares_discriminator_loss(
    real_out: torch.Tensor, fake_out: torch.Tensor
) -> torch.Tensor:
    """LSGAN's discriminator loss from D's raw outputs ``(batch,)``:
    ``1/2 mean (s_real - 1)^2 + 1/2 mean s_fake^2``."""
    return 0.5 * ((real_out - 1) ** 2).mean() + 0.5 * (fake_out**2).mean()  # eq. (LS-D)


def least_squares_generator_loss(fake_out: torch.Tensor) -> torch.Tensor:
    """LSGAN's generator loss from D's raw outputs on the fakes ``(batch,)``:
    ``1/2 mean (s_fake - 1)^2``."""
    return 0.5 * ((fake_out - 1) ** 2).mean()  # eq. (LS-G)


@checks.arguments(gamma=checks.AT_LEAST_ZERO)
def r1_penalty(real_logits: torch.Tensor, real: torch.Tensor, gamma: float) -> torch.Tensor:
    """Mescheder et al.'s (2018) R1 penalty, ``(gamma / 2) mean_x ||grad_x a(x)||^2`` over the
    real batch, where ``a`` is the discriminator's logit.

    ``real: (batch, d)`` must require gradients and ``real_logits`` be computed from it (any
    shape); the penalty keeps its graph, so that it can be minimised with the discriminator's
    loss. It is 0 for a discriminator that is flat on the data."""
    if isinstance(gamma, bool) or not (isinstance(gamma, numbers.Real) and 0 <= gamma < math.inf):
        raise ValueError(
            f"the R1 penalty's weight gamma must be a finite number >= 0, got {gamma!r}"
        )
    if not real.requires_grad:
        raise ValueError(
            "the R1 penalty differentiates the logits by the real batch: call "
            "real.requires_grad_() before computing the logits from it"
        )
    (grad,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
    return 0.5 * gamma * grad.pow(2).flatten(1).sum(dim=1).mean()  # eq. (R1)


def optimal_discriminator(log_p_data: torch.Tensor, log_p_g: torch.Tensor) -> torch.Tensor:
    """``D*(x) = p_data / (p_data + p_g) = sigmoid(log p_data - log p_g)``, elementwise."""
    return torch.sigmoid(log_p_data - log_p_g)


@checks.arguments(dx=checks.POSITIVE)
def js_divergence(log_p: torch.Tensor, log_q: torch.Tensor, dx: float) -> float:
    """Jensen-Shannon divergence of two densities on a uniform 1-D grid of spacing ``dx``, in nats:
    ``JS = 1/2 KL(p || m) + 1/2 KL(q || m)``, ``m = (p + q) / 2`` (Riemann sum)."""
    if log_p.shape != log_q.shape or log_p.dim() != 1:
        raise ValueError(
            f"need two 1-D grids of one length, got {tuple(log_p.shape)} and {tuple(log_q.shape)}"
        )
    log_m = torch.logaddexp(log_p, log_q) - math.log(2)
    p, q = log_p.exp(), log_q.exp()
    kl_pm = (p * (log_p - log_m)).sum() * dx
    kl_qm = (q * (log_q - log_m)).sum() * dx
    return float(0.5 * (kl_pm + kl_qm))


# --- gradient estimators --------------------------------------------------------------------------


@checks.arguments(n=checks.COUNT)
def reparameterized_gradients(
    f: Callable[[torch.Tensor], torch.Tensor], mu: torch.Tensor, logvar: torch.Tensor, n: int
) -> torch.Tensor:
    """``n`` estimates of ``grad_mu E[f(z)]``, each ``grad_z f(z)`` at ``z = mu + sigma * eps``.

    ``mu, logvar: (k,)``; ``f: (n, k) -> (n,)``, applied row by row -> ``(n, k)``.
    """
    z = reparameterize(mu.detach()[None], logvar.detach()[None], n)[:, 0].requires_grad_(True)
    (grad,) = torch.autograd.grad(f(z).sum(), z)
    return grad  # eq. (PATHWISE): d z / d mu = I, so grad_mu of one sample is grad_z f


@checks.arguments(n=checks.COUNT)
def score_function_gradients(
    f: Callable[[torch.Tensor], torch.Tensor], mu: torch.Tensor, logvar: torch.Tensor, n: int
) -> torch.Tensor:
    """``n`` estimates of ``grad_mu E[f(z)]``, each ``f(z) (z - mu) / sigma^2``,
    ``z ~ N(mu, sigma^2)``.

    ``mu, logvar: (k,)``; ``f: (n, k) -> (n,)`` -> ``(n, k)``."""
    with torch.no_grad():
        z = reparameterize(mu[None], logvar[None], n)[:, 0]
        return f(z)[:, None] * (z - mu) * torch.exp(-logvar)  # eq. (SCORE)
