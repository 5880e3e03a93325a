"""Self-attention in the convolutional VAE's decoder (claim 4 of "Questions readers ask"): the
layer of eq. (ATTN), its pointwise control, and the verdicts read from their runs."""

import dataclasses

import pytest
import torch

from vaecore.book.findings import questions
from vaecore.experiments import attention
from vaecore.experiments.image_models import Row
from vaecore.models.attention import Pointwise2d, SelfAttention2d
from vaecore.models.parts import count_parameters
from vaecore.models.vae import ConvVAE
from vaecore.settings import Budget


def _layer(gamma=1.0, seed=0):
    torch.manual_seed(seed)
    layer = SelfAttention2d(16)
    layer.gamma.data.fill_(gamma)
    return layer


def test_the_layer_is_eq_attn():
    layer = _layer(gamma=0.7)
    x = torch.randn(2, 16, 3, 4)
    q = torch.einsum("oc,nchw->nohw", layer.query.weight[:, :, 0, 0], x).flatten(2)
    q = q + layer.query.bias[None, :, None]
    k = torch.einsum("oc,nchw->nohw", layer.key.weight[:, :, 0, 0], x).flatten(2)
    k = k + layer.key.bias[None, :, None]
    v = torch.einsum("oc,nchw->nohw", layer.value.weight[:, :, 0, 0], x).flatten(2)
    v = v + layer.value.bias[None, :, None]
    a = torch.softmax(torch.einsum("nci,ncj->nij", q, k), dim=-1)  # a_ij over j
    y = x.flatten(2) + 0.7 * torch.einsum("nij,ncj->nci", a, v)
    torch.testing.assert_close(layer(x), y.view_as(x))
    weights = layer.attention(x)
    assert weights.shape == (2, 12, 12)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 12))


def test_it_starts_as_the_identity():
    layer = SelfAttention2d(16)
    x = torch.randn(2, 16, 5, 5)
    assert torch.equal(layer(x), x)
    assert torch.equal(Pointwise2d(16)(x), x)


def test_attention_treats_positions_alike_and_reaches_across_the_map():
    layer = _layer()
    x = torch.randn(1, 16, 4, 4)
    order = torch.randperm(16, generator=torch.Generator().manual_seed(1))
    shuffled = x.flatten(2)[:, :, order].view_as(x)
    torch.testing.assert_close(layer(shuffled).flatten(2), layer(x).flatten(2)[:, :, order])
    far = x.clone()
    far[:, :, 3, 3] += 1.0  # one corner changes
    assert not torch.allclose(layer(far)[:, :, 0, 0], layer(x)[:, :, 0, 0])  # the other sees it
    point = Pointwise2d(16)
    point.gamma.data.fill_(1.0)
    torch.testing.assert_close(point(far)[:, :, 0, 0], point(x)[:, :, 0, 0])  # it does not


def test_too_few_channels_are_refused():
    with pytest.raises(ValueError, match="at least 8 channels"):
        SelfAttention2d(4)


def test_the_block_sits_in_the_decoder_at_14_by_14_and_adds_only_its_weights():
    plain = ConvVAE(32)
    assert count_parameters(plain) == 370_945  # as before the block existed
    for block in (SelfAttention2d(32), Pointwise2d(32)):
        model = ConvVAE(32, middle=block)
        assert count_parameters(model) == count_parameters(plain) + count_parameters(block)
        seen: list[torch.Size] = []
        block.register_forward_hook(lambda m, args, out, seen=seen: seen.append(out.shape))
        assert model.decode(torch.randn(3, 32)).shape == (3, 784)
        assert seen == [(3, 32, 14, 14)]


def test_the_two_models_differ_only_by_the_attention_maps_weights():
    x = torch.rand(64, 784, generator=torch.Generator().manual_seed(0))
    tiny = Budget(None, None, {"vae": 1}, {})
    trained = attention.train_models(x, tiny, seed=0)
    sizes = {name: t.parameters for name, t in trained.items()}
    assert list(sizes) == list(attention.MODELS)
    # queries and keys, 32 -> 4 channels each with biases
    assert sizes[questions.ATTENTION] - sizes[questions.CONTROL] == 2 * (32 * 4 + 4)


def _rows(nll_a, nll_b, fd_a, fd_b, seconds=(10.0, 10.0)):
    rows = []
    for name, nll, fd, time in (
        (questions.CONTROL, nll_b, fd_b, seconds[1]),
        (questions.ATTENTION, nll_a, fd_a, seconds[0]),
    ):
        for samples, value in (("decoder means", fd), ("draws from p(x | z)", fd + 50)):
            rows.append(
                Row(
                    value,
                    0.5,
                    0.5,
                    5.0,
                    0.1,
                    0.1,
                    1.0,
                    model=name,
                    samples=samples,
                    parameters=371_000 if name == questions.ATTENTION else 370_736,
                    test_nll=nll,
                    seconds=time,
                )
            )
    return rows


def _result(runs):
    """A questions.json's attention part, ``runs`` one list of rows per seed, 5 epochs each."""
    return {
        "budget": {"attention": {"epochs": {"vae": 5}}},
        "attention": {"runs": [[dataclasses.asdict(r) for r in run] for run in runs]},
    }


def _said(text):
    return [str(s) for s in text.sentences]


def test_the_attention_verdict_follows_the_seeds():
    level = _result([_rows(95 + s, 95.5 - s, 400.0 + s, 401.0 - s) for s in range(3)])
    found = _said(questions.attention_verdict(level))
    assert found[0] == (
        "The two VAEs differ by 264 parameters: 371,000 with self-attention, 370,736 with the "
        "pointwise block (0.07%)."
    )
    assert found[1] == (
        "Cost: conv VAE, self-attention had 1.0 times the training time of conv VAE, pointwise "
        "block (10 s against 10 s a run)."
    )
    assert all(" overlap in " in line for line in found[2:])
    assert str(questions.attention_headline(level)).startswith(
        "**Verdict.** Not measurably at this scale"
    )
    better = _result([_rows(94.0, 95.0 + s, 390.0, 400.0) for s in range(3)])
    assert str(questions.attention_headline(better)).startswith(
        "**Verdict.** Yes, at this scale: every run with self-attention was better than every run "
        "without in the test NLL bound, the Fréchet distance of the decoder means and the "
        "Fréchet distance of the draws."
    )
    assert _said(questions.attention_verdict(better))[2].startswith(
        "Every run of conv VAE, self-attention was better than every run of conv VAE, pointwise "
        "block in the test NLL bound: 94.0 ± 0.0 against 96.0 ± 1.0"
    )
    mixed = _result([_rows(94.0, 95.0, 420.0, 400.0) for _ in range(3)])
    assert str(questions.attention_headline(mixed)) == (
        "**Verdict.** Not as a rule: every run with self-attention was better than every run "
        "without in the test NLL bound, but worse in the Fréchet distance of the decoder means "
        "and the Fréchet distance of the draws."
    )
    # behind on everything, and three times as slow: the budgets are named
    worse = _result([_rows(96.0, 95.0, 420.0, 400.0, seconds=(30.0, 10.0)) for _ in range(3)])
    assert str(questions.attention_headline(worse)) == (
        "**Verdict.** No, at this scale: every run with self-attention was worse than every run "
        "without in the test NLL bound, the Fréchet distance of the decoder means and the "
        "Fréchet distance of the draws. The budgets differ: conv VAE, self-attention had 3.0 "
        "times the training time of conv VAE, pointwise block (30 s against 10 s a run)."
    )
    # the leader's numbers come first
    assert _said(questions.attention_verdict(worse))[2].startswith(
        "Every run of conv VAE, pointwise block was better than every run of conv VAE, "
        "self-attention in the test NLL bound: 95.0 ± 0.0 against 96.0 ± 0.0"
    )
