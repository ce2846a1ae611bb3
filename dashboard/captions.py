"""Write plain-English captions from the numbers, claiming nothing the numbers do not show.

"Evidence searches rose 12% to 1,204 in 2024/25, 3rd highest of 14 similar services." Each
clause is written only when its facts are there: no "rose" unless the value is higher than a
comparable earlier figure and the two differ as shown, no rank when peer figures are withheld,
"met its target" only when the value reaches the target in the measure's better direction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .formatting import format_value

STEADY_PCT = 0.5  # changes smaller than this (in %, or percentage points) are "little changed"
# How a sentence names a measure where its catalogue name (without a trailing unit in
# brackets) would not read well or would lose its meaning.
CAPTION_LABELS = {
    "searches": "Evidence searches",
    "registered_pct": "Registered users as a share of potential users",
    "impact_patient_care_pct": "The share of respondents reporting an impact on patient care",
    "impact_decision_making_pct": "The share of respondents reporting better decisions",
    "impact_time_saved_pct": "The share of respondents reporting time saved",
    "impact_learning_pct": "The share of respondents reporting an impact on learning",
}


def ordinal(n: int) -> str:
    """Return 1st, 2nd, 3rd, 4th, 11th, 21st, ..."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n:,}{suffix}"


def _number(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@dataclass(frozen=True)
class Facts:
    """What is known about one measure for one service and period."""

    metric: object                 # a catalogue MetricDef or DerivedDef
    value: float | None
    period_label: str = ""         # "2024/25"
    previous: float | None = None  # the comparable earlier figure, None when there is none
    previous_label: str = ""       # "2023/24"
    target: float | None = None
    rank: int | None = None        # 1 = best, among the service and its peers with data
    rank_of: int | None = None
    peer_median: float | None = None
    peers_withheld: bool = False
    group_noun: str = "similar services"
    label: str = ""                # the measure as a sentence names it (default: see label_of)

    def shown(self, value: float | None) -> str:
        return format_value(value, self.metric)


def caption_label(metric) -> str:
    """Name a measure as a sentence's subject: "Total LKS staff", not "Total LKS staff (WTE)"."""
    if metric.code in CAPTION_LABELS:
        return CAPTION_LABELS[metric.code]
    name = metric.name
    if name.endswith(")") and " (" in name:
        name = name[:name.rindex(" (")]
    return name


def label_of(f: Facts) -> str:
    """Name the measure as a sentence's subject."""
    return f.label or caption_label(f.metric)


def change_clause(f: Facts) -> str:
    """Say how the value moved from the earlier figure, or just the value."""
    label = label_of(f)
    value, previous = _number(f.value), _number(f.previous)
    when = f" in {f.period_label}" if f.period_label else ""
    if value is None:
        return f"No figure for {label}{when}"
    now = f.shown(value)
    if previous is None:
        return f"{label}: {now}{when}"
    then = f.shown(previous)
    earlier = f" from {then} in {f.previous_label}" if f.previous_label else f" from {then}"
    one_in_n = getattr(f.metric, "display", "") == "one_in_n"
    percent = f.metric.unit == "percent"
    if percent:
        size = abs(value - previous)  # percentage points
    elif previous:
        size = abs(value - previous) / abs(previous) * 100.0
    else:
        size = math.inf if value != previous else 0.0
    if value == previous or size < STEADY_PCT or now == then:
        return f"{label}: {now}{when}, little changed{earlier}"
    rose = value > previous
    if one_in_n:  # 1:N ratios: a smaller N is better, so say which way it went plainly
        better = f.metric.higher_is_better
        if better is None:
            verb = "moved"
        else:
            verb = "improved" if rose == better else "worsened"
        return f"{label} {verb} to {now}{when},{earlier}"
    verb = "rose" if rose else "fell"
    if percent:
        points = abs(value - previous)
        amount = f"{points:.1f} percentage points"
    elif previous:
        amount = f"{size:.1f}%" if size < 10 else f"{size:,.0f}%"
    else:
        amount = ""
    by = f" {amount}" if amount else ""
    return f"{label} {verb}{by} to {now}{when},{earlier}"


def rank_clause(f: Facts) -> str:
    """Say the rank among similar services, or nothing when there is no rank to tell.

    The count is the service and the similar services with a figure ("3rd highest of 14:
    this service and 13 similar services"); the last place says the other extreme plainly
    ("highest of 11, where lower is better") rather than "11th lowest of 11".
    """
    if f.peers_withheld or f.rank is None or f.rank_of is None or f.rank_of < 2 or \
            _number(f.value) is None:
        return ""
    lower_better = f.metric.higher_is_better is False
    best, worst = ("lowest", "highest") if lower_better else ("highest", "lowest")
    others = f.rank_of - 1
    among = f"of {f.rank_of:,}: this service and {others:,} {f.group_noun} with figures"
    if f.rank == 1:
        place = best
    elif f.rank == f.rank_of and f.metric.higher_is_better is not None:
        place = worst
    else:
        place = f"{ordinal(f.rank)} {best}"
    better = {True: "", False: ", where lower is better"}.get(f.metric.higher_is_better, "")
    return f"{place} {among}{better}"


def target_clause(f: Facts) -> str:
    """Say how the value stands against its target, or nothing when there is none."""
    value, target = _number(f.value), _number(f.target)
    if target is None or value is None:
        return ""
    shown = f.shown(target)
    better = f.metric.higher_is_better
    if better is None:
        return f"target {shown}"
    met = value >= target if better else value <= target
    if met:
        return f"met its target of {shown}"
    if f.metric.unit == "percent":  # a share: say the gap in percentage points
        return f"{abs(value - target):.1f} points short of its target of {shown}"
    if better and target > 0:
        return f"{value / target * 100:.0f}% of its target of {shown}" \
            if value / target < 0.995 else f"just short of its target of {shown}"
    return f"short of its target of {shown}"


def headline_caption(f: Facts) -> str:
    """Write one sentence about a measure: change on last year, rank, target."""
    sentence = change_clause(f)
    rank = rank_clause(f)
    target = target_clause(f)
    if rank:
        sentence += f"; {rank}"
    if target:
        sentence += f"; {target}"
    return sentence.rstrip(",") + "."


def peer_line(f: Facts) -> str:
    """Say the peer median in a short line, or why there is none."""
    if f.peers_withheld:
        return "Peer comparison withheld: too few similar services have data"
    median = _number(f.peer_median)
    if median is None:
        return ""
    return f"Peer median {f.shown(median)}"


def change_line(kpi, metric, comparison_label: str) -> str:
    """Say a KPI's change on the earlier period as a tile does: "+12.0% vs 2023/24 (1,075)",
    or why there is no comparison ("" when there is no figure at all)."""
    from .formatting import change_text

    if kpi.direction is not None:
        return (f"{change_text(kpi, metric)} vs {comparison_label} "
                f"({format_value(kpi.previous, metric)})")
    if kpi.value is not None and kpi.previous_incomplete:
        return (f"No comparison: {comparison_label} is incomplete "
                f"({kpi.previous_coverage:.0%} reported)")
    if kpi.value is not None:
        return f"No figure for {comparison_label} to compare"
    return ""
