"""The 2-D mixtures (vaecore.data.mixtures), the mode metrics (vaecore.metrics.modes) and toy GAN
runs (vaecore.experiments.toy_gans), on sample sets whose answers are known."""

import math

import pytest
import torch

from vaecore.data.mixtures import Mixture, grid, grid_modes, ring, ring_modes
from vaecore.experiments.toy_gans import (
    GENERATORS,
    TOY_MODELS,
    ToyRun,
    dirac_gan,
    run_toy_gan,
    run_toy_gans,
    toy_players,
)
from vaecore.metrics.modes import mode_metrics
from vaecore.models.gan import Discriminator
from vaecore.models.mistakes import SigmoidOutputDiscriminator


def test_ring_has_eight_distinct_modes_on_the_unit_circle():
    modes = ring_modes()
    assert modes.shape == (8, 2)
    torch.testing.assert_close(modes.norm(dim=1), torch.ones(8))
    gaps = torch.cdist(modes, modes) + 10 * torch.eye(8)
    assert gaps.min() > 0.76  # neighbours are 2 sin(pi / 8) = 0.765 apart; none coincide
    # The classic bug: linspace(0, 2 pi, 8) repeats the first angle as the last.
    angles = torch.linspace(0, 2 * math.pi, 8)
    buggy = torch.stack([angles.cos(), angles.sin()], dim=1)
    assert torch.unique(buggy.round(decimals=4), dim=0).shape[0] == 7


def test_grid_is_five_by_five():
    modes = grid_modes()
    assert modes.shape == (25, 2)
    assert sorted(set(modes[:, 0].tolist())) == [-4, -2, 0, 2, 4]
    assert torch.unique(modes, dim=0).shape[0] == 25


def test_samples_from_the_mixture_are_all_high_quality_and_balanced():
    for mixture in (ring(), grid()):
        samples = mixture.sample(20_000, torch.Generator().manual_seed(0))
        report = mode_metrics(samples, mixture)
        assert report.captured == report.n_modes
        assert report.high_quality > 0.98  # 3 sigma in 2-D holds 98.9% of the mass
        assert report.reverse_kl < 0.01


def test_all_samples_on_five_of_eight_modes():
    mixture = ring()
    g = torch.Generator().manual_seed(1)
    samples = mixture.modes[torch.arange(2500) % 5] + 0.005 * torch.randn(2500, 2, generator=g)
    report = mode_metrics(samples, mixture)
    assert report.captured == 5 and report.high_quality == 1.0
    assert report.reverse_kl == pytest.approx(math.log(8 / 5), abs=1e-3)  # uniform on 5 of 8
    assert report.counts.tolist() == [500] * 5 + [0] * 3


def test_samples_far_from_every_mode_are_not_high_quality():
    mixture = ring()
    report = mode_metrics(torch.full((2500, 2), 5.0), mixture)
    assert report.high_quality == 0.0 and report.captured == 0
    assert report.reverse_kl == pytest.approx(math.log(8))  # everything nearest one mode


def test_high_quality_threshold_is_three_sigma():
    mixture = grid()
    inside = mixture.modes[:1] + torch.tensor([[0.149, 0.0]])
    outside = mixture.modes[:1] + torch.tensor([[0.151, 0.0]])
    assert mode_metrics(inside, mixture).high_quality == 1.0
    assert mode_metrics(outside, mixture).high_quality == 0.0


def test_log_density_integrates_to_one():
    mixture = Mixture(ring_modes(3, 1.0), 0.3)
    x = torch.linspace(-3, 3, 601)
    points = torch.cartesian_prod(x, x)
    mass = mixture.log_density(points).exp().sum() * (x[1] - x[0]) ** 2
    assert mass == pytest.approx(1.0, abs=1e-3)


def test_bad_arguments():
    with pytest.raises(ValueError, match="sigma must be a finite number > 0"):
        Mixture(ring_modes(), 0.0)
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        mode_metrics(torch.zeros(10, 3), ring())
    with pytest.raises(ValueError, match="samples is empty"):
        mode_metrics(torch.zeros(0, 2), ring())
    with pytest.raises(ValueError, match="NaN"):
        mode_metrics(torch.tensor([[float("nan"), 0.0]]), ring())
    with pytest.raises(ValueError, match="n_modes"):
        ring_modes(0)


def test_a_gan_run_on_a_benchmark_is_reproducible_and_parallel_runs_match():
    run = ToyRun(
        "ring",
        seed=3,
        generator="batchnorm",
        steps=30,
        hidden=(16, 16),
        snapshot_every=10,
        n_eval=200,
    )
    report, history = run_toy_gan(run)
    assert report.n_modes == 8 and 0 <= report.high_quality <= 1
    assert [step for step, _ in history.snapshots] == [0, 10, 20, 30]
    assert history.snapshots[-1][1].shape == (200, 2)
    # Two processes give the same numbers as running in this one (same seeds).
    parallel = run_toy_gans(
        [run, ToyRun("grid", seed=1, generator="plain", steps=30, hidden=(16, 16), n_eval=200)]
    )
    assert parallel[0][0].counts.tolist() == report.counts.tolist()
    assert parallel[1][0].n_modes == 25
    with pytest.raises(ValueError, match="unknown benchmark"):
        run_toy_gan(ToyRun("spiral"))


def test_a_run_says_which_generator_it_trains():
    # The default is the plain GAN: a plain generator (no batch norm) and an unpacked D.
    plain = ToyRun("grid")
    assert plain.generator == "plain" and plain.pack == 1 and plain.label == "GAN, plain G"
    g, d = toy_players(plain)
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in g.modules()) and d.pack == 1
    packed = ToyRun("grid", generator="batchnorm", pack=4)
    assert packed.label == "PacGAN4, batch-normalised G"
    g, d = toy_players(packed)
    assert sum(isinstance(m, torch.nn.BatchNorm1d) for m in g.modules()) == len(packed.hidden)
    assert d.pack == 4
    assert set(GENERATORS) == {"plain", "batchnorm"}
    with pytest.raises(ValueError, match="unknown generator"):
        ToyRun("ring", generator="batchnorm_g")
    with pytest.raises(ValueError, match="pack"):
        ToyRun("ring", pack=0)
    assert ToyRun("ring", r1_gamma=0.1).label == "GAN + R1 (gamma 0.1), plain G"
    for gamma in (-1.0, float("nan"), float("inf"), "0.1", True):
        with pytest.raises((ValueError, TypeError), match="r1_gamma"):
            ToyRun("ring", r1_gamma=gamma)


def test_a_run_says_which_loss_and_discriminator_it_trains():
    lsgan = ToyRun("ring", **TOY_MODELS["least-squares"])
    assert lsgan.label == "LSGAN, plain G" and type(toy_players(lsgan)[1]) is Discriminator
    mistake = ToyRun("ring", **TOY_MODELS["least-squares-on-sigmoid"])
    assert mistake.label == "LSGAN, sigmoid on D, plain G"
    assert isinstance(toy_players(mistake)[1], SigmoidOutputDiscriminator)
    with pytest.raises(ValueError, match="unknown discriminator"):
        ToyRun("ring", discriminator="sigmoid")
    with pytest.raises(ValueError, match="unknown loss"):
        ToyRun("ring", loss="hinge")


def test_the_dirac_gan_circles_without_r1_and_converges_with_it():
    """Mescheder et al.'s Dirac GAN: alternating gradient steps circle the equilibrium (0, 0)
    and close in on it only slowly; with the R1 penalty they reach it."""
    plain = dirac_gan(0.0, steps=300)
    remedied = dirac_gan(1.0, steps=300)
    assert plain.shape == remedied.shape == (301, 2)
    torch.testing.assert_close(plain[0], torch.tensor([1.0, 1.0]))
    distance = plain.norm(dim=1)
    assert float(distance[-1]) > 0.2  # still far after 300 steps
    assert (plain[:, 0] < 0).any() and (plain[:, 1] < 0).any()  # it goes round, past 0
    assert float(remedied[-1].norm()) < 1e-6
    # R1's step on psi: the penalty gamma psi^2 / 2 adds gamma * psi to psi's gradient
    one = dirac_gan(1.0, steps=1, lr=0.1, start=(0.0, 1.0))
    zero = dirac_gan(0.0, steps=1, lr=0.1, start=(0.0, 1.0))
    assert float(zero[1, 1] - one[1, 1]) == pytest.approx(0.1 * 1.0)
