"""The tables and sentences of the chapter "The VAE without its KL term": what the KL-free encoder
became, the KL-free VAE beside the VAE, and the classic mistakes beside the correct VAE.

The chapter trains every model once, from one seed, so everything here gives that run's numbers
and orders nothing: one seed ranks nothing (the book's rule, :func:`vaecore.book.verdicts.decide`,
needs :data:`~vaecore.book.verdicts.MIN_RUNS` seeds a side)."""

from __future__ import annotations

from typing import Mapping, Sequence

from vaecore import checks
from vaecore.book.messages import Message, Table, Text, say, span
from vaecore.book.verdicts import MIN_RUNS

__all__ = ["MISTAKES", "posterior_noise", "two_models_table", "mistakes_table"]

#: The chapter's trained models, by their keys in its ``trained``: each one's name (code in
#: backticks, which reads the same in every language) and what is wrong with it. The mistakes
#: themselves are :mod:`vaecore.models.mistakes`.
MISTAKES: dict[str, tuple[Message, Message]] = {
    "correct VAE": (say("correct VAE"), say("nothing")),
    "z = sigma * eps": (
        say("`z = sigma * eps`"),
        say("the code carries no information about x beyond sigma"),
    ),
    "z = softmax(log var)": (
        say("`z = softmax(log var)`"),
        say("no sampling; codes live on a simplex, not under N(0, I)"),
    ),
    "KL averaged over z": (
        say("KL averaged over z"),
        say("the KL's weight is divided by K, the number of code dimensions"),
    ),
    "x_hat = mu + sigma * eps": (
        say("`x_hat = mu + sigma * eps`"),
        say("no decoder: the code, as large as the image, is the image"),
    ),
    "rec + mean(log sigma^2)": (
        say("`rec + mean(log sigma^2)`"),
        say("no KL; smaller noise is rewarded without a floor"),
    ),
    "mu = log var, one head": (
        say("`mu = log var`, one head"),
        say("the mean fixes the noise: they cannot be chosen apart"),
    ),
    "likelihood N(x; 0, I)": (
        say("likelihood `N(x; 0, I)`"),
        say("the likelihood never reads z: nothing trains the decoder"),
    ),
    "encoder, then decoder": (
        say("encoder, then decoder"),
        say("each network trained against the other frozen, not together"),
    ),
}


@checks.arguments(
    sigma_free=checks.AT_LEAST_ZERO,
    sigma_vae=checks.AT_LEAST_ZERO,
    mean_norm=checks.AT_LEAST_ZERO,
    k=checks.COUNT,
)
def posterior_noise(
    sigma_free: float, sigma_vae: float, spreads: Sequence[float], mean_norm: float, k: int
) -> Text:
    """What the KL-free encoder became, on the test images: its median posterior standard
    deviation ``sigma_free`` (and the VAE's, ``sigma_vae``), the standard deviation of its code
    means in each of the ``k`` coordinates (``spreads``), and their mean length."""
    return Text(
        [
            say(
                "On the test images, the KL-free encoder's median posterior standard deviation "
                "σ is {sigma_free} (the VAE's: {sigma_vae}).",
                sigma_free=f"{sigma_free:.1e}",
                sigma_vae=f"{sigma_vae:.2f}",
            ),
            say(
                "Its code means spread with a standard deviation of {spread} per coordinate "
                "(the prior's is 1) and lie {norm} units from the origin on average (a draw from "
                "the prior: about √{k} ≈ {root}).",
                spread=span(spreads, 1),
                norm=f"{mean_norm:.1f}",
                k=str(k),
                root=f"{k**0.5:.1f}",
            ),
            say(
                "Its noise is about {ratio} times the narrowest of those spreads.",
                ratio=f"{sigma_free / min(spreads):.0e}",
            ),
        ]
    )


@checks.arguments(floor=checks.AT_LEAST_ZERO)
def two_models_table(
    kl_free: Mapping[str, float],
    vae: Mapping[str, float],
    floor: float,
    scale: Mapping[str, float],
) -> Table:
    """The KL-free VAE and the VAE on the test images, each a mapping with its reconstruction
    ``rec`` and ``kl`` (nats), its median posterior standard deviation ``sigma``, the mean length
    of its code means ``norm``, and the Fréchet distance ``fd`` of its prior samples; then the
    scale the distances are read on: the real test images' distance, the ``floor``, and the
    ``scale`` points of :meth:`vaecore.metrics.judge.SampleJudge.scale_points` (``blurred``,
    ``noise``)."""
    rows: list[list[str | Message]] = [
        [
            name,
            f"{s['rec']:.1f}",
            f"{s['kl']:.1f}",
            f"{s['sigma']:.1e}",
            f"{s['norm']:.1f}",
            f"{s['fd']:.1f}",
        ]
        for name, s in ((say("KL-free VAE (β = 0)"), kl_free), (say("VAE (β = 1)"), vae))
    ]
    rows += [
        [say("real test images (the floor)"), "", "", "", "", f"{floor:.2f}"],
        [say("the same images, blurred twice"), "", "", "", "", f"{scale['blurred']:.1f}"],
        [say("uniform noise"), "", "", "", "", f"{scale['noise']:.1f}"],
    ]
    return Table(
        [
            say("model"),
            say("reconstruction (nats)"),
            say("KL to the prior (nats)"),
            say("median σ"),
            say("mean ‖μ‖"),
            say("Fréchet distance of prior samples"),
        ],
        rows,
        say("One run of each model, from the same seed."),
    )


@checks.arguments(epochs=checks.COUNT, diverged_at=checks.optional(checks.whole(0)))
def mistakes_table(
    scores: Mapping[str, Mapping[str, float]],
    epochs: int,
    diverged_at: int | None,
) -> Table:
    """The trained models of :data:`MISTAKES` (``scores[key]``: reconstruction ``rec`` and
    ``kl`` in nats, Fréchet distance ``fd`` of prior samples), then the KL with the wrong sign:
    the step at which its training diverged (``diverged_at``), or ``None`` if it did not.
    ``epochs`` is each model's budget."""
    rows: list[list[str | Message]] = []
    for key, s in scores.items():
        name, why = MISTAKES[key]
        rows.append([name, why, f"{s['rec']:.1f}", f"{s['kl']:.4g}", f"{s['fd']:.1f}"])
    outcome = (
        say("the KL is rewarded; training did not diverge in this short run")
        if diverged_at is None
        else say("the KL is rewarded; training diverged at step {step}", step=f"{diverged_at:,}")
    )
    rows.append([say("KL with the wrong sign"), outcome, "", "", ""])
    return Table(
        [
            say("model"),
            say("what is wrong"),
            say("reconstruction (nats)"),
            say("KL (nats)"),
            say("Fréchet distance of prior samples"),
        ],
        rows,
        say(
            "One run of each model, from the same seed, with a budget of {epochs} epochs: the "
            "numbers are that run's. One seed ranks nothing (the book's rule asks for {min} seeds "
            "a side), so the table does not order the mistakes against the correct VAE or against "
            "one another.",
            epochs=str(epochs),
            min=str(MIN_RUNS),
        ),
    )
