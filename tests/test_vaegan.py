"""The VAE-GAN (Larsen et al., 2016; claim 3 of "Questions readers ask"): each term of eq.
(VAEGAN) against a hand computation, each network stepped on its own objective only, and the
model trained by the GAN loop."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch.distributions import Normal, kl_divergence

from vaecore.experiments import vaegan as vaegan_experiment
from vaecore.models.gan import ConvDiscriminator, ConvGenerator, Discriminator
from vaecore.models.parts import count_parameters
from vaecore.models.vae import ConvVAE
from vaecore.models.vaegan import VAEGAN
from vaecore.train_gan import GANConfig, train_gan


def _pair(gamma=0.5, seed=0):
    torch.manual_seed(seed)
    return VAEGAN(8, gamma=gamma, channels=(8, 4), encoder_channels=(4, 8)), ConvDiscriminator(
        (4, 8)
    )


def _images(n=6, seed=1):
    return torch.rand(n, 784, generator=torch.Generator().manual_seed(seed))


def _by_hand(model, d, x, noise_seed, rng_seed):
    """Every term of eq. (VAEGAN), written out from the paper's definitions."""
    torch.manual_seed(noise_seed)
    mu, logvar = model.encoder(x).chunk(2, dim=-1)
    z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
    z_p = torch.randn(len(x), 8, generator=torch.Generator().manual_seed(rng_seed))
    fakes = model(torch.cat([z, z_p]))
    h_real, h_tilde = d.net[:-1](x), d.net[:-1](fakes[: len(x)])
    rec = -Normal(h_tilde, 1.0).log_prob(h_real).sum(-1) - 0.5 * h_real.shape[1] * torch.log(
        torch.tensor(2 * torch.pi)
    )  # -log N(D_l(x); D_l(x~), I) without its constant
    q = Normal(mu, torch.exp(0.5 * logvar))
    kl = kl_divergence(q, Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(-1)
    real_logits, fake_logits = d(x), d(fakes)
    d_loss = F.binary_cross_entropy_with_logits(
        real_logits, torch.ones_like(real_logits)
    ) + F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits))
    g_gan = F.binary_cross_entropy_with_logits(fake_logits, torch.ones_like(fake_logits))
    return {
        "encoder": (kl + rec).mean(),
        "decoder": model.gamma * rec.mean() + g_gan,
        "discriminator": d_loss,
        "rec": rec.mean(),
        "kl": kl.mean(),
    }


def test_every_term_matches_the_paper():
    model, d = _pair()
    x = _images()
    torch.manual_seed(5)
    losses = model.losses(x, d, torch.Generator().manual_seed(7))
    expected = _by_hand(model, d, x, noise_seed=5, rng_seed=7)
    for name, value in expected.items():
        torch.testing.assert_close(losses[name], value, msg=name)
    assert 0 < losses["d_real"] < 1 and 0 < losses["d_fake"] < 1


def test_the_features_are_the_input_of_d_s_last_layer():
    d = ConvDiscriminator((4, 8))
    x = _images(3)
    assert d.features(x).shape == (3, 8 * 7 * 7)
    torch.testing.assert_close(d.head(d.features(x)), d(x))
    mlp_d = Discriminator(784, hidden=(32, 16))
    assert mlp_d.features(x).shape == (3, 16)
    torch.testing.assert_close(mlp_d.head(mlp_d.features(x)), mlp_d(x))


def test_the_reconstruction_term_is_zero_for_a_perfect_copy_and_grows_with_the_gap():
    d = ConvDiscriminator((4, 8))
    x = _images(4)
    h = d.features(x)
    assert torch.equal(0.5 * (h - h).pow(2).sum(-1), torch.zeros(4))
    # the term of eq. (VAEGAN-REC) is half the squared distance in D's features
    y = _images(4, seed=9)
    torch.testing.assert_close(
        0.5 * (d.features(y) - h).pow(2).sum(-1), 0.5 * torch.cdist(d.features(y), h).diag() ** 2
    )


def _sgd_step(model, d, x):
    opt_g = torch.optim.SGD(model.parameters(), lr=1.0)
    opt_d = torch.optim.SGD(d.parameters(), lr=1.0)
    torch.manual_seed(5)
    model.train_step(d, opt_g, opt_d, x, torch.Generator().manual_seed(7))


@pytest.mark.parametrize("gamma", [0.0, 0.5])
def test_each_network_steps_on_its_own_objective_only(gamma):
    model, d = _pair(gamma)
    x = _images()
    before_model, before_d = copy.deepcopy(model), copy.deepcopy(d)
    expected = _by_hand(before_model, before_d, x, noise_seed=5, rng_seed=7)
    groups = {
        "encoder": list(before_model.encoder.parameters()),
        "decoder": list(before_model.net.parameters()),
        "discriminator": list(before_d.parameters()),
    }
    grads = {
        name: torch.autograd.grad(expected[name], weights, retain_graph=True)
        for name, weights in groups.items()
    }
    _sgd_step(model, d, x)
    after = {
        "encoder": list(model.encoder.parameters()),
        "decoder": list(model.net.parameters()),
        "discriminator": list(d.parameters()),
    }
    for name in groups:
        for w0, g, w1 in zip(groups[name], grads[name], after[name]):
            torch.testing.assert_close(w1, w0 - g, msg=name)  # SGD, lr 1: w - grad


def test_the_decoder_ignores_the_reconstruction_when_gamma_is_zero():
    """With gamma = 0 the decoder's gradient is the GAN's alone: the encoder's L_rec must not
    leak into it (a single backward of the sum would do that)."""
    model, d = _pair(gamma=0.0)
    x = _images()
    torch.manual_seed(5)
    losses = model.losses(x, d, torch.Generator().manual_seed(7))
    decoder = list(model.net.parameters())
    own = torch.autograd.grad(losses["decoder"], decoder, retain_graph=True)
    summed = torch.autograd.grad(losses["encoder"] + losses["decoder"], decoder)
    assert any(not torch.allclose(a, b) for a, b in zip(own, summed))
    twin, twin_d = _pair(gamma=0.0)
    _sgd_step(twin, twin_d, x)
    for w0, g, w1 in zip(decoder, own, twin.net.parameters()):
        torch.testing.assert_close(w1, w0 - g)


def test_train_gan_trains_the_encoder_of_a_vaegan():
    model, d = _pair()
    x = _images(64)
    encoder = copy.deepcopy(model.encoder)
    history = train_gan(model, d, x, GANConfig(steps=3, batch_size=32, progress=False))
    assert len(history.steps) == 3
    assert set(history.steps[0]) >= {"encoder", "decoder", "discriminator", "rec", "kl"}
    assert any(
        not torch.equal(a, b) for a, b in zip(encoder.parameters(), model.encoder.parameters())
    )
    samples = model.sample(5)
    assert samples.shape == (5, 784) and samples.min() >= 0 and samples.max() <= 1


def test_runs_reproduce_with_their_seed():
    x = _images(64)
    runs = []
    for _ in range(2):
        model, d = _pair()
        train_gan(model, d, x, GANConfig(steps=2, batch_size=32, seed=3, progress=False))
        runs.append(model.sample(4, torch.Generator().manual_seed(0)))
    assert torch.equal(*runs)


def test_the_encoder_is_the_conv_vae_s_and_the_decoder_the_conv_gan_s():
    model = VAEGAN(32)
    assert count_parameters(model.encoder) == count_parameters(ConvVAE(32).encoder)
    assert count_parameters(model.net) == count_parameters(ConvGenerator(32))


@pytest.mark.parametrize("gamma", [-1.0, float("nan")])
def test_a_negative_or_missing_gamma_is_refused(gamma):
    with pytest.raises(ValueError, match="gamma"):
        VAEGAN(8, gamma=gamma)


def test_a_packed_discriminator_is_refused():
    model = VAEGAN(8)
    with pytest.raises(ValueError, match="pack = 1"):
        model.losses(_images(4), Discriminator(784, hidden=(16,), pack=2))


def test_the_losses_refuse_a_wrong_batch():
    model, d = _pair()
    with pytest.raises(ValueError, match="784"):
        model.losses(torch.rand(4, 28, 28), d)


def test_the_chapter_trains_it_like_the_gans_of_gan_vs_vae():
    torch.manual_seed(0)
    model, d = vaegan_experiment.players()
    assert model.gamma == vaegan_experiment.GAMMA and isinstance(d, ConvDiscriminator)
    x = _images(128)
    trained = vaegan_experiment.train_model(x, passes=1, seed=0)
    assert isinstance(trained.model, VAEGAN) and len(trained.history.steps) == 2
    assert trained.parameters == count_parameters(VAEGAN(32), ConvDiscriminator())
    shown = vaegan_experiment.reconstructions(trained.model, x[:3])
    assert shown.shape == (3, 784) and 0 <= shown.min() and shown.max() <= 1
    assert trained.sample(4, torch.Generator().manual_seed(0)).shape == (4, 784)
