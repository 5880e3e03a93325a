"""The size of the gradient that reaches each layer, recorded while a model trains.

:class:`GradientNorms` hooks every weight matrix of a module (biases and batch-norm scales are left
out) and keeps ``||dL/dW||``, the Frobenius norm of the gradient accumulated in it, after every
backward pass. It changes nothing in training, so any loop (:func:`vaecore.train.fit`,
:func:`vaecore.train_gan.train_gan`) can be watched as it is. Gradients *vanish* when the norms of
some layers fall orders of magnitude below the others or towards 0, and *explode* when they grow
by orders of magnitude."""

from __future__ import annotations

from functools import partial

import torch
from torch import nn

__all__ = ["GradientNorms"]


class GradientNorms:
    """``with GradientNorms(module) as norms: train(...)``; then ``norms.norms[layer]`` holds one
    gradient norm per backward pass through that layer, layers named as in
    ``module.named_parameters()``."""

    def __init__(self, module: nn.Module) -> None:
        self.norms: dict[str, list[float]] = {}
        self._hooks = []
        for name, weight in module.named_parameters():
            if weight.dim() >= 2:  # a weight matrix or kernel, not a bias or a scale
                self.norms[name] = []
                self._hooks.append(
                    weight.register_post_accumulate_grad_hook(partial(self._keep, name))
                )
        if not self.norms:
            raise ValueError(f"{type(module).__name__} has no weight matrix to watch")

    def _keep(self, name: str, weight: torch.Tensor) -> None:
        assert weight.grad is not None  # the hook runs after the gradient is stored
        self.norms[name].append(float(weight.grad.norm()))

    def remove(self) -> None:
        """Stop recording (the norms recorded so far are kept)."""
        for hook in self._hooks:
            hook.remove()
        self._hooks.clear()

    def __enter__(self) -> GradientNorms:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()
