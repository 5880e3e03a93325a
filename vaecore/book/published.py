"""Numbers from the papers the book compares with, typed once, each with where it is printed.

Chapters, the papers appendix and the benchmarks read them from here, so that a number the
book quotes has one source (a test checks that no page types them again).
"""

from __future__ import annotations

#: Mode coverage on the 2-D benchmarks (``vaecore.data.mixtures``): ``(modes captured,
#: % high-quality samples)`` as printed in Table 1 of VEEGAN (Srivastava et al., 2017) and of
#: PacGAN (Lin et al., 2018), on 2,500 samples; the ring has 8 modes, the grid 25.
MODE_COVERAGE: dict[str, dict[str, tuple[float, float]]] = {
    "ring": {
        "GAN (VEEGAN's Table 1)": (1, 99.3),
        "Unrolled GAN (VEEGAN's Table 1)": (7.6, 35.6),
        "VEEGAN": (8, 52.9),
        "GAN (PacGAN's Table 1)": (6.3, 98.2),
        "PacGAN4": (7.8, 95.9),
    },
    "grid": {
        "GAN (VEEGAN's Table 1)": (3.3, 0.5),
        "VEEGAN": (24.6, 40),
        "GAN (PacGAN's Table 1)": (17.3, 94.8),
        "PacGAN4": (24.8, 93.6),
    },
}

#: Burda et al. (2016), Table 1, one stochastic layer (784-200-200-50) on dynamically binarised
#: MNIST: test negative log-likelihoods in nats, each estimated with k = 5000 importance samples
#: on all 10,000 test images, after 3,280 epochs of training.
BURDA_2016: dict[str, float] = {
    "VAE, k=1 training, k=5000 test": 86.76,
    "IWAE k=5": 85.54,
    "IWAE k=50": 84.78,
    "epochs": 3280,
}
