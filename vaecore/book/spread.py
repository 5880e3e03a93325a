"""How the book prints a spread, saying which one it is: the standard deviation of the runs
(how much one run varies) or the standard error of their mean (how well the mean is known)."""

from __future__ import annotations

import math
from typing import Any, Sequence

from vaecore import checks

__all__ = ["mean_sd", "mean_se"]


@checks.arguments(digits=checks.whole(0))
def mean_sd(values: Sequence[float], digits: int = 1) -> str:
    """``"mean ± sd"`` of ``values``, with the sample standard deviation (``n - 1``; 0 for one
    value). Say "mean ± standard deviation over the seeds" beside it."""
    n = len(values)
    if n == 0:
        raise ValueError("no values to summarise")
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"


@checks.arguments(digits=checks.whole(0))
def mean_se(stat: dict[str, Any], digits: int = 1) -> str:
    """``"mean ± se"`` of a benchmark's ``{"mean": .., "se": ..}`` summary
    (``benchmarks/_report.mean_se``). Say "mean ± standard error" beside it."""
    return f"{stat['mean']:.{digits}f} ± {stat['se']:.{digits}f}"
