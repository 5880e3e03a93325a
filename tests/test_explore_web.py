"""The explorer's decoder in the reader's browser: what the book's build exports
(``vaecore.book.explore.web``) computes what PyTorch computes, the page's data says how to decode
any setting as ``Frames.codes_at`` does, and what cannot go to the page fails with a clear message.

The ONNX graph runs here in onnx's reference evaluator; the browser test
(``tests/browser/live-explorers.test.mjs``) runs it in ONNX Runtime Web."""

import json
import re
from copy import deepcopy

import numpy as np
import onnx
import pytest
import torch
from onnx.reference import ReferenceEvaluator
from torch import nn

from vaecore import settings
from vaecore.book.explore import explore, web
from vaecore.models.gan import ConvGenerator
from vaecore.models.vae import VAE


def _data(ex) -> dict:
    payload = re.search(r'class="vx-data">(.*?)</script>', ex.to_html(), re.S).group(1)
    return json.loads(payload.replace("<\\/", "</"))


def _run(path, z: torch.Tensor) -> np.ndarray:
    return ReferenceEvaluator(str(path)).run(None, {"z": z.numpy()})[0]


@pytest.fixture
def exported(tmp_path, monkeypatch):
    """``explore(...)`` as the book's build runs it: models go to ``tmp_path``."""
    monkeypatch.setenv(settings.WEB_MODELS_ENV, str(tmp_path))

    def build(decode, codes, **options):
        ex = explore(decode, codes, **options)
        return ex, tmp_path / ex.model

    return build


def _rounded(module: nn.Module) -> nn.Module:
    """A copy of ``module`` with float16 values in its float32 weights, as the page gets them."""
    copy = deepcopy(module)
    with torch.no_grad():
        for t in copy.state_dict().values():
            t.copy_(t.half().float())
    return copy


@pytest.mark.parametrize("latent_dim", [2, 7])
def test_the_exported_decoder_computes_what_pytorch_computes(exported, latent_dim):
    torch.manual_seed(0)
    vae = VAE(latent_dim, hidden=(64, 32))
    weights = deepcopy(vae.state_dict())
    ex, path = exported(vae.decode, torch.randn(40, latent_dim))
    onnx.checker.check_model(str(path))
    for name, t in vae.state_dict().items():  # the trained weights are the model's again
        assert torch.equal(t, weights[name]), name
    z = torch.randn(9, latent_dim) * 3  # any batch size, any code
    shipped = _rounded(vae)
    with torch.no_grad():
        expected = shipped.decode(z).clamp(0, 1).numpy()
        trained = vae.decode(z).clamp(0, 1).numpy()
    np.testing.assert_allclose(_run(path, z), expected, atol=1e-5, rtol=0)
    # The check the browser test holds the page to: PyTorch's outputs for reachable codes, and
    # what rounding the weights did to the trained decoder's.
    check = json.loads(path.with_name(path.name.replace(".onnx", ".check.json")).read_text())
    codes = torch.tensor(check["codes"])
    with torch.no_grad():
        again = shipped.decode(codes).clamp(0, 1).numpy()
        own = vae.decode(codes).clamp(0, 1).numpy()
    np.testing.assert_allclose(np.array(check["outputs"]), again, atol=1e-6, rtol=0)
    assert check["rounding"] == pytest.approx(np.abs(again - own).max(), abs=1e-7)
    assert 0 < check["rounding"] < 1e-3 and np.abs(expected - trained).max() < 1e-3


def test_a_convolutional_generator_with_batch_norm_is_exported_in_evaluation_mode(exported):
    torch.manual_seed(0)
    generator = ConvGenerator(noise_dim=8, channels=(8, 4))
    with torch.no_grad():  # running statistics that differ from a batch's own
        for m in generator.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
    generator.train()
    _, path = exported(generator, torch.randn(30, 8), scale=1.0)
    assert generator.training, "exporting changed the generator's mode"
    z = torch.randn(5, 8)
    with torch.no_grad():
        expected = _rounded(generator).eval()(z).numpy()
    np.testing.assert_allclose(_run(path, z), expected, atol=1e-5, rtol=0)


def test_weights_are_stored_as_float16_and_named_by_content(exported):
    torch.manual_seed(0)
    vae = VAE(3, hidden=(64, 32))
    ex, path = exported(vae.decode, torch.randn(20, 3))
    model = onnx.load(str(path))
    big = [t for t in model.graph.initializer if np.prod(t.dims) > 1]
    assert big and all(t.data_type == onnx.TensorProto.FLOAT16 for t in big)
    ex2, _ = exported(vae.decode, torch.randn(20, 3))
    assert ex2.model == ex.model, "the same decoder got another name"
    with torch.no_grad():
        vae.decoder[0].bias += 1
    ex3, _ = exported(vae.decode, torch.randn(20, 3))
    assert ex3.model != ex.model, "another decoder got the same name"


def test_the_page_data_decodes_any_setting_as_codes_at_does(exported):
    """explorer-live.mjs turns a grid position g into the offset span * (2 g / last - 1) and moves
    the base codes (or the pad's centre) by it times the scale: the data must agree with
    Frames.codes_at on the grid."""
    torch.manual_seed(0)
    for k in (2, 4):
        vae = VAE(k, hidden=(16,))
        codes = torch.randn(30, k) * torch.arange(1, k + 1)
        ex, _ = exported(vae.decode, codes)
        data, f = _data(ex), ex.frames
        live, last = data["live"], f.steps - 1
        assert live["model"] == ex.model and live["shape"] == list(f.image_shape)

        def offset(g: float, span: float = live["span"], last: int = last) -> float:
            return span * (2 * g / last - 1)

        for a, b in [(0, 0), (last, 1), (1, last // 2)]:
            if data["mode"] == "pad":
                z = [[c + offset(g) * s for c, g, s in zip(live["centre"], (a, b), live["scale"])]]
            else:
                d = data["dims"][a % len(data["dims"])]["dim"]
                z = [list(c) for c in live["base"]]
                for row in z:
                    row[d] += offset(b) * live["scale"][d]
                a = d
            np.testing.assert_allclose(z, f.codes_at(a, b).numpy(), atol=1e-5)


def test_nothing_is_exported_outside_the_build_or_when_asked_not_to(tmp_path, monkeypatch):
    vae = VAE(2, hidden=(16,))
    monkeypatch.delenv(settings.WEB_MODELS_ENV, raising=False)
    ex = explore(vae.decode, torch.randn(10, 2))
    assert ex.model is None and "live" not in _data(ex)
    monkeypatch.setenv(settings.WEB_MODELS_ENV, str(tmp_path))
    ex = explore(vae.decode, torch.randn(10, 2), browser=False)
    assert ex.model is None and "live" not in _data(ex) and not list(tmp_path.iterdir())
    assert "Run the notebook" in ex.to_html()


def test_a_decode_that_leaves_pytorch_or_is_too_big_says_to_keep_the_frames(exported, monkeypatch):
    def through_python(z):  # as a drawing sampled and rendered in Python is
        return torch.tensor([[float(v > 0) for v in row] * 392 for row in z.tolist()])

    with pytest.raises(ValueError, match="browser=False"):
        exported(through_python, torch.randn(10, 2))
    monkeypatch.setattr(web, "MAX_MODEL_BYTES", 1000)
    with pytest.raises(ValueError, match=r"more than a page may fetch.*browser=False"):
        exported(VAE(2, hidden=(16,)).decode, torch.randn(10, 2))


def _check(folder, name) -> dict:
    return json.loads((folder / name.replace(".onnx", ".check.json")).read_text())


def test_the_exported_encoder_computes_what_pytorch_computes_and_reads_drawings_as_mnist(
    exported, tmp_path
):
    """A VAE's posterior goes as (mean, log_var), an autoencoder's encode as one code; the
    check's drawing is made into an MNIST digit by drawing.mnist_box, the encoder's first
    image."""
    from vaecore.book.explore.drawing import mnist_box
    from vaecore.models.autoencoder import mlp_autoencoder

    torch.manual_seed(0)
    vae, ae = VAE(2, hidden=(32,)), mlp_autoencoder(2, hidden=(32,))
    for model, draw, names in [
        (vae, vae.posterior, ["mean", "log_var"]),
        (ae, ae.encode, ["code"]),
    ]:
        ex, _ = exported(model.decode, torch.randn(30, 2), draw=draw)
        assert ex.encoder["outputs"] == names
        path = tmp_path / ex.encoder["model"]
        check = _check(tmp_path, ex.encoder["model"])
        ink = np.array(check["drawing"]["ink"]).reshape(web.CANVAS, web.CANVAS)
        digit = np.array(check["drawing"]["digit"])
        np.testing.assert_allclose(digit, mnist_box(ink).ravel(), atol=1e-6)
        np.testing.assert_allclose(check["images"][0], digit, atol=1e-6)
        images = torch.tensor(check["images"], dtype=torch.float32)
        evaluator = ReferenceEvaluator(str(path))
        got = evaluator.run(None, {"x": images.numpy()})
        shipped = _rounded(model).eval()
        with torch.no_grad():
            expected = (
                shipped.posterior(images)
                if names == ["mean", "log_var"]
                else (shipped.encode(images),)
            )
        for name, g, e in zip(names, got, expected):
            np.testing.assert_allclose(g, e.numpy(), atol=1e-5, rtol=0)
            np.testing.assert_allclose(check["outputs"][name], e.numpy(), atol=1e-6, rtol=0)
        data = _data(ex)
        assert data["live"]["encoder"] == ex.encoder
        assert 'class="vx-draw"' in ex.to_html() and 'class="vx-draw-open"' in ex.to_html()


def test_drawing_needs_mnist_sized_images_and_codes_of_the_explorers_width(exported):
    vae = VAE(2, hidden=(32,))
    assert 'class="vx-draw"' not in exported(vae.decode, torch.randn(30, 2))[0].to_html()
    with pytest.raises(ValueError, match="28 x 28"):
        exported(
            lambda z: torch.sigmoid(z @ torch.ones(2, 100)),
            torch.randn(9, 2),
            image_shape=(10, 10),
            draw=vae.posterior,
        )
    with pytest.raises(ValueError, match="a pair of them"):
        exported(vae.decode, torch.randn(30, 2), draw=lambda x: x[:, :3])
