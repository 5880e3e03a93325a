"""vaecore.settings: environment variables and chapter budgets."""

from pathlib import Path

import pytest
import torch

from vaecore import settings
from vaecore.experiments import handwriting, side_by_side


@pytest.mark.parametrize("value, quick", [("1", True), ("true", True), ("0", False), ("", False)])
def test_quick_mode_values(monkeypatch, value, quick):
    monkeypatch.setenv(settings.QUICK_ENV, value)
    assert settings.quick_mode() is quick


def test_progress_follows_the_argument_then_the_environment(monkeypatch):
    monkeypatch.delenv(settings.PROGRESS_ENV, raising=False)
    assert settings.show_progress() is True
    monkeypatch.setenv(settings.PROGRESS_ENV, "0")
    assert settings.show_progress() is False
    assert settings.show_progress(True) is True


def test_progress_bars_really_disappear_when_switched_off(monkeypatch, capsys):
    from vaecore.models.autoencoder import linear_autoencoder
    from vaecore.train import TrainConfig, fit

    monkeypatch.setenv(settings.PROGRESS_ENV, "0")
    fit(linear_autoencoder(2, data_dim=4), torch.rand(32, 4), TrainConfig(epochs=1))
    assert capsys.readouterr().err == ""
    monkeypatch.setenv(settings.PROGRESS_ENV, "1")
    fit(linear_autoencoder(2, data_dim=4), torch.rand(32, 4), TrainConfig(epochs=1))
    assert "Autoencoder" in capsys.readouterr().err  # tqdm writes its bar to stderr


def test_quick_mode_rejects_unclear_values(monkeypatch):
    monkeypatch.setenv(settings.QUICK_ENV, "maybe")
    with pytest.raises(ValueError, match=settings.QUICK_ENV):
        settings.quick_mode()


def test_choose_follows_the_mode(monkeypatch):
    full = settings.Budget(n_train=None, n_test=None, epochs={"model": 10})
    quick = settings.Budget(n_train=100, n_test=10, epochs={"model": 1})
    monkeypatch.setenv(settings.QUICK_ENV, "1")
    assert settings.choose(full=full, quick=quick) is quick
    monkeypatch.setenv(settings.QUICK_ENV, "0")
    assert settings.choose(full=full, quick=quick) is full


@pytest.mark.parametrize("recipe", [side_by_side, handwriting])
def test_a_shared_recipe_is_smaller_in_quick_mode(recipe):
    assert recipe.FULL.n_train is None and recipe.QUICK.n_train is not None
    assert recipe.FULL.epochs.keys() == recipe.QUICK.epochs.keys()
    assert all(recipe.QUICK.epochs[m] <= recipe.FULL.epochs[m] for m in recipe.FULL.epochs)


def test_directories(monkeypatch, tmp_path):
    monkeypatch.delenv(settings.DATA_DIR_ENV, raising=False)
    assert settings.data_dir() is None
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path))
    assert settings.data_dir() == tmp_path
    monkeypatch.delenv(settings.CACHE_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert settings.cache_dir() == tmp_path / "xdg" / "vaecore"
    monkeypatch.setenv(settings.CACHE_DIR_ENV, "~/somewhere")
    assert settings.cache_dir() == Path.home() / "somewhere"
