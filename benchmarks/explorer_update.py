"""How long one live update of the latent explorer takes, for each explorer shape in the book.

One update is what a slider move costs in a live kernel: decode the codes, tile them, encode a
PNG and hand it to the widget (the browser's share, drawing a 5 KB PNG, is not included). The
book asks for under 100 ms on a 2-core CPU. The weights are untrained: the time depends on the
architecture, not on what the model has learnt. Also recorded: the size of each explorer's
static HTML (precomputed frames) and the time to build it.

    python benchmarks/explorer_update.py --quick      # seconds (CI)
    python benchmarks/explorer_update.py --out vaecore/book/results/explorer_update.json   # about
    30 s
"""

from __future__ import annotations

import statistics
import time

import torch
from _report import arguments, write

from vaecore.book import strokes
from vaecore.book.explore import LatentExplorer, explore
from vaecore.models.autoencoder import mlp_autoencoder
from vaecore.models.gan import mnist_players
from vaecore.models.vae import VAE
from vaecore.models.vrnn import VRNN

GOAL_MS = 100.0


def time_updates(ex: LatentExplorer, moves: int) -> list[float]:
    """Milliseconds per slider move, over ``moves`` moves that each change the setting."""
    slider = ex.live.sliders[0] if ex.frames.pad else ex.live.slider
    values = [slider.min + (i % 13) * (slider.max - slider.min) / 12 for i in range(1, moves + 1)]
    times = []
    for v in values:
        start = time.perf_counter()
        slider.value = v
        times.append(1000 * (time.perf_counter() - start))
    return times


def explorers() -> dict[str, LatentExplorer]:
    """The book's explorer shapes, with untrained weights."""
    torch.manual_seed(0)
    out = {}
    for name, model, k in (
        ("autoencoder, K = 2 (pad)", mlp_autoencoder(2, likelihood="gaussian"), 2),
        ("autoencoder, K = 32", mlp_autoencoder(32, likelihood="gaussian"), 32),
        ("VAE, K = 2 (pad)", VAE(2), 2),
        ("VAE, K = 32", VAE(32), 32),
    ):
        out[name] = explore(model.eval().decode, torch.randn(1000, k))
    gan = mnist_players()[0].eval()
    out["GAN generator, 64-d noise"] = explore(gan, latent_dim=64)
    vrnn = VRNN().eval()
    prefix = torch.cat([torch.randn(20, 2), torch.zeros(20, 1)], dim=1)

    def continue_drawing(u: torch.Tensor) -> torch.Tensor:  # as in the VRNN chapter: 60 steps
        seqs = vrnn.generate(
            len(u), 60, generator=torch.Generator().manual_seed(7), prefix=prefix, z_at_end=u
        )
        return strokes.render(seqs, size=48)

    out["VRNN continuation, 60 steps"] = explore(
        continue_drawing,
        torch.randn(100, vrnn.z_dim),
        scale=1.0,
        image_shape=(48, 48),
        max_static_dims=2,
    )
    return out


def main() -> None:
    parser = arguments(__doc__, "10 moves per explorer (CI)")
    parser.add_argument("--moves", type=int, default=200)
    args = parser.parse_args()
    moves = 10 if args.quick else args.moves
    torch.set_num_threads(min(2, torch.get_num_threads()))
    rows = {}
    for name, ex in explorers().items():
        times = sorted(time_updates(ex, moves))
        start = time.perf_counter()
        page = ex.to_html()
        rows[name] = {
            "median_ms": statistics.median(times),
            "p95_ms": times[int(0.95 * len(times))],
            "max_ms": times[-1],
            "static_kb": len(page) / 1e3,
            "static_build_seconds": time.perf_counter() - start,
        }
    write(
        {
            "benchmark": "explorer_update",
            "budget": {"moves": moves, "quick": args.quick},
            "results": rows,
            "goal": f"median update under {GOAL_MS:.0f} ms",
            "note": "untrained weights: the static sizes are for noisy decoders; trained ones "
            "compress better",
        },
        args.out,
    )


if __name__ == "__main__":
    main()
