"""The tables and sentences of the VAE chapter: its VAE's likelihood beside the published one, the
β sweep with free bits, and the autoencoder, the KL-free VAE and the VAE side by side.

The chapter trains every model once, from one seed, so its tables give that run's numbers and
order nothing (the book's rule, :func:`vaecore.book.verdicts.decide`, needs several seeds a
side); a published number is one number without its seeds, so the chapter's is set beside it,
not ranked against it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from vaecore import checks
from vaecore.book.messages import Message, Table, Text, say
from vaecore.book.published import BURDA_2016

__all__ = [
    "BURDA_ROW",
    "Likelihood",
    "published_table",
    "beside_published",
    "SweepRow",
    "sweep_table",
    "SampleScores",
    "three_models_table",
]

#: The row of Burda et al. (2016), Table 1, that the chapter sets its VAE beside.
BURDA_ROW = "VAE, k=1 training, k=5000 test"


@dataclass(frozen=True)
class Likelihood:
    """The chapter's VAE on the first ``images`` test images: its test ``neg_elbo`` and its NLL
    estimate ``nll`` (minus the importance-weighted bound with ``k`` samples), both in nats; its
    code size ``latent_dim``, and its training, ``epochs`` in ``seconds``."""

    neg_elbo: float
    nll: float
    k: int
    images: int
    latent_dim: int
    epochs: int
    seconds: float


def published_table(ours: Likelihood) -> Table:
    """The chapter's VAE beside Burda et al.'s one-stochastic-layer VAE trained with k = 1."""
    return Table(
        [
            say("model"),
            say("training"),
            say("test −ELBO"),
            say("test NLL"),
            say("NLL estimated with"),
        ],
        [
            [
                say("this VAE (K = {k}, one stochastic layer)", k=str(ours.latent_dim)),
                say(
                    "{epochs} epochs, {seconds} s on this CPU",
                    epochs=str(ours.epochs),
                    seconds=f"{ours.seconds:.0f}",
                ),
                f"{ours.neg_elbo:.2f}",
                f"{ours.nll:.2f}",
                say(
                    "−IWAE with k = {k} on the first {n} test images",
                    k=f"{ours.k:,}",
                    n=f"{ours.images:,}",
                ),
            ],
            [
                say("Burda et al. (2016), Table 1, VAE (trained with k = 1), one stochastic layer"),
                say("{epochs} epochs", epochs=f"{BURDA_2016['epochs']:,.0f}"),
                "",
                f"{BURDA_2016[BURDA_ROW]}",
                say("−IWAE with k = 5,000 on all 10,000 test images"),
            ],
        ],
    )


def beside_published(ours: Likelihood) -> Text:
    """The chapter's NLL estimate beside the published one, and its −ELBO beside its NLL: the
    differences, with what makes the first one rough."""
    gap = ours.nll - BURDA_2016[BURDA_ROW]
    fields = {
        "epochs": str(ours.epochs),
        "minutes": f"{ours.seconds / 60:.1f}",
        "paper": f"{BURDA_2016['epochs']:,.0f}",
        "gap": f"{abs(gap):.2f}",
    }
    if gap > 0:
        first = say(
            "Our VAE trains for {epochs} epochs ({minutes} minutes on this CPU) rather than "
            "{paper}, and its NLL estimate is {gap} nats above the published number.",
            **fields,
        )
    else:
        first = say(
            "Our VAE trains for {epochs} epochs ({minutes} minutes on this CPU) rather than "
            "{paper}, and its NLL estimate is {gap} nats below the published number.",
            **fields,
        )
    slack = ours.neg_elbo - ours.nll
    n = f"{ours.images:,}"
    if slack >= 0:
        last = say(
            "On the same {n} images, our test −ELBO is {d} nats above our NLL estimate.",
            n=n,
            d=f"{slack:.2f}",
        )
    else:
        last = say(
            "On the same {n} images, our test −ELBO is {d} nats below our NLL estimate: both are "
            "estimates from random samples, and the order of the two bounds holds only in "
            "expectation.",
            n=n,
            d=f"{-slack:.2f}",
        )
    return Text(
        [
            first,
            say(
                "The two are not measured alike: ours uses {k} importance samples on {n} test "
                "images, the paper 5,000 on all 10,000 (fewer samples give a slightly higher, "
                "looser estimate, in expectation), so the difference is a rough one.",
                k=f"{ours.k:,}",
                n=n,
            ),
            last,
        ]
    )


@dataclass(frozen=True)
class SweepRow:
    """One model of the β sweep: its ``beta`` and ``free_bits`` (λ, or ``None`` without), its
    ``rate`` (KL) and ``distortion`` (reconstruction) on the test images in nats, its number of
    ``active`` dimensions, its test ``nll`` bound and the Fréchet distance ``fd`` of its prior
    samples."""

    beta: float
    free_bits: float | None
    rate: float
    distortion: float
    active: int
    nll: float
    fd: float

    def name(self) -> Message:
        if self.free_bits is None:
            return say("β = {beta}", beta=f"{self.beta:g}")
        return say(
            "β = {beta} with free bits (λ = {free_bits})",
            beta=f"{self.beta:g}",
            free_bits=f"{self.free_bits:g}",
        )


@checks.arguments(floor=checks.AT_LEAST_ZERO)
def sweep_table(rows: Sequence[SweepRow], floor: float) -> Table:
    """The β sweep and the free-bits model, one run each, with the real test images' Fréchet
    distance (the ``floor``) under it."""
    return Table(
        [
            say("model"),
            say("rate: KL (nats)"),
            say("distortion (nats)"),
            say("active dimensions"),
            say("test NLL bound (nats)"),
            say("Fréchet distance of prior samples"),
        ],
        [
            [
                r.name(),
                f"{r.rate:.1f}",
                f"{r.distortion:.1f}",
                str(r.active),
                f"{r.nll:.1f}",
                f"{r.fd:.1f}",
            ]
            for r in rows
        ],
        say(
            "Fréchet distance of real test images (the floor): {floor}. One run per model, from "
            "the same seed: the numbers are that run's, not a ranking.",
            floor=f"{floor:.2f}",
        ),
    )


@dataclass(frozen=True)
class SampleScores:
    """One model on the test images: its reconstruction ``rec`` (nats, through the code mean),
    its test NLL bound ``nll`` (``None``: it has no likelihood) and the Fréchet distance ``fd`` of
    its prior samples."""

    rec: float
    nll: float | None
    fd: float


@checks.arguments(floor=checks.AT_LEAST_ZERO)
def three_models_table(
    autoencoder: SampleScores, kl_free: SampleScores, vae: SampleScores, floor: float
) -> Table:
    """The autoencoder, the KL-free VAE and the VAE side by side, and the real test images'
    Fréchet distance, the ``floor``."""
    rows: list[list[str | Message]] = [
        [
            name,
            f"{s.rec:.1f}",
            "—" if s.nll is None else f"{s.nll:.1f}",
            f"{s.fd:.1f}",
        ]
        for name, s in (
            (say("autoencoder"), autoencoder),
            (say("KL-free VAE (β = 0)"), kl_free),
            (say("VAE (β = 1)"), vae),
        )
    ]
    rows.append([say("real test images (the floor)"), "", "", f"{floor:.2f}"])
    return Table(
        [
            say("model"),
            say("reconstruction (nats)"),
            say("NLL bound (nats)"),
            say("Fréchet distance of prior samples"),
        ],
        rows,
        say(
            "One run of each model, from the same seed. The autoencoder has no likelihood, so no "
            "NLL bound."
        ),
    )
