"""The tables and verdicts of the chapter "Questions readers ask", computed from benchmark results
over several seeds, never typed: ``questions.json`` (``benchmarks/questions.py``: discrete data,
gradient norms) and ``gan_vs_vae.json`` (model size against sample quality).

A verdict names an order between two models only when it holds on every seed
(:func:`~vaecore.experiments.side_by_side.lowest_on_every_seed`)."""

from __future__ import annotations

import math
from operator import attrgetter
from typing import Any, Callable

from vaecore.book.spread import mean_sd
from vaecore.experiments.gan_vs_vae import Row, table_cell
from vaecore.experiments.side_by_side import MIN_SEEDS, lowest_on_every_seed

#: A layer's gradient norm that changes by this factor or more, between the first and the last
#: tenth of training, is said to vanish or explode (two orders of magnitude).
EXPLODES = 100.0


def _seeds(
    runs: list[list[Any]], what: str, key: Callable[[Any], str] = lambda row: row["model"]
) -> dict[str, list[Any]]:
    """``{key(row): [its row on each seed]}``, after checking that there are enough seeds and
    that every seed has the same rows in the same order."""
    if len(runs) < MIN_SEEDS:
        raise ValueError(
            f"one seed ranks nothing: {what} needs at least {MIN_SEEDS} seeds, got {len(runs)}"
        )
    names = [key(row) for row in runs[0]]
    if any([key(row) for row in run] != names for run in runs):
        raise ValueError(f"every seed of {what} must have the same models in the same order")
    return {name: [run[i] for run in runs] for i, name in enumerate(names)}


def _header(titles: str) -> list[str]:
    """The first two lines of a Markdown table with the columns ``"a | b | c"``: the titles,
    then the first column aligned left and the others, numbers, right."""
    return [f"| {titles} |", "|---|" + "---:|" * titles.count(" | ")]


def discrete_table(result: dict[str, Any]) -> list[str]:
    """The lines of a Markdown table of the discrete-data runs: per model the total variation
    distance (mean ± sd over the seeds, then each seed's), the generator's mean gradient norm,
    the parameters and the training time; last, the floor of real digits."""
    rows = _seeds(result["discrete"]["runs"], "the discrete-data table")
    lines = _header(
        "model | TV to the test digits | on each seed | generator's gradient | parameters | "
        "training (s)"
    )
    for name, seeds in rows.items():
        grads = [r["generator_gradient"] for r in seeds]
        grad = "no generator" if grads[0] is None else mean_sd(grads, 3)
        lines.append(
            f"| {name} | {mean_sd([r['tv'] for r in seeds], 3)} | "
            + ", ".join(f"{r['tv']:.3f}" for r in seeds)
            + f" | {grad} | {seeds[0]['parameters']:,} | "
            + f"{mean_sd([r['seconds'] for r in seeds], 0)} |"
        )
    lines.append(f"| real training digits (floor) | {result['discrete']['floor']:.3f} | | | | |")
    return lines


def discrete_verdict(result: dict[str, Any]) -> list[str]:
    """What the discrete-data runs show over the seeds, one sentence per finding."""
    rows = _seeds(result["discrete"]["runs"], "the discrete-data verdict")
    tv = {name: [r["tv"] for r in seeds] for name, seeds in rows.items()}
    n = len(next(iter(tv.values())))
    stuck, relaxed = "GAN, sample", ["GAN, Gumbel-softmax", "GAN, score function"]
    found = []
    stuck_grad = max(r["generator_gradient"] for r in rows[stuck])
    reached = (
        "no gradient reached the generator, at any step of any seed"
        if stuck_grad == 0
        else f"the generator's mean gradient norm was at most {stuck_grad:.3g}"
    )
    found.append(
        f"Through a plain sample, {reached}, and its samples ended "
        f"{mean_sd(tv[stuck], 3)} away from the test digits in total variation."
    )
    for name in relaxed:
        best, rivals = lowest_on_every_seed({name: tv[name], stuck: tv[stuck]})
        if best == name and not rivals:
            found.append(
                f"With the {name.removeprefix('GAN, ')} estimator, the GAN learned: "
                f"{mean_sd(tv[name], 3)}, below the stuck GAN on all {n} seeds."
            )
        else:
            found.append(
                f"With the {name.removeprefix('GAN, ')} estimator, the GAN did not "
                f"learn on every seed ({mean_sd(tv[name], 3)})."
            )
    best, rivals = lowest_on_every_seed({name: tv[name] for name in relaxed})
    if rivals:
        found.append(
            "Neither estimator's GAN is closer than the other's on every seed: their order is "
            "within the spread between seeds."
        )
    else:
        found.append(
            f"The {best.removeprefix('GAN, ')} GAN is the closer of the two on every seed."
        )
    best, rivals = lowest_on_every_seed(tv)
    if rivals:
        found.append(f"No model is closest on every seed ({', '.join([best, *rivals])}).")
    else:
        found.append(
            f"The {best}'s samples are the closest to the test digits on all {n} seeds: "
            f"{mean_sd(tv[best], 3)}, against a floor of {result['discrete']['floor']:.3f} for "
            "real digits."
        )
    return found


def discrete_headline(result: dict[str, Any]) -> str:
    """The section's verdict in one sentence, from the same seeds as :func:`discrete_verdict`."""
    rows = _seeds(result["discrete"]["runs"], "the discrete-data verdict")
    tv = {name: [r["tv"] for r in seeds] for name, seeds in rows.items()}
    stuck = "GAN, sample"
    learned = [
        name.removeprefix("GAN, ")
        for name in ("GAN, Gumbel-softmax", "GAN, score function")
        if lowest_on_every_seed({name: tv[name], stuck: tv[stuck]}) == (name, [])
    ]
    vae = lowest_on_every_seed({"VAE": tv["VAE"], stuck: tv[stuck]}) == ("VAE", [])
    if vae and learned:
        return (
            "Wrong about the VAE and incomplete about the GAN: a VAE models discrete data "
            "directly, while a GAN learns it only through a gradient estimator that reaches "
            f"past the discrete sample ({' or '.join(learned)}, here)."
        )
    return (
        "Not settled by these runs: "
        + ("the VAE did" if vae else "the VAE did not")
        + " learn the discrete digits on every seed, and "
        + (f"only the {' and '.join(learned)} GANs did" if learned else "no GAN did")
        + "."
    )


def gradient_table(result: dict[str, Any]) -> list[str]:
    """The lines of a Markdown table of the gradient norms: per model, its layers' norms late in
    training (smallest and largest, means over the seeds), the largest change of a layer's norm
    (over layers and seeds), the steps, and on how many seeds training diverged."""
    rows = _seeds(result["gradients"]["runs"], "the gradient table")
    lines = _header(
        "model | smallest layer norm, last tenth | largest | largest change of a layer | steps | "
        "diverged"
    )
    for name, seeds in rows.items():
        low = sum(r["lowest"] for r in seeds) / len(seeds)
        high = sum(r["highest"] for r in seeds) / len(seeds)
        change = max(r["change"] for r in seeds)
        steps = ", ".join(sorted({str(r["steps"]) for r in seeds}))
        lines.append(
            f"| {name} | {low:.3g} | {high:.3g} | ×{change:.3g} | {steps} | "
            f"{sum(r['diverged'] for r in seeds)} of {len(seeds)} |"
        )
    return lines


def gradient_verdict(result: dict[str, Any]) -> list[str]:
    """What the gradient norms show over the seeds, one sentence per finding."""
    rows = _seeds(result["gradients"]["runs"], "the gradient verdict")
    n = len(next(iter(rows.values())))
    found = []
    for name in ("autoencoder", "VAE"):
        seeds = rows[name]
        change = max(r["change"] for r in seeds)
        ratio = max(r["highest"] / r["lowest"] for r in seeds)
        steady = change < EXPLODES and not any(r["diverged"] for r in seeds)
        what = "neither vanished nor exploded" if steady else "did not stay steady"
        found.append(
            f"The {name}'s gradients {what}: on all {n} seeds no layer's norm changed by more "
            f"than a factor of {change:.1f} between the first and the last tenth of training, "
            f"and late in training its layers' norms were within a factor of {ratio:.1f} of one "
            "another."
        )
    wrong = rows["VAE, wrong-sign KL"]
    if all(r["diverged"] for r in wrong):
        found.append(
            f"The VAE whose KL has the wrong sign diverged on all {n} seeds, within "
            f"{max(r['steps'] for r in wrong)} steps; its gradient norms grew by a factor of "
            f"{min(r['change'] for r in wrong):.0e} or more on the way."
        )
    else:
        found.append(
            f"The VAE whose KL has the wrong sign diverged on {sum(r['diverged'] for r in wrong)} "
            f"of {n} seeds."
        )
    ratios = [
        ns["highest"] / sat["highest"]
        for ns, sat in zip(rows["GAN, non-saturating"], rows["GAN, saturating"])
    ]
    found.append(
        "The GAN's generator received gradients "
        + (
            f"between {min(ratios):.1f} and {max(ratios):.1f} times smaller with the saturating "
            "loss than with the non-saturating one (its largest layer norm, late in training, "
            "seed by seed)."
            if min(ratios) > 1
            else "of a size that does not order the two losses on every seed (ratios "
            f"{min(ratios):.1f} to {max(ratios):.1f})."
        )
    )
    return found


def gradient_headline(result: dict[str, Any]) -> str:
    """The section's verdict in one sentence, from the same seeds as :func:`gradient_verdict`."""
    rows = _seeds(result["gradients"]["runs"], "the gradient verdict")
    steady = all(
        r["change"] < EXPLODES and not r["diverged"]
        for m in ("autoencoder", "VAE")
        for r in rows[m]
    )
    exploded = all(r["diverged"] for r in rows["VAE, wrong-sign KL"])
    if steady and exploded:
        return (
            "Not for the VAE's objective as written: its gradients stayed as steady as the "
            "autoencoder's on every seed; a KL term with the wrong sign made them explode."
        )
    return (
        "Not as the claim puts it: "
        + (
            "the VAE's and the autoencoder's gradients stayed steady"
            if steady
            else "the VAE's or the autoencoder's gradients changed by orders of magnitude"
        )
        + ", and the wrong-sign KL "
        + ("exploded on every seed." if exploded else "did not explode on every seed.")
    )


def dcgan_verdict(runs: list[list[Row]]) -> str:
    """What the convolutional players bought over the MLP players, from ``gan_vs_vae.json``'s
    seeds: their parameters and Fréchet distances, and whether the order holds on every seed."""
    rows = _by_label(runs, "the DCGAN verdict")
    mlp, conv = rows["MLP GAN"], rows["conv GAN"]
    fd = {"conv GAN": [r.frechet for r in conv], "MLP GAN": [r.frechet for r in mlp]}
    best, rivals = lowest_on_every_seed(fd)
    order = (
        f"the {'convolutional' if best == 'conv GAN' else 'MLP'} GAN's samples were closer to "
        f"the data on all {len(runs)} seeds"
        if not rivals
        else "neither GAN's samples were closer to the data on every seed"
    )
    return (
        f"With {conv[0].parameters:,} parameters against the MLP players' {mlp[0].parameters:,} "
        f"({mlp[0].parameters / conv[0].parameters:.1f} times as many), {order}: Fréchet "
        f"distance {mean_sd(fd['conv GAN'])} against {mean_sd(fd['MLP GAN'])} (mean ± sd), "
        f"recall {mean_sd([r.recall for r in conv], 2)} against "
        f"{mean_sd([r.recall for r in mlp], 2)}."
    )


#: The two decoders of the attention experiment (:mod:`vaecore.experiments.attention`).
ATTENTION, CONTROL = "conv VAE, self-attention", "conv VAE, pointwise block"
#: The measures the attention experiment compares, each with the row and the field that hold it.
ATTENTION_MEASURES = (
    ("test NLL bound", "decoder means", "test_nll"),
    ("Fréchet distance of the decoder means", "decoder means", "frechet"),
    ("Fréchet distance of the draws", "draws from p(x | z)", "frechet"),
)


def _attention_orders(runs: list[list[Row]]) -> list[tuple[str, str, list[float], list[float]]]:
    """``(measure, which is lower on every seed or "", attention's values, control's values)``
    for each of :data:`ATTENTION_MEASURES`."""
    rows = _by_label(runs, "the attention verdict")
    orders = []
    for measure, samples, field in ATTENTION_MEASURES:
        attention, control = f"{ATTENTION}, {samples}", f"{CONTROL}, {samples}"
        lower = _order(rows, attention, control, attrgetter(field))
        a = [getattr(r, field) for r in rows[attention]]
        b = [getattr(r, field) for r in rows[control]]
        orders.append((measure, {attention: ATTENTION, control: CONTROL}.get(lower, ""), a, b))
    return orders


def attention_verdict(runs: list[list[Row]]) -> list[str]:
    """What the attention experiment shows over the seeds (``runs``: one list of
    :class:`~vaecore.experiments.gan_vs_vae.Row` per seed), one sentence per finding."""
    rows = _by_label(runs, "the attention verdict")
    size = {m: rows[f"{m}, decoder means"][0].parameters for m in (ATTENTION, CONTROL)}
    gap = size[ATTENTION] - size[CONTROL]
    found = [
        f"The two VAEs differ by {gap:,} parameters: {size[ATTENTION]:,} with self-attention, "
        f"{size[CONTROL]:,} with the pointwise block ({100 * gap / size[CONTROL]:.2f}%)."
    ]
    seconds = {
        m: sum(r.seconds for r in rows[f"{m}, decoder means"]) / len(runs)
        for m in (ATTENTION, CONTROL)
    }
    found.append(
        f"Training took {seconds[ATTENTION] / seconds[CONTROL]:.1f} times as long with "
        f"self-attention: {seconds[ATTENTION]:.0f} s against {seconds[CONTROL]:.0f} s (means)."
    )
    for measure, lower, a, b in _attention_orders(runs):
        numbers = f"{mean_sd(a)} with self-attention against {mean_sd(b)} without"
        if lower:
            who = "self-attention" if lower == ATTENTION else "the pointwise block"
            found.append(f"The {measure} is lower with {who} on all {len(a)} seeds: {numbers}.")
        else:
            found.append(f"Neither is lower in the {measure} on every seed: {numbers}.")
    return found


def attention_headline(runs: list[list[Row]]) -> str:
    """The section's verdict in one sentence, from the same seeds as :func:`attention_verdict`."""
    orders = _attention_orders(runs)
    wins = [measure for measure, lower, _, _ in orders if lower == ATTENTION]
    losses = [measure for measure, lower, _, _ in orders if lower == CONTROL]
    if not wins and not losses:
        return (
            "Not measurably at this scale: on MNIST, with the parameter count held fixed, "
            "neither decoder led on any measure on every seed."
        )
    if wins and not losses:
        whole = len(wins) == len(orders)
        return (
            f"{'Yes' if whole else 'In part'}, at this scale: self-attention was ahead on every "
            f"seed in the {_listed(wins)}{'' if whole else ', and level in the rest'}."
        )
    if losses and not wins:
        return (
            f"No, at this scale: on every seed, self-attention was behind in the {_listed(losses)}."
        )
    return (
        f"Not as a rule: on every seed, self-attention was ahead in the {_listed(wins)} but "
        f"behind in the {_listed(losses)}."
    )


def _listed(items: list[str]) -> str:
    """``"a, b and c"``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _by_label(runs: list[list[Row]], what: str) -> dict[str, list[Row]]:
    """``{row label: [its row on each seed]}`` of ``gan_vs_vae.json``'s runs, checked."""
    return _seeds(runs, what, key=lambda row: row.label)


def size_table(runs: list[list[Row]]) -> list[str]:
    """The lines of a Markdown table of the models of ``gan_vs_vae.json`` (one list of
    :class:`~vaecore.experiments.gan_vs_vae.Row` per seed) by their size: parameters, training
    time and Fréchet distance (mean ± sd), largest model first."""
    by_label = _by_label(runs, "the size table")
    lines = _header("samples | trained parameters | training (s) | Fréchet distance")
    for label, rows in sorted(by_label.items(), key=lambda kv: -kv[1][0].parameters):
        lines.append(
            f"| {table_cell(label)} | {rows[0].parameters:,} | "
            f"{mean_sd([r.seconds for r in rows], 0)} | {mean_sd([r.frechet for r in rows])} |"
        )
    return lines


def size_verdict(runs: list[list[Row]]) -> str:
    """Whether the largest model of ``gan_vs_vae.json`` made the samples closest to the data."""
    rows = _by_label(runs, "the size verdict")
    biggest = max(rows, key=lambda label: rows[label][0].parameters)
    best, rivals = lowest_on_every_seed(
        {label: [r.frechet for r in rs] for label, rs in rows.items()}
    )
    size = {label: rs[0].parameters for label, rs in rows.items()}
    if rivals:
        return (
            f"No set of samples is the closest on every seed ({', '.join([best, *rivals])}), so "
            f"these runs cannot say that size decides; the largest model is {biggest} "
            f"({size[biggest]:,} parameters)."
        )
    if best == biggest:
        return (
            f"The largest model, {biggest} ({size[biggest]:,} parameters), made the closest "
            "samples on every seed."
        )
    return (
        f"The largest model, {biggest} ({size[biggest]:,} parameters), did not make the closest "
        f"samples: {best} did, on every seed, with {size[best]:,} parameters, "
        f"{size[biggest] / size[best]:.1f} times fewer."
    )


#: The VAE-GAN's label in its rows (``vaegan.json``).
VAEGAN = "VAE-GAN"
#: The rows of ``gan_vs_vae.json`` the VAE-GAN is set against, each with how a sentence names
#: its samples. The conv GAN has the VAE-GAN's decoder and discriminator without the encoder,
#: the conv VAE its encoder with a pixel likelihood.
VAEGAN_RIVALS = {
    "conv GAN": "the conv GAN's",
    "conv VAE, decoder means": "the conv VAE's decoder means",
    "conv VAE, draws from p(x | z)": "the conv VAE's draws",
}


def vaegan_runs(conv_result: dict[str, Any], vaegan_result: dict[str, Any]) -> list[list[Row]]:
    """The rows of ``gan_vs_vae.json`` and of ``vaegan.json``, seed by seed: each seed's models
    of the chapter "GANs on images", then the VAE-GAN. Refuses results that were not measured
    alike: another budget (images, passes, samples, seeds) or another judge."""
    for part in ("budget", "judge"):
        if conv_result[part] != vaegan_result[part]:
            raise ValueError(
                f"the VAE-GAN was measured with another {part} than the models of gan_vs_vae "
                f"({vaegan_result[part]} against {conv_result[part]}): rerun "
                "benchmarks/vaegan.py with the same settings"
            )
    return [
        [Row(**row) for row in conv + mine]
        for conv, mine in zip(conv_result["runs"], vaegan_result["runs"])
    ]


def _order(rows: dict[str, list[Row]], a: str, b: str, value: Callable[[Row], float]) -> str:
    """Which of the labels ``a`` and ``b`` has the lower ``value`` on every seed, or ``""``."""
    best, rivals = lowest_on_every_seed(
        {a: [value(r) for r in rows[a]], b: [value(r) for r in rows[b]]}
    )
    return "" if rivals else best


def _blur(row: Row) -> float:
    """How far a set of samples' sharpness is from real digits' (1), either way, in log units."""
    return abs(math.log(row.sharpness))


def vaegan_verdict(runs: list[list[Row]]) -> list[str]:
    """What the VAE-GAN's runs show against :data:`VAEGAN_RIVALS` (``runs``: one list of
    :class:`~vaecore.experiments.gan_vs_vae.Row` per seed, from :func:`vaegan_runs`), one
    sentence per finding."""
    rows = _by_label(runs, "the VAE-GAN verdict")
    n, mine = len(runs), rows[VAEGAN]
    found = []
    for rival, theirs in VAEGAN_RIVALS.items():
        numbers = (
            f"Fréchet distance {mean_sd([r.frechet for r in mine])} against "
            f"{mean_sd([r.frechet for r in rows[rival]])}"
        )
        lower = _order(rows, VAEGAN, rival, lambda r: r.frechet)
        if lower:
            closer = "the VAE-GAN's samples" if lower == VAEGAN else theirs
            found.append(
                f"Against {theirs}, {closer} were closer to the data on all {n} seeds: {numbers}."
            )
        else:
            found.append(f"Against {theirs}, neither was closer on every seed: {numbers}.")
    means = "conv VAE, decoder means"
    sharper = _order(rows, VAEGAN, means, _blur)
    sharp = (
        f"{mean_sd([r.sharpness for r in mine], 2)} against the conv VAE's means' "
        f"{mean_sd([r.sharpness for r in rows[means]], 2)} (1 is as sharp as real digits)"
    )
    found.append(
        (
            f"{'Its samples were' if sharper == VAEGAN else 'The conv VAE means were'} nearer "
            f"real digits' sharpness on all {n} seeds: {sharp}."
        )
        if sharper
        else f"Neither was nearer real digits' sharpness on every seed: {sharp}."
    )
    gan = rows["conv GAN"]
    found.append(
        f"The rarest digit made {mean_sd([r.rarest_class_percent for r in mine], 1)}% of its "
        f"samples, against {mean_sd([r.rarest_class_percent for r in gan], 1)}% of the conv "
        f"GAN's (10% would be even); recall {mean_sd([r.recall for r in mine], 2)} against "
        f"{mean_sd([r.recall for r in gan], 2)}."
    )
    vae_nll = [r.test_nll for r in rows[means] if r.test_nll is not None]
    found.append(
        f"It has no likelihood bound (the conv VAE's test NLL bound is {mean_sd(vae_nll, 1)} "
        f"nats), and it cost {mine[0].parameters:,} parameters and "
        f"{mean_sd([r.seconds for r in mine], 0)} s of training, against the conv GAN's "
        f"{gan[0].parameters:,} and {mean_sd([r.seconds for r in gan], 0)} s."
    )
    return found


def vaegan_headline(runs: list[list[Row]]) -> str:
    """The section's verdict in one sentence, from the Fréchet distances of the same seeds as
    :func:`vaegan_verdict`."""
    rows = _by_label(runs, "the VAE-GAN verdict")
    orders = {rival: _order(rows, VAEGAN, rival, lambda r: r.frechet) for rival in VAEGAN_RIVALS}
    ahead = [VAEGAN_RIVALS[rival] for rival, lower in orders.items() if lower == VAEGAN]
    behind = [VAEGAN_RIVALS[rival] for rival, lower in orders.items() if lower == rival]
    cost = "and it gives up the VAE's likelihood bound"
    if len(ahead) == len(VAEGAN_RIVALS):
        return (
            "In its samples, yes at this budget: on every seed they were closer to the data than "
            f"{_listed(ahead)}, by the Fréchet distance; {cost}."
        )
    if len(behind) == len(VAEGAN_RIVALS):
        return (
            "No, at this budget: on every seed its samples were further from the data than "
            f"{_listed(behind)}, by the Fréchet distance, {cost}."
        )
    level = [VAEGAN_RIVALS[rival] for rival, lower in orders.items() if not lower]
    if not ahead and not behind:
        return (
            f"Not measurably at this budget: against {_listed(level)}, neither set of "
            f"samples was closer to the data on every seed, {cost}."
        )
    parts = [f"closer to the data than {_listed(ahead)}"] if ahead else []
    parts += [f"further than {_listed(behind)}"] if behind else []
    rest = f"; against {_listed(level)}, neither led on every seed" if level else ""
    return (
        f"Not the best of both at this budget: on every seed its samples were "
        f"{', but '.join(parts)}, by the Fréchet distance{rest}; {cost}."
    )
