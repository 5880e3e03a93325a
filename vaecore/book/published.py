"""Numbers from the papers the book compares with, typed once, each with where it is printed.

Chapters, the papers appendix and the benchmarks read them from here, so that a number the
book quotes has one source (a test checks that no page types them again).
"""

from __future__ import annotations

__all__ = [
    "MODE_COVERAGE",
    "BURDA_2016",
    "CHUNG_2015",
    "CHUNG_2015_ESTIMATES",
    "PACGAN4_REVERSE_KL",
    "MNIST_FID",
]

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

#: Three columns of Table 1 of Chung et al. (2015), the average log-likelihood per test sequence
#: on the Blizzard and TIMIT speech datasets and on IAM-OnDB handwriting. The RNN rows are exact
#: log-likelihoods. Each VRNN row is the model's lower bound (its ELBO), which the paper prints
#: with ">="; the paper prints beside it an importance-sampled estimate, with "≈"
#: (:data:`CHUNG_2015_ESTIMATES`). VRNN-GMM's Blizzard 9,392, which some reprints (Table 1 of
#: Shabanian et al., 2017, "Variational Bi-LSTMs") give as its bound, is that estimate; its bound
#: is 9,107 (as SRNN, Fraccaro et al., 2016, quotes it). Log-densities of real-valued speech
#: frames and pen positions, so only their order carries over to other data. The paper's other
#: rows and columns (VRNN-I-Gauss, Onomatopoeia, Accent) are not copied.
CHUNG_2015: dict[str, dict[str, float]] = {
    "RNN-Gauss": {"Blizzard": 3539, "TIMIT": -1900, "IAM-OnDB": 1016},
    "RNN-GMM": {"Blizzard": 7413, "TIMIT": 26643, "IAM-OnDB": 1358},
    "VRNN-Gauss": {"Blizzard": 9223, "TIMIT": 28805, "IAM-OnDB": 1337},
    "VRNN-GMM": {"Blizzard": 9107, "TIMIT": 28982, "IAM-OnDB": 1384},
}

#: The importance-sampled estimates of the VRNNs' log-likelihoods in Table 1 of Chung et al.
#: (2015), printed there with "≈" beside the lower bounds of :data:`CHUNG_2015`; a row of
#: :data:`CHUNG_2015` that has an estimate here is a lower bound, the others are exact.
CHUNG_2015_ESTIMATES: dict[str, dict[str, float]] = {
    "VRNN-Gauss": {"Blizzard": 9516, "TIMIT": 30235, "IAM-OnDB": 1354},
    "VRNN-GMM": {"Blizzard": 9392, "TIMIT": 29604, "IAM-OnDB": 1384},
}

#: The reverse KL (nats) of PacGAN4's samples on the 2-D benchmarks, as printed in Table 1 of
#: PacGAN (Lin et al., 2018), beside its modes and high-quality share in :data:`MODE_COVERAGE`.
PACGAN4_REVERSE_KL: dict[str, float] = {"ring": 0.07, "grid": 0.04}

#: Fréchet Inception distances on MNIST, ``(mean, ±)``, lower is better, as printed in Table 1
#: of Dai & Wipf (2019, "Diagnosing and Enhancing VAE Models"), InfoGAN-style convolutional
#: networks throughout. The GAN row is the best of Lucic et al. (2018, "Are GANs Created
#: Equal?") over a search of 100 hyperparameter settings per model, with outliers such as severe
#: mode collapse left out; the VAE row is Dai & Wipf's own VAE with a cross-entropy (Bernoulli)
#: loss at one default setting, not tuned. Inception features, not the book's judge: only the
#: order carries over.
MNIST_FID: dict[str, tuple[float, float]] = {
    "non-saturating GAN, best of a search (Lucic et al.)": (6.8, 0.5),
    "VAE, cross-entropy loss, default setting (Dai & Wipf)": (16.6, 0.4),
}
