"""Percentiles and the machine's load, printed beside every figure so a reader can judge it."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def load_average() -> str:
    """The 1-minute load average and the core count, e.g. "load 1.2/2 cores"."""
    try:
        one = os.getloadavg()[0]
    except OSError:
        return "load ?"
    return f"load {one:.1f}/{os.cpu_count() or '?'} cores"


def ms(seconds: float) -> str:
    return "n/a" if math.isnan(seconds) else f"{seconds * 1000:.1f} ms"
