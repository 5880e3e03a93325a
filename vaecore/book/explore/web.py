"""The explorer's decoder for the reader's browser: exported to ONNX when the book's chapters run,
so that the built page can decode any setting of the controls, not only the precomputed grid.

``export(frames, folder)`` writes two files into ``folder``, named by the model's content:

* ``<digest>.onnx``: the decoder ``z: (n, K) -> x: (n, h * w)``, the same clamped intensities in
  [0, 1] that :meth:`~vaecore.book.explore.frames.Frames.decoded` draws. Its module's weights
  are rounded to float16 values, stored as float16 and cast back to float32 inside the graph:
  the file is half as big (an MLP decoder of the book: 2.1 MB in float32, 1.1 MB so), and the
  computation stays float32. A decode with no module of its own (a plain function) keeps its
  weights in float32;
* ``<digest>.check.json``: codes the reader can reach (the grid's corners and centre), PyTorch's
  outputs for them with the weights the page gets, which the page's outputs must match, and
  ``rounding``, the largest change the rounded weights make to a pixel of the trained
  decoder's images (about 1e-4, where one grey level of the 8-bit frames is 4e-3).

The book's build (``tools/chapter_cache.py``) names the folder in ``VAECORE_WEB_MODELS``
(:func:`vaecore.settings.web_models_dir`); outside the build nothing is exported and the static
page keeps its precomputed frames. The page loads the runtime (ONNX Runtime Web) and the model
on the reader's first interaction (``explorer-live.mjs``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import torch
from torch import nn

from vaecore import files
from vaecore.book.explore.drawing import FIELD, mnist_box
from vaecore.book.explore.frames import Frames, in_eval_mode, module_of
from vaecore.loop_parts import evaluating
from vaecore.models.parts import AsModule

__all__ = ["MAX_MODEL_BYTES", "CANVAS", "export", "export_encoder"]

#: The largest model a page may fetch, in bytes (a reader on a slow line waits for it).
MAX_MODEL_BYTES = 1_500_000


def _check_codes(frames: Frames) -> torch.Tensor:
    """``(m, K)``: the codes of the grid's extreme and middle settings, which the page must
    decode as PyTorch does."""
    last, mid = frames.steps - 1, frames.middle
    if frames.pad:
        settings = [(0, 0), (last, last), (0, last), (mid, mid)]
    else:
        d = frames.order[0]
        settings = [(d, 0), (d, mid), (d, last)]
    return torch.cat([frames.codes_at(a, b) for a, b in settings])


@contextmanager
def _half_precision(module: nn.Module | None) -> Iterator[None]:
    """Within the block, ``module``'s float32 parameters and buffers hold their nearest float16
    values (still float32 tensors); afterwards their own again."""
    tensors = [t for t in (module.state_dict() if module is not None else {}).values()]
    tensors = [t for t in tensors if t.dtype == torch.float32]
    saved = [t.clone() for t in tensors]
    with torch.no_grad():
        for t in tensors:
            t.copy_(t.half().float())
    try:
        yield
    finally:
        with torch.no_grad():
            for t, old in zip(tensors, saved):
                t.copy_(old)


def _half_weights(model) -> None:
    """Store each float32 weight of ``model`` (an ``onnx.ModelProto``) that float16 holds
    exactly as float16, cast back to float32 by a node at the top of the graph: the same graph
    and the same numbers in fewer bytes. Other weights stay as they are."""
    from onnx import TensorProto, helper, numpy_helper

    graph, casts, kept = model.graph, [], []
    for tensor in graph.initializer:
        values = numpy_helper.to_array(tensor)
        if tensor.data_type != TensorProto.FLOAT or not np.array_equal(
            values.astype(np.float16).astype(np.float32), values
        ):
            kept.append(tensor)
            continue
        half = numpy_helper.from_array(values.astype(np.float16), f"{tensor.name}.f16")
        kept.append(half)
        casts.append(helper.make_node("Cast", [half.name], [tensor.name], to=TensorProto.FLOAT))
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)


def _onnx_bytes(
    fn: Callable[..., Any],
    owner: nn.Module | None,
    example: torch.Tensor,
    input_name: str,
    output_names: list[str],
) -> bytes:
    """``fn`` as ONNX (opset 18, any batch size), with ``owner``'s weights (the model behind
    ``fn``, if any; in evaluation mode), those that float16 holds exactly stored so."""
    owners = [owner] if owner is not None else []
    # The exporter reports, as warnings and log lines, packages it could use and does not need
    # (torchvision's operators); the page would show them under the figure.
    quiet = logging.getLogger("torch.onnx")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        with evaluating(*owners), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            program = torch.onnx.export(
                AsModule(fn, owner),
                (example,),
                dynamo=True,
                input_names=[input_name],
                output_names=output_names,
                dynamic_shapes=({0: torch.export.Dim("n", min=1, max=4096)},),
                opset_version=18,
                verbose=False,
            )
    finally:
        quiet.setLevel(level)
    if program is None:  # only a file target gets no program back
        raise RuntimeError("torch.onnx.export returned no program")
    model = program.model_proto
    _half_weights(model)
    model.producer_name, model.producer_version = "vaecore", ""
    return model.SerializeToString()


def _exported(what: str, make: Callable[[], bytes]) -> bytes:
    """``make()``, the model's bytes, or a ``ValueError`` that says what to do instead."""
    try:
        data = make()
    except Exception as err:  # the exporter raises many kinds; the caller needs one
        raise ValueError(
            f"this {what} cannot run in the reader's browser (torch.onnx.export failed: "
            f"{str(err).splitlines()[0] if str(err) else type(err).__name__}); pass "
            "browser=False to explore() to keep the precomputed frames only"
        ) from err
    if len(data) > MAX_MODEL_BYTES:
        raise ValueError(
            f"the exported {what} takes {len(data):,} bytes, more than a page may fetch "
            f"({MAX_MODEL_BYTES:,}); pass browser=False to explore() to keep the precomputed "
            "frames only"
        )
    return data


def _write(folder: Path, data: bytes, check: dict) -> str:
    """Write a model and its check into ``folder``, named by the model's content."""
    name = hashlib.sha256(data).hexdigest()[:20] + ".onnx"
    files.write_bytes(folder / name, data)
    files.write_text(folder / name.replace(".onnx", ".check.json"), json.dumps(check) + "\n")
    return name


def _seven(values: np.ndarray | torch.Tensor) -> list:
    """Seven decimals: a thousandth of the tolerance the page is held to, a third of the bytes."""
    return np.round(np.asarray(values, dtype=np.float64), 7).tolist()


def export(frames: Frames, folder: Path) -> str:
    """Write ``frames``' decoder and its check into ``folder``; return the model's file name.

    Raises ``ValueError`` when the decoder cannot be exported (say why: a decode that leaves
    PyTorch, for one) or when the model passes :data:`MAX_MODEL_BYTES`."""
    codes = _check_codes(frames)
    trained = frames.decoded(codes)
    pixels = frames.image_shape[0] * frames.image_shape[1]

    def images(z: torch.Tensor) -> torch.Tensor:  # what the explorer draws
        return frames.decode_fn(z).reshape(z.shape[0], pixels).clamp(0, 1)

    owner = module_of(frames.decode_fn)
    with _half_precision(owner):
        shipped = frames.decoded(codes)
        data = _exported(
            "decoder", lambda: _onnx_bytes(images, owner, codes.to(frames.device), "z", ["x"])
        )
    check = {
        "codes": codes.tolist(),
        "outputs": _seven(shipped),
        "rounding": float(np.abs(shipped - trained).max()),
    }
    return _write(folder, data, check)


#: The side, in cells of ink, of the page's drawing pad (``explorer-live.mjs``), and of the
#: drawing in an encoder's check (a decoded image, twice its size, off the pad's centre).
CANVAS = 112


def export_encoder(frames: Frames, encode: Callable[[torch.Tensor], Any], folder: Path) -> dict:
    """Write ``encode`` (images ``(n, 784)`` -> codes ``(n, K)``, or a VAE's posterior ->
    ``(means, log-variances)``) and its check into ``folder``; return what the page needs:
    ``{"model": file name, "outputs": ["code"] or ["mean", "log_var"]}``.

    The check holds images and the encoder's outputs for them, and a drawing on the page's
    canvas with its MNIST digit (:func:`~vaecore.book.explore.drawing.mnist_box`), the first of
    the images."""
    if frames.image_shape != (FIELD, FIELD):
        raise ValueError(
            f"a drawing is read as an MNIST digit, {FIELD} x {FIELD}; this explorer draws "
            f"{frames.image_shape} images"
        )
    digit = frames.decoded(frames.base[:1])[0].reshape(FIELD, FIELD)
    ink = np.zeros((CANVAS, CANVAS))
    ink[10 : 10 + 2 * FIELD, 30 : 30 + 2 * FIELD] = np.kron(digit, np.ones((2, 2)))
    box = mnist_box(ink)
    images = torch.cat(
        [
            torch.from_numpy(box.reshape(1, -1)).float(),
            torch.from_numpy(frames.decoded(_check_codes(frames))).float(),
        ]
    )
    device, owner = frames.device, module_of(encode)
    with _half_precision(owner), torch.no_grad():
        found = in_eval_mode(encode, images.to(device))
        outputs = list(found) if isinstance(found, tuple) else [found]
        names = ["code"] if len(outputs) == 1 else ["mean", "log_var"]
        if len(outputs) > 2 or any(o.shape != (len(images), frames.latent_dim) for o in outputs):
            raise ValueError(
                f"an encoder to draw with gives codes ({len(images)}, {frames.latent_dim}) for "
                f"{len(images)} images, or a pair of them (means, log-variances); got "
                f"{[tuple(o.shape) for o in outputs]}"
            )
        data = _exported(
            "encoder", lambda: _onnx_bytes(encode, owner, images.to(device), "x", names)
        )
    check = {
        "images": _seven(images),
        "outputs": {name: _seven(o.cpu()) for name, o in zip(names, outputs)},
        "drawing": {
            "height": CANVAS,
            "width": CANVAS,
            "ink": _seven(ink.ravel()),
            "digit": _seven(box.ravel()),
        },
    }
    return {"model": _write(folder, data, check), "outputs": names}
