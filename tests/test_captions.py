"""Captions say what the numbers show and nothing more (examples and hypothesis properties)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.captions import Facts, caption_label, headline_caption, peer_line, rank_clause
from dashboard.catalogue import CATALOGUE

SEARCHES = CATALOGUE["searches"]            # a count, higher is better
COST = CATALOGUE["cost_per_search"]         # money, lower is better
RATIO = CATALOGUE["qualified_ratio"]        # 1:N, lower is better
SHARE = CATALOGUE["registered_pct"]         # a percentage
SPEND = CATALOGUE["exp_total"]              # money, no better direction


def test_rise_with_rank_and_target():
    text = headline_caption(Facts(SEARCHES, 1204, "2024/25", 1075, "2023/24", target=1300,
                                  rank=3, rank_of=14, peer_median=1100))
    assert text == ("Evidence searches rose 12% to 1,204 in 2024/25, from 1,075 in 2023/24; "
                    "3rd highest of 14: this service and 13 similar services with figures; 93% "
                    "of its target of 1,300.")


def test_fall_where_lower_is_better_meets_target_and_ranks_lowest():
    text = headline_caption(Facts(COST, 567, "2024/25", 652, "2023/24", target=600, rank=1,
                                  rank_of=9))
    assert text.startswith("Cost per evidence search fell 13% to £567 in 2024/25")
    assert "lowest of 9: this service and 8 similar services with figures, where lower is " \
        "better" in text
    assert "met its target of £600" in text


def test_ratio_says_improved_or_worsened_by_its_better_direction():
    better = headline_caption(Facts(RATIO, 1700, "2024/25", 1900, "2023/24"))
    worse = headline_caption(Facts(RATIO, 1900, "2024/25", 1700, "2023/24"))
    assert better.startswith("Qualified staff ratio improved to 1:1,700")
    assert worse.startswith("Qualified staff ratio worsened to 1:1,900")


def test_percentages_change_in_points():
    text = headline_caption(Facts(SHARE, 45.2, "2024/25", 42.0, "2023/24", target=46.4))
    assert "rose 3.2 percentage points to 45.2%" in text
    assert "1.2 points short of its target of 46.4%" in text


def test_last_place_says_the_other_extreme():
    worst_cost = headline_caption(Facts(COST, 900, "2024/25", rank=11, rank_of=11))
    assert "highest of 11: this service and 10 similar services with figures, where lower " \
        "is better" in worst_cost
    last_count = headline_caption(Facts(SEARCHES, 10, "2024/25", rank=5, rank_of=5))
    assert "lowest of 5" in last_count and "5th" not in last_count


def test_small_changes_are_little_changed_not_rose():
    text = headline_caption(Facts(SPEND, 1000.0, "2024/25", 1003.0, "2023/24"))
    assert "little changed" in text and "rose" not in text and "fell" not in text


def test_no_comparison_no_rank_when_withheld():
    text = headline_caption(Facts(SEARCHES, 1204, "2024/25", None, "2023/24", rank=2,
                                  rank_of=10, peers_withheld=True))
    assert text == "Evidence searches: 1,204 in 2024/25."
    assert peer_line(Facts(SEARCHES, 1, peers_withheld=True)).startswith("Peer comparison "
                                                                          "withheld")


def test_missing_value_says_so():
    text = headline_caption(Facts(SEARCHES, None, "2024/25", 900, "2023/24", target=10, rank=1,
                                  rank_of=5))
    assert text == "No figure for Evidence searches in 2024/25."


def test_caption_labels_drop_units_in_brackets_but_keep_meaning():
    assert caption_label(CATALOGUE["staff_total_wte"]) == "Total LKS staff"
    assert "share" in caption_label(CATALOGUE["impact_patient_care_pct"])
    assert caption_label(SHARE) != "Registered users"


# --- properties: never claim what the numbers do not show ----------------------------------------

values = st.one_of(st.none(), st.floats(min_value=0, max_value=1e7, allow_nan=False))
metrics = st.sampled_from([SEARCHES, COST, RATIO, SHARE, SPEND, CATALOGUE["staff_total_wte"]])


@settings(max_examples=400, deadline=None)
@given(metric=metrics, value=values, previous=values, target=values,
       rank=st.one_of(st.none(), st.integers(1, 40)), extra=st.integers(0, 40),
       withheld=st.booleans())
def test_caption_claims_follow_the_numbers(metric, value, previous, target, rank, extra,
                                           withheld):
    if metric.unit == "percent":
        value = None if value is None else min(value, 100.0)
        previous = None if previous is None else min(previous, 100.0)
        target = None if target is None else min(target, 100.0)
    rank_of = None if rank is None else rank + extra
    facts = Facts(metric, value, "2024/25", previous, "2023/24", target=target, rank=rank,
                  rank_of=rank_of, peers_withheld=withheld)
    text = headline_caption(facts)
    assert text.endswith(".") and "None" not in text and "nan" not in text.lower()
    if " rose " in text:
        assert value > previous
    if " fell " in text:
        assert value < previous
    if " improved " in text:
        assert (value < previous) if metric.higher_is_better is False else (value > previous)
    if " worsened " in text:
        assert (value > previous) if metric.higher_is_better is False else (value < previous)
    if value is None:
        assert text.startswith("No figure")
    if "met its target" in text:
        assert target is not None and value is not None
        assert value >= target if metric.higher_is_better else value <= target
    if re.search(r"(highest|lowest) of \d", text):
        assert not withheld and rank is not None and rank_of >= 2 and value is not None
    else:
        assert withheld or rank is None or (rank_of or 0) < 2 or value is None
    if withheld:
        assert rank_clause(facts) == ""
