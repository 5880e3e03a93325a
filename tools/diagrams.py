"""The book's schematic figures: one spec per model or idea, drawn into ``chapters/diagrams``.

Each function below returns a :class:`diagram_svg.Diagram`; ``DIAGRAMS`` lists them. The
English figure is ``chapters/diagrams/<name>.svg`` and the Chinese ``<name>.zh_CN.svg``, which
Sphinx shows in the Chinese edition in its place (``figure_language_filename``). The Chinese
labels come from the catalog ``locales/zh_CN/LC_MESSAGES/diagrams.po``, which ``make
translations`` keeps in step with the labels here (``tools/book_i18n.py`` lists them).

    python tools/diagrams.py           # draw every diagram again, in both languages
    python tools/diagrams.py --check   # fail if a drawn file is not what its spec draws

``tests/test_diagrams.py`` runs the check, so a spec or a translation changed without drawing
the files again fails the tests.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Callable

from diagram_svg import Arrow, Box, Diagram, Dot, Line, Maths, Note, Panel

from vaecore import files

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "chapters" / "diagrams"
DOMAIN = "diagrams"  # the catalog of the labels
LANGUAGE = "zh_CN"
CATALOG = ROOT / "locales" / LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po"
M = Maths

BLUE, GREEN, VERMILLION, GREY = "#0072B2", "#009E73", "#D55E00", "#444444"


def autoencoder() -> Diagram:
    return Diagram(
        "autoencoder",
        "The autoencoder",
        780,
        240,
        [
            Box("x", 70, 80, 120, 50, "Digit", M("x, 784 pixels"), "variable"),
            Box("enc", 235, 80, 130, 50, "Encoder", M("f(x)")),
            Box("z", 395, 80, 120, 50, "Code", M("z = f(x)"), "latent"),
            Box("dec", 555, 80, 130, 50, "Decoder", M("x̂ = g(z)")),
            Box("xhat", 705, 80, 130, 50, "Reconstruction", M("x̂"), "variable"),
            Box("loss", 395, 185, 300, 50, "Reconstruction error", M("ℓ(x, x̂)"), "loss"),
            Arrow("x", "enc"),
            Arrow("enc", "z"),
            Arrow("z", "dec"),
            Arrow("dec", "xhat"),
            Arrow("x", "loss", via=((70, 185),), dashed=True),
            Arrow("xhat", "loss", via=((705, 185),), dashed=True),
            Note(395, 28, "a bottleneck: K numbers, K much smaller than 784", 12.5),
        ],
    )


def _vae_row(top: float, kl: bool) -> list:
    """The VAE's parts in one row at height ``top`` + 75; without the KL term if not ``kl``."""
    y = top + 70
    p = f"{top:g}-"
    parts: list = [
        Box(p + "x", 50, y, 60, 44, M("x"), kind="variable"),
        Box(p + "enc", 160, y, 110, 50, "Encoder", M("q(z | x)")),
        Box(p + "stats", 290, y, 100, 44, M("μ(x), σ(x)"), kind="plain"),
        Box(p + "z", 430, y, 130, 50, "Code", M("z = μ + σ ⊙ ε"), "latent"),
        Box(p + "dec", 570, y, 110, 50, "Decoder", M("p(x | z)")),
        Box(p + "rec", 770, y - 32, 210, 46, "Reconstruction", M("−log p(x | z)"), "loss"),
        Arrow(p + "x", p + "enc"),
        Arrow(p + "enc", p + "stats"),
        Arrow(p + "stats", p + "z"),
        Arrow(p + "z", p + "dec"),
        Arrow(p + "dec", p + "rec"),
    ]
    if kl:
        parts += [
            Box(
                p + "kl",
                770,
                y + 32,
                210,
                46,
                "Pull toward the prior",
                M("KL(q(z | x) ‖ N(0, I))"),
                "loss",
            ),
            Arrow(p + "stats", p + "kl", via=((290, y + 55), (640, y + 55))),
            Note(430, y + 48, "σ stays near 1 where the code is not needed", 11.5),
        ]
    else:
        parts += [
            Box(p + "kl", 770, y + 32, 210, 46, "no KL term", kind="plain"),
            Note(
                430,
                y + 48,
                "nothing stops σ → 0: the code is deterministic",
                11.5,
                colour=VERMILLION,
            ),
        ]
    return parts


def vae_without_kl() -> Diagram:
    return Diagram(
        "vae-without-kl",
        "The VAE and the VAE without its KL term",
        890,
        330,
        [
            Panel(8, 8, 874, 150, "The VAE: reconstruction + KL"),
            *_vae_row(8, kl=True),
            Panel(8, 170, 874, 150, "Without its KL term: reconstruction only"),
            *_vae_row(170, kl=False),
        ],
    )


def vae() -> Diagram:
    return Diagram(
        "vae",
        "The variational autoencoder",
        880,
        310,
        [
            Box("x", 70, 120, 110, 50, "Digit", M("x"), "variable"),
            Box("enc", 225, 120, 130, 50, "Encoder", M("q(z | x)")),
            Box("stats", 385, 120, 120, 50, "Mean, spread", M("μ(x), σ(x)"), "plain"),
            Box("eps", 560, 35, 150, 40, M("ε ~ N(0, I)"), kind="noise"),
            Box("z", 560, 120, 150, 50, "Code", M("z = μ + σ ⊙ ε"), "latent"),
            Box("dec", 735, 120, 130, 50, "Decoder", M("p(x | z)")),
            Box(
                "kl",
                385,
                230,
                240,
                50,
                "Pull toward the prior",
                M("KL(q(z | x) ‖ N(0, I))"),
                "loss",
            ),
            Box("rec", 735, 230, 190, 50, "Reconstruction", M("−log p(x | z)"), "loss"),
            Note(560, 230, M("+"), 22, bold=True),
            Arrow("x", "enc"),
            Arrow("enc", "stats"),
            Arrow("stats", "z"),
            Arrow("eps", "z", dashed=True),
            Arrow("z", "dec"),
            Arrow("dec", "rec"),
            Arrow("stats", "kl"),
            Arrow("x", "rec", via=((70, 290), (735, 290)), dashed=True),
            Note(560, 167, "the draw ε comes in from outside:", 11.5),
            Note(560, 183, "gradients reach μ and σ", 11.5),
            Note(560, 272, "the sum is the negative ELBO, the loss", 11.5),
        ],
    )


RAISING_THE_ELBO = (
    "Raising the ELBO raises log p(x), or closes the gap by moving q toward the posterior"
)


def elbo_gap() -> Diagram:
    left, right = 110, 400
    return Diagram(
        "elbo-gap",
        "The ELBO and its gap to log p(x)",
        820,
        250,
        [
            Line(((left, 60), (right, 60)), BLUE, 3),
            Line(((left, 190), (right, 190)), GREEN, 3),
            Note(right + 12, 60, M("log p(x)"), 15, "start", BLUE),
            Note(right + 100, 60, "the log-likelihood: what we want, out of reach", 12.5, "start"),
            Note(right + 12, 190, M("ELBO"), 15, "start", GREEN, bold=True),
            Note(right + 100, 190, "what we can compute and maximise", 12.5, "start"),
            Line(((140, 125), (140, 64)), VERMILLION, 1.6, arrow=True),
            Line(((140, 125), (140, 186)), VERMILLION, 1.6, arrow=True),
            Note(155, 112, "the gap", 12.5, "start", VERMILLION, bold=True),
            Note(155, 138, M("KL(q(z | x) ‖ p(z | x)) ≥ 0"), 12.5, "start", VERMILLION),
            Note(60, 60, "higher", 11.5),
            Note(60, 190, "lower", 11.5),
            Line(((60, 170), (60, 80)), GREY, 1.2, arrow=True),
            Note(410, 228, RAISING_THE_ELBO, 12),
        ],
    )


def iwae() -> Diagram:
    zs = [(70, M("z₁"), M("w₁")), (125, M("z₂"), M("w₂")), (215, M("z_k"), M("w_k"))]
    parts: list = [
        Box("x", 45, 140, 54, 44, M("x"), kind="variable"),
        Box("enc", 155, 140, 120, 50, "Encoder", M("q(z | x)")),
        Note(290, 172, M("⋮"), 16),
        Note(400, 172, M("⋮"), 16),
        Note(350, 28, M("w_i = p(x, z_i) / q(z_i | x)"), 13),
        Box("avg", 560, 140, 150, 50, "Average", M("log (1/k) Σ w_i"), "loss"),
        Arrow("x", "enc"),
    ]
    for y, z, w in zs:
        key = str(z)
        parts += [
            Box("z" + key, 290, y, 64, 38, z, kind="latent"),
            Box("w" + key, 400, y, 64, 38, w, kind="plain"),
            Arrow("enc", "z" + key, dashed=True),
            Arrow("z" + key, "w" + key),
            Arrow("w" + key, "avg"),
        ]
    levels = [
        (50, M("log p(x)"), BLUE),
        (105, "bound with k = 50", GREY),
        (150, "bound with k = 5", GREY),
    ]
    levels.append((205, "ELBO (k = 1)", GREEN))
    for y, label, colour in levels:
        parts += [
            Line(((690, y), (760, y)), colour, 2.5),
            Note(770, y, label, 12.5, "start", colour),
        ]
    parts += [
        Line(((675, 200), (675, 60)), GREY, 1.2, arrow=True),
        Note(720, 232, "more samples, a tighter bound", 11.5),
        Note(
            300,
            258,
            "Draw codes where q puts them, weigh each by p / q: the average weight estimates p(x)",
            12,
        ),
    ]
    return Diagram("iwae", "Importance sampling and the importance-weighted bound", 930, 280, parts)


def gan() -> Diagram:
    return Diagram(
        "gan",
        "The GAN's game",
        920,
        300,
        [
            Box("noise", 75, 75, 130, 44, M("z ~ N(0, I)"), kind="noise"),
            Box("G", 235, 75, 130, 50, "Generator", M("G(z)")),
            Box("fake", 405, 75, 130, 50, "Fake sample", M("G(z)"), "variable"),
            Box("real", 405, 195, 130, 50, "Real sample", M("x ~ data"), "variable"),
            Box("D", 590, 135, 150, 56, "Discriminator", M("D(·) ∈ (0, 1)")),
            Box("lossD", 800, 75, 220, 50, "D's loss", M("−log D(x) − log(1 − D(G(z)))"), "loss"),
            Box("lossG", 800, 195, 220, 50, "G's loss", M("−log D(G(z))"), "loss"),
            Arrow("noise", "G", dashed=True),
            Arrow("G", "fake"),
            Arrow("fake", "D"),
            Arrow("real", "D"),
            Arrow("D", "lossD"),
            Arrow("D", "lossG"),
            Arrow("lossG", "G", via=((800, 275), (235, 275)), dashed=True, colour=VERMILLION),
            Note(518, 262, "G's gradient passes back through D", 12, colour=VERMILLION),
            Note(590, 28, "D learns to tell real from fake; G learns to fool D", 12.5),
        ],
    )


def _tensor(key: str, x: float, side: int, label: str, y: float) -> Box:
    """A tensor drawn as tall as its side is long (7, 14 or 28 pixels)."""
    return Box(key, x, y, 104, 20 + 3 * side, M(label), kind="plain")


def dcgan() -> Diagram:
    g, d = 100, 290
    return Diagram(
        "dcgan",
        "DCGAN's players for 28 × 28 digits",
        900,
        390,
        [
            Panel(8, 8, 884, 180, "Generator: noise to image"),
            Box("z", 80, g, 96, 36, M("z: 64"), kind="noise"),
            _tensor("g7", 290, 7, "64 × 7 × 7", g),
            _tensor("g14", 520, 14, "32 × 14 × 14", g),
            _tensor("g28", 760, 28, "1 × 28 × 28", g),
            Arrow("z", "g7", "linear"),
            Arrow("g7", "g14", "transposed conv"),
            Arrow("g14", "g28", "transposed conv"),
            Note(450, 160, "each transposed convolution doubles the side", 11.5),
            Note(
                450,
                176,
                "batch norm and ReLU after each layer but the last; a sigmoid at the end",
                11.5,
            ),
            Panel(8, 198, 884, 184, "Discriminator: image to a score"),
            _tensor("d28", 80, 28, "1 × 28 × 28", d),
            _tensor("d14", 300, 14, "32 × 14 × 14", d),
            _tensor("d7", 530, 7, "64 × 7 × 7", d),
            Box("logit", 790, d, 110, 40, "score", M("a logit"), "plain"),
            Arrow("d28", "d14", "conv"),
            Arrow("d14", "d7", "conv"),
            Arrow("d7", "logit", "linear"),
            Note(450, 350, "each strided convolution halves the side", 11.5),
            Note(450, 366, "LeakyReLU(0.2) after each convolution; no batch norm", 11.5),
        ],
    )


def vaegan() -> Diagram:
    return Diagram(
        "vaegan",
        "The VAE-GAN",
        930,
        350,
        [
            Box("x", 55, 150, 70, 44, M("x"), kind="variable"),
            Box("enc", 175, 150, 120, 50, "Encoder", M("q(z | x)")),
            Box("z", 315, 150, 90, 44, M("z"), kind="latent"),
            Box("zp", 315, 50, 140, 40, M("z_p ~ N(0, I)"), kind="noise"),
            Box("dec", 480, 100, 140, 50, "Decoder = G", M("Dec(·)")),
            Box("xt", 655, 150, 150, 50, "Reconstruction", M("x̃ = Dec(z)"), "variable"),
            Box("xp", 655, 50, 150, 50, "Sample", M("x_p = Dec(z_p)"), "variable"),
            Box("D", 840, 150, 140, 50, "Discriminator", M("features D_l"), "network"),
            Box("kl", 175, 250, 130, 44, M("L_KL"), kind="loss"),
            Box(
                "rec",
                610,
                250,
                250,
                46,
                "Likeness in D's features",
                M("L_rec ∝ ‖D_l(x) − D_l(x̃)‖²"),
                "loss",
            ),
            Box("game", 862, 250, 124, 46, "Real or fake?", M("L_D, L_G"), "loss"),
            Arrow("x", "enc"),
            Arrow("enc", "z", dashed=True),
            Arrow("enc", "kl"),
            Arrow("z", "dec"),
            Arrow("zp", "dec", dashed=True),
            Arrow("dec", "xt"),
            Arrow("dec", "xp"),
            Arrow("xt", "D"),
            Arrow("xp", "D", via=((840, 50),)),
            Arrow("x", "D", via=((55, 322), (760, 322), (760, 190)), dashed=True),
            Arrow("D", "rec"),
            Arrow("D", "game"),
            Note(340, 290, "each network's loss:", 12, "end", bold=True),
            Note(
                350,
                290,
                "encoder L_KL + L_rec; decoder γ L_rec + L_G; discriminator L_D",
                12,
                "start",
            ),
        ],
    )


def vrnn() -> Diagram:
    rnn = [
        Panel(8, 8, 320, 384, "RNN-Gauss and RNN-GMM"),
        Box("r-x", 168, 70, 80, 40, M("x_t"), kind="variable"),
        Box("r-out", 168, 180, 170, 50, "Output", M("p(x_t | h_{t−1})")),
        Box("r-h0", 90, 330, 90, 40, M("h_{t−1}"), kind="plain"),
        Box("r-h1", 250, 330, 90, 40, M("h_t"), kind="plain"),
        Arrow("r-h0", "r-out", colour=BLUE),
        Arrow("r-out", "r-x", colour=BLUE),
        Arrow("r-x", "r-h1", via=((310, 70), (310, 300)), colour=GREY),
        Arrow("r-h0", "r-h1", M("f"), colour=GREY),
        Note(168, 240, "RNN-Gauss: one Gaussian", 12),
        Note(168, 258, "RNN-GMM: a mixture of Gaussians", 12),
    ]
    step = [
        Panel(340, 8, 632, 384, "VRNN: one step"),
        Box("x", 660, 60, 80, 40, M("x_t"), kind="variable"),
        Box("enc", 480, 130, 190, 50, "Encoder", M("q(z_t | x_t, h_{t−1})")),
        Box("dec", 850, 130, 190, 50, "Decoder", M("p(x_t | z_t, h_{t−1})")),
        Box("z", 660, 205, 80, 40, M("z_t"), kind="latent"),
        Box("prior", 480, 265, 190, 50, "Prior", M("p(z_t | h_{t−1})")),
        Box("h0", 580, 345, 90, 40, M("h_{t−1}"), kind="plain"),
        Box("h1", 850, 345, 90, 40, M("h_t"), kind="plain"),
        Arrow("x", "enc", dashed=True, colour=VERMILLION),
        Arrow("h0", "enc", via=((365, 345), (365, 130)), dashed=True, colour=VERMILLION),
        Arrow("enc", "z", dashed=True, colour=VERMILLION),
        Arrow("h0", "prior", colour=GREEN),
        Line(((480, 157), (480, 238)), GREY, 1.4, dashed=True),
        Note(470, 197, M("KL(q ‖ p)"), 12, "end"),
        Arrow("z", "dec", colour=BLUE),
        Arrow("h0", "dec", colour=BLUE),
        Arrow("dec", "x", colour=BLUE),
        Arrow("x", "h1", via=((955, 60), (955, 345)), colour=GREY),
        Arrow("z", "h1", colour=GREY),
        Arrow("h0", "h1", M("f"), colour=GREY),
    ]
    legend = [
        Line(((30, 412), (60, 412)), GREEN, 2),
        Note(66, 412, "prior", 12, "start"),
        Line(((160, 412), (190, 412)), BLUE, 2),
        Note(196, 412, "generation", 12, "start"),
        Line(((330, 412), (360, 412)), GREY, 2),
        Note(366, 412, "recurrence", 12, "start"),
        Line(((500, 412), (530, 412)), VERMILLION, 2, dashed=True),
        Note(536, 412, "inference (training only)", 12, "start"),
    ]
    return Diagram("vrnn", "A step of each sequence model", 980, 430, rnn + step + legend)


def mode_collapse() -> Diagram:
    parts: list = []
    centres = (130, 410, 690)
    titles = ("The data: eight modes", "A collapsed generator", "Training moves it on")
    for cx, title in zip(centres, titles):
        parts.append(Panel(cx - 125, 8, 250, 270, title))
        for i in range(8):
            a = 2 * math.pi * i / 8
            parts.append(
                Dot(cx + 85 * math.cos(a), 150 - 85 * math.sin(a), 11, "#999999", ring=True)
            )
    for cx in centres[:1]:
        for i in range(8):
            a = 2 * math.pi * i / 8
            parts += [
                Dot(cx + 85 * math.cos(a) + dx, 150 - 85 * math.sin(a) + dy, 2.5, BLUE)
                for dx, dy in _SPECK
            ]
    collapsed = centres[1] + 85, 150
    parts += [Dot(collapsed[0] + dx, collapsed[1] + dy, 2.5, VERMILLION) for dx, dy in _SPECK]
    for i in range(3):
        a, b = 2 * math.pi * i / 8, 2 * math.pi * (i + 1) / 8
        start = centres[2] + 85 * math.cos(a), 150 - 85 * math.sin(a)
        end = centres[2] + 85 * math.cos(b), 150 - 85 * math.sin(b)
        parts.append(Dot(start[0], start[1], 5, VERMILLION))
        middle = centres[2] + 62 * math.cos((a + b) / 2), 150 - 62 * math.sin((a + b) / 2)
        parts.append(Line((start, middle, end), VERMILLION, 1.6, dashed=True, arrow=True))
    parts += [
        Note(centres[0], 262, "every mode has samples", 12),
        Note(centres[1], 262, "all samples on one mode", 12),
        Note(centres[2], 262, "D pushes it to the next", 12),
    ]
    return Diagram("mode-collapse", "Mode collapse on the ring", 830, 290, parts)


#: Samples around a mode: small offsets, fixed so that the drawing never changes.
_SPECK = ((0, 0), (4, -3), (-4, 2), (2, 5), (-3, -5), (6, 2), (-6, -1), (1, -7))

DIAGRAMS: dict[str, Callable[[], Diagram]] = {
    "autoencoder": autoencoder,
    "vae-without-kl": vae_without_kl,
    "vae": vae,
    "elbo-gap": elbo_gap,
    "iwae": iwae,
    "gan": gan,
    "mode-collapse": mode_collapse,
    "dcgan": dcgan,
    "vaegan": vaegan,
    "vrnn": vrnn,
}


def labels() -> list[str]:
    """Every label of every diagram, once each: the messages of the catalog ``diagrams``."""
    found: list[str] = []
    for draw in DIAGRAMS.values():
        found += [label for label in draw().labels() if label not in found]
    return found


def chinese() -> Callable[[str], str]:
    """The catalog's translation of a label; exits naming the labels it lacks."""
    from babel.messages.pofile import read_po

    known: dict[str, str] = {}
    if CATALOG.is_file():
        with CATALOG.open("rb") as f:
            known = {m.id: m.string for m in read_po(f) if m.id and m.string and not m.fuzzy}
    missing = [label for label in labels() if label not in known]
    if missing:
        sys.exit(
            f"{len(missing)} diagram labels have no Chinese in {CATALOG}, such as "
            f"{missing[0]!r}: run `make translations` and translate them (CONTRIBUTING.md)"
        )
    return known.__getitem__


def drawn() -> dict[Path, str]:
    """Every file this spec draws, and its text: each diagram in English and in Chinese."""
    translate = chinese()
    out = {}
    for name, draw in DIAGRAMS.items():
        diagram = draw()
        out[FOLDER / f"{name}.svg"] = diagram.svg()
        out[FOLDER / f"{name}.{LANGUAGE}.svg"] = diagram.svg(translate)
    return out


def stale() -> list[Path]:
    """The drawn files that differ from what the spec draws now (or are missing)."""
    return [
        path
        for path, text in drawn().items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if a drawn file is stale")
    args = parser.parse_args(argv)
    if args.check:
        old = stale()
        if old:
            sys.exit(f"stale diagrams (run `python tools/diagrams.py`): {[p.name for p in old]}")
        return
    FOLDER.mkdir(exist_ok=True)
    for path, text in drawn().items():
        files.write_text(path, text)
    print(f"drew {len(DIAGRAMS)} diagrams, in English and Chinese, into {FOLDER.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
