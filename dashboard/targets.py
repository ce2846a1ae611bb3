"""Keep services' targets: a value to reach for a measure over a period (usually a year).

Targets are set from the command line (`python -m dashboard targets ...`) and shown on the
executive view and in snapshots, beside last year and the peer median. A target applies to a
view whose period is exactly the target's period: a yearly target is never compared with a
quarter's figure. This module says what a valid target is; dashboard.db.targets stores them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .catalogue import Catalogue
from .periods import PeriodRange

MAX_NOTE = 500
MAX_VALUE = 1e12  # larger than any library figure: a typing slip, not a target


class TargetError(ValueError):
    """A target cannot be stored; the message says why."""


@dataclass(frozen=True)
class TargetInfo:
    """A stored target as pages and exports see it."""

    service: str
    metric: str
    period: PeriodRange
    value: float
    note: str = ""
    created_by: str = ""


def check_target(target: TargetInfo, catalogue: Catalogue) -> TargetInfo:
    """Return the target as it is stored (value a float, note and author cut to length), or
    raise TargetError saying why it cannot be."""
    value = _check(target.metric, target.value, target.period, catalogue)
    return TargetInfo(target.service, target.metric, target.period, value,
                      (target.note or "")[:MAX_NOTE], (target.created_by or "")[:200])


def _check(metric: str, value, period: PeriodRange, catalogue: Catalogue) -> float:
    if metric not in catalogue:
        raise TargetError(f"{metric!r} is not a measure in the catalogue")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value):
        raise TargetError("a target must be a finite number")
    if value < 0:
        raise TargetError("a target cannot be negative")
    if value > MAX_VALUE:
        raise TargetError(f"a target of {value:g} is too large (at most {MAX_VALUE:,.0f})")
    if catalogue[metric].unit == "percent" and value > 100:
        raise TargetError(f"{catalogue[metric].name} is a percentage: a target cannot be over 100")
    if period.end < period.start:
        raise TargetError("a target's period must end after it starts")
    if period.start.day != 1 or period.end.day != 1:
        raise TargetError("a target's period runs from a first month to a last month")
    return float(value)
