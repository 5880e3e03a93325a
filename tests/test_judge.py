"""vaecore.metrics.judge and vaecore.models.classifier: the judge of generated images, the Fréchet
distance, precision and recall, and the damaged digits it must rank."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from vaecore import checkpoint
from vaecore.data.datasets import ImageSet, load_images
from vaecore.metrics.judge import (
    JUDGE_WEIGHTS,
    SampleJudge,
    classifier_features,
    frechet_distance,
    load_classifier,
    mean_filtered,
    noised,
    precision_recall,
    shuffled_pixels,
    train_classifier,
)
from vaecore.metrics.pca import fit_pca
from vaecore.train import evaluate_loss


def _features(n=500, f=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, f, generator=g, dtype=torch.float64) @ torch.randn(
        f, f, generator=g, dtype=torch.float64
    )


def test_frechet_distance_is_zero_for_identical_sets_and_symmetric():
    a, b = _features(seed=0), _features(seed=1)
    assert frechet_distance(a, a) == pytest.approx(0, abs=1e-8)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a))
    assert frechet_distance(a, b) > 0


def test_frechet_distance_in_one_dimension():
    # N(m1, s1^2) vs N(m2, s2^2): (m1 - m2)^2 + (s1 - s2)^2
    a, b = _features(f=1, seed=2), 3 * _features(f=1, seed=3) + 1
    expected = (a.mean() - b.mean()) ** 2 + (a.std() - b.std()) ** 2
    assert frechet_distance(a, b) == pytest.approx(expected.item(), rel=1e-9)


def test_frechet_distance_of_a_scaled_and_shifted_copy():
    # b = c a + t: S_b = c^2 S_a, (S_a S_b)^(1/2) = c S_a, so the trace term is (1 - c)^2 tr(S_a).
    a, c, t = _features(seed=4), 0.4, torch.arange(6, dtype=torch.float64)
    b = c * a + t
    s_a = np.cov(a.numpy(), rowvar=False)
    expected = ((b.mean(0) - a.mean(0)) ** 2).sum().item() + (1 - c) ** 2 * np.trace(s_a)
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_rejects_bad_shapes():
    with pytest.raises(ValueError):
        frechet_distance(torch.zeros(5, 3), torch.zeros(5, 4))
    with pytest.raises(ValueError):
        frechet_distance(torch.zeros(1, 3), torch.zeros(5, 3))


@pytest.fixture(scope="module")
def judge_and_test():
    """The book's judge (shipped weights), its reference from 5,000 training digits, and 5,000
    test digits (precision and recall need many points: with few, every ball is wide)."""
    train = load_images("mnist", "train", limit=5_000, progress=False)
    test = load_images("mnist", "test", limit=5_000, progress=False)
    return SampleJudge.load(train, test, n_reference=5_000), test


def test_the_books_judge_is_at_least_99_percent_accurate():
    """The claim the chapters print: the shipped classifier, on all 10,000 MNIST test digits."""
    test = load_images("mnist", "test", progress=False)
    classifier = load_classifier()
    accuracy = evaluate_loss(classifier, (test.images, test.labels))["accuracy"]
    assert accuracy >= 0.99
    record = json.loads(JUDGE_WEIGHTS.with_suffix(".json").read_text())
    assert record["test_accuracy_percent"] == pytest.approx(100 * accuracy, abs=0.01)
    assert record["training"]["images"] == 60_000 and "--quick" not in record["command"]


def test_the_judge_classifies_mnist_and_reports_its_accuracy(judge_and_test):
    judge, test = judge_and_test
    accuracy = evaluate_loss(judge.classifier, (test.images, test.labels))["accuracy"]
    assert judge.accuracy == pytest.approx(100 * accuracy)
    assert classifier_features(judge.classifier, test.images).shape == (5000, 128)
    predicted = judge.predict(test.images)
    assert predicted.shape == (5000,) and (predicted == test.labels).double().mean() > 0.98
    assert judge.score(test.images) == pytest.approx(judge.floor)


def test_a_judge_trained_now_learns():
    train = load_images("mnist", "train", limit=3_000, progress=False)
    test = load_images("mnist", "test", limit=1_000, progress=False)
    judge = SampleJudge.train(train, test, epochs=1, n_reference=1_000, progress=False)
    assert judge.accuracy > 85 and judge.reference.shape == (1_000, 128)


def test_a_damaged_or_missing_judge_is_refused(tmp_path):
    copy = tmp_path / JUDGE_WEIGHTS.name
    shutil.copy(JUDGE_WEIGHTS, copy)
    with pytest.raises(FileNotFoundError, match="train_judge"):
        load_classifier(copy)  # no record beside it
    shutil.copy(JUDGE_WEIGHTS.with_suffix(".json"), copy.with_suffix(".json"))
    load_classifier(copy)
    raw = bytearray(copy.read_bytes())
    raw[len(raw) // 2] ^= 0x01  # one flipped bit in the tensor data
    copy.write_bytes(bytes(raw))
    with pytest.raises(checkpoint.CheckpointError, match="SHA-256"):
        load_classifier(copy)


def _blurred(x, times):
    return mean_filtered(x, times)


def _noised(x, sd):
    return noised(x, sd, torch.Generator().manual_seed(0))


def _shuffled(x, share):
    return shuffled_pixels(x, share, torch.Generator().manual_seed(0))


def test_the_scale_orders_known_corruptions(judge_and_test):
    """Real test digits at the floor; each corruption scores worse the stronger it is."""
    judge, test = judge_and_test
    x = test.images
    floor = judge.floor
    for corrupt, strengths in (
        (_blurred, (1, 2, 3)),
        (_noised, (0.1, 0.3, 0.6)),
        (_shuffled, (0.1, 0.3, 1.0)),
    ):
        scores = [judge.score(corrupt(x, s)) for s in strengths]
        assert floor < scores[0] < scores[1] < scores[2], (corrupt.__name__, floor, scores)
    # One class missing: every image real and sharp, but the spread of the data is wrong.
    without_ones = x[test.labels != 1]
    missing = judge.score(without_ones)
    assert floor < missing < judge.score(_shuffled(x, 1.0))
    precision, recall = judge.precision_recall(without_ones)
    full_precision, full_recall = judge.precision_recall(x)
    # As real-looking as all the test digits, but covering less of the data.
    assert precision == pytest.approx(full_precision, abs=0.05) and recall < full_recall - 0.03
    # Strong blur and noise make samples look less real, and cover almost nothing.
    for corrupted in (_blurred(x, 2), _noised(x, 0.6)):
        precision, recall = judge.precision_recall(corrupted)
        assert precision < full_precision - 0.2 and recall < 0.1


def test_the_scale_points_lie_above_the_floor_in_order(judge_and_test):
    """The chapters' yardstick: real digits, the same digits blurred, uniform noise."""
    judge, test = judge_and_test
    points = judge.scale_points(test.images)
    assert judge.floor < points["blurred"] < points["noise"]
    assert points["blurred"] == judge.score(_blurred(test.images, 2))
    assert judge.scale_points(test.images[:2000], seed=1)["noise"] != points["noise"]


def test_a_models_samples_sit_between_the_floor_and_destroyed_digits(judge_and_test):
    """Samples of a real generative model, probabilistic PCA with 32 components fitted to the
    training digits (decoded Gaussian codes), score worse than real digits and far better than
    digits with every pixel shuffled."""
    judge, test = judge_and_test
    train = load_images("mnist", "train", limit=10_000, progress=False).images
    pca = fit_pca(train, 32)
    g = torch.Generator().manual_seed(1)
    codes = (
        torch.randn(2000, 32, generator=g, dtype=torch.float64)
        * torch.from_numpy(pca.explained_variance_).sqrt()
    )
    samples = (
        (codes @ torch.from_numpy(pca.components_) + torch.from_numpy(pca.mean_))
        .float()
        .clamp(0, 1)
    )
    assert judge.floor < judge.score(samples) < judge.score(_shuffled(test.images, 1.0))
    # the judge of random noise, and of one digit repeated: far from the real spread
    assert 10 * judge.floor < judge.score(torch.rand(2000, 784))
    one_digit = judge.score_prior_samples(lambda z: test.images[:1].expand(len(z), 784), 4, n=500)
    assert one_digit > 10 * judge.floor


def test_precision_and_recall_by_hand():
    real = torch.tensor([[0.0], [1.0], [2.0], [3.0], [4.0]])  # k = 1: every radius is 1
    fake = torch.tensor([[0.5], [10.0]])  # radii 9.5: each covers the other
    assert precision_recall(real, fake, k=1) == (0.5, 1.0)  # 10 is off the real manifold
    # Fakes packed at one end: all realistic, but they cover only part of the real points.
    fake = torch.tensor([[0.0], [0.1], [0.2], [0.3]])  # k = 1: radii 0.1
    assert precision_recall(real, fake, k=1) == (1.0, 0.2)
    assert precision_recall(real, real, k=1) == (1.0, 1.0)
    # A ball is closed (Kynkäänniemi et al.: distance <= radius): 5 lies on 4's ball, 20 nowhere.
    assert precision_recall(real, torch.tensor([[5.0], [20.0]]), k=1) == (0.5, 1.0)


def test_precision_recall_rejects_bad_shapes():
    with pytest.raises(ValueError, match="features"):
        precision_recall(torch.zeros(5, 2), torch.zeros(5, 3))
    with pytest.raises(ValueError, match="real has 3 rows: it needs at least 4"):  # k + 1
        precision_recall(torch.zeros(3, 2), torch.zeros(5, 2), k=3)


def test_classifier_and_judge_need_labels():
    unlabelled = ImageSet(torch.zeros(4, 784), None, None)
    with pytest.raises(ValueError, match="labelled"):
        train_classifier(unlabelled)
    labelled = ImageSet(torch.rand(8, 784), torch.arange(8) % 2, ("a", "b"))
    with pytest.raises(ValueError, match="labelled test set"):
        SampleJudge.train(labelled, unlabelled, epochs=1, progress=False)


def test_train_judge_writes_weights_and_a_record_that_load(tmp_path):
    """tools/train_judge.py --quick: a checkpoint and its record, which load_classifier accepts;
    and it refuses to overwrite the book's judge with a quick one."""
    script = Path(__file__).resolve().parent.parent / "tools" / "train_judge.py"
    run = subprocess.run(
        [sys.executable, str(script), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    record = json.loads((tmp_path / "mnist_judge.json").read_text())
    assert record["training"] == {**record["training"], "images": 2_000, "epochs": 1}
    assert '"sha256"' in run.stdout
    load_classifier(tmp_path / "mnist_judge.pt")
    refused = subprocess.run(
        [sys.executable, str(script), "--quick"], capture_output=True, text=True
    )
    assert refused.returncode != 0 and "overwrite the book's judge" in refused.stderr
