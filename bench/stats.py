"""The statistics of every scenario, with one convention.

A percentile interpolates linearly between the two closest ranks (numpy's default,
method 7 of Hyndman and Fan): of n sorted values, percentile q sits at position
(n - 1) * q / 100, so p0 is the least value, p100 the greatest and p50 the median.
No values have no percentile: NaN, which the report prints as it is.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence


def percentile(values: Iterable[float], q: float) -> float:
    """Percentile `q` (0 to 100) of `values`."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Iterable[float]) -> float:
    return percentile(values, 50)


def medians(rows: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Each key's median over `rows`, in the first row's order of keys."""
    return {key: median(row[key] for row in rows) for key in rows[0]} if rows else {}


def means(rows: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Each key's mean over `rows` (0 where a row lacks it), largest first."""
    if not rows:
        return {}
    keys = {key for row in rows for key in row}
    mean = {key: sum(row.get(key, 0.0) for row in rows) / len(rows) for key in keys}
    return dict(sorted(mean.items(), key=lambda item: -item[1]))


def share(part: float, whole: float) -> str:
    """`part` as a whole percentage of `whole` ("0%" of nothing)."""
    return f"{part * 100 / whole:.0f}%" if whole else "0%"
