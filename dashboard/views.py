"""Assemble a dashboard page's data for one service and period.

A page's template (`dashboard.templates`) lists its headline KPIs and panels; `build_view`
reads the service and then every aggregate the page shows (two SQL statements) and returns
plain data that layouts and exports render.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import pandas as pd

from .catalogue import CATALOGUE, Catalogue
from .compute import Kpi, derived_values, kpis_from_values
from .db.aggregates import Read, aggregate_reads
from .db.services import ServiceInfo, first_service_code, service_summary
from .periods import (GRANULARITY_LABELS, MONTHS_IN, PeriodRange, bucket_labels,
                      comparison_period, history_months, period_label, starts_bucket)
from .settings import Config
from .state import ViewState, resolve_period, unknown_service_note
from .templates import PageSpec, Panel, page_spec

SPARK_MONTHS = 60  # the sparklines' history: five years to the end of the period
class Point(NamedTuple):
    """One figure of a panel or sparkline: a metric's value in a bucket (None for a period
    total), with the share of the bucket's periods reported and the labels shown."""

    metric: str
    bucket: dt.date | None
    value: float
    coverage: float
    period: str
    label: str


SERIES_COLUMNS = ("metric", "bucket", "value", "coverage", "period", "label")  # trends, sparks
TOTAL_COLUMNS = ("metric", "bucket", "value", "coverage", "label", "period")  # breakdowns
_DTYPES = {"metric": "str", "bucket": object, "value": "float64", "coverage": "float64",
           "period": "str", "label": "str"}


def points_frame(points: list[Point], columns=SERIES_COLUMNS) -> pd.DataFrame:
    """Return points as a DataFrame (for exports and other readers; pages draw the points)."""
    return pd.DataFrame({name: pd.Series([getattr(p, name) for p in points],
                                         dtype=_DTYPES[name]) for name in columns},
                        columns=list(columns))


def frame_points(frame: pd.DataFrame) -> list[Point]:
    """Return the points of a frame with the columns of points_frame."""
    if frame.empty:
        return []
    return [Point(m, None if b is None or b is pd.NaT or (isinstance(b, float) and b != b)
                  else b, float(v), float(c), p, lab)
            for m, b, v, c, p, lab in zip(frame["metric"], frame["bucket"], frame["value"],
                                          frame["coverage"], frame["period"], frame["label"])]


class KpiView:
    """A KPI with the metric it measures and its sparkline series.

    `points` holds the sparkline, which the tile draws; `spark` is the same as a DataFrame
    (metric, bucket, value, coverage, period, label), built on first use. Setting `spark`
    sets the points from it too.
    """

    def __init__(self, kpi: Kpi, metric, spark: pd.DataFrame | None = None,
                 points: list[Point] | None = None):
        self.kpi = kpi
        self.metric = metric
        self.points = list(points or ())
        self._spark = None
        if spark is not None:
            self.spark = spark

    @property
    def spark(self) -> pd.DataFrame:
        if self._spark is None:
            self._spark = points_frame(self.points, SERIES_COLUMNS)
        return self._spark

    @spark.setter
    def spark(self, frame: pd.DataFrame) -> None:
        self._spark = frame
        self.points = frame_points(frame)

    def __repr__(self) -> str:
        return f"KpiView({self.kpi!r}, {len(self.points)} points)"


class PanelData:
    """The data behind one panel, ready to be drawn or exported.

    `points` holds the figures, which the panel's chart draws; `frame` is the same as a
    DataFrame (metric, bucket, value, coverage and the labels period and label), built on
    first use. Setting `frame` sets the points from it too. `periods` lists every bucket of a
    trend, gaps included.
    """

    def __init__(self, panel: Panel, title: str, frame: pd.DataFrame | None = None,
                 granularity: str = "month", empty_message: str | None = None,
                 notes: list[str] | None = None, periods: list[str] | None = None,
                 points: list[Point] | None = None):
        self.panel = panel
        self.title = title
        self.granularity = granularity
        self.empty_message = empty_message
        self.notes = list(notes or [])
        self.periods = list(periods or [])
        self.points = list(points or ())
        self._frame = None
        if frame is not None:
            self.frame = frame

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            totals = self.panel.kind in ("breakdown", "shares")
            self._frame = points_frame(self.points, TOTAL_COLUMNS if totals else SERIES_COLUMNS)
        return self._frame

    @frame.setter
    def frame(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self.points = frame_points(frame)

    def __repr__(self) -> str:
        return f"PanelData({self.panel.key!r}, {self.title!r}, {len(self.points)} points)"


@dataclass
class DashboardView:
    """Everything one page shows for one state."""

    page: PageSpec
    state: ViewState
    service: ServiceInfo | None
    fy_start_month: int
    extent: tuple[dt.date, dt.date] | None
    kpis: list[KpiView] = field(default_factory=list)
    panels: list[PanelData] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    empty_message: str | None = None

    @property
    def period_label(self) -> str:
        period = self.state.period
        return period.label(self.fy_start_month) if period else ""

    @property
    def comparison_period(self) -> PeriodRange | None:
        period = self.state.period
        return comparison_period(period) if period else None

    @property
    def comparison_label(self) -> str:
        earlier = self.comparison_period
        return earlier.label(self.fy_start_month) if earlier else ""


def panel_granularity(panel: Panel, granularity: str, finest: str) -> str:
    """Return the granularity a panel is drawn at: the chosen one, or coarser where the panel
    needs bigger samples or the figures are stored only by quarter or year."""
    return max(granularity, panel.min_granularity, finest, key=MONTHS_IN.get)


def page_reads(kpi_codes, panels: list[tuple[Panel, str]], period: PeriodRange,
               granularity: str, fy_start: int,
               catalogue: Catalogue = CATALOGUE) -> list[Read]:
    """List the aggregates a page reads to show its KPIs and panels, and nothing more.

    In order: the period's totals (KPIs and breakdowns), the comparison period's totals
    (KPIs), the sparklines' history at the chosen granularity (KPIs), then for each
    granularity trends are drawn at, the period's buckets of the trends' metrics, less those
    the history already holds (when the period starts a bucket, its trend is the history's
    end). Metrics are stored codes (the parts of derived ones). `panels` pairs each panel
    with the granularity it is drawn at.
    """
    kpi_stored = catalogue.stored_codes_for(kpi_codes)
    totals = catalogue.stored_codes_for([
        *kpi_codes, *(m for p, _ in panels if p.kind in ("breakdown", "shares")
                      for m in p.metrics)])
    comparison = comparison_period(period)
    reads = [Read("range", period, tuple(totals)),
             Read("range", comparison, tuple(kpi_stored)),
             Read(granularity, history_months(period, granularity, fy_start, SPARK_MONTHS),
                  tuple(kpi_stored))]
    trends: dict[str, list[str]] = {}
    for panel, grain in panels:
        if panel.kind not in ("breakdown", "shares"):
            trends.setdefault(grain, []).extend(panel.metrics)
    in_history = set(kpi_stored) if starts_bucket(period, granularity, fy_start) else set()
    for grain, codes in trends.items():
        stored = catalogue.stored_codes_for(codes)
        if grain == granularity:
            stored = [c for c in stored if c not in in_history]
        reads.append(Read(grain, period, tuple(stored)))
    return reads


def build_view(db, viewer, config: Config, page_key: str, state: ViewState,
               catalogue: Catalogue = CATALOGUE) -> DashboardView:
    """Resolve the state against the data and compute every KPI and panel of a page.

    Two statements on one connection: the service with its extent and reported measures,
    then every aggregate the page shows (dashboard.db.aggregates.aggregate_reads).
    """
    with db.reading() as conn:
        return _build_view(db, conn, viewer, config, page_key, state, catalogue)


def _build_view(db, conn, viewer, config: Config, page_key: str, state: ViewState,
                catalogue: Catalogue) -> DashboardView:
    messages = list(state.problems)
    summary = (service_summary(db, viewer, state.service, conn=conn) if state.service
               else None)
    if summary is None:
        if state.service:
            messages.append(unknown_service_note(state.service))
        code = first_service_code(db, viewer)
        summary = service_summary(db, viewer, code, conn=conn) if code else None
    if summary is None:
        spec = page_spec(page_key, None)
        return DashboardView(spec, replace(state, service=None), None, 4, None, messages=messages,
                             empty_message="There is no service to show yet. Load the demo data "
                             "(python -m dashboard seed-demo) or import your figures.")
    service = summary.service
    fy_start = config.fy_start_for(service)
    spec = page_spec(page_key, service.sector)
    extent = summary.extent
    state = resolve_period(replace(state, service=service.code), extent, fy_start)
    view = DashboardView(spec, state, service, fy_start, extent, messages=messages)
    if extent is None:
        view.empty_message = f"{service.name} has no figures yet."
        return view
    period = state.period
    if period.start > extent[1] or period.end < extent[0]:
        view.empty_message = (
            f"{service.name} has no figures for {view.period_label}. Its figures run from "
            f"{extent[0]:%b %Y} to {extent[1]:%b %Y}."
        )
        return view
    categories = set(state.categories) if spec.category is None else {spec.category}
    # Show what this service reports: a national return's services each collect their own
    # set of measures (a US system circulation, an English authority loans). A measure the
    # service has never reported is left out rather than shown empty in every period.
    reported = summary.reported

    def ever_reported(code: str) -> bool:
        return all(part in reported for part in catalogue.stored_codes_for([code]))

    kpi_codes = [c for c in spec.kpis if catalogue[c].category in categories
                 and ever_reported(c)]
    # Figures stored only by year (a national return) or quarter cannot be shown by month.
    stored_types = set().union(*reported.values()) if reported else {"month"}
    finest = min(stored_types, key=MONTHS_IN.get)
    granularity = state.granularity
    panels = []
    for p in spec.panels:
        shown = tuple(m for m in p.metrics if ever_reported(m))
        if p.category in categories and shown:
            panel = replace(p, metrics=shown) if shown != p.metrics else p
            panels.append((panel, panel_granularity(panel, granularity, finest)))

    reads = page_reads(kpi_codes, panels, period, granularity, fy_start, catalogue)
    found = aggregate_reads(db, viewer, summary, reads, fy_start, conn=conn)
    now, then, history = found[0], found[1], found[2]
    labels: dict[str, dict[dt.date, str]] = {grain: {} for grain in MONTHS_IN}

    def label(bucket: dt.date, grain: str) -> str:
        text = labels[grain].get(bucket)
        if text is None:
            text = labels[grain][bucket] = period_label(bucket, grain, fy_start)
        return text

    def series(codes, cells: dict, grain: str) -> dict[str, list[Point]]:
        found = {}
        for code, values in derived_values(cells, codes, catalogue).items():
            if values:
                name = catalogue[code].label
                found[code] = [Point(code, bucket, value, coverage, label(bucket, grain), name)
                               for bucket, (value, coverage) in values.items()]
        return found

    now_values = derived_values(now, [*kpi_codes, *(m for p, _ in panels for m in p.metrics
                                                     if p.kind in ("breakdown", "shares"))],
                                catalogue)
    then_values = derived_values(then, kpi_codes, catalogue)
    sparks = series(kpi_codes, history, granularity)
    for kpi in kpis_from_values(kpi_codes, now_values, then_values, catalogue):
        view.kpis.append(KpiView(kpi, catalogue[kpi.code], points=sparks.get(kpi.code, [])))

    # Trends per granularity: the chosen one, or a panel's coarser minimum (small samples).
    trends: dict[str, dict[str, list[Point]]] = {}
    for read, cells in zip(reads[3:], found[3:]):
        if read.granularity == granularity and starts_bucket(period, granularity, fy_start):
            cells = {**{code: {b: v for b, v in buckets.items() if b >= period.start}
                        for code, buckets in history.items()}, **cells}
        codes = [m for p, grain in panels if grain == read.granularity
                 and p.kind not in ("breakdown", "shares") for m in p.metrics]
        trends[read.granularity] = series(codes, cells, read.granularity)
    when = view.period_label
    for panel, grain in panels:
        periods = bucket_labels(period, grain, fy_start)
        if panel.kind in ("breakdown", "shares"):
            points = [Point(code, None, value, coverage, when, catalogue[code].label)
                      for code in panel.metrics if now_values.get(code)
                      for value, coverage in now_values[code].values()]
        else:
            by_metric = trends.get(grain, {})
            points = [point for code in panel.metrics for point in by_metric.get(code, ())]
        view.panels.append(_panel_data(panel, points, periods, grain, view))
    return view


def _panel_data(panel: Panel, points: list[Point], periods: list[str], granularity: str,
                view: DashboardView) -> PanelData:
    """Title and annotate a panel's figures: period totals for breakdowns, the period's
    buckets for trends."""
    when = view.period_label
    if panel.kind == "shares":
        title = f"{panel.title} (% of respondents), {when}"
    elif panel.kind == "breakdown":
        title = f"{panel.title}, {when}"
    else:
        per = GRANULARITY_LABELS[granularity].lower()
        title = f"{panel.title} by {per}, {when}"
    notes = []
    if granularity != view.state.granularity and panel.kind not in ("breakdown", "shares"):
        notes.append(f"Shown by {GRANULARITY_LABELS[granularity].lower()} at the finest: "
                     "monthly samples are too small to read.")
    partial = [p.period for p in points if p.coverage < 1]
    if partial:
        which = ", ".join(dict.fromkeys(partial))
        notes.append(f"Incomplete (not every month reported, or cut by the period chosen): "
                     f"{which}.")
    message = f"No figures for {panel.title.lower()} in {when}." if not points else None
    return PanelData(panel, title, None, granularity, message, notes, periods, points=points)
