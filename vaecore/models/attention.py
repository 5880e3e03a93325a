"""Self-attention in a convolutional decoder (claim 4 of the chapter "Questions readers ask").

:class:`SelfAttention2d` is the layer of SAGAN (Zhang et al. 2019): every position of a feature
map looks at every other one, so the decoder can relate parts of the image that its small
convolutions cannot reach. :class:`Pointwise2d` is the control: the same residual form and the
same value map, but each position sees only itself. Each fits into
:class:`~vaecore.models.vae.ConvVAE` as its ``middle`` block, at 14 x 14.
"""

from __future__ import annotations

import torch
from torch import nn

from vaecore import checks

__all__ = ["SelfAttention2d", "Pointwise2d"]


class SelfAttention2d(nn.Module):
    """``x: (n, c, h, w) -> (n, c, h, w)``, eq. (ATTN): with 1 x 1 convolutions giving queries
    ``q = W_q x`` and keys ``k = W_k x`` (``c // 8`` channels each) and values ``v = W_v x``
    (``c`` channels) at every position,

    ``a_ij = softmax_j(q_i . k_j)``,  ``y_i = x_i + gamma sum_j a_ij v_j``,

    ``gamma`` a learnt scalar that starts at 0, so that the layer starts as the identity."""

    @checks.arguments(channels=checks.COUNT)
    def __init__(self, channels: int) -> None:
        super().__init__()
        if channels < 8:
            raise ValueError(f"need at least 8 channels (keys have channels // 8), got {channels}")
        self.query = nn.Conv2d(channels, channels // 8, 1)
        self.key = nn.Conv2d(channels, channels // 8, 1)
        self.value = nn.Conv2d(channels, channels, 1)
        self.gamma = nn.Parameter(torch.zeros(()))

    def attention(self, x: torch.Tensor) -> torch.Tensor:
        """``a: (n, h w, h w)``, row ``i`` the weights position ``i`` gives every position."""
        q, k = self.query(x).flatten(2), self.key(x).flatten(2)  # (n, c // 8, h w) each
        return torch.softmax(q.transpose(1, 2) @ k, dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        v = self.value(x).flatten(2)  # (n, c, h w)
        mixed = (v @ self.attention(x).transpose(1, 2)).view_as(x)  # sum_j a_ij v_j
        return x + self.gamma * mixed  # eq. (ATTN)


class Pointwise2d(nn.Module):
    """``y_i = x_i + gamma W_v x_i``: :class:`SelfAttention2d` without the attention, each
    position on its own (``gamma`` starts at 0)."""

    @checks.arguments(channels=checks.COUNT)
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.value = nn.Conv2d(channels, channels, 1)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.gamma * self.value(x)
