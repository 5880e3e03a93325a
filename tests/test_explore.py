"""The latent explorer: live controls drive the decoder, the static page carries the same frames,
and bad arguments fail with a clear message."""

import base64
import io
import json
import re

import matplotlib.image as mpimg
import numpy as np
import pytest
import torch

from vaecore.book.explore import explore, output_sensitivity
from vaecore.book.explore.frames import device_of, png
from vaecore.models.vae import VAE

K, D = 5, 784


@pytest.fixture
def decoder():
    """A fixed smooth decoder ``z: (m, K) -> (m, 784)`` in (0, 1)."""
    w = torch.randn(K, D, generator=torch.Generator().manual_seed(1)) * 0.3
    return lambda z: torch.sigmoid(z @ w[: z.shape[1]])


@pytest.fixture
def codes():
    # Dimension 3 has the largest spread, dimension 0 the smallest.
    spread = torch.tensor([0.1, 1.0, 2.0, 3.0, 0.5])
    return torch.randn(100, K, generator=torch.Generator().manual_seed(2)) * spread


def static_data(ex) -> dict:
    payload = re.search(
        r'<script type="application/json" class="vx-data">(.*?)</script>', ex.to_html(), re.S
    ).group(1)
    return json.loads(payload.replace("<\\/", "</"))


def test_png_round_trip():
    pixels = np.arange(12 * 7, dtype=np.uint8).reshape(12, 7) * 3
    image = mpimg.imread(io.BytesIO(png(pixels)), format="png")
    assert image.shape == (12, 7)
    np.testing.assert_array_equal(np.round(image * 255).astype(np.uint8), pixels)


def test_moving_the_slider_changes_the_image_to_that_settings_frame(decoder, codes):
    ex = explore(decoder, codes)
    before = ex.live.image.value
    ex.live.slider.value = 1.5
    dim, step = ex.live.state()
    assert (dim, step) == (3, 9)  # the most important dimension; offset 1.5 is step 9 of 13
    assert ex.live.image.value != before
    assert ex.live.image.value == ex.frames.frame(dim, step)
    assert "z4 moved by +1.50" in ex.live.readout_html.value


def test_the_slider_moves_every_base_code_along_the_chosen_dimension(decoder, codes):
    ex = explore(decoder, codes, n_base=4)
    ex.live.dim_select.value = 2
    ex.live.slider.value = -2.0
    z = ex.frames.base.clone()
    z[:, 2] += -2.0 * codes[:, 2].std()
    expected = decoder(z)
    png = mpimg.imread(io.BytesIO(ex.live.image.value), format="png")
    first = 1 - png[:, :28]  # ink is drawn black on white
    np.testing.assert_allclose(first.reshape(-1), expected[0].numpy(), atol=1 / 255)


def test_dimensions_are_ordered_by_importance(decoder, codes):
    ex = explore(decoder, codes, max_static_dims=3)
    assert ex.frames.order == [3, 2, 1, 4, 0]
    assert ex.frames.static_dims == [3, 2, 0]  # the two most important and the least
    assert explore(decoder, codes, max_static_dims=1).frames.static_dims == [3]
    kl = torch.tensor([0.0, 5.0, 1.0, 0.0, 2.0])
    ex = explore(decoder, codes, importance=kl, importance_label="KL")
    assert ex.frames.order[:3] == [1, 4, 2]
    assert ex.live.dim_select.options[0][0] == "z2 · KL 5"


def test_changing_dimension_and_reset_return_to_offset_zero(decoder, codes):
    ex = explore(decoder, codes)
    start = ex.live.image.value
    ex.live.slider.value = 3.0
    ex.live.dim_select.value = 0
    # Offset 0: the base decodings.
    assert ex.live.slider.value == 0.0 and ex.live.image.value == start
    ex.live.slider.value = -1.0
    ex.live.reset()
    assert ex.live.state() == (3, 6) and ex.live.image.value == start


def test_static_page_carries_the_live_frames(decoder, codes):
    ex = explore(decoder, codes, max_static_dims=2, steps=5)
    data = static_data(ex)
    assert data["mode"] == "dims" and [d["dim"] for d in data["dims"]] == [3, 0]
    for entry in data["dims"]:
        for step, frame in enumerate(entry["frames"]):
            assert base64.b64decode(frame) == ex.frames.frame(entry["dim"], step)
            assert entry["readouts"][step] == ex.frames.readout(entry["dim"], step)
    html = ex.to_html()
    assert "http" not in html  # self-contained: no CDN, no external image
    assert html.count("<option value=") == 2 and 'type="range"' in html
    assert "the 1 most important of 5 dimensions and the least important one" in html


def test_mime_bundle_has_the_widget_and_the_static_fallback(decoder, codes):
    bundle = explore(decoder, codes)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"].startswith('<div class="vaecore-explorer"')
    assert bundle["text/plain"].startswith("LatentExplorer(5 dimensions")


def test_two_dimensional_pad(decoder):
    codes = torch.randn(50, 2, generator=torch.Generator().manual_seed(3))
    ex = explore(decoder, codes, centre=0.0, scale=1.0, steps=7)
    assert ex.frames.pad and ex.live.state() == (3, 3)
    start = ex.live.image.value
    ex.live.sliders[0].value, ex.live.sliders[1].value = 2.0, -1.0
    assert ex.live.state() == (5, 2)
    assert ex.live.image.value != start and ex.live.image.value == ex.frames.frame(5, 2)
    assert ex.live.readout_html.value == "z = (2.00, -1.00)"
    assert 'cx="0.8333" cy="0.6667"' in ex.live.pad_html.value  # the marker moved with the sliders
    ex.live.reset()
    assert ex.live.image.value == start
    data = static_data(ex)
    assert data["mode"] == "pad" and len(data["frames"]) == 49
    assert base64.b64decode(data["frames"][2 * 7 + 5]) == ex.frames.frame(5, 2)  # row iy, column ix


def test_codes_from_an_encoder_or_the_prior(decoder):
    data = torch.rand(20, D)
    w = torch.randn(D, K) * 0.01
    ex = explore(decoder, encode=lambda x: x @ w, data=data)
    torch.testing.assert_close(ex.frames.codes, data @ w)
    with pytest.raises(TypeError, match="encode must return codes"):  # e.g. (mu, logvar)
        explore(decoder, encode=lambda x: (x @ w, torch.zeros(len(x), K)), data=data)
    ex = explore(decoder, latent_dim=K)
    assert ex.frames.codes.shape == (500, K)


def test_bad_arguments_fail_clearly(decoder, codes):
    linear = torch.nn.Linear(K, D)
    with pytest.raises(ValueError, match="take 3-dimensional codes"):
        explore(linear, codes[:, :3])  # wrong latent size
    with pytest.raises(ValueError, match="latent_dim is 4"):
        explore(decoder, codes, latent_dim=4)
    with pytest.raises(ValueError, match=r"decode returned shape \(6, 100\)"):
        explore(lambda z: torch.rand(len(z), 100), codes)
    with pytest.raises(ValueError, match="decode returned NaN"):
        explore(lambda z: torch.full((len(z), D), float("nan")), codes)
    bad = codes.clone()
    bad[5, 1] = float("inf")
    with pytest.raises(ValueError, match="codes contain NaN"):
        explore(decoder, bad)
    with pytest.raises(ValueError, match="steps must be odd"):
        explore(decoder, codes, steps=4)
    with pytest.raises(ValueError, match="n_base"):
        explore(decoder, codes, n_base=0)
    with pytest.raises(ValueError, match="scale must be"):
        explore(decoder, codes, scale=torch.ones(3))
    with pytest.raises(ValueError, match="positive scale"):
        explore(decoder, torch.zeros(10, 2))  # the codes do not vary: no pad to span
    with pytest.raises(ValueError, match="give codes"):
        explore(decoder)
    ex = explore(decoder, codes)
    with pytest.raises(ValueError, match="must be finite"):
        ex.live.slider.value = float("nan")


def test_codes_go_to_the_decoders_device():
    meta = torch.nn.Linear(2, 3, device="meta")
    assert device_of(meta) == torch.device("meta")
    assert device_of(VAE(2).to("meta").decode) == torch.device("meta")  # a bound method
    assert device_of(lambda z: z) == torch.device("cpu")


def test_output_sensitivity_ranks_the_dimensions_the_decoder_uses():
    weights = torch.tensor([0.0, 2.0, 0.5])  # the decoder ignores z1 and leans on z2

    def decode(z):
        return (z * weights).sum(1, keepdim=True).expand(-1, 4)

    s = output_sensitivity(decode, torch.randn(50, 3), step=1.0)
    torch.testing.assert_close(s, weights)  # a linear decoder moves by |w_d| * step
    per_dim = output_sensitivity(decode, torch.randn(50, 3), step=torch.tensor([1.0, 0.5, 4.0]))
    torch.testing.assert_close(per_dim, torch.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="shape"):
        output_sensitivity(decode, torch.randn(3))
