"""How long one live update of the latent explorer takes, for the book's model shapes.

One update is what a slider move costs in a live kernel: decode the codes, tile them, encode a
PNG and hand it to the widget (the browser's share, drawing a 5 KB PNG, is not included). The
book asks for under 100 ms on a 2-core CPU. The weights are untrained: the time depends on the
architecture, not on what the model has learnt.

    python benchmarks/explorer_update.py            # prints a table; takes about 15 s
"""

import statistics
import time

import torch

from vaecore.explore import explore
from vaecore.models import VAE, mlp_autoencoder

MOVES = 200


def time_updates(ex) -> list[float]:
    """Milliseconds per slider move, over MOVES moves that each change the setting."""
    slider = ex.sliders[0] if ex.pad else ex.slider
    values = [slider.min + (i % 13) * (slider.max - slider.min) / 12 for i in range(1, MOVES + 1)]
    times = []
    for v in values:
        start = time.perf_counter()
        slider.value = v
        times.append(1000 * (time.perf_counter() - start))
    return times


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    models = {
        "autoencoder, K = 2 (pad)": (mlp_autoencoder(2, likelihood="gaussian"), 2),
        "autoencoder, K = 32": (mlp_autoencoder(32, likelihood="gaussian"), 32),
        "VAE, K = 2 (pad)": (VAE(2), 2),
        "VAE, K = 32": (VAE(32), 32),
    }
    print(f"{'model':<26} {'median ms':>9} {'95% ms':>7} {'max ms':>7} {'static HTML':>12}")
    for name, (model, k) in models.items():
        model.eval()
        ex = explore(model.decode, torch.randn(1000, k))
        times = sorted(time_updates(ex))
        start = time.perf_counter()
        page = ex.to_html()
        build = time.perf_counter() - start
        print(f"{name:<26} {statistics.median(times):9.2f} {times[int(0.95 * len(times))]:7.2f} "
              f"{times[-1]:7.2f} {len(page) / 1e3:8.0f} kB ({build:.2f} s)")
    print(f"({MOVES} moves each, torch threads: {torch.get_num_threads()}; the static size is for "
          "untrained, noisy decoders: trained ones compress better)")


if __name__ == "__main__":
    main()
