"""vaecore.classifier and the Fréchet distance: the judge of generated images."""

import numpy as np
import pytest
import torch

from vaecore import data, evaluate
from vaecore.classifier import SampleJudge, classifier_features, train_classifier
from vaecore.train import evaluate_loss


def _features(n=500, f=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, f, generator=g, dtype=torch.float64) @ torch.randn(f, f, generator=g, dtype=torch.float64)


def test_frechet_distance_is_zero_for_identical_sets_and_symmetric():
    a, b = _features(seed=0), _features(seed=1)
    assert evaluate.frechet_distance(a, a) == pytest.approx(0, abs=1e-8)
    assert evaluate.frechet_distance(a, b) == pytest.approx(evaluate.frechet_distance(b, a))
    assert evaluate.frechet_distance(a, b) > 0


def test_frechet_distance_in_one_dimension():
    # N(m1, s1^2) vs N(m2, s2^2): (m1 - m2)^2 + (s1 - s2)^2
    a, b = _features(f=1, seed=2), 3 * _features(f=1, seed=3) + 1
    expected = (a.mean() - b.mean()) ** 2 + (a.std() - b.std()) ** 2
    assert evaluate.frechet_distance(a, b) == pytest.approx(expected.item(), rel=1e-9)


def test_frechet_distance_of_a_scaled_and_shifted_copy():
    # b = c a + t: S_b = c^2 S_a, (S_a S_b)^(1/2) = c S_a, so the trace term is (1 - c)^2 tr(S_a).
    a, c, t = _features(seed=4), 0.4, torch.arange(6, dtype=torch.float64)
    b = c * a + t
    s_a = np.cov(a.numpy(), rowvar=False)
    expected = ((b.mean(0) - a.mean(0)) ** 2).sum().item() + (1 - c) ** 2 * np.trace(s_a)
    assert evaluate.frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_rejects_bad_shapes():
    with pytest.raises(ValueError):
        evaluate.frechet_distance(torch.zeros(5, 3), torch.zeros(5, 4))
    with pytest.raises(ValueError):
        evaluate.frechet_distance(torch.zeros(1, 3), torch.zeros(5, 3))


def test_classifier_learns_mnist_and_the_judge_tells_real_from_noise():
    train = data.load("mnist", "train", progress=False)
    test = data.load("mnist", "test", limit=2_000, progress=False)
    judge = SampleJudge.train(train, test, epochs=2, n_reference=2_000, progress=False)  # ~2 s
    assert evaluate_loss(judge.classifier, (test.images, test.labels))["accuracy"] > 0.95
    assert classifier_features(judge.classifier, test.images).shape == (2000, 128)
    assert judge.score(test.images) == pytest.approx(judge.floor)
    assert 10 * judge.floor < judge.score(torch.rand(2000, 784))
    # a decoder that ignores its code and always draws one real digit: far from the real spread
    one_digit = judge.score_prior_samples(lambda z: test.images[:1].expand(len(z), 784), 4, n=500)
    assert one_digit > 10 * judge.floor
    predicted = judge.predict(test.images)
    assert predicted.shape == (2000,) and (predicted == test.labels).double().mean() > 0.95


def test_classifier_needs_labels():
    unlabelled = data.ImageSet(torch.zeros(4, 784), None, None)
    with pytest.raises(ValueError, match="labelled"):
        train_classifier(unlabelled)
