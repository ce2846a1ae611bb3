"""Describe a dashboard snapshot: everything a download shows, whatever its format.

A `Snapshot` is built once from a view state (a dashboard page, the Benchmark page or the
executive view, with its filters) by `dashboard.snapshot.build`, and every renderer (PDF,
PowerPoint, PNG, standalone HTML, XLSX, CSV, ZIP) and the presentation mode draw from it, so
all of them show the same figures, titles, captions and definitions.

Nothing here touches the database or Dash: a snapshot is plain data (text, Plotly JSON figures
and small DataFrames).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

SNAPSHOT_FORMATS = ("pdf", "pptx", "png", "html", "xlsx", "csv", "zip")
FORMAT_LABELS = {
    "pdf": "PDF (print, board papers)",
    "pptx": "PowerPoint (one slide per panel)",
    "png": "PNG image (whole dashboard)",
    "html": "Interactive HTML (works offline)",
    "xlsx": "Excel (data behind each panel)",
    "csv": "CSV (data behind the panels)",
    "zip": "Everything (ZIP bundle)",
}
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "png": "image/png",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
    "json": "application/json",
}
STATE_VERSION = 1  # of the view-state JSON that re-opens a view


@dataclass(frozen=True)
class Headline:
    """A headline figure as words: what a KPI tile or an executive-view figure says."""

    code: str                      # catalogue code
    label: str                     # "Evidence searches"
    value: str                     # formatted: "1,204", "£788,374", "1:1,730"
    change: str = ""               # "+12.0% vs 2023/24 (1,075)", "" when nothing to compare
    assessment: str = "neutral"    # good | bad | neutral (the change, by higher-is-better)
    caption: str = ""              # "Evidence searches rose 12% to 1,204: 3rd highest of 14 ..."
    icon: str = ""                 # Bootstrap Icons name without "bi-", e.g. "search"
    details: tuple[str, ...] = ()  # extra lines: "Target 1,300: 93% reached", "Peer median 1,050"
    number: float | None = None    # the value as a number (spreadsheets), None when missing
    unit: str = ""                 # its unit in words: "GBP", "%", "WTE", "count" ...


@dataclass
class SnapshotPanel:
    """One panel (chart) of a snapshot, with the data behind it and words about it."""

    key: str                              # stable id, e.g. "expenditure-by-category"
    title: str                            # the chart's title, saying what and when
    caption: str                          # plain-English sentence generated from the numbers
    description: str                      # what the panel shows (fixed text)
    figure: dict[str, Any] | None         # Plotly JSON (data + layout); None when empty
    table: pd.DataFrame                   # exactly the figures drawn, readable column names
    metrics: tuple[str, ...] = ()         # catalogue codes shown (for definitions)
    alt_text: str = ""                    # the chart in one or two sentences, for screen readers
    notes: tuple[str, ...] = ()           # incomplete periods, coarser grouping, withheld ...
    empty_message: str | None = None      # set instead of a figure when there is nothing to draw

    @property
    def has_chart(self) -> bool:
        return self.figure is not None and self.empty_message is None


@dataclass(frozen=True)
class Definition:
    """A measure's definition, for footnotes and speaker notes."""

    code: str
    name: str
    definition: str
    unit: str = ""
    source: str = ""


@dataclass
class Snapshot:
    """Everything a download of the current view shows."""

    title: str                                   # "Finance: 2024/25"
    page: str                                    # overview | staffing | ... | benchmark | executive
    url: str                                     # path and query re-opening the view: "/finance?..."
    state: dict[str, Any]                        # the view-state JSON (see view_state_json)
    service_code: str = ""
    service_name: str = ""
    subtitle: str = ""                           # "Acute · North East and Yorkshire · 13,235 WTE served"
    period_label: str = ""                       # "2024/25" or "Apr 2024 – Jun 2024"
    filters: tuple[tuple[str, str], ...] = ()    # (label, value in words), in display order;
                                                 # the service is in service_code/service_name
    headlines: list[Headline] = field(default_factory=list)
    panels: list[SnapshotPanel] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    messages: tuple[str, ...] = ()               # warnings the page shows (bad link values ...)
    footnotes: tuple[str, ...] = ()              # method notes (quartile method, normalisation ...)
    source: str = ""                             # "Demo data (synthetic)", "IMLS Public Libraries ..."
    synthetic: bool = False                      # demo data: every output says so
    data_as_of: dt.datetime | None = None        # when the figures were last changed
    generated: dt.datetime = field(default_factory=lambda: dt.datetime.now().replace(microsecond=0))
    organisation: str = ""                       # ORGANISATION_NAME setting
    logo: Path | None = None                     # ORGANISATION_LOGO setting (PNG or JPEG)
    empty_message: str | None = None             # the whole view has nothing to show
    base_url: str = ""                           # where people reach Shelfmark: https://host

    @property
    def link(self) -> str:
        """Return the address that re-opens the view: whole when Shelfmark's is known."""
        if not self.url:
            return ""
        return self.base_url.rstrip("/") + self.url if self.base_url else self.url

    @property
    def file_stem(self) -> str:
        """Return a safe file name stem: shelfmark-finance-DEMO003-2024-25."""
        import re

        parts = ["shelfmark", self.page, self.service_code, self.period_label]
        text = "-".join(p for p in parts if p)
        text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")
        return text[:120] or "shelfmark"

    @property
    def as_of_text(self) -> str:
        """Say when the data were last changed, for title blocks and footers."""
        if self.data_as_of is None:
            return "Data as of: unknown"
        return f"Data as of {self.data_as_of:%d %b %Y %H:%M}"

    @property
    def synthetic_notice(self) -> str:
        return ("Demo data (synthetic): these services and figures are generated for "
                "demonstration; they are not real.") if self.synthetic else ""


@dataclass(frozen=True)
class SnapshotFile:
    """A rendered snapshot: its bytes, file name and media type."""

    content: bytes
    filename: str
    media_type: str
