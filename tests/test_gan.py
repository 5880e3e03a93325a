"""The GAN's losses, its optimal discriminator and JS divergence, the players' shapes, and the
loop."""

import copy
import math

import pytest
import torch
import torch.nn.functional as F

from vaecore.losses import (
    discriminator_loss,
    generator_loss,
    js_divergence,
    least_squares_discriminator_loss,
    least_squares_generator_loss,
    optimal_discriminator,
    r1_penalty,
)
from vaecore.models.gan import ConvDiscriminator, ConvGenerator, Discriminator, Generator
from vaecore.models.mistakes import SigmoidOutputDiscriminator
from vaecore.train_gan import GANConfig, fit_discriminator, train_gan


def normal_log_density(x, mean, std):
    return torch.distributions.Normal(mean, std).log_prob(x)


def test_shapes_and_packing():
    g, d = Generator(3, 5), Discriminator(5)
    z = torch.randn(8, 3)
    assert g(z).shape == (8, 5) and d(g(z)).shape == (8,)
    packed = Discriminator(5, pack=4)
    assert packed(torch.randn(8, 5)).shape == (2,)
    assert packed.net[0].in_features == 20  # four samples side by side
    images = Generator(4, 784, output="sigmoid").sample(6)
    assert images.shape == (6, 784) and images.min() >= 0 and images.max() <= 1
    bn = Generator(4, 784, hidden=(32, 64), batchnorm=True)
    assert sum(isinstance(m, torch.nn.BatchNorm1d) for m in bn.modules()) == 2
    assert bn.eval().sample(1).shape == (1, 784)  # eval mode: one sample works with batch norm


def test_packs_keep_consecutive_samples_together():
    d = Discriminator(2, pack=2)
    x = torch.randn(4, 2)
    swapped_within = x[[1, 0, 2, 3]]
    swapped_across = x[[2, 1, 0, 3]]
    assert not torch.allclose(d(x), d(swapped_across))
    torch.testing.assert_close(d(x)[1], d(swapped_within)[1])


def test_discriminator_loss_is_minus_the_value():
    real, fake = torch.randn(100), torch.randn(100)
    value = torch.log(torch.sigmoid(real)).mean() + torch.log(1 - torch.sigmoid(fake)).mean()
    torch.testing.assert_close(discriminator_loss(real, fake), -value)


def test_generator_losses_and_their_gradients():
    a = torch.linspace(-8, 8, 33, requires_grad=True)
    d_fake = torch.sigmoid(a)
    torch.testing.assert_close(generator_loss(a, saturating=True), torch.log(1 - d_fake).mean())
    torch.testing.assert_close(generator_loss(a), -torch.log(d_fake).mean())
    for saturating, expected in ((True, -torch.sigmoid(a)), (False, -(1 - torch.sigmoid(a)))):
        (grad,) = torch.autograd.grad(generator_loss(a, saturating) * len(a), a)
        torch.testing.assert_close(grad, expected.detach())
    # Where D confidently rejects the fake (a = -8), only the non-saturating loss still pushes.
    (sat,) = torch.autograd.grad(generator_loss(a[:1], saturating=True), a)
    (non,) = torch.autograd.grad(generator_loss(a[:1]), a)
    assert abs(sat[0]) < 4e-4 and abs(non[0]) > 0.999


def test_optimal_discriminator_and_the_value_at_the_optimum():
    x = torch.linspace(-12, 12, 24001, dtype=torch.float64)
    dx = float(x[1] - x[0])
    log_p, log_q = normal_log_density(x, 0.0, 1.0), normal_log_density(x, 1.5, 0.7)
    d_star = optimal_discriminator(log_p, log_q)
    p, q = log_p.exp(), log_q.exp()
    torch.testing.assert_close(d_star, p / (p + q))

    def value(logit_d):  # V(D, G) = int p log D + q log(1 - D), for D = sigmoid(logit_d)
        return float((p * F.logsigmoid(logit_d) + q * F.logsigmoid(-logit_d)).sum() * dx)

    at_optimum = value(log_p - log_q)  # the logit of D*
    assert at_optimum == pytest.approx(-math.log(4) + 2 * js_divergence(log_p, log_q, dx), abs=1e-6)
    assert value(log_p - log_q + 0.3) < at_optimum and value(0.9 * (log_p - log_q)) < at_optimum


def test_js_divergence_limits():
    x = torch.linspace(-30, 30, 60001, dtype=torch.float64)
    dx = float(x[1] - x[0])
    same = normal_log_density(x, 0.0, 1.0)
    assert js_divergence(same, same, dx) == pytest.approx(0.0, abs=1e-9)
    far = js_divergence(same, normal_log_density(x, 20.0, 1.0), dx)
    assert far == pytest.approx(math.log(2), abs=1e-6)  # disjoint supports: log 2
    with pytest.raises(ValueError, match="1-D grids"):
        js_divergence(same, same[:-1], dx)


def test_a_trained_discriminator_approaches_the_optimum():
    def real(n, g):
        return torch.randn(n, 1, generator=g)

    def fake(n, g):
        return 1.5 + 0.7 * torch.randn(n, 1, generator=g)

    torch.manual_seed(0)
    d = Discriminator(1, hidden=(32, 32))
    losses = fit_discriminator(d, real, fake, steps=1500, batch_size=512, lr=3e-3)
    x = torch.linspace(-1.5, 2.5, 41)[:, None]
    with torch.no_grad():
        trained = torch.sigmoid(d(x))
    formula = optimal_discriminator(
        normal_log_density(x[:, 0], 0.0, 1.0), normal_log_density(x[:, 0], 1.5, 0.7)
    )
    assert (trained - formula).abs().max() < 0.06
    assert sum(losses[-100:]) / 100 < sum(losses[:100]) / 100


def test_the_generator_learns_a_shifted_gaussian():
    torch.manual_seed(0)
    g, d = Generator(1, 1, hidden=(16,)), Discriminator(1, hidden=(16,))

    def real(n, gen):
        return 3.0 + 0.5 * torch.randn(n, 1, generator=gen)

    history = train_gan(
        g,
        d,
        real,
        GANConfig(
            steps=800,
            batch_size=128,
            lr_g=2e-3,
            lr_d=2e-3,
            snapshot_every=400,
            snapshot_size=1000,
            progress=False,
        ),
    )
    assert len(history.steps) == 800 and [s for s, _ in history.snapshots] == [0, 400, 800]
    samples = history.snapshots[-1][1]
    assert abs(samples.mean() - 3.0) < 0.3 and 0.2 < samples.std() < 1.0
    assert not g.training and not d.training


def test_training_from_a_data_tensor_with_packing():
    data = torch.randn(1000, 2) + torch.tensor([2.0, -1.0])
    torch.manual_seed(0)
    g, d = Generator(2, 2, hidden=(16,)), Discriminator(2, hidden=(16,), pack=4)
    history = train_gan(g, d, data, GANConfig(steps=20, batch_size=64, progress=False))
    assert len(history.steps) == 20 and history.seconds > 0


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        Generator(3, 2)(torch.randn(4, 2))
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        Discriminator(2)(torch.randn(4, 5))
    with pytest.raises(ValueError, match="packs of 4"):
        Discriminator(2, pack=4)(torch.randn(6, 2))
    with pytest.raises(TypeError, match="convert with"):  # a clear message, not a matmul error
        Discriminator(2).features(torch.randn(4, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match="multiple of the pack size"):
        train_gan(
            Generator(2, 2), Discriminator(2, pack=4), torch.randn(100, 2), GANConfig(batch_size=30)
        )
    with pytest.raises(ValueError, match="judges 3-dimensional"):
        train_gan(Generator(2, 2), Discriminator(3), torch.randn(100, 2), GANConfig())
    with pytest.raises(ValueError, match="n >= batch_size"):
        train_gan(Generator(2, 2), Discriminator(2), torch.randn(10, 2), GANConfig(batch_size=64))
    with pytest.raises(ValueError, match="output must be"):
        Generator(2, 2, output="tanh")


def test_spectral_norm_makes_every_layer_one_lipschitz():
    torch.manual_seed(0)
    d = Discriminator(2, hidden=(64, 64), spectral_norm=True)
    for _ in range(20):  # power iteration runs once per forward pass in training mode
        d(torch.randn(32, 2))
    for layer in d.net:
        if isinstance(layer, torch.nn.Linear):
            assert torch.linalg.matrix_norm(layer.weight.detach(), 2) == pytest.approx(
                1.0, abs=0.02
            )


def test_snapshots_do_not_change_training():
    data = torch.randn(512, 2)

    def trained_stats(snapshot_every):
        torch.manual_seed(0)
        g = Generator(2, 2, hidden=(8,), batchnorm=True)
        train_gan(
            g,
            Discriminator(2, hidden=(8,)),
            data,
            GANConfig(steps=10, batch_size=64, snapshot_every=snapshot_every, progress=False),
        )
        return torch.cat([g.net[1].running_mean, *(p.detach().flatten() for p in g.parameters())])

    torch.testing.assert_close(trained_stats(0), trained_stats(1))  # batch norm statistics too


# -------------------------------------------------- what one step of train_gan computes


def _one_training_step(monkeypatch, saturating, pack, r1_gamma=0.0, loss="logistic"):
    """One step of train_gan on fixed noise and fixed real data, recording the gradient each
    optimiser is about to apply. D's last bias is set to -3, so that D rejects the fakes and the
    saturating and non-saturating gradients differ about e^3-fold."""
    torch.manual_seed(0)
    g, d = Generator(2, 3, hidden=(8,)), Discriminator(3, hidden=(8,), pack=pack)
    with torch.no_grad():
        d.net[-1].bias.fill_(-3.0)
    noise = torch.randn(8, 2, generator=torch.Generator().manual_seed(1))
    real = torch.randn(8, 3, generator=torch.Generator().manual_seed(2)) + 2.0
    g.noise = lambda n, generator=None: noise[:n]  # every fake batch is G(noise)
    g0, d0 = copy.deepcopy(g), copy.deepcopy(d)
    seen = {}
    original_step = torch.optim.Adam.step

    def recording_step(self, *args, **kwargs):
        params = [p for group in self.param_groups for p in group["params"]]
        who = "g" if params[0] is next(g.parameters()) else "d"
        seen[who] = (
            [p.grad.clone() for p in params],
            self.param_groups[0]["lr"],
            self.param_groups[0]["betas"],
        )
        return original_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", recording_step)
    config = GANConfig(
        steps=1,
        batch_size=8,
        lr_g=1e-3,
        lr_d=0.05,
        saturating=saturating,
        r1_gamma=r1_gamma,
        loss=loss,
        device="cpu",
        progress=False,
    )
    history = train_gan(g, d, lambda n, gen: real[:n], config)
    return g0, d0, d, noise, real, seen, history


@pytest.mark.parametrize("pack", [1, 2])
@pytest.mark.parametrize("saturating", [False, True])
def test_train_gan_steps_each_player_on_its_own_loss(monkeypatch, saturating, pack):
    """One step of train_gan: D descends -V = mean softplus(-a_real) + mean softplus(a_fake)
    (fakes from the current G, real and fake packed separately), then G descends, through D's
    updated judgement, the non-saturating loss mean softplus(-a_fake) unless
    config.saturating asks for the minimax mean -softplus(a_fake); each with its own learning
    rate, and Adam's beta_1 = 0.5 (DCGAN). The history records both losses and D's mean output
    on each batch."""
    g0, d0, d1, noise, real, seen, history = _one_training_step(monkeypatch, saturating, pack)

    d_loss = F.softplus(-d0(real)).mean() + F.softplus(d0(g0(noise).detach())).mean()
    expected_d = torch.autograd.grad(d_loss, list(d0.parameters()))
    for got, want in zip(seen["d"][0], expected_d):
        torch.testing.assert_close(got, want)

    def g_grad(d, saturating):
        a = d(g0(noise))
        loss = (-F.softplus(a) if saturating else F.softplus(-a)).mean()
        return torch.autograd.grad(loss, list(g0.parameters())), loss, a

    expected_g, g_loss, a_fake = g_grad(d1, saturating)
    for got, want in zip(seen["g"][0], expected_g):
        torch.testing.assert_close(got, want)
    # the test can tell the two losses apart, and the updated D from the old one
    for other in (g_grad(d1, not saturating)[0], g_grad(d0, saturating)[0]):
        assert any(not torch.allclose(a, b, rtol=1e-3) for a, b in zip(other, expected_g))
    assert seen["g"][1:] == (1e-3, (0.5, 0.999)) and seen["d"][1:] == (0.05, (0.5, 0.999))

    row = history.steps[0]
    assert row["d_loss"] == pytest.approx(d_loss.item(), rel=1e-5)
    assert row["g_loss"] == pytest.approx(g_loss.item(), rel=1e-5)
    assert row["d_real"] == pytest.approx(torch.sigmoid(d0(real)).mean().item(), rel=1e-5)
    assert row["d_fake"] == pytest.approx(torch.sigmoid(a_fake).mean().item(), rel=1e-5)


def test_least_squares_steps_each_player_on_lsgans_losses(monkeypatch):
    """LSGAN (Mao et al., 2017), targets a = 0, b = c = 1: D descends 1/2 mean (s_real - 1)^2 +
    1/2 mean s_fake^2 on its raw outputs, then G descends 1/2 mean (s_fake - 1)^2 through the
    updated D; the history records D's raw scores."""
    g0, d0, d1, noise, real, seen, history = _one_training_step(
        monkeypatch, False, 1, loss="least squares"
    )
    d_loss = 0.5 * ((d0(real) - 1) ** 2).mean() + 0.5 * (d0(g0(noise).detach()) ** 2).mean()
    for got, want in zip(seen["d"][0], torch.autograd.grad(d_loss, list(d0.parameters()))):
        torch.testing.assert_close(got, want)
    s_fake = d1(g0(noise))
    g_loss = 0.5 * ((s_fake - 1) ** 2).mean()
    for got, want in zip(seen["g"][0], torch.autograd.grad(g_loss, list(g0.parameters()))):
        torch.testing.assert_close(got, want)
    row = history.steps[0]
    assert row["d_loss"] == pytest.approx(d_loss.item(), rel=1e-5)
    assert row["g_loss"] == pytest.approx(g_loss.item(), rel=1e-5)
    assert row["d_fake"] == pytest.approx(s_fake.mean().item(), rel=1e-5)


def test_lsgans_best_discriminator_is_the_logistic_ones():
    """With a = 0 and b = 1 the best LSGAN discriminator is D* = p_data / (p_data + p_g), as in
    the logistic game: three states, real and fake batches holding them in the proportions
    p_data = (1, 2, 5) / 8 and p_g = (4, 3, 1) / 8, one free score per state."""
    real_states = torch.tensor([0, 1, 1, 2, 2, 2, 2, 2])
    fake_states = torch.tensor([0, 0, 0, 0, 1, 1, 1, 2])
    s = torch.zeros(3, requires_grad=True)
    optimiser = torch.optim.SGD([s], lr=1.0)
    for _ in range(300):
        optimiser.zero_grad()
        least_squares_discriminator_loss(s[real_states], s[fake_states]).backward()
        optimiser.step()
    torch.testing.assert_close(s.detach(), torch.tensor([1 / 5, 2 / 5, 5 / 6]))


def test_lsgans_losses_are_the_squared_errors_to_their_targets():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([0.0, -2.0])
    assert least_squares_discriminator_loss(real, fake).item() == pytest.approx(
        0.5 * (0 + 4) / 2 + 0.5 * (0 + 4) / 2
    )
    assert least_squares_generator_loss(fake).item() == pytest.approx(0.5 * (1 + 9) / 2)


def test_the_sigmoid_on_an_lsgan_discriminator_saturates_the_generator():
    """The mistake: squared error on D's probability. Where D rejects a fake (sigmoid(a) near 0)
    the generator's gradient through the sigmoid vanishes, (s - 1) s (1 - s) -> 0; LSGAN's raw
    score keeps a gradient of s - 1, about -1 at the fake target."""
    torch.manual_seed(0)
    d = SigmoidOutputDiscriminator(2, hidden=(8,))
    out = d(torch.randn(5, 2))
    assert ((out > 0) & (out < 1)).all()
    logit = torch.tensor([-10.0, -5.0, 0.0], requires_grad=True)
    (grad,) = torch.autograd.grad(least_squares_generator_loss(torch.sigmoid(logit)) * 3, logit)
    assert abs(grad[0]) < 1e-4 and abs(grad[1]) < 1e-2 and abs(grad[2]) > 0.1
    score = torch.tensor([0.0], requires_grad=True)
    (raw,) = torch.autograd.grad(least_squares_generator_loss(score), score)
    assert raw.item() == pytest.approx(-1.0)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"loss": "hinge"}, "loss must be"),
        ({"loss": "least squares", "saturating": True}, "no saturating form"),
    ],
)
def test_an_unknown_or_contradictory_loss_is_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        GANConfig(**settings)


def test_a_pack_is_its_consecutive_samples_side_by_side():
    """PacGAN: with pack = p, D judges rows [x_1 ... x_p], [x_p+1 ... x_2p], ... each
    concatenated, in order, into one input of p * data_dim numbers."""
    torch.manual_seed(0)
    d = Discriminator(2, hidden=(8,), pack=3)
    x = torch.randn(6, 2)
    with torch.no_grad():
        expected = torch.cat([d.net(torch.cat(list(x[:3]))), d.net(torch.cat(list(x[3:])))])
        torch.testing.assert_close(d(x), expected)


# -------------------------------------------------- the R1 gradient penalty


def test_r1_penalty_known_answers():
    """(gamma / 2) mean ||grad_x a(x)||^2: zero for a flat D, (gamma / 2) ||w||^2 for a linear
    logit w.x + b, and (gamma / 2) mean 4 ||x||^2 for the logit ||x||^2."""
    x = torch.randn(16, 3, generator=torch.Generator().manual_seed(0)).requires_grad_()
    flat = Discriminator(3, hidden=(8,))
    with torch.no_grad():
        flat.net[0].weight.zero_()  # the first layer ignores x: grad_x a(x) = 0
    assert r1_penalty(flat(x), x, 10.0).item() == 0.0
    w = torch.tensor([1.0, -2.0, 0.5])
    linear = x @ w + 3.0
    assert r1_penalty(linear, x, 0.1).item() == pytest.approx(0.05 * (w @ w).item())
    square = x.pow(2).sum(1)
    expected = 0.5 * 0.1 * (4 * x.pow(2).sum(1)).mean().item()
    assert r1_penalty(square, x, 0.1).item() == pytest.approx(expected, rel=1e-6)
    # its gradient in w is gamma * w: the penalty flattens the discriminator
    w = w.clone().requires_grad_()
    (grad,) = torch.autograd.grad(r1_penalty(x @ w, x, 0.1), w)
    torch.testing.assert_close(grad, 0.1 * w.detach())


def test_r1_penalty_refuses_a_batch_without_gradients_and_a_bad_weight():
    x = torch.randn(4, 2)
    with pytest.raises(ValueError, match="requires_grad_"):
        r1_penalty(Discriminator(2)(x), x, 0.1)
    x.requires_grad_()
    for gamma in (-1.0, float("nan"), float("inf"), "1", True):
        with pytest.raises((ValueError, TypeError), match="gamma"):
            r1_penalty(Discriminator(2)(x), x, gamma)


def test_train_gan_adds_the_r1_penalty_to_the_discriminators_loss_only(monkeypatch):
    """With r1_gamma > 0, D descends -V + (gamma / 2) mean ||grad_x a(x_real)||^2; G's step is
    unchanged."""
    gamma = 5.0
    g0, d0, d1, noise, real, seen, history = _one_training_step(monkeypatch, False, 1, gamma)
    x = real.clone().requires_grad_()
    a_real = d0(x)
    (grad_x,) = torch.autograd.grad(a_real.sum(), x, create_graph=True)
    penalty = 0.5 * gamma * grad_x.pow(2).sum(1).mean()
    d_loss = F.softplus(-a_real).mean() + F.softplus(d0(g0(noise).detach())).mean() + penalty
    expected_d = torch.autograd.grad(d_loss, list(d0.parameters()))
    for got, want in zip(seen["d"][0], expected_d):
        torch.testing.assert_close(got, want)
    assert penalty.item() > 1e-3  # the test can tell the penalty is there
    assert history.steps[0]["d_loss"] == pytest.approx(d_loss.item(), rel=1e-5)
    expected_g = torch.autograd.grad(F.softplus(-d1(g0(noise))).mean(), list(g0.parameters()))
    for got, want in zip(seen["g"][0], expected_g):
        torch.testing.assert_close(got, want)


@pytest.mark.parametrize("gamma", [-0.1, float("nan"), float("inf"), True, "0.1"])
def test_a_bad_r1_weight_is_refused(gamma):
    with pytest.raises((ValueError, TypeError), match="r1_gamma"):
        GANConfig(r1_gamma=gamma)


# -------------------------------------------------- the convolutional players


def test_convolutional_players_shapes_and_layers():
    """DCGAN's shapes: G goes 7 -> 14 -> 28 by transposed convolutions with batch norm, D halves
    28 -> 14 -> 7 by strided convolutions with LeakyReLU and no batch norm."""
    torch.manual_seed(0)
    g, d = ConvGenerator(16, channels=(8, 4)), ConvDiscriminator(channels=(4, 8))
    x = g(torch.randn(5, 16))
    assert x.shape == (5, 784) and 0 <= x.min() and x.max() <= 1
    assert d(x).shape == (5,)
    sizes = []
    hook = lambda m, i, o: sizes.append(tuple(o.shape[1:]))  # noqa: E731
    for m in [*g.net, *d.net]:
        if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            m.register_forward_hook(hook)
    d(g(torch.randn(2, 16)))
    assert sizes == [(4, 14, 14), (1, 28, 28), (4, 14, 14), (8, 7, 7)]
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in g.modules()) == 1
    assert not any(isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)) for m in d.modules())
    assert g.eval().sample(1).shape == (1, 784)  # one sample works in evaluation mode
    with pytest.raises(ValueError, match=r"shape \(n, 16\)"):
        g(torch.randn(3, 15))
    with pytest.raises(ValueError, match=r"shape \(n, 784\)"):
        d(torch.rand(3, 28, 28))


def test_every_parameter_of_the_convolutional_players_gets_a_gradient():
    torch.manual_seed(0)
    g, d = ConvGenerator(8, channels=(4, 4)), ConvDiscriminator(channels=(4, 4))
    generator_loss(d(g(torch.randn(6, 8)))).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in g.parameters())
    d.zero_grad()
    discriminator_loss(d(torch.rand(6, 784)), d(g(torch.randn(6, 8)).detach())).backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in d.parameters())


def test_a_short_convolutional_gan_run_moves_the_samples_towards_the_data():
    """On a toy image set (a bright 8 x 8 square at a random place, the rest dark), a short run
    brings the generator's average image close to the data's: the untrained generator's pixels
    are about 0.5 everywhere, the data's mean is 64 / 784 in total."""
    g = torch.Generator().manual_seed(0)
    images = torch.zeros(512, 28, 28)
    for img, (r, c) in zip(images, torch.randint(0, 20, (512, 2), generator=g)):
        img[r : r + 8, c : c + 8] = 1.0
    data = images.reshape(512, 784)
    torch.manual_seed(0)
    gen, disc = ConvGenerator(8, channels=(8, 4)), ConvDiscriminator(channels=(4, 8))

    def gap() -> float:  # mean absolute difference of the average images
        fakes = gen.eval().sample(512, torch.Generator().manual_seed(1))
        return (fakes.mean(0) - data.mean(0)).abs().mean().item()

    before = gap()
    train_gan(gen, disc, data, GANConfig(steps=150, batch_size=32, lr_g=1e-3, progress=False))
    assert gap() < before / 3


def _players() -> tuple[Generator, Discriminator]:
    torch.manual_seed(0)
    return Generator(2, 2, hidden=(8,)), Discriminator(2, hidden=(8,))


def test_train_gan_plays_the_step_it_is_given_and_joins_what_after_step_measures():
    g, d = _players()
    seen = []

    def step(generator, discriminator, opt_g, opt_d, real, rng):
        seen.append((generator is g, discriminator is d, tuple(real.shape), generator.training))
        return {"mine": float(len(seen))}

    def after_step(k: int) -> dict[str, float]:  # both players judged, no gradient
        assert not g.training and not d.training and not torch.is_grad_enabled()
        return {"k": float(k)} if k % 2 == 0 else {}

    config = GANConfig(steps=4, batch_size=16, progress=False)
    history = train_gan(g, d, torch.randn(64, 2), config, step=step, after_step=after_step)
    assert seen == [(True, True, (16, 2), True)] * 4
    assert history.steps == [
        {"mine": 1.0},
        {"mine": 2.0, "k": 2.0},
        {"mine": 3.0},
        {"mine": 4.0, "k": 4.0},
    ]


@pytest.mark.parametrize(
    "game", [{"saturating": True}, {"r1_gamma": 1.0}, {"loss": "least squares"}]
)
def test_a_step_of_its_own_refuses_the_configs_choice_of_game(game):
    g, d = _players()
    config = GANConfig(steps=1, batch_size=16, progress=False, **game)
    with pytest.raises(ValueError, match="the step given plays a game of its own"):
        train_gan(g, d, torch.randn(64, 2), config, step=lambda *args: {})


def test_a_generator_with_a_step_of_its_own_plays_it(monkeypatch):
    """Without a step, train_gan plays the generator's own train_step (a VAE-GAN's), never
    gan_step, and refuses another game for it, naming the step."""
    g, d = _players()
    calls = []
    g.train_step = lambda *args: calls.append(len(args)) or {"own": 1.0}
    monkeypatch.setattr("vaecore.train_gan.gan_step", lambda *a, **k: pytest.fail("gan_step"))
    history = train_gan(g, d, torch.randn(64, 2), GANConfig(steps=2, batch_size=16, progress=False))
    assert calls == [5, 5] and history.steps == [{"own": 1.0}] * 2
    with pytest.raises(ValueError, match="Generator.train_step plays a game of its own"):
        train_gan(g, d, torch.randn(64, 2), GANConfig(steps=1, batch_size=16, saturating=True))
