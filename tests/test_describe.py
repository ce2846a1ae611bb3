"""Panels in words: captions, alt text and tables say exactly what the figures show."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.describe import (panel_alt_text, panel_caption, panel_table, rows_markdown,
                                table_markdown)
from dashboard.templates import Panel
from dashboard.views import PanelData

SPEND = Panel("spend", "breakdown", "Expenditure by category",
              ("exp_staff", "exp_eresources", "exp_print"), "finance", parts_of_whole=True)
TREND = Panel("searches", "trend", "Evidence searches", ("searches",), "activity")


def data(panel, rows, periods=(), title="Chart, 2024/25"):
    frame = pd.DataFrame(rows, columns=["metric", "period", "value", "coverage"])
    frame["bucket"] = dt.date(2024, 4, 1)
    frame["label"] = frame["metric"]
    return PanelData(panel, title, frame, "month", None, [], list(periods))


def test_breakdown_caption_names_the_largest_share():
    d = data(SPEND, [("exp_staff", "2024/25", 600.0, 1.0), ("exp_eresources", "2024/25", 300.0,
                                                             1.0),
                     ("exp_print", "2024/25", 100.0, 1.0)])
    assert panel_caption(d) == "Largest: Staff, £600 of £1,000 (60%) in 2024/25."
    assert "Staff £600 (60%); E-resources £300 (30%); Print £100 (10%)." in panel_alt_text(d)
    table = panel_table(d)
    assert list(table["Value"]) == [600.0, 300.0, 100.0]
    assert list(table["Share of total"]) == [0.6, 0.3, 0.1]
    assert "| Staff | 2024/25 | £600 | 60% | 100% |" in rows_markdown(d)


def test_ties_are_called_joint():
    d = data(SPEND, [("exp_staff", "2024/25", 500.0, 1.0),
                     ("exp_eresources", "2024/25", 500.0, 1.0)])
    assert panel_caption(d).startswith("Joint largest")


def test_trend_caption_and_alt_text_find_the_extremes_and_gaps():
    periods = ["Apr 2024", "May 2024", "Jun 2024", "Jul 2024"]
    d = data(TREND, [("searches", "Apr 2024", 80.0, 1.0), ("searches", "May 2024", 140.0, 1.0),
                     ("searches", "Jul 2024", 95.0, 0.5)], periods)
    assert panel_caption(d) == ("Evidence searches: highest in May 2024 (140), lowest in "
                                "Apr 2024 (80).")
    alt = panel_alt_text(d)
    assert alt.startswith("Line chart: Chart, 2024/25.")
    assert "1 of 4 periods have no figures." in alt
    assert "| Evidence searches | Jul 2024 | 95 | 50% |" in rows_markdown(d)


def test_empty_panel_says_so():
    d = data(TREND, [])
    d.empty_message = "No figures for evidence searches in 2024/25."
    assert panel_caption(d) == d.empty_message
    assert d.empty_message in panel_alt_text(d)
    assert rows_markdown(d) == d.empty_message


def test_markdown_tables_escape_pipes_and_format_by_column():
    table = pd.DataFrame({"Measure": ["A | B"], "Measure code": ["searches"],
                          "Peer median": [1234.0], "Change (%)": [12.34]})
    text = table_markdown(table)
    assert "A \\| B" in text and "1,234" in text and "+12.3%" in text
