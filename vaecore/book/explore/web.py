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
from typing import Iterator

import numpy as np
import torch
from torch import nn

from vaecore import files
from vaecore.book.explore.frames import Frames, module_of
from vaecore.loop_parts import evaluating
from vaecore.models.parts import DrawnImages

__all__ = ["MAX_MODEL_BYTES", "export"]

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


def _onnx_bytes(frames: Frames, example: torch.Tensor) -> bytes:
    """The decoder as ONNX (opset 18, any batch size), weights in float16."""
    owner = module_of(frames.decode_fn)
    decoder = DrawnImages(frames.decode_fn, frames.image_shape[0] * frames.image_shape[1], owner)
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
                decoder,
                (example.to(frames.device),),
                dynamo=True,
                input_names=["z"],
                output_names=["x"],
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


def export(frames: Frames, folder: Path) -> str:
    """Write ``frames``' decoder and its check into ``folder``; return the model's file name.

    Raises ``ValueError`` when the decoder cannot be exported (say why: a decode that leaves
    PyTorch, for one) or when the model passes :data:`MAX_MODEL_BYTES`."""
    codes = _check_codes(frames)
    trained = frames.decoded(codes)
    try:
        with _half_precision(module_of(frames.decode_fn)):
            shipped = frames.decoded(codes)
            data = _onnx_bytes(frames, codes)
    except Exception as err:  # the exporter raises many kinds; the caller needs one
        raise ValueError(
            "this decode cannot run in the reader's browser (torch.onnx.export failed: "
            f"{str(err).splitlines()[0] if str(err) else type(err).__name__}); pass "
            "browser=False to explore() to keep the precomputed frames only"
        ) from err
    if len(data) > MAX_MODEL_BYTES:
        raise ValueError(
            f"the exported decoder takes {len(data):,} bytes, more than a page may fetch "
            f"({MAX_MODEL_BYTES:,}); pass browser=False to explore() to keep the precomputed "
            "frames only"
        )
    name = hashlib.sha256(data).hexdigest()[:20] + ".onnx"
    # Seven decimals: a thousandth of the tolerance the page is held to, a third of the bytes.
    check = {
        "codes": codes.tolist(),
        "outputs": np.round(shipped, 7).tolist(),
        "rounding": float(np.abs(shipped - trained).max()),
    }
    files.write_bytes(folder / name, data)
    files.write_text(folder / name.replace(".onnx", ".check.json"), json.dumps(check) + "\n")
    return name
